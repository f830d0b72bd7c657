/* thresholds.c - parse the gate's plain-text rules; the shipped default is compiled in. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "results/thresholds.h"

/*
 * The default rules travel inside the binary, because nodeperf is copied to
 * nodes alone; .incbin (as the kernel does for its config) keeps the file
 * the single source. The path is relative to the build's working directory.
 */
__asm__(".pushsection .rodata\n"
	".globl thresholds_default_text\n"
	".hidden thresholds_default_text\n"
	".type thresholds_default_text, @object\n"
	"thresholds_default_text:\n"
	".incbin \"" THRESHOLDS_DEFAULT_PATH "\"\n"
	".byte 0\n"
	".size thresholds_default_text, . - thresholds_default_text\n"
	".popsection\n");
extern const char thresholds_default_text[];

/* The statistics a result carries per metric (results/result.c, stat_keys). */
static const char *const known_stats[] = { "min", "mean", "stddev", "p50",
					   "p90", "p99",  "p999",   "max" };

static const struct {
	const char *suffix;
	const char *unit;
	double scale;
} value_units[] = {
	{ "ns", "ns", 1 },
	{ "us", "ns", 1e3 },
	{ "ms", "ns", 1e6 },
	{ "s", "ns", 1e9 },
	{ "B/s", "B/s", 1 },
	{ "KB/s", "B/s", 1e3 },
	{ "MB/s", "B/s", 1e6 },
	{ "GB/s", "B/s", 1e9 },
	{ "TB/s", "B/s", 1e12 },
	{ "ops/s", "ops/s", 1 },
	{ "Kops/s", "ops/s", 1e3 },
	{ "Mops/s", "ops/s", 1e6 },
	{ "Gops/s", "ops/s", 1e9 },
	{ "B", "B", 1 },
	{ "KiB", "B", 1024. },
	{ "MiB", "B", 1048576. },
	{ "GiB", "B", 1073741824. },
	{ "TiB", "B", 1099511627776. },
	{ "%", "%", 1 },
};

#define MAX_TOKENS 6

void thresholds_free(struct thresholds *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrules; i++)
		free(t->rules[i].glob);
	free(t->rules);
	free(t->path);
	free(t);
}

int thresholds_parse_value(const char *s, double *v, char unit[8])
{
	char *end;
	size_t i;

	errno = 0;
	*v = strtod(s, &end);
	if (end == s || errno || !isfinite(*v))
		return -EINVAL;
	if (!*end) {
		unit[0] = '\0';
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(value_units); i++) {
		if (!strcmp(end, value_units[i].suffix)) {
			*v *= value_units[i].scale;
			str_copy(unit, value_units[i].unit, 8);
			return 0;
		}
	}
	return -EINVAL;
}

static int __attribute__((format(printf, 5, 6)))
bad(char *err, size_t len, const char *path, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, len, "%s:%u: ", path, line);
	if (n >= 0 && (size_t)n < len) {
		va_start(ap, fmt);
		vsnprintf(err + n, len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int glob_ok(const char *g)
{
	for (; *g; g++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-*?[]!", *g))
			return 0;
	return 1;
}

static int stat_ok(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_stats); i++)
		if (!strcmp(s, known_stats[i]))
			return 1;
	return 0;
}

/* Allowed change: "5%", "0.5%", "off". */
static int parse_change(const char *s, struct threshold_rule *r)
{
	char *end;

	if (!strcmp(s, "off")) {
		r->off = 1;
		return 0;
	}
	errno = 0;
	r->change = strtod(s, &end) / 100;
	if (end == s || errno || strcmp(end, "%") != 0 || !(r->change >= 0 && r->change <= 10))
		return -EINVAL;
	return 0;
}

/* Split line (modified) into whitespace-separated tokens up to a '#' comment. */
static size_t tokenize(char *line, char *tok[MAX_TOKENS + 1])
{
	size_t n = 0;
	char *p = line, *save;

	while (n <= MAX_TOKENS && (tok[n] = strtok_r(p, " \t\r", &save))) {
		p = NULL;
		if (tok[n][0] == '#')
			break;
		n++;
	}
	return n;
}

static int parse_rule(char **tok, size_t n, struct threshold_rule *r, const char *path,
		      unsigned line, char *err, size_t len)
{
	if (n != 3 && n != 5)
		return bad(err, len, path, line,
			   "expected 'GLOB STAT CHANGE [max|min LIMIT]', found %zu fields", n);
	if (!glob_ok(tok[0]))
		return bad(err, len, path, line,
			   "metric glob '%s': metric names are lower case a-z 0-9 . _ -", tok[0]);
	if (!stat_ok(tok[1]))
		return bad(err, len, path, line,
			   "unknown statistic '%s' (min mean stddev p50 p90 p99 p999 max)", tok[1]);
	str_copy(r->stat, tok[1], sizeof(r->stat));
	if (parse_change(tok[2], r))
		return bad(
		    err, len, path, line,
		    "allowed change '%s': want a percentage such as 5%% (0..1000%%) or 'off'",
		    tok[2]);
	if (n == 5) {
		if (!strcmp(tok[3], "max"))
			r->limit = LIMIT_MAX;
		else if (!strcmp(tok[3], "min"))
			r->limit = LIMIT_MIN;
		else
			return bad(err, len, path, line, "limit '%s': want 'max' or 'min'", tok[3]);
		if (thresholds_parse_value(tok[4], &r->limit_value, r->limit_unit))
			return bad(err, len, path, line,
				   "limit value '%s': want a number with an optional unit (500ms, "
				   "10GB/s, 4KiB)",
				   tok[4]);
	}
	r->glob = strdup(tok[0]);
	return r->glob ? 0 : -ENOMEM;
}

int thresholds_parse(const char *text, const char *path, struct thresholds **out, char *err,
		     size_t errlen)
{
	struct thresholds *t = calloc(1, sizeof(*t));
	char *copy = strdup(text), *line, *next, *tok[MAX_TOKENS + 1];
	struct threshold_rule *nr;
	size_t cap = 0, n;
	unsigned lineno = 0;
	int rc = -ENOMEM;

	if (!t || !copy || !(t->path = strdup(path)))
		goto out_free;
	for (line = copy; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		n = tokenize(line, tok);
		if (!n)
			continue;
		if (t->nrules == cap) {
			cap = cap ? 2 * cap : 16;
			nr = reallocarray(t->rules, cap, sizeof(*nr));
			if (!nr) {
				rc = -ENOMEM;
				goto out_free;
			}
			t->rules = nr;
		}
		nr = &t->rules[t->nrules];
		memset(nr, 0, sizeof(*nr));
		nr->file = t->path;
		nr->line = lineno;
		rc = parse_rule(tok, n, nr, path, lineno, err, errlen);
		if (rc)
			goto out_free;
		t->nrules++;
	}
	free(copy);
	*out = t;
	return 0;

out_free:
	if (rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", path);
	free(copy);
	thresholds_free(t);
	return rc;
}

int thresholds_load(const char *path, struct thresholds **out, char *err, size_t errlen)
{
	size_t len;
	char *text = read_all(path, &len);
	int rc;

	if (!text) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (strlen(text) != len) {
		free(text);
		snprintf(err, errlen, "%s: binary data (a NUL byte), not a thresholds file", path);
		return -EINVAL;
	}
	rc = thresholds_parse(text, path, out, err, errlen);
	free(text);
	return rc;
}

int thresholds_load_default(struct thresholds **out, char *err, size_t errlen)
{
	return thresholds_parse(thresholds_default_text, THRESHOLDS_DEFAULT_PATH, out, err, errlen);
}

const struct threshold_rule *thresholds_match(const struct thresholds *t, const char *metric,
					      const char *stat)
{
	size_t i;

	for (i = t->nrules; i-- > 0;)
		if (!strcmp(t->rules[i].stat, stat) && !fnmatch(t->rules[i].glob, metric, 0))
			return &t->rules[i];
	return NULL;
}

size_t thresholds_stats(const struct thresholds *t, const char *metric, const char **stats,
			size_t max)
{
	const struct threshold_rule *r;
	size_t i, j, n = 0;

	for (i = 0; i < t->nrules && n < max; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(stats[j], t->rules[i].stat))
				break;
		if (j < n)
			continue;
		r = thresholds_match(t, metric, t->rules[i].stat);
		if (r && (!r->off || r->limit != LIMIT_NONE))
			stats[n++] = r->stat;
	}
	return n;
}
