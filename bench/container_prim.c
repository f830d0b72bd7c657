/* container_prim.c - the kernel primitives a container start is made of: namespaces, cgroups, mounts, exec. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/container.h"
#include "bench/oci_bundle.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

enum prim_kind { PK_UNSHARE, PK_CLONE_EXEC, PK_CGROUP, PK_OVERLAY, PK_PIVOT, PK_NETNS_TEARDOWN };

/* one bench entry's settings */
struct prim_cfg {
	enum prim_kind kind;
	int flag;			/* PK_UNSHARE: CLONE_NEW* */
	const char *what;		/* for params */
};

struct prim {
	enum prim_kind kind;
	int flag;
	const char *what;
	/* per run */
	char dir[PATH_MAX];		/* scratch */
	char path[PATH_MAX];		/* busybox / cgroup root / ip */
	char orig[PATH_MAX];		/* PK_CGROUP: our own cgroup's dir */
	unsigned calls;
	uint64_t iterations;		/* samples of the measured repetitions */
};

/* --- in the worker child: one sample, returned as ns or -errno --- */

static int64_t elapsed(uint64_t t0)
{
	return (int64_t)(now_ns() - t0);
}

/* A fresh process per sample: pid and user namespaces can be entered only once. */
static int64_t s_unshare(const struct prim *pr, int out)
{
	pid_t g = fork();
	int64_t v;
	int status;

	if (g < 0)
		return -errno;
	if (g == 0) {
		uint64_t t0;

		/* the first touches after fork copy pages: not the namespace's cost */
		(void)now_ns();
		t0 = now_ns();
		v = unshare(pr->flag) ? -errno : elapsed(t0);
		_exit(write(out, &v, sizeof(v)) == sizeof(v) && v >= 0 ? 0 : 1);
	}
	waitpid(g, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? INT64_MIN : -ECHILD;
}

static int64_t s_clone_exec(const struct prim *pr)
{
	uint64_t t0 = now_ns();
	pid_t g = fork();
	int status;

	if (g < 0)
		return -errno;
	if (g == 0) {
		char *argv[] = { "true", NULL };

		execv(pr->path, argv);
		_exit(127);
	}
	if (waitpid(g, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -ENOEXEC;
	return elapsed(t0);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* mkdir, move ourselves in, back out, rmdir: what a runtime does per container */
static int64_t s_cgroup(const struct prim *pr)
{
	char cg[PATH_MAX + 64], procs[PATH_MAX + 80], back[PATH_MAX + 16];
	uint64_t t0;
	int rc;

	ctr_fmt(cg, sizeof(cg), "%s/np-%d-prim-cg", pr->path, (int)getppid());
	ctr_fmt(procs, sizeof(procs), "%s/cgroup.procs", cg);
	ctr_fmt(back, sizeof(back), "%s/cgroup.procs", pr->orig);
	t0 = now_ns();
	if (mkdir(cg, 0755))
		return -errno;
	rc = write_str(procs, "0");
	if (!rc)
		rc = write_str(back, "0");
	if (rmdir(cg) && !rc)
		rc = -errno;
	return rc ? rc : elapsed(t0);
}

static int64_t s_overlay(const struct prim *pr)
{
	char opts[3 * PATH_MAX + 64], merged[PATH_MAX + 16];
	uint64_t t0;

	ctr_fmt(merged, sizeof(merged), "%s/merged", pr->dir);
	ctr_fmt(opts, sizeof(opts), "lowerdir=%s/l1:%s/l2:%s/l3,upperdir=%s/upper,workdir=%s/work", pr->dir, pr->dir,
		 pr->dir, pr->dir, pr->dir);
	t0 = now_ns();
	if (mount("overlay", merged, "overlay", 0, opts))
		return -errno;
	if (umount2(merged, 0))
		return -errno;
	return elapsed(t0);
}

/* runc's sequence: bind the rootfs on itself, pivot_root(".", "."), detach the old root */
static int64_t s_pivot(const struct prim *pr, int out)
{
	pid_t g = fork();
	int status;

	if (g < 0)
		return -errno;
	if (g == 0) {
		char root[PATH_MAX + 16];
		uint64_t t0;
		int64_t v;

		ctr_fmt(root, sizeof(root), "%s/rootfs", pr->dir);
		/* a mount namespace of its own: the new root goes with this process */
		if (unshare(CLONE_NEWNS)) {
			v = -errno;
			goto out;
		}
		t0 = now_ns();
		if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) || chdir(root) ||
		    syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) || chdir("/"))
			v = -errno;
		else
			v = elapsed(t0);
out:
		_exit(write(out, &v, sizeof(v)) == sizeof(v) && v >= 0 ? 0 : 1);
	}
	waitpid(g, &status, 0);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? INT64_MIN : -ECHILD;
}

/*
 * A netns with one end of a veth pair dies with its last process; the
 * kernel tears it down in a work queue, and the veth end left in our
 * namespace disappears when that has run: the time from the process exit to
 * then. Everything happens inside the worker's own network namespace.
 */
static int64_t s_netns_teardown(const struct prim *pr, int sock)
{
	int ready[2], hold[2], status, rc;
	char pidbuf[16];
	char *argv[] = { (char *)pr->path, "link", "add", "npt0", "type", "veth", "peer", "name", "npt1", "netns",
			 pidbuf, NULL };
	struct ifreq ifr;
	uint64_t t0, deadline;
	pid_t g, ipp;
	char c;

	if (pipe2(ready, O_CLOEXEC))
		return -errno;
	if (pipe2(hold, O_CLOEXEC)) {
		rc = -errno;
		close(ready[0]);
		close(ready[1]);
		return rc;
	}
	g = fork();
	if (g == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWNET))
			_exit(1);
		c = 1;
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		/* stay until the worker lets go */
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	rc = g < 0 ? -errno : 0;
	if (!rc && read(ready[0], &c, 1) != 1)
		rc = -ECHILD;
	if (!rc) {
		ctr_fmt(pidbuf, sizeof(pidbuf), "%d", (int)g);
		rc = ctr_spawn(argv, -1, &ipp);
		if (!rc)
			rc = ctr_wait(ipp, 10000, &status);
		if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status)))
			rc = -EIO;
	}
	memset(&ifr, 0, sizeof(ifr));
	str_copy(ifr.ifr_name, "npt0", sizeof(ifr.ifr_name));
	if (!rc && ioctl(sock, SIOCGIFINDEX, &ifr))
		rc = -errno;
	t0 = now_ns();
	close(hold[1]);
	close(ready[0]);
	if (g > 0)
		waitpid(g, &status, 0);
	if (rc)
		return rc;
	deadline = t0 + 10000000000ull;
	while (!ioctl(sock, SIOCGIFINDEX, &ifr)) {
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		usleep(20);
	}
	return elapsed(t0);
}

/* The worker: samples for `seconds` into the pipe, -errno on failure. */
static void worker(const struct prim *pr, double seconds, int out)
{
	uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
	int64_t v = 0;
	int sock = -1;

	if (pr->kind == PK_OVERLAY || pr->kind == PK_PIVOT) {
		/* mounts stay in this process's namespace: a crash leaves nothing on the host */
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			v = -errno;
	} else if (pr->kind == PK_NETNS_TEARDOWN) {
		if (unshare(CLONE_NEWNET) || (sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
			v = -errno;
	}
	do {
		if (v < 0 && v != INT64_MIN)
			break;
		switch (pr->kind) {
		case PK_UNSHARE:
			v = s_unshare(pr, out);
			break;
		case PK_CLONE_EXEC:
			v = s_clone_exec(pr);
			break;
		case PK_CGROUP:
			v = s_cgroup(pr);
			break;
		case PK_OVERLAY:
			v = s_overlay(pr);
			break;
		case PK_PIVOT:
			v = s_pivot(pr, out);
			break;
		case PK_NETNS_TEARDOWN:
			v = s_netns_teardown(pr, sock);
			break;
		}
		/* INT64_MIN: the sample's own process wrote it */
		if (v != INT64_MIN && write(out, &v, sizeof(v)) != sizeof(v))
			break;
	} while ((v >= 0 || v == INT64_MIN) && !sandbox_stop && now_ns() < deadline);
	if (v < 0 && v != INT64_MIN && write(out, &v, sizeof(v)) != sizeof(v))
		_exit(1);
	_exit(0);
}

static int prim_rep(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h)
{
	struct prim *pr = arg;
	int fds[2], rc = 0, status;
	uint64_t got = 0;
	int64_t v;
	ssize_t n;
	pid_t pid;

	(void)ctx;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (pid == 0) {
		close(fds[0]);
		worker(pr, seconds, fds[1]);
	}
	close(fds[1]);
	for (;;) {
		n = read(fds[0], &v, sizeof(v));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(v))
			break;
		if (v < 0) {
			if (!rc)
				rc = (int)v;
			continue;
		}
		hist_record(h, (uint64_t)v);
		got++;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!rc && !sandbox_stop && (!WIFEXITED(status) || WEXITSTATUS(status)))
		rc = -ECHILD;
	if (!rc && !got && !sandbox_stop)
		rc = -ETIME;
	if (pr->kind == PK_CGROUP) {
		char cg[PATH_MAX + 64];

		/* a worker that failed half-way leaves its cgroup empty behind it */
		ctr_fmt(cg, sizeof(cg), "%s/np-%d-prim-cg", pr->path, (int)getpid());
		rmdir(cg);
	}
	if (pr->calls++)
		pr->iterations += got;
	return rc;
}

/* --- set-up per primitive --- */

static int v2_root(char *out, size_t len)
{
	struct statfs st;

	if (!statfs("/sys/fs/cgroup", &st) && st.f_type == CGROUP2_SUPER_MAGIC) {
		str_copy(out, "/sys/fs/cgroup", len);
		return 0;
	}
	if (!statfs("/sys/fs/cgroup/unified", &st) && st.f_type == CGROUP2_SUPER_MAGIC) {
		str_copy(out, "/sys/fs/cgroup/unified", len);
		return 0;
	}
	return -ENOENT;
}

/* our own cgroup v2 dir under root, from /proc/self/cgroup's "0::/path" */
static int own_cgroup(const char *root, char *out, size_t len)
{
	char buf[4096], *p;

	if (read_small("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return -ENOENT;
	p = strstr(buf, "0::");
	if (!p)
		return -ENOENT;
	p += 3;
	p[strcspn(p, "\n")] = '\0';
	ctr_fmt(out, len, "%s%s", root, strcmp(p, "/") ? p : "");
	return 0;
}

static int mkdirs(const char *base, const char *const *names, size_t n)
{
	char path[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < n; i++) {
		ctr_fmt(path, sizeof(path), "%s/%s", base, names[i]);
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
	}
	return 0;
}

static int prim_setup(struct bench_ctx *ctx, struct prim *pr, char *why, size_t len)
{
	static const char *const ovl[] = { "l1", "l2", "l3", "upper", "work", "merged" };
	static const char *const piv[] = { "rootfs" };
	const char *bb;
	int rc = 0;

	pr->calls = 0;
	pr->iterations = 0;
	ctr_fmt(pr->dir, sizeof(pr->dir), "%s/prim-%s", ctx->tmpdir, pr->what);
	if (mkdir(pr->dir, 0755) && errno != EEXIST) {
		ctr_fmt(why, len, "cannot create %s: %s", pr->dir, strerror(errno));
		return -errno;
	}
	switch (pr->kind) {
	case PK_CLONE_EXEC:
		bb = oci_find_busybox(why, len);
		if (!bb)
			return -ENOENT;
		str_copy(pr->path, bb, sizeof(pr->path));
		break;
	case PK_CGROUP:
		if (v2_root(pr->path, sizeof(pr->path)) || own_cgroup(pr->path, pr->orig, sizeof(pr->orig))) {
			ctr_fmt(why, len, "no cgroup v2 hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified)");
			return -ENOENT;
		}
		break;
	case PK_OVERLAY:
		rc = mkdirs(pr->dir, ovl, ARRAY_SIZE(ovl));
		break;
	case PK_PIVOT:
		rc = mkdirs(pr->dir, piv, ARRAY_SIZE(piv));
		break;
	case PK_NETNS_TEARDOWN:
		if (ctr_find_bin("ip", pr->path, sizeof(pr->path))) {
			ctr_fmt(why, len, "needs ip (iproute2) to put a veth end in the dying namespace");
			return -ENOENT;
		}
		break;
	default:
		break;
	}
	if (rc)
		ctr_fmt(why, len, "cannot create the directories under %s: %s", pr->dir, strerror(-rc));
	return rc;
}

/* The entry's settings into a fresh per-run state. */
static void prim_init(struct prim *pr, const struct bench_ctx *ctx)
{
	const struct prim_cfg *c = ctx->cfg;

	memset(pr, 0, sizeof(*pr));
	pr->kind = c->kind;
	pr->flag = c->flag;
	pr->what = c->what;
}

static int prim_available(struct bench_ctx *ctx, char *why, size_t len)
{
	struct prim p, *pr = &p;
	struct hist *h;
	int rc;

	if (geteuid() != 0) {
		ctr_fmt(why, len, "needs root");
		return 0;
	}
	prim_init(pr, ctx);
	if (prim_setup(ctx, pr, why, len))
		return 0;
	/* one short try: a kernel without the namespace type or overlayfs says so here */
	h = hist_new();
	if (!h) {
		ctr_fmt(why, len, "out of memory");
		return 0;
	}
	rc = prim_rep(ctx, pr, 0.0, h);
	hist_free(h);
	if (rc) {
		ctr_fmt(why, len, "the kernel refused it: %s", strerror(-rc));
		return 0;
	}
	return 1;
}

static int prim_run(struct bench_ctx *ctx, struct result *res)
{
	struct prim p, *pr = &p;
	char why[512];
	json_t *params;
	int rc;

	prim_init(pr, ctx);
	rc = prim_setup(ctx, pr, why, sizeof(why));
	if (rc) {
		log_err("%s: %s", ctx->bench_name, why);
		return rc;
	}
	params = json_pack("{s:s}", "primitive", pr->what);
	rc = bench_latency(ctx, res, ctx->bench_name, prim_rep, pr, params);
	if (!rc && res->nmetrics) {
		struct metric *m = &res->metrics[res->nmetrics - 1];

		if (m->params)
			json_object_set_new(m->params, "iterations", json_integer((json_int_t)pr->iterations));
	}
	if (rc && rc != -EINTR)
		log_err("%s: %s", ctx->bench_name, strerror(-rc));
	return rc;
}

#define PRIM_BENCH(id, bname, kind_, flag_, what_, text)                \
	static const struct prim_cfg id##_cfg = { kind_, flag_, what_ }; \
	BENCH_DEF(bench_##id, bname, text, SUITE_ALL, NULL, prim_available, prim_run, &id##_cfg)

PRIM_BENCH(container_prim_unshare_net, "container.prim.unshare.net", PK_UNSHARE, CLONE_NEWNET, "unshare.net",
	   "unshare(CLONE_NEWNET): a network namespace");
PRIM_BENCH(container_prim_unshare_mnt, "container.prim.unshare.mnt", PK_UNSHARE, CLONE_NEWNS, "unshare.mnt",
	   "unshare(CLONE_NEWNS): a copy of this mount table");
PRIM_BENCH(container_prim_unshare_pid, "container.prim.unshare.pid", PK_UNSHARE, CLONE_NEWPID, "unshare.pid",
	   "unshare(CLONE_NEWPID): a pid namespace for the children");
PRIM_BENCH(container_prim_unshare_ipc, "container.prim.unshare.ipc", PK_UNSHARE, CLONE_NEWIPC, "unshare.ipc",
	   "unshare(CLONE_NEWIPC): an IPC namespace");
PRIM_BENCH(container_prim_unshare_uts, "container.prim.unshare.uts", PK_UNSHARE, CLONE_NEWUTS, "unshare.uts",
	   "unshare(CLONE_NEWUTS): a hostname namespace");
PRIM_BENCH(container_prim_unshare_user, "container.prim.unshare.user", PK_UNSHARE, CLONE_NEWUSER, "unshare.user",
	   "unshare(CLONE_NEWUSER): a user namespace");
PRIM_BENCH(container_prim_unshare_cgroup, "container.prim.unshare.cgroup", PK_UNSHARE, CLONE_NEWCGROUP,
	   "unshare.cgroup", "unshare(CLONE_NEWCGROUP): a cgroup namespace");
PRIM_BENCH(container_prim_netns_teardown, "container.prim.netns_teardown", PK_NETNS_TEARDOWN, 0, "netns_teardown",
	   "last process of a netns with a veth end exits until the kernel removed the veth");
PRIM_BENCH(container_prim_cgroup, "container.prim.cgroup", PK_CGROUP, 0, "cgroup",
	   "cgroup v2 mkdir, attach a process, move it back, rmdir");
PRIM_BENCH(container_prim_overlay_mount, "container.prim.overlay_mount", PK_OVERLAY, 0, "overlay_mount",
	   "overlayfs mount of 3 lower layers and an upper, then umount");
PRIM_BENCH(container_prim_clone_exec, "container.prim.clone_exec", PK_CLONE_EXEC, 0, "clone_exec",
	   "fork, exec of a static binary (busybox true) and wait for its exit");
PRIM_BENCH(container_prim_pivot_root, "container.prim.pivot_root", PK_PIVOT, 0, "pivot_root",
	   "bind the rootfs, pivot_root(\".\", \".\"), detach the old root (runc's sequence)");
