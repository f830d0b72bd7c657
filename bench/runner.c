/* runner.c - the bench table, suites, repetitions, and the run and list commands. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cli.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/snapshot.h"
#include "core/topo.h"
#include "core/util.h"
#include "gpu/gpu.h"
#include "probes/probe.h"
#include "results/collect.h"

extern const struct bench bench_sched_wakeup_futex, bench_sched_wakeup_pipe, bench_sched_ctxswitch;
extern const struct bench bench_mem_fault_nohuge, bench_mem_fault_thp, bench_mem_bw_nohuge,
    bench_mem_bw_thp;
extern const struct bench bench_net_tcp_rr_lo, bench_net_tcp_rr_veth, bench_net_tcp_rr_bridge,
	bench_net_udp_rr_lo, bench_net_udp_rr_veth, bench_net_udp_rr_bridge, bench_net_tcp_crr_lo,
	bench_net_tcp_crr_veth, bench_net_tcp_crr_bridge, bench_net_tcp_stream_lo,
	bench_net_tcp_stream_veth, bench_net_tcp_stream_bridge;
extern const struct bench bench_io_randread_psync, bench_io_randread_uring, bench_io_randread_qd32,
	bench_io_randwrite_psync, bench_io_randwrite_uring, bench_io_fsync, bench_io_seqread, bench_io_seqwrite;
extern const struct bench bench_container_runc_lifecycle, bench_container_runc_total, bench_container_runc_burst,
	bench_container_crun_lifecycle, bench_container_crun_total, bench_container_crun_burst,
	bench_container_containerd_run, bench_container_prim_unshare_net, bench_container_prim_unshare_mnt,
	bench_container_prim_unshare_pid, bench_container_prim_unshare_ipc, bench_container_prim_unshare_uts,
	bench_container_prim_unshare_user, bench_container_prim_unshare_cgroup, bench_container_prim_netns_teardown,
	bench_container_prim_cgroup, bench_container_prim_overlay_mount, bench_container_prim_clone_exec,
	bench_container_prim_pivot_root;
/* gpu/gpu.c: one entry per metric; each skips with the reason when CUDA is unusable here */
extern const struct bench bench_gpu_init, bench_gpu_alloc_1m, bench_gpu_alloc_1g, bench_gpu_h2d_pinned,
	bench_gpu_h2d_pageable, bench_gpu_d2h_pinned, bench_gpu_d2h_pageable, bench_gpu_d2d, bench_gpu_p2p,
	bench_gpu_launch, bench_gpu_launch_rate, bench_gpu_h2d_numa_local, bench_gpu_h2d_numa_remote;

/* Adding a bench: one file in bench/ and one line here. */
const struct bench *const bench_table[] = {
	&bench_sched_wakeup_futex,
	&bench_sched_wakeup_pipe,
	&bench_sched_ctxswitch,
	&bench_mem_fault_nohuge, &bench_mem_fault_thp, &bench_mem_bw_nohuge, &bench_mem_bw_thp,
	&bench_net_tcp_rr_lo, &bench_net_udp_rr_lo, &bench_net_tcp_crr_lo, &bench_net_tcp_stream_lo,
	&bench_net_tcp_rr_veth, &bench_net_udp_rr_veth, &bench_net_tcp_crr_veth, &bench_net_tcp_stream_veth,
	&bench_net_tcp_rr_bridge, &bench_net_udp_rr_bridge, &bench_net_tcp_crr_bridge, &bench_net_tcp_stream_bridge,
	&bench_io_randread_psync,
	&bench_io_randread_uring,
	&bench_io_randread_qd32,
	&bench_io_randwrite_psync,
	&bench_io_randwrite_uring,
	&bench_io_fsync,
	&bench_io_seqread,
	&bench_io_seqwrite,
	/* container startup (bench/container.c, container_prim.c) */
	&bench_container_prim_clone_exec,
	&bench_container_prim_unshare_net,
	&bench_container_prim_unshare_mnt,
	&bench_container_prim_unshare_pid,
	&bench_container_prim_unshare_ipc,
	&bench_container_prim_unshare_uts,
	&bench_container_prim_unshare_user,
	&bench_container_prim_unshare_cgroup,
	&bench_container_prim_netns_teardown,
	&bench_container_prim_cgroup,
	&bench_container_prim_overlay_mount,
	&bench_container_prim_pivot_root,
	&bench_container_runc_lifecycle,
	&bench_container_runc_total,
	&bench_container_runc_burst,
	&bench_container_crun_lifecycle,
	&bench_container_crun_total,
	&bench_container_crun_burst,
	&bench_container_containerd_run,
	&bench_gpu_init,
	&bench_gpu_alloc_1m,
	&bench_gpu_alloc_1g,
	&bench_gpu_h2d_pinned,
	&bench_gpu_h2d_pageable,
	&bench_gpu_d2h_pinned,
	&bench_gpu_d2h_pageable,
	&bench_gpu_d2d,
	&bench_gpu_p2p,
	&bench_gpu_launch,
	&bench_gpu_launch_rate,
	&bench_gpu_h2d_numa_local,
	&bench_gpu_h2d_numa_remote,
	NULL,
};

struct suite_def {
	const char *name;
	enum suite bit;
	unsigned reps;
	double warmup_s, rep_s;
};

static const struct suite_def suites[] = {
	{ "quick", SUITE_QUICK, 5, 0.2, 0.3 },
	{ "standard", SUITE_STANDARD, 9, 0.5, 1.0 },
	{ "full", SUITE_FULL, 15, 1.0, 2.0 },
};

static double elapsed_s(const struct bench_ctx *ctx)
{
	return (double)now_ns() / 1e9 - ctx->started_s;
}

static void progress(const struct bench_ctx *ctx, unsigned rep, double bench_elapsed)
{
	double planned = ctx->warmup_s + ctx->reps * ctx->rep_s;
	double left = ctx->eta_total_s - elapsed_s(ctx);
	double bench_left = planned - bench_elapsed;

	if (!isatty(STDERR_FILENO))
		return;
	if (left < bench_left)
		left = bench_left;
	if (left < 0)
		left = 0;
	fprintf(stderr, "\r\033[K[%u/%u] %s  %s %u/%u  ETA %.0fs", ctx->bench_idx + 1,
		ctx->nbenches, ctx->bench_name, rep ? "rep" : "warm-up", rep, ctx->reps, left);
	fflush(stderr);
}

static const char *const rep_stats[] = { "p50", "p90", "p99", "mean" };

/* Whether another repetition fits the bench's budget (warns when it does not). */
static int rep_fits(const struct bench_ctx *ctx, const char *name, uint64_t t0, unsigned done)
{
	double spent = (double)(now_ns() - t0) / 1e9;

	if (spent + ctx->rep_s <= ctx->budget_s) {
		progress(ctx, done + 1, spent);
		return 1;
	}
	log_warn("%s: time budget of %.0f s reached after %u of %u repetitions", name,
		 ctx->budget_s, done, ctx->reps);
	return 0;
}

/* One repetition's latency statistics into vals[rep * 4 ...]. */
static void rep_quantiles(double *vals, unsigned rep, const struct hist *h)
{
	double *v = vals + (size_t)rep * ARRAY_SIZE(rep_stats);

	v[0] = (double)hist_quantile(h, 0.50);
	v[1] = (double)hist_quantile(h, 0.90);
	v[2] = (double)hist_quantile(h, 0.99);
	v[3] = hist_mean(h);
}

/* Add latency metric name from done repetitions; takes merged and params. */
static int add_latency(struct result *res, const char *name, const double *vals, unsigned done,
		       struct hist *merged, json_t *params)
{
	struct metric *m = result_add_metric(res, name, "ns", BETTER_LOWER);
	unsigned r, s;

	if (!m)
		goto fail;
	for (s = 0; s < ARRAY_SIZE(rep_stats); s++)
		for (r = 0; r < done; r++)
			if (metric_add_rep(m, rep_stats[s], vals[r * ARRAY_SIZE(rep_stats) + s]))
				goto fail;
	if (params)
		json_object_set_new(params, "reps_done", json_integer(done));
	m->params = params;
	metric_set_hist(m, merged);
	return 0;
fail:
	json_decref(params);
	hist_free(merged);
	return -ENOMEM;
}

int bench_latency(struct bench_ctx *ctx, struct result *res, const char *name,
		  bench_rep_fn fn, void *arg, json_t *params)
{
	double *vals = calloc((size_t)ctx->reps * ARRAY_SIZE(rep_stats), sizeof(double));
	struct hist *merged = hist_new(), *h = hist_new();
	uint64_t t0 = now_ns();
	unsigned done = 0;
	int rc;

	if (!vals || !merged || !h) {
		rc = -ENOMEM;
		goto out_free;
	}
	progress(ctx, 0, 0);
	rc = fn(ctx, arg, ctx->warmup_s, h);
	if (rc)
		goto out_free;

	while (done < ctx->reps && rep_fits(ctx, name, t0, done)) {
		hist_init(h);
		rc = fn(ctx, arg, ctx->rep_s, h);
		if (rc)
			goto out_free;
		/* An interrupted bench is left out whole: half its repetitions would mislead. */
		if (sandbox_stop) {
			rc = -EINTR;
			goto out_free;
		}
		rep_quantiles(vals, done, h);
		hist_merge(merged, h);
		done++;
	}
	if (!done || !merged->count) {
		rc = -ETIME;
		goto out_free;
	}
	rc = add_latency(res, name, vals, done, merged, params);
	merged = NULL;
	params = NULL;
out_free:
	json_decref(params);
	hist_free(merged);
	hist_free(h);
	free(vals);
	return rc;
}

int bench_rate(struct bench_ctx *ctx, struct result *res, const char *name, const char *unit,
	       bench_rate_fn fn, void *arg, json_t *params, const char *lat_name)
{
	double *rates = calloc(ctx->reps, sizeof(double));
	double *vals = calloc((size_t)ctx->reps * ARRAY_SIZE(rep_stats), sizeof(double));
	struct hist *merged = hist_new(), *h = hist_new();
	uint64_t t0 = now_ns();
	struct metric *m;
	unsigned done = 0, r;
	double rate;
	int rc;

	if (!rates || !vals || !merged || !h) {
		rc = -ENOMEM;
		goto out_free;
	}
	progress(ctx, 0, 0);
	rc = fn(ctx, arg, ctx->warmup_s, &rate, h);
	if (rc)
		goto out_free;
	while (done < ctx->reps && rep_fits(ctx, name, t0, done)) {
		hist_init(h);
		rc = fn(ctx, arg, ctx->rep_s, &rate, h);
		if (rc)
			goto out_free;
		if (sandbox_stop) {
			rc = -EINTR;
			goto out_free;
		}
		if (!isfinite(rate) || rate <= 0) {
			rc = -ERANGE;
			goto out_free;
		}
		rates[done] = rate;
		rep_quantiles(vals, done, h);
		hist_merge(merged, h);
		done++;
	}
	if (!done) {
		rc = -ETIME;
		goto out_free;
	}
	m = result_add_metric(res, name, unit, BETTER_HIGHER);
	if (!m) {
		rc = -ENOMEM;
		goto out_free;
	}
	for (r = 0; r < done; r++)
		if (metric_add_rep(m, "mean", rates[r])) {
			rc = -ENOMEM;
			goto out_free;
		}
	metric_set_values(m, rates, done);
	if (lat_name && merged->count) {
		json_t *lp = params ? json_deep_copy(params) : NULL;

		if (params)
			json_object_set_new(params, "reps_done", json_integer(done));
		rc = add_latency(res, lat_name, vals, done, merged, lp);
		merged = NULL;
		if (rc)
			goto out_free;
	} else if (params) {
		json_object_set_new(params, "reps_done", json_integer(done));
	}
	m->params = params;
	params = NULL;
	rc = 0;
out_free:
	json_decref(params);
	hist_free(merged);
	hist_free(h);
	free(vals);
	free(rates);
	return rc;
}

static const char run_usage[] =
	"usage: nodeperf run [--suite quick|standard|full] [--only GLOB]... [--out FILE]\n"
	"                    [--label LABEL] [--reps N] [--rep-time S] [--tmpdir DIR] [--json]\n"
	"                    [--no-probes] [--same-core] [--busy-poll US] [--msg-size B]\n"
	"                    [--io-dir DIR] [--io-device DEV [--destructive]] [--tune KEY=VALUE]...\n"
	"                    [--log-markers] [--hold] [--verbose]\n"
	"  Snapshot the node, run the benches of the suite, write a result file\n"
	"  (schema nodeperf/result/v1) atomically and print a summary table.\n"
	"  --suite S     quick (5 reps), standard (9), full (15); default quick\n"
	"  --only GLOB   run only benches whose name matches (repeatable): 'sched.*';\n"
	"                each GLOB must match a bench\n"
	"  --out FILE    result file; default ./nodeperf-HOST-UTCTIME.json\n"
	"  --label L     a name for this side of a comparison: azurelinux-3, ubuntu-22.04\n"
	"  --reps N      repetitions instead of the suite's\n"
	"  --rep-time S  seconds per repetition instead of the suite's\n"
	"  --tmpdir DIR  where the run's scratch dir goes (default /var/tmp)\n"
	"  --json        print the result JSON on stdout instead of the table\n"
	"  --no-probes   do not attach the eBPF probes the benches name\n"
	"  --same-core   net: client and server threads on one CPU (default two cores)\n"
	"  --busy-poll US  net: SO_BUSY_POLL of US microseconds on every socket\n"
	"  --msg-size B  net: request/response size instead of the suite's sizes\n"
	"  --io-dir DIR  io: make the files in DIR (default the run's scratch dir)\n"
	"  --io-device DEV  io: measure a raw block device, read-only\n"
	"  --destructive io: allow the write benches on --io-device (destroys its data)\n"
	"  --tune K=V    set K only inside what the benches create: net.* sysctls in\n"
	"                their namespaces, block.{scheduler,nr_requests,read_ahead_kb}\n"
	"                on their loop device (repeatable)\n"
	"  --log-markers after the summary, print the result on stdout as one line of\n"
	"                JSON between nodeperf-result-begin/-end marker lines, for\n"
	"                `nodeperf collect` to take from a pod log (node=$NODE_NAME or\n"
	"                the hostname)\n"
	"  --hold        then sleep until SIGTERM/SIGINT and exit 0, so that a\n"
	"                DaemonSet pod keeps its log and is not restarted\n"
	"  -v, --verbose a line on stderr as each bench starts and ends (progress\n"
	"                where stderr is not a terminal: CI logs, pod logs)\n"
	"  Exit: 0 done, 2 bad usage, 3 a bench failed or the result could not be\n"
	"  written, 130/143 interrupted (a partial result is written).\n";

/* Whether res gained a skipped entry for bench name since it held n of them. */
static int skipped_since(const struct result *res, size_t n, const char *name)
{
	for (; n < res->nskipped; n++)
		if (!strcmp(res->skipped[n].bench, name))
			return 1;
	return 0;
}

/* Start the probes a bench names; one that cannot start is noted in skipped. */
static void attach_probes(const struct bench *b, struct result *res, struct probe **probes)
{
	char why[1024], name[96];
	unsigned k;

	for (k = 0; b->probes && b->probes[k] && k < BENCH_MAX_PROBES; k++) {
		const struct probe_def *def = probe_find(b->probes[k]);

		snprintf(name, sizeof(name), "%s/probe:%s", b->name, b->probes[k]);
		if (!def) {
			result_add_skip(res, name, "no such probe in this build");
			continue;
		}
		if (probe_start(def, NULL, &probes[k], why, sizeof(why))) {
			log_warn("%s: %s", name, why);
			result_add_skip(res, name, why);
		}
	}
}

/*
 * Each metric the bench added gets the probes' distributions; the result's
 * probes array gets each probe's rung, events and own cost.
 */
static void collect_probes(const struct bench *b, struct result *res, struct probe **probes, size_t first)
{
	unsigned k;
	size_t m;

	for (k = 0; k < BENCH_MAX_PROBES; k++) {
		json_t *data;

		if (!probes[k])
			continue;
		data = probe_collect(probes[k], 0);
		probe_stop(probes[k]);
		probes[k] = NULL;
		if (!data)
			continue;
		for (m = first; m < res->nmetrics; m++) {
			struct metric *mt = &res->metrics[m];

			if (!mt->probes)
				mt->probes = json_object();
			json_object_set_new(mt->probes, b->probes[k],
					    json_pack("{s:O, s:O, s:O}", "attach", json_object_get(data, "attach"),
						      "counters", json_object_get(data, "counters"), "hists",
						      json_object_get(data, "hists")));
		}
		json_object_del(data, "hists");
		json_object_set_new(data, "bench", json_string(b->name));
		if (!res->probes)
			res->probes = json_array();
		json_array_append_new(res->probes, data);
	}
}

static int selected(const struct bench *b, unsigned suite, char **only, int nonly)
{
	int i;

	if (nonly == 0)
		return (b->suites & suite) != 0;
	for (i = 0; i < nonly; i++)
		if (!fnmatch(only[i], b->name, 0))
			return 1;
	return 0;
}

/* The result as one JSON line between the markers `nodeperf collect` looks for. */
static int print_markers(const struct result *res, const char *host, int rc)
{
	const char *node = getenv("NODE_NAME");
	json_t *doc = result_to_json(res);
	char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(doc);
	if (!text)
		return -ENOMEM;
	collect_print_markers(stdout, node && *node ? node : host, rc, text, strlen(text));
	free(text);
	return 0;
}

static volatile sig_atomic_t hold_signal;

static void hold_handler(int sig)
{
	hold_signal = sig;
}

/*
 * --hold: a DaemonSet restarts a container that exits, whatever its code,
 * which would rerun the suite and rotate the log the collector reads. Sleep
 * until told to stop instead; the image has no shell to `sleep` with.
 */
static void hold_until_signal(int rc)
{
	struct sigaction sa = { .sa_handler = hold_handler };
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_info("run: finished (exit %d); holding until SIGTERM", rc);
	while (!hold_signal)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static int check_out_dir(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	str_copy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (!slash)
		str_copy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (access(dir, W_OK | X_OK)) {
		log_err("cannot write the result into %s: %m", dir);
		return -errno;
	}
	return 0;
}

static int fill_run(struct result *res, const char *label, const char *suite, int argc, char **argv)
{
	char started[64], id[64];

	utc_rfc3339(started, sizeof(started));
	snprintf(id, sizeof(id), "%llx-%d", (unsigned long long)now_ns(), (int)getpid());
	res->label = label ? strdup(label) : NULL;
	res->suite = strdup(suite);
	res->started = strdup(started);
	res->run_id = strdup(id);
	if ((label && !res->label) || !res->suite || !res->started || !res->run_id)
		return -ENOMEM;
	/* argv[0] is "run": record the whole command line a user would retype */
	return result_set_argv(res, argc, argv);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "suite", required_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'O' },
		{ "out", required_argument, NULL, 'o' },
		{ "label", required_argument, NULL, 'l' },
		{ "reps", required_argument, NULL, 'r' },
		{ "rep-time", required_argument, NULL, 't' },
		{ "tmpdir", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-probes", no_argument, NULL, 'P' },
		{ "same-core", no_argument, NULL, 'S' },
		{ "busy-poll", required_argument, NULL, 'B' },
		{ "msg-size", required_argument, NULL, 'M' },
		{ "io-dir", required_argument, NULL, 'D' },
		{ "io-device", required_argument, NULL, 'V' },
		{ "destructive", no_argument, NULL, 'X' },
		{ "tune", required_argument, NULL, 'U' },
		{ "log-markers", no_argument, NULL, 'K' },
		{ "hold", no_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const struct suite_def *sd = &suites[0];
	const char **tune = calloc((size_t)argc + 1, sizeof(char *));
	unsigned ntune = 0;
	double num;
	const char *out = NULL, *label = NULL, *tmpbase = NULL;
	char outbuf[PATH_MAX], host[256], stamp[32], tmpdir[PATH_MAX], why[256];
	char **only = calloc((size_t)argc + 1, sizeof(char *));
	double reps = 0, rep_time = 0, t_start;
	struct bench_ctx ctx = { 0 };
	struct result *res = NULL;
	struct topo *topo = NULL;
	int c, nonly = 0, as_json = 0, rc = 0, failed = 0, interrupted = 0, no_probes = 0;
	int log_markers = 0, hold = 0;
	unsigned i, nsel = 0;
	size_t s;

	if (!only || !tune) {
		free(only);
		free(tune);
		return EXIT_RUNTIME;
	}
	ctx.tune = tune;
	while ((c = getopt_long(argc, argv, "s:O:o:l:r:t:T:jPSB:M:D:V:XU:KHvh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			for (s = 0; s < ARRAY_SIZE(suites); s++)
				if (!strcmp(optarg, suites[s].name))
					break;
			if (s == ARRAY_SIZE(suites)) {
				rc = cli_usage_error(run_usage, "run: unknown suite '%s' (quick, standard, full)", optarg);
				goto out;
			}
			sd = &suites[s];
			break;
		case 'O':
			only[nonly++] = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'r':
			if (parse_number(optarg, 1, 1000, &reps) || reps != (unsigned)reps) {
				rc = cli_usage_error(run_usage, "run: --reps wants a whole number 1..1000, not '%s'", optarg);
				goto out;
			}
			break;
		case 't':
			if (parse_number(optarg, 0.01, 3600, &rep_time)) {
				rc = cli_usage_error(run_usage, "run: --rep-time wants seconds 0.01..3600, not '%s'", optarg);
				goto out;
			}
			break;
		case 'T':
			tmpbase = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'P':
			no_probes = 1;
			break;
		case 'S':
			ctx.same_core = 1;
			break;
		case 'B':
			if (parse_number(optarg, 0, 1000000, &num) || num != (unsigned)num) {
				rc = cli_usage_error(run_usage, "run: --busy-poll wants microseconds 0..1000000, not '%s'", optarg);
				goto out;
			}
			ctx.busy_poll_us = (unsigned)num;
			break;
		case 'M':
			if (parse_number(optarg, 1, 1 << 20, &num) || num != (unsigned)num) {
				rc = cli_usage_error(run_usage, "run: --msg-size wants bytes 1..1048576, not '%s'", optarg);
				goto out;
			}
			ctx.msg_size = (unsigned)num;
			break;
		case 'D':
			ctx.io_dir = optarg;
			break;
		case 'V':
			ctx.io_device = optarg;
			break;
		case 'X':
			ctx.destructive = 1;
			break;
		case 'U':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				rc = cli_usage_error(run_usage, "run: --tune wants KEY=VALUE, not '%s'", optarg);
				goto out;
			}
			tune[ntune++] = optarg;
			break;
		case 'K':
			log_markers = 1;
			break;
		case 'H':
			hold = 1;
			break;
		case 'v':
			log_verbose = 1;
			break;
		case 'h':
			fputs(run_usage, stdout);
			goto out;
		default:
			rc = cli_bad_option(run_usage);
			goto out;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error(run_usage, "run: unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (log_markers) {
		/*
		 * One stream: a container runtime reads a pod's stdout and stderr
		 * separately, so a diagnostic could land inside the result line.
		 * kubectl logs merges the two anyway.
		 */
		fflush(stderr);
		setvbuf(stdout, NULL, _IOLBF, 0);
		if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
			log_warn("run: cannot send diagnostics to stdout: %m");
	}
	if (ctx.destructive && !ctx.io_device) {
		rc = cli_usage_error(run_usage, "run: --destructive only applies to an --io-device");
		goto out;
	}
	for (i = 0; bench_table[i]; i++)
		nsel += selected(bench_table[i], sd->bit, only, nonly);
	/* a mistyped glob beside good ones must not drop a bench from a gate silently */
	for (c = 0; c < nonly; c++) {
		for (i = 0; bench_table[i] && fnmatch(only[c], bench_table[i]->name, 0); i++)
			;
		if (!bench_table[i]) {
			rc = cli_usage_error(run_usage, "run: --only '%s' matches no bench; `nodeperf list` shows them",
					     only[c]);
			goto out;
		}
	}
	if (!nsel) {
		rc = cli_usage_error(run_usage, "run: no bench matches; `nodeperf list` shows them");
		goto out;
	}
	if (gethostname(host, sizeof(host)))
		str_copy(host, "unknown", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	if (!out) {
		utc_stamp(stamp, sizeof(stamp));
		snprintf(outbuf, sizeof(outbuf), "nodeperf-%s-%s.json", host, stamp);
		out = outbuf;
	}
	if (check_out_dir(out)) {
		rc = EXIT_RUNTIME;
		goto out;
	}

	sandbox_init();
	t_start = (double)now_ns() / 1e9;
	res = result_new();
	if (!res) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (fill_run(res, label, sd->name, argc, argv)) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (topo_open(&topo))
		log_warn("hwloc topology unavailable: benches that pin threads will be skipped");
	/* core/ knows nothing of CUDA: the GPUs' driver view is added here */
	if (snapshot_collect(topo, &res->node, &res->config) || gpu_snapshot_add(res->node, topo)) {
		log_err("run: out of memory taking the snapshot");
		rc = EXIT_RUNTIME;
		goto out;
	}
	rc = sandbox_tempdir(tmpbase, tmpdir, sizeof(tmpdir));
	if (rc) {
		log_err("run: cannot create a scratch dir under %s: %s", tmpbase ? tmpbase : "/var/tmp",
			strerror(-rc));
		rc = EXIT_RUNTIME;
		goto out;
	}

	ctx.topo = topo;
	ctx.suite = sd->bit;
	ctx.reps = reps ? (unsigned)reps : sd->reps;
	ctx.rep_s = rep_time ? rep_time : sd->rep_s;
	ctx.warmup_s = rep_time ? fmin(sd->warmup_s, rep_time) : sd->warmup_s;
	ctx.budget_s = 4 * (ctx.warmup_s + ctx.reps * ctx.rep_s) + 5;
	ctx.tmpdir = tmpdir;
	ctx.nbenches = nsel;
	ctx.started_s = t_start;
	ctx.eta_total_s = nsel * (ctx.warmup_s + ctx.reps * ctx.rep_s);

	if (!no_probes && probe_supported(why, sizeof(why))) {
		log_warn("running without probes: %s", why);
		result_add_skip(res, "probes", why);
		no_probes = 1;
	}
	ctx.no_probes = no_probes;
	for (i = 0; bench_table[i] && !sandbox_stop; i++) {
		const struct bench *b = bench_table[i];

		if (!selected(b, sd->bit, only, nonly))
			continue;
		ctx.bench_name = b->name;
		ctx.cfg = b->cfg;
		why[0] = '\0';
		if (!b->available(&ctx, why, sizeof(why))) {
			log_info("%s: skipped: %s", b->name, why);
			result_add_skip(res, b->name, why);
		} else {
			struct probe *probes[BENCH_MAX_PROBES] = { 0 };
			size_t first = res->nmetrics;

			if (!no_probes)
				attach_probes(b, res, probes);
			size_t nskip = res->nskipped;

			double b0 = elapsed_s(&ctx);

			log_debug("[%u/%u] %s: start", ctx.bench_idx + 1, nsel, b->name);
			rc = b->run(&ctx, res);
			log_debug("[%u/%u] %s: end (%.1f s, rc %d)", ctx.bench_idx + 1, nsel, b->name,
				  elapsed_s(&ctx) - b0, rc);
			collect_probes(b, res, probes, first);
			if (rc == -EINTR || sandbox_stop) {
				interrupted = 1;
			} else if (rc) {
				failed = 1;
				/* A bench that said why it failed has been heard: no second, vaguer entry. */
				if (!skipped_since(res, nskip, b->name)) {
					snprintf(why, sizeof(why), "failed: %s", strerror(-rc));
					log_err("%s: %s", b->name, why);
					result_add_skip(res, b->name, why);
				}
			}
		}
		ctx.bench_idx++;
	}
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	interrupted |= sandbox_stop;
	res->partial = interrupted;
	res->duration_s = (double)now_ns() / 1e9 - t_start;

	rc = result_write(res, out, why, sizeof(why));
	if (rc) {
		log_err("%s", why);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (as_json) {
		json_t *doc = result_to_json(res);

		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else {
		result_print_summary(res, stdout);
	}
	fflush(stdout);
	log_info("result: %s%s", out, interrupted ? " (partial: interrupted)" : "");
	if (interrupted)
		rc = 128 + (sandbox_signal ? sandbox_signal : SIGINT);
	else
		rc = failed ? EXIT_RUNTIME : 0;
	if (log_markers && print_markers(res, host, rc)) {
		log_err("run: out of memory printing the result between markers");
		rc = EXIT_RUNTIME;
	}
out:
	sandbox_cleanup_all();
	result_free(res);
	topo_close(topo);
	free(only);
	free(tune);
	if (hold && !sandbox_stop) {
		hold_until_signal(rc);
		rc = 0;
	}
	return rc;
}

static const char list_usage[] =
	"usage: nodeperf list [--json]\n"
	"  List the benches (suites, probes they attach) and the probes with\n"
	"  their tracepoints and the rung of the attach ladder each loads with\n"
	"  on this kernel (tp_btf > raw_tp > tracepoint; needs root to find out).\n";

/* Load each probe once to learn its rung here; "-" plus why when it cannot. */
static json_t *probe_rungs(void)
{
	char why[1024];
	json_t *arr = json_array();
	int ok = probe_supported(why, sizeof(why)) == 0;
	unsigned i;

	for (i = 0; probe_table[i]; i++) {
		const struct probe_def *d = probe_table[i];
		struct probe *p = NULL;
		json_t *o = json_pack("{s:s, s:s, s:s}", "name", d->name, "summary", d->summary,
				      "tracepoints", d->tracepoints);

		if (ok && !probe_start(d, NULL, &p, why, sizeof(why))) {
			json_object_set_new(o, "rung", json_string(probe_rung_name(probe_rung_used(p))));
			probe_stop(p);
		} else {
			json_object_set_new(o, "rung", json_null());
			json_object_set_new(o, "why", json_string(why));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	json_t *benches, *probes, *v;
	int c, as_json = 0, wname = 5, wprobes = 6;
	unsigned i, s, k;
	size_t j;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = 1;
			break;
		case 'h':
			fputs(list_usage, stdout);
			return 0;
		default:
			return cli_bad_option(list_usage);
		}
	}
	if (optind < argc)
		return cli_usage_error(list_usage, "list: unexpected argument '%s'", argv[optind]);
	sandbox_init();
	benches = json_array();
	for (i = 0; bench_table[i]; i++) {
		const struct bench *b = bench_table[i];
		json_t *ss = json_array(), *ps = json_array();

		for (s = 0; s < ARRAY_SIZE(suites); s++)
			if (b->suites & suites[s].bit)
				json_array_append_new(ss, json_string(suites[s].name));
		for (k = 0; b->probes && b->probes[k]; k++)
			json_array_append_new(ps, json_string(b->probes[k]));
		json_array_append_new(benches, json_pack("{s:s, s:s, s:o, s:o}", "name", b->name, "summary",
							 b->summary, "suites", ss, "probes", ps));
	}
	probes = probe_rungs();
	if (as_json) {
		json_t *doc = json_pack("{s:o, s:o}", "benches", benches, "probes", probes);

		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
		return 0;
	}
	/* column widths from the longest bench name and probe list */
	for (i = 0; bench_table[i]; i++) {
		const struct bench *b = bench_table[i];
		int w = 0;

		if ((int)strlen(b->name) > wname)
			wname = (int)strlen(b->name);
		for (k = 0; b->probes && b->probes[k]; k++)
			w += (int)strlen(b->probes[k]) + !!k;
		if (w > wprobes)
			wprobes = w;
	}
	printf("%-*s %-20s %-*s %s\n", wname, "BENCH", "SUITES", wprobes, "PROBES", "WHAT");
	json_array_foreach(benches, j, v) {
		char ss[64] = "", ps[64] = "";
		size_t off = 0, poff = 0, x;
		json_t *e;

		json_array_foreach(json_object_get(v, "suites"), x, e)
			off += (size_t)snprintf(ss + off, sizeof(ss) - off, "%s%s", off ? "," : "", json_string_value(e));
		json_array_foreach(json_object_get(v, "probes"), x, e)
			poff += (size_t)snprintf(ps + poff, sizeof(ps) - poff, "%s%s", poff ? "," : "", json_string_value(e));
		printf("%-*s %-20s %-*s %s\n", wname, json_string_value(json_object_get(v, "name")), ss, wprobes, ps,
		       json_string_value(json_object_get(v, "summary")));
	}
	printf("\n%-12s %-11s %-52s %s\n", "PROBE", "RUNG HERE", "TRACEPOINTS", "WHAT");
	json_array_foreach(probes, j, v) {
		const json_t *rung = json_object_get(v, "rung");

		printf("%-12s %-11s %-52s %s\n", json_string_value(json_object_get(v, "name")),
		       json_is_string(rung) ? json_string_value(rung) : "-",
		       json_string_value(json_object_get(v, "tracepoints")), json_string_value(json_object_get(v, "summary")));
		if (!json_is_string(rung))
			printf("%-12s   (%s)\n", "", json_string_value(json_object_get(v, "why")));
	}
	json_decref(benches);
	json_decref(probes);
	return 0;
}
