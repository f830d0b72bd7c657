/* containerd.c - `ctr run --rm` against a private containerd: snapshotter, shim and runc together. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/container.h"
#include "bench/oci_bundle.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/util.h"

#define ENTRY "/bin/true"

struct ctrd {
	char dir[PATH_MAX];
	char sock[PATH_MAX];
	char ns[64];
	char image[128];
	char containerd[PATH_MAX], ctr[PATH_MAX];
	char why[512];
	int errfd;
	pid_t daemon;
	int handle;
	unsigned seq;
	int made_run_s;		/* /run/containerd/s did not exist before */
};

/* Kill every process whose command line names our scratch dir: the daemon's shims. */
static void kill_ours(const char *dir, int sig)
{
	pid_t pids[256];
	size_t i, n = sandbox_pids_naming(dir, pids, 256);

	for (i = 0; i < n; i++)
		kill(pids[i], sig);
}

/* Unmount what the shims mounted under our dir (container rootfs), deepest first. */
static void umount_ours(const char *dir)
{
	char mp[PATH_MAX];
	int rounds = 0;

	while (rounds++ < 64 && sandbox_deepest_mount(dir, mp, sizeof(mp)) && !umount2(mp, MNT_DETACH))
		;
}

static void ctrd_undo(const char *name, void *arg)
{
	struct ctrd *c = arg;
	char prefix[64];
	int i, status;

	(void)name;
	if (c->daemon > 0) {
		kill(c->daemon, SIGTERM);
		for (i = 0; i < 100 && waitpid(c->daemon, &status, WNOHANG) == 0; i++)
			usleep(20000);
		if (i == 100) {
			kill(c->daemon, SIGKILL);
			waitpid(c->daemon, &status, 0);
		}
		c->daemon = 0;
	}
	kill_ours(c->dir, SIGKILL);
	ctr_fmt(prefix, sizeof(prefix), "np-%d-ctrd", (int)getpid());
	ctr_remove_cgroups(prefix);
	umount_ours(c->dir);
	if (c->made_run_s) {
		rmdir("/run/containerd/s");
		rmdir("/run/containerd");
	}
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int rc = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		rc = -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

/* Run a helper to completion (ctr, tar); stdout into out when given. 0 or -EIO with c->why. */
static int run_tool(struct ctrd *c, char *const argv[], char *out, size_t len)
{
	int rc, status;
	pid_t pid;

	if (out) {
		rc = spawn_capture(argv, out, len);
		if (rc) {
			ctr_fmt(c->why, sizeof(c->why), "%s %s failed (%d)", argv[0], argv[1], rc);
			return -EIO;
		}
		return 0;
	}
	if (ftruncate(c->errfd, 0))
		return -errno;
	rc = ctr_spawn(argv, c->errfd, &pid);
	if (!rc)
		rc = ctr_wait(pid, 60000, &status);
	if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status)))
		rc = -EIO;
	if (rc) {
		char tail[400] = "";
		off_t end = lseek(c->errfd, 0, SEEK_END);
		ssize_t n = end > 0 ? pread(c->errfd, tail, sizeof(tail) - 1, end > 399 ? end - 399 : 0) : 0;

		tail[n > 0 ? n : 0] = '\0';
		str_trim(tail);
		ctr_fmt(c->why, sizeof(c->why), "%s %s failed: %s", argv[0], argv[1], tail[0] ? tail : strerror(-rc));
	}
	return rc;
}

static const char *go_arch(void)
{
	static struct utsname u;

	if (uname(&u))
		return "amd64";
	if (!strcmp(u.machine, "x86_64"))
		return "amd64";
	if (!strcmp(u.machine, "aarch64"))
		return "arm64";
	return u.machine;
}

/*
 * A docker-archive image of the busybox rootfs: layer.tar, a config naming
 * its diff id, manifest.json with our tag. No registry.
 */
static int make_image(struct ctrd *c, const char *busybox)
{
	char img[PATH_MAX], rootfs[PATH_MAX], layer[PATH_MAX], path[PATH_MAX], sum[256], text[1024], tar[PATH_MAX],
		shasum[PATH_MAX];
	const char *const args[] = { ENTRY, NULL };
	struct oci_spec_opts o = { .args = args };
	int rc;

	if (ctr_find_bin("tar", tar, sizeof(tar)) || ctr_find_bin("sha256sum", shasum, sizeof(shasum))) {
		ctr_fmt(c->why, sizeof(c->why), "needs tar and sha256sum to build the image");
		return -ENOENT;
	}
	ctr_fmt(img, sizeof(img), "%s/image", c->dir);
	ctr_fmt(rootfs, sizeof(rootfs), "%s/bundle/rootfs", c->dir);
	ctr_fmt(layer, sizeof(layer), "%s/layer.tar", img);
	if (mkdir(img, 0755)) {
		ctr_fmt(c->why, sizeof(c->why), "cannot create %s: %s", img, strerror(errno));
		return -errno;
	}
	ctr_fmt(path, sizeof(path), "%s/bundle", c->dir);
	rc = oci_bundle_create(path, busybox, &o, c->why, sizeof(c->why));
	if (rc)
		return rc;
	{
		char *argv[] = { tar, "--numeric-owner", "-C", rootfs, "-cf", layer, ".", NULL };

		rc = run_tool(c, argv, NULL, 0);
	}
	if (!rc) {
		char *argv[] = { shasum, layer, NULL };

		rc = run_tool(c, argv, sum, sizeof(sum));
	}
	if (rc)
		return rc;
	sum[strcspn(sum, " \n")] = '\0';
	ctr_fmt(text, sizeof(text),
		"{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"%s\"],"
		"\"Env\":[\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"]},\"rootfs\":{\"type\":\"layers\","
		"\"diff_ids\":[\"sha256:%s\"]},\"history\":[{\"created_by\":\"nodeperf\"}]}",
		go_arch(), ENTRY, sum);
	ctr_fmt(path, sizeof(path), "%s/config.json", img);
	rc = write_file(path, text);
	ctr_fmt(text, sizeof(text), "[{\"Config\":\"config.json\",\"RepoTags\":[\"%s\"],\"Layers\":[\"layer.tar\"]}]",
		c->image);
	ctr_fmt(path, sizeof(path), "%s/manifest.json", img);
	if (!rc)
		rc = write_file(path, text);
	if (rc) {
		ctr_fmt(c->why, sizeof(c->why), "cannot write the image files: %s", strerror(-rc));
		return rc;
	}
	ctr_fmt(path, sizeof(path), "%s/image.tar", c->dir);
	{
		char *argv[] = { tar, "-C", img, "-cf", path, "manifest.json", "config.json", "layer.tar", NULL };

		rc = run_tool(c, argv, NULL, 0);
	}
	if (!rc) {
		char *argv[] = { c->ctr, "--address", c->sock, "--namespace", c->ns, "images", "import", path, NULL };

		rc = run_tool(c, argv, NULL, 0);
	}
	return rc;
}

/*
 * fork and exec rather than posix_spawn: the daemon gets SIGTERM when
 * nodeperf dies, even by SIGKILL, so no containerd outlives its run.
 */
static int spawn_daemon(char *const argv[], int logfd, pid_t *out)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent || fd < 0)
			_exit(127);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(logfd, 2);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execv(argv[0], argv);
		_exit(127);
	}
	*out = pid;
	return 0;
}

/* Start our own containerd: private root, state, sockets; no CRI. */
static int start_daemon(struct ctrd *c)
{
	char cfg[PATH_MAX], text[4096], log[PATH_MAX], ok[64];
	char *argv[] = { c->containerd, "--config", cfg, NULL };
	char *ver[] = { c->ctr, "--address", c->sock, "version", NULL };
	struct stat st;
	int rc, i, logfd;

	c->made_run_s = stat("/run/containerd/s", &st) != 0;
	ctr_fmt(cfg, sizeof(cfg), "%s/config.toml", c->dir);
	ctr_fmt(text, sizeof(text),
		"version = 2\n"
		"root = \"%s/root\"\n"
		"state = \"%s/state\"\n"
		"disabled_plugins = [\"io.containerd.grpc.v1.cri\", \"io.containerd.internal.v1.opt\",\n"
		"  \"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\",\n"
		"  \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\",\n"
		"  \"io.containerd.tracing.processor.v1.otlp\", \"io.containerd.internal.v1.tracing\"]\n"
		"[grpc]\n  address = \"%s\"\n"
		"[ttrpc]\n  address = \"%s.ttrpc\"\n"
		"[debug]\n  address = \"\"\n"
		"[metrics]\n  address = \"\"\n",
		c->dir, c->dir, c->sock, c->sock);
	rc = write_file(cfg, text);
	if (rc) {
		ctr_fmt(c->why, sizeof(c->why), "cannot write %s: %s", cfg, strerror(-rc));
		return rc;
	}
	ctr_fmt(log, sizeof(log), "%s/containerd.log", c->dir);
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd < 0)
		return -errno;
	rc = spawn_daemon(argv, logfd, &c->daemon);
	close(logfd);
	if (rc) {
		ctr_fmt(c->why, sizeof(c->why), "cannot start containerd: %s", strerror(-rc));
		c->daemon = 0;
		return rc;
	}
	for (i = 0; i < 200 && !sandbox_stop; i++) {
		int status;

		if (waitpid(c->daemon, &status, WNOHANG) == c->daemon) {
			c->daemon = 0;
			ctr_fmt(c->why, sizeof(c->why), "containerd exited at start; see its log (kept only during the run)");
			return -EIO;
		}
		if (access(c->sock, F_OK) == 0 && spawn_capture(ver, ok, sizeof(ok)) == 0)
			return 0;
		usleep(50000);
	}
	ctr_fmt(c->why, sizeof(c->why), "containerd did not answer on %s within 10 s", c->sock);
	return sandbox_stop ? -EINTR : -ETIMEDOUT;
}

static int ctrd_available(struct bench_ctx *ctx, char *why, size_t len)
{
	char p[PATH_MAX];

	(void)ctx;
	if (geteuid() != 0) {
		ctr_fmt(why, len, "needs root to run containerd");
		return 0;
	}
	if (ctr_find_bin("containerd", p, sizeof(p)) || ctr_find_bin("ctr", p, sizeof(p))) {
		ctr_fmt(why, len, "containerd or ctr is not installed");
		return 0;
	}
	if (ctr_find_bin("containerd-shim-runc-v2", p, sizeof(p)) || ctr_find_bin("runc", p, sizeof(p))) {
		ctr_fmt(why, len, "containerd-shim-runc-v2 or runc is not installed");
		return 0;
	}
	return oci_find_busybox(why, len) != NULL;
}

static int run_one(struct ctrd *c, const char *runc_root, uint64_t *dt)
{
	char id[64], cg[96];
	char *argv[] = { c->ctr, "--address", c->sock, "--namespace", c->ns, "run", "--rm", "--null-io", "--seccomp",
			 "--cgroup", cg, "--runc-root", (char *)runc_root, c->image, id, ENTRY, NULL };
	uint64_t t0 = now_ns();
	int rc = run_tool(c, (ctr_fmt(id, sizeof(id), "np-%d-ctrd-%u", (int)getpid(), c->seq),
			      ctr_fmt(cg, sizeof(cg), "/np-%d-ctrd-%u", (int)getpid(), c->seq++), argv),
			  NULL, 0);

	*dt = now_ns() - t0;
	return rc;
}

static int ctrd_run(struct bench_ctx *ctx, struct result *res)
{
	unsigned n = ctr_suite_count(ctx), reps = ctx->reps, i;
	struct ctrd *c = calloc(1, sizeof(*c));
	struct hist *h = calloc(reps, sizeof(*h));
	char path[PATH_MAX], runc_root[PATH_MAX], ver[256] = "";
	const char *busybox;
	uint64_t dt;
	int rc = 0;

	if (!c || !h) {
		free(c);
		free(h);
		return -ENOMEM;
	}
	for (i = 0; i < reps; i++)
		hist_init(&h[i]);
	c->errfd = -1;
	ctr_fmt(c->dir, sizeof(c->dir), "%s/ctrd", ctx->tmpdir);
	ctr_fmt(c->sock, sizeof(c->sock), "%s/c.sock", c->dir);
	ctr_fmt(runc_root, sizeof(runc_root), "%s/runc", c->dir);
	ctr_fmt(c->ns, sizeof(c->ns), "np-%d", (int)getpid());
	ctr_fmt(c->image, sizeof(c->image), "docker.io/nodeperf/busybox:np-%d", (int)getpid());
	ctr_find_bin("containerd", c->containerd, sizeof(c->containerd));
	ctr_find_bin("ctr", c->ctr, sizeof(c->ctr));
	busybox = oci_find_busybox(c->why, sizeof(c->why));
	if (!busybox || mkdir(c->dir, 0755)) {
		rc = busybox ? -errno : -ENOENT;
		goto out;
	}
	c->handle = sandbox_register("containerd", c->dir, ctrd_undo, c);
	if (c->handle < 0) {
		rc = c->handle;
		c->handle = 0;
		goto out;
	}
	ctr_fmt(path, sizeof(path), "%s/stderr", c->dir);
	c->errfd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (c->errfd < 0) {
		rc = -errno;
		goto out;
	}
	rc = start_daemon(c);
	if (!rc)
		rc = make_image(c, busybox);
	/* one to warm the snapshotter and the page cache */
	if (!rc)
		rc = run_one(c, runc_root, &dt);
	for (i = 0; !rc && i < n && !sandbox_stop; i++) {
		rc = run_one(c, runc_root, &dt);
		if (!rc)
			hist_record(&h[(uint64_t)i * reps / n], dt);
	}
	if (sandbox_stop)
		rc = -EINTR;
	if (!rc) {
		char *argv[] = { c->containerd, "--version", NULL };

		spawn_capture(argv, ver, sizeof(ver));
		ver[strcspn(ver, "\n")] = '\0';
		rc = ctr_add_metric(res, "container.containerd.run", h, reps,
				    json_pack("{s:s, s:I, s:s, s:s, s:s}", "version", ver, "containers", (json_int_t)n,
					      "entrypoint", ENTRY, "command", "ctr run --rm --null-io --seccomp",
					      "snapshotter", "overlayfs"),
				    NULL);
	}
out:
	if (rc && rc != -EINTR)
		log_err("%s: %s", ctx->bench_name, c->why[0] ? c->why : strerror(-rc));
	if (c->handle > 0)
		sandbox_release(c->handle);
	if (c->errfd >= 0)
		close(c->errfd);
	free(c);
	free(h);
	return rc;
}

const struct bench bench_container_containerd_run = {
	.name = "container.containerd.run",
	.summary = "`ctr run --rm` of /bin/true on a private containerd: snapshotter, shim and runc",
	.suites = SUITE_ALL,
	.available = ctrd_available,
	.run = ctrd_run,
};
