/* test_history.c - E-divisive change points, the permutation test, and the history gate. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/changepoint.h"
#include "core/stats.h"
#include "results/history.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct cp_opts cp_default = {
	.min_size = 3, .alpha = 0.05, .permutations = 199, .seed = 1
};

static const struct history_opts hist_default = {
	.alpha = 0.05, .permutations = 199, .seed = 1, .recent = 5, .min_segment = 3
};

static void assert_close(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

/* n values level + sd * N(0, 1) from the stream *rng. */
static void noise(double *x, size_t n, double level, double sd, uint64_t *rng)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = level + sd * cp_rng_normal(rng);
}

/* The q statistic by its definition over ordered pairs, independent of cp_qhat's sums. */
static double brute_q(const double *x, size_t n, size_t tau)
{
	double b = 0, wx = 0, wy = 0, e;
	size_t i, j, m = tau, k = n - tau;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			if (i < tau && j >= tau)
				b += fabs(x[i] - x[j]);
			else if (i < tau && j < tau && i != j)
				wx += fabs(x[i] - x[j]);
			else if (i >= tau && j >= tau && i != j)
				wy += fabs(x[i] - x[j]);
		}
	e = 2 * b / (double)(m * k);
	if (m > 1)
		e -= wx / (double)(m * (m - 1));
	if (k > 1)
		e -= wy / (double)(k * (k - 1));
	return (double)(m * k) / (double)n * e;
}

static void test_qhat_by_hand(void **state)
{
	/* X = {0, 0}, Y = {1, 1}: E = 2 * 1 - 0 - 0 = 2, q = (2 * 2 / 4) * 2 = 2. */
	static const double a[] = { 0, 0, 1, 1 };
	/* X = {0}, Y = {0, 3}: E = 2 * 3/2 - 0 - 3 = 0, q = 0. */
	static const double b[] = { 0, 0, 3 };
	/* X = {1, 2, 3}, Y = {7, 9}: between 2*(6+8+5+7+4+6)/6 = 12, within X 4/3, within Y 2: E = 26/3, q = 6/5 * 26/3 = 10.4 */
	static const double c[] = { 1, 2, 3, 7, 9 };

	(void)state;
	assert_true(cp_qhat(a, 4, 2) == 2);
	assert_close(cp_qhat(b, 3, 1), 0, 1e-15);
	assert_close(cp_qhat(c, 5, 3), 10.4, 1e-12);
	assert_true(isnan(cp_qhat(a, 4, 0)));
	assert_true(isnan(cp_qhat(a, 4, 4)));
}

static void test_qhat_brute_force(void **state)
{
	uint64_t rng = 42;
	double x[13], q, best, bq, bf;
	size_t tau, kappa, n = N(x), min, got, gk = 0, want = 0, wk = 0;

	(void)state;
	noise(x, n, 10, 3, &rng);
	x[9] += 8; /* a step somewhere, so that one split stands out */
	for (tau = 1; tau < n; tau++) {
		bf = brute_q(x, n, tau);
		assert_close(cp_qhat(x, n, tau), bf, 1e-9 * fabs(bf) + 1e-12);
	}
	/* the best (tau, kappa) over every window x[0..kappa), by brute force */
	for (min = 1; min <= 6; min++) {
		best = -INFINITY;
		for (tau = min; tau + min <= n; tau++)
			for (kappa = tau + min; kappa <= n; kappa++)
				if (brute_q(x, kappa, tau) > best) {
					best = brute_q(x, kappa, tau);
					want = tau;
					wk = kappa;
				}
		got = cp_best_split(x, n, min, &bq, &gk);
		assert_int_equal(got, want);
		assert_int_equal(gk, wk);
		assert_close(bq, best, 1e-9 * fabs(best));
	}
	assert_int_equal(cp_best_split(x, n, 7, &q, NULL), 0); /* 13 < 2 * 7 */
	assert_true(isnan(q));
}

static void test_one_step(void **state)
{
	uint64_t rng = 7;
	double x[20];
	struct cp_point cps[20];
	int k;

	(void)state;
	noise(x, 10, 100, 1, &rng);
	noise(x + 10, 10, 110, 1, &rng);
	k = cp_edivisive(x, N(x), &cp_default, cps, N(cps));
	assert_int_equal(k, 1);
	assert_int_equal(cps[0].index, 10);
	assert_close(cps[0].p, 1.0 / 200, 1e-15); /* no permutation comes near a clean step */
}

static void test_two_steps(void **state)
{
	uint64_t rng = 11;
	double x[30];
	struct cp_point cps[30];
	int k;

	(void)state;
	noise(x, 10, 100, 1, &rng);
	noise(x + 10, 10, 110, 1, &rng);
	noise(x + 20, 10, 100, 1, &rng);
	k = cp_edivisive(x, N(x), &cp_default, cps, N(cps));
	assert_int_equal(k, 2);
	assert_int_equal(cps[0].index, 10);
	assert_int_equal(cps[1].index, 20);
}

static void test_no_step(void **state)
{
	uint64_t rng = 3;
	double x[20];
	struct cp_point cps[20];

	(void)state;
	noise(x, N(x), 100, 2, &rng);
	assert_int_equal(cp_edivisive(x, N(x), &cp_default, cps, N(cps)), 0);
	/* a constant series: every permutation ties, p = 1 */
	memset(x, 0, sizeof(x));
	assert_int_equal(cp_edivisive(x, N(x), &cp_default, cps, N(cps)), 0);
}

static void test_outlier_is_no_change_point(void **state)
{
	static const size_t where[] = { 0, 5, 9, 10, 17, 19 };
	uint64_t rng = 5;
	double x[20], y[20];
	struct cp_point cps[20];
	size_t i;

	(void)state;
	noise(x, N(x), 100, 2, &rng);
	assert_int_equal(cp_edivisive(x, N(x), &cp_default, cps, N(cps)), 0);
	for (i = 0; i < N(where); i++) {
		memcpy(y, x, sizeof(x));
		y[where[i]] = 200; /* 50 sigmas out */
		assert_int_equal(cp_edivisive(y, N(y), &cp_default, cps, N(cps)), 0);
	}
}

static void test_permutation_deterministic(void **state)
{
	uint64_t rng = 9, s1 = 1234, s2 = 1234, s3 = 99;
	size_t bounds[] = { 0, 20 };
	double x[20], work[20], q, p1, p2, p3;

	(void)state;
	noise(x, N(x), 0, 1, &rng);
	x[14] += 1.5;
	x[15] += 1.5; /* something, not much */
	memcpy(work, x, sizeof(x));
	cp_best_split(x, N(x), 3, &q, NULL);
	p1 = cp_permutation_p(x, bounds, 2, 3, q, 199, &s1);
	p2 = cp_permutation_p(x, bounds, 2, 3, q, 199, &s2);
	assert_true(p1 == p2);
	assert_true(s1 == s2);
	/* p is a count: (1 + hits) / 200 */
	assert_close(p1 * 200, round(p1 * 200), 1e-9);
	/* another seed: another p, but of the same size (R = 199: sd of p under 0.04) */
	p3 = cp_permutation_p(x, bounds, 2, 3, q, 199, &s3);
	assert_close(p3, p1, 0.15);
	/* x is left as it was: the shuffles happen in a copy */
	assert_memory_equal(x, work, sizeof(x));
}

/* Under no change, p < alpha about alpha of the time: the test holds its level. */
static void test_permutation_level(void **state)
{
	uint64_t rng = 2024;
	size_t bounds[] = { 0, 20 }, s, hits = 0, series = 600;
	double x[20], q, p;

	(void)state;
	for (s = 0; s < series; s++) {
		noise(x, N(x), 0, 1, &rng);
		cp_best_split(x, N(x), 3, &q, NULL);
		p = cp_permutation_p(x, bounds, 2, 3, q, 99, &rng);
		hits += p < 0.05;
	}
	/* exact level 4/100 with R = 99; 600 series: sd 0.008 */
	if (hits < 0.015 * series || hits > 0.07 * series)
		fail_msg("%zu of %zu null series had p < 0.05", hits, series);
}

static void test_bad_input(void **state)
{
	double x[6] = { 1, 2, 3, 4, 5, NAN };
	struct cp_point cps[6];
	struct cp_opts o = cp_default;

	(void)state;
	assert_int_equal(cp_edivisive(x, 6, &o, cps, 6), -EINVAL);
	o.min_size = 0;
	assert_int_equal(cp_edivisive(x, 5, &o, cps, 6), -EINVAL);
	o = cp_default;
	o.alpha = 1;
	assert_int_equal(cp_edivisive(x, 5, &o, cps, 6), -EINVAL);
	assert_int_equal(cp_edivisive(x, 0, &cp_default, cps, 6), 0);
}

static void test_t_distribution(void **state)
{
	(void)state;
	/* tables (R qt/pt) */
	assert_close(stats_t_quantile(0.975, 10), 2.228138851986274, 1e-9);
	assert_close(stats_t_quantile(0.975, 1), 12.70620473617471, 1e-8);
	assert_close(stats_t_quantile(0.8, 18), 0.8620486679896016, 1e-9);
	assert_close(stats_t_quantile(0.025, 4), -2.776445105197799, 1e-9);
	assert_close(stats_t_quantile(0.975, INFINITY), 1.959963984540054, 1e-9);
	assert_close(stats_t_quantile(0.8, INFINITY), 0.8416212335729143, 1e-9);
	assert_close(stats_t_cdf(2.0, 5), 0.9490302605850709, 1e-12);
	assert_close(stats_t_cdf(-1.0, 1), 0.25, 1e-12);
	assert_close(stats_t_cdf(0, 7), 0.5, 1e-15);
	assert_true(isnan(stats_t_quantile(0, 5)));
	assert_true(isnan(stats_t_quantile(0.5, 0)));
}

static void test_noise_and_clean_mean(void **state)
{
	static const double y[] = { 1, 2, 3, 10, 12, 14 };
	static const double out[] = { 1, 2, 3, 4, 100 };
	size_t b2[] = { 0, 3, 6 }, b1[] = { 0, 5 }, kept;
	double df;

	(void)state;
	/* SS = 2 + 8, df = 6 values - 2 segments */
	assert_close(history_noise(y, b2, 3, &df), sqrt(10.0 / 4), 1e-12);
	assert_close(df, 4, 0);
	/* 100 is 97 from the median 3, with MAD 1: dropped */
	assert_close(history_clean_mean(out, 5, &kept), 2.5, 1e-12);
	assert_int_equal(kept, 4);
	assert_close(history_noise(out, b1, 2, &df), sqrt(5.0 / 3), 1e-12);
	assert_close(df, 3, 0);
	assert_true(isnan(history_noise(y, b1, 2, &df)) == 0);
	/* one value: nothing to learn */
	assert_true(isnan(history_noise(y, (size_t[]){ 0, 1 }, 2, &df)));
	assert_close(df, 0, 0);
}

/* reference of nref log-normal values (sigma), then the newest stepped by `step` (relative). */
static void lognormal_series(double *x, size_t nref, double sigma, double step, uint64_t *rng)
{
	size_t i;

	for (i = 0; i < nref; i++)
		x[i] = 1000 * exp(sigma * cp_rng_normal(rng));
	x[nref] = 1000 * (1 + step) * exp(sigma * cp_rng_normal(rng));
}

/*
 * The MDE formula against brute force: inject a step of exactly the formula's
 * MDE (for the true sigma) into the newest run of simulated histories and count
 * how often the whole gate (change points, noise learning, newest-run test)
 * says regressed. It should be the power the formula promises, 0.8; a step of
 * 0 gives the false alarm rate alpha / 2 (the worse side of a two-sided test).
 */
static double gate_rate(size_t nref, double sigma, double step, size_t sims, uint64_t seed)
{
	struct history_analysis a;
	struct history_opts o = hist_default;
	uint64_t rng = seed;
	double x[64];
	size_t s, hits = 0;

	o.permutations = 99;
	for (s = 0; s < sims; s++) {
		lognormal_series(x, nref, sigma, step, &rng);
		o.seed = s + 1;
		if (history_analyze(x, nref + 1, BETTER_LOWER, &o, &a))
			fail_msg("history_analyze failed");
		hits += a.status == HISTORY_REGRESSED;
		history_analysis_free(&a);
	}
	return (double)hits / (double)sims;
}

static void test_mde_by_simulation(void **state)
{
	static const size_t nrefs[] = { 8, 11, 19 };
	const double sigma = 0.04;
	double d, power, fa;
	size_t i;

	(void)state;
	for (i = 0; i < N(nrefs); i++) {
		/* the reference alone learns the noise: df = nref - 1 */
		d = history_mde(sigma, (double)(nrefs[i] - 1), nrefs[i], 0.05, 0.8);
		power = gate_rate(nrefs[i], sigma, expm1(d), 3000, 100 + i);
		fa = gate_rate(nrefs[i], sigma, 0, 3000, 200 + i);
		print_message("nref %zu: MDE %.2f%%, simulated power %.3f, false alarms %.3f\n",
			      nrefs[i], 100 * expm1(d), power, fa);
		if (power < 0.75 || power > 0.85)
			fail_msg("nref %zu: power %.3f at the MDE, want 0.8", nrefs[i], power);
		/* alpha/2 from the newest-run test, and young change points towards worse */
		if (fa > 0.06)
			fail_msg("nref %zu: false alarms %.3f, want at most about alpha", nrefs[i], fa);
	}
	/* the formula itself: (t_.975,10 + t_.8,10) * 0.04 * sqrt(1 + 1/11) */
	assert_close(history_mde(0.04, 10, 11, 0.05, 0.8),
		     (2.228138851986274 + 0.8790578285505) * 0.04 * sqrt(1 + 1.0 / 11), 1e-9);
}

static void fill(double *x, size_t from, size_t to, double level, double sd, uint64_t *rng)
{
	noise(x + from, to - from, level, sd, rng);
}

static void test_gate_young_change_point(void **state)
{
	struct history_analysis a;
	uint64_t rng = 77;
	double x[18];

	(void)state;
	/* 15 runs at 100, the last 3 at 112: a change point 3 runs old, worse */
	fill(x, 0, 15, 100, 1.5, &rng);
	fill(x, 15, 18, 112, 1.5, &rng);
	assert_int_equal(history_analyze(x, 18, BETTER_LOWER, &hist_default, &a), 0);
	assert_int_equal(a.ncps, 1);
	assert_int_equal(a.cps[0].index, 15);
	assert_int_equal(a.status, HISTORY_REGRESSED);
	assert_true(a.by_change_point);
	assert_close(a.seg_change, 0.12, 0.03);
	history_analysis_free(&a);
	/* the same for a throughput: up is better */
	assert_int_equal(history_analyze(x, 18, BETTER_HIGHER, &hist_default, &a), 0);
	assert_int_equal(a.status, HISTORY_IMPROVED);
	history_analysis_free(&a);
}

static void test_gate_old_change_point_is_accepted(void **state)
{
	struct history_analysis a;
	uint64_t rng = 78;
	double x[24];

	(void)state;
	/* a step 12 runs ago: the new level is the reference now */
	fill(x, 0, 12, 100, 1.5, &rng);
	fill(x, 12, 24, 112, 1.5, &rng);
	assert_int_equal(history_analyze(x, 24, BETTER_LOWER, &hist_default, &a), 0);
	assert_int_equal(a.ncps, 1);
	assert_int_equal(a.status, HISTORY_STABLE);
	assert_int_equal(a.ref_from, 12);
	assert_int_equal(a.ref_to, 23);
	assert_close(a.ref_level, 112, 2);
	history_analysis_free(&a);
}

static void test_gate_newest_run(void **state)
{
	struct history_analysis a;
	uint64_t rng = 79;
	double x[16];

	(void)state;
	fill(x, 0, 16, 100, 1, &rng);
	x[15] = 112; /* the newest run alone, 12 sigmas up */
	assert_int_equal(history_analyze(x, 16, BETTER_LOWER, &hist_default, &a), 0);
	assert_int_equal(a.ncps, 0);
	assert_int_equal(a.status, HISTORY_REGRESSED);
	assert_false(a.by_change_point);
	assert_true(a.p < 0.001);
	assert_close(a.noise, 0.01, 0.005);
	history_analysis_free(&a);
	/* better: lower is good for a latency */
	x[15] = 88;
	assert_int_equal(history_analyze(x, 16, BETTER_LOWER, &hist_default, &a), 0);
	assert_int_equal(a.status, HISTORY_IMPROVED);
	history_analysis_free(&a);
	/* within the noise */
	x[15] = 100.5;
	assert_int_equal(history_analyze(x, 16, BETTER_LOWER, &hist_default, &a), 0);
	assert_int_equal(a.status, HISTORY_STABLE);
	history_analysis_free(&a);
	/* an outlier in the history does not inflate the noise */
	x[15] = 112;
	x[6] = 160;
	assert_int_equal(history_analyze(x, 16, BETTER_LOWER, &hist_default, &a), 0);
	assert_int_equal(a.status, HISTORY_REGRESSED);
	assert_close(a.noise, 0.01, 0.005);
	history_analysis_free(&a);
}

static void test_gate_short_and_linear(void **state)
{
	struct history_analysis a;
	static const double two[] = { 5, 6 };
	static const double signed_vals[] = { -1, 0, 1, -1, 0, 1, 0, 0, 9 };

	(void)state;
	assert_int_equal(history_analyze(two, 1, BETTER_LOWER, &hist_default, &a), 0);
	assert_int_equal(a.status, HISTORY_SHORT);
	history_analysis_free(&a);
	assert_int_equal(history_analyze(two, 2, BETTER_LOWER, &hist_default, &a), 0);
	assert_int_equal(a.status, HISTORY_SHORT); /* one reference value: no noise */
	history_analysis_free(&a);
	/* values at or below 0: analysed as they are, not as logarithms */
	assert_int_equal(history_analyze(signed_vals, N(signed_vals), BETTER_LOWER, &hist_default, &a), 0);
	assert_false(a.log_scale);
	assert_int_equal(a.status, HISTORY_REGRESSED);
	history_analysis_free(&a);
	assert_int_equal(history_analyze(two, 0, BETTER_LOWER, &hist_default, &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qhat_by_hand),
		cmocka_unit_test(test_qhat_brute_force),
		cmocka_unit_test(test_one_step),
		cmocka_unit_test(test_two_steps),
		cmocka_unit_test(test_no_step),
		cmocka_unit_test(test_outlier_is_no_change_point),
		cmocka_unit_test(test_permutation_deterministic),
		cmocka_unit_test(test_permutation_level),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_t_distribution),
		cmocka_unit_test(test_noise_and_clean_mean),
		cmocka_unit_test(test_mde_by_simulation),
		cmocka_unit_test(test_gate_young_change_point),
		cmocka_unit_test(test_gate_old_change_point_is_accepted),
		cmocka_unit_test(test_gate_newest_run),
		cmocka_unit_test(test_gate_short_and_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
