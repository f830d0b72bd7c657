/* collect.c - results between pod-log markers, and the collect command that gathers a node pool's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/log.h"
#include "core/util.h"
#include "results/collect.h"

extern char **environ;

void collect_print_markers(FILE *out, const char *node, int run_exit, const char *json, size_t len)
{
	fprintf(out, "%s node=%s ====\n", COLLECT_BEGIN, node);
	fwrite(json, 1, len, out);
	fprintf(out, "\n%s node=%s exit=%d bytes=%zu ====\n", COLLECT_END, node, run_exit, len);
	fflush(out);
}

int collect_node_name_ok(const char *node)
{
	size_t i, n = strlen(node);

	if (n == 0 || n > 253 || node[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = node[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* The start of the line holding text[pos]. */
static size_t line_start(const char *text, size_t pos)
{
	while (pos > 0 && text[pos - 1] != '\n')
		pos--;
	return pos;
}

/* Last occurrence of marker at the start of a line in text[0..len), or -1. */
static long last_marker(const char *text, size_t len, const char *marker)
{
	size_t m = strlen(marker), i;
	long found = -1;

	for (i = 0; i + m <= len; i = (size_t)((const char *)memchr(text + i, '\n', len - i) - text) + 1) {
		if (!memcmp(text + i, marker, m))
			found = (long)i;
		if (!memchr(text + i, '\n', len - i))
			break;
	}
	return found;
}

/* The last "nodeperf: error:" line of a log, to say why a run left no result. */
static void last_error_line(const char *text, size_t len, char *why, size_t whylen)
{
	long at = last_marker(text, len, "nodeperf: error: ");
	const char *nl;
	size_t n;

	if (at < 0) {
		long any = last_marker(text, len, "nodeperf ");

		at = any;
	}
	if (at < 0)
		return;
	nl = memchr(text + at, '\n', len - (size_t)at);
	n = nl ? (size_t)(nl - (text + at)) : len - (size_t)at;
	if (n > 300)
		n = 300;
	snprintf(why + strlen(why), whylen - strlen(why), "; its last message: %.*s", (int)n, text + at);
}

int collect_parse_log(const char *text, size_t len, const char *where, struct result **res,
		      int *run_exit, char *why, size_t whylen)
{
	long begin, end;
	const char *json, *json_end, *nl, *p;
	unsigned long long bytes;
	char mline[512];
	json_error_t je;
	json_t *root;
	size_t mlen;
	int ex;

	*res = NULL;
	*run_exit = 0;
	why[0] = '\0';
	begin = last_marker(text, len, COLLECT_BEGIN);
	if (begin < 0) {
		snprintf(why, whylen, "%s: no result in the log (no '%s' line): the run ended before writing one",
			 where, COLLECT_BEGIN);
		last_error_line(text, len, why, whylen);
		return -ENOENT;
	}
	nl = memchr(text + begin, '\n', len - (size_t)begin);
	end = last_marker(text, len, COLLECT_END);
	if (!nl || end < begin) {
		snprintf(why, whylen,
			 "%s: the log is cut short: a result begins but its '%s' line is missing "
			 "(%zu bytes after the begin marker; log rotated or the pod killed mid-write?)",
			 where, COLLECT_END, len - (size_t)begin);
		return -EPIPE;
	}
	json = nl + 1;
	json_end = text + line_start(text, (size_t)end);
	if (json_end > json && json_end[-1] == '\n')
		json_end--;
	/* the end marker's line, NUL-terminated: text need not be, str* and sscanf stay inside it */
	nl = memchr(text + end, '\n', len - (size_t)end);
	mlen = nl ? (size_t)(nl - (text + end)) : len - (size_t)end;
	if (mlen >= sizeof(mline))
		mlen = sizeof(mline) - 1;
	memcpy(mline, text + end, mlen);
	mline[mlen] = '\0';
	p = strstr(mline, " bytes=");
	if (!p || sscanf(p, " bytes=%llu", &bytes) != 1) {
		snprintf(why, whylen, "%s: the end marker has no bytes=N: not written by nodeperf", where);
		return -EINVAL;
	}
	p = strstr(mline, " exit=");
	ex = 0;
	if (p)
		sscanf(p, " exit=%d", &ex);
	if ((unsigned long long)(json_end - json) != bytes) {
		snprintf(why, whylen, "%s: the result is %zu bytes but its end marker says %llu: the log is damaged",
			 where, (size_t)(json_end - json), bytes);
		return -EINVAL;
	}
	root = json_loadb(json, (size_t)(json_end - json), JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(why, whylen, "%s: the result between the markers is not valid JSON (column %d: %s)", where,
			 je.column, je.text);
		return -EINVAL;
	}
	*res = result_from_json(root, where, why, whylen);
	json_decref(root);
	if (!*res)
		return -EINVAL;
	if ((*res)->partial) {
		snprintf(why, whylen, "%s: the result is partial (the run was interrupted)", where);
		result_free(*res);
		*res = NULL;
		return -EINVAL;
	}
	*run_exit = ex;
	return 0;
}

static const char collect_usage[] =
	"usage: nodeperf collect -o POOLDIR --logs DIR [--nodes N1,N2,...]\n"
	"       nodeperf collect -o POOLDIR (--pool POOL | --node-selector SEL) [--selector SEL]\n"
	"                        [--namespace NS] [--context CTX] [--nodes N1,...] [--timeout S]\n"
	"  Gather one result per node of a pool into POOLDIR/<node>.json from the pod\n"
	"  logs, where `run --log-markers` put it between markers; validate each and\n"
	"  check that every node delivered one. Then:\n"
	"    nodeperf compare ubuntu-pool/*.json -- azurelinux-pool/*.json\n"
	"  --logs DIR        recorded pod logs, one per node, named DIR/<node>.log\n"
	"  --pool POOL       ask kubectl: the nodes labelled kubernetes.azure.com/agentpool=POOL\n"
	"  --node-selector L the nodes by this label selector instead\n"
	"  --selector SEL    the nodeperf pods (default app.kubernetes.io/name=nodeperf)\n"
	"  --namespace NS    their namespace (default nodeperf)\n"
	"  --context CTX     the kubectl context\n"
	"  --nodes LIST      the nodes that must deliver (default: every node of the pool,\n"
	"                    or every log in DIR)\n"
	"  --timeout S       kubectl: wait up to S seconds for the runs to finish (default 0:\n"
	"                    look once); each pod's log is saved as POOLDIR/logs/<node>.log\n"
	"  Exit: 0 every node delivered a valid result; 3 some node did not (each named on\n"
	"  stderr with the reason: no pod, pod failed, no result, log cut short, damaged or\n"
	"  invalid result; the valid ones are still written); 2 bad usage or an unreadable\n"
	"  directory; 3 also when kubectl cannot be run or fails.\n";

struct collect_opts {
	const char *out, *logs, *pool, *node_sel, *selector, *ns, *context;
	char *nodes;
	double timeout;
};

/* Split a comma/newline separated list in place into a NULL-terminated array. */
static char **split_list(char *s, size_t *n)
{
	size_t cap = 16;
	char **v = calloc(cap + 1, sizeof(char *));
	char *tok, *save = NULL;

	*n = 0;
	if (!v)
		return NULL;
	for (tok = strtok_r(s, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
		tok = str_trim(tok);
		if (!*tok)
			continue;
		if (*n == cap) {
			char **nv = realloc(v, (2 * cap + 1) * sizeof(char *));

			if (!nv) {
				free(v);
				return NULL;
			}
			v = nv;
			cap *= 2;
		}
		v[(*n)++] = tok;
		v[*n] = NULL;
	}
	return v;
}

/* Validate one node's log text and write POOLDIR/<node>.json. 0 delivered, -1 not. */
/* The pool's suite and label, from the first node that delivered, for the placeholders of the rest. */
static char pool_suite[32] = "quick", pool_label[128];

static int collect_one(const char *pooldir, const char *node, const char *text, size_t len, const char *where)
{
	char why[1024], path[PATH_MAX];
	struct result *r;
	int ex, rc;

	rc = collect_parse_log(text, len, where, &r, &ex, why, sizeof(why));
	if (rc) {
		log_err("node %s: %s", node, why);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.json", pooldir, node);
	rc = result_write(r, path, why, sizeof(why));
	if (rc) {
		log_err("node %s: %s", node, why);
		result_free(r);
		return -1;
	}
	if (ex)
		log_warn("node %s: the run exited %d (a bench failed; its reason is in the result's skipped list)",
			 node, ex);
	log_info("node %s: %zu metrics -> %s", node, r->nmetrics, path);
	if (!pool_label[0] && r->suite) {
		str_copy(pool_suite, r->suite, sizeof(pool_suite));
		str_copy(pool_label, r->label ? r->label : "", sizeof(pool_label));
	}
	result_free(r);
	return 0;
}

/*
 * A node that delivered nothing must not vanish from the pool: `compare
 * POOL/NODE.json` would judge the others and pass. Its file becomes a partial
 * result with no metrics and the reason as its one skipped entry (and a stale
 * file of an earlier collect is replaced), so the gate fails on it.
 */
static void collect_placeholder(const char *pooldir, const char *node)
{
	char why[1024], path[PATH_MAX], stamp[32], id[300];
	struct result *r = result_new();
	char *const argv[] = { "nodeperf", "collect" };

	if (!r)
		goto fail;
	utc_rfc3339(stamp, sizeof(stamp));
	snprintf(id, sizeof(id), "collect-%s-no-result", node);
	snprintf(why, sizeof(why), "node %s delivered no valid result to collect (its reason is in collect's log)",
		 node);
	r->run_id = strdup(id);
	r->suite = strdup(pool_suite);
	r->label = pool_label[0] ? strdup(pool_label) : NULL;
	r->started = strdup(stamp);
	r->partial = 1;
	r->node = json_pack("{s:s}", "hostname", node);
	r->config = json_object();
	if (!r->run_id || !r->suite || !r->started || !r->node || !r->config || result_set_argv(r, 2, argv) ||
	    result_add_skip(r, "node", why))
		goto fail;
	snprintf(path, sizeof(path), "%s/%s.json", pooldir, node);
	if (result_write(r, path, why, sizeof(why)))
		goto fail;
	log_err("node %s: wrote %s, a partial result with no metrics, so that a gate on the pool fails", node, path);
	result_free(r);
	return;
fail:
	log_err("node %s: could not write its placeholder result: %s", node, r ? why : "out of memory");
	result_free(r);
}

/* The closing line of a collection: exit 0 when every node delivered, else EXIT_RUNTIME. */
static int collect_verdict(const struct collect_opts *o, char **nodes, const char *delivered, size_t ok,
			   size_t bad, size_t nnodes)
{
	size_t i;

	for (i = 0; i < nnodes; i++)
		if (!delivered[i] && collect_node_name_ok(nodes[i]))
			collect_placeholder(o->out, nodes[i]);
	if (bad) {
		log_err("collect: %zu of %zu nodes delivered no valid result (named above)", bad, nnodes);
		return EXIT_RUNTIME;
	}
	log_info("collect: all %zu nodes delivered a result into %s", ok, o->out);
	return 0;
}

static int collect_logs(const struct collect_opts *o, char **nodes, size_t nnodes)
{
	char path[PATH_MAX], where[PATH_MAX + 64];
	char *delivered = calloc(nnodes ? nnodes : 1, 1);
	size_t i, ok = 0, bad = 0;
	int rc;

	if (!delivered) {
		log_err("collect: out of memory");
		return EXIT_RUNTIME;
	}
	for (i = 0; i < nnodes; i++) {
		size_t len;
		char *text;

		snprintf(path, sizeof(path), "%s/%s.log", o->logs, nodes[i]);
		text = read_all(path, &len);
		if (!text) {
			log_err("node %s: no pod log (%s: %s): no pod ran there or it was not collected", nodes[i],
				path, strerror(errno));
			bad++;
			continue;
		}
		snprintf(where, sizeof(where), "pod log %s", path);
		if (collect_one(o->out, nodes[i], text, len, where))
			bad++;
		else
			delivered[i] = 1, ok++;
		free(text);
	}
	rc = collect_verdict(o, nodes, delivered, ok, bad, nnodes);
	free(delivered);
	return rc;
}

/* The node names from the *.log files of dir, sorted. */
static char **nodes_from_dir(const char *dir, size_t *n)
{
	struct dirent **ents = NULL;
	char **v;
	int k, i;
	size_t m = 0;

	k = scandir(dir, &ents, NULL, alphasort);
	if (k < 0)
		return NULL;
	v = calloc((size_t)k + 1, sizeof(char *));
	for (i = 0; i < k; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (v && l > 4 && !strcmp(ents[i]->d_name + l - 4, ".log")) {
			v[m] = strndup(ents[i]->d_name, l - 4);
			if (v[m])
				m++;
		}
		free(ents[i]);
	}
	free(ents);
	*n = m;
	return v;
}

/* kubectl [--context C] ARGS... with stdout into path (NULL: into buf of len). Exit status or -errno. */
static int kubectl(const struct collect_opts *o, const char *path, char *buf, size_t len, const char *const *args)
{
	const char *argv[24];
	posix_spawn_file_actions_t fa;
	int n = 0, rc;
	pid_t pid;

	argv[n++] = "kubectl";
	if (o->context) {
		argv[n++] = "--context";
		argv[n++] = o->context;
	}
	while (*args && n < 23)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (!path)
		return spawn_capture((char *const *)argv, buf, len);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, "kubectl", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	return spawn_reap(pid);
}

struct pod {
	char name[256], phase[32];
	int done;
};

static void kubectl_failed(const char *what, int rc)
{
	if (rc < 0)
		log_err("collect: `kubectl %s` could not run: %s", what, strerror(-rc));
	else
		log_err("collect: `kubectl %s` failed with exit %d", what, rc);
}

/* Fetch each pod's log into POOLDIR/logs/NODE.log until all ended or the deadline; fill pods. */
static int kubectl_fetch(const struct collect_opts *o, char **nodes, size_t nnodes, struct pod *pods, char *buf,
			 size_t cap)
{
	const char *list[] = { "-n", o->ns, "get", "pods", "-l", o->selector, "-o",
			       "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase}{\"\\n\"}{end}",
			       NULL };
	double deadline = (double)now_ns() / 1e9 + o->timeout;
	char path[PATH_MAX];
	size_t i, pending;
	int rc;

	for (;;) {
		char *line, *save = NULL;

		rc = kubectl(o, NULL, buf, cap, list);
		if (rc) {
			kubectl_failed("get pods", rc);
			return rc;
		}
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char name[256], node[256], phase[32];

			if (sscanf(line, "%255s %255s %31s", name, node, phase) != 3)
				continue;
			for (i = 0; i < nnodes; i++)
				if (!strcmp(nodes[i], node) && !pods[i].done) {
					str_copy(pods[i].name, name, sizeof(pods[i].name));
					str_copy(pods[i].phase, phase, sizeof(pods[i].phase));
				}
		}
		pending = 0;
		for (i = 0; i < nnodes; i++) {
			const char *logs[] = { "-n", o->ns, "logs", pods[i].name, NULL };
			size_t len;
			char *text;

			if (pods[i].done || !collect_node_name_ok(nodes[i]))
				continue;
			pending++;
			if (!pods[i].name[0] || !strcmp(pods[i].phase, "Pending"))
				continue;
			snprintf(path, sizeof(path), "%s/logs/%s.log", o->out, nodes[i]);
			if (kubectl(o, path, NULL, 0, logs))
				continue;
			text = read_all(path, &len);
			/* ended: the end marker is there, or the pod is no longer running */
			if (text && (last_marker(text, len, COLLECT_END) >= 0 || strcmp(pods[i].phase, "Running") != 0)) {
				pods[i].done = 1;
				pending--;
			}
			free(text);
		}
		if (!pending || (double)now_ns() / 1e9 + 10 > deadline)
			return 0;
		log_info("collect: waiting for %zu of %zu nodes", pending, nnodes);
		sleep(10);
	}
}

static int collect_kubectl(const struct collect_opts *o, char **nodes, size_t nnodes)
{
	const size_t cap = 1 << 20;
	char *buf = malloc(cap), *nodebuf = NULL, sel[512], path[PATH_MAX], where[PATH_MAX + 64];
	struct pod *pods = NULL;
	char *delivered = NULL;
	size_t i, ok = 0, bad = 0;
	char **vnodes = nodes;
	int rc = EXIT_RUNTIME;

	if (!buf)
		goto out;
	snprintf(path, sizeof(path), "%s/logs", o->out);
	if (mkdir(path, 0755) && errno != EEXIST) {
		log_err("collect: cannot create %s: %m", path);
		goto out;
	}
	if (!vnodes) {
		const char *get[] = { "get", "nodes", "-l", sel, "-o",
				      "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}", NULL };

		snprintf(sel, sizeof(sel), "%s%s", o->pool ? "kubernetes.azure.com/agentpool=" : "",
			 o->pool ? o->pool : o->node_sel);
		nodebuf = malloc(cap);
		if (!nodebuf)
			goto out;
		rc = kubectl(o, NULL, nodebuf, cap, get);
		if (rc) {
			kubectl_failed("get nodes", rc);
			rc = EXIT_RUNTIME;
			goto out;
		}
		vnodes = split_list(nodebuf, &nnodes);
		rc = EXIT_RUNTIME;
		if (!vnodes || !nnodes) {
			log_err("collect: no node matches -l %s", sel);
			goto out;
		}
	}
	pods = calloc(nnodes, sizeof(*pods));
	delivered = calloc(nnodes, 1);
	if (!pods || !delivered || kubectl_fetch(o, vnodes, nnodes, pods, buf, cap))
		goto out;
	for (i = 0; i < nnodes; i++) {
		size_t len;
		char *text;

		if (!collect_node_name_ok(vnodes[i])) {
			log_err("node '%s': not usable as a file name", vnodes[i]);
			bad++;
			continue;
		}
		if (!pods[i].name[0]) {
			log_err("node %s: no pod matching -l %s in namespace %s runs there (not scheduled: "
				"node selector, taints, resources?)",
				vnodes[i], o->selector, o->ns);
			bad++;
			continue;
		}
		if (!pods[i].done && !strcmp(pods[i].phase, "Running")) {
			log_err("node %s: pod %s is still running its suite (no end marker%s)", vnodes[i], pods[i].name,
				o->timeout > 0 ? " within --timeout" : "; --timeout S waits for it");
			bad++;
			continue;
		}
		if (!strcmp(pods[i].phase, "Failed"))
			log_err("node %s: pod %s failed", vnodes[i], pods[i].name);
		snprintf(path, sizeof(path), "%s/logs/%s.log", o->out, vnodes[i]);
		text = pods[i].done || pods[i].phase[0] ? read_all(path, &len) : NULL;
		if (!text) {
			log_err("node %s: no log of pod %s (phase %s)", vnodes[i], pods[i].name, pods[i].phase);
			bad++;
			continue;
		}
		snprintf(where, sizeof(where), "pod %s (log %s)", pods[i].name, path);
		if (collect_one(o->out, vnodes[i], text, len, where))
			bad++;
		else
			delivered[i] = 1, ok++;
		free(text);
	}
	rc = collect_verdict(o, vnodes, delivered, ok, bad, nnodes);
out:
	if (vnodes != nodes)
		free(vnodes);
	free(nodebuf);
	free(pods);
	free(delivered);
	free(buf);
	return rc;
}

int cmd_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "logs", required_argument, NULL, 'L' },
		{ "pool", required_argument, NULL, 'p' },
		{ "node-selector", required_argument, NULL, 'N' },
		{ "selector", required_argument, NULL, 'l' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "context", required_argument, NULL, 'c' },
		{ "nodes", required_argument, NULL, 'E' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct collect_opts o = { .selector = "app.kubernetes.io/name=nodeperf", .ns = "nodeperf" };
	char **nodes = NULL;
	size_t nnodes = 0, i;
	struct stat st;
	int c, rc, from_dir = 0;

	while ((c = getopt_long(argc, argv, "o:L:p:N:l:n:c:E:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o.out = optarg;
			break;
		case 'L':
			o.logs = optarg;
			break;
		case 'p':
			o.pool = optarg;
			break;
		case 'N':
			o.node_sel = optarg;
			break;
		case 'l':
			o.selector = optarg;
			break;
		case 'n':
			o.ns = optarg;
			break;
		case 'c':
			o.context = optarg;
			break;
		case 'E':
			o.nodes = optarg;
			break;
		case 't':
			if (parse_number(optarg, 0, 86400, &o.timeout))
				return cli_usage_error(collect_usage, "collect: --timeout wants seconds 0..86400, not '%s'",
						       optarg);
			break;
		case 'h':
			fputs(collect_usage, stdout);
			return 0;
		default:
			return cli_bad_option(collect_usage);
		}
	}
	if (optind < argc)
		return cli_usage_error(collect_usage, "collect: unexpected argument '%s'", argv[optind]);
	if (!o.out)
		return cli_usage_error(collect_usage, "collect: -o POOLDIR is required");
	if (!!o.logs + !!o.pool + !!o.node_sel != 1)
		return cli_usage_error(collect_usage, "collect: give exactly one of --logs, --pool, --node-selector");
	if (mkdir(o.out, 0755) && errno != EEXIST) {
		log_err("collect: cannot create %s: %m", o.out);
		return EXIT_BAD_INPUT;
	}
	if (stat(o.out, &st) || !S_ISDIR(st.st_mode) || access(o.out, W_OK | X_OK)) {
		log_err("collect: %s is not a writable directory", o.out);
		return EXIT_BAD_INPUT;
	}
	if (o.nodes) {
		o.nodes = strdup(o.nodes);
		nodes = o.nodes ? split_list(o.nodes, &nnodes) : NULL;
		if (!nodes || !nnodes) {
			free(nodes);
			free(o.nodes);
			return cli_usage_error(collect_usage, "collect: --nodes lists no node");
		}
	} else if (o.logs) {
		nodes = nodes_from_dir(o.logs, &nnodes);
		from_dir = 1;
		if (!nodes) {
			log_err("collect: cannot read %s: %m", o.logs);
			return EXIT_BAD_INPUT;
		}
		if (!nnodes) {
			log_err("collect: %s holds no pod logs (NODE.log)", o.logs);
			free(nodes);
			return EXIT_BAD_INPUT;
		}
	}
	for (i = 0; i < nnodes; i++)
		if (!collect_node_name_ok(nodes[i])) {
			rc = cli_usage_error(collect_usage, "collect: '%s' is not a node name", nodes[i]);
			goto out;
		}
	if (o.logs) {
		struct stat ls;

		if (stat(o.logs, &ls) || !S_ISDIR(ls.st_mode)) {
			log_err("collect: %s is not a directory", o.logs);
			rc = EXIT_BAD_INPUT;
			goto out;
		}
		rc = collect_logs(&o, nodes, nnodes);
	} else {
		rc = collect_kubectl(&o, nodes, nnodes);
	}
out:
	if (from_dir)
		for (i = 0; i < nnodes; i++)
			free(nodes[i]);
	free(nodes);
	free(o.nodes);
	return rc;
}
