/* history.c - the history command: result files ordered by time, change points, the newest-run gate. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/cli.h"
#include "core/stats.h"
#include "core/util.h"
#include "results/history.h"

static const char history_usage[] =
    "usage: nodeperf history FILE...|DIR... [--format text|md|json|html] [-o FILE]\n"
    "                        [--alpha A] [--metric GLOB]... [--label L] [--seed N]\n"
    "                        [--permutations N] [--recent N]\n"
    "  Order the result files of one label and suite by run.started and, per metric\n"
    "  (the median of each run's p50 repetitions, or of its mean repetitions for a\n"
    "  rate), find change points with E-divisive means and a permutation test,\n"
    "  learn the noise from the segments between them, and gate the newest run:\n"
    "  regressed when it lies beyond that noise, worse, or when the runs since a\n"
    "  change point at most --recent runs old are worse than the runs before it.\n"
    "  A DIR stands for its *.json regular files (not recursive).\n"
    "  --format F        text (default), md, json, html; -o FILE.md/.json/.html\n"
    "                    picks it when --format is not given\n"
    "  -o FILE           write the report to FILE (atomically) instead of stdout\n"
    "  --alpha A         significance of change points and of the gate (0.05)\n"
    "  --metric GLOB     only metrics matching GLOB (repeatable)\n"
    "  --label L         use the files of label L, leave the others out\n"
    "  --seed N          seed of the permutations (1); --permutations N (199)\n"
    "  --recent N        a change point gates while its segment has <= N runs (5)\n"
    "  Exit: 0 no regression, 1 the newest run regressed, 2 bad input (an invalid\n"
    "  or non-regular file, no files, labels or suites that differ), 3 the report\n"
    "  could not be written. docs/history.md.\n";

const char *history_status_name(enum history_status s)
{
	static const char *const names[] = { "regressed", "improved", "stable", "short",
					     "missing" };

	return s < HISTORY_STATUS_COUNT ? names[s] : "?";
}

/* --- the analysis of one series --- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of y[0..n) into *med and 1.4826 MAD into *sigma; tmp holds n doubles. */
static void robust_center(const double *y, size_t n, double *tmp, double *med, double *sigma)
{
	size_t i;

	memcpy(tmp, y, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	*med = n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
	for (i = 0; i < n; i++)
		tmp[i] = fabs(y[i] - *med);
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	*sigma = 1.4826 * (n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]));
}

/* Is y an outlier of a segment with this median and robust sigma? (Not when sigma is 0.) */
static int outlier(double y, double med, double sigma)
{
	return sigma > 0 && fabs(y - med) > HISTORY_OUTLIER_Z * sigma;
}

/* Mean and sum of squares of y[0..n) without outliers; NAN mean when tmp fails. */
static double clean_stats(const double *y, size_t n, size_t *kept, double *ss)
{
	double *tmp = malloc((n ? n : 1) * sizeof(*tmp)), med, sigma, sum = 0, mean;
	size_t i, k = 0;

	*kept = 0;
	*ss = 0;
	if (!tmp || !n) {
		free(tmp);
		return NAN;
	}
	robust_center(y, n, tmp, &med, &sigma);
	for (i = 0; i < n; i++)
		if (!outlier(y[i], med, sigma)) {
			sum += y[i];
			k++;
		}
	mean = sum / (double)k;
	for (i = 0; i < n; i++)
		if (!outlier(y[i], med, sigma))
			*ss += (y[i] - mean) * (y[i] - mean);
	free(tmp);
	*kept = k;
	return mean;
}

double history_clean_mean(const double *y, size_t n, size_t *kept)
{
	double ss;

	return clean_stats(y, n, kept, &ss);
}

double history_noise(const double *y, const size_t *bounds, size_t nbounds, double *df)
{
	double ss_all = 0, ss;
	size_t s, kept, values = 0, segs = 0, len;

	for (s = 0; s + 1 < nbounds; s++) {
		len = bounds[s + 1] - bounds[s];
		if (len < 2)
			continue;
		if (isnan(clean_stats(y + bounds[s], len, &kept, &ss)) || kept < 2)
			continue;
		ss_all += ss;
		values += kept;
		segs++;
	}
	*df = values > segs ? (double)(values - segs) : 0;
	return *df >= 1 ? sqrt(ss_all / *df) : NAN;
}

double history_mde(double sigma, double df, size_t nref, double alpha, double power)
{
	if (!(sigma >= 0) || !(df >= 1) || !nref)
		return NAN;
	return (stats_t_quantile(1 - alpha / 2, df) + stats_t_quantile(power, df)) * sigma *
	       sqrt(1.0 + 1.0 / (double)nref);
}

void history_analysis_free(struct history_analysis *a)
{
	free(a->cps);
	a->cps = NULL;
	a->ncps = 0;
}

static double median_of(const double *x, size_t n)
{
	return stats_median(x, n);
}

/* Is a move from `from` to `to` (raw values) worse for this direction? */
static int is_worse(double from, double to, enum better better)
{
	return better == BETTER_LOWER ? to > from : to < from;
}

/*
 * Which values the change point search skips: a run beyond HISTORY_SPIKE_Z
 * sigmas of the median of its 5-run neighbourhood, sigma from successive
 * differences (which a step moves once). One odd run is not a change, and
 * the energy statistic, though it does not break on one, loses power to it.
 * keep[i] gets the index of the i-th value kept; returns how many.
 */
static size_t drop_spikes(const double *y, size_t n, size_t *keep)
{
	double *tmp = malloc((2 * n + 1) * sizeof(*tmp)), w[5], sigma = 0, m, sd;
	size_t i, j, k, kept = 0;

	if (tmp && n > 2) {
		for (i = 0; i + 1 < n; i++)
			tmp[i] = y[i + 1] - y[i];
		robust_center(tmp, n - 1, tmp + n, &m, &sd);
		sigma = sd / M_SQRT2; /* a difference of two values has sqrt(2) sigma */
	}
	for (i = 0; i < n; i++) {
		for (k = 0, j = i > 2 ? i - 2 : 0; j <= i + 2 && j < n; j++)
			w[k++] = y[j];
		qsort(w, k, sizeof(*w), cmp_double);
		m = k % 2 ? w[k / 2] : 0.5 * (w[k / 2 - 1] + w[k / 2]);
		if (!(sigma > 0 && fabs(y[i] - m) > HISTORY_SPIKE_Z * sigma))
			keep[kept++] = i;
	}
	free(tmp);
	return kept;
}

/* Change points of y, searched without its spikes; a->cps, a->ncps (indices into y). */
static int find_change_points(const double *y, size_t n, const struct history_opts *o,
			      struct history_analysis *a)
{
	struct cp_opts co = { .min_size = o->min_segment,
			      .alpha = o->alpha,
			      .permutations = o->permutations,
			      .seed = o->seed };
	size_t *keep = malloc((n ? n : 1) * sizeof(*keep)), kept, i;
	double *z = malloc((n ? n : 1) * sizeof(*z));
	int k = -ENOMEM;

	a->cps = malloc((n ? n : 1) * sizeof(*a->cps));
	if (keep && z && a->cps) {
		kept = drop_spikes(y, n, keep);
		for (i = 0; i < kept; i++)
			z[i] = y[keep[i]];
		k = cp_edivisive(z, kept, &co, a->cps, n);
		for (i = 0; k > 0 && i < (size_t)k; i++)
			a->cps[i].index = keep[a->cps[i].index];
	}
	free(keep);
	free(z);
	if (k < 0)
		return k;
	a->ncps = (size_t)k;
	return 0;
}

/* Segment bounds without the newest value: 0, change points, n - 1. */
static size_t noise_bounds(const struct history_analysis *a, size_t n, size_t *bounds)
{
	size_t i, nb = 0;

	bounds[nb++] = 0;
	for (i = 0; i < a->ncps; i++)
		if (a->cps[i].index < n - 1)
			bounds[nb++] = a->cps[i].index;
	bounds[nb++] = n - 1;
	return nb;
}

/* Noise, reference and the newest-run test; 0 or -ENOMEM. */
static int learn_noise(const double *x, const double *y, size_t n, const struct history_opts *o,
		       struct history_analysis *a)
{
	size_t *bounds = malloc((a->ncps + 2) * sizeof(*bounds)), nb;
	double floor, d;

	if (!bounds)
		return -ENOMEM;
	nb = noise_bounds(a, n, bounds);
	a->ref_from = bounds[nb - 2];
	a->ref_to = n - 1;
	a->noise = history_noise(y, bounds, nb, &a->df);
	free(bounds);
	a->ref_level = median_of(x + a->ref_from, a->ref_to - a->ref_from);
	a->ref_center = history_clean_mean(y + a->ref_from, a->ref_to - a->ref_from, &a->nref);
	if (!(a->df >= 1) || !a->nref)
		return 0;
	floor = HISTORY_NOISE_FLOOR * (a->log_scale ? 1 : fabs(a->ref_level));
	a->noise = fmax(a->noise, floor);
	if (a->ref_level != 0)
		a->change = a->newest / a->ref_level - 1;
	if (a->noise > 0) {
		a->t = (y[n - 1] - a->ref_center) / (a->noise * sqrt(1.0 + 1.0 / (double)a->nref));
		a->p = 2 * stats_t_cdf(-fabs(a->t), a->df);
	}
	d = history_mde(a->noise, a->df, a->nref, o->alpha, HISTORY_POWER);
	if (a->log_scale)
		a->mde = expm1(d); /* a rise of d in the log; a fall is 1 - exp(-d), set below */
	else if (a->ref_level != 0)
		a->mde = d / fabs(a->ref_level);
	return 0;
}

/* The verdict from the young change point and the newest-run test. */
static void decide(const double *x, size_t n, enum better better, const struct history_opts *o,
		   struct history_analysis *a)
{
	int cp_worse = 0, cp_better = 0, new_worse = 0, new_better = 0;
	size_t c, prev;

	if (a->ncps) {
		c = a->cps[a->ncps - 1].index;
		prev = a->ncps > 1 ? a->cps[a->ncps - 2].index : 0;
		a->seg_change = median_of(x + c, n - c) / median_of(x + prev, c - prev) - 1;
		if (n - c <= o->recent) {
			cp_worse = is_worse(1, 1 + a->seg_change, better);
			cp_better = !cp_worse && a->seg_change != 0;
		}
	}
	if (a->p < o->alpha) {
		new_worse = better == BETTER_LOWER ? a->t > 0 : a->t < 0;
		new_better = !new_worse;
	}
	a->by_change_point = cp_worse || (!new_worse && cp_better);
	if (cp_worse || new_worse)
		a->status = HISTORY_REGRESSED;
	else if (cp_better || new_better)
		a->status = HISTORY_IMPROVED;
	else
		a->status = HISTORY_STABLE;
}

static int analysis_input_ok(const double *x, size_t n, const struct history_opts *o)
{
	size_t i;

	if (!n || o->min_segment < 1 || o->permutations < 1 || !(o->alpha > 0 && o->alpha < 1))
		return 0;
	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

int history_analyze(const double *x, size_t n, enum better better, const struct history_opts *o,
		    struct history_analysis *a)
{
	double *y;
	size_t i;
	int rc;

	*a = (struct history_analysis){ .ref_level = NAN, .ref_center = NAN, .noise = NAN,
					.change = NAN, .t = NAN, .p = NAN, .mde = NAN,
					.seg_change = NAN, .status = HISTORY_SHORT };
	if (!analysis_input_ok(x, n, o))
		return -EINVAL;
	a->newest = x[n - 1];
	a->log_scale = 1;
	for (i = 0; i < n; i++)
		a->log_scale &= x[i] > 0;
	y = malloc(n * sizeof(*y));
	if (!y)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		y[i] = a->log_scale ? log(x[i]) : x[i];
	rc = find_change_points(y, n, o, a);
	if (!rc && n >= 2)
		rc = learn_noise(x, y, n, o, a);
	if (!rc && a->log_scale && better == BETTER_HIGHER && isfinite(a->mde))
		a->mde = -expm1(-log1p(a->mde)); /* the same log step, downwards */
	if (!rc && n >= 2 && a->df >= 1 && a->nref)
		decide(x, n, better, o, a);
	free(y);
	if (rc)
		history_analysis_free(a);
	return rc;
}

/* --- loading: one run per file, a series per metric --- */

static void history_free(struct history *h)
{
	size_t i;

	for (i = 0; i < h->nruns; i++) {
		free(h->runs[i].path);
		free(h->runs[i].id);
		free(h->runs[i].started);
	}
	for (i = 0; i < h->nmetrics; i++) {
		free(h->metrics[i].name);
		free(h->metrics[i].unit);
		free(h->metrics[i].v);
		free(h->metrics[i].run_of);
		free(h->metrics[i].series);
		history_analysis_free(&h->metrics[i].a);
	}
	free(h->runs);
	free(h->metrics);
	free(h->label);
	free(h->suite);
}

/* Seconds since the epoch of a validated RFC 3339 time (result_read checked its shape). */
static double parse_time(const char *s)
{
	struct tm tm = { 0 };
	double frac = 0, scale = 0.1;
	const char *p = s + 19;
	long off = 0;

	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	if (*p == '+' || *p == '-')
		off = (atoi(p + 1) * 60L + atoi(p + 4)) * 60L * (*p == '-' ? -1 : 1);
	return (double)timegm(&tm) - (double)off + frac;
}

/* The value a run contributes: the median of its p50 (or, for a rate, mean) repetitions. */
static double run_value(const struct metric *m, char stat[8])
{
	const struct rep_series *r = metric_reps(m, "p50");

	if (!r || !r->n)
		r = metric_reps(m, "mean");
	if (r && r->n) {
		str_copy(stat, r->stat, 8);
		return stats_median(r->v, r->n);
	}
	str_copy(stat, "p50", 8);
	return m->p50;
}

static int want_metric(const char *name, char **globs, size_t nglobs, size_t *hits)
{
	size_t i;
	int any = !nglobs;

	for (i = 0; i < nglobs; i++)
		if (!fnmatch(globs[i], name, 0)) {
			hits[i]++;
			any = 1;
		}
	return any;
}

static struct history_metric *find_or_add_metric(struct history *h, const struct metric *m)
{
	struct history_metric *hm, *grown;
	size_t i;

	for (i = 0; i < h->nmetrics; i++)
		if (!strcmp(h->metrics[i].name, m->name))
			return &h->metrics[i];
	if (h->nmetrics == h->cap_metrics) {
		h->cap_metrics = h->cap_metrics ? 2 * h->cap_metrics : 16;
		grown = realloc(h->metrics, h->cap_metrics * sizeof(*grown));
		if (!grown)
			return NULL;
		h->metrics = grown;
	}
	hm = &h->metrics[h->nmetrics];
	*hm = (struct history_metric){ .better = m->better };
	hm->name = strdup(m->name);
	hm->unit = strdup(m->unit);
	hm->v = malloc(h->cap_runs * sizeof(*hm->v));
	if (!hm->name || !hm->unit || !hm->v) {
		free(hm->name);
		free(hm->unit);
		free(hm->v);
		return NULL;
	}
	for (i = 0; i < h->cap_runs; i++)
		hm->v[i] = NAN;
	h->nmetrics++;
	return hm;
}

struct load_ctx {
	const char *want_label;
	const char *first_path; /* the file the label and suite came from */
	char **globs;
	size_t nglobs, *hits;
};

static const char *or_none(const char *s)
{
	return s ? s : "";
}

/* Check r's label and suite against the first file's; 1: use it, 0: left out, -EINVAL. */
static int same_series(struct history *h, struct load_ctx *c, const struct result *r,
		       const char *path, char *err, size_t errlen)
{
	if (c->want_label && strcmp(or_none(r->label), c->want_label))
		return 0;
	if (!h->suite) {
		h->label = strdup(or_none(r->label));
		h->suite = strdup(r->suite);
		c->first_path = path;
		return h->label && h->suite ? 1 : -ENOMEM;
	}
	if (strcmp(h->label, or_none(r->label))) {
		snprintf(err, errlen,
			 "%s: label '%s' differs from '%s' of %s; history takes one label: pick "
			 "one with --label",
			 path, or_none(r->label), h->label, c->first_path);
		return -EINVAL;
	}
	if (strcmp(h->suite, r->suite)) {
		snprintf(err, errlen, "%s: suite '%s' differs from '%s' of %s; history takes one suite",
			 path, r->suite, h->suite, c->first_path);
		return -EINVAL;
	}
	return 1;
}

/* Make room for one more run in h->runs and in every metric's v. */
static int grow_runs(struct history *h)
{
	size_t cap = h->cap_runs ? 2 * h->cap_runs : 32, i, j;
	struct history_run *runs;
	double *v;

	if (h->nruns < h->cap_runs)
		return 0;
	runs = realloc(h->runs, cap * sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	h->runs = runs;
	for (i = 0; i < h->nmetrics; i++) {
		v = realloc(h->metrics[i].v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (j = h->cap_runs; j < cap; j++)
			v[j] = NAN;
		h->metrics[i].v = v;
	}
	h->cap_runs = cap;
	return 0;
}

static int add_metrics(struct history *h, struct load_ctx *c, const struct result *r,
		       const char *path, char *err, size_t errlen)
{
	struct history_metric *hm;
	const struct metric *m;
	size_t i;

	for (i = 0; i < r->nmetrics; i++) {
		m = &r->metrics[i];
		if (!want_metric(m->name, c->globs, c->nglobs, c->hits))
			continue;
		hm = find_or_add_metric(h, m);
		if (!hm)
			return -ENOMEM;
		if (strcmp(hm->unit, m->unit) || hm->better != m->better) {
			snprintf(err, errlen, "%s: %s is in %s, better %s, but in %s, better %s before",
				 path, m->name, m->unit,
				 m->better == BETTER_LOWER ? "lower" : "higher", hm->unit,
				 hm->better == BETTER_LOWER ? "lower" : "higher");
			return -EINVAL;
		}
		hm->v[h->nruns] = run_value(m, hm->stat);
	}
	return 0;
}

static int add_run(struct history *h, const char *path, const struct result *r)
{
	struct history_run *run = &h->runs[h->nruns++];

	run->path = strdup(path);
	run->id = strdup(r->run_id);
	run->started = strdup(r->started);
	run->time = parse_time(r->started);
	return run->path && run->id && run->started ? 0 : -ENOMEM;
}

/* Read one file into h; the result is freed right away. 0, -EINVAL (err), -ENOMEM. */
static int add_file(struct history *h, struct load_ctx *c, const char *path, char *err,
		    size_t errlen)
{
	struct result *r = result_read(path, err, errlen);
	int rc;

	if (!r)
		return errno == ENOMEM ? -ENOMEM : -EINVAL;
	rc = same_series(h, c, r, path, err, errlen);
	if (rc == 0) {
		h->left_out++;
	} else if (rc == 1) {
		rc = grow_runs(h);
		if (!rc)
			rc = add_metrics(h, c, r, path, err, errlen);
		if (!rc)
			rc = add_run(h, path, r);
	}
	result_free(r);
	return rc;
}

/* --- ordering by time --- */

static const struct history_run *sort_runs_base;

static int by_time(const void *a, const void *b)
{
	const struct history_run *x = &sort_runs_base[*(const size_t *)a];
	const struct history_run *y = &sort_runs_base[*(const size_t *)b];

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Put runs (and every metric's values) in time order. */
static int order_runs(struct history *h)
{
	size_t n = h->nruns ? h->nruns : 1, i, j;
	size_t *order = malloc(n * sizeof(*order));
	struct history_run *runs = malloc(n * sizeof(*runs));
	double *tmp = malloc(n * sizeof(*tmp));
	int rc = 0;

	if (!order || !runs || !tmp) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < h->nruns; i++)
		order[i] = i;
	sort_runs_base = h->runs;
	qsort(order, h->nruns, sizeof(*order), by_time);
	for (i = 0; i < h->nruns; i++)
		runs[i] = h->runs[order[i]];
	memcpy(h->runs, runs, h->nruns * sizeof(*runs));
	for (i = 0; i < h->nmetrics; i++) {
		for (j = 0; j < h->nruns; j++)
			tmp[j] = h->metrics[i].v[order[j]];
		memcpy(h->metrics[i].v, tmp, h->nruns * sizeof(*tmp));
	}
out:
	free(order);
	free(runs);
	free(tmp);
	return rc;
}

static int build_series(struct history *h, struct history_metric *m)
{
	size_t i;

	m->series = malloc(h->nruns * sizeof(*m->series));
	m->run_of = malloc(h->nruns * sizeof(*m->run_of));
	if (!m->series || !m->run_of)
		return -ENOMEM;
	for (i = 0; i < h->nruns; i++)
		if (!isnan(m->v[i])) {
			m->run_of[m->nseries] = i;
			m->series[m->nseries++] = m->v[i];
		}
	return 0;
}

/* --- the command --- */

struct history_cli {
	struct history_opts o;
	enum history_format format;
	int have_format;
	const char *out, *label;
	char **globs;
	size_t nglobs;
};

static int parse_format(const char *s, enum history_format *f)
{
	static const char *const names[] = { "text", "md", "json", "html" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*f = (enum history_format)i;
			return 0;
		}
	return -EINVAL;
}

static void format_from_name(struct history_cli *c)
{
	static const struct {
		const char *ext;
		enum history_format f;
	} exts[] = { { ".md", HISTORY_MD }, { ".json", HISTORY_JSON }, { ".html", HISTORY_HTML },
		     { ".htm", HISTORY_HTML } };
	size_t i, n = strlen(c->out), e;

	for (i = 0; i < ARRAY_SIZE(exts); i++) {
		e = strlen(exts[i].ext);
		if (n > e && !strcmp(c->out + n - e, exts[i].ext))
			c->format = exts[i].f;
	}
}

static int parse_count(const char *opt, const char *s, double lo, double hi, double *v)
{
	if (parse_number(s, lo, hi, v) || *v != floor(*v))
		return cli_usage_error(history_usage,
				       "history: %s wants a whole number from %.0f to %.0f, not '%s'",
				       opt, lo, hi, s);
	return 0;
}

static int parse_option(struct history_cli *c, int opt, const char *val)
{
	double v;

	switch (opt) {
	case 'f':
		if (parse_format(val, &c->format))
			return cli_usage_error(history_usage,
					       "history: unknown format '%s' (text, md, json, html)",
					       val);
		c->have_format = 1;
		return 0;
	case 'o':
		c->out = val;
		return 0;
	case 'a':
		if (parse_number(val, 0, 1, &v) || !(v > 0 && v < 1))
			return cli_usage_error(
			    history_usage, "history: --alpha wants a number between 0 and 1, not '%s'",
			    val);
		c->o.alpha = v;
		return 0;
	case 'm':
		c->globs[c->nglobs++] = (char *)val;
		return 0;
	case 'l':
		c->label = val;
		return 0;
	case 's':
		if (parse_count("--seed", val, 0, 9007199254740992.0, &v))
			return EXIT_BAD_INPUT;
		c->o.seed = (uint64_t)v;
		return 0;
	case 'p':
		if (parse_count("--permutations", val, 19, 100000, &v))
			return EXIT_BAD_INPUT;
		c->o.permutations = (unsigned)v;
		return 0;
	case 'r':
		if (parse_count("--recent", val, 0, 100000, &v))
			return EXIT_BAD_INPUT;
		c->o.recent = (size_t)v;
		return 0;
	}
	return cli_bad_option(history_usage);
}

/* Returns 0 (go on), -1 (--help printed), or an exit code. */
static int parse_args(int argc, char **argv, struct history_cli *c)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "metric", required_argument, NULL, 'm' },
		{ "label", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "permutations", required_argument, NULL, 'p' },
		{ "recent", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(history_usage, stdout);
			return -1;
		}
		rc = parse_option(c, opt, optarg);
		if (rc)
			return rc;
	}
	if (optind >= argc)
		return cli_usage_error(history_usage, "history: no result files or directory");
	if (c->out && !c->have_format)
		format_from_name(c);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json regular files of dir, sorted, into *names (malloc'd "dir/x.json"). */
static int list_dir(const char *dir, char ***names, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char **grown, *path;
	size_t cap = 0, len;

	*names = NULL;
	*n = 0;
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -EINVAL;
	}
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			goto nomem;
		if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 32;
			grown = realloc(*names, cap * sizeof(*grown));
			if (!grown) {
				free(path);
				goto nomem;
			}
			*names = grown;
		}
		(*names)[(*n)++] = path;
	}
	closedir(d);
	if (!*n) {
		snprintf(err, errlen, "%s: no *.json result files in this directory", dir);
		return -EINVAL;
	}
	qsort(*names, *n, sizeof(**names), by_name);
	return 0;
nomem:
	closedir(d);
	return -ENOMEM;
}

static void free_names(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

/* One argument: a regular file, or a directory of *.json files. */
static int load_arg(struct history *h, struct load_ctx *c, const char *arg, char *err,
		    size_t errlen)
{
	struct stat st;
	char **names;
	size_t n, i;
	int rc;

	if (stat(arg, &st)) {
		snprintf(err, errlen, "%s: %s", arg, strerror(errno));
		return -EINVAL;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = list_dir(arg, &names, &n, err, errlen);
		for (i = 0; !rc && i < n; i++)
			rc = add_file(h, c, names[i], err, errlen);
		free_names(names, n);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", arg);
		return -EINVAL;
	}
	return add_file(h, c, arg, err, errlen);
}

static int load_all(struct history *h, const struct history_cli *cli, char **args, size_t nargs,
		    char *err, size_t errlen)
{
	struct load_ctx c = { .want_label = cli->label, .globs = cli->globs, .nglobs = cli->nglobs };
	size_t i;
	int rc = 0;

	c.hits = calloc(cli->nglobs + 1, sizeof(*c.hits));
	if (!c.hits)
		return -ENOMEM;
	for (i = 0; !rc && i < nargs; i++)
		rc = load_arg(h, &c, args[i], err, errlen);
	if (!rc && !h->nruns) {
		snprintf(err, errlen, "history: no result of label '%s' among the %zu files",
			 cli->label ? cli->label : "", h->left_out);
		rc = -EINVAL;
	}
	for (i = 0; !rc && i < cli->nglobs; i++)
		if (!c.hits[i]) {
			snprintf(err, errlen, "history: --metric '%s' matches no metric in the results",
				 cli->globs[i]);
			rc = -EINVAL;
		}
	free(c.hits);
	return rc;
}

static void explain(const struct history *h, struct history_metric *m)
{
	struct history_analysis *a = &m->a;
	size_t c;

	if (a->status == HISTORY_MISSING) {
		snprintf(a->why, sizeof(a->why), "not in the newest run");
	} else if (a->status == HISTORY_SHORT) {
		snprintf(a->why, sizeof(a->why), "%zu runs: too few to learn the noise", m->nseries);
	} else if (a->by_change_point) {
		c = a->cps[a->ncps - 1].index;
		snprintf(a->why, sizeof(a->why),
			 "the %zu runs since run %zu are %+.1f%% against the segment before "
			 "(change point p = %.3g < %g)",
			 m->nseries - c, m->run_of[c] + 1, 100 * a->seg_change, a->cps[a->ncps - 1].p,
			 h->o.alpha);
	} else if (a->status != HISTORY_STABLE) {
		snprintf(a->why, sizeof(a->why),
			 "the newest run is %+.1f%% against runs %zu-%zu, beyond their noise "
			 "(t = %.2f, p = %.3g < %g)",
			 100 * a->change, m->run_of[a->ref_from] + 1, m->run_of[a->ref_to - 1] + 1, a->t,
			 a->p, h->o.alpha);
	}
}

static int status_then_name(const void *pa, const void *pb)
{
	const struct history_metric *a = pa, *b = pb;

	if (a->a.status != b->a.status)
		return a->a.status < b->a.status ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int analyze_all(struct history *h)
{
	struct history_metric *m;
	size_t i;
	int rc;

	for (i = 0; i < h->nmetrics; i++) {
		m = &h->metrics[i];
		rc = build_series(h, m);
		if (rc)
			return rc;
		if (isnan(m->v[h->nruns - 1])) {
			m->a = (struct history_analysis){ .status = HISTORY_MISSING };
		} else {
			rc = history_analyze(m->series, m->nseries, m->better, &h->o, &m->a);
			if (rc)
				return rc;
		}
		explain(h, m);
		h->count[m->a.status]++;
	}
	if (h->nmetrics)
		qsort(h->metrics, h->nmetrics, sizeof(*h->metrics), status_then_name);
	return 0;
}

static int write_out(const struct history *h, const struct history_cli *c)
{
	char err[4200], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (!c->out) {
		rc = history_report(h, c->format, stdout);
		if (fflush(stdout) || rc) {
			fprintf(stderr, "nodeperf: cannot write the report: %s\n",
				strerror(errno ? errno : EIO));
			return EXIT_RUNTIME;
		}
		return 0;
	}
	f = open_memstream(&buf, &len);
	if (!f) {
		fprintf(stderr, "nodeperf: cannot write %s: %s\n", c->out, strerror(errno));
		return EXIT_RUNTIME;
	}
	rc = history_report(h, c->format, f);
	if (fclose(f) || rc) {
		fprintf(stderr, "nodeperf: cannot write %s: %s\n", c->out, strerror(ENOMEM));
		free(buf);
		return EXIT_RUNTIME;
	}
	rc = write_atomic(c->out, buf, len, err, sizeof(err));
	free(buf);
	if (rc) {
		fprintf(stderr, "nodeperf: cannot write %s\n", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

int cmd_history(int argc, char **argv)
{
	struct history_cli c = { .o = { .alpha = HISTORY_ALPHA,
					.permutations = HISTORY_PERMUTATIONS,
					.seed = HISTORY_SEED,
					.recent = HISTORY_RECENT,
					.min_segment = HISTORY_MIN_SEGMENT } };
	struct history h = { 0 };
	char err[4200];
	int rc;

	c.globs = calloc((size_t)argc + 1, sizeof(*c.globs));
	if (!c.globs)
		return EXIT_RUNTIME;
	rc = parse_args(argc, argv, &c);
	if (rc) {
		free(c.globs);
		return rc < 0 ? 0 : rc;
	}
	h.o = c.o;
	rc = load_all(&h, &c, argv + optind, (size_t)(argc - optind), err, sizeof(err));
	if (!rc)
		rc = order_runs(&h);
	if (!rc)
		rc = analyze_all(&h);
	if (rc) {
		if (rc == -ENOMEM)
			fprintf(stderr, "nodeperf: history: out of memory\n");
		else
			fprintf(stderr, "nodeperf: %s\n", err);
		rc = rc == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	} else {
		rc = write_out(&h, &c);
		if (!rc && h.count[HISTORY_REGRESSED])
			rc = EXIT_REGRESSION;
	}
	history_free(&h);
	free(c.globs);
	return rc;
}
