/* test_stats.c - unit tests for descriptive statistics and the Mann-Whitney U test. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/stats.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("got %.17g, want %.17g (rel tol %g)", got, want, rel);
}

static void test_mean_stddev(void **state)
{
	/* The textbook set: mean 5, population sd 2, sample sd sqrt(32/7). */
	static const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
	static const double y[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
	static const double one[] = {42};

	(void)state;
	assert_true(stats_mean(x, N(x)) == 5);
	assert_close(stats_stddev(x, N(x)), sqrt(32.0 / 7), 1e-15);
	/* A large offset must not cancel the spread away. */
	assert_close(stats_mean(y, N(y)), 1e9 + 2, 1e-15);
	assert_close(stats_stddev(y, N(y)), 1, 1e-9);
	assert_true(stats_mean(one, 1) == 42);
	assert_true(stats_stddev(one, 1) == 0);
	assert_true(isnan(stats_mean(x, 0)));
	assert_true(stats_stddev(x, 0) == 0);
}

static void test_quantile_nearest_rank(void **state)
{
	/* Wikipedia, "Percentile", nearest-rank method examples. */
	static const double w1[] = {35, 20, 15, 50, 40};
	static const double w2[] = {20, 3, 16, 6, 15, 7, 13, 8, 10, 8};
	static const double w3[] = {3, 6, 7, 8, 8, 9, 10, 13, 15, 16, 20};
	double w1_copy[N(w1)], hundred[100];
	unsigned i;

	(void)state;
	memcpy(w1_copy, w1, sizeof(w1));
	assert_true(stats_quantile(w1, N(w1), 0.05) == 15);
	assert_true(stats_quantile(w1, N(w1), 0.30) == 20);
	assert_true(stats_quantile(w1, N(w1), 0.40) == 20);
	assert_true(stats_quantile(w1, N(w1), 0.50) == 35);
	assert_true(stats_quantile(w1, N(w1), 1.00) == 50);
	assert_memory_equal(w1, w1_copy, sizeof(w1));

	assert_true(stats_quantile(w2, N(w2), 0.25) == 7);
	assert_true(stats_quantile(w2, N(w2), 0.50) == 8);
	assert_true(stats_quantile(w2, N(w2), 0.75) == 15);
	assert_true(stats_quantile(w2, N(w2), 1.00) == 20);

	assert_true(stats_quantile(w3, N(w3), 0.25) == 7);
	assert_true(stats_quantile(w3, N(w3), 0.50) == 9);
	assert_true(stats_quantile(w3, N(w3), 0.75) == 15);
	assert_true(stats_quantile(w3, N(w3), 1.00) == 20);

	/* q = 0 clamps to rank 1; 0.07 * 100 rounds up past 7 in doubles. */
	for (i = 0; i < 100; i++)
		hundred[i] = 100 - i;
	assert_true(stats_quantile(hundred, 100, 0) == 1);
	assert_true(stats_quantile(hundred, 100, 0.07) == 7);
	assert_true(stats_quantile(hundred, 100, 0.071) == 8);
	assert_true(stats_quantile(hundred, 100, 0.99) == 99);
	assert_true(isnan(stats_quantile(hundred, 0, 0.5)));
}

static void test_median(void **state)
{
	static const double odd[] = {9, 1, 7, 3, 8, 3, 6};
	static const double even[] = {9, 1, 8, 3, 5, 2, 6, 4};
	static const double two[] = {4, 1};

	(void)state;
	assert_true(stats_median(odd, N(odd)) == 6);
	assert_true(stats_median(even, N(even)) == 4.5);
	assert_true(stats_median(two, N(two)) == 2.5);
	assert_true(stats_median(two, 1) == 4);
	assert_true(isnan(stats_median(two, 0)));
}

/* Pairs a > b count 1, ties 1/2: the definition, without ranks. */
static double u_by_pairs(const double *a, size_t na, const double *b, size_t nb)
{
	double u = 0;
	size_t i, j;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			u += a[i] > b[j] ? 1 : a[i] == b[j] ? 0.5 : 0;
	return u;
}

/*
 * Permutation test by enumeration: every way to split the pooled values
 * into groups of na and nb; p is the share of splits whose U lies at least as
 * far from na*nb/2 as the observed one.
 */
static double p_by_enumeration(const double *a, size_t na, const double *b, size_t nb)
{
	double pool[16], x[16], y[16], mu = na * nb / 2.0, d;
	size_t n = na + nb, i, nx, ny;
	unsigned long mask, hits = 0, total = 0;

	assert_true(n <= 16);
	memcpy(pool, a, na * sizeof(*a));
	memcpy(pool + na, b, nb * sizeof(*b));
	d = fabs(u_by_pairs(a, na, b, nb) - mu);
	for (mask = 0; mask < 1ul << n; mask++) {
		if ((size_t)__builtin_popcountl(mask) != na)
			continue;
		for (i = nx = ny = 0; i < n; i++) {
			if (mask & (1ul << i))
				x[nx++] = pool[i];
			else
				y[ny++] = pool[i];
		}
		total++;
		if (fabs(u_by_pairs(x, nx, y, ny) - mu) >= d - 1e-9)
			hits++;
	}
	return (double)hits / (double)total;
}

static void test_mw_exact_known(void **state)
{
	static const double a[] = {1, 2, 3, 4, 5}, b[] = {6, 7, 8, 9, 10};
	/* scipy.stats.mannwhitneyu docs example: U = 17, p = 0.1111111111111111. */
	static const double males[] = {19, 22, 16, 29, 24};
	static const double females[] = {20, 11, 17, 12};
	double big_a[20], big_b[20];
	struct mw_result r;
	unsigned i;

	(void)state;
	/* Complete separation: 2 of C(10, 5) = 252 splits are as extreme. */
	assert_int_equal(stats_mann_whitney(a, 5, b, 5, &r), 0);
	assert_int_equal(r.exact, 1);
	assert_true(r.u == 0);
	assert_close(r.p, 2.0 / 252, 1e-12);
	assert_true(r.z == 0);
	assert_int_equal(stats_mann_whitney(b, 5, a, 5, &r), 0);
	assert_true(r.u == 25);
	assert_close(r.p, 2.0 / 252, 1e-12);

	assert_int_equal(stats_mann_whitney(males, 5, females, 4, &r), 0);
	assert_int_equal(r.exact, 1);
	assert_true(r.u == 17);
	assert_close(r.p, 1.0 / 9, 1e-12);

	/* Largest exact case: 2 / C(40, 20) = 2 / 137846528820. */
	for (i = 0; i < 20; i++) {
		big_a[i] = i;
		big_b[i] = 100 + i;
	}
	assert_int_equal(stats_mann_whitney(big_a, 20, big_b, 20, &r), 0);
	assert_int_equal(r.exact, 1);
	assert_close(r.p, 2.0 / 137846528820.0, 1e-12);
}

/* splitmix64: fixed seed, same data on every run. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void test_mw_exact_enumerated(void **state)
{
	static const unsigned sizes[][2] = {
	    {1, 6}, {7, 2}, {3, 10}, {5, 5}, {4, 7}, {6, 8}, {8, 8},
	};
	double pool[16], tmp;
	uint64_t seed = 2024;
	struct mw_result r;
	unsigned s, trial;
	size_t i, j, na, nb;

	(void)state;
	for (s = 0; s < N(sizes); s++) {
		na = sizes[s][0];
		nb = sizes[s][1];
		for (trial = 0; trial < 6; trial++) {
			/*
			 * Distinct values shifted for the first group by a
			 * trial-dependent amount, so U covers both tails and
			 * the middle.
			 */
			for (i = 0; i < na + nb; i++)
				pool[i] = (double)i + (i < na ? trial * 1.7 - 4 : 0) + i * 1e-3;
			for (i = na + nb - 1; i > 0; i--) {
				if (rng_next(&seed) % 3)
					continue;
				j = rng_next(&seed) % (i + 1);
				tmp = pool[i];
				pool[i] = pool[j];
				pool[j] = tmp;
			}
			assert_int_equal(stats_mann_whitney(pool, na, pool + na, nb, &r), 0);
			assert_int_equal(r.exact, 1);
			assert_true(r.u == u_by_pairs(pool, na, pool + na, nb));
			assert_close(r.p, p_by_enumeration(pool, na, pool + na, nb), 1e-12);
		}
	}
}

static void test_mw_normal_ties(void **state)
{
	static const double a[] = {1, 2, 2, 3, 3, 4}, b[] = {3, 4, 4, 5, 5, 6};
	struct mw_result r;

	(void)state;
	/*
	 * Pooled and ranked: 1 -> 1; 2,2 -> 2.5; 3,3,3 -> 5; 4,4,4 -> 8;
	 * 5,5 -> 10.5; 6 -> 12.
	 * R_a = 1 + 2 * 2.5 + 2 * 5 + 8 = 24, U_a = 24 - 6 * 7 / 2 = 3.
	 * mu = 6 * 6 / 2 = 18.
	 * Ties: sum(t^3 - t) = 6 + 24 + 24 + 6 = 60.
	 * var = 6 * 6 / 12 * (13 - 60 / (12 * 11)) = 3 * 12.545454... = 37.636364
	 * sd = 6.1348483; z = -(|3 - 18| - 0.5) / sd = -2.3635466
	 * p = erfc(2.3635466 / sqrt(2)) = 0.0181009487
	 */
	assert_int_equal(stats_mann_whitney(a, N(a), b, N(b), &r), 0);
	assert_int_equal(r.exact, 0);
	assert_true(r.u == 3);
	assert_close(r.z, -2.3635466267888248, 1e-12);
	assert_close(r.p, 0.01810094873944971, 1e-9);

	assert_int_equal(stats_mann_whitney(b, N(b), a, N(a), &r), 0);
	assert_true(r.u == 33);
	assert_close(r.z, 2.3635466267888248, 1e-12);
	assert_close(r.p, 0.01810094873944971, 1e-9);
}

static void test_mw_normal_large(void **state)
{
	double a[25], b[25];
	struct mw_result r;
	unsigned i;

	(void)state;
	for (i = 0; i < 25; i++) {
		a[i] = i;
		b[i] = 25 + i;
	}
	/*
	 * No ties but nb > 20: U = 0, mu = 312.5,
	 * var = 25 * 25 * 51 / 12 = 2656.25, sd = 51.538820,
	 * z = -(312.5 - 0.5) / 51.538820 = -6.0536892, p = 1.4156562e-9.
	 */
	assert_int_equal(stats_mann_whitney(a, 25, b, 25, &r), 0);
	assert_int_equal(r.exact, 0);
	assert_true(r.u == 0);
	assert_close(r.z, -6.053689200906871, 1e-12);
	assert_close(r.p, 1.4156562248495634e-09, 1e-6);
}

static void test_mw_no_difference(void **state)
{
	static const double a[] = {1, 2, 3, 4, 5}, same[] = {7, 7, 7};
	static const double odd[] = {1, 3, 5}, even[] = {2, 4};
	static const double nan_one[] = {1, NAN};
	struct mw_result r;

	(void)state;
	/* Identical samples: ties everywhere, U at its mean, p = 1. */
	assert_int_equal(stats_mann_whitney(a, 5, a, 5, &r), 0);
	assert_int_equal(r.exact, 0);
	assert_true(r.u == 12.5);
	assert_true(r.p == 1);
	/* All values equal: zero variance, still p = 1. */
	assert_int_equal(stats_mann_whitney(same, 3, same, 2, &r), 0);
	assert_true(r.p == 1);
	assert_true(r.z == 0);
	/* Exact and centred: both tails exceed 1/2, p is capped at 1. */
	assert_int_equal(stats_mann_whitney(odd, 3, even, 2, &r), 0);
	assert_int_equal(r.exact, 1);
	assert_true(r.u == 3);
	assert_true(r.p == 1);

	assert_int_equal(stats_mann_whitney(a, 0, a, 5, &r), -EINVAL);
	assert_int_equal(stats_mann_whitney(a, 5, a, 0, &r), -EINVAL);
	assert_int_equal(stats_mann_whitney(nan_one, 2, a, 5, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mean_stddev),
	    cmocka_unit_test(test_quantile_nearest_rank),
	    cmocka_unit_test(test_median),
	    cmocka_unit_test(test_mw_exact_known),
	    cmocka_unit_test(test_mw_exact_enumerated),
	    cmocka_unit_test(test_mw_normal_ties),
	    cmocka_unit_test(test_mw_normal_large),
	    cmocka_unit_test(test_mw_no_difference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
