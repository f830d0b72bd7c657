/* report.c - what every report writer shares: cell formatting, counts, explanations, dispatch. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "results/configdiff.h"
#include "results/report.h"
#include "results/thresholds.h"

static const char *const format_names[] = {
	[REPORT_TEXT] = "text",	  [REPORT_MD] = "md",	  [REPORT_JSON] = "json",
	[REPORT_JUNIT] = "junit", [REPORT_HTML] = "html",
};

int report_format_parse(const char *s, enum report_format *f)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(format_names); i++) {
		if (!strcmp(s, format_names[i])) {
			*f = (enum report_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

int report_write(const struct comparison *c, enum report_format f, FILE *out, int colour)
{
	switch (f) {
	case REPORT_MD:
		return report_md(c, out);
	case REPORT_JSON:
		return report_json(c, out);
	case REPORT_JUNIT:
		return report_junit(c, out);
	case REPORT_HTML:
		return report_html(c, out);
	default:
		return report_text(c, out, colour);
	}
}

void report_value(char *buf, size_t len, double v, const char *unit)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		result_format_value(v, unit, buf, len);
}

void report_change(char *buf, size_t len, double change)
{
	if (isnan(change))
		snprintf(buf, len, "-");
	else if (isinf(change))
		snprintf(buf, len, "%cinf%%", change > 0 ? '+' : '-');
	else
		snprintf(buf, len, "%+.1f%%", 100 * change);
}

void report_p(char *buf, size_t len, double p)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else if (p < 0.001)
		snprintf(buf, len, "<0.001");
	else
		snprintf(buf, len, "%.3f", p);
}

void report_mde(char *buf, size_t len, double mde)
{
	if (isnan(mde))
		snprintf(buf, len, "-");
	else if (isinf(mde) || mde >= 10)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%.1f%%", 100 * mde);
}

size_t report_gate_count(const struct comparison *c)
{
	return c->count[VERDICT_MISSING] + c->nproblems;
}

const char *report_gate_item(const struct comparison *c, size_t i, char *buf, size_t len,
			     const char **allowed)
{
	const struct cmp_metric *m;
	size_t k, seen = 0;

	for (k = 0; k < c->nmetrics; k++) {
		m = &c->metrics[k];
		if (m->verdict != VERDICT_MISSING || seen++ != i)
			continue;
		*allowed = m->allowed_by;
		snprintf(buf, len, "%s: in the baseline, not in the candidate%s%s", m->name,
			 m->skip_reason ? "; its bench was skipped: " : "",
			 m->skip_reason ? m->skip_reason : "");
		return m->name;
	}
	i -= seen;
	*allowed = c->problems[i].allowed_by;
	snprintf(buf, len, "%s", c->problems[i].what);
	return c->problems[i].subject;
}

void report_blind(char *buf, size_t len, const struct comparison *c)
{
	const struct cmp_check *ck, *worst = NULL;
	const char *wname = NULL;
	size_t i, j, n = 0, blind = 0;
	char mde[REPORT_CELL];

	buf[0] = '\0';
	for (i = 0; i < c->nmetrics; i++)
		for (j = 0; j < c->metrics[i].nchecks; j++) {
			ck = &c->metrics[i].checks[j];
			if (isnan(ck->mde))
				continue;
			n++;
			/* blind: could not have seen a change of twice what its rule allows */
			if (!(ck->mde <= 2 * ck->rule->change) || isinf(ck->mde)) {
				blind++;
				if (!worst || !(ck->mde <= worst->mde)) {
					worst = ck;
					wname = c->metrics[i].name;
				}
			}
		}
	if (!n)
		return;
	if (!blind) {
		snprintf(buf, len, "every gated statistic could see a change of twice its rule (MDE, power %.0f%%)",
			 100 * COMPARE_POWER);
		return;
	}
	report_mde(mde, sizeof(mde), worst->mde);
	snprintf(buf, len,
		 "%zu of %zu gated statistics could not see a change of twice their rule (MDE at power "
		 "%.0f%%); the least sensitive: %s %s, MDE %s",
		 blind, n, 100 * COMPARE_POWER, wname, worst->stat, mde);
}

void report_allowed(char *buf, size_t len, const struct cmp_check *ck, const char *unit)
{
	const struct threshold_rule *r = ck->rule;
	char lim[REPORT_CELL];
	int n;

	n = r->off ? snprintf(buf, len, "off") : snprintf(buf, len, "%.1f%%", 100 * r->change);
	if (r->limit == LIMIT_NONE || n < 0 || (size_t)n >= len)
		return;
	report_value(lim, sizeof(lim), r->limit_value, r->limit_unit[0] ? r->limit_unit : unit);
	snprintf(buf + n, len - (size_t)n, " %s %s", r->limit == LIMIT_MAX ? "max" : "min", lim);
}

const char *report_outcome(const struct comparison *c)
{
	return compare_exit_code(c) ? "FAIL" : "PASS";
}

void report_counts(char *buf, size_t len, const struct comparison *c)
{
	size_t v, n = 0;
	int w;

	for (v = 0; v < VERDICT_COUNT; v++) {
		w = snprintf(buf + n, len - n, "%s%zu %s", v ? ", " : "", c->count[v],
			     verdict_name((enum verdict)v));
		if (w < 0 || (size_t)w >= len - n)
			return;
		n += (size_t)w;
	}
	w = snprintf(buf + n, len - n, ", %zu limit%s broken", c->nlimits, c->nlimits == 1 ? "" : "s");
	if (w < 0 || (size_t)w >= len - n || !c->nproblems)
		return;
	n += (size_t)w;
	snprintf(buf + n, len - n, ", %zu gate problem%s", c->nproblems, c->nproblems == 1 ? "" : "s");
}

const struct cfgdiff_item **report_explain(const struct comparison *c, const struct cmp_metric *m,
					   size_t *n)
{
	const struct cfgdiff_item **items =
	    calloc(c->cfg->n ? c->cfg->n : 1, sizeof(const struct cfgdiff_item *));
	size_t i;

	*n = 0;
	for (i = 0; items && i < c->cfg->n; i++)
		if (cfgdiff_explains(m->name, c->cfg->items[i].key))
			items[(*n)++] = &c->cfg->items[i];
	return items;
}

void report_side(char *buf, size_t len, const struct cmp_side *s)
{
	snprintf(buf, len, "%s (%zu file%s)", s->label, s->nruns, s->nruns == 1 ? "" : "s");
}

/* The string at "kernel/release" in node, "?" when absent. */
static const char *node_at(const json_t *node, const char *path)
{
	char key[64], *k, *save;
	const json_t *j = node;

	str_copy(key, path, sizeof(key));
	for (k = strtok_r(key, "/", &save); k && j; k = strtok_r(NULL, "/", &save))
		j = json_object_get(j, k);
	return json_string_value(j) ? json_string_value(j) : "?";
}

void report_node_field(char *buf, size_t len, const struct cmp_side *s, const char *path)
{
	size_t i, j, n = 0;
	const char *v;

	buf[0] = '\0';
	for (i = 0; i < s->nruns && n < len; i++) {
		v = node_at(s->runs[i]->node, path);
		for (j = 0; j < i; j++)
			if (!strcmp(node_at(s->runs[j]->node, path), v))
				break;
		if (j == i)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " | " : "", v);
	}
}

void report_xml_put(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n')
				fputc(*s, out);
		}
	}
}
