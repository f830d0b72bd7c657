/* container.c - container startup: the OCI runtime lifecycle (runc, crun), containerd, with ctrlife phases. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/container.h"
#include "bench/ctr_phases.h"
#include "bench/oci_bundle.h"
#include "core/cli.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/util.h"
#include "probes/probe.h"

extern char **environ;

#define CTR_TIMEOUT_MS	30000	/* one runtime command; a hung runtime is killed */
#define CTR_BURST	10
#define ENTRY		"/bin/true"

/* --- processes --- */

int ctr_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ctr_find_bin(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[4096], *dir, *save;

	if (strchr(name, '/')) {
		str_copy(out, name, len);
		return access(out, X_OK) ? -errno : 0;
	}
	/* sbin too: runc lives in /usr/sbin, which a user's PATH may lack */
	ctr_fmt(buf, sizeof(buf), "%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		 path ? path : "");
	for (dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		struct stat st;

		if (!dir[0])
			continue;
		ctr_fmt(out, len, "%s/%s", dir, name);
		if (!stat(out, &st) && S_ISREG(st.st_mode) && !access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/*
 * Start argv[0] (a full path) in its own process group, so that a Ctrl-C
 * reaches nodeperf only: it finishes the container in flight and cleans up,
 * rather than the runtime dying half-way. stdin/stdout /dev/null, stderr
 * errfd (or /dev/null when < 0).
 */
int ctr_spawn(char *const argv[], int errfd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (errfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

/*
 * Reap pid within timeout_ms (its group is killed after that: -ETIMEDOUT).
 * *status gets the wait status. A pidfd gives the timeout without a signal.
 */
int ctr_wait(pid_t pid, int timeout_ms, int *status)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), rc = 0;
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;

	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		for (;;) {
			int64_t left = (int64_t)(deadline - now_ns()) / 1000000;
			int n;

			if ((int64_t)(deadline - now_ns()) <= 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				rc = -ETIMEDOUT;
				break;
			}
			n = poll(&p, 1, (int)(left > 0 ? left : 1));
			if (n > 0)
				break;
			if (n < 0 && errno != EINTR) {
				rc = -errno;
				break;
			}
		}
		close(fd);
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return rc;
}

/* The tail of the runtime's stderr, one line, for a message. */
static void err_tail(int errfd, char *why, size_t len)
{
	char buf[512];
	ssize_t n;
	off_t end = lseek(errfd, 0, SEEK_END);
	char *p;

	why[0] = '\0';
	if (end < 0)
		return;
	n = pread(errfd, buf, sizeof(buf) - 1, end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	str_trim(buf);
	p = strrchr(buf, '\n');
	str_copy(why, p ? p + 1 : buf, len);
}

/* --- one runtime: its state root, bundles and cleanup --- */

struct ctr_rt {
	const char *name;		/* "runc" */
	char bin[PATH_MAX];
	char dir[PATH_MAX];		/* scratch: TMP/ctr-NAME */
	char root[PATH_MAX];		/* the runtime's private --root */
	char bundle[PATH_MAX];		/* sequential containers */
	char burst[CTR_BURST][PATH_MAX];	/* one bundle per concurrent container */
	char why[512];			/* the last failure */
	int errfd;
	int handle;
	unsigned seq;
};

/* Remove what a runtime left of ours: containers in its root, then cgroups named after us. */
static void remove_cgroups(const char *dirpath, const char *prefix, int depth)
{
	char path[PATH_MAX], buf[4096], *line, *save;
	struct dirent *de;
	DIR *dir = opendir(dirpath);
	int tries;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		ctr_fmt(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		if (!str_starts(de->d_name, prefix)) {
			if (depth < 3)
				remove_cgroups(path, prefix, depth + 1);
			continue;
		}
		/* children first (containerd nests NAMESPACE/ID), any process killed */
		remove_cgroups(path, "", 3);
		for (tries = 0; tries < 50; tries++) {
			char procs[PATH_MAX + 16];

			ctr_fmt(procs, sizeof(procs), "%s/cgroup.procs", path);
			if (read_small(procs, buf, sizeof(buf)) <= 0)
				break;
			for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				kill((pid_t)atoi(line), SIGKILL);
			usleep(20000);
		}
		rmdir(path);
	}
	closedir(dir);
}

void ctr_remove_cgroups(const char *prefix)
{
	remove_cgroups("/sys/fs/cgroup", prefix, 0);
}

static void rt_undo(const char *name, void *arg)
{
	struct ctr_rt *rt = arg;
	char *list[] = { rt->bin, "--root", rt->root, "list", "-q", NULL };
	char out[16384], prefix[64], *line, *save;

	(void)name;
	if (spawn_capture(list, out, sizeof(out)) == 0) {
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *del[] = { rt->bin, "--root", rt->root, "delete", "--force", line, NULL };

			spawn_capture(del, NULL, 0);
		}
	}
	ctr_fmt(prefix, sizeof(prefix), "np-%d-%s-", (int)getpid(), rt->name);
	ctr_remove_cgroups(prefix);
}

static void rt_free(struct ctr_rt *rt)
{
	if (!rt)
		return;
	if (rt->handle > 0)
		sandbox_release(rt->handle);
	if (rt->errfd >= 0)
		close(rt->errfd);
	free(rt);
}

static int mkdir_p(const char *path)
{
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

unsigned ctr_suite_count(const struct bench_ctx *ctx)
{
	unsigned n = ctx->suite & SUITE_FULL ? 200 : ctx->suite & SUITE_STANDARD ? 100 : 20;
	unsigned rounds = ctx->rounds > 1 ? ctx->rounds : 1;

	/* run --rounds: each round takes its share, so the suite's wall time does not grow */
	n = (n + rounds - 1) / rounds;
	return n > ctx->reps ? n : ctx->reps;
}

/* Set up a runtime's scratch dir, bundles and cleanup. NULL with why. */
static struct ctr_rt *rt_new(const struct bench_ctx *ctx, const char *name, int seccomp, char *why, size_t len)
{
	struct ctr_rt *rt = calloc(1, sizeof(*rt));
	char cg[96], rootfs[PATH_MAX + 16], path[PATH_MAX + 16];
	const char *const args[] = { ENTRY, NULL };
	struct oci_spec_opts o = { .args = args, .hostname = "nodeperf", .seccomp = seccomp };
	const char *busybox;
	unsigned k;
	int rc;

	if (!rt) {
		ctr_fmt(why, len, "out of memory");
		return NULL;
	}
	rt->errfd = -1;
	rt->name = name;
	if (ctr_find_bin(name, rt->bin, sizeof(rt->bin))) {
		ctr_fmt(why, len, "%s is not installed", name);
		goto fail;
	}
	busybox = oci_find_busybox(why, len);
	if (!busybox)
		goto fail;
	ctr_fmt(rt->dir, sizeof(rt->dir), "%s/ctr-%s", ctx->tmpdir, name);
	ctr_fmt(rt->root, sizeof(rt->root), "%s/state", rt->dir);
	ctr_fmt(rt->bundle, sizeof(rt->bundle), "%s/seq", rt->dir);
	if (mkdir_p(rt->dir) || mkdir_p(rt->root)) {
		ctr_fmt(why, len, "cannot create %s: %s", rt->dir, strerror(errno));
		goto fail;
	}
	rt->handle = sandbox_register("containers", rt->root, rt_undo, rt);
	if (rt->handle < 0) {
		ctr_fmt(why, len, "out of memory");
		goto fail;
	}
	ctr_fmt(path, sizeof(path), "%s/stderr", rt->dir);
	rt->errfd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (rt->errfd < 0) {
		ctr_fmt(why, len, "cannot create %s: %s", path, strerror(errno));
		goto fail;
	}
	ctr_fmt(cg, sizeof(cg), "/np-%d-%s-seq", (int)getpid(), name);
	o.cgroups_path = cg;
	rc = oci_bundle_create(rt->bundle, busybox, &o, why, len);
	if (rc)
		goto fail;
	/* the burst bundles share the rootfs: the entrypoint writes nothing */
	ctr_fmt(rootfs, sizeof(rootfs), "%s/rootfs", rt->bundle);
	o.rootfs = rootfs;
	for (k = 0; k < CTR_BURST; k++) {
		ctr_fmt(rt->burst[k], sizeof(rt->burst[k]), "%s/burst%u", rt->dir, k);
		ctr_fmt(cg, sizeof(cg), "/np-%d-%s-b%u", (int)getpid(), name, k);
		rc = mkdir_p(rt->burst[k]);
		if (!rc)
			rc = oci_bundle_write_config(rt->burst[k], &o);
		if (rc) {
			ctr_fmt(why, len, "cannot write %s: %s", rt->burst[k], strerror(-rc));
			goto fail;
		}
	}
	return rt;
fail:
	rt_free(rt);
	return NULL;
}

/* Run one runtime command to completion; 0, or -EIO/-ETIMEDOUT with rt->why. */
static int rt_cmd(struct ctr_rt *rt, char *const argv[], uint64_t *t0, uint64_t *t1, pid_t *spawned)
{
	int rc, status = 0;
	pid_t pid;

	if (ftruncate(rt->errfd, 0))
		return -errno;
	*t0 = now_ns();
	rc = ctr_spawn(argv, rt->errfd, &pid);
	if (rc) {
		ctr_fmt(rt->why, sizeof(rt->why), "cannot start %s: %s", argv[0], strerror(-rc));
		return rc;
	}
	rc = ctr_wait(pid, CTR_TIMEOUT_MS, &status);
	*t1 = now_ns();
	if (spawned)
		*spawned = pid;
	if (rc == -ETIMEDOUT) {
		ctr_fmt(rt->why, sizeof(rt->why), "%s %s did not finish in %d s", rt->name, argv[3],
			 CTR_TIMEOUT_MS / 1000);
		return rc;
	}
	if (rc)
		return rc;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char tail[400];

		err_tail(rt->errfd, tail, sizeof(tail));
		ctr_fmt(rt->why, sizeof(rt->why), "%s %s failed (%s %d): %s", rt->name, argv[3],
			 WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 tail[0] ? tail : "no message");
		return -EIO;
	}
	return 0;
}

static void next_id(struct ctr_rt *rt, char *id, size_t len)
{
	ctr_fmt(id, len, "np-%d-%s-%u", (int)getpid(), rt->name, rt->seq++);
}

/* `RT run` of one container on bundle: t0/t1 around it. */
static int rt_run(struct ctr_rt *rt, const char *bundle, uint64_t *t0, uint64_t *t1, pid_t *pid)
{
	char id[64];
	char *argv[] = { rt->bin, "--root", rt->root, "run", "--bundle", (char *)bundle, id, NULL };

	next_id(rt, id, sizeof(id));
	return rt_cmd(rt, argv, t0, t1, pid);
}

/* --- availability: each runtime tried once per process --- */

struct trial {
	int done, ok;
	char why[512];
};

static struct trial trials[2];

static int rt_available(struct bench_ctx *ctx, char *why, size_t len)
{
	const char *name = ctx->cfg;
	struct trial *t = &trials[!strcmp(name, "crun")];
	struct ctr_rt *rt;
	uint64_t a, b;

	if (geteuid() != 0) {
		ctr_fmt(why, len, "needs root to create containers");
		return 0;
	}
	if (!t->done) {
		t->done = 1;
		rt = rt_new(ctx, name, 1, t->why, sizeof(t->why));
		if (rt) {
			t->ok = !rt_run(rt, rt->bundle, &a, &b, NULL);
			if (!t->ok)
				str_copy(t->why, rt->why, sizeof(t->why));
			rt_free(rt);
		}
	}
	if (!t->ok)
		str_copy(why, t->why, len);
	return t->ok;
}

/* --- metrics from per-repetition histograms --- */

static const char *const rep_stats[] = { "p50", "p90", "p99", "mean" };

int ctr_add_metric(struct result *res, const char *name, struct hist *hs, unsigned nreps, json_t *params,
		   json_t *probes)
{
	struct hist *merged = hist_new();
	struct metric *m;
	unsigned r, s;
	int rc = -ENOMEM;

	if (!merged)
		goto fail;
	for (r = 0; r < nreps; r++)
		hist_merge(merged, &hs[r]);
	if (!merged->count) {
		rc = -ETIME;
		goto fail;
	}
	m = result_add_metric(res, name, "ns", BETTER_LOWER);
	if (!m)
		goto fail;
	for (s = 0; s < ARRAY_SIZE(rep_stats); s++)
		for (r = 0; r < nreps; r++) {
			double v;

			if (!hs[r].count)
				continue;
			v = s == 3 ? hist_mean(&hs[r]) : (double)hist_quantile(&hs[r], s == 0 ? 0.5 : s == 1 ? 0.9 : 0.99);
			if (metric_add_rep(m, rep_stats[s], v))
				goto fail;
		}
	metric_set_hist(m, merged);
	m->params = params;
	m->probes = probes;
	return 0;
fail:
	hist_free(merged);
	json_decref(params);
	json_decref(probes);
	return rc;
}

static struct hist *hists_new(unsigned n)
{
	struct hist *h = calloc(n, sizeof(*h));
	unsigned i;

	for (i = 0; h && i < n; i++)
		hist_init(&h[i]);
	return h;
}

static json_t *rt_params(const struct ctr_rt *rt, unsigned n)
{
	char ver[256] = "", *nl;
	char *argv[] = { (char *)rt->bin, "--version", NULL };

	spawn_capture(argv, ver, sizeof(ver));
	nl = strchr(ver, '\n');
	if (nl)
		*nl = '\0';
	return json_pack("{s:s, s:s, s:I, s:s, s:b}", "runtime", rt->name, "version", ver, "containers",
			 (json_int_t)n, "entrypoint", ENTRY, "seccomp", 1);
}

/* --- the lifecycle split as containerd's shim drives it: create, start, wait, delete --- */

static int pid_from_file(const char *path, pid_t *pid)
{
	char buf[32];
	long v;

	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	v = strtol(buf, NULL, 10);
	if (v <= 0)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

enum { PH_CREATE, PH_START, PH_EXIT, PH_DELETE, PH_COUNT };
static const char *const ph_names[PH_COUNT] = { "create", "start", "exit", "delete" };

static int lifecycle_one(struct ctr_rt *rt, uint64_t d[PH_COUNT])
{
	char id[64], pidfile[PATH_MAX + 16];
	char *create[] = { rt->bin, "--root", rt->root, "create", "--bundle", rt->bundle, "--pid-file", pidfile, id, NULL };
	char *start[] = { rt->bin, "--root", rt->root, "start", id, NULL };
	char *del[] = { rt->bin, "--root", rt->root, "delete", id, NULL };
	uint64_t t0, t1, t2, t3, t4, x;
	int rc, status;
	pid_t init;

	next_id(rt, id, sizeof(id));
	ctr_fmt(pidfile, sizeof(pidfile), "%s/%s.pid", rt->dir, id);
	rc = rt_cmd(rt, create, &t0, &t1, NULL);
	if (rc)
		return rc;
	rc = pid_from_file(pidfile, &init);
	unlink(pidfile);
	if (rc) {
		ctr_fmt(rt->why, sizeof(rt->why), "%s create wrote no pid file", rt->name);
		return rc;
	}
	rc = rt_cmd(rt, start, &x, &t2, NULL);
	if (rc)
		return rc;
	/* nodeperf is the subreaper the container's init was handed to when create exited */
	rc = ctr_wait(init, CTR_TIMEOUT_MS, &status);
	t3 = now_ns();
	if (rc) {
		ctr_fmt(rt->why, sizeof(rt->why), "waiting for the container's entrypoint: %s", strerror(-rc));
		return rc;
	}
	rc = rt_cmd(rt, del, &x, &t4, NULL);
	if (rc)
		return rc;
	d[PH_CREATE] = t1 - t0;
	d[PH_START] = t2 - t1;
	d[PH_EXIT] = t3 - t2;
	d[PH_DELETE] = t4 - t3;
	return 0;
}

static int lifecycle_run(struct bench_ctx *ctx, struct result *res)
{
	const char *name = ctx->cfg;
	unsigned n = ctr_suite_count(ctx), reps = ctx->reps, i, p;
	struct hist *h[PH_COUNT] = { 0 };
	int rc = 0, was = 0;
	uint64_t d[PH_COUNT];
	struct ctr_rt *rt;
	char why[512];

	rt = rt_new(ctx, name, 1, why, sizeof(why));
	if (!rt) {
		log_err("%s: %s", ctx->bench_name, why);
		return -EIO;
	}
	for (p = 0; p < PH_COUNT; p++)
		if (!(h[p] = hists_new(reps)))
			rc = -ENOMEM;
	prctl(PR_GET_CHILD_SUBREAPER, &was);
	if (!rc && prctl(PR_SET_CHILD_SUBREAPER, 1))
		rc = -errno;
	/* one container to warm caches, not counted */
	if (!rc)
		rc = lifecycle_one(rt, d);
	for (i = 0; !rc && i < n && !sandbox_stop; i++) {
		unsigned r = (unsigned)((uint64_t)i * reps / n);

		rc = lifecycle_one(rt, d);
		for (p = 0; !rc && p < PH_COUNT; p++)
			hist_record(&h[p][r], d[p]);
	}
	prctl(PR_SET_CHILD_SUBREAPER, was);
	if (rc && !sandbox_stop)
		log_err("%s: %s", ctx->bench_name, rt->why);
	if (sandbox_stop)
		rc = -EINTR;
	for (p = 0; !rc && p < PH_COUNT; p++) {
		char mname[96];

		ctr_fmt(mname, sizeof(mname), "container.%s.%s", name, ph_names[p]);
		rc = ctr_add_metric(res, mname, h[p], reps, rt_params(rt, n), NULL);
	}
	for (p = 0; p < PH_COUNT; p++)
		free(h[p]);
	rt_free(rt);
	return rc;
}

/* --- total: `RT run`, crun's benchmark, with the ctrlife phases and syslat --- */

static struct probe *start_probe(const char *name, struct result *res, const char *bench)
{
	const struct probe_def *def = probe_find(name);
	struct probe_opts po = { .pid = getpid() };
	struct probe *p = NULL;
	char why[1024], sk[128];

	if (!def)
		return NULL;
	if (probe_start(def, &po, &p, why, sizeof(why))) {
		ctr_fmt(sk, sizeof(sk), "%s/probe:%s", bench, name);
		log_warn("%s: %s", sk, why);
		result_add_skip(res, sk, why);
		return NULL;
	}
	return p;
}

/* The runtime's costliest syscalls: the top 10 by time spent, of the filtered tree. */
static json_t *syslat_top(json_t *data)
{
	json_t *hists = json_object_get(data, "hists"), *top = json_object(), *v;
	const char *key;
	unsigned k = 0;

	/* probe_collect lists syscall keys costliest first */
	json_object_foreach(hists, key, v) {
		if (k++ == 10)
			break;
		json_object_set_new(top, key, json_pack("{s:O, s:O, s:O}", "n", json_object_get(v, "n"), "sum",
							json_object_get(v, "sum"), "mean", json_object_get(v, "mean")));
	}
	return json_pack("{s:O, s:O, s:o}", "attach", json_object_get(data, "attach"), "counters",
			 json_object_get(data, "counters"), "top", top);
}

static void log_phases(const char *metric, const json_t *ph)
{
	json_t *phases = json_object_get(ph, "phases"), *v;
	char line[1024];
	size_t off = 0, i;

	json_array_foreach(json_object_get(ph, "order"), i, v) {
		const json_t *p = json_object_get(phases, json_string_value(v));

		off += (size_t)snprintf(line + off, off < sizeof(line) ? sizeof(line) - off : 0, " %s %.1f ms (%.0f%%)",
					json_string_value(v), json_real_value(json_object_get(p, "mean")) / 1e6,
					100 * json_real_value(json_object_get(p, "share")));
		if (off >= sizeof(line))
			break;
	}
	log_info("%s phases:%s; dominant: %s", metric, line,
		 json_string_value(json_object_get(ph, "dominant")) ? json_string_value(json_object_get(ph, "dominant"))
								 : "-");
}

static int total_run(struct bench_ctx *ctx, struct result *res)
{
	const char *name = ctx->cfg;
	unsigned n = ctr_suite_count(ctx), reps = ctx->reps, i;
	struct ctr_span *spans = calloc(n, sizeof(*spans));
	struct hist *h = hists_new(reps);
	struct probe *life = NULL, *sys = NULL;
	json_t *probes = NULL;
	struct ctr_rt *rt;
	char why[512], mname[96];
	int rc = 0;
	uint64_t a, b;

	rt = rt_new(ctx, name, 1, why, sizeof(why));
	if (!rt) {
		log_err("%s: %s", ctx->bench_name, why);
		free(spans);
		free(h);
		return -EIO;
	}
	if (!spans || !h)
		rc = -ENOMEM;
	if (!rc && !ctx->no_probes) {
		life = start_probe("ctrlife", res, ctx->bench_name);
		sys = start_probe("syslat", res, ctx->bench_name);
	}
	if (!rc)
		rc = rt_run(rt, rt->bundle, &a, &b, NULL);
	for (i = 0; !rc && i < n && !sandbox_stop; i++) {
		rc = rt_run(rt, rt->bundle, &spans[i].t0, &spans[i].t1, &spans[i].pid);
		if (rc)
			break;
		hist_record(&h[(uint64_t)i * reps / n], spans[i].t1 - spans[i].t0);
		/* drain now: a few hundred events per container would fill the ring in a long run */
		if (life)
			probe_poll(life, 0);
	}
	if (rc && !sandbox_stop)
		log_err("%s: %s", ctx->bench_name, rt->why);
	if (sandbox_stop)
		rc = -EINTR;
	ctr_fmt(mname, sizeof(mname), "container.%s.total", name);
	if (!rc && (life || sys))
		probes = json_object();
	if (!rc && life) {
		json_t *data = probe_collect(life, 0);
		json_t *ph = data ? ctr_phases(json_object_get(data, "events_list"), spans, n, ENTRY) : NULL;

		if (ph) {
			json_object_set(ph, "attach", json_object_get(data, "attach"));
			json_object_set(ph, "counters", json_object_get(data, "counters"));
			log_phases(mname, ph);
			json_object_set_new(probes, "ctrlife", ph);
		}
		json_decref(data);
	}
	if (!rc && sys) {
		json_t *data = probe_collect(sys, 0);

		if (data)
			json_object_set_new(probes, "syslat", syslat_top(data));
		json_decref(data);
	}
	probe_stop(life);
	probe_stop(sys);
	if (!rc)
		rc = ctr_add_metric(res, mname, h, reps, rt_params(rt, n), probes);
	else
		json_decref(probes);
	free(spans);
	free(h);
	rt_free(rt);
	return rc;
}

/* --- burst: CTR_BURST `RT run` at once, time until all exited --- */

static int burst_one(struct ctr_rt *rt, uint64_t *dt)
{
	pid_t pids[CTR_BURST];
	unsigned k, started = 0;
	uint64_t t0;
	int rc = 0, status;

	*dt = 0;
	if (ftruncate(rt->errfd, 0))
		return -errno;
	t0 = now_ns();
	for (k = 0; k < CTR_BURST; k++) {
		char id[64];
		char *argv[] = { rt->bin, "--root", rt->root, "run", "--bundle", rt->burst[k], id, NULL };

		next_id(rt, id, sizeof(id));
		rc = ctr_spawn(argv, rt->errfd, &pids[k]);
		if (rc) {
			ctr_fmt(rt->why, sizeof(rt->why), "cannot start %s: %s", rt->bin, strerror(-rc));
			break;
		}
		started++;
	}
	for (k = 0; k < started; k++) {
		int r = ctr_wait(pids[k], CTR_TIMEOUT_MS, &status);

		if (!r && (!WIFEXITED(status) || WEXITSTATUS(status))) {
			char tail[400];

			err_tail(rt->errfd, tail, sizeof(tail));
			ctr_fmt(rt->why, sizeof(rt->why), "%s run in a burst failed: %s", rt->name, tail);
			r = -EIO;
		}
		if (r && !rc)
			rc = r;
	}
	*dt = now_ns() - t0;
	return rc;
}

static int burst_run(struct bench_ctx *ctx, struct result *res)
{
	const char *name = ctx->cfg;
	unsigned reps = ctx->reps, r;
	struct hist *h = hists_new(reps);
	struct ctr_rt *rt;
	char why[512], mname[96];
	uint64_t dt = 0;
	int rc = 0;

	rt = rt_new(ctx, name, 1, why, sizeof(why));
	if (!rt || !h) {
		log_err("%s: %s", ctx->bench_name, rt ? "out of memory" : why);
		free(h);
		rt_free(rt);
		return -EIO;
	}
	rc = burst_one(rt, &dt);
	for (r = 0; !rc && r < reps && !sandbox_stop; r++) {
		rc = burst_one(rt, &dt);
		if (!rc)
			hist_record(&h[r], dt);
	}
	if (rc && !sandbox_stop)
		log_err("%s: %s", ctx->bench_name, rt->why);
	if (sandbox_stop)
		rc = -EINTR;
	ctr_fmt(mname, sizeof(mname), "container.%s.burst%u", name, CTR_BURST);
	if (!rc) {
		json_t *params = rt_params(rt, reps * CTR_BURST);

		json_object_set_new(params, "concurrent", json_integer(CTR_BURST));
		rc = ctr_add_metric(res, mname, h, reps, params, NULL);
	}
	free(h);
	rt_free(rt);
	return rc;
}

/* --- the bench table entries --- */

#define RT_BENCH(id, rtname, bname, fn, text) \
	BENCH_DEF(bench_##id, bname, text, SUITE_ALL, NULL, rt_available, fn, rtname)

RT_BENCH(container_runc_lifecycle, "runc", "container.runc.lifecycle", lifecycle_run,
	 "runc create, start, entrypoint exit, delete of one container (as containerd's shim)");
RT_BENCH(container_runc_total, "runc", "container.runc.total", total_run,
	 "one `runc run` of /bin/true, with ctrlife phases and syslat");
RT_BENCH(container_runc_burst, "runc", "container.runc.burst10", burst_run,
	 "10 `runc run` started at once until all exited (pod churn)");
RT_BENCH(container_crun_lifecycle, "crun", "container.crun.lifecycle", lifecycle_run,
	 "crun create, start, entrypoint exit, delete of one container");
RT_BENCH(container_crun_total, "crun", "container.crun.total", total_run,
	 "one `crun run` of /bin/true, with ctrlife phases and syslat");
RT_BENCH(container_crun_burst, "crun", "container.crun.burst10", burst_run,
	 "10 `crun run` started at once until all exited");

/* --- `nodeperf bundle DIR`: the same bundle, to run a runtime by hand --- */

static const char bundle_usage[] =
	"usage: nodeperf bundle [--cgroup PATH] [--no-seccomp] DIR [ARG...]\n"
	"  Write the OCI bundle the container benches use into DIR (created; it\n"
	"  must not exist): a busybox-static rootfs and a config.json like\n"
	"  containerd's pod default, entrypoint ARG... (default /bin/true).\n"
	"  Then: runc run --bundle DIR ID.\n"
	"  --cgroup PATH   linux.cgroupsPath (default: the runtime's choice)\n"
	"  --no-seccomp    leave the default seccomp profile out\n"
	"  Exit: 0 written, 2 bad usage or DIR exists, 3 no static busybox or a write failed.\n";

int cmd_bundle(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *const def_args[] = { ENTRY, NULL };
	struct oci_spec_opts o = { .args = def_args, .hostname = "nodeperf", .seccomp = 1 };
	const char *busybox, *dir;
	char why[512];
	int c;

	/* "+": options end at DIR; what follows is the entrypoint */
	while ((c = getopt_long(argc, argv, "+c:Sh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.cgroups_path = optarg;
			break;
		case 'S':
			o.seccomp = 0;
			break;
		case 'h':
			fputs(bundle_usage, stdout);
			return 0;
		default:
			return cli_bad_option(bundle_usage);
		}
	}
	if (optind >= argc)
		return cli_usage_error(bundle_usage, "bundle: which directory?");
	dir = argv[optind++];
	if (optind < argc)
		o.args = (const char *const *)&argv[optind];
	if (!access(dir, F_OK))
		return cli_usage_error(bundle_usage, "bundle: %s exists; name a new directory", dir);
	busybox = oci_find_busybox(why, sizeof(why));
	if (!busybox) {
		log_err("bundle: %s", why);
		return EXIT_RUNTIME;
	}
	if (oci_bundle_create(dir, busybox, &o, why, sizeof(why))) {
		log_err("bundle: %s", why);
		sandbox_rmtree(dir);
		return EXIT_RUNTIME;
	}
	printf("%s\n", dir);
	return 0;
}
