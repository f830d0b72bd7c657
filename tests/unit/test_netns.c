/* test_netns.c - the pure parts of core/netns: names, addresses, and --tune keys to /proc/sys paths. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/netns.h"

static void test_names(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(netns_name(buf, sizeof(buf), 1234, 7, 'c'), 0);
	assert_string_equal(buf, "np-1234-7-c");
	/* the largest pid (2^22) still fits, and starts like sandbox_sweep expects */
	assert_int_equal(netns_name(buf, sizeof(buf), 4194304, 999, 'b'), 0);
	assert_string_equal(buf, "np-4194304-999-b");
	assert_int_equal(netns_name(buf, 8, 4194304, 1, 's'), -ENAMETOOLONG);
	assert_string_equal(netns_path_name(NETNS_LO), "lo");
	assert_string_equal(netns_path_name(NETNS_VETH), "veth");
	assert_string_equal(netns_path_name(NETNS_BRIDGE), "bridge");
}

static void test_addresses_stay_in_198_18_slash_15(void **state)
{
	unsigned a, b, c, d;
	char buf[16];
	int pid;

	(void)state;
	assert_int_equal(netns_addr(buf, sizeof(buf), 1, 1), 0);
	assert_string_equal(buf, "198.18.1.1");
	assert_int_equal(netns_addr(buf, sizeof(buf), 256 + 15, 2), 0);
	assert_string_equal(buf, "198.19.15.2");
	assert_int_equal(netns_addr(buf, sizeof(buf), 4194303, 254), 0);
	assert_string_equal(buf, "198.19.255.254");
	for (pid = 1; pid < 70000; pid += 97) {
		assert_int_equal(netns_addr(buf, sizeof(buf), pid, 2), 0);
		assert_int_equal(sscanf(buf, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
		assert_int_equal(a, 198);
		assert_true(b == 18 || b == 19);
		assert_int_equal(c, (unsigned)pid & 255);
		assert_int_equal(d, 2);
	}
	/* pids 512 apart share a subnet, but never a namespace: only neighbours must differ */
	assert_int_equal(netns_addr(buf, sizeof(buf), 0, 1), -EINVAL);
	assert_int_equal(netns_addr(buf, sizeof(buf), 5, 0), -EINVAL);
	assert_int_equal(netns_addr(buf, sizeof(buf), 5, 255), -EINVAL);
	assert_int_equal(netns_addr(buf, 8, 5, 1), -ENAMETOOLONG);
}

static void test_tune_paths(void **state)
{
	static const char *const bad[] = {
		"net.", "net", "net..core", "net.core.", "net.core/../../kernel", "net.core.x y", "net.a;b",
		"vm.swappiness", "kernel.pid_max", "", "netx.core.somaxconn", "net.core.$x",
	};
	char path[256];
	size_t i;

	(void)state;
	assert_int_equal(netns_tune_path("net.core.somaxconn", path, sizeof(path)), 0);
	assert_string_equal(path, "/proc/sys/net/core/somaxconn");
	assert_int_equal(netns_tune_path("net.ipv4.tcp_rmem", path, sizeof(path)), 0);
	assert_string_equal(path, "/proc/sys/net/ipv4/tcp_rmem");
	assert_int_equal(netns_tune_path("net.bridge.bridge-nf-call-iptables", path, sizeof(path)), 0);
	assert_string_equal(path, "/proc/sys/net/bridge/bridge-nf-call-iptables");
	assert_int_equal(netns_tune_path("net.ipv4.conf.default.rp_filter", path, sizeof(path)), 0);
	assert_string_equal(path, "/proc/sys/net/ipv4/conf/default/rp_filter");
	/* io benches' keys are not errors for a net bench: skipped */
	assert_int_equal(netns_tune_path("block.scheduler", path, sizeof(path)), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = netns_tune_path(bad[i], path, sizeof(path));

		if (rc != -EINVAL)
			fail_msg("'%s' gave %d, expected -EINVAL", bad[i], rc);
	}
	assert_int_equal(netns_tune_path("net.core.somaxconn", path, 20), -ENAMETOOLONG);
	assert_int_equal(netns_tune_path("net.core.somaxconn", path, 5), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_addresses_stay_in_198_18_slash_15),
		cmocka_unit_test(test_tune_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
