/* history_report.c - a history as text, Markdown, JSON, or HTML with an SVG time series per metric. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/changepoint.h"
#include "core/stats.h"
#include "results/history.h"
#include "results/report.h"

#define CELL 64

/* --- shared cells --- */

static void cell_value(char *buf, size_t len, double v, const char *unit)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		result_format_value(v, unit, buf, len);
}

static void cell_pct(char *buf, size_t len, double v, int sign)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, sign ? "%+.1f%%" : "%.1f%%", 100 * v);
}

static void cell_p(char *buf, size_t len, double p)
{
	if (!isfinite(p))
		snprintf(buf, len, "-");
	else if (p < 0.001)
		snprintf(buf, len, "<0.001");
	else
		snprintf(buf, len, "%.3f", p);
}

/* The noise relative to the reference level (the log-scale sigma is that already). */
static double rel_noise(const struct history_analysis *a)
{
	if (a->log_scale)
		return a->noise;
	return a->ref_level != 0 ? a->noise / fabs(a->ref_level) : NAN;
}

/* Series bounds of segment k (0 .. ncps): [*from, *to). */
static void segment(const struct history_metric *m, size_t k, size_t *from, size_t *to)
{
	*from = k ? m->a.cps[k - 1].index : 0;
	*to = k < m->a.ncps ? m->a.cps[k].index : m->nseries;
}

/* The change at change point k: median of the segment it starts over the one before, - 1. */
static double cp_change(const struct history_metric *m, size_t k)
{
	size_t f0, t0, f1, t1;

	segment(m, k, &f0, &t0);
	segment(m, k + 1, &f1, &t1);
	return stats_median(m->series + f1, t1 - f1) / stats_median(m->series + f0, t0 - f0) -
	       1;
}

/* "run 12 +10.3%, run 30 -4.1%" (run numbers over all runs, 1-based). */
static void cell_cps(char *buf, size_t len, const struct history_metric *m)
{
	size_t k, used = 0;
	int w;

	buf[0] = 0;
	if (!m->a.ncps) {
		snprintf(buf, len, "-");
		return;
	}
	for (k = 0; k < m->a.ncps && used < len; k++) {
		w = snprintf(buf + used, len - used, "%srun %zu %+.1f%%", k ? ", " : "",
			     m->run_of[m->a.cps[k].index] + 1, 100 * cp_change(m, k));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

struct cells {
	char runs[16], newest[CELL], ref[CELL], change[CELL], noise[CELL], mde[CELL], p[CELL],
	    cps[256];
};

static void fill_cells(const struct history_metric *m, struct cells *c)
{
	const struct history_analysis *a = &m->a;

	snprintf(c->runs, sizeof(c->runs), "%zu", m->nseries);
	cell_value(c->newest, sizeof(c->newest), a->status == HISTORY_MISSING ? NAN : a->newest,
		   m->unit);
	cell_value(c->ref, sizeof(c->ref), a->ref_level, m->unit);
	cell_pct(c->change, sizeof(c->change), a->change, 1);
	if (isfinite(rel_noise(a)))
		snprintf(c->noise, sizeof(c->noise), "±%.1f%%", 100 * rel_noise(a));
	else
		snprintf(c->noise, sizeof(c->noise), "-");
	cell_pct(c->mde, sizeof(c->mde), a->mde, 0);
	cell_p(c->p, sizeof(c->p), a->p);
	cell_cps(c->cps, sizeof(c->cps), m);
}

static const char *outcome(const struct history *h)
{
	return h->count[HISTORY_REGRESSED] ? "FAIL" : "PASS";
}

static void counts(char *buf, size_t len, const struct history *h)
{
	snprintf(buf, len, "%zu regressed, %zu improved, %zu stable, %zu short, %zu missing",
		 h->count[HISTORY_REGRESSED], h->count[HISTORY_IMPROVED],
		 h->count[HISTORY_STABLE], h->count[HISTORY_SHORT], h->count[HISTORY_MISSING]);
}

static const struct history_run *newest_run(const struct history *h)
{
	return &h->runs[h->nruns - 1];
}

/* --- text --- */

static int history_text(const struct history *h, FILE *out)
{
	const struct history_run *last = newest_run(h);
	struct cells c;
	size_t i, w = 6;
	char buf[160];

	counts(buf, sizeof(buf), h);
	fprintf(out, "nodeperf history: %s  %s\n", outcome(h), buf);
	fprintf(out, "label %s  suite %s  %zu runs  %s .. %s\n", *h->label ? h->label : "-",
		h->suite, h->nruns, h->runs[0].started, last->started);
	fprintf(out, "newest %s (%s)\n", last->path, last->id);
	if (h->left_out)
		fprintf(out, "left out %zu file%s of other labels\n", h->left_out,
			h->left_out == 1 ? "" : "s");
	fprintf(out,
		"alpha %g, power %.1f, %u permutations, seed %llu, change points gate for %zu runs\n\n",
		h->o.alpha, HISTORY_POWER, h->o.permutations, (unsigned long long)h->o.seed,
		h->o.recent);
	for (i = 0; i < h->nmetrics; i++)
		if (strlen(h->metrics[i].name) > w)
			w = strlen(h->metrics[i].name);
	fprintf(out, "%-*s  %-4s %4s %10s %10s %7s %6s %6s %6s  %-9s  %s\n", (int)w, "metric", "stat",
		"runs", "newest", "reference", "change", "noise", "MDE", "p", "status",
		"change points");
	for (i = 0; i < h->nmetrics; i++) {
		fill_cells(&h->metrics[i], &c);
		/* "±" is two bytes and one column */
		fprintf(out, "%-*s  %-4s %4s %10s %10s %7s %*s %6s %6s  %-9s  %s\n", (int)w,
			h->metrics[i].name, h->metrics[i].stat, c.runs, c.newest, c.ref, c.change,
			strstr(c.noise, "±") ? 7 : 6, c.noise, c.mde, c.p,
			history_status_name(h->metrics[i].a.status), c.cps);
	}
	for (i = 0; i < h->nmetrics; i++)
		if (h->metrics[i].a.status == HISTORY_REGRESSED ||
		    h->metrics[i].a.status == HISTORY_IMPROVED)
			fprintf(out, "\n%s %s: %s", history_status_name(h->metrics[i].a.status),
				h->metrics[i].name, h->metrics[i].a.why);
	if (h->count[HISTORY_REGRESSED] || h->count[HISTORY_IMPROVED])
		fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

/* --- Markdown --- */

static void md_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("|\\`*_<>[]", *s))
			fputc('\\', out);
		fputc(*s, out);
	}
}

static int history_md(const struct history *h, FILE *out)
{
	const struct history_run *last = newest_run(h);
	struct cells c;
	char buf[160];
	size_t i;

	counts(buf, sizeof(buf), h);
	fprintf(out, "## nodeperf history: %s\n\n%s\n\n", outcome(h), buf);
	fputs("Label `", out);
	fputs(*h->label ? h->label : "-", out);
	fprintf(out, "`, suite `%s`, %zu runs from %s to %s; newest `", h->suite, h->nruns,
		h->runs[0].started, last->started);
	fputs(last->id, out);
	fprintf(out,
		"`. Alpha %g, power %.1f, %u permutations, seed %llu; change points gate for %zu "
		"runs.\n\n",
		h->o.alpha, HISTORY_POWER, h->o.permutations, (unsigned long long)h->o.seed,
		h->o.recent);
	fputs("| metric | stat | runs | newest | reference | change | noise | MDE | p | status | "
	      "change points |\n|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|\n",
	      out);
	for (i = 0; i < h->nmetrics; i++) {
		fill_cells(&h->metrics[i], &c);
		fputs("| ", out);
		md_text(out, h->metrics[i].name);
		fprintf(out, " | %s | %s | %s | %s | %s | %s | %s | %s | %s%s%s | %s |\n",
			h->metrics[i].stat, c.runs, c.newest, c.ref, c.change, c.noise, c.mde, c.p,
			h->metrics[i].a.status == HISTORY_REGRESSED ? "**" : "",
			history_status_name(h->metrics[i].a.status),
			h->metrics[i].a.status == HISTORY_REGRESSED ? "**" : "", c.cps);
	}
	for (i = 0; i < h->nmetrics; i++)
		if (h->metrics[i].a.status == HISTORY_REGRESSED ||
		    h->metrics[i].a.status == HISTORY_IMPROVED) {
			fprintf(out, "%s- **%s** ", i ? "" : "\n",
				history_status_name(h->metrics[i].a.status));
			md_text(out, h->metrics[i].name);
			fputs(": ", out);
			md_text(out, h->metrics[i].a.why);
			fputc('\n', out);
		}
	return ferror(out) ? -EIO : 0;
}

/* --- JSON --- */

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *json_runs(const struct history *h)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < h->nruns; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "path", h->runs[i].path, "id",
						   h->runs[i].id, "started", h->runs[i].started));
	return a;
}

static json_t *json_cps(const struct history_metric *m)
{
	json_t *a = json_array();
	size_t k;

	for (k = 0; a && k < m->a.ncps; k++)
		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o}", "run",
						   (json_int_t)(m->run_of[m->a.cps[k].index] + 1),
						   "change", num(cp_change(m, k)), "q",
						   num(m->a.cps[k].q), "p", num(m->a.cps[k].p)));
	return a;
}

static json_t *json_metric(const struct history *h, const struct history_metric *m)
{
	const struct history_analysis *a = &m->a;
	json_t *v = json_array(), *o;
	size_t i;

	for (i = 0; v && i < h->nruns; i++)
		json_array_append_new(v, num(m->v[i]));
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:b}", "name", m->name, "unit",
		      m->unit, "better", m->better == BETTER_LOWER ? "lower" : "higher", "stat",
		      m->stat, "values", v, "status", history_status_name(a->status), "why",
		      a->why, "change_points", json_cps(m), "log_scale", a->log_scale);
	if (o && a->status != HISTORY_MISSING && a->nref) {
		json_object_set_new(o, "reference",
				    json_pack("{s:I, s:I, s:o}", "first_run",
					      (json_int_t)(m->run_of[a->ref_from] + 1), "last_run",
					      (json_int_t)(m->run_of[a->ref_to - 1] + 1), "level",
					      num(a->ref_level)));
		json_object_set_new(o, "newest", num(a->newest));
		json_object_set_new(o, "change", num(a->change));
		json_object_set_new(o, "noise", num(rel_noise(a)));
		json_object_set_new(o, "df", num(a->df));
		json_object_set_new(o, "t", num(a->t));
		json_object_set_new(o, "p", num(a->p));
		json_object_set_new(o, "mde", num(a->mde));
	}
	return o;
}

static int history_json(const struct history *h, FILE *out)
{
	json_t *doc, *ms = json_array(), *cnt = json_object();
	size_t i;
	int rc;

	for (i = 0; ms && i < h->nmetrics; i++)
		json_array_append_new(ms, json_metric(h, &h->metrics[i]));
	for (i = 0; cnt && i < HISTORY_STATUS_COUNT; i++)
		json_object_set_new(cnt, history_status_name((enum history_status)i),
				    json_integer((json_int_t)h->count[i]));
	doc = json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
			"schema", "nodeperf/history/v1", "outcome", outcome(h), "label", h->label,
			"suite", h->suite, "alpha", h->o.alpha, "power", HISTORY_POWER,
			"permutations", (json_int_t)h->o.permutations, "seed",
			(json_int_t)h->o.seed, "recent", (json_int_t)h->o.recent, "min_segment",
			(json_int_t)h->o.min_segment, "left_out", (json_int_t)h->left_out, "counts",
			cnt, "runs", json_runs(h), "metrics", ms);
	if (!doc)
		return -ENOMEM;
	rc = json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	fputc('\n', out);
	return rc || ferror(out) ? -EIO : 0;
}

/* --- HTML with one SVG per metric --- */

#define SVG_W 680
#define SVG_H 260
#define SVG_L 78
#define SVG_R 20
#define SVG_T 24
#define SVG_B 40
#define COL_POINT "#1f6fb4"
#define COL_WORSE "#c62828"
#define COL_BETTER "#2e7d32"

static const char html_style[] =
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}\n"
    "h1{font-size:22px}h2{font-size:17px;margin:24px 0 4px}\n"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px "
    "8px;text-align:left}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".FAIL{color:#fff;background:#c62828;padding:0 8px}.PASS{color:#fff;background:#2e7d32;"
    "padding:0 8px}\n"
    ".regressed{color:#c62828;font-weight:bold}.improved{color:#2e7d32}.short,.missing{color:"
    "#6a1b9a}.stable{color:#555}\n"
    "svg text{font:12px system-ui,sans-serif;fill:#333}\n"
    "</style>\n";

/* The plot's mapping from run index and value to pixels. */
struct plot {
	size_t nruns;
	double lo, hi;
	int log_y;
};

static double px(const struct plot *p, double run)
{
	double span = p->nruns > 1 ? (double)(p->nruns - 1) : 1;

	return SVG_L + (SVG_W - SVG_L - SVG_R) * (p->nruns > 1 ? run / span : 0.5);
}

static double py(const struct plot *p, double v)
{
	double f = (v - p->lo) / (p->hi - p->lo);

	return SVG_T + (SVG_H - SVG_T - SVG_B) * (1 - f);
}

/* The band where the newest run was expected: the reference's level +- the test's critical step. */
static int noise_band(const struct history *h, const struct history_metric *m, double *lo,
		      double *hi)
{
	const struct history_analysis *a = &m->a;
	double half;

	if (a->status == HISTORY_MISSING || !(a->df >= 1) || !a->nref || !isfinite(a->noise))
		return 0;
	half = stats_t_quantile(1 - h->o.alpha / 2, a->df) * a->noise *
	       sqrt(1.0 + 1.0 / (double)a->nref);
	*lo = a->log_scale ? exp(a->ref_center - half) : a->ref_center - half;
	*hi = a->log_scale ? exp(a->ref_center + half) : a->ref_center + half;
	return 1;
}

static void plot_range(const struct history *h, const struct history_metric *m, struct plot *p)
{
	double lo = INFINITY, hi = -INFINITY, blo, bhi, pad;
	size_t i;

	for (i = 0; i < m->nseries; i++) {
		lo = fmin(lo, m->series[i]);
		hi = fmax(hi, m->series[i]);
	}
	if (noise_band(h, m, &blo, &bhi)) {
		lo = fmin(lo, blo);
		hi = fmax(hi, bhi);
	}
	if (!(hi > lo)) {
		pad = fabs(lo) > 0 ? 0.05 * fabs(lo) : 1;
		lo -= pad;
		hi += pad;
	}
	pad = 0.08 * (hi - lo);
	p->nruns = h->nruns;
	p->lo = lo - pad;
	p->hi = hi + pad;
}

static size_t tick_step(size_t n)
{
	static const size_t steps[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000 };
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (n / steps[i] <= 10)
			return steps[i];
	return n / 10 + 1;
}

static void svg_axes(FILE *out, const struct plot *p, const char *unit)
{
	char lab[CELL];
	size_t r, step = tick_step(p->nruns);
	double v, y;
	int i;

	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		     "stroke=\"#bbb\"/>\n",
		SVG_L, SVG_T, SVG_W - SVG_L - SVG_R, SVG_H - SVG_T - SVG_B);
	for (i = 0; i <= 4; i++) {
		v = p->lo + (p->hi - p->lo) * i / 4.0;
		y = py(p, v);
		cell_value(lab, sizeof(lab), v, unit);
		fprintf(out,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			SVG_L, SVG_W - SVG_R, y, y, SVG_L - 6, y + 4, lab);
	}
	for (r = 0; r < p->nruns; r += step)
		fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%zu</text>\n",
			px(p, (double)r), SVG_H - SVG_B + 16, r + 1);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">run (oldest first)</text>\n",
		(SVG_L + SVG_W - SVG_R) / 2, SVG_H - 6);
}

/* Segment medians as level lines, change points as dashed verticals. */
static void svg_segments(FILE *out, const struct plot *p, const struct history_metric *m)
{
	size_t k, from, to;
	double level, x, ch;
	const char *col;

	for (k = 0; k <= m->a.ncps; k++) {
		segment(m, k, &from, &to);
		level = stats_median(m->series + from, to - from);
		fprintf(out,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" "
			"stroke-width=\"2\"/>\n",
			px(p, (double)m->run_of[from]), px(p, (double)m->run_of[to - 1]),
			py(p, level), py(p, level));
	}
	for (k = 0; k < m->a.ncps; k++) {
		ch = cp_change(m, k);
		col = (m->better == BETTER_LOWER) == (ch > 0) ? COL_WORSE : COL_BETTER;
		x = px(p, (double)m->run_of[m->a.cps[k].index] - 0.5);
		fprintf(out,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
			"stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" style=\"fill:%s\">%+.1f%% "
			"p=%.3f</text>\n",
			x, x, SVG_T, SVG_H - SVG_B, col, x > 0.7 * SVG_W ? x - 4 : x + 4, SVG_T + 14,
			x > 0.7 * SVG_W ? "end" : "start", col, 100 * ch, m->a.cps[k].p);
	}
}

static const char *status_colour(enum history_status s)
{
	return s == HISTORY_REGRESSED ? COL_WORSE : s == HISTORY_IMPROVED ? COL_BETTER : COL_POINT;
}

static void svg_points(FILE *out, const struct history *h, const struct plot *p,
		       const struct history_metric *m)
{
	char lab[CELL];
	size_t i, r;

	fputs("<polyline fill=\"none\" stroke=\"#9bb8d3\" stroke-width=\"1.5\" points=\"", out);
	for (i = 0; i < m->nseries; i++)
		fprintf(out, "%s%.1f,%.1f", i ? " " : "", px(p, (double)m->run_of[i]),
			py(p, m->series[i]));
	fputs("\"/>\n", out);
	for (i = 0; i < m->nseries; i++) {
		r = m->run_of[i];
		cell_value(lab, sizeof(lab), m->series[i], m->unit);
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"><title>run %zu ",
			px(p, (double)r), py(p, m->series[i]), r + 1 == h->nruns ? 6 : 3,
			r + 1 == h->nruns ? status_colour(m->a.status) : COL_POINT, r + 1);
		report_xml_put(out, h->runs[r].started);
		fprintf(out, ": %s (", lab);
		report_xml_put(out, h->runs[r].id);
		fputs(")</title></circle>\n", out);
	}
}

static void svg_metric(FILE *out, const struct history *h, const struct history_metric *m)
{
	struct plot p;
	double blo, bhi;
	size_t from;

	plot_range(h, m, &p);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\">\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	svg_axes(out, &p, m->unit);
	if (noise_band(h, m, &blo, &bhi)) {
		from = m->run_of[m->a.ref_from];
		fprintf(out,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
			"fill-opacity=\"0.15\"><title>where the newest run was expected (alpha "
			"%g)</title></rect>\n",
			px(&p, (double)from), py(&p, bhi),
			px(&p, (double)(h->nruns - 1)) - px(&p, (double)from) + 1,
			py(&p, blo) - py(&p, bhi), COL_POINT, h->o.alpha);
	}
	if (m->nseries)
		svg_segments(out, &p, m);
	svg_points(out, h, &p, m);
	fputs("</svg>\n", out);
}

static void html_table(FILE *out, const struct history *h)
{
	static const char *const heads[] = { "metric", "stat",	"runs", "newest",
					     "reference", "change", "noise", "MDE",
					     "p",	 "status", "change points" };
	struct cells c;
	size_t i;

	fputs("<table><tr>", out);
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		fprintf(out, "<th>%s</th>", heads[i]);
	fputs("</tr>\n", out);
	for (i = 0; i < h->nmetrics; i++) {
		fill_cells(&h->metrics[i], &c);
		fputs("<tr><td><a href=\"#m", out);
		fprintf(out, "%zu\">", i);
		report_xml_put(out, h->metrics[i].name);
		fprintf(out,
			"</a></td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			"<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			"<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"%s\">%s</td><td>%s"
			"</td></tr>\n",
			h->metrics[i].stat, c.runs, c.newest, c.ref, c.change, c.noise, c.mde, c.p,
			history_status_name(h->metrics[i].a.status),
			history_status_name(h->metrics[i].a.status), c.cps);
	}
	fputs("</table>\n", out);
}

static int history_html(const struct history *h, FILE *out)
{
	const struct history_metric *m;
	char buf[160];
	size_t i;

	counts(buf, sizeof(buf), h);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>nodeperf history ",
	      out);
	report_xml_put(out, h->label);
	fprintf(out, "</title>\n%s</head><body>\n<h1>nodeperf history <span class=\"%s\">%s</span></h1>\n",
		html_style, outcome(h), outcome(h));
	fprintf(out, "<p>%s</p>\n<p>Label <code>", buf);
	report_xml_put(out, *h->label ? h->label : "-");
	fputs("</code>, suite <code>", out);
	report_xml_put(out, h->suite);
	fprintf(out, "</code>, %zu runs from ", h->nruns);
	report_xml_put(out, h->runs[0].started);
	fputs(" to ", out);
	report_xml_put(out, newest_run(h)->started);
	fprintf(out,
		". Change points: E-divisive means, %u permutations (seed %llu), alpha %g; the "
		"shaded band is where the newest run was expected from the reference segment's "
		"noise.</p>\n",
		h->o.permutations, (unsigned long long)h->o.seed, h->o.alpha);
	html_table(out, h);
	for (i = 0; i < h->nmetrics; i++) {
		m = &h->metrics[i];
		fprintf(out, "<h2 id=\"m%zu\">", i);
		report_xml_put(out, m->name);
		fprintf(out, " <span class=\"%s\">%s</span></h2>\n<p>", history_status_name(m->a.status),
			history_status_name(m->a.status));
		report_xml_put(out, m->a.why);
		fputs("</p>\n", out);
		svg_metric(out, h, m);
	}
	fputs("</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}

int history_report(const struct history *h, enum history_format f, FILE *out)
{
	switch (f) {
	case HISTORY_MD:
		return history_md(h, out);
	case HISTORY_JSON:
		return history_json(h, out);
	case HISTORY_HTML:
		return history_html(h, out);
	default:
		return history_text(h, out);
	}
}
