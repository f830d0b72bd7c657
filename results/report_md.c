/* report_md.c - Markdown for a pull-request comment: outcome and regressions first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "results/configdiff.h"
#include "results/report.h"
#include "results/thresholds.h"

/* Text inside a table cell or code span: '|' escaped, backticks and newlines neutralised. */
static void md_put(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '`')
			fputc('\'', out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static void md_code(FILE *out, const char *s)
{
	fputc('`', out);
	md_put(out, s ? s : "(not recorded)");
	fputc('`', out);
}

static void side_table(const struct comparison *c, FILE *out)
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

	fputs("| | baseline | candidate |\n|---|---|---|\n", out);
	report_side(b, sizeof(b), &c->base);
	report_side(k, sizeof(k), &c->cand);
	fputs("| label | ", out);
	md_put(out, b);
	fputs(" | ", out);
	md_put(out, k);
	fputs(" |\n", out);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		report_node_field(b, sizeof(b), &c->base, rows[i].path);
		report_node_field(k, sizeof(k), &c->cand, rows[i].path);
		fprintf(out, "| %s | ", rows[i].name);
		md_put(out, b);
		fputs(" | ", out);
		md_put(out, k);
		fputs(" |\n", out);
	}
	fputc('\n', out);
}

static void explain(const struct comparison *c, const struct cmp_metric *m, FILE *out)
{
	const struct cfgdiff_item **items;
	size_t i, n;

	fputs("  - configuration ", out);
	md_code(out, cfgdiff_area_of(m->name)->family);
	items = report_explain(c, m, &n);
	if (!items || !n) {
		fputs(items ? ": no difference in its areas\n" : ": (out of memory)\n", out);
		free(items);
		return;
	}
	fputs(" that may explain it:", out);
	for (i = 0; i < n; i++) {
		fputs(i ? "; " : " ", out);
		md_code(out, items[i]->key);
		fputc(' ', out);
		md_code(out, items[i]->base);
		fputs(" → ", out);
		md_code(out, items[i]->cand);
	}
	fputc('\n', out);
	free(items);
}

static void regressions(const struct comparison *c, FILE *out)
{
	const struct cmp_metric *m;
	const struct cmp_check *ck;
	char b[REPORT_CELL], k[REPORT_CELL];
	size_t i, j;

	if (!c->count[VERDICT_REGRESSED] && !c->nlimits)
		return;
	fputs("### Regressions and broken limits\n\n", out);
	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		if (m->verdict != VERDICT_REGRESSED && !m->limit_broken)
			continue;
		for (j = 0; j < m->nchecks; j++) {
			ck = &m->checks[j];
			if (ck->verdict != VERDICT_REGRESSED && !ck->limit_broken)
				continue;
			report_value(b, sizeof(b), ck->base, m->unit);
			report_value(k, sizeof(k), ck->cand, m->unit);
			fputs("- **", out);
			md_put(out, m->name);
			fprintf(out, "** %s: %s → %s: %s%s\n", ck->stat, b, k, ck->why,
				ck->limit_broken ? "; **the limit is broken**" : "");
		}
		explain(c, m, out);
	}
	fputc('\n', out);
}

static void metric_rows(const struct comparison *c, FILE *out)
{
	char cell[6][REPORT_CELL];
	const struct cmp_metric *m;
	const struct cmp_check *ck;
	size_t i, j;

	fputs("| metric | stat | baseline | candidate | change | p | allowed | mde | verdict |\n"
	      "|---|---|--:|--:|--:|--:|--:|--:|---|\n",
	      out);
	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		if (!m->nchecks) {
			fputs("| ", out);
			md_code(out, m->name);
			fprintf(out, " | - | | | | | | | %s |\n", verdict_name(m->verdict));
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
			fputs("| ", out);
			md_code(out, m->name);
			fprintf(out, " | %s | %s | %s | %s | %s | %s | %s | ", ck->stat, cell[0],
				cell[1], cell[2], cell[3], cell[4], cell[5]);
			if (ck->verdict == VERDICT_REGRESSED || ck->limit_broken)
				fprintf(out, "**%s%s** |\n", verdict_name(ck->verdict),
					ck->limit_broken ? ", limit broken" : "");
			else
				fprintf(out, "%s |\n", verdict_name(ck->verdict));
		}
	}
	fputc('\n', out);
}

/* Why each metric that is not plainly unchanged or regressed came out as it did. */
static void notes(const struct comparison *c, FILE *out)
{
	const struct cmp_metric *m;
	size_t i, j, n = 0;

	for (i = 0; i < c->nmetrics; i++) {
		m = &c->metrics[i];
		if (m->verdict == VERDICT_NEW) {
			fputs("- new ", out);
			md_code(out, m->name);
			fputs(": not in the baseline\n", out);
			n++;
		}
		for (j = 0; j < m->nchecks; j++) {
			if (m->checks[j].verdict != VERDICT_NOISY &&
			    m->checks[j].verdict != VERDICT_IMPROVED)
				continue;
			fprintf(out, "- %s ", verdict_name(m->checks[j].verdict));
			md_code(out, m->name);
			fprintf(out, " %s: %s\n", m->checks[j].stat, m->checks[j].why);
			n++;
		}
	}
	if (c->nungated) {
		fputs("- not gated (no rule): ", out);
		for (i = 0; i < c->nungated; i++) {
			fputs(i ? ", " : "", out);
			md_code(out, c->ungated[i]);
		}
		fputc('\n', out);
		n++;
	}
	if (n)
		fputc('\n', out);
}

/* What fails the gate besides the verdicts: missing metrics and gate problems. */
static void gate(const struct comparison *c, FILE *out)
{
	const char *allowed;
	char what[512], blind[512];
	size_t i, n = report_gate_count(c);

	if (n)
		fputs("### What the gate could not check\n\n", out);
	for (i = 0; i < n; i++) {
		report_gate_item(c, i, what, sizeof(what), &allowed);
		if (allowed) {
			fputs("- allowed (`--allow-missing ", out);
			md_put(out, allowed);
			fputs("`): ", out);
		} else {
			fputs("- **fails the gate**: ", out);
		}
		md_put(out, what);
		fputc('\n', out);
	}
	if (n)
		fputc('\n', out);
	report_blind(blind, sizeof(blind), c);
	if (blind[0]) {
		fputs("Sensitivity: ", out);
		md_put(out, blind);
		fputs(".\n\n", out);
	}
}

static void config(const struct comparison *c, FILE *out)
{
	size_t i;

	fprintf(out, "### Configuration differences\n\n");
	if (!c->cfg->n) {
		fputs("None: both sides recorded the same kernel, sysctls, block queues, runtimes "
		      "and topology.\n",
		      out);
		return;
	}
	fprintf(out,
		"<details><summary>%zu setting%s differ%s</summary>\n\n"
		"| setting | baseline | candidate |\n|---|---|---|\n",
		c->cfg->n, c->cfg->n == 1 ? "" : "s", c->cfg->n == 1 ? "s" : "");
	for (i = 0; i < c->cfg->n; i++) {
		fputs("| ", out);
		md_code(out, c->cfg->items[i].key);
		fputs(" | ", out);
		md_code(out, c->cfg->items[i].base);
		fputs(" | ", out);
		md_code(out, c->cfg->items[i].cand);
		fputs(" |\n", out);
	}
	fputs("\n</details>\n", out);
}

int report_md(const struct comparison *c, FILE *out)
{
	char counts[256];

	report_counts(counts, sizeof(counts), c);
	fprintf(out, "## nodeperf compare: %s\n\n%s; alpha %g, thresholds ", report_outcome(c),
		counts, c->alpha);
	md_code(out, c->th->path);
	fputs("\n\n", out);
	side_table(c, out);
	regressions(c, out);
	gate(c, out);
	fputs("### Metrics\n\n", out);
	metric_rows(c, out);
	notes(c, out);
	config(c, out);
	return ferror(out) ? -EIO : 0;
}
