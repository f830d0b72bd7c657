/* test_result.c - result model: building, JSON shape, atomic write, validated read, summary. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "results/result.h"

/* Fixtures and the schema are found relative to NP_SRCDIR (default: the cwd, the repo root). */
static const char *srcdir(void)
{
	const char *d = getenv("NP_SRCDIR");

	return d && *d ? d : ".";
}

static char *src_path(const char *rel)
{
	static char buf[4][1024];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", srcdir(), rel);
	return p;
}

/* Names in dir other than . and .., joined by spaces. */
static void dir_list(const char *dir, char *out, size_t len)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	out[0] = '\0';
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? " " : "",
				 de->d_name);
	closedir(d);
}

static int tmpdir_setup(void **state)
{
	char *dir = strdup("/tmp/np-test-result-XXXXXX");

	if (!dir || !mkdtemp(dir))
		return -1;
	*state = dir;
	return 0;
}

static int tmpdir_teardown(void **state)
{
	char *dir = *state, path[1100];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
	return 0;
}

/* 0 when file validates against docs/result-schema.json (at pointer, if given). */
static int schema_check(const char *file, const char *pointer)
{
	char out[4096];
	char *argv[] = { "/usr/bin/python3", src_path("tests/schema_check.py"),
			 src_path("docs/result-schema.json"), (char *)file, (char *)pointer, NULL };
	int rc = spawn_capture(argv, out, sizeof(out));

	if (rc)
		print_error("schema_check.py %s: rc %d: %s\n", file, rc, out);
	return rc;
}

static json_t *sample_node(void)
{
	return json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:b}, s:{s:s, s:i}, s:n}",
			 "hostname", "test-node", "os", "id", "debian", "version_id", "12",
			 "kernel", "release", "6.1.0-test", "cmdline", "ro quiet", "btf", 1,
			 "cpu", "model", "Test CPU", "count", 2, "topology");
}

static json_t *sample_config(void)
{
	return json_pack("{s:{s:s, s:n}, s:{s:s, s:s}, s:{}, s:s, s:{s:s}}",
			 "sysctl", "net.core.somaxconn", "4096", "vm.swappiness",
			 "thp", "enabled", "madvise", "defrag", "madvise", "block", "cgroup", "v2",
			 "runtimes", "runc", "1.1.5");
}

/* A result that uses every part of the model. */
static struct result *sample_result(void)
{
	static char *const argv[] = { "nodeperf", "run", "--suite", "quick" };
	struct result *r = result_new();
	struct metric *m;
	struct hist *h;
	uint64_t v;
	int rep;

	assert_non_null(r);
	r->run_id = strdup("test-node-20261128T111315Z-1");
	r->label = strdup("azurelinux-3");
	r->suite = strdup("quick");
	r->started = strdup("2026-11-28T11:13:15Z");
	r->duration_s = 12.345678901234567;
	r->partial = 1;
	assert_int_equal(result_set_argv(r, 4, argv), 0);
	r->node = sample_node();
	r->config = sample_config();
	r->probes = json_pack("[{s:s, s:s, s:i, s:f}]", "name", "runqlat", "attach", "tp_btf",
			      "events", 123, "cost_ns_per_event", 95.5);

	m = result_add_metric(r, "sched.wakeup.futex", "ns", BETTER_LOWER);
	assert_non_null(m);
	h = hist_new();
	assert_non_null(h);
	/* Wide enough to cover exact and log-linear buckets. */
	for (v = 1; v < 5000000; v = v * 7 / 5 + 1)
		hist_record(h, v);
	hist_record(h, 3000);
	hist_record(h, 3000);
	metric_set_hist(m, h);
	for (rep = 0; rep < 5; rep++) {
		assert_int_equal(metric_add_rep(m, "p50", 3000 + rep * 0.25), 0);
		assert_int_equal(metric_add_rep(m, "p99", 9000 - rep), 0);
	}
	m->params = json_pack("{s:s, s:[ii]}", "pair", "any_two_cores", "cpus", 0, 1);
	m->probes = json_pack("{s:{s:i}}", "runqlat", "events", 7);

	m = result_add_metric(r, "mem.bw.copy", "B/s", BETTER_HIGHER);
	assert_non_null(m);
	m->n = 3;
	m->min = 1.1e10;
	m->mean = m->p50 = 1.2e10;
	m->stddev = 1e9 / 3;
	m->p90 = m->p99 = m->p999 = m->max = 1.3e10;
	assert_int_equal(metric_add_rep(m, "p50", 1.1e10), 0);
	assert_int_equal(metric_add_rep(m, "p50", 1.3e10), 0);
	assert_int_equal(metric_add_rep(m, "p50", 1.2e10), 0);

	/* A metric with nothing measured yet: an empty histogram, no reps. */
	m = result_add_metric(r, "sched.ctxswitch", "ns", BETTER_LOWER);
	assert_non_null(m);
	h = hist_new();
	assert_non_null(h);
	metric_set_hist(m, h);
	assert_true(m->n == 0 && m->min == 0 && m->p50 == 0 && m->max == 0);

	assert_int_equal(result_add_skip(r, "gpu.h2d", "libcuda.so.1 not found"), 0);
	assert_int_equal(result_add_skip(r, "io.randread", "no O_DIRECT on tmpfs"), 0);
	return r;
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same_result(const struct result *a, const struct result *b)
{
	size_t i, j, k;

	assert_string_equal(a->tool_version, b->tool_version);
	assert_string_equal(a->run_id, b->run_id);
	assert_str_eq_or_null(a->label, b->label);
	assert_string_equal(a->suite, b->suite);
	assert_string_equal(a->started, b->started);
	assert_true(a->duration_s == b->duration_s);
	assert_int_equal(a->argc, b->argc);
	for (i = 0; i < a->argc; i++)
		assert_string_equal(a->argv[i], b->argv[i]);
	assert_int_equal(!!a->partial, !!b->partial);
	assert_true(json_equal(a->node, b->node));
	assert_true(json_equal(a->config, b->config));
	assert_true(json_equal(a->probes, b->probes));
	assert_int_equal(a->nmetrics, b->nmetrics);
	for (i = 0; i < a->nmetrics; i++) {
		const struct metric *x = &a->metrics[i], *y = &b->metrics[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->unit, y->unit);
		assert_int_equal(x->better, y->better);
		assert_int_equal(x->n, y->n);
		/* 17 significant digits: doubles come back bit for bit. */
		assert_true(x->min == y->min && x->mean == y->mean && x->stddev == y->stddev);
		assert_true(x->p50 == y->p50 && x->p90 == y->p90 && x->p99 == y->p99);
		assert_true(x->p999 == y->p999 && x->max == y->max);
		assert_int_equal(x->nreps, y->nreps);
		for (j = 0; j < x->nreps; j++) {
			assert_string_equal(x->reps[j].stat, y->reps[j].stat);
			assert_int_equal(x->reps[j].n, y->reps[j].n);
			for (k = 0; k < x->reps[j].n; k++)
				assert_true(x->reps[j].v[k] == y->reps[j].v[k]);
		}
		assert_int_equal(!x->hist, !y->hist);
		if (x->hist) {
			assert_int_equal(x->hist->count, y->hist->count);
			assert_int_equal(x->hist->sum, y->hist->sum);
			assert_int_equal(x->hist->min, y->hist->min);
			assert_int_equal(x->hist->max, y->hist->max);
			assert_memory_equal(x->hist->buckets, y->hist->buckets,
					    sizeof(x->hist->buckets));
		}
		assert_int_equal(!x->params, !y->params);
		assert_true(!x->params || json_equal(x->params, y->params));
		assert_int_equal(!x->probes, !y->probes);
		assert_true(!x->probes || json_equal(x->probes, y->probes));
		assert_int_equal(x->nenv, y->nenv);
		assert_int_equal(x->env_bench_scope, y->env_bench_scope);
		for (j = 0; j < x->nenv; j++)
			assert_memory_equal(&x->env[j], &y->env[j], sizeof(x->env[j]));
	}
	assert_int_equal(a->rounds, b->rounds);
	assert_int_equal(a->has_seed, b->has_seed);
	assert_true(a->seed == b->seed);
	assert_int_equal(!a->order, !b->order);
	assert_true(!a->order || json_equal(a->order, b->order));
	assert_int_equal(a->nskipped, b->nskipped);
	for (i = 0; i < a->nskipped; i++) {
		assert_string_equal(a->skipped[i].bench, b->skipped[i].bench);
		assert_string_equal(a->skipped[i].reason, b->skipped[i].reason);
	}
}

static void test_model(void **state)
{
	struct result *r = result_new();
	struct metric *m;
	struct hist *h;
	int i;

	(void)state;
	assert_non_null(r);
	assert_non_null(r->tool_version);
	for (i = 0; i < 40; i++) {
		char name[32];

		snprintf(name, sizeof(name), "t.m%d", i);
		assert_non_null(result_add_metric(r, name, "ns", BETTER_LOWER));
	}
	assert_int_equal(r->nmetrics, 40);
	assert_string_equal(result_find_metric(r, "t.m39")->name, "t.m39");
	assert_null(result_find_metric(r, "t.m40"));

	m = &r->metrics[0];
	assert_int_equal(metric_add_rep(m, "p50", NAN), -EINVAL);
	assert_int_equal(metric_add_rep(m, "p50", INFINITY), -EINVAL);
	assert_int_equal(metric_add_rep(m, "toolongname", 1), -EINVAL);
	assert_int_equal(metric_add_rep(m, "", 1), -EINVAL);
	assert_int_equal(m->nreps, 0);
	assert_int_equal(metric_add_rep(m, "p50", 1), 0);
	assert_int_equal(metric_add_rep(m, "p90", 2), 0);
	assert_int_equal(metric_add_rep(m, "p99", 3), 0);
	assert_int_equal(metric_add_rep(m, "max", 4), 0);
	assert_int_equal(metric_add_rep(m, "mean", 5), -ENOSPC);
	assert_int_equal(metric_add_rep(m, "p50", 6), 0);
	assert_int_equal(metric_reps(m, "p50")->n, 2);
	assert_true(metric_reps(m, "p50")->v[1] == 6);
	assert_null(metric_reps(m, "mean"));

	h = hist_new();
	assert_non_null(h);
	for (i = 1; i <= 1000; i++)
		hist_record(h, (uint64_t)i * 100);
	metric_set_hist(m, h);
	assert_ptr_equal(m->hist, h);
	assert_int_equal(m->n, 1000);
	assert_true(m->min == 100 && m->max == 100000);
	assert_true(m->mean == hist_mean(h) && m->stddev == hist_stddev(h));
	assert_true(m->p50 == (double)hist_quantile(h, 0.5));
	assert_true(m->p999 == (double)hist_quantile(h, 0.999));
	assert_true(m->p50 <= m->p90 && m->p90 <= m->p99 && m->p99 <= m->p999 && m->p999 <= m->max);
	/* Replacing the histogram frees the old one (ASan would notice a leak). */
	h = hist_new();
	assert_non_null(h);
	hist_record(h, 42);
	metric_set_hist(m, h);
	assert_int_equal(m->n, 1);
	assert_true(m->min == 42 && m->p50 == 42 && m->max == 42);
	result_free(r);
}

static void test_json_shape(void **state)
{
	static const char *const top[] = { "schema", "tool", "run", "node", "config", "metrics",
					   "probes", "skipped" };
	static const char *const run[] = { "id", "label", "suite", "started", "duration_s", "argv",
					   "partial" };
	static const char *const met[] = { "name", "unit", "better", "n", "min", "mean", "stddev",
					   "p50", "p90", "p99", "p999", "max", "reps", "hist",
					   "params", "probes" };
	struct result *r = sample_result();
	json_t *j, *m, *b, *v;
	const char *key;
	size_t i;

	(void)state;
	j = result_to_json(r);
	assert_non_null(j);
	i = 0;
	json_object_foreach(j, key, v)
		assert_string_equal(key, top[i++]);
	assert_int_equal(i, 8);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), RESULT_SCHEMA);
	i = 0;
	json_object_foreach(json_object_get(j, "run"), key, v)
		assert_string_equal(key, run[i++]);
	assert_int_equal(i, 7);
	assert_true(json_is_true(json_object_get(json_object_get(j, "run"), "partial")));

	m = json_array_get(json_object_get(j, "metrics"), 0);
	i = 0;
	json_object_foreach(m, key, v)
		assert_string_equal(key, met[i++]);
	assert_int_equal(i, 16);
	assert_true(json_is_integer(json_object_get(m, "n")));
	assert_true(json_is_real(json_object_get(m, "p50")));
	assert_true(json_is_real(json_array_get(json_object_get(json_object_get(m, "reps"), "p50"), 0)));
	b = json_object_get(json_object_get(m, "hist"), "buckets");
	assert_true(json_array_size(b) > 10);
	for (i = 0; i < json_array_size(b); i++) {
		json_t *pair = json_array_get(b, i);

		assert_true(json_is_integer(json_array_get(pair, 0)));
		assert_true(json_integer_value(json_array_get(pair, 1)) >= 1);
		assert_true(i == 0 || json_integer_value(json_array_get(pair, 0)) >
			    json_integer_value(json_array_get(json_array_get(b, i - 1), 0)));
	}
	assert_true(json_is_integer(json_object_get(json_object_get(m, "hist"), "sum")));
	m = json_array_get(json_object_get(j, "metrics"), 1);
	assert_string_equal(json_string_value(json_object_get(m, "better")), "higher");
	assert_null(json_object_get(m, "hist"));
	assert_null(json_object_get(m, "params"));
	assert_null(json_object_get(m, "probes"));
	json_decref(j);

	/* Not partial, no label, no node: no "partial" key, label null, node {}. */
	r->partial = 0;
	free(r->label);
	r->label = NULL;
	json_decref(r->node);
	r->node = NULL;
	j = result_to_json(r);
	assert_non_null(j);
	assert_null(json_object_get(json_object_get(j, "run"), "partial"));
	assert_true(json_is_null(json_object_get(json_object_get(j, "run"), "label")));
	assert_int_equal(json_object_size(json_object_get(j, "node")), 0);
	json_decref(j);
	result_free(r);
}

static void test_roundtrip(void **state)
{
	const char *dir = *state;
	char path[1024], err[512], names[1024];
	struct result *r = sample_result(), *back;

	snprintf(path, sizeof(path), "%s/result.json", dir);
	assert_int_equal(result_write(r, path, err, sizeof(err)), 0);
	dir_list(dir, names, sizeof(names));
	assert_string_equal(names, "result.json");
	assert_int_equal(schema_check(path, NULL), 0);

	back = result_read(path, err, sizeof(err));
	if (!back)
		fail_msg("%s", err);
	assert_same_result(r, back);
	result_free(back);

	/* Again without the optional parts, overwriting the first file. */
	r->partial = 0;
	free(r->label);
	r->label = NULL;
	assert_int_equal(result_write(r, path, err, sizeof(err)), 0);
	dir_list(dir, names, sizeof(names));
	assert_string_equal(names, "result.json");
	assert_int_equal(schema_check(path, NULL), 0);
	back = result_read(path, err, sizeof(err));
	if (!back)
		fail_msg("%s", err);
	assert_same_result(r, back);
	result_free(back);
	result_free(r);
}

static void test_write_errors(void **state)
{
	const char *dir = *state;
	char path[1024], err[512], names[1024];
	struct result *r = sample_result();

	snprintf(path, sizeof(path), "%s/missing/result.json", dir);
	assert_int_equal(result_write(r, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	/* A directory in the way of the rename: the temp file must go. */
	snprintf(path, sizeof(path), "%s/adir", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(result_write(r, path, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, path));
	dir_list(dir, names, sizeof(names));
	assert_string_equal(names, "adir");
	rmdir(path);
	result_free(r);
}

/* Documented in result.h: non-finite numbers are refused, never written. */
static void test_nonfinite_refused(void **state)
{
	const char *dir = *state;
	char path[1024], err[512], names[1024];
	struct result *r = sample_result();

	snprintf(path, sizeof(path), "%s/result.json", dir);
	r->metrics[1].p99 = NAN;
	errno = 0;
	assert_null(result_to_json(r));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(result_write(r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "metrics[1].p99"));
	assert_non_null(strstr(err, "not a finite number"));
	dir_list(dir, names, sizeof(names));
	assert_string_equal(names, "");

	r->metrics[1].p99 = 1.3e10;
	r->metrics[1].reps[0].v[1] = -INFINITY;
	assert_int_equal(result_write(r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "metrics[1].reps: p50[1] is not a finite number"));
	r->metrics[1].reps[0].v[1] = 1.3e10;
	r->duration_s = INFINITY;
	assert_int_equal(result_write(r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "run.duration_s"));
	r->duration_s = 1;

	/* What the reader would refuse is not written either. */
	r->metrics[1].p50 = 2e10;
	assert_int_equal(result_write(r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "metrics[1].p90: 13000000000 is less than p50 (20000000000)"));
	r->metrics[1].p50 = 1.2e10;
	free(r->run_id);
	r->run_id = NULL;
	assert_int_equal(result_write(r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "run.id is not set"));
	dir_list(dir, names, sizeof(names));
	assert_string_equal(names, "");
	result_free(r);
}

static void test_read_valid_fixture(void **state)
{
	const char *path = src_path("tests/fixtures/result-valid.json");
	char err[512];
	struct result *r;
	const struct metric *m;
	const struct rep_series *s;

	(void)state;
	assert_int_equal(schema_check(path, NULL), 0);
	r = result_read(path, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	assert_string_equal(r->label, "azurelinux-3");
	assert_string_equal(r->suite, "quick");
	assert_int_equal(r->argc, 8);
	assert_false(r->partial);
	assert_string_equal(json_string_value(json_object_get(r->node, "hostname")),
			    "aks-nodepool1-12345678-vmss000000");
	assert_int_equal(r->nmetrics, 2);
	m = result_find_metric(r, "sched.wakeup.futex");
	assert_non_null(m);
	assert_int_equal(m->n, 42);
	assert_true(m->p50 == 2991 && m->max == 14250);
	assert_non_null(m->hist);
	assert_int_equal(m->hist->count, 42);
	assert_int_equal(m->hist->sum, 146923);
	assert_int_equal(m->hist->min, 2489);
	assert_int_equal(m->hist->buckets[403], 3);
	assert_int_equal(hist_quantile(m->hist, 0.5), 2991);
	s = metric_reps(m, "p99");
	assert_non_null(s);
	assert_int_equal(s->n, 5);
	assert_true(s->v[1] == 9135);
	assert_non_null(m->params);
	m = result_find_metric(r, "mem.bw.copy");
	assert_non_null(m);
	assert_int_equal(m->better, BETTER_HIGHER);
	assert_null(m->hist);
	assert_int_equal(json_array_size(r->probes), 1);
	assert_int_equal(r->nskipped, 1);
	assert_string_equal(r->skipped[0].reason, "libcuda.so.1 not found");
	result_free(r);
}

static void expect_read_error(const char *fixture, const char *expected, int exact)
{
	char want[1024], err[512];
	const char *path = src_path(fixture);
	struct result *r;

	snprintf(want, sizeof(want), "%s%s", path, expected);
	err[0] = '\0';
	r = result_read(path, err, sizeof(err));
	if (r)
		fail_msg("%s: read succeeded", fixture);
	if (exact ? strcmp(err, want) : strncmp(err, want, strlen(want)))
		fail_msg("got:  %s\nwant: %s%s", err, want, exact ? "" : "...");
}

static void test_read_broken_fixtures(void **state)
{
	(void)state;
	/* Syntax: jansson's position and text. */
	expect_read_error("tests/fixtures/result-truncated.json",
			  ":38:12: '}' expected near end of file", 1);
	expect_read_error("tests/fixtures/result-trailing-garbage.json",
			  ":74:1: end of file expected near '}'", 1);
	expect_read_error("tests/fixtures/result-duplicate-key.json",
			  ":40:8: duplicate object key near '\"p99\"'", 1);
	/* Structure: our position (the offending value) and message. */
	expect_read_error("tests/fixtures/result-bad-type.json",
			  ":37:11: metrics[0].p50: expected a number", 1);
	expect_read_error("tests/fixtures/result-no-schema.json",
			  ":1:1: missing required key \"schema\"", 1);
	expect_read_error("tests/fixtures/result-schema-v2.json",
			  ": schema nodeperf/result/v2 is not supported by this nodeperf (reads v1)", 1);
	expect_read_error("tests/fixtures/result-bad-bucket.json",
			  ":47:88: metrics[0].hist.buckets[23][0]: bucket index 5000 out of range (0..2047)", 1);
	expect_read_error("tests/fixtures/result-negative-n.json",
			  ":59:9: metrics[1].n: expected a non-negative integer", 1);
	expect_read_error("tests/fixtures/result-unordered.json",
			  ":64:11: metrics[1].p90: 12400000000 is less than p50 (12500000000)", 0);
	expect_read_error("tests/fixtures/no-such-file.json",
			  ": No such file or directory", 1);
}

/* Write text to dir/t.json and expect result_read to fail with msg after "PATH". */
static void expect_text_error(const char *dir, const char *text, const char *msg)
{
	char path[1024], want[1200], err[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/t.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	snprintf(want, sizeof(want), "%s%s", path, msg);
	assert_null(result_read(path, err, sizeof(err)));
	if (strcmp(err, want))
		fail_msg("got:  %s\nwant: %s", err, want);
	unlink(path);
}

static void test_read_structure_errors(void **state)
{
	const char *dir = *state;
	const char *head = "{\"schema\": \"nodeperf/result/v1.3\", \"tool\": {\"name\": \"nodeperf\", "
			   "\"version\": \"0.1.0\"},\n\"run\": {\"id\": \"x\", \"label\": null, "
			   "\"suite\": \"quick\", \"started\": \"2026-11-28T11:13:15.25+01:00\", "
			   "\"duration_s\": 1, \"argv\": []},\n\"node\": {}, \"config\": {},\n";
	char text[2048];

	expect_text_error(dir, "[1, 2]", ":1:1: expected an object");
	expect_text_error(dir, "{\"schema\": \"nodeperf/other/v1\"}",
			  ":1:12: schema: \"nodeperf/other/v1\" is not a nodeperf result schema "
			  "(expected nodeperf/result/v1)");
	expect_text_error(dir, "{\"schema\": 1}", ":1:12: schema: expected a string");
	expect_text_error(dir, "{\"schema\": \"nodeperf/result/v1\"}",
			  ":1:1: missing required key \"tool\"");

#define WITH(s) (snprintf(text, sizeof(text), "%s%s", head, s), text)
	expect_text_error(dir, WITH("\"metrics\": {}, \"probes\": [], \"skipped\": []}"),
			  ":4:12: metrics: expected an array");
	expect_text_error(dir, WITH("\"metrics\": [], \"probes\": [], \"skipped\": [{\"bench\": \"a.b\"}]}"),
			  ":4:42: skipped[0]: missing required key \"reason\"");
	expect_text_error(dir, WITH("\"metrics\": [], \"probes\": [7], \"skipped\": []}"),
			  ":4:27: probes[0]: expected an object");
	expect_text_error(dir, WITH("\"metrics\": [{\"name\": \"Bad\", \"unit\": \"ns\", \"better\": \"lower\", "
				    "\"n\": 0, \"min\": 0, \"mean\": 0, \"stddev\": 0, \"p50\": 0, \"p90\": 0, "
				    "\"p99\": 0, \"p999\": 0, \"max\": 0, \"reps\": {}}], \"probes\": [], "
				    "\"skipped\": []}"),
			  ":4:22: metrics[0].name: \"Bad\" is not a metric name "
			  "(lower-case family.test[.variant...])");
	expect_text_error(dir, WITH("\"metrics\": [{\"name\": \"a.b\", \"unit\": \"ms\", \"better\": \"lower\", "
				    "\"n\": 0, \"min\": 0, \"mean\": 0, \"stddev\": 0, \"p50\": 0, \"p90\": 0, "
				    "\"p99\": 0, \"p999\": 0, \"max\": 0, \"reps\": {\"p50\": []}}], \"probes\": [], "
				    "\"skipped\": []}"),
			  ":4:171: metrics[0].reps.p50: expected at least one value");
	expect_text_error(dir, WITH("\"metrics\": [{\"name\": \"a.b\", \"unit\": \"ms\", \"better\": \"lower\", "
				    "\"n\": 0, \"min\": 0, \"mean\": 0, \"stddev\": 0, \"p50\": 0, \"p90\": 0, "
				    "\"p99\": 0, \"p999\": 0, \"max\": 0, \"reps\": {}}], \"probes\": [], "
				    "\"skipped\": []}"),
			  ":4:37: metrics[0].unit: \"ms\" is not a unit of schema v1 "
			  "(ns, B/s, ops/s, B, count, ratio, %)");
	/* Histogram: count must match n, min and max must sit in the outer buckets. */
	expect_text_error(dir, WITH("\"metrics\": [{\"name\": \"a.b\", \"unit\": \"ns\", \"better\": \"lower\", "
				    "\"n\": 3, \"min\": 5, \"mean\": 5, \"stddev\": 0, \"p50\": 5, \"p90\": 5, "
				    "\"p99\": 5, \"p999\": 5, \"max\": 5, \"reps\": {}, \"hist\": {\"scheme\": "
				    "\"loglin6\", \"buckets\": [[5, 2]], \"min\": 5, \"max\": 5, \"sum\": 10}}], "
				    "\"probes\": [], \"skipped\": []}"),
			  ":4:67: metrics[0].n: is 3 but the histogram holds 2 values");
	expect_text_error(dir, WITH("\"metrics\": [{\"name\": \"a.b\", \"unit\": \"ns\", \"better\": \"lower\", "
				    "\"n\": 2, \"min\": 5, \"mean\": 5, \"stddev\": 0, \"p50\": 5, \"p90\": 5, "
				    "\"p99\": 5, \"p999\": 5, \"max\": 5, \"reps\": {}, \"hist\": {\"scheme\": "
				    "\"loglin6\", \"buckets\": [[5, 2]], \"min\": 4, \"max\": 5, \"sum\": 10}}], "
				    "\"probes\": [], \"skipped\": []}"),
			  ":4:225: metrics[0].hist.min: 4 is not in the first non-empty bucket (5)");
	expect_text_error(dir, WITH("\"metrics\": [{\"name\": \"a.b\", \"unit\": \"ns\", \"better\": \"lower\", "
				    "\"n\": 2, \"min\": 5, \"mean\": 5, \"stddev\": 0, \"p50\": 5, \"p90\": 5, "
				    "\"p99\": 5, \"p999\": 5, \"max\": 5, \"reps\": {}, \"hist\": {\"scheme\": "
				    "\"loglin6\", \"buckets\": [[6, 1], [5, 1]], \"min\": 5, \"max\": 6, \"sum\": 11}}], "
				    "\"probes\": [], \"skipped\": []}"),
			  ":4:218: metrics[0].hist.buckets[1][0]: bucket index 5 not above the previous one (6)");
	expect_text_error(dir, WITH("\"metrics\": [{\"name\": \"a.b\", \"unit\": \"ns\", \"better\": \"lower\", "
				    "\"n\": 2, \"min\": 5, \"mean\": 5, \"stddev\": 0, \"p50\": 5, \"p90\": 5, "
				    "\"p99\": 5, \"p999\": 5, \"max\": 5, \"reps\": {}, \"hist\": {\"scheme\": "
				    "\"loglin6\", \"buckets\": [[5, 0]], \"min\": 5, \"max\": 5, \"sum\": 10}}], "
				    "\"probes\": [], \"skipped\": []}"),
			  ":4:213: metrics[0].hist.buckets[0][1]: expected a count >= 1");
#undef WITH
}

static void test_from_json_without_text(void **state)
{
	char err[256];
	json_t *j = json_pack("{s:s}", "schema", "nodeperf/result/v1");

	(void)state;
	assert_null(result_from_json(j, "mem", err, sizeof(err)));
	assert_string_equal(err, "mem: missing required key \"tool\"");
	json_decref(j);
}

static void test_format_value(void **state)
{
	static const struct {
		double v;
		const char *unit, *want;
	} cases[] = {
		{ 0, "ns", "0 ns" },		{ 412, "ns", "412 ns" },
		{ 12.5, "ns", "12.5 ns" },	{ 999.4, "ns", "999 ns" },
		{ 999.7, "ns", "1.00 us" },	{ 2991, "ns", "2.99 us" },
		{ 14260, "ns", "14.3 us" },	{ 1.5e9, "ns", "1.50 s" },
		{ 3.6e12, "ns", "3600 s" },	{ 12.1e9, "B/s", "12.1 GB/s" },
		{ 950, "B/s", "950 B/s" },	{ 4096, "B", "4.00 KiB" },
		{ 2.5e5, "ops/s", "250 Kops/s" }, { 1234, "count", "1.23k" },
		{ 17, "count", "17" },		{ 0.5, "ratio", "0.5" },
		{ 12.34, "%", "12.3%" },
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		result_format_value(cases[i].v, cases[i].unit, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want))
			fail_msg("%g %s: got \"%s\", want \"%s\"", cases[i].v, cases[i].unit, buf,
				 cases[i].want);
	}
}

static size_t width(const char *s, size_t len)
{
	size_t w = 0;

	while (len--)
		w += (*s++ & 0xc0) != 0x80;
	return w;
}


/* Five repetitions' environments: the second disturbed by other processes, the fourth by a fault. */
static void sample_env(struct rep_env *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		e[i] = (struct rep_env){ .round = (unsigned)(i / 2), .wall_s = 0.3 + (double)i / 1024,
					 .steal_s = 0.001, .other_cpu_s = 0.01, .invol_csw = (double)i,
					 .irq = 1000 + (double)i, .softirq = 200, .major_faults = 0 };
	}
	e[1].other_cpu_s = 0.45;	/* 1.5 CPUs on average */
	if (n > 3)
		e[3].major_faults = 40;
}

static void test_disturbance_roundtrip(void **state)
{
	const char *dir = *state;
	char path[1024], err[512], *buf = NULL;
	struct result *r = sample_result(), *back;
	struct rep_env env[5];
	size_t len = 0;
	json_t *j, *d;
	FILE *f;

	sample_env(env, 5);
	assert_int_equal(metric_set_env(&r->metrics[0], env, 5), 0);
	r->rounds = 3;
	r->seed = 9007199254740991ull;
	r->has_seed = 1;
	r->order = json_pack("[[s,s],[s,s]]", "sched.wakeup.futex", "mem.bw.copy", "mem.bw.copy",
			     "sched.wakeup.futex");
	assert_non_null(metric_rep_env(&r->metrics[0], 4));
	assert_null(metric_rep_env(&r->metrics[0], 5));
	assert_null(metric_rep_env(&r->metrics[1], 0));

	/* the JSON: one array per field, as long as the reps */
	j = result_to_json(r);
	assert_non_null(j);
	d = json_object_get(json_array_get(json_object_get(j, "metrics"), 0), "disturbance");
	assert_non_null(d);
	assert_int_equal(json_array_size(json_object_get(d, "round")), 5);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(d, "round"), 4)), 2);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(d, "major_faults"), 3)), 40);
	assert_true(json_real_value(json_array_get(json_object_get(d, "other_cpu_s"), 1)) == 0.45);
	assert_null(json_object_get(json_array_get(json_object_get(j, "metrics"), 1), "disturbance"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "run"), "rounds")), 3);
	json_decref(j);

	snprintf(path, sizeof(path), "%s/result.json", dir);
	assert_int_equal(result_write(r, path, err, sizeof(err)), 0);
	assert_int_equal(schema_check(path, NULL), 0);
	back = result_read(path, err, sizeof(err));
	if (!back)
		fail_msg("%s", err);
	assert_same_result(r, back);

	/* the summary: a header line and the metric with its worst repetition */
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	result_print_summary(back, f);
	fclose(f);
	print_message("%s", buf);
	assert_non_null(strstr(buf, "\nrounds 3  seed 9007199254740991  (benches in a fresh random order each round)\n"
				    "disturbance  2 of 5 repetitions disturbed, in 1 of 1 metrics;"));
	assert_non_null(strstr(buf, "  sched.wakeup.futex                 2 of 5    worst rep 2 (round 1): "
				    "other processes used 1.50 CPU\n"));
	free(buf);
	result_free(back);

	/* the writer refuses environments that do not match the repetitions */
	r->metrics[0].nenv = 4;
	assert_int_equal(result_write(r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "metrics[0].disturbance: has 4 repetitions but the metric has 5"));
	r->metrics[0].nenv = 5;
	r->metrics[0].env[2].steal_s = NAN;
	assert_int_equal(result_write(r, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "metrics[0].disturbance: steal_s[2] is nan"));
	result_free(r);
}

static void test_disturbance_read_errors(void **state)
{
	const char *dir = *state;
	const char *head = "{\"schema\": \"nodeperf/result/v1\", \"tool\": {\"name\": \"nodeperf\", "
			   "\"version\": \"0.1.0\"},\n\"run\": {\"id\": \"x\", \"label\": null, "
			   "\"suite\": \"quick\", \"started\": \"2026-11-28T11:13:15Z\", "
			   "\"duration_s\": 1, \"argv\": []},\n\"node\": {}, \"config\": {},\n";
	const char *metric = "\"metrics\": [{\"name\": \"a.b\", \"unit\": \"B/s\", \"better\": \"higher\", "
			     "\"n\": 2, \"min\": 1, \"mean\": 1.5, \"stddev\": 0.5, \"p50\": 1, \"p90\": 2, "
			     "\"p99\": 2, \"p999\": 2, \"max\": 2, \"reps\": {\"mean\": [1, 2]},\n";
	const char *tail = "}], \"probes\": [], \"skipped\": []}";
	char text[4096], path[1024], err[512];
	struct result *r;
	FILE *f;

#define WITH(s) (snprintf(text, sizeof(text), "%s%s%s%s", head, metric, s, tail), text)
	/* a file without the object (older nodeperf) reads */
	snprintf(path, sizeof(path), "%s/ok.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(WITH("\"params\": {}"), f);
	fclose(f);
	r = result_read(path, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	assert_int_equal(r->metrics[0].nenv, 0);
	assert_null(metric_rep_env(&r->metrics[0], 0));
	assert_int_equal(r->rounds, 0);
	assert_int_equal(r->has_seed, 0);
	assert_null(r->order);
	result_free(r);

	expect_text_error(dir, WITH("\"disturbance\": {\"round\": [0, 1], \"wall_s\": [1, 1], \"steal_s\": [0], "
				    "\"other_cpu_s\": [0, 0], \"throttled_s\": [0, 0], \"invol_csw\": [0, 0], "
				    "\"irq\": [0, 0], \"softirq\": [0, 0], \"major_faults\": [0, 0]}"),
			  ":5:63: metrics[0].disturbance.steal_s: has 1 values but the metric has 2 repetitions");
	expect_text_error(dir, WITH("\"disturbance\": {\"round\": [0, 1], \"wall_s\": [1, 1], \"steal_s\": [0, 0], "
				    "\"other_cpu_s\": [0, 0], \"throttled_s\": [0, 0], \"invol_csw\": [0, 0], "
				    "\"irq\": [0, 0], \"softirq\": [0, 0]}"),
			  ":5:16: metrics[0].disturbance: missing required key \"major_faults\"");
	expect_text_error(dir, WITH("\"disturbance\": {\"round\": [0, -1], \"wall_s\": [1, 1], \"steal_s\": [0, 0], "
				    "\"other_cpu_s\": [0, 0], \"throttled_s\": [0, 0], \"invol_csw\": [0, 0], "
				    "\"irq\": [0, 0], \"softirq\": [0, 0], \"major_faults\": [0, 0]}"),
			  ":5:30: metrics[0].disturbance.round[1]: expected a non-negative integer");
	expect_text_error(dir, WITH("\"disturbance\": {\"round\": [0, 1], \"wall_s\": [1, 1], \"steal_s\": [0, 0], "
				    "\"other_cpu_s\": [0, -0.5], \"throttled_s\": [0, 0], \"invol_csw\": [0, 0], "
				    "\"irq\": [0, 0], \"softirq\": [0, 0], \"major_faults\": [0, 0]}"),
			  ":5:90: metrics[0].disturbance.other_cpu_s[1]: expected a number >= 0");
#undef WITH
	snprintf(text, sizeof(text), "%s", head);
	strcpy(strstr(text, "\"argv\": []}"), "\"argv\": [], \"rounds\": 2, \"order\": [[\"a.b\"], [\"a.b\"], [\"a.b\"]]},\n"
	       "\"node\": {}, \"config\": {}, \"metrics\": [], \"probes\": [], \"skipped\": []}");
	expect_text_error(dir, text, ":2:139: run.order: lists 3 rounds but rounds is 2");
}

static void test_metric_merge(void **state)
{
	struct result *r = result_new();
	struct metric *a, *b;
	struct rep_env env[5];
	struct hist *h;
	char why[256];
	uint64_t v;
	int i;

	(void)state;
	sample_env(env, 5);
	assert_non_null(r);
	a = result_add_metric(r, "sched.ctxswitch", "ns", BETTER_LOWER);
	h = hist_new();
	for (v = 100; v < 200; v++)
		hist_record(h, v);
	metric_set_hist(a, h);
	for (i = 0; i < 3; i++)
		assert_int_equal(metric_add_rep(a, "p50", 150 + i), 0);
	assert_int_equal(metric_set_env(a, env, 3), 0);
	a->params = json_pack("{s:i, s:s}", "reps_done", 3, "pair", "first");

	b = result_add_metric(r, "sched.ctxswitch", "ns", BETTER_LOWER);
	a = &r->metrics[0];
	h = hist_new();
	for (v = 1000; v < 1100; v++)
		hist_record(h, v);
	metric_set_hist(b, h);
	for (i = 0; i < 2; i++)
		assert_int_equal(metric_add_rep(b, "p50", 1050 + i), 0);
	assert_int_equal(metric_set_env(b, env + 3, 2), 0);
	b->params = json_pack("{s:i, s:s}", "reps_done", 2, "pair", "second");
	/* the one added last is found while both are there */
	assert_ptr_equal(result_find_metric(r, "sched.ctxswitch"), b);

	assert_int_equal(metric_merge(a, b, why, sizeof(why)), 0);
	result_remove_metric(r, 1);
	assert_int_equal(r->nmetrics, 1);
	a = &r->metrics[0];
	assert_int_equal(a->n, 200);
	assert_true(a->min == 100 && a->max == 1099);
	assert_int_equal(metric_reps(a, "p50")->n, 5);
	assert_true(metric_reps(a, "p50")->v[3] == 1050 && metric_reps(a, "p50")->v[4] == 1051);
	assert_int_equal(a->nenv, 5);
	assert_memory_equal(a->env, env, sizeof(env));
	assert_int_equal(json_integer_value(json_object_get(a->params, "reps_done")), 5);
	assert_string_equal(json_string_value(json_object_get(a->params, "pair")), "first");

	/* a rate: no histogram, the statistics from the repetitions' means */
	b = result_add_metric(r, "mem.bw.read", "B/s", BETTER_HIGHER);
	assert_int_equal(metric_add_rep(b, "mean", 10), 0);
	metric_set_values(b, (double[]){ 10 }, 1);
	a = result_add_metric(r, "mem.bw.read", "B/s", BETTER_HIGHER);
	b = &r->metrics[1];
	assert_int_equal(metric_add_rep(a, "mean", 20), 0);
	assert_int_equal(metric_add_rep(a, "mean", 30), 0);
	metric_set_values(a, (double[]){ 20, 30 }, 2);
	assert_int_equal(metric_merge(b, a, why, sizeof(why)), 0);
	assert_int_equal(b->n, 3);
	assert_true(b->min == 10 && b->max == 30 && b->mean == 20);
	assert_int_equal(b->nenv, 0);

	/* what does not fit is refused and left alone */
	a->unit[0] = 'n';
	strcpy(a->unit, "ns");
	assert_int_equal(metric_merge(b, a, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "are not the same measurement"));
	assert_int_equal(metric_reps(b, "mean")->n, 3);
	result_free(r);
}

static void test_summary(void **state)
{
	char err[512], *buf = NULL, *line, *nl;
	size_t len = 0, w = 0;
	struct result *r = result_read(src_path("tests/fixtures/result-valid.json"), err, sizeof(err));
	FILE *f;
	int rows = 0;

	(void)state;
	if (!r)
		fail_msg("%s", err);
	r->partial = 1;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	result_print_summary(r, f);
	fclose(f);
	print_message("%s", buf);
	assert_non_null(strstr(buf, "label azurelinux-3  suite quick  host aks-nodepool1-12345678-vmss000000  "
				    "kernel 6.6.47.1-1.azl3  started 2026-11-28T11:13:15Z  duration 12.5 s  PARTIAL\n"));
	/* p50 2991 ns; spread of the rep p50s (3055 - 2959) / 2991 = 3.2%. */
	assert_non_null(strstr(buf, "2.99 us"));
	assert_non_null(strstr(buf, "\u00b13.2%"));
	assert_non_null(strstr(buf, "12.1 GB/s"));
	assert_non_null(strstr(buf, "\u00b15.0%"));
	assert_non_null(strstr(buf, "skipped:\n  gpu.h2d  libcuda.so.1 not found\n"));
	/* The table: header and one row per metric, all the same width. */
	line = strchr(buf, '\n') + 1;
	assert_true(!strncmp(line, "metric ", 7));
	for (; (nl = strchr(line, '\n')) && strncmp(line, "skipped:", 8); line = nl + 1, rows++) {
		if (rows)
			assert_int_equal(width(line, (size_t)(nl - line)), w);
		w = width(line, (size_t)(nl - line));
	}
	assert_int_equal(rows, 3);
	free(buf);
	result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test_setup_teardown(test_roundtrip, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_nonfinite_refused, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_read_valid_fixture),
		cmocka_unit_test(test_read_broken_fixtures),
		cmocka_unit_test_setup_teardown(test_read_structure_errors, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test(test_from_json_without_text),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_summary),
		cmocka_unit_test_setup_teardown(test_disturbance_roundtrip, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_disturbance_read_errors, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test(test_metric_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
