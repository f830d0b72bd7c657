/* changepoint.c - E-divisive means (Matteson & James 2014, alpha = 1) and its permutation test. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/changepoint.h"

uint64_t cp_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double cp_rng_uniform(uint64_t *state)
{
	return (double)(cp_rng_next(state) >> 11) * 0x1.0p-53;
}

size_t cp_rng_below(uint64_t *state, size_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, v;

	do
		v = cp_rng_next(state);
	while (v >= limit);
	return (size_t)(v % n);
}

double cp_rng_normal(uint64_t *state)
{
	double u1 = 1.0 - cp_rng_uniform(state); /* (0, 1]: log() stays finite */
	double u2 = cp_rng_uniform(state);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double cp_qhat(const double *x, size_t n, size_t tau)
{
	double between = 0, wx = 0, wy = 0, e;
	size_t i, j, m = tau, k = n - tau;

	if (tau == 0 || tau >= n)
		return NAN;
	for (i = 0; i < tau; i++)
		for (j = tau; j < n; j++)
			between += fabs(x[i] - x[j]);
	for (i = 0; i < tau; i++)
		for (j = i + 1; j < tau; j++)
			wx += fabs(x[i] - x[j]);
	for (i = tau; i < n; i++)
		for (j = i + 1; j < n; j++)
			wy += fabs(x[i] - x[j]);
	e = 2.0 * between / ((double)m * (double)k);
	if (m > 1)
		e -= wx / ((double)m * (double)(m - 1) / 2.0);
	if (k > 1)
		e -= wy / ((double)k * (double)(k - 1) / 2.0);
	return (double)m * (double)k / (double)n * e;
}

/* q from the three sums: between X and Y, within X, within Y. */
static double q_from_sums(double b, double wx, double wy, size_t m, size_t k)
{
	double e = 2.0 * b / ((double)m * (double)k);

	if (m > 1)
		e -= wx / ((double)m * (double)(m - 1) / 2.0);
	if (k > 1)
		e -= wy / ((double)k * (double)(k - 1) / 2.0);
	return (double)m * (double)k / (double)(m + k) * e;
}

/* r[k * (n + 1) + t] = sum over j < t of |x_k - x_j|: any block sum in O(1). */
static void row_sums(const double *x, size_t n, double *r)
{
	size_t k, t;
	double acc;

	for (k = 0; k < n; k++) {
		r[k * (n + 1)] = acc = 0;
		for (t = 0; t < n; t++) {
			acc += fabs(x[k] - x[t]);
			r[k * (n + 1) + t + 1] = acc;
		}
	}
}

/*
 * Every tau, and for each every kappa, in O(n^2): for a fixed tau, Y grows by
 * x[kappa - 1] and the between and within-Y sums grow by two row sums of r.
 */
static size_t best_split(const double *x, size_t n, size_t min_size, double *q, size_t *kappa,
			 double *r)
{
	double wx = 0, wy, b, cur;
	size_t tau, k, best = 0;
	const size_t w = n + 1;

	*q = NAN;
	if (min_size < 1 || n < 2 * min_size)
		return 0;
	row_sums(x, n, r);
	for (tau = 1; tau < min_size; tau++)
		wx += r[tau * w + tau];
	for (tau = min_size; tau + min_size <= n; tau++) {
		b = wy = 0;
		for (k = tau; k < n; k++) {
			b += r[k * w + tau];
			wy += r[k * w + k] - r[k * w + tau];
			if (k + 1 - tau < min_size)
				continue;
			cur = q_from_sums(b, wx, wy, tau, k + 1 - tau);
			if (!best || cur > *q) {
				*q = cur;
				best = tau;
				if (kappa)
					*kappa = k + 1;
			}
		}
		wx += r[tau * w + tau];
	}
	return best;
}

size_t cp_best_split(const double *x, size_t n, size_t min_size, double *q, size_t *kappa)
{
	double *r = malloc((n * (n + 1) + 1) * sizeof(*r));
	size_t tau;

	*q = NAN;
	if (!r)
		return 0;
	tau = best_split(x, n, min_size, q, kappa, r);
	free(r);
	return tau;
}

static void shuffle(double *v, size_t n, uint64_t *rng)
{
	size_t i, j;
	double t;

	for (i = n; i > 1; i--) {
		j = cp_rng_below(rng, i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* The largest best-split q over the segments; -INFINITY when none can be split. */
static double max_split(const double *x, const size_t *bounds, size_t nbounds, size_t min_size,
			size_t *where, double *r)
{
	double best = -INFINITY, q;
	size_t s, tau;

	for (s = 0; s + 1 < nbounds; s++) {
		tau = best_split(x + bounds[s], bounds[s + 1] - bounds[s], min_size, &q, NULL, r);
		if (tau && q > best) {
			best = q;
			if (where)
				*where = bounds[s] + tau;
		}
	}
	return best;
}

/* work: n doubles for the shuffled copy, then the row sums. */
static double permutation_p(const double *x, const size_t *bounds, size_t nbounds,
			    size_t min_size, double q, unsigned r, uint64_t *rng, double *work)
{
	size_t s, n = bounds[nbounds - 1];
	unsigned i, hits = 0;
	/* equal up to rounding counts as reaching q: permuting equal values changes nothing */
	double reach = q - 1e-12 * fabs(q);

	memcpy(work, x, n * sizeof(*work));
	for (i = 0; i < r; i++) {
		for (s = 0; s + 1 < nbounds; s++)
			shuffle(work + bounds[s], bounds[s + 1] - bounds[s], rng);
		if (max_split(work, bounds, nbounds, min_size, NULL, work + n) >= reach)
			hits++;
	}
	return (1.0 + hits) / (1.0 + r);
}

static double *work_for(size_t n)
{
	return malloc((n + n * (n + 1) + 1) * sizeof(double));
}

double cp_permutation_p(const double *x, const size_t *bounds, size_t nbounds, size_t min_size,
			double q, unsigned r, uint64_t *rng)
{
	double *work = work_for(bounds[nbounds - 1]), p;

	if (!work)
		return NAN;
	p = permutation_p(x, bounds, nbounds, min_size, q, r, rng, work);
	free(work);
	return p;
}

/* Insert v into the sorted bounds[0..*n). */
static void insert_bound(size_t *bounds, size_t *n, size_t v)
{
	size_t i = *n;

	while (i > 0 && bounds[i - 1] > v) {
		bounds[i] = bounds[i - 1];
		i--;
	}
	bounds[i] = v;
	(*n)++;
}

static int by_index(const void *a, const void *b)
{
	const struct cp_point *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static int opts_ok(const double *x, size_t n, const struct cp_opts *o)
{
	size_t i;

	if (o->min_size < 1 || o->permutations < 1 || !(o->alpha > 0 && o->alpha < 1))
		return 0;
	for (i = 0; i < n; i++)
		if (isnan(x[i]))
			return 0;
	return 1;
}

int cp_edivisive(const double *x, size_t n, const struct cp_opts *o, struct cp_point *out,
		 size_t cap)
{
	uint64_t rng = o->seed;
	size_t *bounds, nb = 2, where = 0, found = 0;
	double *work, q, p;

	if (!opts_ok(x, n, o))
		return -EINVAL;
	if (o->max_points && o->max_points < cap)
		cap = o->max_points;
	bounds = malloc((n + 2) * sizeof(*bounds));
	work = work_for(n);
	if (!bounds || !work) {
		free(bounds);
		free(work);
		return -ENOMEM;
	}
	bounds[0] = 0;
	bounds[1] = n;
	while (found < cap) {
		q = max_split(x, bounds, nb, o->min_size, &where, work + n);
		if (q == -INFINITY)
			break;
		p = permutation_p(x, bounds, nb, o->min_size, q, o->permutations, &rng, work);
		if (!(p < o->alpha))
			break;
		out[found++] = (struct cp_point){ .index = where, .q = q, .p = p };
		insert_bound(bounds, &nb, where);
	}
	qsort(out, found, sizeof(*out), by_index);
	free(bounds);
	free(work);
	return (int)found;
}
