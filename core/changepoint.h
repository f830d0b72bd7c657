/*
 * changepoint.h - change points in a series: E-divisive means with a permutation test.
 *
 * The method of Matteson & James, "A nonparametric approach for multiple change
 * point analysis of multivariate data" (JASA 2014), with alpha = 1 (|x - y|), as
 * MongoDB published it for performance histories (Daly et al., ICPE 2020) and
 * Apache Otava (hunter) ships it. As in the paper, a split compares
 * X = [start, tau) with Y = [tau, kappa) and maximises over both tau and
 * kappa <= the segment's end, so that a bump (a regression fixed a few runs
 * later) stands out as well as a step. Pure functions on double arrays; the
 * permutations come from a splitmix64 stream, so a seed gives the same answer
 * on every machine.
 */
#ifndef NP_CHANGEPOINT_H
#define NP_CHANGEPOINT_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: the next 64 bits of the stream *state. */
uint64_t cp_rng_next(uint64_t *state);
/* Uniform in [0, 1), 53 bits. */
double cp_rng_uniform(uint64_t *state);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
size_t cp_rng_below(uint64_t *state, size_t n);
/* Standard normal (Box-Muller). */
double cp_rng_normal(uint64_t *state);

/*
 * The divergence q of splitting x[0..n) into X = x[0..tau) and Y = x[tau..n):
 *   q = m k / (m + k) * (2/(m k) sum|X_i - Y_j| - sum_{i<l}|X_i - X_l| / C(m,2)
 *                                               - sum_{j<l}|Y_j - Y_l| / C(k,2))
 * with m = tau, k = n - tau (a within term is 0 for a side of one value).
 * Computed directly, O(n^2). NAN unless 0 < tau < n.
 */
double cp_qhat(const double *x, size_t n, size_t tau);

/*
 * The split of x[0..n) with the largest q: X = x[0..tau), Y = x[tau..kappa),
 * q = cp_qhat(x, kappa, tau), both sides at least min_size (>= 1) long, in
 * O(n^2) time and memory (row sums of |x_i - x_j|). Returns tau (the first of
 * equal maxima in tau, then kappa order), or 0 when n < 2 * min_size or
 * memory ran out (*q NAN); *q gets its q and *kappa (when not NULL) its kappa.
 */
size_t cp_best_split(const double *x, size_t n, size_t min_size, double *q, size_t *kappa);

/*
 * Permutation p-value of an observed best split q, given the segments
 * bounds[0] = 0 < bounds[1] < ... < bounds[nbounds-1] = n already found:
 * R times, shuffle the values within each segment and take the largest best
 * split q over the segments; p = (1 + #{q_perm >= q}) / (R + 1). Consumes
 * the stream *rng; x is not modified. NAN when memory ran out.
 */
double cp_permutation_p(const double *x, const size_t *bounds, size_t nbounds, size_t min_size,
			double q, unsigned r, uint64_t *rng);

struct cp_opts {
	size_t min_size;      /* shortest segment, >= 1 (history uses 3) */
	double alpha;	      /* accept a change point when p < alpha */
	unsigned permutations; /* R, >= 1 */
	uint64_t seed;
	size_t max_points;    /* 0: no limit but the series' length */
};

struct cp_point {
	size_t index; /* the first value of the new segment */
	double q;
	double p;
};

/*
 * Hierarchical E-divisive: split the segment whose best split has the
 * largest q at its tau, keep it when its permutation p < alpha, repeat; stop
 * at the first split that is not significant. The permutations shuffle within
 * the segments found so far. out (room for cap points) gets the
 * change points sorted by index. Returns how many, or -ENOMEM / -EINVAL
 * (min_size 0, no permutations, alpha outside (0, 1), a NaN in x).
 */
int cp_edivisive(const double *x, size_t n, const struct cp_opts *o, struct cp_point *out,
		 size_t cap);


#endif
