/* report.h - a comparison as text, Markdown, JSON, JUnit XML or self-contained HTML. */
#ifndef NP_REPORT_H
#define NP_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "results/compare.h"

struct cfgdiff_item;

enum report_format { REPORT_TEXT, REPORT_MD, REPORT_JSON, REPORT_JUNIT, REPORT_HTML };

/* "text", "md", "json", "junit", "html". 0 or -EINVAL. */
int report_format_parse(const char *s, enum report_format *f);

/*
 * Every writer is deterministic: the same inputs give the same bytes (no
 * clock, no host name beyond what the result files hold). Regressions and
 * broken limits come first. Return 0, or -EIO when out reports an error.
 */
int report_write(const struct comparison *c, enum report_format f, FILE *out, int colour);
int report_text(const struct comparison *c, FILE *out, int colour);
int report_md(const struct comparison *c, FILE *out);
int report_json(const struct comparison *c, FILE *out);
int report_junit(const struct comparison *c, FILE *out);
int report_html(const struct comparison *c, FILE *out);

/* --- shared by the writers --- */

#define REPORT_CELL 64

/* v in unit with 3 significant digits, "-" when NAN. */
void report_value(char *buf, size_t len, double v, const char *unit);
/* "+4.3%", "-12.0%", "+inf%", "-" when NAN. */
void report_change(char *buf, size_t len, double change);
/* "0.008", "<0.001", "-" when not tested. */
void report_p(char *buf, size_t len, double p);
/* The rule: "5.0%", "off", with " max 500 ms" / " min 1.00 GB/s" when it has a limit. */
void report_allowed(char *buf, size_t len, const struct cmp_check *ck, const char *unit);
/* A minimum detectable effect: "12.3%", "none" (no change could be seen), "-" when not gated. */
void report_mde(char *buf, size_t len, double mde);
/*
 * What fails the gate besides verdicts: the missing metrics, then the gate
 * problems; item i (< report_gate_count) as one line into buf. Returns its
 * subject; *allowed is the --allow-missing GLOB that excuses it, or NULL.
 */
size_t report_gate_count(const struct comparison *c);
const char *report_gate_item(const struct comparison *c, size_t i, char *buf, size_t len,
			     const char **allowed);
/* One sentence: which gated statistics could not have seen a change twice their rule. "" when none gated. */
void report_blind(char *buf, size_t len, const struct comparison *c);
/* "PASS" or "FAIL" and a one-line count of verdicts. */
const char *report_outcome(const struct comparison *c);
void report_counts(char *buf, size_t len, const struct comparison *c);
/*
 * The configuration differences the mapping table ties to m's family, *n of
 * them, in a malloc'd array for the caller to free; NULL when out of memory.
 */
const struct cfgdiff_item **report_explain(const struct comparison *c, const struct cmp_metric *m,
					   size_t *n);
/* Label and file count of a side: "ubuntu-22.04 (2 files)". */
void report_side(char *buf, size_t len, const struct cmp_side *s);
/* A node field of a side ("kernel/release"), its files' distinct values " | "-joined. */
void report_node_field(char *buf, size_t len, const struct cmp_side *s, const char *path);

/*
 * s escaped for XML and HTML text and attribute values (& < > "); control
 * characters other than tab and newline, which XML 1.0 forbids, are dropped.
 * NULL prints nothing.
 */
void report_xml_put(FILE *out, const char *s);

#endif
