/* hist.c - log-linear latency histogram: bucket geometry, merge, quantiles, moments. */
#include "core/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

struct hist *hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));

	if (h)
		hist_init(h);
	return h;
}

void hist_free(struct hist *h)
{
	free(h);
}

unsigned hist_index(uint64_t v)
{
	return hist_index_fast(v);
}

uint64_t hist_bucket_lo(unsigned idx)
{
	unsigned err;

	if (idx < 2 * HIST_SUB)
		return idx;
	/* Group g >= 2 holds [2^(g+5), 2^(g+6)) in HIST_SUB steps of 2^(g-1). */
	err = (idx >> HIST_SUB_BITS) - 1;
	return (uint64_t)(HIST_SUB + (idx & (HIST_SUB - 1))) << err;
}

uint64_t hist_bucket_hi(unsigned idx)
{
	if (idx < 2 * HIST_SUB)
		return idx;
	return hist_bucket_lo(idx) + (1ull << ((idx >> HIST_SUB_BITS) - 1)) - 1;
}

uint64_t hist_bucket_value(unsigned idx)
{
	uint64_t lo = hist_bucket_lo(idx);

	/* Rounding down keeps both edges strictly inside 1/128 of it. */
	return lo + (hist_bucket_hi(idx) - lo) / 2;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum = (dst->sum + src->sum < dst->sum) ? UINT64_MAX : dst->sum + src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

static uint64_t clamp_value(const struct hist *h, uint64_t v)
{
	if (v < h->min)
		return h->min;
	if (v > h->max)
		return h->max;
	return v;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	unsigned i;

	if (!h->count)
		return 0;
	if (!(q > 0))
		return h->min;
	if (q >= 1)
		return h->max;
	/*
	 * q * count can land a hair above an integer (0.07 * 100 gives
	 * 7.000000000000001); the slack keeps ceil() on the intended rank.
	 */
	rank = (uint64_t)ceil(q * (double)h->count * (1 - 1e-12));
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			return clamp_value(h, hist_bucket_value(i));
	}
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0;
}

double hist_stddev(const struct hist *h)
{
	double mean = 0, ss = 0, d;
	unsigned i;

	if (h->count < 2)
		return 0;
	for (i = 0; i < HIST_BUCKETS; i++)
		if (h->buckets[i])
			mean +=
			    (double)h->buckets[i] * (double)clamp_value(h, hist_bucket_value(i));
	mean /= (double)h->count;
	for (i = 0; i < HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		d = (double)clamp_value(h, hist_bucket_value(i)) - mean;
		ss += (double)h->buckets[i] * d * d;
	}
	return sqrt(ss / (double)(h->count - 1));
}
