/* cli.c - usage errors, and the commands that only need core/: snapshot, cleanup. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/snapshot.h"
#include "core/topo.h"

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("nodeperf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return EXIT_BAD_INPUT;
}

int cli_bad_option(const char *usage)
{
	/* getopt already named the option on stderr. */
	fputs(usage, stderr);
	return EXIT_BAD_INPUT;
}

static const char snapshot_usage[] =
	"usage: nodeperf snapshot [--json] [-o FILE]\n"
	"  Record this node's identity and configuration: OS, kernel, BTF, CPU,\n"
	"  hwloc topology, curated sysctls, THP, block queues, governor,\n"
	"  clocksource, cgroup version, runtimes, cloud (DMI only, no network).\n"
	"  --json      print {\"node\": ..., \"config\": ...} instead of the summary\n"
	"  -o FILE     write the JSON to FILE (atomically)\n";

static int write_json_atomic(json_t *doc, const char *path)
{
	char tmp[4096];
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -1;
	rc = json_dump_file(doc, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!rc && rename(tmp, path))
		rc = -1;
	if (rc) {
		log_err("cannot write %s: %m", path);
		unlink(tmp);
	}
	return rc;
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	json_t *node = NULL, *config = NULL, *doc;
	const char *out = NULL;
	struct topo *topo = NULL;
	int c, as_json = 0, rc = 0;

	while ((c = getopt_long(argc, argv, "jo:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(snapshot_usage, stdout);
			return 0;
		default:
			return cli_bad_option(snapshot_usage);
		}
	}
	if (optind < argc)
		return cli_usage_error(snapshot_usage, "snapshot: unexpected argument '%s'", argv[optind]);

	if (topo_open(&topo))
		log_warn("hwloc topology unavailable; recording the snapshot without it");
	if (snapshot_collect(topo, &node, &config)) {
		log_err("snapshot: out of memory");
		topo_close(topo);
		return EXIT_RUNTIME;
	}
	doc = json_pack("{s:o, s:o}", "node", node, "config", config);
	if (out && write_json_atomic(doc, out))
		rc = EXIT_RUNTIME;
	else if (as_json) {
		if (json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER))
			rc = EXIT_RUNTIME;
		putchar('\n');
	} else if (!out)
		snapshot_print(node, config, stdout);
	json_decref(doc);
	topo_close(topo);
	return rc;
}

static const char cleanup_usage[] =
	"usage: nodeperf cleanup [--all] [--dry-run]\n"
	"  Remove what a nodeperf run killed with SIGKILL left behind: network\n"
	"  namespaces and links named np-*, cgroups, loop devices, containers,\n"
	"  BPF pins and temp dirs named nodeperf-*. Only leftovers whose run is\n"
	"  gone are touched, unless --all.\n"
	"  --all       also remove resources of nodeperf runs still alive\n"
	"  --dry-run   list what would be removed, remove nothing\n"
	"  Exit: 0 clean, 3 something could not be removed.\n";

int cmd_cleanup(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, all = 0, dry = 0;

	while ((c = getopt_long(argc, argv, "anh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			fputs(cleanup_usage, stdout);
			return 0;
		default:
			return cli_bad_option(cleanup_usage);
		}
	}
	if (optind < argc)
		return cli_usage_error(cleanup_usage, "cleanup: unexpected argument '%s'", argv[optind]);
	return sandbox_sweep(all, dry) ? EXIT_RUNTIME : 0;
}
