/* tune.c - empirical A/B of candidate settings inside nodeperf's own namespaces and loop device. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cli.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/util.h"
#include "profiles/profile.h"
#include "results/compare.h"
#include "results/thresholds.h"

#define C(x) (1u << (x))
#define TUNE_MAX_CAND 32

/*
 * A candidate: one change tried against a baseline by re-running benches
 * through `nodeperf run`. tune/base_tune are what `run --tune` applies inside
 * the benches' own namespaces or loop device (base_tune makes the baseline
 * explicit where the benches' default is not the thing to beat); busy_poll
 * uses `run --busy-poll` instead. The profile gets key=value when the gate
 * keeps it. Each id is documented in docs/profiles.md.
 */
struct candidate {
	const char *id;
	unsigned classes;
	unsigned busy_poll;	/* run --busy-poll US of the candidate */
	const char *bench;	/* run --only GLOB */
	const char *target;	/* the metrics that must improve */
	const char *tune;	/* run --tune K=V of the candidate, NULL for none */
	const char *base_tune;	/* run --tune K=V of its baseline, NULL for none */
	const char *key, *value; /* what goes into the profile */
	const char *reason, *source;
	enum profile_scope scope;
	int at_least;		/* numeric: the node passes with a larger value */
};

/* The table in the order one reads a candidate; the struct is ordered for size. */
#define CAND(id_, cls_, bench_, target_, tune_, base_, bp_, key_, value_, al_, scope_, reason_, src_) \
	{ .id = id_, .classes = cls_, .busy_poll = bp_, .bench = bench_, .target = target_,      \
	  .tune = tune_, .base_tune = base_, .key = key_, .value = value_, .reason = reason_,   \
	  .source = src_, .scope = scope_, .at_least = al_ }

#define ALL_NET (C(PROFILE_GENERAL) | C(PROFILE_LATENCY) | C(PROFILE_THROUGHPUT) | C(PROFILE_CONTAINER_DENSITY))

static const struct candidate builtin[] = {
	CAND("tune.net.tcp-rmem", C(PROFILE_GENERAL) | C(PROFILE_THROUGHPUT), "net.tcp_stream.veth",
	  "net.tcp_stream.veth*", "net.ipv4.tcp_rmem=4096 131072 16777216", NULL, 0, "net.ipv4.tcp_rmem",
	  "4096 131072 16777216", 0, SCOPE_NETNS, "TCP receive autotuning may grow to 16 MiB",
	  "tuned profile network-throughput"),
	CAND("tune.net.tcp-wmem", C(PROFILE_GENERAL) | C(PROFILE_THROUGHPUT), "net.tcp_stream.veth",
	  "net.tcp_stream.veth*", "net.ipv4.tcp_wmem=4096 16384 16777216", NULL, 0, "net.ipv4.tcp_wmem",
	  "4096 16384 16777216", 0, SCOPE_NETNS, "TCP send autotuning may grow to 16 MiB",
	  "tuned profile network-throughput"),
	CAND("tune.net.somaxconn", ALL_NET, "net.tcp_crr.veth", "net.tcp_crr.veth*", "net.core.somaxconn=16384",
	  NULL, 0, "net.core.somaxconn", "16384", 1, SCOPE_NETNS,
	  "a longer accept queue absorbs connect bursts", "AKS node defaults (16384 on every image)"),
	CAND("tune.net.syn-backlog", ALL_NET, "net.tcp_crr.veth", "net.tcp_crr.veth*",
	  "net.ipv4.tcp_max_syn_backlog=16384", NULL, 0, "net.ipv4.tcp_max_syn_backlog", "16384", 1,
	  SCOPE_NETNS, "more half-open connections wait for accept",
	  "AKS node defaults (16384 on every image)"),
	CAND("tune.net.autocorking-off", C(PROFILE_LATENCY), "net.tcp_rr.veth", "net.tcp_rr.veth*",
	  "net.ipv4.tcp_autocorking=0", NULL, 0, "net.ipv4.tcp_autocorking", "0", 0, SCOPE_NETNS,
	  "small writes leave at once instead of waiting to be coalesced",
	  "Linux Documentation/networking/ip-sysctl.rst (tcp_autocorking)"),
	CAND("tune.net.busy-poll", C(PROFILE_LATENCY), "net.tcp_rr.veth", "net.tcp_rr.veth*", NULL, NULL, 50,
	  "net.core.busy_read", "50", 0, SCOPE_GLOBAL,
	  "measured with SO_BUSY_POLL 50 us on the benches' sockets; net.core.busy_read sets that "
	  "for every socket",
	  "tuned profile network-latency (busy_read=50)"),
	CAND("tune.block.scheduler-none", C(PROFILE_GENERAL) | C(PROFILE_LATENCY), "io.randread.4k.*",
	  "io.randread.4k.*", "block.scheduler=none", "block.scheduler=mq-deadline", 0,
	  "block.scheduler", "none", 0, SCOPE_BLOCK,
	  "no scheduler lock and sorting per request (measured on nodeperf's loop device)",
	  "Linux Documentation/block/switching-sched.rst"),
	CAND("tune.block.read-ahead", C(PROFILE_GENERAL) | C(PROFILE_THROUGHPUT), "io.seqread.*",
	  "io.seqread.*", "block.read_ahead_kb=4096", "block.read_ahead_kb=128", 0,
	  "block.read_ahead_kb", "4096", 1, SCOPE_BLOCK,
	  "4 MiB read-ahead windows for sequential readers (measured on nodeperf's loop device)",
	  "tuned profile throughput-performance ([disk] readahead=>4096)"),
	CAND("tune.block.nr-requests", C(PROFILE_THROUGHPUT), "io.randread.4k.io_uring.qd32",
	  "io.randread.4k.io_uring.qd32", "block.nr_requests=128", "block.nr_requests=32", 0,
	  "block.nr_requests", "128", 1, SCOPE_BLOCK,
	  "a deeper request queue for deep asynchronous I/O: 128 against 32 (a loop device's "
	  "hardware queue holds 128; measured on nodeperf's loop device)",
	  "Linux Documentation/ABI/stable/sysfs-block (nr_requests)"),
};

const char *profile_tune_candidate_id(size_t i)
{
	return i < ARRAY_SIZE(builtin) ? builtin[i].id : NULL;
}

struct tune_opts {
	enum profile_class cls;
	double budget_s, rep_s;
	unsigned reps;
	const char *out, *thresholds;
	enum profile_format fmt;
	struct candidate extra[TUNE_MAX_CAND];
	char *extra_buf[TUNE_MAX_CAND], *extra_kv[TUNE_MAX_CAND];
	size_t nextra;
};

enum cand_state { CAND_UNTRIED, CAND_KEPT, CAND_DROPPED, CAND_FAILED };

struct cand_run {
	const struct candidate *c;
	enum cand_state state;
	char base_path[600], path[600];
	char why[512];
	const struct cmp_metric *m; /* the improved target metric (kept) */
};

static const char tune_usage[] =
    "usage: nodeperf profile tune --workload CLASS [--budget SECONDS] [--format F] [-o PATH]\n"
    "                             [--reps N] [--rep-time S] [--thresholds FILE]\n"
    "                             [--try KEY=VALUE:BENCH_GLOB[:TARGET_GLOB[:BASE_KEY=VALUE]]]...\n"
    "  Try each candidate setting of the class against a baseline by re-running the\n"
    "  benches that measure it (`nodeperf run --only GLOB --tune KEY=VALUE`): net.*\n"
    "  sysctls inside the benches' own network namespaces, block.* on their own loop\n"
    "  device. Host-global settings are never changed. A candidate is kept only when\n"
    "  compare's gate calls a target metric improved and no metric regressed; the\n"
    "  profile (default JSON on stdout) carries that evidence, and lists every\n"
    "  candidate dropped or not tried with the reason.\n"
    "  --workload CLASS  general, latency, throughput, container-density, gpu\n"
    "  --budget S        stop starting runs that would end after S seconds (default 300)\n"
    "  --reps N          repetitions per run (default 5, the fewest the gate decides on)\n"
    "  --rep-time S      seconds per repetition (default 0.3)\n"
    "  --thresholds FILE the gate's rules (default: the built-in ones, rates on their mean)\n"
    "  --try K=V:GLOB[:TARGET[:BASE]]  an own candidate: --tune K=V on the benches\n"
    "                    GLOB, judged on TARGET (default GLOB), against a baseline run\n"
    "                    with --tune BASE (default none; a block.* candidate needs one,\n"
    "                    so that both sides run on the loop device); replaces the\n"
    "                    built-in candidates\n"
    "  Exit: 0 done (whether or not something helped), 2 bad usage, 3 the baseline\n"
    "  could not be measured, 130/143 interrupted.\n";

/* Benches of this build matching glob. */
static unsigned count_benches(const char *glob)
{
	unsigned i, n = 0;

	for (i = 0; bench_table[i]; i++)
		n += !fnmatch(glob, bench_table[i]->name, 0);
	return n;
}

/*
 * Run `/proc/self/exe run ...` with output into log; its exit status or
 * -errno. SIGINT reaches the child too (same process group): it saves a
 * partial result and exits 130, which the caller sees. fork and exec rather
 * than posix_spawn: the child gets SIGTERM when tune dies, even by SIGKILL
 * (PR_SET_PDEATHSIG), so no run outlives its tune; it inherits the
 * environment, and with it the mark by which cleanup knows it.
 */
static int run_child(char *const argv[], const char *log)
{
	int status, forwarded = 0, fd;
	pid_t parent = getpid(), pid;

	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if (pid == 0) {
		sigset_t none;

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* tune died before the prctl: nobody would send it */
		if (getppid() != parent)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(127);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		/* a signal sent to tune alone (kill PID): the child stops too */
		if (sandbox_stop && !forwarded) {
			kill(pid, sandbox_signal ? sandbox_signal : SIGINT);
			forwarded = 1;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The run's error: its first "error: " line, else its last line. */
static void run_error(const char *log, char *out, size_t len)
{
	char *text = read_all(log, NULL), *line, *end, *err;

	out[0] = '\0';
	if (!text)
		return;
	err = strstr(text, "error: ");
	if (err) {
		str_copy(out, err + strlen("error: "), len);
		out[strcspn(out, "\n")] = '\0';
		free(text);
		return;
	}
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	line = strrchr(text, '\n');
	str_copy(out, line ? line + 1 : text, len);
	free(text);
}

/*
 * One `run` of glob with tune/busy_poll into path. 0, or -1 with why; the
 * status of an interrupted child in *status.
 */
static int measure(const struct tune_opts *o, const char *tmpdir, const char *glob,
		   const char *tune, unsigned busy_poll, const char *path, char *why, size_t len,
		   int *status)
{
	char reps[16], rep_s[32], bp[16], log[600];
	char *argv[24];
	int n = 0, rc;

	snprintf(reps, sizeof(reps), "%u", o->reps);
	snprintf(rep_s, sizeof(rep_s), "%g", o->rep_s);
	snprintf(bp, sizeof(bp), "%u", busy_poll);
	snprintf(log, sizeof(log), "%s.log", path);
	argv[n++] = "nodeperf";
	argv[n++] = "run";
	argv[n++] = "--suite";
	argv[n++] = "quick";
	argv[n++] = "--only";
	argv[n++] = (char *)glob;
	argv[n++] = "--reps";
	argv[n++] = reps;
	argv[n++] = "--rep-time";
	argv[n++] = rep_s;
	argv[n++] = "--no-probes";
	argv[n++] = "--tmpdir";
	argv[n++] = (char *)tmpdir;
	argv[n++] = "--label";
	argv[n++] = tune ? (char *)tune : busy_poll ? "busy-poll" : "baseline";
	if (tune) {
		argv[n++] = "--tune";
		argv[n++] = (char *)tune;
	}
	if (busy_poll) {
		argv[n++] = "--busy-poll";
		argv[n++] = bp;
	}
	argv[n++] = "--out";
	argv[n++] = (char *)path;
	argv[n] = NULL;
	rc = run_child(argv, log);
	*status = rc;
	if (rc == 0)
		return 0;
	if (rc < 0) {
		snprintf(why, len, "cannot start nodeperf run: %s", strerror(-rc));
		return -1;
	}
	if (rc == 128 + SIGINT || rc == 128 + SIGTERM) {
		snprintf(why, len, "interrupted");
		return -1;
	}
	run_error(log, why, len);
	if (!why[0])
		snprintf(why, len, "nodeperf run exited %d", rc);
	return -1;
}

/* Why no target metric came out of a run: the run's own skip reason, if any. */
static int has_target(const char *path, const char *target, char *why, size_t len)
{
	char err[512];
	struct result *r = result_read(path, err, sizeof(err));
	size_t i;
	int found = 0;

	if (!r) {
		str_copy(why, err, len);
		return 0;
	}
	for (i = 0; i < r->nmetrics && !found; i++)
		found = !fnmatch(target, r->metrics[i].name, 0);
	if (!found) {
		snprintf(why, len, "the run produced no %s metric%s%s", target,
			 r->nskipped ? ": " : "", r->nskipped ? r->skipped[0].reason : "");
		for (i = 0; i < r->nskipped; i++)
			if (!fnmatch(target, r->skipped[i].bench, 0) ||
			    str_starts(target, r->skipped[i].bench)) {
				snprintf(why, len, "the run skipped %s: %s", r->skipped[i].bench,
					 r->skipped[i].reason);
				break;
			}
	}
	result_free(r);
	return found;
}

int tune_decide(const struct comparison *c, const char *target, const struct cmp_metric **kept,
		char *why, size_t len)
{
	const struct cmp_metric *best = NULL, *first = NULL;
	size_t i, off = 0;

	*kept = NULL;
	for (i = 0; i < c->nmetrics; i++) {
		const struct cmp_metric *m = &c->metrics[i];

		if (m->verdict == VERDICT_REGRESSED || m->limit_broken) {
			const char *detail = "a broken limit";
			size_t k;

			for (k = 0; k < m->nchecks; k++)
				if (m->checks[k].verdict == VERDICT_REGRESSED || m->checks[k].limit_broken) {
					detail = m->checks[k].why;
					break;
				}
			if (off < len)
				off += (size_t)snprintf(why + off, len - off, "%s%s regressed (%s)",
							off ? "; " : "", m->name, detail);
		}
		if (fnmatch(target, m->name, 0))
			continue;
		if (!first)
			first = m;
		if (m->verdict == VERDICT_IMPROVED && !best)
			best = m;
	}
	if (off)
		return 0;
	if (!first) {
		snprintf(why, len, "no %s metric on both sides to judge", target);
		return 0;
	}
	if (!best) {
		const struct cmp_check *ck = first->nchecks ? &first->checks[0] : NULL;

		for (i = 0; i < first->nchecks; i++)
			if (first->checks[i].verdict == first->verdict) {
				ck = &first->checks[i];
				break;
			}
		/* the first target metric in detail, the others by their verdict */
		off = (size_t)snprintf(why, len, "%s %s: %s", first->name, verdict_name(first->verdict),
				       ck ? ck->why : "no rule gates it");
		for (i = 0; i < c->nmetrics && off < len; i++) {
			const struct cmp_metric *m = &c->metrics[i];

			if (m != first && !fnmatch(target, m->name, 0))
				off += (size_t)snprintf(why + off, len - off, "; %s %s", m->name,
							verdict_name(m->verdict));
		}
		return 0;
	}
	*kept = best;
	return 1;
}

static const struct cmp_check *improved_check(const struct cmp_metric *m)
{
	size_t i;

	for (i = 0; i < m->nchecks; i++)
		if (m->checks[i].verdict == VERDICT_IMPROVED)
			return &m->checks[i];
	return m->nchecks ? &m->checks[0] : NULL;
}

/*
 * From the baseline's snapshot: the node's value of a sysctl (host
 * namespace), or for block.ATTR its disks in *devices ("vda,nvme0n1"; loop
 * devices and ramdisks are not recorded) and "vda=8192,..." as the value.
 * NULL when unknown (*devices too).
 */
static char *snapshot_value(const char *path, const char *key, char **devices)
{
	char err[256], devs[512] = "", cur[1024] = "";
	struct result *r = result_read(path, err, sizeof(err));
	const char *name;
	const json_t *v, *d;
	char *s = NULL;
	size_t off = 0, coff = 0;

	if (devices)
		*devices = NULL;
	if (!r)
		return NULL;
	if (str_starts(key, "block.") && devices) {
		json_object_foreach(json_object_get(r->config, "block"), name, d) {
			char val[64] = "?";

			if (!json_is_object(d) || off + strlen(name) + 2 >= sizeof(devs))
				continue;
			v = json_object_get(d, key + strlen("block."));
			if (json_is_integer(v))
				snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
			else if (json_is_string(v))
				str_copy(val, json_string_value(v), sizeof(val));
			off += (size_t)snprintf(devs + off, sizeof(devs) - off, "%s%s", off ? "," : "", name);
			if (coff + strlen(name) + strlen(val) + 3 < sizeof(cur))
				coff += (size_t)snprintf(cur + coff, sizeof(cur) - coff, "%s%s=%s",
							 coff ? "," : "", name, val);
		}
		*devices = off ? strdup(devs) : NULL;
		s = coff ? strdup(cur) : NULL;
	} else {
		v = json_object_get(json_object_get(r->config, "sysctl"), key);
		if (json_is_string(v))
			s = strdup(json_string_value(v));
	}
	result_free(r);
	return s;
}

static int add_kept(struct profile *p, struct cand_run *cr)
{
	const struct candidate *k = cr->c;
	const struct cmp_check *ck = improved_check(cr->m);
	char *devices = NULL, *cur = snapshot_value(cr->base_path, k->key, &devices);
	struct profile_setting *s;
	int rc;

	s = profile_add(p, k->id, k->key, k->value, k->at_least, k->scope, cur, k->reason, k->source);
	free(cur);
	if (!s) {
		free(devices);
		return -ENOMEM;
	}
	if (k->scope == SCOPE_BLOCK) {
		s->devices = devices ? devices : strdup("*");
		if (!s->devices)
			return -ENOMEM;
	} else {
		free(devices);
	}
	rc = profile_evidence_metric(&s->ev, cr->m->name, cr->m->unit, ck ? ck->stat : "",
				     ck ? ck->base : NAN);
	if (rc)
		return rc;
	if (ck) {
		s->ev.after = ck->cand;
		s->ev.change = ck->change;
		s->ev.p = ck->p;
	}
	free(s->ev.verdict);
	s->ev.verdict = strdup(verdict_name(cr->m->verdict));
	return s->ev.verdict ? 0 : -ENOMEM;
}

/* --try KEY=VALUE:GLOB[:TARGET[:BASE_KEY=BASE_VALUE]] */
static int parse_try(struct tune_opts *o, const char *arg)
{
	struct candidate *k;
	char *buf, *kv, *glob, *target, *base = NULL, *eq;

	if (o->nextra == TUNE_MAX_CAND)
		return -E2BIG;
	buf = strdup(arg);
	if (!buf)
		return -ENOMEM;
	glob = strchr(buf, ':');
	eq = strchr(buf, '=');
	if (!glob || !eq || eq > glob || eq == buf || !glob[1]) {
		free(buf);
		return -EINVAL;
	}
	*glob++ = '\0';
	target = strchr(glob, ':');
	if (target) {
		*target++ = '\0';
		base = strchr(target, ':');
		if (base)
			*base++ = '\0';
	}
	if (base && (!strchr(base, '=') || base[0] == '=')) {
		free(buf);
		return -EINVAL;
	}
	kv = strdup(buf); /* the --tune argument, KEY=VALUE whole */
	if (!kv) {
		free(buf);
		return -ENOMEM;
	}
	*eq = '\0';
	o->extra_buf[o->nextra] = buf;
	o->extra_kv[o->nextra] = kv;
	k = &o->extra[o->nextra++];
	memset(k, 0, sizeof(*k));
	k->id = "tune.try";
	k->classes = ~0u;
	k->bench = glob;
	k->target = target && *target ? target : glob;
	k->tune = kv;
	k->base_tune = base && *base ? base : NULL;
	k->key = buf;
	k->value = eq + 1;
	k->scope = str_starts(buf, "block.") ? SCOPE_BLOCK : SCOPE_NETNS;
	k->reason = "a candidate given with --try";
	k->source = "measured by nodeperf profile tune";
	return 0;
}

static void print_table(const struct cand_run *runs, size_t n)
{
	static const char *const states[] = { "not tried", "KEPT", "dropped", "failed" };
	int w = (int)strlen("CANDIDATE");
	char what[128];
	size_t i;

	for (i = 0; i < n; i++) {
		int l = snprintf(what, sizeof(what), "%s=%s", runs[i].c->key, runs[i].c->value);

		w = l > w ? l : w;
	}
	fprintf(stderr, "%-*s %-9s %s\n", w, "CANDIDATE", "DECISION", "WHY");
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s=%s", runs[i].c->key, runs[i].c->value);
		fprintf(stderr, "%-*s %-9s %s\n", w, what, states[runs[i].state], runs[i].why);
	}
}

/*
 * The gate's rules for one comparison: the rules text (the built-in one or
 * --thresholds), and in front of it "NAME mean 5%" for each rate metric of
 * the baseline that those rules leave ungated (a rate records only "mean"
 * repetitions, which the catch-all "* p50" line does not reach). Later lines
 * still win, so a family's own rule for its rates decides.
 */
static int gate_rules(const char *text, const char *path, const struct result *base,
		      struct thresholds **th, char *err, size_t len)
{
	const char *stats[RESULT_MAX_REPSTATS * 2];
	struct thresholds *plain = NULL;
	char *all = NULL;
	size_t i, n, off = 0, cap = strlen(text) + 1;
	int rc;

	rc = thresholds_parse(text, path, &plain, err, len);
	if (rc)
		return rc;
	for (i = 0; i < base->nmetrics; i++)
		cap += strlen(base->metrics[i].name) + 16;
	all = malloc(cap);
	if (!all) {
		thresholds_free(plain);
		return -ENOMEM;
	}
	all[0] = '\0';
	for (i = 0; i < base->nmetrics; i++) {
		const struct metric *m = &base->metrics[i];
		size_t k, gated = 0;

		if (m->better != BETTER_HIGHER || !metric_reps(m, "mean"))
			continue;
		n = thresholds_stats(plain, m->name, stats, ARRAY_SIZE(stats));
		for (k = 0; k < n; k++)
			gated += metric_reps(m, stats[k]) != NULL;
		if (!gated)
			off += (size_t)snprintf(all + off, cap - off, "%s\tmean\t5%%\n", m->name);
	}
	snprintf(all + off, cap - off, "%s", text);
	thresholds_free(plain);
	rc = thresholds_parse(all, path, th, err, len);
	free(all);
	return rc;
}

/* The rules text: --thresholds FILE or the built-in one. */
static char *rules_text(const char *path, char *err, size_t len)
{
	char *text = path ? read_all(path, NULL) : strdup(thresholds_default_text);

	if (!text)
		snprintf(err, len, "%s: %s", path ? path : "thresholds", strerror(errno));
	return text;
}

static int parse_opts(int argc, char **argv, struct tune_opts *o)
{
	static const struct option opts[] = {
		{ "workload", required_argument, NULL, 'w' }, { "budget", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },   { "output", required_argument, NULL, 'o' },
		{ "reps", required_argument, NULL, 'r' },     { "rep-time", required_argument, NULL, 't' },
		{ "thresholds", required_argument, NULL, 'T' }, { "try", required_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },	      { 0 },
	};
	int c, have_class = 0;
	double v;

	while ((c = getopt_long(argc, argv, "w:b:f:o:r:t:T:y:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (profile_class_parse(optarg, &o->cls))
				return cli_usage_error(tune_usage, "profile tune: unknown workload '%s'", optarg);
			have_class = 1;
			break;
		case 'b':
			if (parse_number(optarg, 1, 86400, &o->budget_s))
				return cli_usage_error(tune_usage, "profile tune: --budget wants seconds 1..86400, not '%s'", optarg);
			break;
		case 'f':
			if (profile_format_parse(optarg, &o->fmt))
				return cli_usage_error(tune_usage, "profile tune: unknown format '%s'", optarg);
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			if (parse_number(optarg, COMPARE_MIN_REPS, 1000, &v) || v != (unsigned)v)
				return cli_usage_error(tune_usage, "profile tune: --reps wants a whole number %d..1000, not '%s'",
						       COMPARE_MIN_REPS, optarg);
			o->reps = (unsigned)v;
			break;
		case 't':
			if (parse_number(optarg, 0.01, 3600, &o->rep_s))
				return cli_usage_error(tune_usage, "profile tune: --rep-time wants seconds 0.01..3600, not '%s'", optarg);
			break;
		case 'T':
			o->thresholds = optarg;
			break;
		case 'y':
			if (parse_try(o, optarg))
				return cli_usage_error(tune_usage, "profile tune: --try wants KEY=VALUE:BENCH_GLOB[:TARGET_GLOB[:BASE_KEY=VALUE]], not '%s'", optarg);
			break;
		case 'h':
			fputs(tune_usage, stdout);
			return 1;
		default:
			return cli_bad_option(tune_usage);
		}
	}
	if (optind < argc)
		return cli_usage_error(tune_usage, "profile tune: unexpected argument '%s'", argv[optind]);
	if (!have_class)
		return cli_usage_error(tune_usage, "profile tune: --workload CLASS is required");
	return 0;
}

/* Same bench glob and baseline settings: one baseline run serves both. */
static const struct cand_run *same_baseline(const struct cand_run *runs, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (runs[j].base_path[0] && !strcmp(runs[j].c->bench, runs[i].c->bench) &&
		    !strcmp(runs[j].c->base_tune ? runs[j].c->base_tune : "",
			    runs[i].c->base_tune ? runs[i].c->base_tune : ""))
			return &runs[j];
	return NULL;
}

/*
 * A second, fresh pair for a candidate that won its first: 1 when the gate
 * keeps it again, 0 with why, -1 when a run failed (why), -ENOMEM.
 */
static int confirm(const struct tune_opts *o, const char *tmpdir, const char *rules,
		   const struct cand_run *cr, size_t i, char *why, size_t len, int *status)
{
	char bpath[600], cpath[600], err[512];
	const struct cmp_metric *m = NULL;
	struct comparison c = { 0 };
	struct thresholds *th = NULL;
	char *bp = bpath, *cp = cpath;
	int rc;

	snprintf(bpath, sizeof(bpath), "%s/confirm-base-%zu.json", tmpdir, i);
	snprintf(cpath, sizeof(cpath), "%s/confirm-cand-%zu.json", tmpdir, i);
	log_info("tune: confirming %s=%s with a second pair", cr->c->key, cr->c->value);
	if (measure(o, tmpdir, cr->c->bench, cr->c->base_tune, 0, bpath, why, len, status) ||
	    measure(o, tmpdir, cr->c->bench, cr->c->tune, cr->c->busy_poll, cpath, why, len, status))
		return -1;
	c.alpha = COMPARE_ALPHA;
	rc = compare_side_load(&c.base, &bp, 1, err, sizeof(err));
	if (!rc)
		rc = compare_side_load(&c.cand, &cp, 1, err, sizeof(err));
	if (!rc)
		rc = gate_rules(rules, o->thresholds ? o->thresholds : THRESHOLDS_DEFAULT_PATH,
				c.base.runs[0], &th, err, sizeof(err));
	c.th = th;
	if (!rc)
		rc = compare_run(&c, err, sizeof(err));
	if (rc) {
		str_copy(why, err, len);
		rc = rc == -ENOMEM ? -ENOMEM : -1;
	} else {
		rc = tune_decide(&c, cr->c->target, &m, why, len);
	}
	compare_release(&c);
	thresholds_free(th);
	return rc;
}

int profile_tune_main(int argc, char **argv)
{
	struct tune_opts o = { .budget_s = 300, .reps = 5, .rep_s = 0.3, .fmt = PFMT_JSON };
	struct cand_run runs[ARRAY_SIZE(builtin) + TUNE_MAX_CAND];
	const struct candidate *list;
	struct thresholds *th = NULL;
	char *rules = NULL;
	struct profile *p = NULL;
	char tmpdir[400], err[1024], name[64];
	double t0, est, per_bench;
	size_t i, n = 0, nlist;
	int rc, status = 0, interrupted = 0, measured = 0, base_failed = 0;

	memset(runs, 0, sizeof(runs));
	rc = parse_opts(argc, argv, &o);
	if (rc)
		goto out_opts;
	list = o.nextra ? o.extra : builtin;
	nlist = o.nextra ? o.nextra : ARRAY_SIZE(builtin);
	for (i = 0; i < nlist; i++)
		if (list[i].classes & C(o.cls))
			runs[n++].c = &list[i];
	rules = rules_text(o.thresholds, err, sizeof(err));
	if (!rules) {
		log_err("%s", err);
		rc = EXIT_BAD_INPUT;
		goto out_opts;
	}
	/* a bad rules file is bad input before anything runs */
	rc = thresholds_parse(rules, o.thresholds ? o.thresholds : THRESHOLDS_DEFAULT_PATH, &th, err,
			      sizeof(err));
	thresholds_free(th);
	th = NULL;
	if (rc) {
		log_err("%s", err);
		rc = rc == -ENOMEM ? EXIT_RUNTIME : EXIT_BAD_INPUT;
		goto out_opts;
	}
	snprintf(name, sizeof(name), "nodeperf-tune-%s", profile_class_names[o.cls]);
	p = profile_new(name, o.cls, "node", "tune");
	if (!p) {
		rc = EXIT_RUNTIME;
		goto out_opts;
	}
	sandbox_init();
	rc = sandbox_tempdir(NULL, tmpdir, sizeof(tmpdir));
	if (rc) {
		log_err("profile tune: cannot create a scratch dir: %s", strerror(-rc));
		rc = EXIT_RUNTIME;
		goto out;
	}
	t0 = (double)now_ns() / 1e9;
	/* a run's fixed cost (snapshot, topology, process) on top of its repetitions */
	per_bench = 1.5 * (fmin(0.2, o.rep_s) + o.reps * o.rep_s) + 0.5;
	if (!n)
		profile_note(p, "no sandboxed candidate for the %s class: `profile generate` covers it",
			     profile_class_names[o.cls]);
	for (i = 0; i < n && !interrupted; i++) {
		struct cand_run *cr = &runs[i];
		const struct cand_run *shared = same_baseline(runs, i);
		struct comparison c = { 0 };
		char *bp, *cp;
		unsigned nb = count_benches(cr->c->bench);

		if (!nb) {
			cr->state = CAND_FAILED;
			snprintf(cr->why, sizeof(cr->why), "this build has no %s bench", cr->c->bench);
			continue;
		}
		est = (shared ? 1 : 2) * (1 + nb * per_bench);
		if ((double)now_ns() / 1e9 - t0 + est > o.budget_s) {
			snprintf(cr->why, sizeof(cr->why),
				 "not tried: about %.0f s more would pass the budget of %.0f s", est,
				 o.budget_s);
			continue;
		}
		if (shared) {
			str_copy(cr->base_path, shared->base_path, sizeof(cr->base_path));
		} else {
			snprintf(cr->base_path, sizeof(cr->base_path), "%s/base-%zu.json", tmpdir, i);
			log_info("tune: baseline %s%s%s", cr->c->bench, cr->c->base_tune ? " with " : "",
				 cr->c->base_tune ? cr->c->base_tune : "");
			if (measure(&o, tmpdir, cr->c->bench, cr->c->base_tune, 0, cr->base_path, cr->why,
				    sizeof(cr->why), &status)) {
				cr->base_path[0] = '\0';
				cr->state = CAND_FAILED;
				base_failed = 1;
				interrupted = status == 130 || status == 143 || sandbox_stop;
				continue;
			}
			measured = 1;
			if (!has_target(cr->base_path, cr->c->target, cr->why, sizeof(cr->why))) {
				cr->state = CAND_FAILED;
				continue;
			}
		}
		snprintf(cr->path, sizeof(cr->path), "%s/cand-%zu.json", tmpdir, i);
		log_info("tune: %s=%s on %s", cr->c->key, cr->c->value, cr->c->bench);
		if (measure(&o, tmpdir, cr->c->bench, cr->c->tune, cr->c->busy_poll, cr->path, cr->why,
			    sizeof(cr->why), &status)) {
			cr->state = CAND_FAILED;
			interrupted = status == 130 || status == 143 || sandbox_stop;
			continue;
		}
		bp = cr->base_path;
		cp = cr->path;
		c.alpha = COMPARE_ALPHA;
		rc = compare_side_load(&c.base, &bp, 1, err, sizeof(err));
		if (!rc)
			rc = compare_side_load(&c.cand, &cp, 1, err, sizeof(err));
		if (!rc)
			rc = gate_rules(rules, o.thresholds ? o.thresholds : THRESHOLDS_DEFAULT_PATH,
					c.base.runs[0], &th, err, sizeof(err));
		c.th = th;
		if (!rc)
			rc = compare_run(&c, err, sizeof(err));
		if (rc) {
			cr->state = CAND_FAILED;
			str_copy(cr->why, err, sizeof(cr->why));
		} else if (tune_decide(&c, cr->c->target, &cr->m, cr->why, sizeof(cr->why))) {
			const struct cmp_check *ck = improved_check(cr->m);
			char first[256], again[400];
			int ok;

			snprintf(first, sizeof(first), "%s improved: %s", cr->m->name, ck ? ck->why : "");
			/*
			 * Several candidates, metrics and statistics at alpha 0.05 make a
			 * false "improved" likely somewhere: a kept candidate must win a
			 * second, fresh pair of runs too.
			 */
			if ((double)now_ns() / 1e9 - t0 + est > o.budget_s) {
				ok = 0;
				snprintf(again, sizeof(again), "no budget left for the confirming pair");
			} else {
				ok = confirm(&o, tmpdir, rules, cr, i, again, sizeof(again), &status);
				interrupted = status == 130 || status == 143 || sandbox_stop;
			}
			if (ok > 0) {
				cr->state = CAND_KEPT;
				snprintf(cr->why, sizeof(cr->why), "%.250s; confirmed by a second pair", first);
				if (add_kept(p, cr))
					rc = -ENOMEM;
			} else if (ok == -ENOMEM) {
				rc = -ENOMEM;
			} else {
				cr->state = CAND_DROPPED;
				snprintf(cr->why, sizeof(cr->why), "%.250s; not confirmed: %.230s", first,
					 again);
			}
		} else {
			cr->state = CAND_DROPPED;
		}
		cr->m = NULL; /* points into c */
		compare_release(&c);
		thresholds_free(th);
		th = NULL;
		if (rc == -ENOMEM) {
			rc = EXIT_RUNTIME;
			goto out;
		}
		interrupted = interrupted || sandbox_stop;
	}
	for (i = 0; i < n; i++) {
		if (runs[i].state == CAND_KEPT)
			continue;
		if (!runs[i].why[0])
			snprintf(runs[i].why, sizeof(runs[i].why), "not tried: interrupted");
		profile_skip(p, runs[i].c->id, "%s=%s: %s", runs[i].c->key, runs[i].c->value,
			     runs[i].why);
	}
	print_table(runs, n);
	fprintf(stderr, "tune: %.0f s of a %.0f s budget\n", (double)now_ns() / 1e9 - t0, o.budget_s);
	rc = profile_write(p, o.fmt, o.out);
	if (interrupted)
		rc = 128 + (sandbox_signal ? sandbox_signal : SIGINT);
	else if (!rc && base_failed && !measured)
		rc = EXIT_RUNTIME; /* not one baseline could be measured */
out:
	sandbox_cleanup_all();
	profile_free(p);
out_opts:
	thresholds_free(th);
	free(rules);
	for (i = 0; i < o.nextra; i++) {
		free(o.extra_buf[i]);
		free(o.extra_kv[i]);
	}
	return rc == 1 ? 0 : rc;
}
