/* runner.c - the bench table, suites, repetitions, and the run and list commands. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cli.h"
#include "core/disturb.h"
#include "core/log.h"
#include "core/loopdev.h"
#include "core/netns.h"
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
	unsigned rounds;	/* run --rounds default: the reps are spread over them */
};

static const struct suite_def suites[] = {
	{ "quick", SUITE_QUICK, 5, 0.2, 0.3, 1 },
	{ "standard", SUITE_STANDARD, 9, 0.5, 1.0, 3 },
	{ "full", SUITE_FULL, 15, 1.0, 2.0, 3 },
};

#define ROUNDS_MAX	100
#define SEED_MAX	((1ull << 53) - 1)	/* exact in every JSON reader */
#define WARMUP_FLOOR_S	0.05		/* a round's warm-up never gets shorter than this */

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

/* Around one measured repetition: what the host did meanwhile, into env (its round set). */
static void rep_env_begin(struct disturb_snap *snap)
{
	static int warned;

	if (disturb_begin(snap) && !warned++)
		log_warn("cannot read /proc/stat: the disturbance of repetitions is not recorded in full");
}

static void rep_env_end(const struct bench_ctx *ctx, const struct disturb_snap *snap, struct rep_env *env)
{
	disturb_end(snap, env);
	env->round = ctx->round;
}

/* Add latency metric name from done repetitions; takes merged and params. */
static int add_latency(struct result *res, const char *name, const double *vals, unsigned done,
		       struct hist *merged, json_t *params, const struct rep_env *env)
{
	struct metric *m = result_add_metric(res, name, "ns", BETTER_LOWER);
	unsigned r, s;

	if (!m || metric_set_env(m, env, done))
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
	struct rep_env *env = calloc(ctx->reps, sizeof(*env));
	struct hist *merged = hist_new(), *h = hist_new();
	struct disturb_snap snap;
	uint64_t t0 = now_ns();
	unsigned done = 0;
	int rc;

	if (!vals || !env || !merged || !h) {
		rc = -ENOMEM;
		goto out_free;
	}
	progress(ctx, 0, 0);
	rc = fn(ctx, arg, ctx->warmup_s, h);
	if (rc)
		goto out_free;

	while (done < ctx->reps && rep_fits(ctx, name, t0, done)) {
		hist_init(h);
		rep_env_begin(&snap);
		rc = fn(ctx, arg, ctx->rep_s, h);
		if (rc)
			goto out_free;
		rep_env_end(ctx, &snap, &env[done]);
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
	rc = add_latency(res, name, vals, done, merged, params, env);
	merged = NULL;
	params = NULL;
out_free:
	json_decref(params);
	hist_free(merged);
	hist_free(h);
	free(vals);
	free(env);
	return rc;
}

int bench_rate(struct bench_ctx *ctx, struct result *res, const char *name, const char *unit,
	       bench_rate_fn fn, void *arg, json_t *params, const char *lat_name)
{
	double *rates = calloc(ctx->reps, sizeof(double));
	double *vals = calloc((size_t)ctx->reps * ARRAY_SIZE(rep_stats), sizeof(double));
	struct rep_env *env = calloc(ctx->reps, sizeof(*env));
	struct hist *merged = hist_new(), *h = hist_new();
	struct disturb_snap snap;
	uint64_t t0 = now_ns();
	struct metric *m;
	unsigned done = 0, r;
	double rate;
	int rc;

	if (!rates || !vals || !env || !merged || !h) {
		rc = -ENOMEM;
		goto out_free;
	}
	progress(ctx, 0, 0);
	rc = fn(ctx, arg, ctx->warmup_s, &rate, h);
	if (rc)
		goto out_free;
	while (done < ctx->reps && rep_fits(ctx, name, t0, done)) {
		hist_init(h);
		rep_env_begin(&snap);
		rc = fn(ctx, arg, ctx->rep_s, &rate, h);
		if (rc)
			goto out_free;
		rep_env_end(ctx, &snap, &env[done]);
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
	if (!m || metric_set_env(m, env, done)) {
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
		size_t mi = (size_t)(m - res->metrics);

		if (params)
			json_object_set_new(params, "reps_done", json_integer(done));

		rc = add_latency(res, lat_name, vals, done, merged, lp, env);
		merged = NULL;
		/* adding the latency metric may have moved the array */
		m = &res->metrics[mi];
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
	free(env);
	free(rates);
	return rc;
}

static const char run_usage[] =
	"usage: nodeperf run [--suite quick|standard|full] [--only GLOB]... [--out FILE]\n"
	"                    [--label LABEL] [--reps N] [--rep-time S] [--rounds N] [--seed S]\n"
	"                    [--tmpdir DIR] [--json]\n"
	"                    [--no-probes] [--same-core] [--busy-poll US] [--msg-size B]\n"
	"                    [--io-dir DIR] [--io-device DEV [--destructive]] [--tune KEY=VALUE]...\n"
	"                    [--log-markers] [--hold] [--verbose]\n"
	"  Snapshot the node, run the benches of the suite, write a result file\n"
	"  (schema nodeperf/result/v1) atomically and print a summary table.\n"
	"  --suite S     quick (5 reps, 1 round), standard (9 reps, 3 rounds), full (15,\n"
	"                3); default quick\n"
	"  --only GLOB   run only benches whose name matches (repeatable): 'sched.*';\n"
	"                each GLOB must match a bench\n"
	"  --out FILE    result file; default ./nodeperf-HOST-UTCTIME.json\n"
	"  --label L     a name for this side of a comparison: azurelinux-3, ubuntu-22.04\n"
	"  --reps N      repetitions instead of the suite's\n"
	"  --rep-time S  seconds per repetition instead of the suite's\n"
	"  --rounds N    run the benches N times each (1..100), in a fresh random order\n"
	"                every round; the repetitions and warm-up are split over the\n"
	"                rounds (N <= reps), so the run takes as long\n"
	"  --seed S      the seed of the rounds' order (0..2^53-1; default random,\n"
	"                recorded in the result as run.seed)\n"
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
	"  written (the measurements are then saved elsewhere, named on stderr, or\n"
	"  printed on stdout), 130/143 interrupted (a partial result is written).\n";

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
static void collect_probes(const struct bench *b, struct result *res, struct probe **probes, size_t first,
			   const struct bench_ctx *ctx)
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
		if (ctx->rounds > 1)
			json_object_set_new(data, "round", json_integer(ctx->round));
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


/* A whole number in [lo, hi] written as decimal digits only ("1e3", "+5", " 5" are not). 0 or -EINVAL. */
static int parse_whole(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (ULLONG_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

/* splitmix64: the round orders' generator; the same seed gives the same orders. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t default_seed(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = now_ns() ^ ((uint64_t)getpid() << 32);
	return v & SEED_MAX;
}

/* Fisher-Yates over idx[0..n), unbiased (rejection sampling). */
static void shuffle(unsigned *idx, unsigned n, uint64_t *state)
{
	unsigned i, j, t;

	for (i = n; i > 1; i--) {
		uint64_t lim = UINT64_MAX - UINT64_MAX % i, r;

		do
			r = splitmix64(state);
		while (r >= lim);
		j = (unsigned)(r % i);
		t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

/*
 * A --tune KEY=VALUE checked before anything runs: a block.* key of the
 * loop device (form of the value), or a net.* sysctl that exists (a key
 * that would leave /proc/sys/net is refused by its form). 0 or -EINVAL with
 * why. The net keys' namespace check is tune_netns_check().
 */
static int tune_check(const char *kv, char *why, size_t len)
{
	struct loopdev_tune t;
	char key[256], path[512];
	size_t k = strcspn(kv, "=");
	int rc;

	if (!kv[k] || !k || k >= sizeof(key)) {
		snprintf(why, len, "--tune wants KEY=VALUE, not '%s'", kv);
		return -EINVAL;
	}
	if (loopdev_tune_is_block(kv))
		return loopdev_tune_parse(kv, &t, why, len) ? -EINVAL : 0;
	memcpy(key, kv, k);
	key[k] = '\0';
	rc = netns_tune_path(key, path, sizeof(path));
	if (rc < 0 || rc == 1) {
		snprintf(why, len, "--tune %.100s: not a net.* sysctl nor block.scheduler, block.nr_requests or block.read_ahead_kb",
			 kv);
		return -EINVAL;
	}
	if (access(path, F_OK)) {
		snprintf(why, len, "--tune %.100s: no such sysctl here", key);
		return -EINVAL;
	}
	return 0;
}

/*
 * The net.* keys as a net bench will meet them: in a fresh network namespace
 * (a child process unshares one), each must exist and be writable. -1 when
 * no namespace can be made here (the net benches will skip anyway), 0 when
 * all are fine, else 1 + the index of the first key refused, *ro set when
 * it exists but is read-only there.
 */
static int tune_netns_check(const char *const *tune, int *ro)
{
	unsigned i, n = 0;
	int status;
	pid_t pid;

	for (i = 0; tune[i]; i++)
		n += str_starts(tune[i], "net.");
	if (!n)
		return 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (unshare(CLONE_NEWNET))
			_exit(1);
		for (i = 0; tune[i] && i < 100; i++) {
			char key[256], path[512];
			size_t k = strcspn(tune[i], "=");

			if (!str_starts(tune[i], "net.") || k >= sizeof(key))
				continue;
			memcpy(key, tune[i], k);
			key[k] = '\0';
			if (netns_tune_path(key, path, sizeof(path)))
				continue;
			if (access(path, F_OK))
				_exit(2 + 2 * (int)i);
			if (access(path, W_OK))
				_exit(3 + 2 * (int)i);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 1)
		return -1;
	if (!WEXITSTATUS(status))
		return 0;
	*ro = (WEXITSTATUS(status) - 2) & 1;
	return 1 + (WEXITSTATUS(status) - 2) / 2;
}

/*
 * The result could not be written where asked (a full disk): save the
 * measurements in the first writable place of $TMPDIR, /var/tmp, /tmp,
 * /dev/shm and the current directory, as saved-NAME. 0 with the path, or -1.
 */
static int save_elsewhere(const struct result *res, const char *out, char *path, size_t len)
{
	const char *dirs[] = { getenv("TMPDIR"), "/var/tmp", "/tmp", "/dev/shm", "." };
	const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
	char why[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		if (snprintf(path, len, "%s/saved-%d-%s", dirs[i], (int)getpid(), *base ? base : "result.json") >= (int)len)
			continue;
		if (!access(path, F_OK))
			continue;
		if (!result_write(res, path, why, sizeof(why)))
			return 0;
		log_debug("run: %s", why);
	}
	return -1;
}

/*
 * Benches with their own repetition loop (the container runtimes) add
 * metrics without per-repetition environments: give each the bench's
 * whole-run disturbance spread evenly over its repetitions, marked so.
 */
static void spread_bench_env(struct result *res, size_t first, const struct rep_env *benv)
{
	size_t i, j, n;

	for (i = first; i < res->nmetrics; i++) {
		struct metric *m = &res->metrics[i];
		struct rep_env *e;

		n = metric_nreps_n(m);
		if (m->nenv || !n || !(e = calloc(n, sizeof(*e))))
			continue;
		for (j = 0; j < n; j++) {
			e[j].round = benv->round;
			e[j].wall_s = benv->wall_s / (double)n;
			e[j].steal_s = benv->steal_s / (double)n;
			e[j].other_cpu_s = benv->other_cpu_s / (double)n;
			e[j].throttled_s = benv->throttled_s / (double)n;
			e[j].invol_csw = benv->invol_csw / (double)n;
			e[j].irq = benv->irq / (double)n;
			e[j].softirq = benv->softirq / (double)n;
			e[j].major_faults = benv->major_faults / (double)n;
		}
		if (!metric_set_env(m, e, n))
			m->env_bench_scope = 1;
		free(e);
	}
}

/*
 * A bench's later round: each metric it added that an earlier round added
 * too is folded into the earlier one (one metric per name, repetitions in
 * the order they ran), and a skipped entry it repeats is dropped. 0, or
 * -EPROTO when a metric does not fit its earlier self (a bench bug).
 */
static int merge_round(struct result *res, size_t first, size_t nskip)
{
	char why[256];
	size_t i, j;
	int rc = 0;

	for (i = first; i < res->nmetrics;) {
		struct metric *dst = NULL;

		for (j = 0; j < first && !dst; j++)
			if (!strcmp(res->metrics[j].name, res->metrics[i].name))
				dst = &res->metrics[j];
		if (!dst) {
			i++;
			continue;
		}
		if (metric_merge(dst, &res->metrics[i], why, sizeof(why))) {
			log_err("run: cannot merge the rounds of %s", why);
			rc = -EPROTO;
		}
		result_remove_metric(res, i);
	}
	for (i = nskip; i < res->nskipped;) {
		for (j = 0; j < nskip && strcmp(res->skipped[j].bench, res->skipped[i].bench); j++)
			;
		if (j < nskip)
			result_remove_skip(res, i);
		else
			i++;
	}
	return rc;
}

enum bench_state { B_PENDING, B_RAN, B_DONE_WITH };	/* B_DONE_WITH: skipped or failed, not run again */

/* One bench in one round: available(), probes, run(), the environments, the merge. */
static void run_bench(struct bench_ctx *ctx, const struct bench *b, struct result *res, int no_probes,
		      unsigned char *state, int *failed, int *interrupted)
{
	struct probe *probes[BENCH_MAX_PROBES] = { 0 };
	size_t first = res->nmetrics, nskip = res->nskipped;
	struct disturb_snap bsnap;
	struct rep_env benv;
	char why[1024], round[32] = "";
	double b0;
	int rc;

	ctx->bench_name = b->name;
	ctx->cfg = b->cfg;
	why[0] = '\0';
	if (ctx->rounds > 1)
		snprintf(round, sizeof(round), " (round %u/%u)", ctx->round + 1, ctx->rounds);
	if (!b->available(ctx, why, sizeof(why))) {
		log_info("%s: skipped: %s", b->name, why);
		result_add_skip(res, b->name, why);
		merge_round(res, first, nskip);
		*state = B_DONE_WITH;
		return;
	}
	if (!no_probes)
		attach_probes(b, res, probes);
	b0 = elapsed_s(ctx);
	log_debug("[%u/%u] %s: start%s", ctx->bench_idx + 1, ctx->nbenches, b->name, round);
	disturb_begin(&bsnap);
	rc = b->run(ctx, res);
	disturb_end(&bsnap, &benv);
	benv.round = ctx->round;
	log_debug("[%u/%u] %s: end (%.1f s, rc %d)", ctx->bench_idx + 1, ctx->nbenches, b->name,
		  elapsed_s(ctx) - b0, rc);
	collect_probes(b, res, probes, first, ctx);
	spread_bench_env(res, first, &benv);
	if (rc == -EINTR || sandbox_stop) {
		*interrupted = 1;
	} else if (rc) {
		*failed = 1;
		*state = B_DONE_WITH;
		/* A bench that said why it failed has been heard: no second, vaguer entry. */
		if (!skipped_since(res, nskip, b->name)) {
			snprintf(why, sizeof(why), "failed: %s", strerror(-rc));
			log_err("%s: %s", b->name, why);
			result_add_skip(res, b->name, why);
		}
	} else {
		*state = B_RAN;
	}
	if (merge_round(res, first, nskip)) {
		*failed = 1;
		*state = B_DONE_WITH;
		if (!skipped_since(res, 0, b->name))
			result_add_skip(res, b->name, "failed: its rounds recorded different metrics");
	}
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
		{ "rounds", required_argument, NULL, 'R' },
		{ "seed", required_argument, NULL, 'E' },
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
	double reps = 0, rep_time = 0, t_start, warmup;
	struct bench_ctx ctx = { 0 };
	struct result *res = NULL;
	struct topo *topo = NULL;
	int c, nonly = 0, as_json = 0, rc = 0, failed = 0, interrupted = 0, no_probes = 0;
	int log_markers = 0, hold = 0, has_seed = 0, write_failed = 0, to_stdout = 0;
	unsigned i, nsel = 0, rounds = 0, total_reps, round, k, *sel = NULL, *perm = NULL;
	unsigned long long whole;
	unsigned char *state = NULL;
	uint64_t seed = 0, rng;
	char saved[PATH_MAX + 64], rdir[PATH_MAX + 32];
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
			if (!*optarg) {
				rc = cli_usage_error(run_usage, "run: --out wants a file name, not an empty string");
				goto out;
			}
			out = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'r':
			if (parse_whole(optarg, 1, 1000, &whole)) {
				rc = cli_usage_error(run_usage, "run: --reps wants a whole number 1..1000, not '%s'", optarg);
				goto out;
			}
			reps = (double)whole;
			break;
		case 'R':
			if (parse_whole(optarg, 1, ROUNDS_MAX, &whole)) {
				rc = cli_usage_error(run_usage, "run: --rounds wants a whole number 1..%d, not '%s'",
						     ROUNDS_MAX, optarg);
				goto out;
			}
			rounds = (unsigned)whole;
			break;
		case 'E':
			if (parse_whole(optarg, 0, SEED_MAX, &whole)) {
				rc = cli_usage_error(run_usage, "run: --seed wants a whole number 0..%llu, not '%s'",
						     (unsigned long long)SEED_MAX, optarg);
				goto out;
			}
			seed = whole;
			has_seed = 1;
			break;
		case 't':
			if (parse_number(optarg, 0.01, 3600, &rep_time)) {
				rc = cli_usage_error(run_usage, "run: --rep-time wants seconds 0.01..3600, not '%s'", optarg);
				goto out;
			}
			break;
		case 'T':
			if (!*optarg) {
				rc = cli_usage_error(run_usage, "run: --tmpdir wants a directory, not an empty string");
				goto out;
			}
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
			if (parse_whole(optarg, 0, 1000000, &whole) || parse_number(optarg, 0, 1000000, &num)) {
				rc = cli_usage_error(run_usage, "run: --busy-poll wants microseconds 0..1000000, not '%s'", optarg);
				goto out;
			}
			ctx.busy_poll_us = (unsigned)num;
			break;
		case 'M':
			if (parse_whole(optarg, 1, 1 << 20, &whole) || parse_number(optarg, 1, 1 << 20, &num)) {
				rc = cli_usage_error(run_usage, "run: --msg-size wants bytes 1..1048576, not '%s'", optarg);
				goto out;
			}
			ctx.msg_size = (unsigned)num;
			break;
		case 'D':
			if (!*optarg) {
				rc = cli_usage_error(run_usage, "run: --io-dir wants a directory, not an empty string");
				goto out;
			}
			ctx.io_dir = optarg;
			break;
		case 'V':
			ctx.io_device = optarg;
			break;
		case 'X':
			ctx.destructive = 1;
			break;
		case 'U':
			if (tune_check(optarg, why, sizeof(why))) {
				rc = cli_usage_error(run_usage, "run: %s", why);
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
	total_reps = reps ? (unsigned)reps : sd->reps;
	if (!rounds)
		rounds = sd->rounds < total_reps ? sd->rounds : total_reps;
	if (rounds > total_reps) {
		rc = cli_usage_error(run_usage, "run: --rounds %u needs at least %u repetitions, not %u (each round runs one or more)",
				     rounds, rounds, total_reps);
		goto out;
	}
	if (!has_seed)
		seed = default_seed();
	if (ntune && geteuid() == 0) {
		int ro = 0, bad = tune_netns_check(tune, &ro);

		if (bad > 0) {
			rc = cli_usage_error(run_usage, ro ? "run: --tune %.*s is read-only inside a network namespace, where the net benches set it"
							   : "run: --tune %.*s is not per network namespace (only the host has it); the net benches set keys in theirs",
					     (int)strcspn(tune[bad - 1], "="), tune[bad - 1]);
			goto out;
		}
	}
	for (i = 0; ctx.io_device && i < ntune; i++)
		if (loopdev_tune_is_block(tune[i])) {
			rc = cli_usage_error(run_usage, "run: --tune %s applies to the loop device nodeperf creates, not to --io-device %s",
					     tune[i], ctx.io_device);
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
	ctx.rep_s = rep_time ? rep_time : sd->rep_s;
	warmup = rep_time ? fmin(sd->warmup_s, rep_time) : sd->warmup_s;
	ctx.tmpdir = tmpdir;
	ctx.nbenches = nsel * rounds;
	ctx.started_s = t_start;
	ctx.rounds = rounds;
	/* the suite's repetitions and warm-up are split over the rounds: the wall time stays */
	for (round = 0; round < rounds; round++)
		ctx.eta_total_s += nsel * (fmax(warmup / rounds, fmin(warmup, WARMUP_FLOOR_S)) +
					   (total_reps / rounds + (round < total_reps % rounds)) * ctx.rep_s);

	if (!no_probes && probe_supported(why, sizeof(why))) {
		log_warn("running without probes: %s", why);
		result_add_skip(res, "probes", why);
		no_probes = 1;
	}
	ctx.no_probes = no_probes;

	sel = calloc(nsel, sizeof(*sel));
	perm = calloc(nsel, sizeof(*perm));
	state = calloc(nsel, sizeof(*state));
	res->order = json_array();
	if (!sel || !perm || !state || !res->order) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	for (i = 0, k = 0; bench_table[i]; i++)
		if (selected(bench_table[i], sd->bit, only, nonly))
			sel[k++] = i;
	res->rounds = rounds;
	res->seed = seed;
	res->has_seed = 1;
	rng = seed;
	if (rounds > 1)
		log_info("run: %u rounds in a random order each, seed %llu", rounds, (unsigned long long)seed);
	for (round = 0; round < rounds && !sandbox_stop; round++) {
		json_t *names = json_array();

		/* one pass keeps the table's order; rounds shuffle every round, the first too */
		for (k = 0; k < nsel; k++)
			perm[k] = k;
		if (rounds > 1)
			shuffle(perm, nsel, &rng);
		for (k = 0; k < nsel; k++)
			json_array_append_new(names, json_string(bench_table[sel[perm[k]]]->name));
		json_array_append_new(res->order, names);
		ctx.round = round;
		/*
		 * A fresh scratch dir for each later round, inside the run's: a
		 * bench that makes fixed names in it (containerd's state) would
		 * otherwise meet its first round's. All of it goes with the run's.
		 */
		if (round) {
			snprintf(rdir, sizeof(rdir), "%s/round-%u", tmpdir, round + 1);
			if (mkdir(rdir, 0700) && errno != EEXIST) {
				log_err("run: cannot create %s: %m", rdir);
				failed = 1;
				break;
			}
			ctx.tmpdir = rdir;
		}
		ctx.reps = total_reps / rounds + (round < total_reps % rounds);
		ctx.warmup_s = fmax(warmup / rounds, fmin(warmup, WARMUP_FLOOR_S));
		ctx.budget_s = 4 * (ctx.warmup_s + ctx.reps * ctx.rep_s) + 5;
		for (k = 0; k < nsel && !sandbox_stop; k++) {
			unsigned j = perm[k];

			if (state[j] != B_DONE_WITH)
				run_bench(&ctx, bench_table[sel[j]], res, no_probes, &state[j], &failed, &interrupted);
			ctx.bench_idx++;
		}
	}
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	interrupted |= sandbox_stop;
	res->partial = interrupted;
	res->duration_s = (double)now_ns() / 1e9 - t_start;

	rc = result_write(res, out, why, sizeof(why));
	if (rc) {
		/* the old file stays as it was; the measurements must not be lost */
		log_err("%s", why);
		write_failed = 1;
		/* -EINVAL: a result no reader would take (a bench bug), the same anywhere */
		if (rc == -EINVAL) {
			log_err("run: the result is not valid: not saved");
		} else if (!save_elsewhere(res, out, saved, sizeof(saved))) {
			log_err("run: the measurements are saved in %s instead", saved);
		} else {
			log_err("run: no place to save the measurements: the result follows on stdout as JSON");
			to_stdout = 1;
		}
	}
	if (as_json || to_stdout) {
		json_t *doc = result_to_json(res);

		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else {
		result_print_summary(res, stdout);
	}
	fflush(stdout);
	if (!write_failed)
		log_info("result: %s%s", out, interrupted ? " (partial: interrupted)" : "");
	/* a result that is not where it was asked for is a failure, also when interrupted */
	if (write_failed)
		rc = EXIT_RUNTIME;
	else if (interrupted)
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
	free(sel);
	free(perm);
	free(state);
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
