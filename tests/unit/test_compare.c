/* test_compare.c - verdict logic on known samples, pooled sides, missing/new metrics, exit code. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/cli.h"
#include "core/disturb.h"
#include "core/stats.h"
#include "core/util.h"
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
	/* a metric of the baseline that the candidate lacks fails the gate */
	assert_int_equal(c.nfailing, 1);
	assert_null(c.metrics[0].allowed_by);
	assert_int_equal(compare_exit_code(&c), EXIT_REGRESSION);
	compare_release(&c);
	thresholds_free(t);
}

/* A comparison of b against k under "* p50 5%" with the given --allow-missing GLOBs. */
static void compare_allow(struct comparison *c, struct result **b, size_t nb, struct result **k,
			  size_t nk, char **allow, size_t nallow, struct thresholds *t)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	c->alpha = COMPARE_ALPHA;
	c->th = t;
	c->allow_missing = allow;
	c->nallow = nallow;
	side(&c->base, b, nb);
	side(&c->cand, k, nk);
	assert_int_equal(compare_run(c, err, sizeof(err)), 0);
}

static void test_allow_missing(void **state)
{
	const double v[] = { 1, 2, 3, 4, 5 };
	struct thresholds *t = rules("* p50 5%\n");
	char *allow[] = { "net.*" };
	struct comparison c;
	struct result *b, *k;

	(void)state;
	b = run("a", "sched.x", "ns", BETTER_LOWER, v, 5);
	k = run("b", "sched.x", "ns", BETTER_LOWER, v, 5);
	assert_non_null(result_add_metric(b, "net.udp_rr.veth", "ns", BETTER_LOWER));
	compare_allow(&c, &b, 1, &k, 1, allow, 1, t);
	assert_int_equal(c.count[VERDICT_MISSING], 1);
	assert_int_equal(c.nmissing_allowed, 1);
	assert_int_equal(c.nfailing, 0);
	assert_string_equal(c.metrics[1].name, "net.udp_rr.veth");
	assert_int_equal(c.metrics[1].verdict, VERDICT_MISSING);
	assert_string_equal(c.metrics[1].allowed_by, "net.*");
	assert_int_equal(compare_exit_code(&c), 0);
	compare_release(&c);
	thresholds_free(t);
}

static void test_partial_fails(void **state)
{
	const double v[] = { 1, 2, 3, 4, 5 };
	struct thresholds *t = rules("* p50 5%\n");
	char *allow[] = { "partial" };
	struct comparison c;
	struct result *b, *k;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		b = run("a", "sched.x", "ns", BETTER_LOWER, v, 5);
		k = run("b", "sched.x", "ns", BETTER_LOWER, v, 5);
		k->partial = 1;
		compare_allow(&c, &b, 1, &k, 1, allow, (size_t)pass, t);
		assert_int_equal(c.nproblems, 1);
		assert_string_equal(c.problems[0].subject, "partial");
		assert_non_null(strstr(c.problems[0].what, "run0.json is partial"));
		assert_int_equal(compare_exit_code(&c), pass ? 0 : EXIT_REGRESSION);
		compare_release(&c);
	}
	thresholds_free(t);
}

static void test_skipped_on_baseline_only(void **state)
{
	const double v[] = { 1, 2, 3, 4, 5 };
	struct thresholds *t = rules("* p50 5%\n");
	struct comparison c;
	struct result *b, *k;

	(void)state;
	b = run("a", "sched.x", "ns", BETTER_LOWER, v, 5);
	k = run("b", "sched.x", "ns", BETTER_LOWER, v, 5);
	assert_int_equal(result_add_skip(b, "net.udp_rr", "no netns rights"), 0);
	assert_non_null(result_add_metric(k, "net.udp_rr.lo", "ns", BETTER_LOWER));
	assert_int_equal(result_add_skip(b, "probes", "no BPF"), 0);
	compare_allow(&c, &b, 1, &k, 1, NULL, 0, t);
	assert_int_equal(c.nproblems, 2);
	assert_string_equal(c.problems[0].subject, "net.udp_rr");
	assert_non_null(strstr(c.problems[0].what, "skipped on the baseline"));
	assert_string_equal(c.problems[1].subject, "probes");
	assert_int_equal(c.nfailing, 2);
	assert_int_equal(compare_exit_code(&c), EXIT_REGRESSION);
	compare_release(&c);
	thresholds_free(t);
}

static void test_params_differ(void **state)
{
	const double v[] = { 1, 2, 3, 4, 5 };
	struct thresholds *t = rules("* p50 5%\n");
	char *const argv_b[] = { "run", "--reps", "5", "--label", "a", "--tune", "net.x=1" };
	char *const argv_k[] = { "run", "--reps=9", "--label", "b" };
	char *const argv_same[] = { "run", "--label", "c", "--reps", "5", "--out", "x.json" };
	struct comparison c;
	struct result *b, *k;

	(void)state;
	b = run("a", "sched.x", "ns", BETTER_LOWER, v, 5);
	k = run("b", "sched.x", "ns", BETTER_LOWER, v, 5);
	assert_int_equal(result_set_argv(b, 7, argv_b), 0);
	assert_int_equal(result_set_argv(k, 4, argv_k), 0);
	compare_allow(&c, &b, 1, &k, 1, NULL, 0, t);
	assert_int_equal(c.nproblems, 1);
	assert_string_equal(c.problems[0].subject, "params");
	assert_non_null(strstr(c.problems[0].what, "--reps=5"));
	assert_non_null(strstr(c.problems[0].what, "--reps=9"));
	assert_int_equal(compare_exit_code(&c), EXIT_REGRESSION);
	compare_release(&c);
	/* label, out and tune (the treatment of `profile tune`) are not measurement parameters */
	b = run("a", "sched.x", "ns", BETTER_LOWER, v, 5);
	k = run("b", "sched.x", "ns", BETTER_LOWER, v, 5);
	assert_int_equal(result_set_argv(b, 7, argv_b), 0);
	assert_int_equal(result_set_argv(k, 7, argv_same), 0);
	compare_allow(&c, &b, 1, &k, 1, NULL, 0, t);
	assert_int_equal(c.nproblems, 0);
	assert_int_equal(compare_exit_code(&c), 0);
	compare_release(&c);
	/* another suite is another measurement */
	b = run("a", "sched.x", "ns", BETTER_LOWER, v, 5);
	k = run("b", "sched.x", "ns", BETTER_LOWER, v, 5);
	b->suite = strdup("quick");
	k->suite = strdup("standard");
	compare_allow(&c, &b, 1, &k, 1, NULL, 0, t);
	assert_int_equal(c.nproblems, 1);
	assert_non_null(strstr(c.problems[0].what, "suite=standard"));
	compare_release(&c);
	thresholds_free(t);
}

/* A node of the candidate pool that lacks a metric the rest of the pool and the baseline have. */
static void test_pool_gap(void **state)
{
	const double v[] = { 1, 2, 3, 4, 5 };
	struct thresholds *t = rules("* p50 5%\n");
	char *allow[] = { "net.*" };
	struct result *b[1], *k[2];
	struct comparison c;
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		b[0] = run("a", "sched.x", "ns", BETTER_LOWER, v, 5);
		k[0] = run("b", "sched.x", "ns", BETTER_LOWER, v, 5);
		k[1] = run("b", "sched.x", "ns", BETTER_LOWER, v, 5);
		assert_non_null(result_add_metric(b[0], "net.y", "ns", BETTER_LOWER));
		assert_non_null(result_add_metric(k[0], "net.y", "ns", BETTER_LOWER));
		compare_allow(&c, b, 1, k, 2, allow, (size_t)pass, t);
		assert_int_equal(c.count[VERDICT_MISSING], 0);
		assert_int_equal(c.nproblems, (size_t)!pass);
		if (!pass) {
			assert_non_null(strstr(c.problems[0].what, "run1.json lacks 1 metric"));
			assert_string_equal(c.problems[0].subject, "net.y");
		}
		assert_int_equal(compare_exit_code(&c), pass ? 0 : EXIT_REGRESSION);
		compare_release(&c);
	}
	thresholds_free(t);
}

/* Repetitions the disturbance rule calls disturbed are no evidence: noisy, never regressed. */
static void test_disturbed_reps(void **state)
{
	const double b5[] = { 100, 101, 102, 103, 104 }, k5[] = { 130, 131, 132, 133, 134 };
	struct thresholds *t = rules("* p50 5% max 120\n");
	struct rep_env env[5] = { 0 };
	struct comparison c;
	struct result *b, *k;
	size_t i, busy;

	(void)state;
	for (busy = 0; busy <= 5; busy += 5) {
		b = run("a", "sched.x", "ns", BETTER_LOWER, b5, 5);
		k = run("b", "sched.x", "ns", BETTER_LOWER, k5, 5);
		for (i = 0; i < 5; i++) {
			env[i].wall_s = 1;
			/* busy repetitions: other processes kept 1.5 CPUs busy */
			env[i].other_cpu_s = i < busy ? 1.5 : 0.01;
		}
		assert_int_equal(metric_set_env(&k->metrics[0], env, 5), 0);
		compare_allow(&c, &b, 1, &k, 1, NULL, 0, t);
		if (!busy) {
			assert_int_equal(c.metrics[0].verdict, VERDICT_REGRESSED);
			assert_int_equal(c.metrics[0].checks[0].ndist_cand, 0);
			assert_int_equal(c.nproblems, 0);
		} else {
			assert_int_equal(c.metrics[0].verdict, VERDICT_NOISY);
			assert_int_equal(c.metrics[0].checks[0].ndist_cand, 5);
			assert_non_null(strstr(c.metrics[0].checks[0].why, "disturbed"));
			/* the limit still holds, against the disturbed repetitions */
			assert_true(c.metrics[0].checks[0].limit_broken);
			/* a side that was mostly disturbed: the gate cannot vouch for it */
			assert_int_equal(c.nproblems, 1);
			assert_string_equal(c.problems[0].subject, "disturbed");
			assert_int_equal(c.count[VERDICT_REGRESSED], 0);
		}
		assert_int_equal(compare_exit_code(&c), EXIT_REGRESSION);
		compare_release(&c);
	}
	thresholds_free(t);
}

/* xorshift64* and Box-Muller: normal noise with a fixed seed */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return ((double)((rng_state * 0x2545f4914f6cdd1dull) >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
	return sqrt(-2 * log(uniform())) * cos(2 * M_PI * uniform());
}

/* The power of the Mann-Whitney test at shift d, by simulation. */
static double mw_power(double sigma, size_t nb, size_t nk, double d, int trials)
{
	double b[64], k[64];
	struct mw_result mw;
	int hits = 0, t;
	size_t i;

	for (t = 0; t < trials; t++) {
		for (i = 0; i < nb; i++)
			b[i] = 1 + sigma * normal();
		for (i = 0; i < nk; i++)
			k[i] = 1 + d + sigma * normal();
		assert_int_equal(stats_mann_whitney(b, nb, k, nk, &mw), 0);
		hits += mw.p < COMPARE_ALPHA;
	}
	return (double)hits / trials;
}

/* The MDE formula against brute force: the simulated power at the MDE is about 0.8. */
static void test_mde_against_simulation(void **state)
{
	static const struct {
		size_t nb, nk;
		double sigma;
	} cases[] = { { 5, 5, 0.03 }, { 9, 9, 0.05 }, { 15, 15, 0.02 }, { 15, 45, 0.04 }, { 30, 30, 0.1 } };
	double mde, power;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		mde = compare_mde(cases[i].sigma, cases[i].nb, cases[i].nk, COMPARE_ALPHA, COMPARE_POWER);
		power = mw_power(cases[i].sigma, cases[i].nb, cases[i].nk, mde, 4000);
		print_message("mde n=%zu/%zu sigma=%.2f: %.4f, simulated power %.3f\n", cases[i].nb,
			      cases[i].nk, cases[i].sigma, mde, power);
		assert_true(power > 0.75 && power < 0.88);
		/* and a change half as large is seen far less often */
		assert_true(mw_power(cases[i].sigma, cases[i].nb, cases[i].nk, mde / 2, 2000) < 0.45);
	}
	/* 3 against 3: no arrangement reaches p < 0.05 (2 / C(6, 3) = 0.1) */
	assert_true(isinf(compare_mde(0.01, 3, 3, COMPARE_ALPHA, COMPARE_POWER)));
	assert_float_equal(stats_mw_min_p(3, 3), 0.1, 1e-12);
	assert_float_equal(stats_mw_min_p(5, 5), 2.0 / 252, 1e-12);
}

/* A whole check at its reported MDE is called regressed about as often as the power says. */
static void test_check_mde_simulated(void **state)
{
	double b[9], k[9], mde = 0;
	struct thresholds *t = rules("* p50 5%\n");
	struct cmp_check ck = { .stat = "p50" };
	int trials = 2000, hits = 0, i;
	size_t j;

	(void)state;
	ck.rule = thresholds_match(t, "x.y", "p50");
	/* the MDE the check reports for noise of 3% with 9 repetitions a side */
	for (i = 0; i < 200; i++) {
		for (j = 0; j < 9; j++) {
			b[j] = 1 + 0.03 * normal();
			k[j] = 1 + 0.03 * normal();
		}
		assert_int_equal(compare_check(&ck, b, 9, k, 9, BETTER_LOWER, COMPARE_ALPHA), 0);
		if (isfinite(ck.mde))
			mde += ck.mde / 200;
	}
	assert_true(mde > 0.05 && mde < 0.2);
	for (i = 0; i < trials; i++) {
		for (j = 0; j < 9; j++) {
			b[j] = 1 + 0.03 * normal();
			k[j] = 1 + mde + 0.03 * normal();
		}
		assert_int_equal(compare_check(&ck, b, 9, k, 9, BETTER_LOWER, COMPARE_ALPHA), 0);
		hits += ck.verdict == VERDICT_REGRESSED;
	}
	print_message("check mde %.4f: regressed in %d of %d\n", mde, hits, trials);
	assert_true(hits > trials * 0.7 && hits < trials * 0.92);
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
		cmocka_unit_test(test_allow_missing),
		cmocka_unit_test(test_partial_fails),
		cmocka_unit_test(test_skipped_on_baseline_only),
		cmocka_unit_test(test_params_differ),
		cmocka_unit_test(test_pool_gap),
		cmocka_unit_test(test_disturbed_reps),
		cmocka_unit_test(test_mde_against_simulation),
		cmocka_unit_test(test_check_mde_simulated),
		cmocka_unit_test(test_unit_mismatch),
		cmocka_unit_test(test_limit_unit_mismatch),
		cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
