/* stats.h - descriptive statistics and the two-sided Mann-Whitney U test. */
#ifndef NP_STATS_H
#define NP_STATS_H

#include <stddef.h>

/* Every function here returns NAN for an empty sample unless noted. */
double stats_mean(const double *x, size_t n);
/* Sample standard deviation (n - 1); 0 when n < 2. */
double stats_stddev(const double *x, size_t n);
/*
 * Nearest-rank quantile of unsorted x (x is not modified): the
 * ceil(q * n)-th smallest value, rank clamped to 1..n. NAN when n == 0 or
 * when the sorted copy cannot be allocated.
 */
double stats_quantile(const double *x, size_t n, double q);
/*
 * The conventional median, not the nearest-rank 0.5 quantile: for even n the
 * mean of the two middle values, so {1, 2, 3, 4} gives 2.5, not 2. NAN as
 * for stats_quantile().
 */
double stats_median(const double *x, size_t n);

struct mw_result {
	double u;		/* U of the first sample */
	double z;		/* normal approximation (0 when exact) */
	double p;		/* two-sided p-value */
	int exact;		/* 1: exact distribution used (no ties, small n) */
};

/*
 * Two-sided Mann-Whitney U test. Exact null distribution when there are no
 * ties and both samples are small (na, nb <= 20), otherwise the normal
 * approximation with tie correction and continuity correction. U counts
 * the pairs with a > b plus half the tied pairs; p is capped at 1.
 * Returns 0, -EINVAL when a sample is empty or holds a NaN, or -ENOMEM.
 */
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       struct mw_result *out);

#endif
