/* result.h - the result model (schema nodeperf/result/v1) and its JSON reader/writer. */
#ifndef NP_RESULT_H
#define NP_RESULT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <jansson.h>

#include "core/disturb.h"
#include "core/hist.h"

#define RESULT_SCHEMA		"nodeperf/result/v1"
#define RESULT_SCHEMA_PREFIX	"nodeperf/result/v"
#define RESULT_MAX_REPSTATS	4

enum better { BETTER_LOWER = 0, BETTER_HIGHER = 1 };

/* One statistic tracked per repetition ("p50": [v1..vR]). */
struct rep_series {
	char stat[8];
	size_t n;
	double *v;
};

struct metric {
	char *name;
	char *unit;
	enum better better;
	uint64_t n;
	double min, mean, stddev, p50, p90, p99, p999, max;
	struct rep_series reps[RESULT_MAX_REPSTATS];
	size_t nreps;		/* number of series in reps[] */
	struct hist *hist;	/* owned; NULL for metrics without a distribution */
	json_t *probes;		/* owned object or NULL */
	json_t *params;		/* owned object or NULL: how it was measured (pinning, sizes) */
	/*
	 * What the host did during each repetition ("disturbance"): owned,
	 * nenv entries, env[i] for repetition i; nenv == 0 when not recorded,
	 * otherwise equal to the repetitions' count (metric_nreps_n()).
	 * env_bench_scope: measured over the whole bench run and spread evenly
	 * over its repetitions (benches with their own repetition loop), not
	 * per repetition ("scope": "bench").
	 */
	struct rep_env *env;
	size_t nenv;
	int env_bench_scope;
};

struct skip {
	char *bench;
	char *reason;
};

struct result {
	/* tool */
	char *tool_version;
	/* run */
	char *run_id;
	char *label;
	char *suite;
	char *started;		/* RFC 3339 UTC */
	double duration_s;
	char **argv;
	size_t argc;
	int partial;
	/* run --rounds: rounds (0: not recorded), the shuffle's seed, and the
	 * bench order of each round (owned array of arrays of names, or NULL) */
	unsigned rounds;
	uint64_t seed;
	int has_seed;
	json_t *order;
	/* node and config: produced by core/snapshot, kept as JSON */
	json_t *node;
	json_t *config;
	/* metrics */
	struct metric *metrics;
	size_t nmetrics, cap_metrics;
	json_t *probes;		/* array */
	struct skip *skipped;
	size_t nskipped, cap_skipped;
};

struct result *result_new(void);
void result_free(struct result *r);

/* Append a metric; the returned pointer is valid until the next add. */
struct metric *result_add_metric(struct result *r, const char *name,
				 const char *unit, enum better better);
/* Fill n/min/mean/stddev/quantiles from h and take ownership of h (freeing a previous one). */
void metric_set_hist(struct metric *m, struct hist *h);
/* Fill n/min/mean/stddev/quantiles from n plain values (a rate per repetition). */
void metric_set_values(struct metric *m, const double *v, size_t n);
/*
 * Append one repetition value of statistic stat ("p50", 1..7 characters).
 * 0, -EINVAL (v not finite, bad stat), -ENOSPC (a 5th statistic), -ENOMEM.
 */
int metric_add_rep(struct metric *m, const char *stat, double v);
const struct rep_series *metric_reps(const struct metric *m, const char *stat);
/* The number of repetitions: the length of the first series (they all agree), 0 without. */
size_t metric_nreps_n(const struct metric *m);
/* Repetition i's environment, NULL when the metric has none recorded or i is out of range. */
const struct rep_env *metric_rep_env(const struct metric *m, size_t i);
/*
 * Replace m's per-repetition environment with a copy of env[0..n). 0,
 * -ENOMEM (m unchanged); n == 0 drops it.
 */
int metric_set_env(struct metric *m, const struct rep_env *env, size_t n);
/*
 * The metric of that name; when a run holds two for a moment (a bench's next
 * round, before the runner merges them), the one added last.
 */
const struct metric *result_find_metric(const struct result *r, const char *name);

/*
 * Fold src, the same measurement taken again later (a bench's next round of
 * run --rounds), into dst: src's repetitions appended to dst's series and
 * per-repetition environments, histograms merged (or, without one, the
 * statistics recomputed from the "mean" series), params.reps_done set to
 * the new count; dst keeps its params and probes otherwise. src is left as
 * it was. 0; -EINVAL with why when they do not fit (name, unit, direction,
 * statistics, a histogram on one side only), dst unchanged; -ENOMEM.
 */
int metric_merge(struct metric *dst, const struct metric *src, char *why, size_t len);
/* Remove metric i (freeing it); later ones move down one place. */
void result_remove_metric(struct result *r, size_t i);
/* Remove skipped entry i; later ones move down one place. */
void result_remove_skip(struct result *r, size_t i);

int result_add_skip(struct result *r, const char *bench, const char *reason);
/* Replace r->argv with a copy of argv[0..argc). 0 or -ENOMEM. */
int result_set_argv(struct result *r, int argc, char *const argv[]);

/*
 * Non-finite numbers are never written: JSON has no NaN or infinity, and a
 * NaN in a result is a bench bug that must not turn into a plausible value.
 * metric_add_rep refuses them (-EINVAL); result_to_json returns NULL with
 * errno EINVAL, and result_write -EINVAL with a message naming the field,
 * for a result holding one, an unset run.id/suite/started, or a metric that
 * result_read would refuse (name, unit, unordered quantiles). The tree
 * shares (increfs) r's node, config, probes and params objects.
 */
json_t *result_to_json(const struct result *r);
/*
 * Write atomically: PATH.tmp.PID, fsync, rename, fsync the directory.
 * Returns 0 or -errno; on error err (if non-NULL) gets a message naming
 * the file, and no temp file is left behind.
 */
int result_write(const struct result *r, const char *path, char *err, size_t errlen);

/*
 * Read and validate. On failure returns NULL and err holds
 * "FILE:LINE:COL: where: what is wrong" (the position of the offending value,
 * or of the object missing a key), "FILE: schema ... is not supported ..."
 * for another major version, or "FILE: what" for I/O errors.
 * result_from_json has no text to locate values in and reports
 * "FILE: where: what"; it does not consume root. Unknown keys are ignored.
 */
struct result *result_read(const char *path, char *err, size_t errlen);
struct result *result_from_json(json_t *root, const char *path, char *err, size_t errlen);

/*
 * Format v of unit with 3 significant digits and a scaled unit: ns as
 * ns/us/ms/s, B/s as KB/s..TB/s (powers of 1000), B as KiB..TiB, ops/s as
 * Kops/s..Gops/s, count as k/M/G; whole numbers in the base unit exactly
 * ("412 ns"), ratio bare, % with a sign. Returns snprintf's result.
 */
int result_format_value(double v, const char *unit, char *buf, size_t len);

/* {"scheme": "loglin6", "buckets": [[i, n]...], "min", "max", "sum"}; NULL on ENOMEM. */
json_t *result_hist_to_json(const struct hist *h);

/* The summary table that `run` and `show` print. */
void result_print_summary(const struct result *r, FILE *out);

#endif
