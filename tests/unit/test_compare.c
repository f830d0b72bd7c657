/* test_compare.c - verdict logic on known samples, pooled sides, missing/new metrics, exit code. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cli.h"
#include "results/compare.h"
#include "results/configdiff.h"
#include "results/thresholds.h"

static struct thresholds *rules(const char *text)
{
	struct thresholds *t = NULL;
	char err[256];

	assert_int_equal(thresholds_parse(text, "test.rules", &t, err, sizeof(err)), 0);
	return t;
}

/* One check of stat p50 under "* p50 CHANGE [limit]" with better. */
static struct cmp_check check(const char *rule, const double *b, size_t nb, const double *k,
			      size_t nk, enum better better)
{
	struct thresholds *t = rules(rule);
	struct cmp_check ck = { .stat = "p50" };

	ck.rule = thresholds_match(t, "x.y", "p50");
	assert_non_null(ck.rule);
	assert_int_equal(compare_check(&ck, b, nb, k, nk, better, COMPARE_ALPHA), 0);
	ck.rule = NULL; /* freed below */
	thresholds_free(t);
	return ck;
}

static void test_regressed_exact(void **state)
{
	const double b[] = { 100, 101, 102, 103, 104 }, k[] = { 110, 111, 112, 113, 114 };
	struct cmp_check ck = check("* p50 5%", b, 5, k, 5, BETTER_LOWER);

	(void)state;
	assert_int_equal(ck.verdict, VERDICT_REGRESSED);
	assert_float_equal(ck.base, 102, 1e-12);
	assert_float_equal(ck.cand, 112, 1e-12);
	assert_float_equal(ck.change, 10.0 / 102, 1e-12);
	/* complete separation of 5 and 5, exact: 2 / C(10, 5) */
	assert_float_equal(ck.p, 2.0 / 252, 1e-12);
	assert_int_equal(ck.nbase, 5);
	assert_int_equal(ck.ncand, 5);
}

static void test_better_higher(void **state)
{
	const double b[] = { 100, 101, 102, 103, 104 }, k[] = { 110, 111, 112, 113, 114 };
	struct cmp_check up = check("* p50 5%", b, 5, k, 5, BETTER_HIGHER);
	struct cmp_check down = check("* p50 5%", k, 5, b, 5, BETTER_HIGHER);

	(void)state;
	assert_int_equal(up.verdict, VERDICT_IMPROVED);
	assert_int_equal(down.verdict, VERDICT_REGRESSED);
	assert_true(down.change < 0);
}

static void test_negative_delta_lower_is_improved(void **state)
{
	const double b[] = { 110, 111, 112, 113, 114 }, k[] = { 100, 101, 102, 103, 104 };
	struct cmp_check ck = check("* p50 5%", b, 5, k, 5, BETTER_LOWER);

	(void)state;
	assert_int_equal(ck.verdict, VERDICT_IMPROVED);
	assert_float_equal(ck.change, -10.0 / 112, 1e-12);
}

static void test_identical_samples(void **state)
{
	const double b[] = { 7, 7, 7, 7, 7 };
	struct cmp_check ck = check("* p50 5%", b, 5, b, 5, BETTER_LOWER);

	(void)state;
	assert_int_equal(ck.verdict, VERDICT_UNCHANGED);
	assert_float_equal(ck.change, 0, 0);
	assert_float_equal(ck.p, 1, 0);
}

static void test_ties_across_sides(void **state)
{
	/* every value tied within its side: the normal approximation with tie correction */
	const double b[] = { 10, 10, 10, 10, 10 }, k[] = { 11, 11, 11, 11, 11 };
	struct cmp_check ck = check("* p50 5%", b, 5, k, 5, BETTER_LOWER);
	double var = 25.0 / 12 * (11 - 240.0 / 90);

	(void)state;
	assert_int_equal(ck.verdict, VERDICT_REGRESSED);
	assert_float_equal(ck.p, erfc((12.5 - 0.5) / sqrt(var) / M_SQRT2), 1e-12);
}

static void test_zero_delta_within_threshold(void **state)
{
	const double b[] = { 100, 102, 101, 99, 100 }, k[] = { 101, 100, 100, 102, 99 };
	struct cmp_check ck = check("* p50 5%", b, 5, k, 5, BETTER_LOWER);

	(void)state;
	assert_int_equal(ck.verdict, VERDICT_UNCHANGED);
	assert_float_equal(ck.change, 0, 1e-12);
	assert_true(ck.p > 0.5);
}

static void test_too_few_reps(void **state)
{
	const double b[] = { 1, 2 }, k[] = { 5, 6, 7 };
	struct cmp_check ck = check("* p50 5%", b, 2, k, 3, BETTER_LOWER);

	(void)state;
	assert_int_equal(ck.verdict, VERDICT_NOISY);
	assert_true(isnan(ck.p));
	assert_non_null(strstr(ck.why, "too few repetitions"));
}

static void test_beyond_threshold_not_significant(void **state)
{
	/* +10% medians, but the samples interleave (U = 3, exact p = 14/252): no verdict */
	const double b[] = { 92, 100, 108, 96, 104 }, k[] = { 101.2, 110, 118.8, 105.6, 114.4 };
	struct cmp_check ck = check("* p50 5%", b, 5, k, 5, BETTER_LOWER);

	(void)state;
	assert_int_equal(ck.verdict, VERDICT_NOISY);
	assert_float_equal(ck.p, 14.0 / 252, 1e-12);
	assert_non_null(strstr(ck.why, "is not below"));
}

static void test_significant_within_threshold(void **state)
{
	/* a real +2% shift under a 5% rule: significant, but allowed */
	const double b[] = { 100, 100.1, 100.2, 100.3, 100.4 },
		     k[] = { 102, 102.1, 102.2, 102.3, 102.4 };
	struct cmp_check ck = check("* p50 5%", b, 5, k, 5, BETTER_LOWER);

	(void)state;
	assert_true(ck.p < COMPARE_ALPHA);
	assert_int_equal(ck.verdict, VERDICT_UNCHANGED);
}

static void test_wide_spread(void **state)
{
	/* repetitions spread 60% around the median: a node busy now and then, no verdict */
	const double b[] = { 70, 100, 130, 90, 110 }, k[] = { 80, 110, 140, 100, 120 };
	const double kb[] = { 200, 201, 202, 203, 204 };
	const double tight[] = { 99, 100, 101, 100, 100 };
	struct cmp_check ck = check("* p50 5%", b, 5, k, 5, BETTER_LOWER);
	struct cmp_check big = check("* p50 5%", b, 5, kb, 5, BETTER_LOWER);
	struct cmp_check loose = check("* p50 100%", tight, 5, kb, 5, BETTER_LOWER);

	(void)state;
	assert_int_equal(ck.verdict, VERDICT_NOISY);
	assert_non_null(strstr(ck.why, "too wide"));
	/* even a doubling: one side's scatter says the node was not quiet */
	assert_int_equal(big.verdict, VERDICT_NOISY);
	/* both sides steady: a 102% move beyond a 100% rule is judged */
	assert_int_equal(loose.verdict, VERDICT_REGRESSED);
	assert_float_equal(compare_wide_bound(0.05), 0.2, 1e-12);
	assert_float_equal(compare_wide_bound(0), COMPARE_WIDE_FLOOR, 0);
	assert_float_equal(compare_wide_bound(1), COMPARE_WIDE_MAX, 0);
}

static void test_zero_base(void **state)
{
	const double z[] = { 0, 0, 0, 0, 0 }, one[] = { 1, 1, 1, 1, 1 };
	struct cmp_check same = check("* p50 5%", z, 5, z, 5, BETTER_LOWER);
	struct cmp_check up = check("* p50 5%", z, 5, one, 5, BETTER_LOWER);

	(void)state;
	assert_int_equal(same.verdict, VERDICT_UNCHANGED);
	assert_float_equal(same.change, 0, 0);
	assert_true(isinf(up.change) && up.change > 0);
	assert_int_equal(up.verdict, VERDICT_REGRESSED);
}

static void test_limits(void **state)
{
	const double b[] = { 400, 401, 402, 403, 404 }, k[] = { 600, 601, 602, 603, 604 };
	const double ok[] = { 400, 401, 402, 403, 404 };
	struct cmp_check broken = check("* p50 off max 500ns", b, 5, k, 5, BETTER_LOWER);
	struct cmp_check kept = check("* p50 10% max 0.5us", b, 5, ok, 5, BETTER_LOWER);
	struct cmp_check low = check("* p50 10% min 450", b, 5, ok, 5, BETTER_HIGHER);

	(void)state;
	/* off: the change is not judged, the limit is */
	assert_int_equal(broken.verdict, VERDICT_UNCHANGED);
	assert_true(broken.limit_broken);
	assert_false(kept.limit_broken);
	assert_true(low.limit_broken);
}

/* --- whole comparisons over in-memory results --- */

static struct result *run(const char *label, const char *metric, const char *unit,
			  enum better better, const double *p50, size_t n)
{
	struct result *r = result_new();
	struct metric *m;
	size_t i;

	assert_non_null(r);
	r->label = strdup(label);
	r->node = json_pack("{s:s, s:{s:s}}", "hostname", label, "kernel", "release", label);
	r->config = json_pack("{s:{s:s}}", "sysctl", "kernel.sched_autogroup_enabled", label);
	m = result_add_metric(r, metric, unit, better);
	assert_non_null(m);
	for (i = 0; i < n; i++)
		assert_int_equal(metric_add_rep(m, "p50", p50[i]), 0);
	return r;
}

static void side(struct cmp_side *s, struct result **runs, size_t n)
{
	size_t i;

	s->runs = calloc(n, sizeof(*s->runs));
	s->paths = calloc(n, sizeof(*s->paths));
	assert_non_null(s->runs);
	assert_non_null(s->paths);
	for (i = 0; i < n; i++) {
		s->runs[i] = runs[i];
		assert_int_equal(asprintf(&s->paths[i], "run%zu.json", i) > 0, 1);
	}
	s->nruns = n;
	s->label = strdup(runs[0]->label);
}

static void test_pooled_sides(void **state)
{
	const double b1[] = { 100, 101, 102 }, b2[] = { 103, 104, 100.5 };
	const double k1[] = { 110, 111, 112 }, k2[] = { 113, 114, 110.5 };
	struct result *base[] = { run("ubuntu", "sched.x", "ns", BETTER_LOWER, b1, 3),
				  run("ubuntu", "sched.x", "ns", BETTER_LOWER, b2, 3) };
	struct result *cand[] = { run("azl", "sched.x", "ns", BETTER_LOWER, k1, 3),
				  run("azl", "sched.x", "ns", BETTER_LOWER, k2, 3) };
	struct comparison c = { .alpha = COMPARE_ALPHA };
	struct thresholds *t = rules("* p50 5%\n");
	char err[256];

	(void)state;
	side(&c.base, base, 2);
	side(&c.cand, cand, 2);
	c.th = t;
	assert_int_equal(compare_run(&c, err, sizeof(err)), 0);
	assert_int_equal(c.nmetrics, 1);
	assert_int_equal(c.metrics[0].nchecks, 1);
	assert_int_equal(c.metrics[0].checks[0].nbase, 6);
	assert_int_equal(c.metrics[0].checks[0].ncand, 6);
	assert_float_equal(c.metrics[0].checks[0].base, (101 + 102) / 2.0, 1e-12);
	assert_int_equal(c.metrics[0].verdict, VERDICT_REGRESSED);
	assert_int_equal(c.count[VERDICT_REGRESSED], 1);
	assert_int_equal(compare_exit_code(&c), EXIT_REGRESSION);
	/* the kernel and the sysctl differ; the mapping ties both to sched.* */
	assert_int_equal(c.cfg->n, 2);
	assert_true(cfgdiff_explains("sched.x", "kernel.release"));
	assert_true(cfgdiff_explains("sched.x", "sysctl.kernel.sched_autogroup_enabled"));
	compare_release(&c);
	thresholds_free(t);
}

static void test_missing_new_ungated(void **state)
{
	const double v[] = { 1, 2, 3 };
	struct result *b = run("a", "io.read", "ns", BETTER_LOWER, v, 3);
	struct result *k = run("b", "io.write", "ns", BETTER_LOWER, v, 3);
	struct comparison c = { .alpha = COMPARE_ALPHA };
	struct thresholds *t = rules("net.* p50 5%\n");
	char err[256];

	(void)state;
	assert_non_null(result_add_metric(b, "sched.shared", "ns", BETTER_LOWER));
	assert_non_null(result_add_metric(k, "sched.shared", "ns", BETTER_LOWER));
	assert_int_equal(result_add_skip(k, "io.read", "no O_DIRECT on tmpfs"), 0);
	side(&c.base, &b, 1);
	side(&c.cand, &k, 1);
	c.th = t;
	assert_int_equal(compare_run(&c, err, sizeof(err)), 0);
	assert_int_equal(c.nmetrics, 2);
	assert_int_equal(c.metrics[0].verdict, VERDICT_MISSING);
	assert_string_equal(c.metrics[0].name, "io.read");
	assert_string_equal(c.metrics[0].skip_reason, "no O_DIRECT on tmpfs");
	assert_int_equal(c.metrics[1].verdict, VERDICT_NEW);
	assert_int_equal(c.nungated, 1);
	assert_string_equal(c.ungated[0], "sched.shared");
	assert_int_equal(compare_exit_code(&c), 0);
	compare_release(&c);
	thresholds_free(t);
}

static void test_unit_mismatch(void **state)
{
	const double v[] = { 1, 2, 3 };
	struct result *b = run("a", "net.x", "ns", BETTER_LOWER, v, 3);
	struct result *k = run("b", "net.x", "B/s", BETTER_HIGHER, v, 3);
	struct comparison c = { .alpha = COMPARE_ALPHA };
	struct thresholds *t = rules("* p50 5%\n");
	char err[256];

	(void)state;
	side(&c.base, &b, 1);
	side(&c.cand, &k, 1);
	c.th = t;
	assert_int_equal(compare_run(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "net.x is in B/s, but in ns in run0.json"));
	compare_release(&c);
	thresholds_free(t);
}

static void test_limit_unit_mismatch(void **state)
{
	const double v[] = { 1, 2, 3 };
	struct result *b = run("a", "net.x", "B/s", BETTER_HIGHER, v, 3);
	struct result *k = run("b", "net.x", "B/s", BETTER_HIGHER, v, 3);
	struct comparison c = { .alpha = COMPARE_ALPHA };
	struct thresholds *t = rules("# rates\n* p50 5% max 2ms\n");
	char err[256];

	(void)state;
	side(&c.base, &b, 1);
	side(&c.cand, &k, 1);
	c.th = t;
	assert_int_equal(compare_run(&c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "test.rules:2: the limit is in ns, but net.x is in B/s"));
	compare_release(&c);
	thresholds_free(t);
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(VERDICT_REGRESSED), "regressed");
	assert_string_equal(verdict_name(VERDICT_NOISY), "noisy");
	assert_string_equal(verdict_name(VERDICT_MISSING), "missing");
	assert_string_equal(verdict_name(VERDICT_NEW), "new");
	assert_string_equal(verdict_name(VERDICT_IMPROVED), "improved");
	assert_string_equal(verdict_name(VERDICT_UNCHANGED), "unchanged");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regressed_exact),
		cmocka_unit_test(test_better_higher),
		cmocka_unit_test(test_negative_delta_lower_is_improved),
		cmocka_unit_test(test_identical_samples),
		cmocka_unit_test(test_ties_across_sides),
		cmocka_unit_test(test_zero_delta_within_threshold),
		cmocka_unit_test(test_too_few_reps),
		cmocka_unit_test(test_beyond_threshold_not_significant),
		cmocka_unit_test(test_significant_within_threshold),
		cmocka_unit_test(test_wide_spread),
		cmocka_unit_test(test_zero_base),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_pooled_sides),
		cmocka_unit_test(test_missing_new_ungated),
		cmocka_unit_test(test_unit_mismatch),
		cmocka_unit_test(test_limit_unit_mismatch),
		cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
