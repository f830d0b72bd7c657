/* report_junit.c - JUnit XML: a testcase per metric, a failure per regression. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "results/configdiff.h"
#include "results/report.h"
#include "results/thresholds.h"

static void attr(FILE *out, const char *name, const char *val)
{
	fprintf(out, " %s=\"", name);
	report_xml_put(out, val);
	fputc('"', out);
}

static void property(FILE *out, const char *name, const char *val)
{
	fputs("   <property", out);
	attr(out, "name", name);
	attr(out, "value", val);
	fputs("/>\n", out);
}

static void properties(const struct comparison *c, FILE *out)
{
	char buf[512];

	fputs("  <properties>\n", out);
	property(out, "outcome", report_outcome(c));
	snprintf(buf, sizeof(buf), "%g", c->alpha);
	property(out, "alpha", buf);
	property(out, "thresholds", c->th->path);
	report_blind(buf, sizeof(buf), c);
	if (buf[0])
		property(out, "sensitivity", buf);
	report_side(buf, sizeof(buf), &c->base);
	property(out, "baseline", buf);
	report_node_field(buf, sizeof(buf), &c->base, "kernel/release");
	property(out, "baseline.kernel", buf);
	report_side(buf, sizeof(buf), &c->cand);
	property(out, "candidate", buf);
	report_node_field(buf, sizeof(buf), &c->cand, "kernel/release");
	property(out, "candidate.kernel", buf);
	fputs("  </properties>\n", out);
}

/* One line per check: what the report's table row says. */
static void check_lines(const struct cmp_metric *m, FILE *out, int only_failed)
{
	char b[REPORT_CELL], k[REPORT_CELL], ch[REPORT_CELL], p[REPORT_CELL], al[REPORT_CELL];
	const struct cmp_check *ck;
	char line[(size_t)6 * REPORT_CELL + sizeof(ck->why) + 64];
	size_t j;

	for (j = 0; j < m->nchecks; j++) {
		ck = &m->checks[j];
		if (only_failed && ck->verdict != VERDICT_REGRESSED && !ck->limit_broken)
			continue;
		report_value(b, sizeof(b), ck->base, m->unit);
		report_value(k, sizeof(k), ck->cand, m->unit);
		report_change(ch, sizeof(ch), ck->change);
		report_p(p, sizeof(p), ck->p);
		report_allowed(al, sizeof(al), ck, m->unit);
		snprintf(line, sizeof(line), "%s: %s -> %s (%s, p %s, allowed %s): %s%s: %s\n",
			 ck->stat, b, k, ch, p, al, verdict_name(ck->verdict),
			 ck->limit_broken ? ", limit broken" : "", ck->why);
		report_xml_put(out, line);
	}
}

static void failure(const struct comparison *c, const struct cmp_metric *m, FILE *out)
{
	const struct cfgdiff_item **items;
	const struct cmp_check *first = m->checks;
	size_t i, n;

	/* The message is the first failed check's; a failing metric has one. */
	for (i = 0; i < m->nchecks; i++) {
		if (m->checks[i].verdict == VERDICT_REGRESSED || m->checks[i].limit_broken) {
			first = &m->checks[i];
			break;
		}
	}
	fprintf(out, "   <failure type=\"%s\" message=\"%s: ",
		m->verdict == VERDICT_REGRESSED ? "regressed" : "limit", first->stat);
	report_xml_put(out, first->why);
	fputs(first->limit_broken ? "; the limit is broken\">" : "\">", out);
	check_lines(m, out, 1);
	items = report_explain(c, m, &n);
	fputs("configuration ", out);
	report_xml_put(out, cfgdiff_area_of(m->name)->family);
	fputs(n ? " that may explain it:\n" : ": no difference in its areas\n", out);
	for (i = 0; i < n; i++) {
		fputs("  ", out);
		report_xml_put(out, items[i]->key);
		fputs(": ", out);
		report_xml_put(out, items[i]->base ? items[i]->base : "(not recorded)");
		fputs(" -> ", out);
		report_xml_put(out, items[i]->cand ? items[i]->cand : "(not recorded)");
		fputc('\n', out);
	}
	fputs("</failure>\n", out);
	free(items);
}

static void testcase(const struct comparison *c, const struct cmp_metric *m, FILE *out)
{
	char classname[128];
	size_t fam = strcspn(m->name, ".");

	snprintf(classname, sizeof(classname), "nodeperf.%.*s", (int)fam, m->name);
	fputs("  <testcase", out);
	attr(out, "classname", classname);
	attr(out, "name", m->name);
	fputs(">\n", out);
	if (m->verdict == VERDICT_REGRESSED || m->limit_broken) {
		failure(c, m, out);
	} else if (m->verdict == VERDICT_MISSING && !m->allowed_by) {
		fputs("   <failure type=\"missing\" message=\"", out);
		report_xml_put(out, m->skip_reason ? m->skip_reason : "not in the candidate");
		fputs("\">in the baseline, not in the candidate</failure>\n", out);
	} else if (m->verdict == VERDICT_MISSING) {
		fputs("   <skipped message=\"missing, allowed by --allow-missing ", out);
		report_xml_put(out, m->allowed_by);
		fputs(": ", out);
		report_xml_put(out, m->skip_reason ? m->skip_reason : "not in the candidate");
		fputs("\"/>\n", out);
	} else if (m->verdict == VERDICT_NOISY || m->verdict == VERDICT_MISSING) {
		const struct cmp_check *ck = NULL;
		size_t j;

		for (j = 0; j < m->nchecks && !ck; j++)
			if (m->checks[j].verdict == VERDICT_NOISY)
				ck = &m->checks[j];
		fprintf(out, "   <skipped message=\"%s: ", verdict_name(m->verdict));
		if (ck) {
			fprintf(out, "%s: ", ck->stat);
			report_xml_put(out, ck->why);
		} else {
			report_xml_put(out, m->skip_reason ? m->skip_reason : "not in the candidate");
		}
		fputs("\"/>\n", out);
	}
	if (m->nchecks) {
		fputs("   <system-out>", out);
		check_lines(m, out, 0);
		fputs("</system-out>\n", out);
	} else if (m->verdict == VERDICT_NEW) {
		fputs("   <system-out>new: not in the baseline</system-out>\n", out);
	}
	fputs("  </testcase>\n", out);
}

/* A gate problem (a partial file, a skip on one side, other parameters) as a testcase of its own. */
static void problem_case(const struct gate_problem *p, FILE *out)
{
	fputs("  <testcase classname=\"nodeperf.gate\"", out);
	attr(out, "name", p->subject);
	fputs(">\n", out);
	if (p->allowed_by) {
		fputs("   <skipped message=\"allowed by --allow-missing ", out);
		report_xml_put(out, p->allowed_by);
		fputs(": ", out);
		report_xml_put(out, p->what);
		fputs("\"/>\n", out);
	} else {
		fputs("   <failure type=\"gate\" message=\"", out);
		report_xml_put(out, p->what);
		fputs("\">", out);
		report_xml_put(out, p->what);
		fputs("</failure>\n", out);
	}
	fputs("  </testcase>\n", out);
}

int report_junit(const struct comparison *c, FILE *out)
{
	size_t i, failures = 0, skipped = 0, tests = c->nmetrics + c->nproblems;
	char name[600], b[256], k[256];

	for (i = 0; i < c->nmetrics; i++) {
		const struct cmp_metric *m = &c->metrics[i];
		int failed = m->verdict == VERDICT_REGRESSED || m->limit_broken ||
			     (m->verdict == VERDICT_MISSING && !m->allowed_by);

		failures += failed;
		skipped += !failed && (m->verdict == VERDICT_NOISY || m->verdict == VERDICT_MISSING);
	}
	for (i = 0; i < c->nproblems; i++) {
		failures += !c->problems[i].allowed_by;
		skipped += !!c->problems[i].allowed_by;
	}
	report_side(b, sizeof(b), &c->base);
	report_side(k, sizeof(k), &c->cand);
	snprintf(name, sizeof(name), "nodeperf compare: %s -> %s", b, k);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", out);
	attr(out, "name", "nodeperf compare");
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", tests,
		failures, skipped);
	fputs(" <testsuite", out);
	attr(out, "name", name);
	fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", tests,
		failures, skipped);
	properties(c, out);
	for (i = 0; i < c->nproblems; i++)
		problem_case(&c->problems[i], out);
	for (i = 0; i < c->nmetrics; i++)
		testcase(c, &c->metrics[i], out);
	fputs(" </testsuite>\n</testsuites>\n", out);
	return ferror(out) ? -EIO : 0;
}
