/* sandbox.c - registry of created resources with cleanup on exit, error and signals. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/sandbox.h"
#include "core/util.h"

volatile sig_atomic_t sandbox_stop;
volatile sig_atomic_t sandbox_signal;

struct entry {
	int handle;
	char kind[16];
	char name[256];
	sandbox_undo_fn undo;
	void *arg;
};

static struct entry *entries;
static size_t nentries, cap_entries;
static int next_handle = 1;
static volatile sig_atomic_t cleaning;

static void undo_entry(struct entry *e)
{
	log_debug("sandbox: removing %s %s", e->kind, e->name);
	e->undo(e->name, e->arg);
}

void sandbox_cleanup_all(void)
{
	if (cleaning)
		return;
	cleaning = 1;
	while (nentries) {
		struct entry e = entries[--nentries];

		undo_entry(&e);
	}
	cleaning = 0;
}

static void on_signal(int sig)
{
	if (!sandbox_stop) {
		sandbox_signal = sig;
		sandbox_stop = 1;
		return;
	}
	/*
	 * A second signal: the user wants out now. The undo functions only use
	 * syscalls and posix_spawn, so running them here is a risk worth taking
	 * over leaving namespaces and devices behind.
	 */
	sandbox_cleanup_all();
	_exit(128 + sig);
}

void sandbox_init(void)
{
	static int done;
	struct sigaction sa;

	if (done)
		return;
	done = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atexit(sandbox_cleanup_all);
}

int sandbox_register(const char *kind, const char *name, sandbox_undo_fn undo, void *arg)
{
	struct entry *e;
	sigset_t all, old;
	int handle;

	if (nentries == cap_entries) {
		size_t cap = cap_entries ? cap_entries * 2 : 16;
		struct entry *n = realloc(entries, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		entries = n;
		cap_entries = cap;
	}
	/* The handler of a second signal walks the array: fill it whole first. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	e = &entries[nentries];
	e->handle = handle = next_handle++;
	str_copy(e->kind, kind, sizeof(e->kind));
	str_copy(e->name, name, sizeof(e->name));
	e->undo = undo;
	e->arg = arg;
	nentries++;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return handle;
}

void sandbox_release(int handle)
{
	sigset_t all, old;
	struct entry e;
	size_t i;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nentries; i++)
		if (entries[i].handle == handle)
			break;
	if (i == nentries) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	e = entries[i];
	memmove(&entries[i], &entries[i + 1], (nentries - i - 1) * sizeof(*entries));
	nentries--;
	sigprocmask(SIG_SETMASK, &old, NULL);
	undo_entry(&e);
}

/* Stays on the filesystem of the tree's top: a mount left inside is not descended (-EBUSY). */
static int rmtree_at(int dirfd, const char *name, dev_t dev, int top)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd, rc = 0;

	if (!unlinkat(dirfd, name, 0))
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return errno == ENOENT ? 0 : -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (top) {
		dev = st.st_dev;
	} else if (st.st_dev != dev) {
		close(fd);
		return -EBUSY;
	}
	dir = fdopendir(fd);
	if (!dir) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int r = rmtree_at(fd, de->d_name, dev, 0);

		if (r && !rc)
			rc = r;
	}
	closedir(dir);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) && !rc)
		rc = -errno;
	return rc;
}

int sandbox_rmtree(const char *path)
{
	return rmtree_at(AT_FDCWD, path, 0, 1);
}

size_t sandbox_pids_naming(const char *needle, pid_t *out, size_t max)
{
	char path[64], buf[4096];
	struct dirent *de;
	DIR *d = opendir("/proc");
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		pid_t pid = (pid_t)atoi(de->d_name);
		ssize_t len, i;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		len = read_small(path, buf, sizeof(buf));
		if (len <= 0)
			continue;
		for (i = 0; i < len; i++)
			if (!buf[i])
				buf[i] = ' ';
		if (strstr(buf, needle))
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

/* p is dir itself or below it, not a sibling that shares the prefix ("/a/bc" for "/a/b"). */
static int path_under(const char *p, const char *dir)
{
	size_t dl = strlen(dir);

	return strncmp(p, dir, dl) == 0 && (p[dl] == '\0' || p[dl] == '/');
}

int sandbox_deepest_mount(const char *dir, char *mp, size_t len)
{
	char line[4096], best[4096] = "";
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char m[4096];

		if (sscanf(line, "%*s %*s %*s %*s %4095s", m) != 1 || !path_under(m, dir))
			continue;
		if (strlen(m) > strlen(best))
			str_copy(best, m, sizeof(best));
	}
	fclose(f);
	if (!best[0])
		return 0;
	str_copy(mp, best, len);
	return 1;
}

static void undo_tempdir(const char *name, void *arg)
{
	(void)arg;
	sandbox_rmtree(name);
}

int sandbox_tempdir(const char *base, char *path, size_t len)
{
	int n, handle;

	n = snprintf(path, len, "%s/nodeperf-%d-XXXXXX", base ? base : "/var/tmp", (int)getpid());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (!mkdtemp(path))
		return -errno;
	handle = sandbox_register("tempdir", path, undo_tempdir, NULL);
	if (handle < 0) {
		sandbox_rmtree(path);
		return handle;
	}
	return 0;
}

/* --- sweeping leftovers of killed runs --- */

/* pid embedded after the prefix: "nodeperf-1234-..." or "np-1234-...", 0 if none. */
static pid_t owner_pid(const char *name)
{
	const char *p = name;
	char *end;
	long pid;

	if (str_starts(p, "nodeperf-"))
		p += 9;
	else if (str_starts(p, "np-") || str_starts(p, "np_"))
		p += 3;
	else
		return 0;
	pid = strtol(p, &end, 10);
	if (end == p || (*end && *end != '-' && *end != '_' && *end != '.') || pid <= 0)
		return 0;
	return (pid_t)pid;
}

/*
 * Any live process with the pid counts as the owner, not only a nodeperf:
 * tests and scripts name what they make after their own shell's pid, and a
 * cleanup running beside them must not take it away. A pid recycled after
 * a SIGKILL keeps that run's leftovers until its new holder exits (or
 * `cleanup --all`), which is the safe way to be wrong.
 */
static int owner_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Names without a pid are not proven to be a dead run's: only --all takes them. */
static int stale(const char *name, int all)
{
	pid_t pid = owner_pid(name);

	return all || (pid > 0 && !owner_alive(pid));
}

static int ours(const char *name)
{
	return str_starts(name, "nodeperf") || str_starts(name, "np-") || str_starts(name, "np_");
}

struct sweep {
	int all, dry_run, removed, failed;
};

static void report(struct sweep *s, const char *what, const char *name, int rc)
{
	if (s->dry_run) {
		printf("would remove %s %s\n", what, name);
		s->removed++;
	} else if (rc) {
		printf("could not remove %s %s: %s\n", what, name, strerror(-rc));
		s->failed++;
	} else {
		printf("removed %s %s\n", what, name);
		s->removed++;
	}
}

static int run_cmd(const char *a0, const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	int rc = spawn_capture(argv, NULL, 0);

	return rc > 0 ? -EIO : rc;
}

/*
 * A dead run's processes that name its scratch dir: `ctr` clients waiting on
 * a containerd that died with the run, shims, a daemon that outlived it.
 */
static void kill_dir_users(struct sweep *s, const char *path)
{
	pid_t pids[256];
	size_t i, n = sandbox_pids_naming(path, pids, 256);
	char name[128], comm[64], p[64];

	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "/proc/%d/comm", (int)pids[i]);
		if (read_small(p, comm, sizeof(comm)) <= 0)
			str_copy(comm, "?", sizeof(comm));
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(name, sizeof(name), "%d (%s)", (int)pids[i], comm);
		report(s, "process", name, s->dry_run || !kill(pids[i], SIGKILL) || errno == ESRCH ? 0 : -errno);
	}
	/* let them go before their mounts and files are taken */
	for (i = 0; !s->dry_run && n && i < 50 && sandbox_pids_naming(path, pids, 1); i++)
		usleep(20000);
}

/* Mounts a dead run left in its scratch dir (a container's rootfs): deepest first. */
static void umount_dir(struct sweep *s, const char *path)
{
	char mp[4096], line[4096];
	FILE *f;

	if (s->dry_run) {
		f = fopen("/proc/self/mountinfo", "re");
		if (!f)
			return;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && path_under(mp, path))
				report(s, "mount", mp, 0);
		fclose(f);
		return;
	}
	while (sandbox_deepest_mount(path, mp, sizeof(mp))) {
		int rc = umount2(mp, MNT_DETACH) ? -errno : 0;

		report(s, "mount", mp, rc);
		if (rc)	/* what is above it stays too; rmtree will not cross it */
			return;
	}
}

static void sweep_tempdirs(struct sweep *s, const char *base, int users)
{
	char path[512];
	struct dirent *de;
	DIR *dir = opendir(base);

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!str_starts(de->d_name, "nodeperf-") || !stale(de->d_name, s->all))
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		if (users) {
			kill_dir_users(s, path);
			continue;
		}
		umount_dir(s, path);
		report(s, "temp dir", path, s->dry_run ? 0 : sandbox_rmtree(path));
	}
	closedir(dir);
}

static void sweep_netns(struct sweep *s)
{
	struct dirent *de;
	DIR *dir = opendir("/run/netns");

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!str_starts(de->d_name, "np-") || !stale(de->d_name, s->all))
			continue;
		report(s, "network namespace", de->d_name,
		       s->dry_run ? 0 : run_cmd("ip", "netns", "delete", de->d_name, NULL));
	}
	closedir(dir);
}

static void sweep_links(struct sweep *s)
{
	struct dirent *de;
	DIR *dir = opendir("/sys/class/net");

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!str_starts(de->d_name, "np-") || !stale(de->d_name, s->all))
			continue;
		report(s, "link", de->d_name,
		       s->dry_run ? 0 : run_cmd("ip", "link", "delete", de->d_name, NULL));
	}
	closedir(dir);
}

/* Kill what still runs in a cgroup, then remove it (children first). */
static int remove_cgroup(const char *path)
{
	char sub[1024], buf[4096], *line, *save;
	struct dirent *de;
	DIR *dir;
	int tries;

	dir = opendir(path);
	if (dir) {
		while ((de = readdir(dir))) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			remove_cgroup(sub);
		}
		closedir(dir);
	}
	for (tries = 0; tries < 50; tries++) {
		snprintf(sub, sizeof(sub), "%s/cgroup.procs", path);
		if (read_small(sub, buf, sizeof(buf)) <= 0)
			break;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			kill((pid_t)atoi(line), SIGKILL);
		usleep(20000);
	}
	return rmdir(path) ? -errno : 0;
}

static void sweep_cgroup_dir(struct sweep *s, const char *dirpath, int depth)
{
	char path[1024];
	struct dirent *de;
	DIR *dir = opendir(dirpath);

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		if (ours(de->d_name)) {
			if (stale(de->d_name, s->all))
				report(s, "cgroup", path, s->dry_run ? 0 : remove_cgroup(path));
		} else if (depth < 3) {
			sweep_cgroup_dir(s, path, depth + 1);
		}
	}
	closedir(dir);
}

static void sweep_loops(struct sweep *s)
{
	char path[512], backing[512], dev[300];
	struct dirent *de;
	DIR *dir = opendir("/sys/block");
	int fd, rc;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		const char *base;

		if (!str_starts(de->d_name, "loop"))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
		if (read_small(path, backing, sizeof(backing)) <= 0)
			continue;
		base = strrchr(backing, '/');
		base = base ? base + 1 : backing;
		/* The backing file lives in a nodeperf-PID-* temp dir. */
		if (!strstr(backing, "/nodeperf-") && !ours(base))
			continue;
		if (!s->all) {
			const char *d = strstr(backing, "/nodeperf-");
			/* the owner is the temp dir's, else the file's own np-PID-* */
			pid_t pid = d ? owner_pid(d + 1) : owner_pid(base);

			if (pid <= 0 || owner_alive(pid))
				continue;
		}
		snprintf(dev, sizeof(dev), "/dev/%s", de->d_name);
		rc = 0;
		if (!s->dry_run) {
			fd = open(dev, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || ioctl(fd, LOOP_CLR_FD, 0))
				rc = -errno;
			if (fd >= 0)
				close(fd);
		}
		report(s, "loop device", dev, rc);
	}
	closedir(dir);
}

static void sweep_containers(struct sweep *s, const char *runtime)
{
	char *argv[] = { (char *)runtime, "list", "-q", NULL };
	char out[8192], *line, *save;

	if (spawn_capture(argv, out, sizeof(out)) != 0)
		return;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!ours(line) || !stale(line, s->all))
			continue;
		report(s, runtime, line,
		       s->dry_run ? 0 : run_cmd(runtime, "delete", "--force", line, NULL));
	}
}

/* Mounts whose source names a dead run ("nodeperf-PID": the tracefs a probe mounted). */
static void sweep_named_mounts(struct sweep *s)
{
	char line[4096], mp[4096], src[256], *sep;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(sep + 3, "%*s %255s", src) != 1)
			continue;
		if (!str_starts(src, "nodeperf-") || !stale(src, s->all))
			continue;
		report(s, "mount", mp, s->dry_run || !umount2(mp, MNT_DETACH) ? 0 : -errno);
	}
	fclose(f);
}

static void sweep_bpf_pins(struct sweep *s)
{
	char path[512];
	struct dirent *de;
	DIR *dir = opendir("/sys/fs/bpf");

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!ours(de->d_name) || !stale(de->d_name, s->all))
			continue;
		snprintf(path, sizeof(path), "/sys/fs/bpf/%s", de->d_name);
		report(s, "BPF pin", path, s->dry_run ? 0 : sandbox_rmtree(path));
	}
	closedir(dir);
}

int sandbox_sweep(int all, int dry_run)
{
	struct sweep s = { .all = all, .dry_run = dry_run };

	sweep_containers(&s, "runc");
	sweep_containers(&s, "crun");
	sweep_tempdirs(&s, "/var/tmp", 1);
	sweep_tempdirs(&s, "/tmp", 1);
	sweep_cgroup_dir(&s, "/sys/fs/cgroup", 0);
	sweep_netns(&s);
	sweep_links(&s);
	sweep_loops(&s);
	sweep_bpf_pins(&s);
	sweep_named_mounts(&s);
	sweep_tempdirs(&s, "/var/tmp", 0);
	sweep_tempdirs(&s, "/tmp", 0);
	if (!s.removed && !s.failed)
		printf("nothing to clean up\n");
	return s.failed;
}
