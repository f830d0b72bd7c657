/* compare_cmd.c - the compare command: sides, thresholds, alpha, format, exit code. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/util.h"
#include "results/compare.h"
#include "results/report.h"
#include "results/thresholds.h"

static const char compare_usage[] =
    "usage: nodeperf compare BASE... -- CAND... [--thresholds FILE] [--alpha A]\n"
    "                        [--format text|md|json|junit|html] [-o FILE] [--color "
    "auto|always|never]\n"
    "                        [--allow-missing GLOB]...\n"
    "  Set the candidate's result files against the baseline's. Several files on\n"
    "  a side are one node pool: their repetitions are pooled. Per gated statistic:\n"
    "  medians, relative change, two-sided Mann-Whitney U p on the repetitions,\n"
    "  verdict regressed / improved / unchanged / noisy, or missing / new; absolute\n"
    "  limits; the configuration differences that may explain a regression.\n"
    "  --thresholds FILE  rules 'GLOB STAT CHANGE [max|min LIMIT]' (default: the\n"
    "                     built-in results/thresholds.default; docs/compare.md)\n"
    "  --alpha A          significance level, 0 < A < 1 (default 0.05)\n"
    "  --format F         text (default), md, json, junit, html; -o FILE.md/.json/\n"
    "                     .xml/.html picks it when --format is not given\n"
    "  -o FILE            write the report to FILE (atomically) instead of stdout\n"
    "  --color WHEN       colour the text report: auto (a terminal, NO_COLOR unset)\n"
    "  --allow-missing GLOB  do not fail the gate on what GLOB matches (repeatable):\n"
    "                     a metric missing from the candidate or from a file of a\n"
    "                     pool, a bench skipped on one side, 'probes' attached on\n"
    "                     one side only, 'partial' files, 'params' that differ\n"
    "  Exit: 0 no regression, 1 a regression, a broken limit, a missing metric, a\n"
    "  partial file, a bench skipped on one side only or files measured with other\n"
    "  parameters (unless --allow-missing), 2 bad input\n"
    "  (unreadable or invalid file, a side with no files, a bad thresholds line).\n";

struct compare_opts {
	const char *thresholds, *out, *color;
	double alpha;
	int have_format;
	enum report_format format;
	char **side[2];
	size_t nside[2];
	char **allow; /* --allow-missing GLOBs */
	size_t nallow;
};

static int parse_alpha(const char *s, double *a)
{
	char *end;

	errno = 0;
	*a = strtod(s, &end);
	return !*s || *end || errno || !(*a > 0 && *a < 1) ? -EINVAL : 0;
}

/* The format -o FILE's extension names, for when --format is not given. */
static void format_from_name(struct compare_opts *o)
{
	static const struct {
		const char *ext;
		enum report_format f;
	} exts[] = {
		{ ".md", REPORT_MD },
		{ ".json", REPORT_JSON },
		{ ".xml", REPORT_JUNIT },
		{ ".html", REPORT_HTML },
	};
	size_t i, n = strlen(o->out), e;

	for (i = 0; i < ARRAY_SIZE(exts); i++) {
		e = strlen(exts[i].ext);
		if (n > e && !strcmp(o->out + n - e, exts[i].ext))
			o->format = exts[i].f;
	}
}

/*
 * getopt() stops at "--", which here separates the sides, so the options
 * are taken by hand: anywhere, as "--opt VALUE" or "--opt=VALUE".
 */
static int parse_args(int argc, char **argv, struct compare_opts *o)
{
	static const char *const with_value[] = { "--thresholds", "--alpha",  "--format",
						  "-o",		  "--output", "--color",
						  "--allow-missing" };
	const char *arg, *val;
	size_t i, n;
	int a, side = 0;

	for (a = 1; a < argc; a++) {
		arg = argv[a];
		if (!strcmp(arg, "--") && !side) {
			side = 1;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(compare_usage, stdout);
			return 1;
		}
		if (arg[0] != '-' || !arg[1]) {
			o->side[side][o->nside[side]++] = argv[a];
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(with_value); i++) {
			n = strlen(with_value[i]);
			if (!strncmp(arg, with_value[i], n) &&
			    (!arg[n] || (arg[n] == '=' && n > 2)))
				break;
		}
		if (i == ARRAY_SIZE(with_value))
			return cli_usage_error(compare_usage, "compare: unknown option '%s'", arg);
		if (arg[n] == '=')
			val = arg + n + 1;
		else if (a + 1 < argc)
			val = argv[++a];
		else
			return cli_usage_error(compare_usage, "compare: %s needs a value", arg);
		switch (i) {
		case 0:
			o->thresholds = val;
			break;
		case 1:
			if (parse_alpha(val, &o->alpha))
				return cli_usage_error(
				    compare_usage,
				    "compare: --alpha wants a number between 0 and 1, not '%s'",
				    val);
			break;
		case 2:
			if (report_format_parse(val, &o->format))
				return cli_usage_error(
				    compare_usage,
				    "compare: unknown format '%s' (text, md, json, junit, html)",
				    val);
			o->have_format = 1;
			break;
		case 3:
		case 4:
			o->out = val;
			break;
		case 6:
			o->allow[o->nallow++] = (char *)val;
			break;
		default:
			if (strcmp(val, "auto") != 0 && strcmp(val, "always") != 0 &&
			    strcmp(val, "never") != 0)
				return cli_usage_error(
				    compare_usage,
				    "compare: --color wants auto, always or never, not '%s'", val);
			o->color = val;
		}
	}
	if (!side)
		return cli_usage_error(
		    compare_usage, "compare: no '--' between the baseline and the candidate files");
	if (!o->nside[0] || !o->nside[1])
		return cli_usage_error(compare_usage, "compare: the %s side has no result files",
				       o->nside[0] ? "candidate" : "baseline");
	if (o->out && !o->have_format)
		format_from_name(o);
	return 0;
}

static int use_colour(const struct compare_opts *o)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (!strcmp(o->color, "always"))
		return 1;
	if (!strcmp(o->color, "never") || o->out || o->format != REPORT_TEXT)
		return 0;
	return isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

/* Render the report in memory, then write_atomic: no symlink planted beside it is followed. */
static int write_report(const struct comparison *c, const struct compare_opts *o)
{
	char err[4200], *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&buf, &len);
	if (!f) {
		fprintf(stderr, "nodeperf: cannot write %s: %s\n", o->out, strerror(errno));
		return EXIT_RUNTIME;
	}
	rc = report_write(c, o->format, f, 0);
	if (fclose(f) || rc) {
		fprintf(stderr, "nodeperf: cannot write %s: %s\n", o->out, strerror(ENOMEM));
		free(buf);
		return EXIT_RUNTIME;
	}
	rc = write_atomic(o->out, buf, len, err, sizeof(err));
	free(buf);
	if (rc) {
		fprintf(stderr, "nodeperf: cannot write %s\n", err);
		return EXIT_RUNTIME;
	}
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	struct compare_opts o = { .alpha = COMPARE_ALPHA, .color = "auto" };
	struct comparison c = { 0 };
	struct thresholds *th = NULL;
	char err[1024];
	int rc;

	o.side[0] = calloc((size_t)argc, sizeof(char *));
	o.side[1] = calloc((size_t)argc, sizeof(char *));
	o.allow = calloc((size_t)argc, sizeof(char *));
	if (!o.side[0] || !o.side[1] || !o.allow) {
		rc = EXIT_RUNTIME;
		goto out_args;
	}
	rc = parse_args(argc, argv, &o);
	if (rc) {
		rc = rc == 1 ? 0 : rc;
		goto out_args;
	}
	rc = o.thresholds ? thresholds_load(o.thresholds, &th, err, sizeof(err))
			  : thresholds_load_default(&th, err, sizeof(err));
	if (!rc)
		rc = compare_side_load(&c.base, o.side[0], o.nside[0], err, sizeof(err));
	if (!rc)
		rc = compare_side_load(&c.cand, o.side[1], o.nside[1], err, sizeof(err));
	c.th = th;
	c.alpha = o.alpha;
	c.allow_missing = o.allow;
	c.nallow = o.nallow;
	if (!rc)
		rc = compare_run(&c, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "nodeperf: %s\n", err);
		rc = rc == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
		goto out_compare;
	}
	if (o.out) {
		rc = write_report(&c, &o);
	} else {
		rc = report_write(&c, o.format, stdout, use_colour(&o));
		if (fflush(stdout) || rc) {
			fprintf(stderr, "nodeperf: cannot write the report: %s\n",
				strerror(errno ? errno : EIO));
			rc = EXIT_RUNTIME;
		}
	}
	if (!rc)
		rc = compare_exit_code(&c);
	if (rc == EXIT_REGRESSION && c.count[VERDICT_REGRESSED] && (o.nside[0] == 1 || o.nside[1] == 1))
		fputs("nodeperf: compare: one run on a side: a whole run can shift with its host, which the\n"
		      "  test on one run's repetitions cannot see (by up to 47% between two runs of one build\n"
		      "  on the 2-vCPU CI VM); confirm with 3 or more interleaved runs a side (docs/compare.md,\n"
		      "  \"Finer gates\")\n",
		      stderr);

out_compare:
	compare_release(&c);
	thresholds_free(th);
out_args:
	free(o.side[0]);
	free(o.side[1]);
	free(o.allow);
	return rc;
}
