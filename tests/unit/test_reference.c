/* test_reference.c - the built-in AKS OS references and a node snapshot held against them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "profiles/reference.h"

static const struct reference_item *item(const struct reference_diff *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->items[i].key, key))
			return &d->items[i];
	fail_msg("no item %s", key);
	return NULL;
}

static const char *ref_sysctl(const json_t *ref, const char *group, const char *key)
{
	return json_string_value(json_object_get(json_object_get(ref, group), key));
}

static void test_builtin_facts(void **state)
{
	json_t *u22 = NULL, *u24 = NULL, *azl = NULL;
	char err[256];

	(void)state;
	assert_int_equal(reference_load("ubuntu-22.04", &u22, err, sizeof(err)), 0);
	assert_int_equal(reference_load("ubuntu-24.04", &u24, err, sizeof(err)), 0);
	assert_int_equal(reference_load("azurelinux-3.0", &azl, err, sizeof(err)), 0);
	/* the rows where the three images differ (reference/aks-node-defaults.md) */
	assert_string_equal(ref_sysctl(u22, "sysctl", "net.core.rmem_max"), "1048576");
	assert_string_equal(ref_sysctl(azl, "sysctl", "net.core.rmem_max"), "212992");
	assert_string_equal(ref_sysctl(u22, "sysctl", "net.core.optmem_max"), "20480");
	assert_string_equal(ref_sysctl(u24, "sysctl", "net.core.optmem_max"), "131072");
	assert_string_equal(ref_sysctl(azl, "sysctl", "net.ipv4.tcp_max_tw_buckets"), "131072");
	assert_string_equal(ref_sysctl(azl, "sysctl", "fs.nr_open"), "1073741816");
	assert_string_equal(ref_sysctl(u22, "sysctl", "vm.max_map_count"), "65530");
	assert_string_equal(ref_sysctl(u24, "sysctl", "vm.max_map_count"), "1048576");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(azl, "thp"), "enabled")), "madvise");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(u24, "thp"), "enabled")), "always");
	assert_string_equal(ref_sysctl(azl, "sysctl_every_node", "vm.overcommit_memory"), "1");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(azl, "kernel"), "release")),
	    "6.6.150.1-1.azl3");
	/* each names its source */
	assert_non_null(strstr(json_string_value(json_array_get(json_object_get(u22, "source"), 0)),
			       "custom-node-configuration-reference.md"));
	json_decref(u22);
	json_decref(u24);
	json_decref(azl);
}

static void test_load_errors(void **state)
{
	char dir[] = "/tmp/nodeperf-test-ref-XXXXXX", path[128], err[256] = "";
	json_t *ref = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(reference_load("ubuntu-18.04", &ref, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no reference called 'ubuntu-18.04'"));
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"schema\": \"nodeperf/reference/v9\", \"name\": \"x\", \"source\": [\"me\"]}\n",
	      f);
	fclose(f);
	assert_int_equal(reference_load(path, &ref, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "schema is not nodeperf/reference/v1"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"schema\": \"nodeperf/reference/v1\",\n \"name\": }\n", f);
	fclose(f);
	assert_int_equal(reference_load(path, &ref, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad.json:2:"));
	unlink(path);
	rmdir(dir);
}

static void test_diff(void **state)
{
	char root[] = "/tmp/nodeperf-test-ref-XXXXXX", path[256], err[256];
	json_t *ref = NULL, *node, *config;
	struct reference_diff *d = NULL;
	const struct reference_item *it;
	FILE *f;

	(void)state;
	assert_int_equal(reference_load("azurelinux-3.0", &ref, err, sizeof(err)), 0);
	node = json_pack("{s:{s:s, s:s}, s:{s:s}, s:I}", "os", "id", "azurelinux", "version_id",
			 "3.0", "kernel", "release", "6.6.150.1-1.azl3", "memory_bytes",
			 (json_int_t)16 << 30);
	config = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}", "sysctl", "net.core.somaxconn", "4096",
			   "net.ipv4.ip_local_port_range", "32768\t60999", "thp", "enabled",
			   "madvise", "defrag", "madvise");
	/* a sysctl the snapshot does not record comes from SYSROOT/proc/sys */
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/proc", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/sys", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/sys/vm", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/sys/vm/swappiness", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("60\n", f);
	fclose(f);

	assert_int_equal(reference_diff(ref, node, config, root, &d, err, sizeof(err)), 0);
	assert_false(item(d, "os")->differs);
	assert_false(item(d, "kernel.release")->differs);
	assert_false(item(d, "thp.enabled")->differs);
	it = item(d, "net.core.somaxconn");
	assert_true(it->differs);
	assert_string_equal(it->node, "4096");
	assert_string_equal(it->ref, "16384");
	assert_string_equal(it->group, "sysctl");
	/* tabs in /proc values read as spaces */
	assert_false(item(d, "net.ipv4.ip_local_port_range")->differs);
	assert_false(item(d, "vm.swappiness")->differs);
	it = item(d, "vm.overcommit_memory");
	assert_true(it->differs);
	assert_string_equal(it->node, "(absent)");
	assert_string_equal(it->group, "sysctl_every_node");
	/* RAM / 16384 with 16 GiB */
	assert_string_equal(item(d, "net.netfilter.nf_conntrack_max")->ref, "1048576");
	assert_string_equal(item(d, "net.netfilter.nf_conntrack_buckets")->ref, "262144");
	reference_diff_free(d);

	unlink(path);
	snprintf(path, sizeof(path), "%s/proc/sys/vm", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc/sys", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc", root);
	rmdir(path);
	rmdir(root);
	json_decref(node);
	json_decref(config);
	json_decref(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_facts),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
