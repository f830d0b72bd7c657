/* test_disturb.c - the disturbance rule, and what disturb_begin/end count as ours and as others'. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/disturb.h"
#include "core/util.h"

#define SPIN_S 0.4	/* CPU time each spinning process burns */

static struct rep_env quiet(void)
{
	return (struct rep_env){ .wall_s = 1, .steal_s = 0.01, .other_cpu_s = 0.1, .invol_csw = 500,
				 .irq = 10000, .softirq = 3000 };
}

static void test_rule(void **state)
{
	struct rep_env e = quiet();
	char why[128];

	(void)state;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_true(rep_env_severity(&e) == 0);
	assert_int_equal(rep_env_disturbed(&e, NULL, 0), 0);

	/* at the limit is not past it */
	e.other_cpu_s = DISTURB_OTHER_CPU_MAX;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);
	e = quiet();
	e.wall_s = 0.5;
	e.other_cpu_s = 0.51;	/* 1.02 CPU, within the slack */
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);
	e.other_cpu_s = 0.62;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 1);
	assert_string_equal(why, "other processes used 1.24 CPU");
	assert_true(fabs(rep_env_severity(&e) - 1.2) < 1e-9);
	/* a short repetition is not disturbed by the counters' resolution: one 10 ms tick in 20 ms */
	e = quiet();
	e.wall_s = 0.02;
	e.steal_s = 0;
	e.other_cpu_s = 0.01;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);
	e.other_cpu_s = 0.02;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);
	e.other_cpu_s = 0.05;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 1);
	assert_string_equal(why, "other processes used 2.50 CPU");

	e = quiet();
	e.steal_s = 0.12;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 1);
	assert_string_equal(why, "steal 12%");
	e.steal_s = DISTURB_STEAL_MAX;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);

	e = quiet();
	e.throttled_s = 0.003;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 1);
	assert_string_equal(why, "throttled 3 ms");
	e.throttled_s = 0.0001;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 1);
	assert_string_equal(why, "throttled 1 ms");
	e.throttled_s = 2.5;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 1);
	assert_string_equal(why, "throttled 2.5 s");

	/* nodeperf's own runtimes page their binaries in: up to 17 a repetition on a quiet node */
	e = quiet();
	e.major_faults = 17;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);
	e.major_faults = DISTURB_MAJOR_FAULTS_MAX;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);
	e.major_faults = 40;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 1);
	assert_string_equal(why, "40 major faults");

	/* the counts judged by no rule */
	e = quiet();
	e.invol_csw = 1e9;
	e.irq = 1e9;
	e.softirq = 1e9;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 0);

	/* several reasons, and a buffer too small for them */
	e = quiet();
	e.other_cpu_s = 1.6;
	e.steal_s = 0.5;
	e.major_faults = 40;
	assert_int_equal(rep_env_disturbed(&e, why, sizeof(why)), 1);
	assert_string_equal(why, "other processes used 1.60 CPU, steal 50%, 40 major faults");
	assert_int_equal(rep_env_disturbed(&e, why, 20), 1);
	assert_int_equal(strlen(why), 19);
	assert_string_equal(why + 16, "...");
	/* worse is larger: steal 5x its limit beats other processes 1.58x and the faults 1.25x theirs */
	assert_true(fabs(rep_env_severity(&e) - 5) < 1e-9);
}

static void test_diff(void **state)
{
	struct disturb_snap a = { 0 }, b;
	struct rep_env e;
	long hz = sysconf(_SC_CLK_TCK);

	(void)state;
	/* a real snapshot first: the CPU count comes from /proc/stat */
	assert_int_equal(disturb_begin(&a), 0);
	assert_true(a.have & DISTURB_HAVE_STAT);
	assert_true(a.have & DISTURB_HAVE_PROCS);
	b = a;
	b.t_ns = a.t_ns + 2000000000ull;
	b.busy = a.busy + (uint64_t)(3 * hz);		/* 3 CPU-seconds busy */
	b.tree = a.tree + (uint64_t)(1 * hz);		/* 1 of them ours */
	b.kthreads = a.kthreads + (uint64_t)(hz / 2);	/* half a second kernel threads */
	b.intr = a.intr + 1234;
	b.softirq = a.softirq + 99;
	b.invol_csw = a.invol_csw + 7;
	b.majflt = a.majflt + 1;
	b.throttled_ns = a.throttled_ns + 5000000;
	b.have |= DISTURB_HAVE_THROTTLE;
	a.have |= DISTURB_HAVE_THROTTLE;
	disturb_diff(&a, &b, &e);
	assert_true(fabs(e.wall_s - 2) < 1e-9);
	assert_true(fabs(e.other_cpu_s - 1.5) < 1e-9);
	assert_true(e.irq == 1234 && e.softirq == 99 && e.invol_csw == 7 && e.major_faults == 1);
	assert_true(fabs(e.throttled_s - 0.005) < 1e-12);
	assert_true(e.steal_s == 0);
	/* ours and the kernel's above the node's busy time: clamped, never negative */
	b.tree = a.tree + (uint64_t)(5 * hz);
	disturb_diff(&a, &b, &e);
	assert_true(e.other_cpu_s == 0);
	/* our counter going backwards (a process left our tree) takes nothing from the others' */
	b.tree = a.tree;
	a.tree += 10;
	b.kthreads = a.kthreads;
	disturb_diff(&a, &b, &e);
	assert_true(fabs(e.other_cpu_s - 3) < 1e-9);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burn SPIN_S of this process's CPU time. */
static void spin(void)
{
	volatile unsigned long x = 0;

	while (cpu_s() < SPIN_S)
		x++;
}

static int wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* The CPU-seconds of our tree between two snapshots. */
static double tree_s(const struct disturb_snap *a, const struct disturb_snap *b)
{
	return (double)(b->tree - a->tree) / (double)sysconf(_SC_CLK_TCK);
}

/* A child of ours that spins and is still alive at the end: ours, not another's. */
static void live_child(int full_walk)
{
	struct disturb_snap a, b;
	struct rep_env e;
	int p[2];
	pid_t pid;

	disturb_full_walk(full_walk);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(disturb_begin(&a), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		spin();
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(wait_byte(p[0]), 0);
	disturb_end(&a, &e);
	/* disturb_end does not hand its snapshot out: take one more to look at the tree */
	assert_int_equal(disturb_begin(&b), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	print_message("live child (%s): wall %.2f s, ours %.2f s, other %.2f CPU-s\n",
		      full_walk ? "walk of /proc" : "children files", e.wall_s, tree_s(&a, &b), e.other_cpu_s);
	assert_true(tree_s(&a, &b) >= SPIN_S - 0.1);
	/*
	 * Whatever else the machine did is in other_cpu_s, but not our child's
	 * SPIN_S: the node's busy time less ours cannot hold it.
	 */
	assert_true(e.other_cpu_s <= (double)(b.busy - a.busy) / (double)sysconf(_SC_CLK_TCK) - (SPIN_S - 0.1));
	disturb_full_walk(0);
}

static void test_live_child(void **state)
{
	(void)state;
	live_child(0);
}

static void test_live_child_full_walk(void **state)
{
	(void)state;
	live_child(1);
}

/* A child that spins, exits and is reaped before the end: RUSAGE_CHILDREN keeps it ours. */
static void test_reaped_child(void **state)
{
	struct disturb_snap a, b;
	pid_t pid;

	(void)state;
	assert_int_equal(disturb_begin(&a), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		spin();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(disturb_begin(&b), 0);
	print_message("reaped child: ours %.2f s\n", tree_s(&a, &b));
	assert_true(tree_s(&a, &b) >= SPIN_S - 0.1);
}

/*
 * Another process: one that double-forked away from us (reparented to init,
 * as an unrelated daemon would be) and spins between the snapshots. Its
 * CPU time is the others', and not ours.
 */
static void test_other_process(void **state)
{
	struct disturb_snap a, b;
	struct rep_env e;
	int go[2], done[2], was = 0;
	pid_t mid;

	(void)state;
	/* nobody above us may be a subreaper that keeps it in our tree: we are not one ourselves */
	prctl(PR_GET_CHILD_SUBREAPER, &was);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (!mid) {
		if (fork() == 0) {
			/* the grandchild: wait until orphaned and told, spin, report */
			if (wait_byte(go[0]))
				_exit(1);
			spin();
			if (write(done[1], "x", 1) != 1)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(mid, NULL, 0), mid);
	assert_int_equal(disturb_begin(&a), 0);
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(wait_byte(done[0]), 0);
	usleep(20000);		/* let it exit */
	disturb_end(&a, &e);
	assert_int_equal(disturb_begin(&b), 0);
	print_message("other process: wall %.2f s, other %.2f CPU-s, ours %.2f s\n", e.wall_s, e.other_cpu_s,
		      tree_s(&a, &b));
	assert_true(e.other_cpu_s >= SPIN_S - 0.1);
	assert_true(tree_s(&a, &b) < SPIN_S / 2);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	prctl(PR_SET_CHILD_SUBREAPER, was);
}

/* The cpu controller's dir for a test cgroup (v2 or v1), "" when there is none we may use. */
static void cpu_cgroup_dir(char *dir, size_t len, int *v2)
{
	struct stat st;

	dir[0] = '\0';
	if (geteuid() != 0)
		return;
	if (!access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		char ctl[256];

		if (read_small("/sys/fs/cgroup/cgroup.subtree_control", ctl, sizeof(ctl)) >= 0 && strstr(ctl, "cpu")) {
			snprintf(dir, len, "/sys/fs/cgroup/np-%d-disturb", (int)getpid());
			*v2 = 1;
		}
		return;
	}
	if (!stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", &st)) {
		snprintf(dir, len, "/sys/fs/cgroup/cpu/np-%d-disturb", (int)getpid());
		*v2 = 0;
	}
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* A child in a cgroup with 10% of a CPU that spins: its throttling is seen. */
static void test_throttled(void **state)
{
	char dir[256], pid[32];
	int v2 = 0, status, p[2];
	struct rep_env e;
	pid_t child;

	(void)state;
	cpu_cgroup_dir(dir, sizeof(dir), &v2);
	if (!dir[0] || mkdir(dir, 0755)) {
		skip();
		return;
	}
	if (v2 ? write_file(dir, "cpu.max", "10000 100000")
	       : (write_file(dir, "cpu.cfs_period_us", "100000") || write_file(dir, "cpu.cfs_quota_us", "10000"))) {
		rmdir(dir);
		skip();
		return;
	}
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		struct disturb_snap a;
		uint64_t end;
		volatile unsigned long x = 0;

		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		if (write_file(dir, "cgroup.procs", pid))
			_exit(2);
		/* the first snapshot finds the cgroup the process is in now */
		disturb_begin(&a);
		for (end = now_ns() + 500000000ull; now_ns() < end;)
			x++;
		disturb_end(&a, &e);
		if (write(p[1], &e, sizeof(e)) != (ssize_t)sizeof(e))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(p[0], &e, sizeof(e)), (ssize_t)sizeof(e));
	assert_int_equal(waitpid(child, &status, 0), child);
	close(p[0]);
	close(p[1]);
	rmdir(dir);
	print_message("throttled: %.3f s of %.2f s wall (cgroup %s)\n", e.throttled_s, e.wall_s, v2 ? "v2" : "v1");
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* 10% of a CPU: throttled for most of the half second */
	assert_true(e.throttled_s > 0.1);
	assert_int_equal(rep_env_disturbed(&e, NULL, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_live_child),
		cmocka_unit_test(test_live_child_full_walk),
		cmocka_unit_test(test_reaped_child),
		cmocka_unit_test(test_other_process),
		cmocka_unit_test(test_throttled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
