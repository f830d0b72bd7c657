/* hist_scheme.h - the histogram scheme's constants, shared with BPF programs (no includes). */
#ifndef NP_HIST_SCHEME_H
#define NP_HIST_SCHEME_H

/*
 * Values below 2 * HIST_SUB are exact; above, each power of two is split into
 * HIST_SUB equal buckets, so a bucket's midpoint is within 1/128 (0.78%) of
 * every value in it. Values at or above HIST_MAX_VALUE land in the last
 * bucket; min and max stay exact.
 */
#define HIST_SUB_BITS	6
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_GROUPS	32
#define HIST_BUCKETS	(HIST_GROUPS << HIST_SUB_BITS)	/* 2048: 16 KiB of counts */
#define HIST_MAX_VALUE	(1ull << (HIST_GROUPS + HIST_SUB_BITS - 1)) /* 2^37 ns ~ 137 s */
#define HIST_SCHEME	"loglin6"

#endif
