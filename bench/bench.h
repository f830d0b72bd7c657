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
	/* Bench-family options from `run` (see run --help); 0/NULL = default. */
	int same_core;		/* --same-core: net client and server on one CPU */
	unsigned busy_poll_us;	/* --busy-poll US: SO_BUSY_POLL on net sockets */
	unsigned msg_size;	/* --msg-size B: net rr message size instead of the suite's */
	const char *io_dir;	/* --io-dir DIR: where io benches make their files */
	const char *io_device;	/* --io-device DEV: a raw block device, read-only */
	int destructive;	/* --destructive: allow writes to io_device */
	/*
	 * --tune KEY=VALUE (repeatable), NULL-terminated: settings applied only
	 * inside what a bench creates itself. net.* sysctls are set in every
	 * network namespace a net bench creates; block.scheduler,
	 * block.nr_requests and block.read_ahead_kb on the loop device an io
	 * bench creates (which makes io benches use a loop device). A bench
	 * fails with a message naming a key it cannot apply.
	 */
	const char *const *tune;
	int no_probes;		/* --no-probes, or probes unsupported: benches that drive probes themselves skip them */
	/* the running bench's entry, maintained by the runner */
	const void *cfg;	/* its struct bench's cfg */
	const char *bench_name;
	unsigned bench_idx, nbenches;
	double started_s, eta_total_s;
	/*
	 * run --rounds: this is round `round` (0-based) of `rounds`; reps and
	 * warmup_s are this round's share of the suite's, so a bench that
	 * sizes its work by itself (a count per run) should take 1/rounds of it.
	 */
	unsigned round, rounds;
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
	/* the family's settings for this entry, as ctx->cfg in available and run */
	const void *cfg;
};

/* A table entry of a family whose available() and run() read their settings from ctx->cfg. */
#define BENCH_DEF(var, name_, summary_, suites_, probes_, available_, run_, cfg_)                   \
	const struct bench var = { .name = name_, .summary = summary_, .suites = suites_, .probes = probes_, \
				   .available = available_, .run = run_, .cfg = cfg_ }

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

/*
 * One repetition of a rate bench: run for about `seconds`, set *rate (units
 * per second, > 0) and optionally record per-operation latencies into h.
 */
typedef int (*bench_rate_fn)(struct bench_ctx *ctx, void *arg, double seconds, double *rate,
			     struct hist *h);

/*
 * The same loop for rates (B/s, ops/s): metric `name` in `unit`, better
 * higher, one "mean" repetition value per repetition, n/min/mean/p50/max over
 * the repetitions. When lat_name is set and the repetitions recorded
 * latencies, a latency metric lat_name is added too (as bench_latency would).
 */
int bench_rate(struct bench_ctx *ctx, struct result *res, const char *name, const char *unit,
	       bench_rate_fn fn, void *arg, json_t *params, const char *lat_name);

extern const struct bench *const bench_table[];

/* Commands provided by the runner. */
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);

#endif
