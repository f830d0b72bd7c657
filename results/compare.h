/* compare.h - candidate against baseline: pooled sides, statistics, verdicts, the gate. */
#ifndef NP_COMPARE_H
#define NP_COMPARE_H

#include <stddef.h>

#include "results/result.h"

struct thresholds;
struct threshold_rule;
struct cfgdiff;

#define COMPARE_ALPHA	 0.05
#define COMPARE_POWER	 0.8
/* more than NUM/DEN of a side's repetitions disturbed: a gate problem ("disturbed") */
#define COMPARE_DISTURBED_NUM 1
#define COMPARE_DISTURBED_DEN 2
#define COMPARE_MIN_REPS 3 /* fewer repetitions on a side: noisy */
/*
 * Repetitions of a side spread (range / median) wider than COMPARE_WIDE_FACTOR
 * times the allowed change, bounded to [COMPARE_WIDE_FLOOR, COMPARE_WIDE_MAX],
 * are too wide to decide: noisy. The floor keeps a 0% rule from calling the
 * jitter of histogram buckets (1.6%) noise; the cap holds for loose rules.
 */
#define COMPARE_WIDE_FACTOR 4
#define COMPARE_WIDE_FLOOR  0.08
#define COMPARE_WIDE_MAX    0.5

/* In the order reports list them: what needs attention first. */
enum verdict {
	VERDICT_REGRESSED,
	VERDICT_NOISY,
	VERDICT_MISSING,
	VERDICT_NEW,
	VERDICT_IMPROVED,
	VERDICT_UNCHANGED,
	VERDICT_COUNT
};

const char *verdict_name(enum verdict v);

/* One side: result files whose repetitions are pooled (a node pool). */
struct cmp_side {
	struct result **runs;
	char **paths;
	size_t nruns;
	char *label; /* distinct run labels joined by ", ", or "-" */
};

/* One gated statistic of one metric. */
struct cmp_check {
	char stat[8];
	const struct threshold_rule *rule;
	size_t nbase, ncand;		 /* pooled repetitions */
	double base, cand;		 /* medians of the pooled repetitions; NAN when none */
	double base_spread, cand_spread; /* (max - min) / |median|; NAN when undefined */
	double change;	      /* (cand - base) / |base|, +-INFINITY from 0, NAN when unknown */
	double p;	      /* two-sided Mann-Whitney U p-value; NAN when not tested */
	enum verdict verdict; /* regressed, noisy, improved or unchanged */
	int limit_broken;
	size_t ndist_base, ndist_cand; /* repetitions left out as disturbed (core/disturb.h) */
	/*
	 * Minimum detectable effect: the smallest relative change towards worse
	 * this check would call regressed with power COMPARE_POWER at alpha, from
	 * the spread of the repetitions and the rule (never below the rule's
	 * change). INFINITY when no change could be (too few repetitions for
	 * the test to reach alpha); NAN when the change is not gated.
	 */
	double mde;
	char why[112]; /* one line: why this verdict */
};

struct cmp_metric {
	char *name;
	char *unit;
	enum better better;
	enum verdict verdict; /* worst check, or missing / new */
	int limit_broken;
	struct cmp_check *checks;
	size_t nchecks;
	struct hist *base_hist, *cand_hist; /* merged over the side; NULL when absent */
	const char *skip_reason; /* missing: the candidate's reason for skipping its bench */
	const char *allowed_by;	 /* missing: the --allow-missing GLOB that excuses it, or NULL */
};

/*
 * Why the gate cannot vouch for the candidate, apart from the metrics'
 * verdicts: a partial file, a bench skipped on one side only, a file of a
 * pool lacking metrics its side has, files measured with other parameters.
 * Each fails the gate unless an --allow-missing GLOB matches its subject.
 */
struct gate_problem {
	char subject[128]; /* what --allow-missing matches: a metric or bench name, "partial", "params" */
	char what[384];	   /* one line */
	const char *allowed_by;
};

struct comparison {
	struct cmp_side base, cand;
	double alpha;
	const struct thresholds *th;
	struct cmp_metric *metrics; /* sorted: verdict, then name */
	size_t nmetrics;
	char **ungated; /* metrics on both sides that no rule gates */
	size_t nungated;
	struct cfgdiff *cfg;
	size_t count[VERDICT_COUNT];
	size_t nlimits; /* metrics with a broken limit */
	/* set by the caller: --allow-missing GLOBs */
	char *const *allow_missing;
	size_t nallow;
	struct gate_problem *problems;
	size_t nproblems;
	size_t nfailing;	/* problems and missing metrics no --allow-missing GLOB excuses */
	size_t nmissing_allowed; /* missing metrics excused */
	size_t ndisturbed;	/* repetitions left out as disturbed, both sides */
};

/*
 * Read paths[0..n) as one side. 0; -EINVAL with err "FILE...: what" for a
 * file result_read() refuses, or "no result files"; -ENOMEM.
 */
int compare_side_load(struct cmp_side *side, char *const *paths, size_t n, char *err,
		      size_t errlen);
void compare_side_release(struct cmp_side *side);

/*
 * Compare the loaded sides c->base and c->cand under th with significance
 * alpha (c->alpha, c->th set by the caller). 0; -EINVAL with err naming the
 * file and the metric when the sides disagree on a metric's unit or
 * direction, or a limit's unit does not fit the metric ("FILE:LINE: ...");
 * -ENOMEM.
 */
int compare_run(struct comparison *c, char *err, size_t errlen);
/* Frees what compare_run() and compare_side_load() made; c itself is the caller's. */
void compare_release(struct comparison *c);

/*
 * 1 (EXIT_REGRESSION) when anything regressed, broke a limit, is missing
 * from the candidate or is a gate problem that no --allow-missing GLOB
 * excuses; else 0.
 */
int compare_exit_code(const struct comparison *c);

/*
 * The minimum detectable relative effect of a two-sided Mann-Whitney test at
 * alpha with power `power`, for samples of nb and nk repetitions whose
 * relative spread (standard deviation / median) is sigma: the smallest shift
 * d with P(reject) >= power. Normal noise, t quantiles on nb + nk - 2
 * degrees of freedom and the test's asymptotic efficiency 3/pi; INFINITY when
 * no outcome of nb against nk repetitions gives p < alpha.
 */
double compare_mde(double sigma, size_t nb, size_t nk, double alpha, double power);

/* The widest spread of repetitions a side may have for a rule allowing `allowed`. */
double compare_wide_bound(double allowed);

/*
 * Decide one check from the pooled repetitions (exposed for the tests).
 * ck->stat and ck->rule are set by the caller; the rest is filled in.
 * 0, or -ENOMEM.
 */
int compare_check(struct cmp_check *ck, const double *base, size_t nbase, const double *cand,
		  size_t ncand, enum better better, double alpha);

#endif
