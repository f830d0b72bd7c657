/* test_hist.c - histogram unit tests: error bound, indexing, quantiles, merge, edges. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/hist.h"

#define NS_PER_S 1000000000ull
#define NSAMPLES 100000

/* |rep - v| <= v / 128, in integers so that v == 0 must be exact. */
static int within_bound(uint64_t rep, uint64_t v)
{
	return (rep > v ? rep - v : v - rep) <= v / 128;
}

/*
 * One value through every path: the library index, the inline record path,
 * the bucket range and the representative's error bound.
 */
static void check_value(struct hist *h, uint64_t v)
{
	unsigned idx = hist_index(v);
	uint64_t before = h->buckets[idx];

	hist_record(h, v);
	if (h->buckets[idx] != before + 1)
		fail_msg("v=%llu: hist_record and hist_index(%u) disagree", (unsigned long long)v,
			 idx);
	if (v < hist_bucket_lo(idx) || v > hist_bucket_hi(idx))
		fail_msg("v=%llu outside bucket %u [%llu, %llu]", (unsigned long long)v, idx,
			 (unsigned long long)hist_bucket_lo(idx),
			 (unsigned long long)hist_bucket_hi(idx));
	if (!within_bound(hist_bucket_value(idx), v))
		fail_msg("v=%llu: representative %llu is off by more than 1/128",
			 (unsigned long long)v, (unsigned long long)hist_bucket_value(idx));
}

static void test_relative_error(void **state)
{
	struct hist *h = hist_new();
	unsigned long long checked = 0;
	double g;
	unsigned i;
	uint64_t v;

	(void)state;
	assert_non_null(h);
	for (v = 1; v < 100000; v++, checked++)
		check_value(h, v);
	for (g = 100000; g <= 60.0 * NS_PER_S; g *= 1.0005, checked++)
		check_value(h, (uint64_t)g);
	check_value(h, 60 * NS_PER_S);
	for (i = 1; i < HIST_BUCKETS; i++, checked += 2) {
		check_value(h, hist_bucket_lo(i));
		check_value(h, hist_bucket_hi(i));
	}
	assert_int_equal(h->count, checked + 1);
	hist_free(h);
}

static void test_index_edges(void **state)
{
	unsigned i;

	(void)state;
	assert_int_equal(hist_bucket_lo(0), 0);
	assert_int_equal(hist_bucket_hi(HIST_BUCKETS - 1), HIST_MAX_VALUE - 1);
	for (i = 0; i < 2 * HIST_SUB; i++) {
		assert_int_equal(hist_bucket_value(i), i);
		assert_int_equal(hist_bucket_hi(i), i);
	}
	for (i = 0; i < HIST_BUCKETS; i++) {
		uint64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);

		assert_true(lo <= hi);
		assert_in_range(hist_bucket_value(i), lo, hi);
		assert_int_equal(hist_index(lo), i);
		assert_int_equal(hist_index(hi), i);
		if (i)
			assert_int_equal(lo, hist_bucket_hi(i - 1) + 1);
	}
	/* Anchors from fio's plat_val_to_idx(), independent of the code above. */
	assert_int_equal(hist_index(127), 127);
	assert_int_equal(hist_index(128), 128);
	assert_int_equal(hist_index(129), 128);
	assert_int_equal(hist_index(130), 129);
	assert_int_equal(hist_index(255), 191);
	assert_int_equal(hist_index(256), 192);
	assert_int_equal(hist_index(1000), 317);
	assert_int_equal(hist_index(HIST_MAX_VALUE - 1), HIST_BUCKETS - 1);
	assert_int_equal(hist_index(HIST_MAX_VALUE), HIST_BUCKETS - 1);
	assert_int_equal(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
}

/* splitmix64: fixed seed, same data on every run. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
	return ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* Box-Muller; the two draws are sequenced so every compiler sees one stream. */
static double rng_normal(uint64_t *s)
{
	double r = sqrt(-2 * log(rng_unit(s)));

	return r * cos(2 * M_PI * rng_unit(s));
}

enum dist { DIST_UNIFORM, DIST_LOGNORMAL, DIST_BIMODAL, DIST_SMALL };

static uint64_t sample(enum dist d, uint64_t *s)
{
	double x;

	switch (d) {
	case DIST_UNIFORM:
		return 1 + rng_next(s) % 10000000;
	case DIST_LOGNORMAL:
		return (uint64_t)exp(log(50000) + rng_normal(s));
	case DIST_BIMODAL:
		x = rng_unit(s) < 0.7 ? 20000 + 2000 * rng_normal(s)
				      : 2000000 + 200000 * rng_normal(s);
		return x < 1 ? 1 : (uint64_t)x;
	case DIST_SMALL:
		return rng_next(s) % 300;
	}
	return 0;
}

static int cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return (a > b) - (a < b);
}

static void test_quantiles_random(void **state)
{
	static const unsigned permille[] = {500, 900, 990, 999};
	static const char *const names[] = {"uniform", "lognormal", "bimodal", "small"};
	uint64_t *x = malloc(NSAMPLES * sizeof(*x));
	struct hist *h = hist_new();
	uint64_t seed = 42, sum;
	double mean, ss, sq, sd;
	unsigned d, i;

	(void)state;
	assert_non_null(x);
	assert_non_null(h);
	for (d = DIST_UNIFORM; d <= DIST_SMALL; d++) {
		hist_init(h);
		sum = 0;
		for (i = 0; i < NSAMPLES; i++) {
			x[i] = sample(d, &seed);
			sum += x[i];
			hist_record(h, x[i]);
		}
		qsort(x, NSAMPLES, sizeof(*x), cmp_u64);
		for (i = 0; i < sizeof(permille) / sizeof(permille[0]); i++) {
			/* Integer nearest rank, independent of the float path under test. */
			uint64_t rank = ((uint64_t)NSAMPLES * permille[i] + 999) / 1000;
			uint64_t exact = x[rank - 1];
			uint64_t got = hist_quantile(h, permille[i] / 1000.0);

			if (!within_bound(got, exact))
				fail_msg("%s q=0.%03u: hist %llu, exact %llu", names[d],
					 permille[i], (unsigned long long)got,
					 (unsigned long long)exact);
		}
		assert_int_equal(hist_quantile(h, 0), x[0]);
		assert_int_equal(hist_quantile(h, 1), x[NSAMPLES - 1]);
		assert_int_equal(h->min, x[0]);
		assert_int_equal(h->max, x[NSAMPLES - 1]);
		assert_true(hist_mean(h) == (double)sum / NSAMPLES);

		/*
		 * Moving each value by at most v/128 moves the centred vector
		 * by at most |x|/128, so the stddev moves by at most
		 * sqrt(sum x^2 / (n - 1)) / 128.
		 */
		mean = (double)sum / NSAMPLES;
		ss = sq = 0;
		for (i = 0; i < NSAMPLES; i++) {
			ss += ((double)x[i] - mean) * ((double)x[i] - mean);
			sq += (double)x[i] * (double)x[i];
		}
		sd = sqrt(ss / (NSAMPLES - 1));
		if (fabs(hist_stddev(h) - sd) > sqrt(sq / (NSAMPLES - 1)) / 128)
			fail_msg("%s: stddev %g vs exact %g", names[d], hist_stddev(h), sd);
	}
	hist_free(h);
	free(x);
}

static void test_quantile_small_ranks(void **state)
{
	struct hist *h = hist_new();
	uint64_t v;

	(void)state;
	assert_non_null(h);
	for (v = 1; v <= 100; v++)
		hist_record(h, v);
	/* Exact region, so the nearest rank shows through unblurred. */
	assert_int_equal(hist_quantile(h, 0.07), 7);
	assert_int_equal(hist_quantile(h, 0.5), 50);
	assert_int_equal(hist_quantile(h, 0.505), 51);
	assert_int_equal(hist_quantile(h, 0.001), 1);
	assert_int_equal(hist_quantile(h, 0.999), 100);
	assert_int_equal(hist_quantile(h, -1), 1);
	assert_int_equal(hist_quantile(h, 2), 100);
	hist_free(h);
}

static void test_merge(void **state)
{
	struct hist *a = hist_new(), *b = hist_new(), *all = hist_new(), *empty = hist_new();
	struct hist *copy = hist_new();
	uint64_t seed = 7, v;
	unsigned i;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(all);
	assert_non_null(empty);
	assert_non_null(copy);
	for (i = 0; i < 20000; i++) {
		v = sample(DIST_LOGNORMAL, &seed);
		hist_record(a, v);
		hist_record(all, v);
	}
	for (i = 0; i < 30000; i++) {
		v = sample(DIST_BIMODAL, &seed);
		hist_record(b, v);
		hist_record(all, v);
	}
	hist_record(b, HIST_MAX_VALUE * 3);
	hist_record(all, HIST_MAX_VALUE * 3);

	memcpy(copy, a, sizeof(*a));
	hist_merge(copy, empty);
	assert_memory_equal(copy, a, sizeof(*a));
	hist_merge(empty, a);
	assert_memory_equal(empty, a, sizeof(*a));

	hist_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	assert_int_equal(hist_quantile(a, 0.99), hist_quantile(all, 0.99));

	hist_free(copy);
	hist_free(empty);
	hist_free(all);
	hist_free(b);
	hist_free(a);
}

static void test_empty(void **state)
{
	struct hist *h = hist_new();
	struct hist init;
	unsigned i;

	(void)state;
	assert_non_null(h);
	hist_init(&init);
	assert_memory_equal(h, &init, sizeof(init));
	assert_int_equal(h->count, 0);
	assert_int_equal(h->min, UINT64_MAX);
	assert_int_equal(h->max, 0);
	for (i = 0; i < HIST_BUCKETS; i++)
		assert_int_equal(h->buckets[i], 0);
	assert_int_equal(hist_quantile(h, 0), 0);
	assert_int_equal(hist_quantile(h, 0.5), 0);
	assert_int_equal(hist_quantile(h, 1), 0);
	assert_true(hist_mean(h) == 0);
	assert_true(hist_stddev(h) == 0);
	hist_merge(h, &init);
	assert_memory_equal(h, &init, sizeof(init));

	/* One sample: every quantile is that sample exactly, spread 0. */
	hist_record(h, 1000003);
	assert_int_equal(hist_quantile(h, 0), 1000003);
	assert_int_equal(hist_quantile(h, 0.5), 1000003);
	assert_int_equal(hist_quantile(h, 1), 1000003);
	assert_true(hist_mean(h) == 1000003);
	assert_true(hist_stddev(h) == 0);
	hist_free(h);
	hist_free(NULL);
}

static void test_clamp_large(void **state)
{
	struct hist *h = hist_new();
	const uint64_t big[] = {HIST_MAX_VALUE, HIST_MAX_VALUE + 12345, UINT64_MAX / 3};
	unsigned i;

	(void)state;
	assert_non_null(h);
	for (i = 0; i < 3; i++)
		hist_record(h, big[i]);
	assert_int_equal(h->buckets[HIST_BUCKETS - 1], 3);
	assert_int_equal(h->min, HIST_MAX_VALUE);
	assert_int_equal(h->max, UINT64_MAX / 3);
	assert_int_equal(hist_quantile(h, 1), UINT64_MAX / 3);
	assert_int_equal(hist_quantile(h, 0), HIST_MAX_VALUE);
	/* The bucket midpoint sits below every clamped value, so min wins. */
	assert_int_equal(hist_quantile(h, 0.5), HIST_MAX_VALUE);
	assert_int_equal(hist_quantile(h, 0.9), HIST_MAX_VALUE);

	hist_init(h);
	hist_record(h, 60 * NS_PER_S);
	hist_record(h, 200 * NS_PER_S);
	assert_int_equal(hist_quantile(h, 1), 200 * NS_PER_S);
	assert_true(within_bound(hist_quantile(h, 0.5), 60 * NS_PER_S));

	hist_init(h);
	hist_record(h, UINT64_MAX);
	hist_record(h, UINT64_MAX);
	assert_int_equal(h->sum, UINT64_MAX);
	assert_int_equal(h->max, UINT64_MAX);
	assert_int_equal(hist_quantile(h, 0.5), UINT64_MAX);
	hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_relative_error),
	    cmocka_unit_test(test_index_edges),
	    cmocka_unit_test(test_quantiles_random),
	    cmocka_unit_test(test_quantile_small_ranks),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_clamp_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
