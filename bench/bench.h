/* bench.h - the bench interface, suites, and the repetition loop benches share. */
#ifndef NP_BENCH_H
#define NP_BENCH_H

#include <stddef.h>
#include <jansson.h>

#include "core/hist.h"
#include "results/result.h"

struct topo;

enum suite {
	SUITE_QUICK = 1u << 0,
	SUITE_STANDARD = 1u << 1,
	SUITE_FULL = 1u << 2,
};
#define SUITE_ALL (SUITE_QUICK | SUITE_STANDARD | SUITE_FULL)

struct bench_ctx {
	const struct topo *topo;
	enum suite suite;
	unsigned reps;		/* measured repetitions (5/9/15) */
	double warmup_s;	/* excluded warm-up before the first repetition */
	double rep_s;		/* target length of one repetition */
	double budget_s;	/* hard limit for one bench, warm-up included */
	const char *tmpdir;	/* private scratch dir of this run */
	/* progress, maintained by the runner */
	const char *bench_name;
	unsigned bench_idx, nbenches;
	double started_s, eta_total_s;
};

#define BENCH_MAX_PROBES 8

struct bench {
	const char *name;		/* "sched.wakeup.futex" */
	const char *summary;
	unsigned suites;		/* enum suite bits */
	const char *const *probes;	/* worth attaching; NULL-terminated or NULL */
	/* 1 when it can run here; 0 with a reason in why otherwise. */
	int (*available)(struct bench_ctx *ctx, char *why, size_t len);
	/* Add metrics to res. 0, -EINTR when interrupted, or -errno. */
	int (*run)(struct bench_ctx *ctx, struct result *res);
};

/*
 * One repetition: measure for about `seconds`, recording every sample into
 * h. Returns 0 or -errno.
 */
typedef int (*bench_rep_fn)(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h);

/*
 * The shared measurement loop: a warm-up that is thrown away, then
 * ctx->reps repetitions, each into its own histogram; adds metric `name`
 * (unit ns, lower is better) with the merged histogram, per-repetition
 * p50/p90/p99/mean, and params (owned, may be NULL). Honors the budget and
 * SIGINT (-EINTR, nothing added).
 */
int bench_latency(struct bench_ctx *ctx, struct result *res, const char *name,
		  bench_rep_fn fn, void *arg, json_t *params);

extern const struct bench *const bench_table[];

/* Commands provided by the runner. */
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);

#endif
