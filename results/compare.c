/* compare.c - pool each side, test every gated statistic, decide verdicts and the exit code. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/disturb.h"
#include "core/stats.h"
#include "core/util.h"
#include "results/compare.h"
#include "results/configdiff.h"
#include "results/thresholds.h"

static const char *const verdict_names[VERDICT_COUNT] = {
	[VERDICT_REGRESSED] = "regressed", [VERDICT_NOISY] = "noisy",
	[VERDICT_MISSING] = "missing",	   [VERDICT_NEW] = "new",
	[VERDICT_IMPROVED] = "improved",   [VERDICT_UNCHANGED] = "unchanged",
};

const char *verdict_name(enum verdict v)
{
	return v < VERDICT_COUNT ? verdict_names[v] : "?";
}

static int __attribute__((format(printf, 3, 4))) fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void compare_side_release(struct cmp_side *side)
{
	size_t i;

	for (i = 0; i < side->nruns; i++) {
		result_free(side->runs[i]);
		free(side->paths[i]);
	}
	free(side->runs);
	free(side->paths);
	free(side->label);
	memset(side, 0, sizeof(*side));
}

/* Distinct labels in file order, ", "-joined; "-" when no file has one. */
static char *side_label(struct result *const *runs, size_t n)
{
	size_t i, j, len = 0;
	char *out = calloc(1, 1), *grown;
	const char *l;

	for (i = 0; out && i < n; i++) {
		l = runs[i]->label;
		for (j = 0; l && j < i; j++)
			if (runs[j]->label && !strcmp(runs[j]->label, l))
				break;
		if (!l || j < i)
			continue;
		grown = realloc(out, len + strlen(l) + 3);
		if (!grown) {
			free(out);
			return NULL;
		}
		out = grown;
		len += (size_t)sprintf(out + len, "%s%s", len ? ", " : "", l);
	}
	if (out && !len) {
		free(out);
		out = strdup("-");
	}
	return out;
}

int compare_side_load(struct cmp_side *side, char *const *paths, size_t n, char *err, size_t errlen)
{
	size_t i;

	memset(side, 0, sizeof(*side));
	if (!n)
		return fail(err, errlen, "no result files");
	side->runs = calloc(n, sizeof(struct result *));
	side->paths = calloc(n, sizeof(*side->paths));
	if (!side->runs || !side->paths)
		goto out_nomem;
	for (i = 0; i < n; i++) {
		side->runs[i] = result_read(paths[i], err, errlen);
		if (!side->runs[i]) {
			compare_side_release(side);
			return -EINVAL;
		}
		side->nruns = i + 1;
		side->paths[i] = strdup(paths[i]);
		if (!side->paths[i])
			goto out_nomem;
	}
	side->label = side_label(side->runs, n);
	if (!side->label)
		goto out_nomem;
	return 0;

out_nomem:
	compare_side_release(side);
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

/* --- one check --- */

static double spread(const double *x, size_t n, double med)
{
	double lo, hi;
	size_t i;

	if (!n)
		return NAN;
	lo = hi = x[0];
	for (i = 1; i < n; i++) {
		lo = fmin(lo, x[i]);
		hi = fmax(hi, x[i]);
	}
	if (med == 0)
		return hi == lo ? 0 : INFINITY;
	return (hi - lo) / fabs(med);
}

static double rel_change(double base, double cand)
{
	if (isnan(base) || isnan(cand))
		return NAN;
	if (base == 0)
		return cand == 0 ? 0 : copysign(INFINITY, cand);
	return (cand - base) / fabs(base);
}

double compare_mde(double sigma, size_t nb, size_t nk, double alpha, double power)
{
	double df, t, size;

	if (!nb || !nk || isnan(sigma) || stats_mw_min_p(nb, nk) >= alpha)
		return INFINITY;
	/* small exact samples test at a lower level than alpha: the largest p they can give under it */
	size = stats_mw_attainable_alpha(nb, nk, alpha);
	df = nb + nk > 2 ? (double)(nb + nk - 2) : 1;
	t = stats_t_quantile(1 - size / 2, df) + stats_t_quantile(power, df);
	/* the U test needs pi/3 times the t test's repetitions for normal noise */
	return t * sigma * sqrt(1.0 / (double)nb + 1.0 / (double)nk) * sqrt(M_PI / 3);
}

/* The repetitions' relative spread for the MDE: robust sigma / median, pooled over the sides. */
static double pooled_sigma(const double *b, size_t nb, const double *k, size_t nk, double mb,
			   double mk)
{
	double sb = stats_mad_sigma(b, nb) / fabs(mb), sk = stats_mad_sigma(k, nk) / fabs(mk);

	if (!(mb != 0) || !(mk != 0) || nb + nk < 3)
		return NAN;
	return sqrt(((double)(nb - 1) * sb * sb + (double)(nk - 1) * sk * sk) / (double)(nb + nk - 2));
}

/*
 * What this check can see: the statistical MDE, but never below the rule's
 * change plus what the median's own noise takes to cross it with the same
 * power (the gate asks both: beyond the rule, and p < alpha).
 */
static double check_mde(double thr, double sigma, size_t nb, size_t nk, double alpha)
{
	double stat = compare_mde(sigma, nb, nk, alpha, COMPARE_POWER);
	/* a median's standard error is sqrt(pi/2) times a mean's */
	double med = thr + stats_t_quantile(COMPARE_POWER, (double)(nb + nk - 2)) * sigma *
				 sqrt(M_PI / 2) * sqrt(1.0 / (double)nb + 1.0 / (double)nk);

	return fmax(stat, med);
}

double compare_wide_bound(double allowed)
{
	return fmin(fmax(COMPARE_WIDE_FACTOR * allowed, COMPARE_WIDE_FLOOR), COMPARE_WIDE_MAX);
}

int compare_check(struct cmp_check *ck, const double *base, size_t nbase, const double *cand,
		  size_t ncand, enum better better, double alpha)
{
	const struct threshold_rule *r = ck->rule;
	struct mw_result mw;
	double worse, wide, thr;
	int rc;

	ck->nbase = nbase;
	ck->ncand = ncand;
	ck->base = nbase ? stats_median(base, nbase) : NAN;
	ck->cand = ncand ? stats_median(cand, ncand) : NAN;
	ck->base_spread = spread(base, nbase, ck->base);
	ck->cand_spread = spread(cand, ncand, ck->cand);
	ck->change = rel_change(ck->base, ck->cand);
	ck->p = NAN;
	ck->mde = r->off ? NAN : INFINITY;
	ck->limit_broken = 0;
	if (r->limit != LIMIT_NONE && ncand)
		ck->limit_broken =
		    r->limit == LIMIT_MAX ? ck->cand > r->limit_value : ck->cand < r->limit_value;
	if (nbase < COMPARE_MIN_REPS || ncand < COMPARE_MIN_REPS) {
		ck->verdict = VERDICT_NOISY;
		snprintf(ck->why, sizeof(ck->why),
			 "too few repetitions of %s: %zu against %zu, %d needed", ck->stat, nbase,
			 ncand, COMPARE_MIN_REPS);
		return 0;
	}
	rc = stats_mann_whitney(base, nbase, cand, ncand, &mw);
	if (rc)
		return rc;
	ck->p = mw.p;
	if (r->off) {
		ck->verdict = VERDICT_UNCHANGED;
		snprintf(ck->why, sizeof(ck->why), "change not gated (off)%s",
			 r->limit != LIMIT_NONE ? "; the limit is" : "");
		return 0;
	}
	thr = r->change;
	worse = better == BETTER_LOWER ? ck->change : -ck->change;
	ck->mde = check_mde(thr, pooled_sigma(base, nbase, cand, ncand, ck->base, ck->cand), nbase,
			    ncand, alpha);
	/*
	 * A slowdown of the code under test moves every repetition alike; a
	 * node that is busy now and then scatters them. Repetitions spread
	 * wider than COMPARE_WIDE_FACTOR times the allowed change (within
	 * [COMPARE_WIDE_FLOOR, COMPARE_WIDE_MAX]) cannot tell one from the
	 * other: no verdict either way.
	 */
	wide = fmax(ck->base_spread, ck->cand_spread);
	if (!(wide <= compare_wide_bound(thr))) {
		ck->verdict = VERDICT_NOISY;
		ck->mde = INFINITY;
		snprintf(
		    ck->why, sizeof(ck->why),
		    "repetitions spread %.0f%% / %.0f%%, too wide to judge %+.1f%% against %.1f%%",
		    100 * ck->base_spread, 100 * ck->cand_spread, 100 * ck->change, 100 * thr);
		return 0;
	}
	if (fabs(ck->change) > thr && mw.p < alpha) {
		/* U counts base > cand pairs: a higher candidate leaves U under its mean. */
		if ((ck->change > 0) != (mw.u < (double)nbase * (double)ncand / 2)) {
			ck->verdict = VERDICT_NOISY;
			snprintf(ck->why, sizeof(ck->why),
				 "the medians and the ranks point different ways (p = %.3g)", mw.p);
			return 0;
		}
		ck->verdict = worse > 0 ? VERDICT_REGRESSED : VERDICT_IMPROVED;
		snprintf(ck->why, sizeof(ck->why),
			 "%+.1f%% beyond the allowed %.1f%%, p = %.3g < %.3g", 100 * ck->change,
			 100 * thr, mw.p, alpha);
		return 0;
	}
	if (fabs(ck->change) > thr) {
		ck->verdict = VERDICT_NOISY;
		snprintf(ck->why, sizeof(ck->why),
			 "%+.1f%% beyond the allowed %.1f%%, but p = %.3g is not below %.3g",
			 100 * ck->change, 100 * thr, mw.p, alpha);
		return 0;
	}
	ck->verdict = VERDICT_UNCHANGED;
	snprintf(ck->why, sizeof(ck->why), "%+.1f%% within the allowed %.1f%% (p = %.3g)",
		 100 * ck->change, 100 * thr, mw.p);
	return 0;
}

/* --- pooling --- */

/* The first metric called name on side s, and the path of its file. */
static const struct metric *side_find(const struct cmp_side *s, const char *name, const char **path)
{
	const struct metric *m;
	size_t i;

	for (i = 0; i < s->nruns; i++) {
		m = result_find_metric(s->runs[i], name);
		if (m) {
			if (path)
				*path = s->paths[i];
			return m;
		}
	}
	return NULL;
}

/* Every file of s must agree with ref (from ref_path) on unit and direction. */
static int side_consistent(const struct cmp_side *s, const struct metric *ref, const char *ref_path,
			   char *err, size_t len)
{
	const struct metric *m;
	size_t i;

	for (i = 0; i < s->nruns; i++) {
		m = result_find_metric(s->runs[i], ref->name);
		if (!m)
			continue;
		if (strcmp(m->unit, ref->unit) != 0)
			return fail(err, len, "%s: metric %s is in %s, but in %s in %s",
				    s->paths[i], ref->name, m->unit, ref->unit, ref_path);
		if (m->better != ref->better)
			return fail(err, len, "%s: metric %s is better %s, but %s in %s",
				    s->paths[i], ref->name,
				    m->better == BETTER_LOWER ? "lower" : "higher",
				    ref->better == BETTER_LOWER ? "lower" : "higher", ref_path);
	}
	return 0;
}

/*
 * The repetitions of stat of metric name over every file of s (malloc'd; *n
 * may be 0), leaving out those the disturbance rule (core/disturb.h) calls
 * disturbed: *ndist of them, the first one's reason in why. ndist NULL: all.
 */
static double *side_reps(const struct cmp_side *s, const char *name, const char *stat, size_t *n,
			 size_t *ndist, char *why, size_t whylen)
{
	const struct rep_series *rs;
	const struct rep_env *e;
	const struct metric *m;
	double *v = NULL, *nv;
	size_t i, j;

	*n = 0;
	for (i = 0; i < s->nruns; i++) {
		m = result_find_metric(s->runs[i], name);
		rs = m ? metric_reps(m, stat) : NULL;
		if (!rs || !rs->n)
			continue;
		nv = reallocarray(v, *n + rs->n, sizeof(*v));
		if (!nv) {
			free(v);
			*n = 0;
			errno = ENOMEM;
			return NULL;
		}
		v = nv;
		for (j = 0; j < rs->n; j++) {
			e = ndist && rs->n == m->nenv ? metric_rep_env(m, j) : NULL;
			if (e && rep_env_disturbed(e, !*ndist ? why : NULL, whylen)) {
				++*ndist;
				continue;
			}
			v[(*n)++] = rs->v[j];
		}
	}
	/* A side without such repetitions is a valid, empty sample. */
	if (!v)
		v = malloc(sizeof(*v));
	return v;
}

/* The histograms of metric name over every file of s, merged; NULL when none (or ENOMEM). */
static struct hist *side_hist(const struct cmp_side *s, const char *name)
{
	const struct metric *m;
	struct hist *h = NULL;
	size_t i;

	for (i = 0; i < s->nruns; i++) {
		m = result_find_metric(s->runs[i], name);
		if (!m || !m->hist)
			continue;
		if (!h && !(h = hist_new()))
			return NULL;
		hist_merge(h, m->hist);
	}
	return h;
}

/* Why the candidate has no such metric: its bench was skipped. */
static const char *skip_reason(const struct cmp_side *s, const char *name)
{
	const struct skip *sk;
	size_t i, j, n;

	for (i = 0; i < s->nruns; i++) {
		for (j = 0; j < s->runs[i]->nskipped; j++) {
			sk = &s->runs[i]->skipped[j];
			n = strlen(sk->bench);
			if (!strncmp(name, sk->bench, n) && (!name[n] || name[n] == '.'))
				return sk->reason;
		}
	}
	return NULL;
}

/*
 * A check with disturbed repetitions left out: when too few clean ones are
 * left, "noisy: disturbed" with the first reason; otherwise the verdict of
 * the clean ones, which says how many were left out.
 */
static void disturbed_why(struct cmp_check *ck, const char *dwhy)
{
	char why[sizeof(ck->why) + 128];

	if (ck->nbase < COMPARE_MIN_REPS || ck->ncand < COMPARE_MIN_REPS) {
		ck->verdict = VERDICT_NOISY;
		ck->mde = INFINITY;
		snprintf(why, sizeof(why), "disturbed: %zu + %zu repetitions left out (%s)",
			 ck->ndist_base, ck->ndist_cand, dwhy);
		str_copy(ck->why, why, sizeof(ck->why));
		return;
	}
	snprintf(why, sizeof(why), "%s; %zu + %zu disturbed repetitions left out", ck->why,
		 ck->ndist_base, ck->ndist_cand);
	str_copy(ck->why, why, sizeof(ck->why));
}

/*
 * A limit (an SLO, a GPU floor) is a health verdict: when every repetition of
 * the candidate was disturbed it is held against them all rather than not at
 * all, and the check says so.
 */
static int limit_on_disturbed(const struct comparison *c, const struct cmp_metric *cm,
			      struct cmp_check *ck)
{
	const struct threshold_rule *r = ck->rule;
	char why[sizeof(ck->why) + 64];
	double *v, med;
	size_t n;

	v = side_reps(&c->cand, cm->name, ck->stat, &n, NULL, NULL, 0);
	if (!v)
		return -ENOMEM;
	med = n ? stats_median(v, n) : NAN;
	free(v);
	if (isnan(med))
		return 0;
	ck->limit_broken = r->limit == LIMIT_MAX ? med > r->limit_value : med < r->limit_value;
	snprintf(why, sizeof(why), "%s; the limit held against the disturbed repetitions", ck->why);
	str_copy(ck->why, why, sizeof(ck->why));
	return 0;
}

static int metric_checks(struct comparison *c, struct cmp_metric *cm, const char **stats,
			 size_t nstats, const char *path, char *err, size_t len)
{
	const struct threshold_rule *r;
	char dwhy[96];
	double *b = NULL, *k = NULL;
	size_t i, nb, nk;
	int rc = 0;

	cm->checks = calloc(nstats, sizeof(*cm->checks));
	if (!cm->checks)
		return -ENOMEM;
	for (i = 0; i < nstats && !rc; i++) {
		struct cmp_check *ck = &cm->checks[cm->nchecks];

		r = thresholds_match(c->th, cm->name, stats[i]);
		if (r->limit != LIMIT_NONE && r->limit_unit[0] &&
		    strcmp(r->limit_unit, cm->unit) != 0)
			return fail(err, len, "%s:%u: the limit is in %s, but %s is in %s (%s)",
				    r->file, r->line, r->limit_unit, cm->name, cm->unit, path);
		str_copy(ck->stat, stats[i], sizeof(ck->stat));
		ck->rule = r;
		dwhy[0] = '\0';
		b = side_reps(&c->base, cm->name, stats[i], &nb, &ck->ndist_base, dwhy, sizeof(dwhy));
		k = side_reps(&c->cand, cm->name, stats[i], &nk, &ck->ndist_cand, dwhy, sizeof(dwhy));
		rc = b && k ? compare_check(ck, b, nb, k, nk, cm->better, c->alpha) : -ENOMEM;
		free(b);
		free(k);
		if (rc)
			break;
		c->ndisturbed += ck->ndist_base + ck->ndist_cand;
		if (ck->ndist_base + ck->ndist_cand)
			disturbed_why(ck, dwhy);
		if (r->limit != LIMIT_NONE && !nk && ck->ndist_cand)
			rc = limit_on_disturbed(c, cm, ck);
		if (rc)
			break;
		cm->nchecks++;
		if (ck->verdict < cm->verdict)
			cm->verdict = ck->verdict;
		cm->limit_broken |= ck->limit_broken;
	}
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_metric_order(const void *pa, const void *pb)
{
	const struct cmp_metric *a = pa, *b = pb;

	/* A broken limit fails the gate like a regression: list it with them. */
	int va = a->limit_broken ? VERDICT_REGRESSED : (int)a->verdict;
	int vb = b->limit_broken ? VERDICT_REGRESSED : (int)b->verdict;

	if (va != vb)
		return va - vb;
	if (a->verdict != b->verdict)
		return (int)a->verdict - (int)b->verdict;
	return strcmp(a->name, b->name);
}

/* Every metric name of both sides, sorted, once each. */
static char **all_names(const struct comparison *c, size_t *n)
{
	const struct cmp_side *sides[] = { &c->base, &c->cand };
	size_t s, i, j, total = 0, k = 0;
	char **names;

	for (s = 0; s < 2; s++)
		for (i = 0; i < sides[s]->nruns; i++)
			total += sides[s]->runs[i]->nmetrics;
	names = calloc(total ? total : 1, sizeof(*names));
	if (!names)
		return NULL;
	for (s = 0; s < 2; s++)
		for (i = 0; i < sides[s]->nruns; i++)
			for (j = 0; j < sides[s]->runs[i]->nmetrics; j++)
				names[k++] = sides[s]->runs[i]->metrics[j].name;
	qsort(names, total, sizeof(*names), cmp_str);
	for (i = 0, k = 0; i < total; i++)
		if (!k || strcmp(names[k - 1], names[i]) != 0)
			names[k++] = names[i];
	*n = k;
	return names;
}

/* A rule only applies to a statistic the metric records: keep those of stats[0..n) with repetitions
 * on a side. */
static size_t recorded_stats(const struct comparison *c, const char *name, const char **stats,
			     size_t n)
{
	const struct cmp_side *sides[] = { &c->base, &c->cand };
	const struct metric *m;
	size_t i, s, r, k = 0;
	int have;

	for (i = 0; i < n; i++) {
		have = 0;
		for (s = 0; s < 2 && !have; s++)
			for (r = 0; r < sides[s]->nruns && !have; r++)
				have = (m = result_find_metric(sides[s]->runs[r], name)) &&
				       metric_reps(m, stats[i]);
		if (have)
			stats[k++] = stats[i];
	}
	return k;
}

static int add_metric(struct comparison *c, const char *name, char *err, size_t len)
{
	const char *stats[RESULT_MAX_REPSTATS * 2], *bpath = NULL, *kpath = NULL;
	const struct metric *bm = side_find(&c->base, name, &bpath);
	const struct metric *km = side_find(&c->cand, name, &kpath);
	const struct metric *ref = bm ? bm : km;
	const char *ref_path = bm ? bpath : kpath;
	struct cmp_metric *cm;
	size_t nstats = 0;
	int rc;

	rc = side_consistent(&c->base, ref, ref_path, err, len);
	if (!rc)
		rc = side_consistent(&c->cand, ref, ref_path, err, len);
	if (rc)
		return rc;
	if (bm && km) {
		nstats = recorded_stats(c, name, stats,
					thresholds_stats(c->th, name, stats, ARRAY_SIZE(stats)));
		if (!nstats) {
			c->ungated[c->nungated] = strdup(name);
			return c->ungated[c->nungated++] ? 0 : -ENOMEM;
		}
	}
	cm = &c->metrics[c->nmetrics];
	memset(cm, 0, sizeof(*cm));
	cm->name = strdup(name);
	cm->unit = strdup(ref->unit);
	cm->better = ref->better;
	cm->verdict = !km ? VERDICT_MISSING : !bm ? VERDICT_NEW : VERDICT_UNCHANGED;
	c->nmetrics++;
	if (!cm->name || !cm->unit)
		return -ENOMEM;
	cm->base_hist = bm ? side_hist(&c->base, name) : NULL;
	cm->cand_hist = km ? side_hist(&c->cand, name) : NULL;
	if ((bm && bm->hist && !cm->base_hist) || (km && km->hist && !cm->cand_hist))
		return -ENOMEM;
	if (!km)
		cm->skip_reason = skip_reason(&c->cand, name);
	if (!nstats)
		return 0;
	return metric_checks(c, cm, stats, nstats, kpath, err, len);
}

/* --- gate problems: what the candidate cannot be vouched for --- */

static const char *allowed_by(const struct comparison *c, const char *subject)
{
	size_t i;

	for (i = 0; i < c->nallow; i++)
		if (!fnmatch(c->allow_missing[i], subject, 0))
			return c->allow_missing[i];
	return NULL;
}

static int __attribute__((format(printf, 3, 4)))
add_problem(struct comparison *c, const char *subject, const char *fmt, ...)
{
	struct gate_problem *p, *grown;
	va_list ap;

	grown = reallocarray(c->problems, c->nproblems + 1, sizeof(*c->problems));
	if (!grown)
		return -ENOMEM;
	c->problems = grown;
	p = &c->problems[c->nproblems++];
	str_copy(p->subject, subject, sizeof(p->subject));
	va_start(ap, fmt);
	vsnprintf(p->what, sizeof(p->what), fmt, ap);
	va_end(ap);
	p->allowed_by = allowed_by(c, subject);
	return 0;
}

static const char *side_name(const struct comparison *c, const struct cmp_side *s)
{
	return s == &c->base ? "baseline" : "candidate";
}

/* An interrupted run left out the bench it was in and every bench after it. */
static int partial_problems(struct comparison *c, const struct cmp_side *s)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < s->nruns && !rc; i++)
		if (s->runs[i]->partial && !s->runs[i]->nmetrics && s->runs[i]->nskipped)
			/* collect's placeholder for a node that delivered nothing */
			rc = add_problem(c, "partial", "%s %s has no result: %s", side_name(c, s),
					 s->paths[i], s->runs[i]->skipped[0].reason);
		else if (s->runs[i]->partial)
			rc = add_problem(c, "partial",
					 "%s %s is partial: its run was interrupted, the benches after "
					 "the interruption are not in it",
					 side_name(c, s), s->paths[i]);
	return rc;
}

static int side_skipped(const struct cmp_side *s, const char *bench)
{
	size_t i, j;

	for (i = 0; i < s->nruns; i++)
		for (j = 0; j < s->runs[i]->nskipped; j++)
			if (!strcmp(s->runs[i]->skipped[j].bench, bench))
				return 1;
	return 0;
}

/* How many metrics of side s belong to bench (its name, or its name and a dot). */
static size_t bench_metrics(const struct cmp_side *s, const char *bench)
{
	size_t i, j, n = 0, len = strlen(bench);
	const char *name;

	for (i = 0; i < s->nruns; i++)
		for (j = 0; j < s->runs[i]->nmetrics; j++) {
			name = s->runs[i]->metrics[j].name;
			n += !strncmp(name, bench, len) && (!name[len] || name[len] == '.');
		}
	return n;
}

/*
 * A bench the baseline skipped and the candidate ran: its metrics are new,
 * with nothing to compare them with. (A bench the candidate skipped shows as
 * missing metrics.) "probes" skipped on one side only: the numbers of one
 * side carry the probes' overhead and the other's do not.
 */
static int skip_problems(struct comparison *c)
{
	const struct cmp_side *sides[] = { &c->base, &c->cand };
	const struct skip *sk;
	size_t s, i, j, n;
	int rc = 0;

	for (s = 0; s < 2 && !rc; s++)
		for (i = 0; i < sides[s]->nruns && !rc; i++)
			for (j = 0; j < sides[s]->runs[i]->nskipped && !rc; j++) {
				sk = &sides[s]->runs[i]->skipped[j];
				if (side_skipped(sides[!s], sk->bench))
					continue;
				if (!strcmp(sk->bench, "probes"))
					rc = add_problem(c, "probes",
							 "probes: not attached on the %s (%s: %s), attached on "
							 "the %s: one side carries their overhead",
							 side_name(c, sides[s]), sides[s]->paths[i], sk->reason,
							 side_name(c, sides[!s]));
				else if (s == 0 && (n = bench_metrics(&c->cand, sk->bench)))
					rc = add_problem(c, sk->bench,
							 "%s: skipped on the baseline (%s: %s), run on the "
							 "candidate: its %zu metric%s cannot be compared",
							 sk->bench, sides[s]->paths[i], sk->reason, n,
							 n == 1 ? "" : "s");
			}
	return rc;
}

/*
 * In a pool, a file lacking metrics that other files of the comparison have
 * (a node whose pod could not make a netns): the pooled verdict would rest on
 * the other nodes alone. Metrics absent from the whole candidate are missing
 * metrics instead. One problem per file, naming up to three metrics.
 */
static int gap_problems(struct comparison *c, const struct cmp_side *s, char **names, size_t n)
{
	char list[160];
	const char *first = NULL;
	size_t i, j, gaps, len;
	int rc = 0;

	if (s->nruns < 2)
		return 0;
	for (i = 0; i < s->nruns && !rc; i++) {
		gaps = 0;
		len = 0;
		list[0] = '\0';
		for (j = 0; j < n; j++) {
			if (result_find_metric(s->runs[i], names[j]) ||
			    !side_find(s, names[j], NULL) || allowed_by(c, names[j]))
				continue;
			if (s == &c->cand && !side_find(&c->base, names[j], NULL))
				continue;
			if (!gaps++)
				first = names[j];
			if (gaps <= 3 && len < sizeof(list))
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
							gaps > 1 ? ", " : "", names[j]);
		}
		if (gaps)
			rc = add_problem(c, first,
					 "%s %s lacks %zu metric%s the other files of its side have: %s%s",
					 side_name(c, s), s->paths[i], gaps, gaps == 1 ? "" : "s", list,
					 gaps > 3 ? ", ..." : "");
	}
	return rc;
}

/* run options that change what is measured; the rest (--out, --label, --tune: the treatment) do not */
static const char *const measured_opts[] = { "--reps",	   "--rep-time", "--rounds",   "--msg-size",
					     "--busy-poll", "--same-core", "--no-probes", "--destructive",
					     "--io-device" };
static const char *const valued_opts[] = { "--suite",	 "--only",     "--out",	      "--label",
					   "--reps",	 "--rep-time", "--tmpdir",    "--busy-poll",
					   "--msg-size", "--io-dir",   "--io-device", "--tune",
					   "--rounds",	 "--seed",     "--openmetrics", "--probes" };

static int opt_in(const char *opt, size_t len, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(set[i]) == len && !strncmp(set[i], opt, len))
			return 1;
	return 0;
}

/* "suite=quick --reps=9 --same-core=" of r: what two results must share to be compared. */
static void run_params(const struct result *r, char *buf, size_t len)
{
	size_t i, n, k;
	const char *a, *eq, *val;

	k = (size_t)snprintf(buf, len, "suite=%s", r->suite ? r->suite : "?");
	for (i = 0; i < r->argc && k < len; i++) {
		a = r->argv[i];
		if (strncmp(a, "--", 2) != 0)
			continue;
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
		val = eq ? eq + 1 : "";
		if (!eq && opt_in(a, n, valued_opts, ARRAY_SIZE(valued_opts)) && i + 1 < r->argc)
			val = r->argv[++i];
		if (!opt_in(a, n, measured_opts, ARRAY_SIZE(measured_opts)))
			continue;
		/* a device path differs from node to node: whether one was measured counts */
		if (!strncmp(a, "--io-device", n))
			val = "DEV";
		k += (size_t)snprintf(buf + k, len - k, " %.*s=%s", (int)n, a, val);
	}
}

static int param_problems(struct comparison *c)
{
	const struct cmp_side *sides[] = { &c->base, &c->cand };
	char ref[512], other[512];
	size_t s, i;
	int rc = 0;

	run_params(c->base.runs[0], ref, sizeof(ref));
	for (s = 0; s < 2 && !rc; s++)
		for (i = 0; i < sides[s]->nruns && !rc; i++) {
			run_params(sides[s]->runs[i], other, sizeof(other));
			if (strcmp(ref, other) != 0)
				rc = add_problem(c, "params",
						 "measured with other parameters: %s has '%s', %s has '%s'",
						 c->base.paths[0], ref, sides[s]->paths[i], other);
		}
	return rc;
}

/*
 * A side whose repetitions were mostly disturbed leaves every verdict noisy:
 * a gate on it would pass whatever it measured. More than half disturbed
 * fails the gate (subject "disturbed").
 */
static int disturbed_problems(struct comparison *c)
{
	size_t i, j, dist[2] = { 0, 0 }, all[2] = { 0, 0 }, s;
	const struct cmp_check *ck;
	int rc = 0;

	for (i = 0; i < c->nmetrics; i++)
		for (j = 0; j < c->metrics[i].nchecks; j++) {
			ck = &c->metrics[i].checks[j];
			dist[0] += ck->ndist_base;
			dist[1] += ck->ndist_cand;
			all[0] += ck->ndist_base + ck->nbase;
			all[1] += ck->ndist_cand + ck->ncand;
		}
	for (s = 0; s < 2 && !rc; s++)
		if (all[s] && dist[s] * COMPARE_DISTURBED_DEN > all[s] * COMPARE_DISTURBED_NUM)
			rc = add_problem(c, "disturbed",
					 "%zu of %zu repetitions of the %s were disturbed (other processes, "
					 "steal, throttling, major faults; docs/compare.md): its verdicts "
					 "are noisy, so the gate cannot vouch for it; run again on a quiet node",
					 dist[s], all[s], s ? "candidate" : "baseline");
	return rc;
}

static int find_problems(struct comparison *c, char **names, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < c->nmetrics; i++)
		if (c->metrics[i].verdict == VERDICT_MISSING)
			c->metrics[i].allowed_by = allowed_by(c, c->metrics[i].name);
	rc = partial_problems(c, &c->base);
	if (!rc)
		rc = partial_problems(c, &c->cand);
	if (!rc)
		rc = skip_problems(c);
	if (!rc)
		rc = gap_problems(c, &c->base, names, n);
	if (!rc)
		rc = gap_problems(c, &c->cand, names, n);
	if (!rc)
		rc = param_problems(c);
	if (!rc)
		rc = disturbed_problems(c);
	if (rc)
		return rc;
	for (i = 0; i < c->nmetrics; i++)
		if (c->metrics[i].verdict == VERDICT_MISSING) {
			if (c->metrics[i].allowed_by)
				c->nmissing_allowed++;
			else
				c->nfailing++;
		}
	for (i = 0; i < c->nproblems; i++)
		c->nfailing += !c->problems[i].allowed_by;
	return 0;
}

int compare_run(struct comparison *c, char *err, size_t errlen)
{
	size_t i, n = 0;
	char **names = all_names(c, &n);
	int rc = -ENOMEM;

	if (!names)
		goto out_nomem;
	c->metrics = calloc(n ? n : 1, sizeof(*c->metrics));
	c->ungated = calloc(n ? n : 1, sizeof(*c->ungated));
	if (!c->metrics || !c->ungated)
		goto out_nomem;
	for (i = 0; i < n; i++) {
		rc = add_metric(c, names[i], err, errlen);
		if (rc == -ENOMEM)
			goto out_nomem;
		if (rc)
			goto out_names;
	}
	qsort(c->metrics, c->nmetrics, sizeof(*c->metrics), cmp_metric_order);
	for (i = 0; i < c->nmetrics; i++) {
		c->count[c->metrics[i].verdict]++;
		c->nlimits += (size_t)c->metrics[i].limit_broken;
	}
	rc = find_problems(c, names, n);
	if (!rc)
		rc = cfgdiff_build(c->base.runs, c->base.nruns, c->cand.runs, c->cand.nruns, &c->cfg);
	if (rc)
		goto out_nomem;
	free(names);
	return 0;

out_nomem:
	snprintf(err, errlen, "out of memory");
	rc = -ENOMEM;
out_names:
	free(names);
	return rc;
}

void compare_release(struct comparison *c)
{
	size_t i;

	for (i = 0; i < c->nmetrics; i++) {
		free(c->metrics[i].name);
		free(c->metrics[i].unit);
		free(c->metrics[i].checks);
		if (c->metrics[i].base_hist)
			hist_free(c->metrics[i].base_hist);
		if (c->metrics[i].cand_hist)
			hist_free(c->metrics[i].cand_hist);
	}
	free(c->metrics);
	for (i = 0; i < c->nungated; i++)
		free(c->ungated[i]);
	free(c->ungated);
	free(c->problems);
	c->problems = NULL;
	c->nproblems = c->nfailing = c->nmissing_allowed = 0;
	cfgdiff_free(c->cfg);
	compare_side_release(&c->base);
	compare_side_release(&c->cand);
	c->metrics = NULL;
	c->ungated = NULL;
	c->cfg = NULL;
	c->nmetrics = c->nungated = 0;
}

int compare_exit_code(const struct comparison *c)
{
	return c->count[VERDICT_REGRESSED] || c->nlimits || c->nfailing ? EXIT_REGRESSION : 0;
}
