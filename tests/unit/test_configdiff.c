/* test_configdiff.c - snapshot diff, pooled sides, the documented settings table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/util.h"
#include "results/configdiff.h"
#include "results/result.h"

static struct result *snap(const char *host, const char *kernel, const char *sched, int mhz,
			   const char *nic)
{
	struct result *r = result_new();

	assert_non_null(r);
	r->node = json_pack("{s:s, s:{s:s}, s:{s:i, s:[ss]}, s:{s:[{s:s}]}}", "hostname", host,
			    "kernel", "release", kernel, "cpu", "mhz", mhz, "flags_of_interest",
			    "avx2", "aes", "topology", "pci", "name", nic);
	r->config = json_pack("{s:{s:s}, s:{s:{s:s}}, s:n}", "sysctl", "vm.swappiness", sched,
			      "block", "vda", "scheduler", "none", "runtimes");
	assert_non_null(r->node);
	assert_non_null(r->config);
	return r;
}

static const struct cfgdiff_item *find(const struct cfgdiff *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->items[i].key, key))
			return &d->items[i];
	return NULL;
}

static void test_diff(void **state)
{
	struct result *a = snap("node-a", "5.15.0", "60", 2400, "virtio");
	struct result *b = snap("node-b", "6.6.0", "60", 3100, "mlx5");
	struct cfgdiff *d = NULL;
	const struct cfgdiff_item *it;

	(void)state;
	json_object_del(json_object_get(b->config, "block"), "vda");
	json_object_set_new(json_object_get(b->config, "sysctl"), "net.core.somaxconn",
			    json_string("4096"));
	assert_int_equal(cfgdiff_build(&a, 1, &b, 1, &d), 0);
	/* host names and clock readings are not configuration */
	assert_null(find(d, "hostname"));
	assert_null(find(d, "cpu.mhz"));
	assert_null(find(d, "sysctl.vm.swappiness"));
	assert_null(find(d, "cpu.flags_of_interest"));
	it = find(d, "kernel.release");
	assert_non_null(it);
	assert_string_equal(it->base, "5.15.0");
	assert_string_equal(it->cand, "6.6.0");
	it = find(d, "topology.pci[0].name");
	assert_non_null(it);
	assert_string_equal(it->cand, "mlx5");
	it = find(d, "block.vda.scheduler");
	assert_non_null(it);
	assert_null(it->cand);
	it = find(d, "sysctl.net.core.somaxconn");
	assert_non_null(it);
	assert_null(it->base);
	assert_int_equal(d->n, 4);
	/* sorted by key */
	assert_true(strcmp(d->items[0].key, d->items[1].key) < 0);
	cfgdiff_free(d);
	result_free(a);
	result_free(b);
}

static void test_pool_disagreement(void **state)
{
	struct result *base[] = { snap("a", "5.15.0", "60", 1, "virtio"),
				  snap("b", "5.15.0", "10", 1, "virtio") };
	struct result *cand[] = { snap("c", "5.15.0", "60", 1, "virtio") };
	struct cfgdiff *d = NULL;
	const struct cfgdiff_item *it;

	(void)state;
	json_object_set_new(json_object_get(base[0]->config, "sysctl"), "vm.dirty_ratio",
			    json_string("20"));
	assert_int_equal(cfgdiff_build(base, 2, cand, 1, &d), 0);
	it = find(d, "sysctl.vm.swappiness");
	assert_non_null(it);
	assert_string_equal(it->base, "10 | 60");
	assert_string_equal(it->cand, "60");
	it = find(d, "sysctl.vm.dirty_ratio");
	assert_non_null(it);
	assert_string_equal(it->base, "20 | absent");
	assert_null(it->cand);
	assert_int_equal(d->n, 2);
	cfgdiff_free(d);
	result_free(base[0]);
	result_free(base[1]);
	result_free(cand[0]);
}

static void test_mapping(void **state)
{
	(void)state;
	assert_true(cfgdiff_explains("net.tcp_rr.lo.1b", "sysctl.net.core.busy_poll"));
	assert_false(cfgdiff_explains("net.tcp_rr.lo.1b", "block.vda.scheduler"));
	assert_true(cfgdiff_explains("io.randread.4k", "block.nvme0n1.scheduler"));
	assert_false(cfgdiff_explains("io.randread.4k", "sysctl.net.core.somaxconn"));
	assert_true(cfgdiff_explains("container.start.runc", "runtimes.runc"));
	assert_true(cfgdiff_explains("container.start.runc", "cgroup"));
	assert_true(cfgdiff_explains("sched.wakeup.futex", "cpufreq.governor"));
	assert_true(cfgdiff_explains("sched.wakeup.futex", "kernel.cmdline"));
	assert_false(cfgdiff_explains("sched.wakeup.futex", "runtimes.runc"));
	/* the last row holds for every metric, and alone for unknown families */
	assert_true(cfgdiff_explains("io.randread.4k", "kernel.release"));
	assert_true(cfgdiff_explains("gpu.h2d", "os.version_id"));
	assert_string_equal(cfgdiff_area_of("frobnicate.x")->family, "*");
	assert_false(cfgdiff_explains("frobnicate.x", "sysctl.vm.swappiness"));
}

/* The backquoted words of s up to the next '|', joined by spaces; s moves past that '|'. */
static void words(const char **s, char *out, size_t len)
{
	const char *p = *s, *end = strchr(p, '|'), *q;
	size_t n = 0;

	out[0] = '\0';
	while ((p = strchr(p, '`')) && p < end && (q = strchr(p + 1, '`'))) {
		n += (size_t)snprintf(out + n, len - n, "%s%.*s", n ? " " : "", (int)(q - p - 1),
				      p + 1);
		p = q + 1;
	}
	*s = end + 1;
}

static void test_docs_table_matches(void **state)
{
	const char *top = getenv("TOP");
	char path[4096], fam[256], keys[1024], *text, *row, *line, *save;
	const char *p;
	size_t len, i = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/compare.md", top ? top : ".");
	text = read_all(path, &len);
	assert_non_null(text);
	row = strstr(text, "<!-- mapping:begin");
	assert_non_null(row);
	assert_non_null(strstr(row, "<!-- mapping:end -->"));
	*strstr(row, "<!-- mapping:end -->") = '\0';
	for (line = strtok_r(row, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "| `", 3))
			continue;
		p = line + 1;
		words(&p, fam, sizeof(fam));
		words(&p, keys, sizeof(keys));
		assert_true(i < cfgdiff_table_len);
		assert_string_equal(fam, cfgdiff_table[i].family);
		assert_string_equal(keys, cfgdiff_table[i].keys);
		while (*p == ' ')
			p++;
		if (strncmp(p, cfgdiff_table[i].why, strlen(cfgdiff_table[i].why)))
			fail_msg("docs row %zu: why differs from configdiff.c: %s", i, p);
		i++;
	}
	assert_int_equal(i, cfgdiff_table_len);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_pool_disagreement),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_docs_table_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
