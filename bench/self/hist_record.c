/* hist_record.c - cost of hist_record() per sample against a bare loop. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/hist.h"

#define RECORDS 100000000ull
#define NVALUES (1u << 16) /* 512 KiB walked in order: the prefetcher hides the loads */

static uint64_t values[NVALUES];

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64: cheap, and it runs before the clock starts anyway. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Latency-like: log-uniform from 1 us to 4 ms, so the records spread over
 * a dozen powers of two and hundreds of buckets the way a real run does.
 */
static void fill_values(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	unsigned i;

	for (i = 0; i < NVALUES; i++)
		values[i] = (uint64_t)exp2(10 + 12 * (double)(rng_next(&s) >> 11) / 0x1p53);
}

int main(void)
{
	struct hist *h = hist_new();
	uint64_t i, t0, t_hist, t_ref, ref = 0, count;
	double ns_hist, ns_ref;

	if (!h) {
		fprintf(stderr, "hist_record: out of memory\n");
		return 1;
	}
	fill_values();

	t0 = mono_ns();
	for (i = 0; i < RECORDS; i++)
		hist_record(h, values[i & (NVALUES - 1)]);
	t_hist = mono_ns() - t0;

	/* The same loop and loads; the barrier keeps it a scalar loop, not a vector sum. */
	t0 = mono_ns();
	for (i = 0; i < RECORDS; i++) {
		ref += values[i & (NVALUES - 1)];
		__asm__ volatile("" : "+r"(ref));
	}
	t_ref = mono_ns() - t0;

	ns_hist = (double)t_hist / RECORDS;
	ns_ref = (double)t_ref / RECORDS;
	printf("hist_record: %.2f ns/sample over %llu records (goal < 10 ns)\n", ns_hist, RECORDS);
	printf("reference loop (load + add): %.2f ns/sample, hist_record costs %.1fx\n", ns_ref,
	       ns_ref > 0 ? ns_hist / ns_ref : 0);
	/* Using the results keeps both loops alive. */
	printf("check: count %llu p50 %llu ns p99 %llu ns, reference sum %llu\n",
	       (unsigned long long)h->count, (unsigned long long)hist_quantile(h, 0.5),
	       (unsigned long long)hist_quantile(h, 0.99), (unsigned long long)ref);
	count = h->count;
	hist_free(h);
	return count == RECORDS ? 0 : 1;
}
