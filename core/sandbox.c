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
#include <sys/prctl.h>
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

/*
 * The registry of live runs: REGISTRY_DIR/PID lists what this process made
 * (rewritten whole on each change, removed when all is undone), so that
 * `cleanup` finds a killed run's resources wherever they are (a --tmpdir
 * elsewhere) and knows which owners still run (pid and start time).
 */
static pid_t reg_pid;			/* the process whose registry this is; 0: none */
static unsigned long long reg_start;
static char reg_path[512];

const char *sandbox_registry_dir(void)
{
	const char *d = getenv("NODEPERF_RUNDIR");

	return d && *d ? d : "/run/nodeperf";
}

int sandbox_proc_start(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long st = 0;
	char c = '?';
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -ESRCH;
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	if (!p || sscanf(p + 1, " %c", &c) != 1)
		return -EINVAL;
	/* field 22 (starttime): 20 spaces on from the comm's ')' (field 2) */
	for (i = 0; i < 20 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &st) != 1)
		return -EINVAL;
	if (start)
		*start = st;
	if (state)
		*state = c;
	return 0;
}

int sandbox_owner_alive(pid_t pid, unsigned long long start)
{
	unsigned long long st;
	char state;

	if (pid <= 0)
		return 0;
	if (sandbox_proc_start(pid, &st, &state))	/* no /proc entry: gone, or not ours to see */
		return !start && (kill(pid, 0) == 0 || errno == EPERM);
	/* a zombie has ended; start 0 (unknown): any process with the pid */
	return state != 'Z' && state != 'X' && (!start || st == start);
}

/* The registry dir, made 0700 if missing; 0 when it is a private dir of this user. */
static int registry_dir_ok(int create)
{
	const char *d = sandbox_registry_dir();
	struct stat st;

	if (create && mkdir(d, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(d, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

/* "KIND NAME" lines cannot carry a newline: such a name stays out (the name sweeps still see it). */
static void registry_write(void)
{
	char head[768], cmd[256];
	char *buf = NULL;
	size_t len = 0, i;
	ssize_t n;
	FILE *f;

	if (!reg_pid || reg_pid != getpid() || !reg_path[0] || cleaning)
		return;
	n = read_small("/proc/self/cmdline", cmd, sizeof(cmd));
	for (i = 0; n > 0 && i < (size_t)n; i++)
		if ((unsigned char)cmd[i] < 0x20)
			cmd[i] = ' ';
	if (n <= 0)
		str_copy(cmd, "?", sizeof(cmd));
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	snprintf(head, sizeof(head), "nodeperf-registry v1\nowner %d %llu %u\ncmd %s\n", (int)reg_pid,
		 reg_start, (unsigned)geteuid(), cmd);
	fputs(head, f);
	for (i = 0; i < nentries; i++)
		if (!strchr(entries[i].name, '\n') && !strchr(entries[i].kind, ' '))
			fprintf(f, "res %s %s\n", entries[i].kind, entries[i].name);
	if (!fclose(f))
		write_atomic(reg_path, buf, len, NULL, 0);
	free(buf);
}

/* From sandbox_init: this process's registry, and the mark its children inherit. */
static void registry_open(void)
{
	char mark[64];

	reg_pid = getpid();
	if (sandbox_proc_start(reg_pid, &reg_start, NULL))
		reg_start = 0;
	/* every process nodeperf starts carries it: cleanup knows them by it, and only them */
	snprintf(mark, sizeof(mark), "%d:%llu", (int)reg_pid, reg_start);
	setenv(SANDBOX_OWNER_ENV, mark, 1);
	if (registry_dir_ok(1)) {
		reg_path[0] = '\0';
		return;
	}
	snprintf(reg_path, sizeof(reg_path), "%s/%d", sandbox_registry_dir(), (int)reg_pid);
	registry_write();
}

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
	/* all undone: this run leaves nothing for cleanup (unlink: async-signal-safe) */
	if (reg_pid && reg_pid == getpid() && reg_path[0])
		unlink(reg_path);
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
	registry_open();
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
	registry_write();
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
	registry_write();
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
	char mark[4200], text[64];
	unsigned long long start = 0;
	int n, handle, fd;
	ssize_t w;

	n = snprintf(path, len, "%s/nodeperf-%d-XXXXXX", base ? base : "/var/tmp", (int)getpid());
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (!mkdtemp(path))
		return -errno;
	/* the marker that tells cleanup this dir is nodeperf's own, and whose */
	snprintf(mark, sizeof(mark), "%s/" SANDBOX_MARKER, path);
	sandbox_proc_start(getpid(), &start, NULL);
	n = snprintf(text, sizeof(text), "%d %llu\n", (int)getpid(), start);
	fd = open(mark, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		n = -errno;
		sandbox_rmtree(path);
		return n;
	}
	w = write(fd, text, (size_t)n);
	if (w != n) {
		n = w < 0 ? -errno : -ENOSPC;
		close(fd);
		sandbox_rmtree(path);
		return n;
	}
	if (close(fd)) {
		n = -errno;
		sandbox_rmtree(path);
		return n;
	}
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

static int ours(const char *name)
{
	return str_starts(name, "nodeperf") || str_starts(name, "np-") || str_starts(name, "np_");
}

/* A registry file: one run, live or dead, and what it made. */
struct run {
	pid_t pid;
	unsigned long long start;
	int live, failed;
	char cmd[160];
	char file[600];
	char *res;	/* "KIND NAME\n" lines, malloc'd */
};

struct sweep {
	int all, dry_run, removed, failed;
	struct run *runs;
	size_t nruns;
	char (*dirs)[4096];	/* scratch dirs of dead runs, for the runtimes that name them */
	size_t ndirs;
};

static const struct run *live_run(const struct sweep *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->nruns; i++)
		if (s->runs[i].live && s->runs[i].pid == pid)
			return &s->runs[i];
	return NULL;
}

/* The basename of a process's executable into out; 0, or -errno (a kernel thread). */
static int proc_exe(pid_t pid, char *out, size_t len)
{
	char path[64], exe[4096], *b;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	if (n > 10 && !strcmp(exe + n - 10, " (deleted)"))
		exe[n - 10] = '\0';
	b = strrchr(exe, '/');
	str_copy(out, b ? b + 1 : exe, len);
	return 0;
}

/* A live nodeperf: in the registry, or a process of that name (a run not registered: not root). */
static int live_nodeperf(const struct sweep *s, pid_t pid)
{
	char exe[256];

	if (live_run(s, pid))
		return 1;
	return pid > 0 && sandbox_owner_alive(pid, 0) && !proc_exe(pid, exe, sizeof(exe)) &&
	       !strcmp(exe, "nodeperf");
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
	return sandbox_owner_alive(pid, 0);
}

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

/* --all and a live run's resource: left alone, said why (a problem: exit 3). */
static void refuse_live(struct sweep *s, const char *what, const char *name, pid_t pid)
{
	const struct run *r = live_run(s, pid);

	printf("left alone %s %s: it belongs to the live nodeperf run %d%s%s%s; stop that run "
	       "(SIGINT) rather than take its resources away\n",
	       what, name, (int)pid, r ? " (" : "", r ? r->cmd : "", r ? ")" : "");
	s->failed++;
}

/* Names without a pid are not proven to be a dead run's: only --all takes them. */
static int stale(struct sweep *s, const char *what, const char *name)
{
	pid_t pid = owner_pid(name);

	if (pid > 0 && live_nodeperf(s, pid)) {
		if (s->all)
			refuse_live(s, what, name, pid);
		return 0;
	}
	return s->all || (pid > 0 && !owner_alive(pid));
}

static int run_cmd(const char *a0, const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	int rc = spawn_capture(argv, NULL, 0);

	return rc > 0 ? -EIO : rc;
}

/* --- the registry --- */

static void load_registry(struct sweep *s)
{
	const char *dir = sandbox_registry_dir();
	struct dirent *de;
	DIR *d;

	if (registry_dir_ok(0))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct run r = { 0 }, *grown;
		char *text, *line, *save = NULL, *nl;
		struct stat st;
		int pid;
		unsigned uid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		snprintf(r.file, sizeof(r.file), "%s/%s", dir, de->d_name);
		if (lstat(r.file, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		text = read_all(r.file, NULL);
		if (!text)
			continue;
		if (sscanf(text, "nodeperf-registry v1\nowner %d %llu %u", &pid, &r.start, &uid) != 3 ||
		    pid != atoi(de->d_name)) {
			free(text);
			continue;
		}
		r.pid = (pid_t)pid;
		r.live = sandbox_owner_alive(r.pid, r.start);
		line = strstr(text, "\ncmd ");
		if (line) {
			line += 5;
			nl = strchr(line, '\n');
			snprintf(r.cmd, sizeof(r.cmd), "%.*s", (int)(nl ? nl - line : (long)strlen(line)), line);
			str_copy(r.cmd, str_trim(r.cmd), sizeof(r.cmd));
		}
		/* keep the "res KIND NAME" lines as "KIND NAME\n" */
		r.res = calloc(1, strlen(text) + 1);
		for (line = strtok_r(text, "\n", &save); r.res && line; line = strtok_r(NULL, "\n", &save))
			if (str_starts(line, "res ")) {
				strcat(r.res, line + 4);
				strcat(r.res, "\n");
			}
		free(text);
		grown = r.res ? realloc(s->runs, (s->nruns + 1) * sizeof(*grown)) : NULL;
		if (!grown) {
			free(r.res);
			continue;
		}
		s->runs = grown;
		s->runs[s->nruns++] = r;
	}
	closedir(d);
}

static void add_dir(struct sweep *s, const char *path)
{
	char (*grown)[4096];
	size_t i;

	for (i = 0; i < s->ndirs; i++)
		if (!strcmp(s->dirs[i], path))
			return;
	grown = realloc(s->dirs, (s->ndirs + 1) * sizeof(*grown));
	if (!grown)
		return;
	s->dirs = grown;
	str_copy(s->dirs[s->ndirs++], path, sizeof(*grown));
}

/*
 * path is a scratch dir nodeperf made: a real dir (no symlink) of this user
 * holding this user's SANDBOX_MARKER. Its owner into *pid and *start.
 */
static int tempdir_ours(const char *path, pid_t *pid, unsigned long long *start)
{
	char mark[4200], text[64];
	struct stat st;
	int fd, p;
	ssize_t n;

	if (lstat(path, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return 0;
	snprintf(mark, sizeof(mark), "%s/" SANDBOX_MARKER, path);
	fd = open(mark, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return 0;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%d %llu", &p, start) != 2 || p <= 0)
		return 0;
	*pid = (pid_t)p;
	return 1;
}

/* --- processes --- */

/* The SANDBOX_OWNER_ENV of a process: 1 and the run's pid and start time, else 0. */
static int proc_owner(pid_t pid, pid_t *opid, unsigned long long *ostart)
{
	char path[64];
	size_t len, i;
	char *env;
	int found = 0, p;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	env = read_all(path, &len);
	if (!env)
		return 0;
	for (i = 0; i < len; i += strlen(env + i) + 1)
		if (str_starts(env + i, SANDBOX_OWNER_ENV "=") &&
		    sscanf(env + i + strlen(SANDBOX_OWNER_ENV "="), "%d:%llu", &p, ostart) == 2) {
			*opid = (pid_t)p;
			found = 1;	/* the last one counts, as for getenv */
		}
	free(env);
	return found;
}

/* A container runtime, shim or nodeperf: what a run starts and what may name its dir. */
static int runtime_exe(const char *exe)
{
	return str_starts(exe, "containerd") || !strcmp(exe, "runc") || !strcmp(exe, "crun") ||
	       !strcmp(exe, "ctr") || !strcmp(exe, "nodeperf");
}

/* This process and its ancestors: never killed. */
static int is_ancestor(pid_t pid)
{
	pid_t p = getpid();
	int depth;

	for (depth = 0; p > 1 && depth < 64; depth++) {
		char path[64], buf[1024], *q;

		if (p == pid)
			return 1;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)p);
		if (read_small(path, buf, sizeof(buf)) <= 0 || !(q = strrchr(buf, ')')) ||
		    sscanf(q + 1, " %*c %d", &p) != 1)
			break;
	}
	return 0;
}

/*
 * Whether pid is a process a dead run started: it carries the mark of a run
 * that no longer runs, or it is a runtime (containerd, its shims, runc, crun,
 * ctr, nodeperf) whose command line names a dead run's scratch dir (a shim
 * started by containerd). A `tail -f` of a file there is neither.
 */
static int dead_runs_process(const struct sweep *s, pid_t pid, char *why, size_t len)
{
	char exe[256], path[64], cmd[4096];
	unsigned long long ostart = 0;
	pid_t opid = 0;
	ssize_t n, i;
	size_t d;

	if (proc_exe(pid, exe, sizeof(exe)))	/* a kernel thread, or gone */
		return 0;
	if (proc_owner(pid, &opid, &ostart) && opid != pid && !sandbox_owner_alive(opid, ostart)) {
		snprintf(why, len, "%s, started by dead run %d", exe, (int)opid);
		return 1;
	}
	if (!s->ndirs || !runtime_exe(exe))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_small(path, cmd, sizeof(cmd));
	for (i = 0; i < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	for (d = 0; n > 0 && d < s->ndirs; d++) {
		const char *at = strstr(cmd, s->dirs[d]);
		size_t dl = strlen(s->dirs[d]);

		if (at && (at[dl] == '\0' || at[dl] == '/' || at[dl] == ' ')) {
			snprintf(why, len, "%s naming %s", exe, s->dirs[d]);
			return 1;
		}
	}
	return 0;
}

/*
 * Kill the processes of dead runs, rounds until none is left: a tune killed
 * with SIGKILL leaves its child run, whose own children die in the next
 * round, once it is dead. Before anything else is removed: a process of the
 * run would otherwise hold its namespaces, mounts and devices.
 */
static void kill_dead_runs_processes(struct sweep *s)
{
	pid_t killed[1024];
	size_t nk = 0, i;
	int round;

	for (round = 0; round < 8; round++) {
		size_t before = nk;
		struct dirent *de;
		DIR *d = opendir("/proc");

		if (!d)
			return;
		while ((de = readdir(d)) && nk < ARRAY_SIZE(killed)) {
			pid_t pid = (pid_t)atoi(de->d_name);
			char why[4300], name[4400], state;

			if (pid <= 1 || sandbox_proc_start(pid, NULL, &state) || state == 'Z' ||
			    is_ancestor(pid))
				continue;
			for (i = 0; i < nk && killed[i] != pid; i++)
				;
			if (i < nk || !dead_runs_process(s, pid, why, sizeof(why)))
				continue;
			killed[nk++] = pid;
			snprintf(name, sizeof(name), "%d (%s)", (int)pid, why);
			report(s, "process", name, s->dry_run || !kill(pid, SIGKILL) || errno == ESRCH ? 0 : -errno);
		}
		closedir(d);
		if (s->dry_run || nk == before)
			return;
		/* until they are gone (or zombies): the next round sees their children as orphans */
		for (i = 0; i < 100; i++) {
			size_t k, alive = 0;

			for (k = before; k < nk; k++) {
				char state;

				alive += !sandbox_proc_start(killed[k], NULL, &state) && state != 'Z';
			}
			if (!alive)
				break;
			usleep(20000);
		}
	}
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

static void remove_tempdir(struct sweep *s, const char *path)
{
	umount_dir(s, path);
	report(s, "temp dir", path, s->dry_run ? 0 : sandbox_rmtree(path));
}

/*
 * Scratch dirs named nodeperf-PID-* in base: only this user's, holding the
 * marker of the pid in the name (another user's look-alike stays). collect
 * only gathers them (for the process pass); otherwise they are removed.
 */
static void sweep_tempdirs(struct sweep *s, const char *base, int collect)
{
	unsigned long long start;
	char path[4096];
	struct dirent *de;
	DIR *dir = opendir(base);
	pid_t pid;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!str_starts(de->d_name, "nodeperf-") || owner_pid(de->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		if (!tempdir_ours(path, &pid, &start) || pid != owner_pid(de->d_name))
			continue;
		if (live_nodeperf(s, pid) || sandbox_owner_alive(pid, start)) {
			if (s->all && !collect && live_nodeperf(s, pid))
				refuse_live(s, "temp dir", path, pid);
			if (!s->all || live_nodeperf(s, pid))
				continue;
		}
		if (collect)
			add_dir(s, path);
		else
			remove_tempdir(s, path);
	}
	closedir(dir);
}

/* A loop device whose backing file lives in path: detach it. */
static int detach_loop(const char *dev)
{
	int fd = open(dev, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || ioctl(fd, LOOP_CLR_FD, 0))
		rc = -errno;
	if (fd >= 0)
		close(fd);
	return rc == -ENXIO ? 0 : rc;	/* already detached */
}

/*
 * What the registry of dead run r lists, newest first: its devices and
 * namespaces (scratch_dirs 0), or its scratch dirs, last of all, and then
 * its registry file (scratch_dirs 1).
 */
static void sweep_registered(struct sweep *s, struct run *r, int scratch_dirs)
{
	char *lines[512], *line, *copy = strdup(r->res), *save = NULL;
	int before = s->failed;
	size_t n = 0;

	if (!copy)
		return;
	for (line = strtok_r(copy, "\n", &save); line && n < ARRAY_SIZE(lines); line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	while (n--) {
		char kind[16], *name = strchr(lines[n], ' ');
		unsigned long long start;
		struct stat st;
		pid_t pid;

		if (!name)
			continue;
		snprintf(kind, sizeof(kind), "%.*s", (int)(name - lines[n]), lines[n]);
		name++;
		if (scratch_dirs != !strcmp(kind, "tempdir"))
			continue;
		if (!strcmp(kind, "tempdir")) {
			/* only when it is still the dir the run made (marked, ours) */
			if (tempdir_ours(name, &pid, &start) && pid == r->pid)
				remove_tempdir(s, name);
		} else if (!strcmp(kind, "netns")) {
			char p[600];

			snprintf(p, sizeof(p), "/run/netns/%s", name);
			if (!strchr(name, '/') && !lstat(p, &st))
				report(s, "network namespace", name,
				       s->dry_run ? 0 : run_cmd("ip", "netns", "delete", name, NULL));
		} else if (!strcmp(kind, "loop") && str_starts(name, "/dev/loop")) {
			char p[600], backing[4096];

			snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", name + 5);
			/* still backed by what the run made (its dir or its np-PID-* file) */
			if (read_small(p, backing, sizeof(backing)) > 0 &&
			    (strstr(backing, "/nodeperf-") || strstr(backing, "/np-")))
				report(s, "loop device", name, s->dry_run ? 0 : detach_loop(name));
		} else if (!strcmp(kind, "file")) {
			if (!lstat(name, &st) && S_ISREG(st.st_mode) && st.st_uid == geteuid())
				report(s, "file", name, s->dry_run || !unlink(name) || errno == ENOENT ? 0 : -errno);
		}
		/* mounts, cgroups, containers, daemons: the name sweeps find them */
	}
	free(copy);
	/* all of it gone: the registry file goes too; else the next cleanup tries again */
	if (scratch_dirs && !s->dry_run && !r->failed && s->failed == before)
		unlink(r->file);
}

static void sweep_netns(struct sweep *s)
{
	struct dirent *de;
	DIR *dir = opendir("/run/netns");

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!str_starts(de->d_name, "np-") || !stale(s, "network namespace", de->d_name))
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
		if (!str_starts(de->d_name, "np-") || !stale(s, "link", de->d_name))
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
	/* a task killed just now leaves cgroup.procs before the cgroup stops being busy */
	for (tries = 0; rmdir(path); tries++) {
		if (errno != EBUSY || tries >= 100)
			return -errno;
		usleep(20000);
	}
	return 0;
}

static void sweep_cgroup_dir(struct sweep *s, const char *dirpath, int depth)
{
	char path[1024];
	struct dirent *de;
	struct stat st;
	DIR *dir = opendir(dirpath);

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		if (ours(de->d_name)) {
			/* a subtree delegated to another user is that user's */
			if (!lstat(path, &st) && st.st_uid == geteuid() && stale(s, "cgroup", de->d_name))
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

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		const char *base, *d;
		pid_t pid;

		if (!str_starts(de->d_name, "loop"))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
		if (read_small(path, backing, sizeof(backing)) <= 0)
			continue;
		base = strrchr(backing, '/');
		base = base ? base + 1 : backing;
		/* The backing file lives in a nodeperf-PID-* temp dir. */
		d = strstr(backing, "/nodeperf-");
		if (!d && !ours(base))
			continue;
		/* the owner is the temp dir's, else the file's own np-PID-* */
		pid = d ? owner_pid(d + 1) : owner_pid(base);
		snprintf(dev, sizeof(dev), "/dev/%s", de->d_name);
		if (pid > 0 && live_nodeperf(s, pid)) {
			if (s->all)
				refuse_live(s, "loop device", dev, pid);
			continue;
		}
		if (!s->all && (pid <= 0 || owner_alive(pid)))
			continue;
		report(s, "loop device", dev, s->dry_run ? 0 : detach_loop(dev));
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
		if (!ours(line) || !stale(s, runtime, line))
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
		if (!str_starts(src, "nodeperf-") || !stale(s, "mount", src))
			continue;
		report(s, "mount", mp, s->dry_run || !umount2(mp, MNT_DETACH) ? 0 : -errno);
	}
	fclose(f);
}

static void sweep_bpf_pins(struct sweep *s)
{
	char path[512];
	struct dirent *de;
	struct stat st;
	DIR *dir = opendir("/sys/fs/bpf");

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (!ours(de->d_name))
			continue;
		snprintf(path, sizeof(path), "/sys/fs/bpf/%s", de->d_name);
		if (lstat(path, &st) || st.st_uid != geteuid() || !stale(s, "BPF pin", de->d_name))
			continue;
		report(s, "BPF pin", path, s->dry_run ? 0 : sandbox_rmtree(path));
	}
	closedir(dir);
}

int sandbox_sweep(int all, int dry_run)
{
	struct sweep s = { .all = all, .dry_run = dry_run };
	char line[4096];
	size_t i;

	load_registry(&s);
	/* 1. the dead runs' scratch dirs, wherever they are: what their runtimes name */
	for (i = 0; i < s.nruns; i++) {
		char *copy, *l, *save = NULL;
		unsigned long long start;
		pid_t pid;

		if (s.runs[i].live || !(copy = strdup(s.runs[i].res)))
			continue;
		for (l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (str_starts(l, "tempdir ") && tempdir_ours(l + 8, &pid, &start) &&
			    pid == s.runs[i].pid)
				add_dir(&s, l + 8);
		free(copy);
	}
	sweep_tempdirs(&s, "/var/tmp", 1);
	sweep_tempdirs(&s, "/tmp", 1);
	/* 2. their processes, before what those hold */
	kill_dead_runs_processes(&s);
	/* a run killed just now (tune's child) is dead now: read the registry again */
	for (i = 0; i < s.nruns; i++)
		free(s.runs[i].res);
	free(s.runs);
	s.runs = NULL;
	s.nruns = 0;
	load_registry(&s);
	/* 3. what the registry lists for each dead run; --all: never a live run's */
	for (i = 0; i < s.nruns; i++) {
		if (!s.runs[i].live) {
			int before = s.failed;

			sweep_registered(&s, &s.runs[i], 0);
			s.runs[i].failed = s.failed != before;
		} else if (s.all) {
			snprintf(line, sizeof(line), "%s", s.runs[i].file);
			refuse_live(&s, "what is registered in", line, s.runs[i].pid);
		}
	}
	/* 4. what no registry lists (a run of an older nodeperf, or not root): by name */
	sweep_containers(&s, "runc");
	sweep_containers(&s, "crun");
	sweep_cgroup_dir(&s, "/sys/fs/cgroup", 0);
	sweep_netns(&s);
	sweep_links(&s);
	sweep_loops(&s);
	sweep_bpf_pins(&s);
	sweep_named_mounts(&s);
	/* 5. scratch dirs last: what ran from them is gone by now */
	for (i = 0; i < s.nruns; i++)
		if (!s.runs[i].live)
			sweep_registered(&s, &s.runs[i], 1);
	sweep_tempdirs(&s, "/var/tmp", 0);
	sweep_tempdirs(&s, "/tmp", 0);
	for (i = 0; i < s.nruns; i++)
		free(s.runs[i].res);
	free(s.runs);
	free(s.dirs);
	if (!s.removed && !s.failed)
		printf("nothing to clean up\n");
	return s.failed;
}
