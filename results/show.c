/* show.c - the show command: the summary table of a result file. */
#include <getopt.h>
#include <stdio.h>

#include "core/cli.h"
#include "results/result.h"

static const char show_usage[] =
	"usage: nodeperf show [--json] FILE\n"
	"  Validate a result file and print its summary table, as `run` prints it.\n"
	"  --json   print the validated result as JSON instead\n"
	"  Exit: 0, or 2 when FILE is unreadable or not a valid result\n"
	"  (the message says FILE:LINE:COL and what is wrong).\n";

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char err[1024];
	struct result *r;
	int c, as_json = 0;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = 1;
			break;
		case 'h':
			fputs(show_usage, stdout);
			return 0;
		default:
			return cli_bad_option(show_usage);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(show_usage, "show: expected one result file");
	r = result_read(argv[optind], err, sizeof(err));
	if (!r) {
		fprintf(stderr, "nodeperf: %s\n", err);
		return EXIT_BAD_INPUT;
	}
	if (as_json) {
		json_t *doc = result_to_json(r);

		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else {
		result_print_summary(r, stdout);
	}
	result_free(r);
	return 0;
}
