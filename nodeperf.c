/* nodeperf.c - main(): the subcommand table. */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/oci_bundle.h"
#include "core/cli.h"
#include "gpu/gpu.h"
#include "probes/probe.h"
#include "profiles/profile.h"
#include "results/collect.h"
#include "results/history.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "run the benches of a suite and write a result file" },
	{ "show", cmd_show, "print the summary table of a result file" },
	{ "compare", cmd_compare, "candidate results against baseline results: the gate" },
	{ "history", cmd_history, "a label's results over time: change points, gate the newest run" },
	{ "snapshot", cmd_snapshot, "record this node's identity and configuration" },
	{ "probe", cmd_probe, "attach one eBPF probe and print what it sees" },
	{ "profile", cmd_profile, "kernel parameter profiles: generate, emit, verify, tune" },
	{ "gpu", cmd_gpu, "GPU inventory, Azure SKU match, and the gpu.* benches" },
	{ "list", cmd_list, "list the benches and probes" },
	{ "collect", cmd_collect, "gather a node pool's results from its pod logs" },
	{ "cleanup", cmd_cleanup, "remove what a killed run left behind" },
	{ "bundle", cmd_bundle, "write the OCI bundle the container benches use" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "this text" },
};

static void usage(FILE *out)
{
	size_t i;

	fputs("usage: nodeperf <command> [options]   (nodeperf <command> --help)\n\ncommands:\n", out);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nexit codes: 0 ok, 1 regression (compare), 2 bad usage or input,\n"
	      "            3 the node refused or a bench failed, 130/143 interrupted\n", out);
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("nodeperf %s\n", NP_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "nodeperf: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_BAD_INPUT;
}
