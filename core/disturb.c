/* disturb.c - what the host did during a repetition: /proc/stat, our process tree, cgroup throttling. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/disturb.h"
#include "core/util.h"

#define PF_KTHREAD_FLAG 0x00200000u	/* include/linux/sched.h PF_KTHREAD */

/* --- /proc/stat --- */

static unsigned long long num_after(const char *text, const char *key)
{
	const char *p = text;
	size_t k = strlen(key);

	/* key at the start of a line, followed by a blank */
	while (p && *p) {
		if (!strncmp(p, key, k) && p[k] == ' ')
			return strtoull(p + k + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

static int read_proc_stat(struct disturb_snap *s, unsigned *ncpu)
{
	static char buf[1 << 16];
	unsigned long long v[10] = { 0 };
	const char *p;
	ssize_t n;
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	/* the intr line alone can be tens of KiB: read what fits, the totals come first */
	while (off < sizeof(buf) - 1 && (n = read(fd, buf + off, sizeof(buf) - 1 - off)) > 0)
		off += (size_t)n;
	close(fd);
	buf[off] = '\0';
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) < 8)
		return -EINVAL;
	/* user (guest included) + nice + system; irq, softirq and steal are counted apart */
	s->busy = v[0] + v[1] + v[2];
	s->steal = v[7];
	s->intr = num_after(buf, "intr");
	s->softirq = num_after(buf, "softirq");
	*ncpu = 0;
	for (p = strstr(buf, "\ncpu"); p; p = strstr(p + 1, "\ncpu"))
		*ncpu += isdigit((unsigned char)p[4]) != 0;
	return 0;
}

/* --- our process tree and the kernel threads, from one walk of /proc --- */

struct proc_ent {
	int pid, ppid;
	uint64_t ticks;		/* utime + stime + cutime + cstime */
	unsigned char kthread, state;	/* state: 0 unknown, 1 ours, 2 not */
};

static int ent_cmp(const void *a, const void *b)
{
	const struct proc_ent *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static struct proc_ent *ent_find(struct proc_ent *v, size_t n, int pid)
{
	struct proc_ent key = { .pid = pid };

	return bsearch(&key, v, n, sizeof(*v), ent_cmp);
}

/* One /proc/PID/stat: 0 with e filled, -1 when the process went away or is unreadable. */
static int read_pid_stat(const char *pid, struct proc_ent *e)
{
	char path[300], buf[1024];
	unsigned long long f[15];
	const char *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold anything, ')' included: the fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 3;		/* ") S" -> the blank before ppid */
	for (i = 1; i < 15; i++) {
		char *end;

		f[i] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	e->pid = atoi(pid);
	e->ppid = (int)f[1];
	e->kthread = (f[6] & PF_KTHREAD_FLAG) != 0;
	e->ticks = f[11] + f[12] + f[13] + f[14];
	e->state = 0;
	return 0;
}

/* Whether e descends from self (1) or not (2), memoized along the chain. */
static unsigned char ours(struct proc_ent *v, size_t n, struct proc_ent *e, int self)
{
	struct proc_ent *chain[64];
	unsigned depth = 0, i;
	unsigned char st = 2;

	while (e && !e->state && depth < 64) {
		if (e->pid == self) {
			e->state = 1;
			break;
		}
		chain[depth++] = e;
		e = e->ppid > 0 ? ent_find(v, n, e->ppid) : NULL;
	}
	if (e && e->state)
		st = e->state;
	for (i = 0; i < depth; i++)
		chain[i]->state = st;
	return st;
}

/* Append the pids listed in /proc/PID/task/TID/children of every thread of pid. -1: no such files. */
static int children_of(int pid, int **q, size_t *n, size_t *cap)
{
	char path[96], buf[4096];
	struct dirent *d;
	DIR *dir;
	int any = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;	/* gone meanwhile */
	while ((d = readdir(dir))) {
		char *p, *end;
		ssize_t len;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/children", pid, d->d_name);
		len = read_small(path, buf, sizeof(buf));
		if (len == -ENOENT && !any) {
			closedir(dir);
			return -1;	/* CONFIG_PROC_CHILDREN off */
		}
		any = 1;
		for (p = buf; len > 0; p = end) {
			long c = strtol(p, &end, 10);

			if (end == p)
				break;
			if (*n == *cap) {
				size_t ncap = *cap ? *cap * 2 : 64;
				int *nq = reallocarray(*q, ncap, sizeof(**q));

				if (!nq)
					break;
				*q = nq;
				*cap = ncap;
			}
			(*q)[(*n)++] = (int)c;
		}
	}
	closedir(dir);
	return 0;
}

/*
 * The cheap way: our tree from the children files (CONFIG_PROC_CHILDREN),
 * breadth first from ourselves, and the kernel threads as kthreadd's
 * children: only those processes' stat files are read. -1 when the kernel
 * has no children files.
 */
static int walk_children(uint64_t *tree, uint64_t *kthreads)
{
	static int *q;
	static size_t cap;
	struct proc_ent e;
	char pid[16];
	size_t n = 0, i;

	*tree = *kthreads = 0;
	if (cap == 0 && !(q = reallocarray(NULL, cap = 64, sizeof(*q))))
		return -1;
	q[n++] = getpid();
	for (i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", q[i]);
		if (read_pid_stat(pid, &e))
			continue;
		*tree += e.ticks;
		if (children_of(q[i], &q, &n, &cap))
			return -1;
	}
	n = 0;
	if (children_of(2, &q, &n, &cap))
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(pid, sizeof(pid), "%d", q[i]);
		if (!read_pid_stat(pid, &e) && e.kthread)
			*kthreads += e.ticks;
	}
	return 0;
}

static int walk_procs(uint64_t *tree, uint64_t *kthreads)
{
	/* kept between calls: one walk per snapshot, no allocation once grown */
	static struct proc_ent *v;
	static size_t cap;
	int self = getpid();
	struct dirent *d;
	size_t n = 0, i;
	DIR *dir = opendir("/proc");

	*tree = *kthreads = 0;
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 512;
			struct proc_ent *nv = reallocarray(v, ncap, sizeof(*v));

			if (!nv) {
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		if (!read_pid_stat(d->d_name, &v[n]))
			n++;
	}
	closedir(dir);
	qsort(v, n, sizeof(*v), ent_cmp);
	for (i = 0; i < n; i++) {
		if (v[i].kthread)
			*kthreads += v[i].ticks;
		else if (ours(v, n, &v[i], self) == 1)
			*tree += v[i].ticks;
	}
	return 0;
}

/* --- cgroup CPU throttling --- */

#define THR_MAX 16

static struct {
	char cgroup[1024];	/* /proc/self/cgroup when the files were found */
	size_t n;
	int v2;			/* throttled_usec (v2) or throttled_time (v1, ns) */
	char *files[THR_MAX];	/* cpu.stat of our cgroup and its ancestors */
} thr;

/* The mount of the cgroup hierarchy: v2 (want NULL) or the v1 one with controller want. */
static int cgroup_mount(const char *want, char *mp, size_t mplen, char *root, size_t rootlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char r[PATH_MAX], m[PATH_MAX], fstype[64], opts[1024];
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", r, m) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (want ? strcmp(fstype, "cgroup") != 0 : strcmp(fstype, "cgroup2") != 0)
			continue;
		if (want) {
			char *tok, *save;

			for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				if (!strcmp(tok, want))
					break;
			if (!tok)
				continue;
		}
		str_copy(mp, m, mplen);
		str_copy(root, r, rootlen);
		found = 1;
	}
	fclose(f);
	return found;
}

/* Our path in the hierarchy: v2 ("0::/x", want NULL) or the v1 line listing controller want. */
static int cgroup_path(const char *want, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *tok, *save;

		if (!c2)
			continue;
		line[strcspn(line, "\n")] = '\0';
		*c2 = '\0';
		if (!want) {
			found = !strcmp(line, "0") && c1[1] == '\0';
		} else {
			for (tok = strtok_r(c1 + 1, ",", &save); tok && !found; tok = strtok_r(NULL, ",", &save))
				found = !strcmp(tok, want);
		}
		if (found)
			str_copy(out, c2 + 1, len);
	}
	fclose(f);
	return found;
}

static int read_throttled(const char *file, int v2, uint64_t *ns)
{
	char buf[1024];
	unsigned long long v;

	if (read_small(file, buf, sizeof(buf)) < 0)
		return -1;
	v = num_after(buf, v2 ? "throttled_usec" : "throttled_time");
	if (!strstr(buf, v2 ? "throttled_usec " : "throttled_time "))
		return -1;
	*ns = v2 ? v * 1000 : v;
	return 0;
}

/* cpu.stat of the cgroup dir and each ancestor up to the mount, those that report throttling. */
static int thr_chain(const char *want, int v2)
{
	char mp[PATH_MAX], root[PATH_MAX], cg[PATH_MAX], dir[2 * PATH_MAX + 16];
	const char *rel;
	uint64_t ns;
	size_t rl;

	if (!cgroup_mount(want, mp, sizeof(mp), root, sizeof(root)) || !cgroup_path(want, cg, sizeof(cg)))
		return 0;
	rl = strlen(root);
	rel = (strcmp(root, "/") != 0 && !strncmp(cg, root, rl)) ? cg + rl : cg;
	snprintf(dir, sizeof(dir), "%s%s", mp, rel);
	while (strlen(dir) > strlen(mp) && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';
	for (;;) {
		char file[sizeof(dir) + 16], *slash;

		snprintf(file, sizeof(file), "%s/cpu.stat", dir);
		if (thr.n < THR_MAX && !read_throttled(file, v2, &ns)) {
			thr.files[thr.n] = strdup(file);
			thr.n += thr.files[thr.n] != NULL;
		}
		if (strlen(dir) <= strlen(mp))
			break;
		slash = strrchr(dir, '/');
		if (!slash || slash - dir < (ptrdiff_t)strlen(mp))
			break;
		*slash = '\0';
	}
	thr.v2 = v2;
	return thr.n > 0;
}

static int read_throttle(uint64_t *ns)
{
	char cg[sizeof(thr.cgroup)];
	uint64_t sum = 0, v;
	size_t i;

	/* found again when the process moved to another cgroup */
	if (read_small("/proc/self/cgroup", cg, sizeof(cg)) < 0)
		cg[0] = '\0';
	if (!thr.cgroup[0] || strcmp(cg, thr.cgroup) != 0) {
		for (i = 0; i < thr.n; i++)
			free(thr.files[i]);
		thr.n = 0;
		str_copy(thr.cgroup, cg[0] ? cg : "?", sizeof(thr.cgroup));
		/* the cpu controller lives in one hierarchy: v2, or v1's cpu (hybrid, v1) */
		if (!thr_chain(NULL, 1))
			thr_chain("cpu", 0);
	}
	*ns = 0;
	if (!thr.n)
		return -ENOENT;
	for (i = 0; i < thr.n; i++)
		if (!read_throttled(thr.files[i], thr.v2, &v))
			sum += v;
	*ns = sum;
	return 0;
}

/* --- snapshots --- */

static unsigned snap_ncpu;	/* online CPUs counted in /proc/stat by the last snapshot */
static int no_children;		/* the kernel has no /proc/PID/task/TID/children */

static int snap(struct disturb_snap *s)
{
	struct rusage self, kids;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = read_proc_stat(s, &snap_ncpu);
	if (!rc)
		s->have |= DISTURB_HAVE_STAT;
	/* the children files where the kernel has them, else one walk of all of /proc */
	if (!no_children && walk_children(&s->tree, &s->kthreads))
		no_children = 1;
	if (!no_children || !walk_procs(&s->tree, &s->kthreads))
		s->have |= DISTURB_HAVE_PROCS;
	if (!read_throttle(&s->throttled_ns))
		s->have |= DISTURB_HAVE_THROTTLE;
	if (!getrusage(RUSAGE_SELF, &self) && !getrusage(RUSAGE_CHILDREN, &kids)) {
		s->invol_csw = (uint64_t)self.ru_nivcsw;
		s->majflt = (uint64_t)self.ru_majflt + (uint64_t)kids.ru_majflt;
	}
	s->t_ns = now_ns();
	return rc;
}

void disturb_full_walk(int on)
{
	no_children = on;
}

int disturb_begin(struct disturb_snap *s)
{
	return snap(s);
}

static double delta(uint64_t a, uint64_t b)
{
	return b > a ? (double)(b - a) : 0;
}

void disturb_diff(const struct disturb_snap *a, const struct disturb_snap *b, struct rep_env *out)
{
	double hz = (double)sysconf(_SC_CLK_TCK), ncpu = snap_ncpu ? snap_ncpu : 1;
	unsigned both = a->have & b->have;

	memset(out, 0, sizeof(*out));
	if (hz <= 0)
		hz = 100;
	out->wall_s = delta(a->t_ns, b->t_ns) / 1e9;
	if (both & DISTURB_HAVE_STAT) {
		out->steal_s = delta(a->steal, b->steal) / hz / ncpu;
		out->irq = delta(a->intr, b->intr);
		out->softirq = delta(a->softirq, b->softirq);
		if (both & DISTURB_HAVE_PROCS) {
			/*
			 * The node's busy CPU less ours and the kernel threads'. A
			 * descendant that leaves our tree (reparented to init) takes
			 * its time with it: ours is then undercounted, never negative.
			 */
			double other = delta(a->busy, b->busy) - delta(a->tree, b->tree) -
				       delta(a->kthreads, b->kthreads);

			out->other_cpu_s = other > 0 ? other / hz : 0;
		}
	}
	if (both & DISTURB_HAVE_THROTTLE)
		out->throttled_s = delta(a->throttled_ns, b->throttled_ns) / 1e9;
	out->invol_csw = delta(a->invol_csw, b->invol_csw);
	out->major_faults = delta(a->majflt, b->majflt);
}

void disturb_end(const struct disturb_snap *s, struct rep_env *out)
{
	struct disturb_snap now;

	snap(&now);
	disturb_diff(s, &now, out);
}

/* --- the rule --- */

static void add_reason(char *why, size_t len, size_t *off, const char *fmt, double v)
{
	int n;

	if (!why || *off >= len)
		return;
	n = snprintf(why + *off, len - *off, "%s", *off ? ", " : "");
	if (n > 0)
		*off += (size_t)n;
	if (*off >= len)
		return;
	n = snprintf(why + *off, len - *off, fmt, v);
	if (n > 0)
		*off += (size_t)n;
}

int rep_env_disturbed(const struct rep_env *e, char *why, size_t len)
{
	double wall = e->wall_s > 0 ? e->wall_s : 0;
	size_t off = 0;
	int bad = 0;

	if (why && len)
		why[0] = '\0';
	if (wall > 0 && e->other_cpu_s > DISTURB_OTHER_CPU_MAX * wall + DISTURB_OTHER_CPU_SLACK_S) {
		add_reason(why, len, &off, "other processes used %.2f CPU", e->other_cpu_s / wall);
		bad = 1;
	}
	if (wall > 0 && e->steal_s / wall > DISTURB_STEAL_MAX) {
		add_reason(why, len, &off, "steal %.0f%%", 100 * e->steal_s / wall);
		bad = 1;
	}
	if (e->throttled_s > DISTURB_THROTTLED_MAX_S) {
		add_reason(why, len, &off, e->throttled_s < 0.9995 ? "throttled %.0f ms" : "throttled %.1f s",
			   e->throttled_s < 0.9995 ? fmax(1, round(e->throttled_s * 1e3)) : e->throttled_s);
		bad = 1;
	}
	if (e->major_faults > DISTURB_MAJOR_FAULTS_MAX) {
		add_reason(why, len, &off, e->major_faults == 1 ? "%.0f major fault" : "%.0f major faults",
			   e->major_faults);
		bad = 1;
	}
	if (why && len && off >= len && len > 4)
		memcpy(why + len - 4, "...", 4);
	return bad;
}

double rep_env_severity(const struct rep_env *e)
{
	double wall = e->wall_s > 0 ? e->wall_s : 0, s = 0;

	if (!rep_env_disturbed(e, NULL, 0))
		return 0;
	if (wall > 0) {
		s = fmax(s, (e->other_cpu_s - DISTURB_OTHER_CPU_SLACK_S) / wall / DISTURB_OTHER_CPU_MAX);
		s = fmax(s, e->steal_s / wall / DISTURB_STEAL_MAX);
		/* throttling has no room at all: past the rule, scaled by how much */
		if (e->throttled_s > DISTURB_THROTTLED_MAX_S)
			s = fmax(s, 1 + 100 * e->throttled_s / wall);
	}
	if (e->major_faults > DISTURB_MAJOR_FAULTS_MAX)
		s = fmax(s, e->major_faults / DISTURB_MAJOR_FAULTS_MAX);
	return s;
}
