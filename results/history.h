/* history.h - a label's results over time: change points per metric and the newest-run gate. */
#ifndef NP_HISTORY_H
#define NP_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/changepoint.h"
#include "results/result.h"

#define HISTORY_ALPHA	     0.05
#define HISTORY_POWER	     0.8
#define HISTORY_PERMUTATIONS 199
#define HISTORY_SEED	     1
#define HISTORY_MIN_SEGMENT  3 /* shortest segment E-divisive may cut */
#define HISTORY_RECENT	     5 /* a change point this many runs old or younger gates */
/* Values beyond this many robust sigmas (1.4826 MAD) from their segment's median are outliers. */
#define HISTORY_OUTLIER_Z 5.0
/* The change point search skips runs this many sigmas from their 5-run neighbourhood's median. */
#define HISTORY_SPIKE_Z 4.0
/* The noise is never taken below 0.5%: a third of a histogram bucket (1.6%). */
#define HISTORY_NOISE_FLOOR 0.005

enum history_status {
	HISTORY_REGRESSED,
	HISTORY_IMPROVED,
	HISTORY_STABLE,
	HISTORY_SHORT,	 /* too few runs to learn the noise */
	HISTORY_MISSING, /* not in the newest run */
	HISTORY_STATUS_COUNT
};

const char *history_status_name(enum history_status s);

struct history_opts {
	double alpha;
	unsigned permutations;
	uint64_t seed;
	size_t recent;
	size_t min_segment;
};

/*
 * What the analysis of one series finds. Values are analysed as logarithms
 * when all are positive (log_scale; relative changes become differences and
 * log-normal noise normal), as they are otherwise. Indices are into the series.
 */
struct history_analysis {
	int log_scale;
	struct cp_point *cps; /* malloc'd, sorted by index */
	size_t ncps;
	size_t ref_from, ref_to; /* the reference: the last segment without the newest value */
	size_t nref;		 /* its values left after dropping outliers */
	double ref_level;	 /* its median, in the series' own units */
	double ref_center;	 /* its mean without outliers, analysed scale */
	double noise;		 /* pooled sigma of the segments, analysed scale (log: ~ CV) */
	double df;		 /* its degrees of freedom; 0: not learned */
	double newest;		 /* the newest value */
	double change;		 /* newest / ref_level - 1 (sign: up or down) */
	double t, p;		 /* the newest value against the reference: t and two-sided p */
	double mde;		 /* the smallest worse relative step detected, power 0.8 */
	double seg_change;	 /* last change point: median after / median before - 1 */
	enum history_status status;
	int by_change_point;	 /* the verdict came from a change point, not the newest-run test */
	char why[200];
};

/*
 * Analyse x[0..n), oldest first; x[n-1] is the newest run. 0, -EINVAL (a
 * NaN, bad options), -ENOMEM. Free a->cps with history_analysis_free().
 */
int history_analyze(const double *x, size_t n, enum better better, const struct history_opts *o,
		    struct history_analysis *a);
void history_analysis_free(struct history_analysis *a);

/*
 * The noise of y[0..n) cut at bounds (as cp_permutation_p): per segment the
 * values within HISTORY_OUTLIER_Z robust sigmas of its median, their
 * deviations from their mean pooled: sqrt(SS / (N - segments)). *df gets N -
 * segments (0 and NAN returned when that is < 1).
 */
double history_noise(const double *y, const size_t *bounds, size_t nbounds, double *df);

/* Mean of y[0..n) without its outliers (as history_noise); *kept gets how many. */
double history_clean_mean(const double *y, size_t n, size_t *kept);

/*
 * The newest-run test's detectable step on the analysed scale: the shift a
 * two-sided t test at alpha finds with the given power, for one new value
 * against a reference mean of nref values, noise sigma with df degrees of freedom:
 *   (t_{1-alpha/2,df} + t_{power,df}) * sigma * sqrt(1 + 1/nref)
 */
double history_mde(double sigma, double df, size_t nref, double alpha, double power);

/* --- the command's model: runs ordered by time, one series per metric --- */

struct history_run {
	char *path, *id, *started;
	double time; /* seconds since the epoch, from started */
};

struct history_metric {
	char *name, *unit;
	enum better better;
	char stat[8];	 /* what a run's value is the median of: p50 or mean repetitions */
	double *v;	 /* per run, oldest first; NAN where the run lacks the metric */
	size_t *run_of;	 /* series index -> run index (the runs that have it) */
	double *series;	 /* the values present, oldest first */
	size_t nseries;
	struct history_analysis a;
};

struct history {
	struct history_opts o;
	char *label, *suite;
	struct history_run *runs;
	size_t nruns, cap_runs;
	size_t left_out; /* files of another label (--label) */
	struct history_metric *metrics;
	size_t nmetrics, cap_metrics;
	size_t count[HISTORY_STATUS_COUNT];
};

enum history_format { HISTORY_TEXT, HISTORY_MD, HISTORY_JSON, HISTORY_HTML };

/* The report in a format; 0 or -errno (a write error). */
int history_report(const struct history *h, enum history_format f, FILE *out);

int cmd_history(int argc, char **argv);

#endif
