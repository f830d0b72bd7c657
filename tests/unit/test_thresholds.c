/* test_thresholds.c - the rules file: fields, units, last match wins, file:line errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "results/thresholds.h"

static const char good[] = "# nodeperf gate\n"
			   "\n"
			   "*                 p50   5%\n"
			   "*                 p99   10%      # tails move more\n"
			   "container.start.* p99   10%   max 500ms\n"
			   "net.tcp_stream.*  p50   3%    min 1.5GB/s\n"
			   "sched.ctxswitch   p99   off\n"
			   "\t io.*  mean  0.5%  \r\n";

static void test_parse_good(void **state)
{
	struct thresholds *t = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(thresholds_parse(good, "good.rules", &t, err, sizeof(err)), 0);
	assert_int_equal(t->nrules, 6);
	assert_string_equal(t->rules[0].glob, "*");
	assert_string_equal(t->rules[0].stat, "p50");
	assert_float_equal(t->rules[0].change, 0.05, 1e-15);
	assert_int_equal(t->rules[0].line, 3);
	assert_string_equal(t->rules[0].file, "good.rules");
	assert_int_equal(t->rules[2].limit, LIMIT_MAX);
	assert_float_equal(t->rules[2].limit_value, 5e8, 1e-3);
	assert_string_equal(t->rules[2].limit_unit, "ns");
	assert_int_equal(t->rules[3].limit, LIMIT_MIN);
	assert_float_equal(t->rules[3].limit_value, 1.5e9, 1);
	assert_string_equal(t->rules[3].limit_unit, "B/s");
	assert_true(t->rules[4].off);
	assert_string_equal(t->rules[5].glob, "io.*");
	assert_float_equal(t->rules[5].change, 0.005, 1e-15);
	thresholds_free(t);
}

static void test_match_last_wins(void **state)
{
	const char *stats[8];
	struct thresholds *t = NULL;
	char err[256];

	(void)state;
	assert_int_equal(thresholds_parse(good, "good.rules", &t, err, sizeof(err)), 0);
	/* the later, narrower line decides */
	assert_int_equal(thresholds_match(t, "container.start.runc", "p99")->line, 5);
	assert_int_equal(thresholds_match(t, "net.tcp_rr.lo", "p99")->line, 4);
	assert_null(thresholds_match(t, "net.tcp_rr.lo", "p90"));
	/* '*' crosses dots */
	assert_int_equal(thresholds_match(t, "a.b.c.d", "p50")->line, 3);
	/* off with no limit drops the statistic; the order is the file's */
	assert_int_equal(thresholds_stats(t, "sched.ctxswitch", stats, 8), 1);
	assert_string_equal(stats[0], "p50");
	assert_int_equal(thresholds_stats(t, "io.randread", stats, 8), 3);
	assert_string_equal(stats[0], "p50");
	assert_string_equal(stats[1], "p99");
	assert_string_equal(stats[2], "mean");
	assert_int_equal(thresholds_stats(t, "io.randread", stats, 2), 2);
	thresholds_free(t);
}

static void test_off_with_limit_is_gated(void **state)
{
	const char *stats[8];
	struct thresholds *t = NULL;
	char err[256];

	(void)state;
	assert_int_equal(thresholds_parse("x.* p99 off max 2s\n", "r", &t, err, sizeof(err)), 0);
	assert_int_equal(thresholds_stats(t, "x.y", stats, 8), 1);
	thresholds_free(t);
}

static void expect_error(const char *text, const char *want)
{
	struct thresholds *t = NULL;
	char err[256] = "";

	assert_int_equal(thresholds_parse(text, "bad.rules", &t, err, sizeof(err)), -EINVAL);
	assert_null(t);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_errors_name_the_line(void **state)
{
	(void)state;
	expect_error("* p50 5%\n* p95 5%\n", "bad.rules:2: unknown statistic 'p95'");
	expect_error("# c\n\n* p50 5\n", "bad.rules:3: allowed change '5'");
	expect_error("* p50 -5%\n", "bad.rules:1: allowed change '-5%'");
	expect_error("* p50 fast\n", "bad.rules:1: allowed change 'fast'");
	expect_error("* p50\n",
		     "bad.rules:1: expected 'GLOB STAT CHANGE [max|min LIMIT]', found 2 fields");
	expect_error("* p50 5% max\n", "found 4 fields");
	expect_error("* p50 5% below 3ms\n", "bad.rules:1: limit 'below'");
	expect_error("* p50 5% max 3fortnights\n", "bad.rules:1: limit value '3fortnights'");
	expect_error("* p50 5% max inf\n", "limit value 'inf'");
	expect_error("Sched.* p50 5%\n", "bad.rules:1: metric glob 'Sched.*'");
	expect_error("* p50 5% max 1s extra\n", "found 6 fields");
}

static void test_values(void **state)
{
	char unit[8];
	double v;

	(void)state;
	assert_int_equal(thresholds_parse_value("250us", &v, unit), 0);
	assert_float_equal(v, 250e3, 1e-6);
	assert_string_equal(unit, "ns");
	assert_int_equal(thresholds_parse_value("4KiB", &v, unit), 0);
	assert_float_equal(v, 4096, 0);
	assert_string_equal(unit, "B");
	assert_int_equal(thresholds_parse_value("2Mops/s", &v, unit), 0);
	assert_float_equal(v, 2e6, 0);
	assert_int_equal(thresholds_parse_value("12.5", &v, unit), 0);
	assert_string_equal(unit, "");
	assert_int_equal(thresholds_parse_value("", &v, unit), -EINVAL);
	assert_int_equal(thresholds_parse_value("nan", &v, unit), -EINVAL);
	assert_int_equal(thresholds_parse_value("5 ms", &v, unit), -EINVAL);
}

static void test_default_parses(void **state)
{
	struct thresholds *t = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(thresholds_load_default(&t, err, sizeof(err)), 0);
	assert_string_equal(t->path, THRESHOLDS_DEFAULT_PATH);
	assert_true(t->nrules >= 2);
	/* every metric is gated on its median by default */
	assert_non_null(thresholds_match(t, "any.metric", "p50"));
	thresholds_free(t);
}

/*
 * The bands the defaults promise for the families a release is judged on
 * (docs/compare.md, "The default rules"): medians at 10% (io QD1 15%), tails
 * gated, at 25% (net 30%). A looser default must change this test too.
 */
static void test_default_bands(void **state)
{
	static const struct {
		const char *metric;
		double p50, p99;
	} gated[] = {
		{ "sched.ctxswitch", 0.10, 0.25 },	   { "sched.wakeup.futex", 0.10, 0.25 },
		{ "net.tcp_rr.veth.1b", 0.10, 0.30 },	   { "net.udp_rr.bridge.1k", 0.10, 0.30 },
		{ "io.randread.4k.psync", 0.15, 0.25 },	   { "io.randwrite.4k.io_uring", 0.15, 0.25 },
		{ "container.runc.total", 0.10, 0.25 },	   { "container.crun.create", 0.10, 0.25 },
	};
	const struct threshold_rule *r;
	struct thresholds *t = NULL;
	char err[256] = "";
	size_t i;

	(void)state;
	assert_int_equal(thresholds_load_default(&t, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(gated) / sizeof(gated[0]); i++) {
		r = thresholds_match(t, gated[i].metric, "p50");
		assert_non_null(r);
		assert_false(r->off);
		assert_true(r->change <= gated[i].p50);
		r = thresholds_match(t, gated[i].metric, "p99");
		assert_non_null(r);
		assert_false(r->off);
		assert_true(r->change <= gated[i].p99);
	}
	thresholds_free(t);
}

static void test_load_missing_file(void **state)
{
	struct thresholds *t = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(thresholds_load("/nonexistent/rules", &t, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/rules: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_match_last_wins),
		cmocka_unit_test(test_off_with_limit_is_gated),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_default_parses),
		cmocka_unit_test(test_default_bands),
		cmocka_unit_test(test_load_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
