/* thresholds.h - the gate's rules file: metric glob, statistic, allowed change, absolute limit. */
#ifndef NP_THRESHOLDS_H
#define NP_THRESHOLDS_H

#include <stddef.h>

/* Where the built-in rules come from; they are compiled into the binary. */
#define THRESHOLDS_DEFAULT_PATH "results/thresholds.default"
/* Their text, as compiled in (profile tune puts its own lines in front). */
extern const char thresholds_default_text[];

enum limit_kind { LIMIT_NONE, LIMIT_MAX, LIMIT_MIN };

struct threshold_rule {
	char *glob;    /* fnmatch() pattern over metric names, '*' crosses dots */
	char stat[8];  /* p50, p99, mean, ... */
	int off;       /* "off": the relative change is not gated (a limit still is) */
	double change; /* allowed relative change towards worse, 0.05 = 5% */
	enum limit_kind limit;
	double limit_value; /* scaled to limit_unit: "500ms" is 5e8 "ns" */
	char limit_unit[8]; /* "" when the limit was a bare number (the metric's own unit) */
	const char *file;   /* the owning thresholds' path */
	unsigned line;
};

struct thresholds {
	char *path;
	struct threshold_rule *rules;
	size_t nrules;
};

/*
 * Parse the rules in text (named path in messages). Returns 0, -EINVAL with
 * "PATH:LINE: what is wrong" in err, or -ENOMEM.
 */
int thresholds_parse(const char *text, const char *path, struct thresholds **out, char *err,
		     size_t errlen);
/* thresholds_parse() of a file; "PATH: strerror" and -errno when it cannot be read. */
int thresholds_load(const char *path, struct thresholds **out, char *err, size_t errlen);
/* The rules shipped in THRESHOLDS_DEFAULT_PATH, as compiled in. */
int thresholds_load_default(struct thresholds **out, char *err, size_t errlen);
void thresholds_free(struct thresholds *t);

/*
 * The rule that decides statistic stat of metric: the last line whose glob
 * matches, so later lines refine earlier ones. NULL when no line names it.
 */
const struct threshold_rule *thresholds_match(const struct thresholds *t, const char *metric,
					      const char *stat);
/*
 * The statistics of metric whose deciding rule gates something (a change or
 * a limit), in the order they first appear in the file; at most max.
 * Returns how many.
 */
size_t thresholds_stats(const struct thresholds *t, const char *metric, const char **stats,
			size_t max);

/*
 * Scale "500ms", "10GB/s", "4KiB" to its base unit ("ns", "B/s", "B"); a
 * bare number keeps unit "". 0, or -EINVAL for an unknown unit or a value
 * that is not a finite number.
 */
int thresholds_parse_value(const char *s, double *v, char unit[8]);

#endif
