/* report_text.c - the comparison as an aligned terminal table, colour only when asked. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "results/configdiff.h"
#include "results/report.h"
#include "results/thresholds.h"

enum { C_METRIC, C_STAT, C_BASE, C_CAND, C_CHANGE, C_P, C_ALLOWED, C_MDE, C_VERDICT, NCOL };

static const char *const heads[NCOL] = { "metric", "stat",    "baseline", "candidate", "change",
					 "p",	   "allowed", "mde",	  "verdict" };

#define RED	"\033[31m"
#define GREEN	"\033[32m"
#define YELLOW	"\033[33m"
#define MAGENTA "\033[35m"
#define BOLD	"\033[1m"
#define RESET	"\033[0m"

static const char *verdict_colour(enum verdict v, int limit_broken)
{
	if (limit_broken || v == VERDICT_REGRESSED)
		return BOLD RED;
	switch (v) {
	case VERDICT_NOISY:
		return YELLOW;
	case VERDICT_MISSING:
	case VERDICT_NEW:
		return MAGENTA;
	case VERDICT_IMPROVED:
		return GREEN;
	default:
		return "";
	}
}

/* Width on a terminal: UTF-8 continuation bytes take no column. */
static size_t cols(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += (*s & 0xc0) != 0x80;
	return w;
}

struct row {
	char cell[NCOL][REPORT_CELL];
	enum verdict v;
	int limit;
};

static size_t fill_rows(const struct comparison *c, struct row *rows)
{
	const struct cmp_metric *m;
	const struct cmp_check *ck;
	struct row *r;
	size_t i, j, n = 0;

	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		for (j = 0; j < (m->nchecks ? m->nchecks : 1); j++) {
			r = &rows[n++];
			memset(r, 0, sizeof(*r));
			snprintf(r->cell[C_METRIC], REPORT_CELL, "%s", j ? "" : m->name);
			r->v = m->verdict;
			if (!m->nchecks) {
				strcpy(r->cell[C_STAT], "-");
				report_value(r->cell[C_BASE], REPORT_CELL,
					     m->base_hist ? (double)hist_quantile(m->base_hist, 0.5)
							  : NAN,
					     m->unit);
				report_value(r->cell[C_CAND], REPORT_CELL,
					     m->cand_hist ? (double)hist_quantile(m->cand_hist, 0.5)
							  : NAN,
					     m->unit);
				strcpy(r->cell[C_CHANGE], "-");
				strcpy(r->cell[C_P], "-");
				strcpy(r->cell[C_ALLOWED], "-");
				strcpy(r->cell[C_MDE], "-");
				snprintf(r->cell[C_VERDICT], REPORT_CELL, "%s",
					 verdict_name(m->verdict));
				continue;
			}
			ck = &m->checks[j];
			r->v = ck->verdict;
			r->limit = ck->limit_broken;
			snprintf(r->cell[C_STAT], REPORT_CELL, "%s", ck->stat);
			report_value(r->cell[C_BASE], REPORT_CELL, ck->base, m->unit);
			report_value(r->cell[C_CAND], REPORT_CELL, ck->cand, m->unit);
			report_change(r->cell[C_CHANGE], REPORT_CELL, ck->change);
			report_p(r->cell[C_P], REPORT_CELL, ck->p);
			report_allowed(r->cell[C_ALLOWED], REPORT_CELL, ck, m->unit);
			report_mde(r->cell[C_MDE], REPORT_CELL, ck->mde);
			snprintf(r->cell[C_VERDICT], REPORT_CELL, "%s%s", verdict_name(ck->verdict),
				 ck->limit_broken ? ", limit broken" : "");
		}
	}
	return n;
}

static void put_row(FILE *out, char cell[NCOL][REPORT_CELL], const size_t *width,
		    const char *colour)
{
	size_t j, pad;

	for (j = 0; j < NCOL; j++) {
		pad = width[j] - cols(cell[j]);
		fputs(j ? "  " : "", out);
		/* Names, statistics and verdicts read left to right; numbers align right. */
		if (j == C_METRIC || j == C_STAT || j == C_VERDICT) {
			if (j == C_VERDICT && *colour)
				fprintf(out, "%s%s%s", colour, cell[j], RESET);
			else
				fprintf(out, "%s%*s", cell[j], j == C_VERDICT ? 0 : (int)pad, "");
		} else {
			fprintf(out, "%*s%s", (int)pad, "", cell[j]);
		}
	}
	fputc('\n', out);
}

static void print_table(const struct comparison *c, FILE *out, int colour)
{
	size_t i, j, n, width[NCOL], rows_max = 0;
	char head[NCOL][REPORT_CELL];
	struct row *rows;

	for (i = 0; i < c->nmetrics; i++)
		rows_max += c->metrics[i].nchecks ? c->metrics[i].nchecks : 1;
	if (!rows_max) {
		fputs("no metrics to compare\n", out);
		return;
	}
	rows = calloc(rows_max, sizeof(*rows));
	if (!rows) {
		fputs("(out of memory for the table)\n", out);
		return;
	}
	n = fill_rows(c, rows);
	for (j = 0; j < NCOL; j++) {
		width[j] = cols(heads[j]);
		snprintf(head[j], REPORT_CELL, "%s", heads[j]);
		for (i = 0; i < n; i++)
			width[j] =
			    cols(rows[i].cell[j]) > width[j] ? cols(rows[i].cell[j]) : width[j];
	}
	put_row(out, head, width, "");
	for (i = 0; i < n; i++)
		put_row(out, rows[i].cell, width,
			colour ? verdict_colour(rows[i].v, rows[i].limit) : "");
	free(rows);
}

static void print_explain(const struct comparison *c, const struct cmp_metric *m, FILE *out)
{
	const struct cfgdiff_item **items;
	size_t i, n;

	items = report_explain(c, m, &n);
	if (!items) {
		fputs("    (out of memory for its configuration differences)\n", out);
		return;
	}
	if (!n) {
		free(items);
		fprintf(out, "    no configuration difference in its areas (%s)\n",
			cfgdiff_area_of(m->name)->family);
		return;
	}
	fprintf(out, "    configuration differences that may explain it (%s):\n",
		cfgdiff_area_of(m->name)->family);
	for (i = 0; i < n; i++)
		fprintf(out, "      %-40s %s -> %s\n", items[i]->key,
			items[i]->base ? items[i]->base : "(not recorded)",
			items[i]->cand ? items[i]->cand : "(not recorded)");
	free(items);
}

/* One line per verdict worth a word; returns how many lines. */
static size_t print_notes(const struct comparison *c, FILE *out)
{
	const struct cmp_metric *m;
	size_t i, j, n = 0;

	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		if (m->verdict == VERDICT_NEW) {
			fprintf(out, "new %s: not in the baseline\n", m->name);
			n++;
		}
		for (j = 0; j < m->nchecks; j++) {
			if (m->checks[j].verdict == VERDICT_UNCHANGED && !m->checks[j].limit_broken)
				continue;
			fprintf(out, "%s %s %s: %s%s\n", verdict_name(m->checks[j].verdict),
				m->name, m->checks[j].stat, m->checks[j].why,
				m->checks[j].limit_broken ? "; the limit is broken" : "");
			n++;
		}
		if (m->verdict == VERDICT_REGRESSED || m->limit_broken)
			print_explain(c, m, out);
	}
	for (i = 0; i < report_gate_count(c); i++) {
		char what[512];
		const char *allowed;

		report_gate_item(c, i, what, sizeof(what), &allowed);
		if (allowed)
			fprintf(out, "allowed (--allow-missing %s): %s\n", allowed, what);
		else
			fprintf(out, "gate fails: %s\n", what);
		n++;
	}
	if (c->nungated) {
		fprintf(out, "not gated (no rule): ");
		for (i = 0; i < c->nungated; i++)
			fprintf(out, "%s%s", i ? ", " : "", c->ungated[i]);
		fputc('\n', out);
		n++;
	}
	return n;
}

static void print_cfg(const struct comparison *c, FILE *out)
{
	const struct cfgdiff_item *it;
	size_t i, w = 3;

	if (!c->cfg->n) {
		fputs("configuration: no differences\n", out);
		return;
	}
	for (i = 0; i < c->cfg->n; i++)
		w = strlen(c->cfg->items[i].key) > w ? strlen(c->cfg->items[i].key) : w;
	fprintf(out, "configuration differences (%zu):\n", c->cfg->n);
	for (i = 0; i < c->cfg->n; i++) {
		it = &c->cfg->items[i];
		fprintf(out, "  %-*s  %.60s -> %.60s\n", (int)w, it->key,
			it->base ? it->base : "(not recorded)",
			it->cand ? it->cand : "(not recorded)");
	}
}

int report_text(const struct comparison *c, FILE *out, int colour)
{
	char counts[256], side[2][256], kern[2][256], blind[512];

	report_counts(counts, sizeof(counts), c);
	report_side(side[0], sizeof(side[0]), &c->base);
	report_side(side[1], sizeof(side[1]), &c->cand);
	report_node_field(kern[0], sizeof(kern[0]), &c->base, "kernel/release");
	report_node_field(kern[1], sizeof(kern[1]), &c->cand, "kernel/release");
	fprintf(out, "nodeperf compare: %s%s%s  %s\n",
		colour ? (compare_exit_code(c) ? BOLD RED : BOLD GREEN) : "", report_outcome(c),
		colour ? RESET : "", counts);
	fprintf(out, "baseline   %s, kernel %s\ncandidate  %s, kernel %s\n", side[0], kern[0],
		side[1], kern[1]);
	fprintf(out, "alpha %g, thresholds %s\n\n", c->alpha, c->th->path);
	print_table(c, out, colour);
	fputc('\n', out);
	if (print_notes(c, out))
		fputc('\n', out);
	report_blind(blind, sizeof(blind), c);
	if (blind[0])
		fprintf(out, "sensitivity: %s\n\n", blind);
	print_cfg(c, out);
	return ferror(out) ? -EIO : 0;
}
