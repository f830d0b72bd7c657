/* snapshot_cmd.c - the snapshot command, and this node's differences from a reference OS. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/log.h"
#include "core/snapshot.h"
#include "core/topo.h"
#include "core/util.h"
#include "gpu/gpu.h"
#include "profiles/reference.h"

static const char snapshot_usage[] =
    "usage: nodeperf snapshot [--json] [-o FILE] [--against REFERENCE]\n"
    "  Record this node's identity and configuration: OS, kernel, BTF, CPU,\n"
    "  hwloc topology, curated sysctls, THP, block queues, governor,\n"
    "  clocksource, cgroup version, runtimes, cloud (DMI only, no network).\n"
    "  --json          print {\"node\": ..., \"config\": ...} instead of the summary\n"
    "  -o FILE         write the JSON to FILE (atomically)\n"
    "  --against REF   list how this node differs from the documented AKS node\n"
    "                  defaults of REF: ubuntu-22.04, ubuntu-24.04, azurelinux-3.0\n"
    "                  (profiles/reference/, built in), or a reference FILE.json;\n"
    "                  with --json as JSON\n";

static int write_json_atomic(json_t *doc, const char *path)
{
	char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER), err[4200];
	int rc;

	if (!text) {
		log_err("cannot write %s: out of memory", path);
		return -1;
	}
	rc = write_atomic(path, text, strlen(text), err, sizeof(err));
	free(text);
	if (rc)
		log_err("cannot write %s", err);
	return rc ? -1 : 0;
}

static const char *group_name(const char *group)
{
	if (!strcmp(group, "sysctl"))
		return "OS default";
	if (!strcmp(group, "sysctl_every_node"))
		return "every AKS node";
	if (!strcmp(group, "sysctl_computed"))
		return "computed from memory";
	return "image";
}

static void print_against(const json_t *ref, const struct reference_diff *d, FILE *out)
{
	const char *name = json_string_value(json_object_get(ref, "name"));
	const char *title = json_string_value(json_object_get(ref, "title"));
	size_t i, kw = strlen("setting"), nw = strlen("this node"), rw = strlen(name);
	const struct reference_item *it;
	json_t *src;

	fprintf(out, "reference  %s%s%s\n", name, title ? ": " : "", title ? title : "");
	json_array_foreach(json_object_get(ref, "source"), i, src)
	{
		fprintf(out, "%s %s\n", i ? "          " : "source    ", json_string_value(src));
	}
	for (i = 0; i < d->n; i++) {
		if (!d->items[i].differs)
			continue;
		kw = strlen(d->items[i].key) > kw ? strlen(d->items[i].key) : kw;
		nw = strlen(d->items[i].node) > nw ? strlen(d->items[i].node) : nw;
		rw = strlen(d->items[i].ref) > rw ? strlen(d->items[i].ref) : rw;
	}
	if (d->ndiffer) {
		fprintf(out, "\n%-*s  %-*s  %-*s  from\n", (int)kw, "setting", (int)nw, "this node",
			(int)rw, name);
		for (i = 0; i < d->n; i++) {
			it = &d->items[i];
			if (it->differs)
				fprintf(out, "%-*s  %-*s  %-*s  %s\n", (int)kw, it->key, (int)nw,
					it->node, (int)rw, it->ref, group_name(it->group));
		}
	}
	fprintf(out, "\n%zu of %zu settings differ from %s%s\n", d->ndiffer, d->n, name,
		d->ndiffer == d->n ? "" : "; the others match");
}

static json_t *against_json(const json_t *ref, const struct reference_diff *d)
{
	json_t *items = json_array();
	size_t i;

	for (i = 0; items && i < d->n; i++)
		json_array_append_new(
		    items, json_pack("{s:s, s:s, s:s, s:s, s:b}", "key", d->items[i].key, "node",
				     d->items[i].node, "reference", d->items[i].ref, "group",
				     d->items[i].group, "differs", d->items[i].differs));
	return json_pack("{s:O, s:O, s:I, s:I, s:o}", "reference", json_object_get(ref, "name"),
			 "source", json_object_get(ref, "source"), "compared", (json_int_t)d->n,
			 "differ", (json_int_t)d->ndiffer, "items", items);
}

static int snapshot_against(const char *name, json_t *node, json_t *config, int as_json)
{
	struct reference_diff *d = NULL;
	json_t *ref = NULL, *doc;
	char err[1024];
	int rc;

	rc = reference_load(name, &ref, err, sizeof(err));
	if (!rc)
		rc = reference_diff(ref, node, config, "/", &d, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "nodeperf: %s\n", err);
		json_decref(ref);
		return EXIT_BAD_INPUT;
	}
	if (as_json) {
		doc = against_json(ref, d);
		rc = !doc || json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER)
			 ? EXIT_RUNTIME
			 : 0;
		putchar('\n');
		json_decref(doc);
	} else {
		print_against(ref, d, stdout);
	}
	reference_diff_free(d);
	json_decref(ref);
	return rc;
}

int cmd_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "against", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	json_t *node = NULL, *config = NULL, *doc;
	const char *out = NULL, *against = NULL;
	struct topo *topo = NULL;
	int c, as_json = 0, rc = 0;

	while ((c = getopt_long(argc, argv, "jo:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'a':
			against = optarg;
			break;
		case 'h':
			fputs(snapshot_usage, stdout);
			return 0;
		default:
			return cli_bad_option(snapshot_usage);
		}
	}
	if (optind < argc)
		return cli_usage_error(snapshot_usage, "snapshot: unexpected argument '%s'",
				       argv[optind]);
	if (against && out)
		return cli_usage_error(snapshot_usage,
				       "snapshot: --against prints; it does not take -o");

	/* The reference holds no topology: skip hwloc's scan when only comparing. */
	if (!against && topo_open(&topo))
		log_warn("hwloc topology unavailable; recording the snapshot without it");
	if (snapshot_collect(topo, &node, &config) || (!against && gpu_snapshot_add(node, topo))) {
		log_err("snapshot: out of memory");
		topo_close(topo);
		return EXIT_RUNTIME;
	}
	doc = json_pack("{s:o, s:o}", "node", node, "config", config);
	if (against)
		rc = snapshot_against(against, node, config, as_json);
	else if (out && write_json_atomic(doc, out))
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
