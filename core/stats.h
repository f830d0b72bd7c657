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

/* Robust standard deviation: 1.4826 times the median absolute deviation from the median. */
double stats_mad_sigma(const double *x, size_t n);

/* Student's t distribution with df > 0 degrees of freedom (df = INFINITY: the normal): CDF and
 * quantile (0 < p < 1, NAN otherwise, to about 1e-12). */
double stats_t_cdf(double t, double df);
double stats_t_quantile(double p, double df);

/*
 * The smallest two-sided p the Mann-Whitney test (as stats_mann_whitney
 * computes it) can give for samples of na and nb without ties: 2 / C(na + nb,
 * na) exactly, the normal approximation's when a sample exceeds the exact
 * range. 1 when a sample is empty.
 */
double stats_mw_min_p(size_t na, size_t nb);

/*
 * The real size of the exact test at level alpha: the largest two-sided p
 * below alpha that samples of na and nb without ties can give (0 when none
 * can); alpha itself where the normal approximation is used.
 */
double stats_mw_attainable_alpha(size_t na, size_t nb, double alpha);

#endif
