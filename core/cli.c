/* cli.c - usage errors, and the command that only needs core/: cleanup. */
#include <getopt.h>
#include <stdarg.h>

#include "core/cli.h"
#include "core/sandbox.h"

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

static const char cleanup_usage[] =
	"usage: nodeperf cleanup [--all] [--dry-run]\n"
	"  Remove what nodeperf runs killed with SIGKILL left behind, in one pass:\n"
	"  first the processes such a run started (they carry its mark; a runtime\n"
	"  or shim naming its scratch dir), then what the run registered in\n"
	"  /run/nodeperf/PID (scratch dirs wherever --tmpdir put them, namespaces,\n"
	"  loop devices), then network namespaces and links named np-*, cgroups,\n"
	"  containers, BPF pins and mounts, and scratch dirs nodeperf-* in /tmp and\n"
	"  /var/tmp (unmounting what is mounted in them). Only what nodeperf made\n"
	"  is touched: a scratch dir must be this user's and hold nodeperf's marker,\n"
	"  a cgroup or pin this user's; no other process is killed (a `tail -f` of\n"
	"  a file there stays). Only leftovers whose owner (the pid in the name or\n"
	"  the registry) no longer runs are touched, unless --all.\n"
	"  --all       also remove resources whose owner cannot be proven dead; what a\n"
	"              live nodeperf run owns is still left alone, each named (exit 3)\n"
	"  --dry-run   list what would be removed, remove nothing\n"
	"  Exit: 0 clean, 3 something could not be removed or belongs to a live run.\n";

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
