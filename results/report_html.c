/* report_html.c - one self-contained HTML page: inline SVG CDFs and a delta chart. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "results/configdiff.h"
#include "results/report.h"
#include "results/thresholds.h"

#define COL_BASE "#1f6fb4"
#define COL_CAND "#e8710a"

/* Delta chart geometry (px). */
#define DC_LABEL 300
#define DC_PLOT	 520
#define DC_ROW	 22
#define DC_TOP	 28

/* CDF plot geometry (px). */
#define CDF_W 600
#define CDF_H 300
#define CDF_L 64
#define CDF_R 16
#define CDF_T 24
#define CDF_B 40
/* The y axis reads in nines: 0, 90%, 99%, ... up to 1 - 10^-CDF_NINES. */
#define CDF_NINES 4

static const char *verdict_class(enum verdict v, int limit)
{
	return limit ? "regressed" : verdict_name(v);
}

static const char style[] =
    "<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}\n"
    "h1{font-size:22px}h2{font-size:18px;margin-top:28px}\n"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px "
    "8px;text-align:left}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:13px}\n"
    ".FAIL{color:#fff;background:#c62828;padding:0 "
    "8px}.PASS{color:#fff;background:#2e7d32;padding:0 8px}\n"
    ".regressed{color:#c62828;font-weight:bold}.improved{color:#2e7d32}.noisy{color:#b26a00}\n"
    ".missing,.new{color:#6a1b9a}.unchanged{color:#555}\n"
    "figure{display:inline-block;margin:8px 16px 8px 0}figcaption{font-weight:bold}\n"
    "svg text{font:12px system-ui,sans-serif;fill:#333}\n"
    "</style>\n";

static const char *bar_colour(enum verdict v, int limit)
{
	if (limit || v == VERDICT_REGRESSED)
		return "#c62828";
	if (v == VERDICT_IMPROVED)
		return "#2e7d32";
	if (v == VERDICT_NOISY)
		return "#e0a030";
	return "#8a8a8a";
}

/* Horizontal bars of the relative change per check, the allowed band shaded. */
static void delta_chart(const struct comparison *c, FILE *out)
{
	const struct cmp_metric *m;
	const struct cmp_check *ck;
	double range = 0.1, x0, x1, ch, y;
	size_t i, j, rows = 0, r = 0;
	char lab[REPORT_CELL];

	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		for (j = 0; j < m->nchecks; j++) {
			ck = &m->checks[j];
			rows++;
			if (isfinite(ck->change))
				range = fmax(range, fabs(ck->change));
			if (!ck->rule->off)
				range = fmax(range, ck->rule->change);
		}
	}
	if (!rows) {
		fputs("<p>No statistic was compared.</p>\n", out);
		return;
	}
	/* Past 100% the bars are clipped and say so. */
	range = fmin(range * 1.15, 1.0);
#define X(v) (DC_LABEL + DC_PLOT / 2.0 + (v) / range * (DC_PLOT / 2.0))
	fprintf(out,
		"<svg width=\"%d\" height=\"%zu\" role=\"img\" aria-label=\"relative change per "
		"statistic\">\n",
		DC_LABEL + DC_PLOT + 90, DC_TOP + rows * DC_ROW + 8);
	fprintf(out,
		"<text x=\"%d\" y=\"16\">candidate vs baseline, relative change of the median "
		"(shaded: allowed)</text>\n",
		DC_LABEL);
	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		for (j = 0; j < m->nchecks; j++, r++) {
			ck = &m->checks[j];
			y = DC_TOP + (double)r * DC_ROW;
			fputs("<text x=\"4\" y=\"", out);
			fprintf(out, "%.1f\">", y + 15);
			report_xml_put(out, m->name);
			fprintf(out, " %s</text>\n", ck->stat);
			if (!ck->rule->off)
				fprintf(out,
					"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
					"fill=\"#eaeaea\"/>\n",
					X(-fmin(ck->rule->change, range)), y + 2,
					X(fmin(ck->rule->change, range)) -
					    X(-fmin(ck->rule->change, range)),
					DC_ROW - 4);
			if (isnan(ck->change))
				continue;
			ch = fmax(fmin(ck->change, range), -range);
			x0 = fmin(X(0), X(ch));
			x1 = fmax(X(0), X(ch));
			fprintf(out,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
				"fill=\"%s\"/>\n",
				x0, y + 5, fmax(x1 - x0, 1), DC_ROW - 10,
				bar_colour(ck->verdict, ck->limit_broken));
			report_change(lab, sizeof(lab), ck->change);
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">%s%s</text>\n",
				fmax(x1, X(0)) + 4, y + 15, lab,
				fabs(ck->change) > range ? " (clipped)" : "");
		}
	}
	fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%zu\" stroke=\"#333\"/>\n", X(0),
		DC_TOP, X(0), DC_TOP + rows * DC_ROW);
	fprintf(out,
		"<text x=\"%d\" y=\"%zu\">-%.0f%%</text><text x=\"%d\" y=\"%zu\">+%.0f%%</text>\n",
		DC_LABEL, DC_TOP + rows * DC_ROW + 6, 100 * range, DC_LABEL + DC_PLOT - 30,
		DC_TOP + rows * DC_ROW + 6, 100 * range);
	fputs("</svg>\n", out);
#undef X
}

/* --- CDFs --- */

struct span {
	double lo, hi;
};

static void hist_span(const struct hist *h, struct span *s)
{
	if (!h || !h->count)
		return;
	s->lo = fmin(s->lo, (double)(h->min ? h->min : 1));
	s->hi = fmax(s->hi, (double)h->max);
}

static double cdf_x(double v, const struct span *s)
{
	double f = (log10(fmax(v, s->lo)) - log10(s->lo)) / (log10(s->hi) - log10(s->lo));

	return CDF_L + f * (CDF_W - CDF_L - CDF_R);
}

/* Fraction F on the nines scale: 0 at the bottom, 1 - 10^-CDF_NINES at the top. */
static double cdf_y(double f)
{
	double nines = f >= 1 ? CDF_NINES : fmin(-log10(1 - f), CDF_NINES);

	return CDF_H - CDF_B - nines / CDF_NINES * (CDF_H - CDF_T - CDF_B);
}

static void cdf_line(const struct hist *h, const struct span *s, const char *colour, FILE *out)
{
	uint64_t seen = 0, v;
	double prev_y = cdf_y(0);
	unsigned i;

	if (!h || !h->count)
		return;
	fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
	for (i = 0; i < HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		seen += h->buckets[i];
		v = hist_bucket_hi(i);
		v = v > h->max ? h->max : v < h->min ? h->min : v;
		/* A step: along at the old height, then up to the new one. */
		fprintf(out, "%.1f,%.1f %.1f,%.1f ", cdf_x((double)v, s), prev_y,
			cdf_x((double)v, s), cdf_y((double)seen / (double)h->count));
		prev_y = cdf_y((double)seen / (double)h->count);
	}
	fputs("\"/>\n", out);
}

static void x_tick(double v, const struct span *s, const char *unit, FILE *out)
{
	char lab[REPORT_CELL];
	double x = cdf_x(v, s);

	report_value(lab, sizeof(lab), v, unit);
	fprintf(out,
		"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e3e3\"/>"
		"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		x, CDF_T, x, CDF_H - CDF_B, x, CDF_H - CDF_B + 16, lab);
}

static void cdf_axes(const struct span *s, const char *unit, FILE *out)
{
	static const char *const nines[] = { "0", "90%", "99%", "99.9%", "99.99%" };
	double step, mag;
	long k;

	fprintf(
	    out,
	    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
	    CDF_L, CDF_T, CDF_W - CDF_L - CDF_R, CDF_H - CDF_T - CDF_B);
	for (k = 0; k <= CDF_NINES; k++) {
		double y = cdf_y(1 - pow(10, (double)-k));

		fprintf(out,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			CDF_L, y, CDF_W - CDF_R, y, CDF_L - 6, y + 4, nines[k]);
	}
	/* Decades over a wide span; over a narrow one, about five round steps (1, 2 or 5 x 10^k).
	 */
	if (s->hi / s->lo > 20) {
		for (k = (long)ceil(log10(s->lo)); pow(10, (double)k) <= s->hi; k++)
			x_tick(pow(10, (double)k), s, unit, out);
		return;
	}
	step = (s->hi - s->lo) / 5;
	mag = pow(10, floor(log10(step)));
	step = mag * (step / mag < 1.5 ? 1 : step / mag < 3.5 ? 2 : 5);
	for (k = (long)ceil(s->lo / step); (double)k * step <= s->hi; k++)
		x_tick((double)k * step, s, unit, out);
}

static void cdf_plot(const struct cmp_metric *m, FILE *out)
{
	struct span s = { INFINITY, 0 };

	hist_span(m->base_hist, &s);
	hist_span(m->cand_hist, &s);
	if (!isfinite(s.lo) || s.hi <= 0)
		return;
	if (s.hi <= s.lo * 1.01)
		s.hi = s.lo * 1.5;
	s.lo /= 1.05;
	fputs("<figure><figcaption>", out);
	report_xml_put(out, m->name);
	fprintf(out, " <span class=\"%s\">%s</span></figcaption>\n",
		verdict_class(m->verdict, m->limit_broken), verdict_name(m->verdict));
	fprintf(out, "<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"CDF of ", CDF_W,
		CDF_H);
	report_xml_put(out, m->name);
	fputs("\">\n", out);
	cdf_axes(&s, m->unit, out);
	cdf_line(m->base_hist, &s, COL_BASE, out);
	cdf_line(m->cand_hist, &s, COL_CAND, out);
	fprintf(out,
		"<line x1=\"%d\" y1=\"12\" x2=\"%d\" y2=\"12\" stroke=\"%s\" stroke-width=\"3\"/>"
		"<text x=\"%d\" y=\"16\">baseline</text>"
		"<line x1=\"%d\" y1=\"12\" x2=\"%d\" y2=\"12\" stroke=\"%s\" stroke-width=\"3\"/>"
		"<text x=\"%d\" y=\"16\">candidate</text>\n",
		CDF_L, CDF_L + 20, COL_BASE, CDF_L + 26, CDF_L + 110, CDF_L + 130, COL_CAND,
		CDF_L + 136);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s (log scale)</text>\n",
		(CDF_W + CDF_L) / 2, CDF_H - 6, m->unit);
	fputs("</svg></figure>\n", out);
}

/* --- tables --- */

static void sides(const struct comparison *c, FILE *out)
{
	static const struct {
		const char *name, *path;
	} rows[] = {
		{ "kernel", "kernel/release" },
		{ "OS", "os/pretty_name" },
		{ "CPU", "cpu/model" },
		{ "hosts", "hostname" },
	};
	char b[256], k[256];
	size_t i;

	report_side(b, sizeof(b), &c->base);
	report_side(k, sizeof(k), &c->cand);
	fputs(
	    "<table><tr><th></th><th>baseline</th><th>candidate</th></tr>\n<tr><td>label</td><td>",
	    out);
	report_xml_put(out, b);
	fputs("</td><td>", out);
	report_xml_put(out, k);
	fputs("</td></tr>\n", out);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		report_node_field(b, sizeof(b), &c->base, rows[i].path);
		report_node_field(k, sizeof(k), &c->cand, rows[i].path);
		fprintf(out, "<tr><td>%s</td><td>", rows[i].name);
		report_xml_put(out, b);
		fputs("</td><td>", out);
		report_xml_put(out, k);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void metrics_table(const struct comparison *c, FILE *out)
{
	char cell[6][REPORT_CELL];
	const struct cmp_metric *m;
	const struct cmp_check *ck;
	size_t i, j;

	fputs("<table><tr><th>metric</th><th>stat</th><th>baseline</th><th>candidate</th>"
	      "<th>change</th><th>p</th><th>allowed</th><th>mde</th><th>verdict</th><th>why</th></tr>\n",
	      out);
	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		if (!m->nchecks) {
			fputs("<tr><td><code>", out);
			report_xml_put(out, m->name);
			fprintf(out,
				"</code></td><td colspan=\"7\"></td><td class=\"%s\">%s</td><td>",
				verdict_name(m->verdict), verdict_name(m->verdict));
			report_xml_put(out, m->verdict == VERDICT_NEW ? "not in the baseline"
				   : m->skip_reason	     ? m->skip_reason
							     : "not in the candidate");
			fputs("</td></tr>\n", out);
			continue;
		}
		for (j = 0; j < m->nchecks; j++) {
			ck = &m->checks[j];
			report_value(cell[0], REPORT_CELL, ck->base, m->unit);
			report_value(cell[1], REPORT_CELL, ck->cand, m->unit);
			report_change(cell[2], REPORT_CELL, ck->change);
			report_p(cell[3], REPORT_CELL, ck->p);
			report_allowed(cell[4], REPORT_CELL, ck, m->unit);
			report_mde(cell[5], REPORT_CELL, ck->mde);
			fputs("<tr><td><code>", out);
			report_xml_put(out, m->name);
			fprintf(
			    out,
			    "</code></td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			    "<td class=\"n\">%s</td><td class=\"n\">",
			    ck->stat, cell[0], cell[1], cell[2]);
			report_xml_put(out, cell[3]);
			fprintf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"%s\">%s%s</td><td>",
				cell[4], cell[5], verdict_class(ck->verdict, ck->limit_broken),
				verdict_name(ck->verdict),
				ck->limit_broken ? ", limit broken" : "");
			report_xml_put(out, ck->why);
			fputs("</td></tr>\n", out);
		}
	}
	fputs("</table>\n", out);
}

static void explanations(const struct comparison *c, FILE *out)
{
	const struct cfgdiff_item **items;
	const struct cmp_metric *m;
	size_t i, j, n;

	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		if (m->verdict != VERDICT_REGRESSED && !m->limit_broken)
			continue;
		items = report_explain(c, m, &n);
		fputs("<p><code>", out);
		report_xml_put(out, m->name);
		fputs("</code>: configuration <code>", out);
		report_xml_put(out, cfgdiff_area_of(m->name)->family);
		fputs(n ? "</code> that may explain it:</p>\n<ul>\n"
			: "</code>: no difference in its areas</p>\n",
		      out);
		for (j = 0; j < n; j++) {
			fputs("<li><code>", out);
			report_xml_put(out, items[j]->key);
			fputs("</code> ", out);
			report_xml_put(out, items[j]->base ? items[j]->base : "(not recorded)");
			fputs(" &rarr; ", out);
			report_xml_put(out, items[j]->cand ? items[j]->cand : "(not recorded)");
			fputs("</li>\n", out);
		}
		if (n)
			fputs("</ul>\n", out);
		free(items);
	}
}

/* What fails the gate besides the verdicts, and what the verdicts could not see. */
static void gate(const struct comparison *c, FILE *out)
{
	const char *allowed;
	char what[512];
	size_t i, n = report_gate_count(c);

	if (n)
		fputs("<h2>What the gate could not check</h2>\n<ul>\n", out);
	for (i = 0; i < n; i++) {
		report_gate_item(c, i, what, sizeof(what), &allowed);
		if (allowed) {
			fputs("<li>allowed (<code>--allow-missing ", out);
			report_xml_put(out, allowed);
			fputs("</code>): ", out);
		} else {
			fputs("<li><span class=\"regressed\">fails the gate</span>: ", out);
		}
		report_xml_put(out, what);
		fputs("</li>\n", out);
	}
	if (n)
		fputs("</ul>\n", out);
	report_blind(what, sizeof(what), c);
	if (what[0]) {
		fputs("<p>Sensitivity: ", out);
		report_xml_put(out, what);
		fputs(".</p>\n", out);
	}
}

static void config(const struct comparison *c, FILE *out)
{
	size_t i;

	fprintf(out, "<h2>Configuration differences (%zu)</h2>\n", c->cfg->n);
	if (!c->cfg->n) {
		fputs("<p>None.</p>\n", out);
		return;
	}
	fputs("<table><tr><th>setting</th><th>baseline</th><th>candidate</th></tr>\n", out);
	for (i = 0; i < c->cfg->n; i++) {
		fputs("<tr><td><code>", out);
		report_xml_put(out, c->cfg->items[i].key);
		fputs("</code></td><td>", out);
		report_xml_put(out, c->cfg->items[i].base ? c->cfg->items[i].base : "(not recorded)");
		fputs("</td><td>", out);
		report_xml_put(out, c->cfg->items[i].cand ? c->cfg->items[i].cand : "(not recorded)");
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

int report_html(const struct comparison *c, FILE *out)
{
	char counts[256];
	size_t i;

	report_counts(counts, sizeof(counts), c);
	fprintf(out,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<title>nodeperf compare: %s</title>\n%s</head><body>\n",
		report_outcome(c), style);
	fprintf(out,
		"<h1>nodeperf compare: <span class=\"%s\">%s</span></h1>\n<p>%s; alpha %g, "
		"thresholds <code>",
		report_outcome(c), report_outcome(c), counts, c->alpha);
	report_xml_put(out, c->th->path);
	fputs("</code></p>\n", out);
	sides(c, out);
	gate(c, out);
	explanations(c, out);
	fputs("<h2>Change per statistic</h2>\n", out);
	delta_chart(c, out);
	fputs("<h2>Metrics</h2>\n", out);
	metrics_table(c, out);
	fputs("<h2>Distributions</h2>\n<p>Cumulative distribution of every sample of each side "
	      "(histograms "
	      "merged over its files); x on a log scale, y on a nines scale.</p>\n",
	      out);
	for (i = 0; i < c->nmetrics; i++)
		cdf_plot(&c->metrics[i], out);
	config(c, out);
	fputs("</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}
