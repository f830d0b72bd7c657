/* stats.c - mean, stddev, nearest-rank quantiles, median, Mann-Whitney U test. */
#include "core/stats.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Largest sample size for which the exact U distribution is computed. */
#define MW_EXACT_MAX 20

double stats_mean(const double *x, size_t n)
{
	double sum = 0;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++)
		sum += x[i];
	return sum / (double)n;
}

double stats_stddev(const double *x, size_t n)
{
	double mean, ss = 0;
	size_t i;

	if (n < 2)
		return 0;
	/* Two passes: the one-pass sum of squares cancels badly for latencies. */
	mean = stats_mean(x, n);
	for (i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	return sqrt(ss / (double)(n - 1));
}

/* A total order, NaN last, so qsort never sees an inconsistent comparator. */
static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	if (a < b)
		return -1;
	if (a > b)
		return 1;
	return !!isnan(a) - !!isnan(b);
}

static double *sorted_copy(const double *x, size_t n)
{
	double *s = malloc(n * sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

double stats_quantile(const double *x, size_t n, double q)
{
	double *s, r, v;
	size_t rank;

	if (!n)
		return NAN;
	s = sorted_copy(x, n);
	if (!s)
		return NAN;
	/*
	 * q * n can land a hair above an integer (0.07 * 100 gives
	 * 7.000000000000001); the slack keeps ceil() on the intended rank.
	 */
	r = ceil(q * (double)n * (1 - 1e-12));
	if (!(r >= 1))
		rank = 1;
	else if (r >= (double)n)
		rank = n;
	else
		rank = (size_t)r;
	v = s[rank - 1];
	free(s);
	return v;
}

double stats_median(const double *x, size_t n)
{
	double *s, v;

	if (!n)
		return NAN;
	s = sorted_copy(x, n);
	if (!s)
		return NAN;
	v = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return v;
}

struct mw_obs {
	double v;
	int from_a;
};

static int cmp_obs(const void *pa, const void *pb)
{
	const struct mw_obs *a = pa, *b = pb;

	return (a->v > b->v) - (a->v < b->v);
}

/*
 * Two-sided exact p of U = u. The number of orderings of na + nb distinct
 * values that give each U is a coefficient of the Gaussian binomial
 * [na + nb choose na]_q = prod_{i=1..na} (1 - q^(nb + i)) / (1 - q^i),
 * built one factor at a time in integers (C(40, 20) fits easily).
 */
static double mw_exact_p(unsigned na, unsigned nb, unsigned u)
{
	int64_t c[MW_EXACT_MAX * MW_EXACT_MAX + 1] = {1};
	unsigned i, k, deg = 0;
	double total = 0, lower = 0, upper = 0, p;

	for (i = 1; i <= na; i++) {
		deg += nb;
		for (k = deg; k >= nb + i; k--)
			c[k] -= c[k - nb - i];
		for (k = i; k <= deg; k++)
			c[k] += c[k - i];
	}
	for (k = 0; k <= deg; k++) {
		total += (double)c[k];
		if (k <= u)
			lower += (double)c[k];
		if (k >= u)
			upper += (double)c[k];
	}
	p = 2 * fmin(lower, upper) / total;
	return p < 1 ? p : 1;
}

int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       struct mw_result *out)
{
	struct mw_obs *obs;
	double ra = 0, ties = 0, n, mu, var, d;
	size_t i, j, k, in_a;

	if (!na || !nb)
		return -EINVAL;
	for (i = 0; i < na; i++)
		if (isnan(a[i]))
			return -EINVAL;
	for (i = 0; i < nb; i++)
		if (isnan(b[i]))
			return -EINVAL;
	obs = malloc((na + nb) * sizeof(*obs));
	if (!obs)
		return -ENOMEM;
	for (i = 0; i < na; i++)
		obs[i] = (struct mw_obs){a[i], 1};
	for (i = 0; i < nb; i++)
		obs[na + i] = (struct mw_obs){b[i], 0};
	qsort(obs, na + nb, sizeof(*obs), cmp_obs);

	/* Tied runs share their average rank; t^3 - t feeds the variance. */
	for (i = 0; i < na + nb; i = j) {
		in_a = 0;
		for (j = i; j < na + nb && obs[j].v == obs[i].v; j++)
			in_a += (size_t)obs[j].from_a;
		ra += (double)in_a * (double)(i + 1 + j) / 2;
		k = j - i;
		ties += (double)k * (double)k * (double)k - (double)k;
	}
	free(obs);

	out->u = ra - (double)na * (double)(na + 1) / 2;
	mu = (double)na * (double)nb / 2;
	if (!ties && na <= MW_EXACT_MAX && nb <= MW_EXACT_MAX) {
		out->exact = 1;
		out->z = 0;
		out->p = mw_exact_p((unsigned)na, (unsigned)nb, (unsigned)out->u);
		return 0;
	}
	out->exact = 0;
	n = (double)(na + nb);
	var = (double)na * (double)nb / 12 * ((n + 1) - ties / (n * (n - 1)));
	if (var <= 0) {
		/* Every value equal: nothing to tell the samples apart. */
		out->z = 0;
		out->p = 1;
		return 0;
	}
	d = fmax(fabs(out->u - mu) - 0.5, 0);
	out->z = copysign(d / sqrt(var), out->u - mu);
	out->p = fmin(erfc(d / sqrt(var) / M_SQRT2), 1);
	return 0;
}

double stats_mad_sigma(const double *x, size_t n)
{
	double med, *dev, s;
	size_t i;

	if (!n)
		return NAN;
	med = stats_median(x, n);
	dev = malloc(n * sizeof(*dev));
	if (!dev)
		return NAN;
	for (i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	s = 1.482602218505602 * stats_median(dev, n);
	free(dev);
	return s;
}

/* Continued fraction of the regularized incomplete beta (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h, num, del;
	int m;

	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (m = 1; m <= 500; m++) {
		num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + num * d;
		c = 1 + num / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + num * d;
		c = 1 + num / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double stats_t_cdf(double t, double df)
{
	double tail;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(df))
		return 0.5 * erfc(-t / M_SQRT2);
	if (isinf(t))
		return t > 0 ? 1 : 0;
	tail = 0.5 * beta_inc(df / 2, 0.5, df / (df + t * t));
	return t > 0 ? 1 - tail : tail;
}

double stats_t_quantile(double p, double df)
{
	double lo = -1, hi = 1, mid;
	int i;

	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	while (stats_t_cdf(lo, df) > p)
		lo *= 2;
	while (stats_t_cdf(hi, df) < p)
		hi *= 2;
	for (i = 0; i < 200 && hi - lo > 1e-13 * fmax(1, fabs(lo)); i++) {
		mid = 0.5 * (lo + hi);
		if (stats_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

double stats_mw_min_p(size_t na, size_t nb)
{
	double lc;

	if (!na || !nb)
		return 1;
	if (na > MW_EXACT_MAX || nb > MW_EXACT_MAX) {
		/* normal approximation with continuity correction at the extreme U = 0 */
		double n = (double)na * (double)nb, sd = sqrt(n * (double)(na + nb + 1) / 12);

		return fmin(erfc((n / 2 - 0.5) / sd / M_SQRT2), 1);
	}
	/* exact: the two extreme arrangements of C(na + nb, na) */
	lc = lgamma((double)(na + nb) + 1) - lgamma((double)na + 1) - lgamma((double)nb + 1);
	return fmin(2 * exp(-lc), 1);
}

double stats_mw_attainable_alpha(size_t na, size_t nb, double alpha)
{
	double best = 0, p;
	unsigned u;

	if (!na || !nb)
		return 0;
	if (na > MW_EXACT_MAX || nb > MW_EXACT_MAX)
		return alpha;
	/* p grows with u up to the middle of the distribution */
	for (u = 0; u <= na * nb / 2; u++) {
		p = mw_exact_p((unsigned)na, (unsigned)nb, u);
		if (p >= alpha)
			break;
		best = p;
	}
	return best;
}
