/* profile_cmd.c - the profile command: generate, emit, verify, tune. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/log.h"
#include "core/util.h"
#include "profiles/profile.h"

static const char profile_usage[] =
    "usage: nodeperf profile generate --from RESULT [--workload CLASS] [--format F]\n"
    "                                 [--base REF] [-o PATH]\n"
    "       nodeperf profile emit PROFILE.json [--format F] [-o PATH]\n"
    "       nodeperf profile verify PROFILE.json [--ignore-missing] [--scope S] [--json]\n"
    "       nodeperf profile tune --workload CLASS [--budget SECONDS] [--format F] [-o PATH]\n"
    "  generate  rules over a result's snapshot and measurements -> a kernel parameter\n"
    "            profile, each setting with its reason and evidence (docs/profiles.md).\n"
    "            Rules whose metrics the result lacks are skipped, with the reason.\n"
    "  emit      write a JSON profile in another format (AKS ranges are checked)\n"
    "  verify    this node's value of each setting against the profile, like\n"
    "            `tuned-adm verify`\n"
    "  tune      A/B each candidate inside nodeperf's own namespaces and loop device;\n"
    "            keep what compare's gate calls a significant improvement\n"
    "            (`nodeperf profile tune --help`)\n"
    "  --workload CLASS  general (default), latency, throughput, container-density, gpu\n"
    "  --format F        sysctl (sysctl.d file), tuned (tuned.conf; -o names a directory),\n"
    "                    aks (linuxOSConfig JSON; what AKS cannot express on stderr),\n"
    "                    json (default; what verify reads)\n"
    "  --base REF        current values from a reference OS (ubuntu-22.04, ubuntu-24.04,\n"
    "                    azurelinux-3.0) instead of the result's node\n"
    "  -o PATH           write there (atomically) instead of stdout\n"
    "  --ignore-missing  verify: a setting this node does not have is not a mismatch\n"
    "  --scope S         verify: only settings of scope global, netns, block, cmdline, thp\n"
    "  Exit: 0 done / all match, 1 verify found a mismatch, 2 bad usage or input (an\n"
    "  unreadable result or profile, a value AKS refuses), 3 cannot write.\n";

static int emit(const struct profile *p, enum profile_format f, FILE *out, char *err, size_t len)
{
	switch (f) {
	case PFMT_SYSCTL:
		return profile_emit_sysctl(p, out, err, len);
	case PFMT_TUNED:
		return profile_emit_tuned(p, out, err, len);
	case PFMT_AKS:
		return profile_emit_aks(p, out, stderr, err, len);
	default:
		return profile_emit_json(p, out, err, len);
	}
}

/*
 * Emitted into memory first, so a refused value leaves no file at all; then
 * write_atomic: a random temp name created O_EXCL|O_NOFOLLOW beside the
 * file (no symlink planted in a shared directory is followed), renamed over it.
 */
int profile_write(const struct profile *p, enum profile_format f, const char *path)
{
	char file[4096], err[512], werr[4200];
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	FILE *out;
	int rc;

	if (!path) {
		rc = emit(p, f, stdout, err, sizeof(err));
		if (rc == -ERANGE || rc == -EINVAL) {
			log_err("%s", err);
			return EXIT_BAD_INPUT;
		}
		return rc || fflush(stdout) ? EXIT_RUNTIME : 0;
	}
	if (f == PFMT_TUNED) {
		if (mkdir(path, 0755) && errno != EEXIST) {
			log_err("cannot create the tuned profile directory %s: %m", path);
			return EXIT_RUNTIME;
		}
		/* a symlink planted at PATH would take tuned.conf somewhere else */
		if (lstat(path, &st)) {
			log_err("cannot write the tuned profile directory %s: %m", path);
			return EXIT_RUNTIME;
		}
		if (!S_ISDIR(st.st_mode)) {
			log_err("cannot write the tuned profile directory %s: not a directory "
				"(a symlink there is not followed)", path);
			return EXIT_RUNTIME;
		}
		snprintf(file, sizeof(file), "%s/tuned.conf", path);
	} else {
		str_copy(file, path, sizeof(file));
	}
	out = open_memstream(&buf, &len);
	if (!out) {
		log_err("cannot write %s: %m", file);
		return EXIT_RUNTIME;
	}
	rc = emit(p, f, out, err, sizeof(err));
	if (fclose(out) && !rc)
		rc = -ENOMEM;
	if (rc == -ERANGE || rc == -EINVAL) {
		free(buf);
		log_err("%s", err);
		return EXIT_BAD_INPUT;
	}
	if (!rc)
		rc = write_atomic(file, buf, len, werr, sizeof(werr));
	else
		snprintf(werr, sizeof(werr), "%s: %s", file, strerror(-rc));
	free(buf);
	if (rc) {
		log_err("cannot write %s", werr);
		return EXIT_RUNTIME;
	}
	log_info("profile: %s", file);
	return 0;
}

void profile_print_skipped(const struct profile *p)
{
	size_t i;

	for (i = 0; i < p->nskipped; i++)
		fprintf(stderr, "nodeperf: skipped rule %s: %s\n", p->skipped[i].rule,
			p->skipped[i].reason);
}

static int parse_common(int c, const char *arg, enum profile_class *cls, enum profile_format *f)
{
	if (c == 'w' && profile_class_parse(arg, cls))
		return cli_usage_error(profile_usage,
				       "profile: unknown workload '%s' (general, latency, throughput, "
				       "container-density, gpu)",
				       arg);
	if (c == 'f' && profile_format_parse(arg, f))
		return cli_usage_error(profile_usage,
				       "profile: unknown format '%s' (sysctl, tuned, aks, json)", arg);
	return 0;
}

static int cmd_generate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'F' },   { "workload", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' }, { "base", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum profile_class cls = PROFILE_GENERAL;
	enum profile_format fmt = PFMT_JSON;
	const char *from = NULL, *base = NULL, *out = NULL;
	struct profile *p = NULL;
	struct result *res;
	char err[1024];
	int c, rc;

	while ((c = getopt_long(argc, argv, "F:w:f:b:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			from = optarg;
			break;
		case 'w':
		case 'f':
			rc = parse_common(c, optarg, &cls, &fmt);
			if (rc)
				return rc;
			break;
		case 'b':
			base = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(profile_usage, stdout);
			return 0;
		default:
			return cli_bad_option(profile_usage);
		}
	}
	if (optind < argc)
		return cli_usage_error(profile_usage, "profile generate: unexpected argument '%s'", argv[optind]);
	if (!from)
		return cli_usage_error(profile_usage, "profile generate: --from RESULT is required");
	res = result_read(from, err, sizeof(err));
	if (!res) {
		log_err("%s", err);
		return EXIT_BAD_INPUT;
	}
	rc = profile_generate(res, from, cls, base, &p, err, sizeof(err));
	result_free(res);
	if (rc) {
		log_err("%s", err);
		return rc == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
	}
	profile_print_skipped(p);
	rc = profile_write(p, fmt, out);
	profile_free(p);
	return rc;
}

static int cmd_emit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum profile_class cls = PROFILE_GENERAL;
	enum profile_format fmt = PFMT_JSON;
	const char *out = NULL;
	struct profile *p;
	char err[1024];
	int c, rc;

	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			rc = parse_common(c, optarg, &cls, &fmt);
			if (rc)
				return rc;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(profile_usage, stdout);
			return 0;
		default:
			return cli_bad_option(profile_usage);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(profile_usage, "profile emit: wants one PROFILE.json");
	p = profile_read(argv[optind], err, sizeof(err));
	if (!p) {
		log_err("%s", err);
		return EXIT_BAD_INPUT;
	}
	rc = profile_write(p, fmt, out);
	profile_free(p);
	return rc;
}

static const char *status_name(enum verify_status s)
{
	return s == VERIFY_OK ? "ok" : s == VERIFY_MISMATCH ? "MISMATCH" : "missing";
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ignore-missing", no_argument, NULL, 'i' },
		{ "scope", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, ignore_missing = 0, as_json = 0, only = -1, bad = 0, i;
	size_t k, nok = 0, nmissing = 0;
	struct verify_item *items = NULL;
	struct profile *p;
	char err[1024];
	long n;

	while ((c = getopt_long(argc, argv, "is:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ignore_missing = 1;
			break;
		case 's':
			for (i = 0; i < SCOPE_NSCOPES; i++)
				if (!strcmp(optarg, profile_scope_names[i]))
					only = i;
			if (only < 0)
				return cli_usage_error(profile_usage,
						       "profile verify: unknown scope '%s' (global, netns, block, cmdline, thp)",
						       optarg);
			break;
		case 'j':
			as_json = 1;
			break;
		case 'h':
			fputs(profile_usage, stdout);
			return 0;
		default:
			return cli_bad_option(profile_usage);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(profile_usage, "profile verify: wants one PROFILE.json");
	p = profile_read(argv[optind], err, sizeof(err));
	if (!p) {
		log_err("%s", err);
		return EXIT_BAD_INPUT;
	}
	n = profile_verify(p, "", only, &items);
	if (n < 0) {
		profile_free(p);
		log_err("profile verify: out of memory");
		return EXIT_RUNTIME;
	}
	for (k = 0; k < (size_t)n; k++) {
		nok += items[k].status == VERIFY_OK;
		nmissing += items[k].status == VERIFY_MISSING;
		bad |= items[k].status == VERIFY_MISMATCH ||
		       (items[k].status == VERIFY_MISSING && !ignore_missing);
	}
	if (as_json) {
		json_t *arr = json_array(), *doc;

		for (k = 0; k < (size_t)n; k++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "key",
							     items[k].s->key, "where", items[k].where,
							     "expected", items[k].s->value, "current",
							     items[k].current, "at_least", items[k].s->at_least,
							     "status", status_name(items[k].status)));
		doc = json_pack("{s:s, s:o, s:I, s:I, s:I, s:b}", "profile", argv[optind], "items", arr,
				"ok", (json_int_t)nok, "mismatch", (json_int_t)((size_t)n - nok - nmissing),
				"missing", (json_int_t)nmissing, "pass", !bad);
		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else {
		printf("%-9s %-42s %-26s %s\n", "STATUS", "SETTING", "EXPECTED", "CURRENT");
		for (k = 0; k < (size_t)n; k++) {
			char what[128], want[64];

			snprintf(what, sizeof(what), "%s%s%s", items[k].s->key, items[k].where[0] ? " @" : "",
				 items[k].where);
			snprintf(want, sizeof(want), "%s%s", items[k].s->at_least ? ">= " : "",
				 items[k].s->value);
			printf("%-9s %-42s %-26s %s\n", status_name(items[k].status), what, want,
			       items[k].current);
		}
		printf("%zu of %ld settings match%s%s\n", nok, n,
		       nmissing ? (ignore_missing ? ", missing ones ignored" : ", some are missing here") : "",
		       bad ? ": FAIL" : "");
	}
	free(items);
	profile_free(p);
	return bad ? EXIT_REGRESSION : 0;
}

int cmd_profile(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(profile_usage, "profile: which one: generate, emit, verify, tune?");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(profile_usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "generate"))
		return cmd_generate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "emit"))
		return cmd_emit(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "tune"))
		return profile_tune_main(argc - 1, argv + 1);
	return cli_usage_error(profile_usage, "profile: unknown subcommand '%s' (generate, emit, verify, tune)",
			       argv[1]);
}
