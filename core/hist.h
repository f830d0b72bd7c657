/* hist.h - log-linear latency histogram (fio's scheme, 64 sub-buckets per power of two). */
#ifndef NP_HIST_H
#define NP_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "core/hist_scheme.h"

struct hist {
	uint64_t count;
	uint64_t sum;		/* saturating */
	uint64_t min;
	uint64_t max;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);		/* empty: counts 0, min UINT64_MAX */
struct hist *hist_new(void);		/* empty (hist_init), NULL on ENOMEM */
void hist_free(struct hist *h);

unsigned hist_index(uint64_t v);
uint64_t hist_bucket_lo(unsigned idx);	/* smallest value mapping to idx */
/*
 * Largest value mapping to idx. For the last bucket this is the top of its
 * regular range, HIST_MAX_VALUE - 1, although clamped values land there too.
 */
uint64_t hist_bucket_hi(unsigned idx);
/* Representative: midpoint of [lo, hi] rounded down, exact below 2*HIST_SUB. */
uint64_t hist_bucket_value(unsigned idx);

/* hist_index() as an inline, so the record fast path and the library agree. */
static inline unsigned hist_index_fast(uint64_t v)
{
	unsigned msb, err;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	if (v >= HIST_MAX_VALUE)
		return HIST_BUCKETS - 1;
	msb = 63u - (unsigned)__builtin_clzll(v);
	err = msb - HIST_SUB_BITS;
	return ((err + 1) << HIST_SUB_BITS) +
	       (unsigned)((v >> err) & (HIST_SUB - 1));
}

static inline void hist_record(struct hist *h, uint64_t v)
{
	h->buckets[hist_index_fast(v)]++;
	h->count++;
	h->sum = (h->sum + v < h->sum) ? UINT64_MAX : h->sum + v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src);
/*
 * Nearest-rank quantile, q in [0,1]: the representative of the bucket holding
 * the ceil(q * count)-th smallest value (at least the first), clamped to
 * [min,max]; q <= 0 gives min, q >= 1 max, and 0 when empty.
 */
uint64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);		/* sum / count; 0 when empty */
/* Sample stddev (n - 1) from representatives clamped to [min,max]; 0 if n < 2. */
double hist_stddev(const struct hist *h);

#endif
