/* test_sandbox.c - rmtree stays on its filesystem; the mount and process lookups cleanup uses;
 * the owner marks and registry; write_atomic and read_all (core/util.c) against hostile files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/sandbox.h"
#include "core/util.h"

static void touch(const char *dir, const char *name)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static void test_rmtree_plain(void **state)
{
	char root[] = "/tmp/np-test-rmtree-XXXXXX", sub[512];

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(sub, sizeof(sub), "%s/a", root);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/a/b", root);
	assert_int_equal(mkdir(sub, 0700), 0);
	touch(sub, "f");
	assert_int_equal(symlink("/etc/hostname", strcat(sub, "/link")), 0);
	assert_int_equal(sandbox_rmtree(root), 0);
	assert_int_equal(access(root, F_OK), -1);
	/* a symlink is removed, not followed */
	assert_int_equal(access("/etc/hostname", F_OK), 0);
	assert_int_equal(sandbox_rmtree(root), 0);	/* gone already: not an error */
}

/* A filesystem mounted inside the tree (a container's rootfs left by a killed run) is not emptied. */
static void test_rmtree_stops_at_a_mount(void **state)
{
	char root[] = "/tmp/np-test-rmtree-XXXXXX", mnt[512], mp[512], file[600];

	(void)state;
	if (geteuid()) {
		print_message("skipped: mounting a tmpfs needs root\n");
		skip();
		return;
	}
	assert_non_null(mkdtemp(root));
	snprintf(mnt, sizeof(mnt), "%s/rootfs", root);
	assert_int_equal(mkdir(mnt, 0700), 0);
	assert_int_equal(mount("np-test", mnt, "tmpfs", 0, "size=1m"), 0);
	touch(mnt, "keep");
	touch(root, "other");

	assert_int_equal(sandbox_deepest_mount(root, mp, sizeof(mp)), 1);
	assert_string_equal(mp, mnt);
	/* a sibling sharing the prefix is not "under" it */
	mp[0] = '\0';
	snprintf(file, sizeof(file), "%s/roo", root);
	assert_int_equal(sandbox_deepest_mount(file, mp, sizeof(mp)), 0);

	assert_int_equal(sandbox_rmtree(root), -EBUSY);
	snprintf(file, sizeof(file), "%s/keep", mnt);
	assert_int_equal(access(file, F_OK), 0);
	snprintf(file, sizeof(file), "%s/other", root);
	assert_int_equal(access(file, F_OK), -1);

	assert_int_equal(umount2(mnt, MNT_DETACH), 0);
	assert_int_equal(sandbox_deepest_mount(root, mp, sizeof(mp)), 0);
	assert_int_equal(sandbox_rmtree(root), 0);
	assert_int_equal(access(root, F_OK), -1);
}

static void test_pids_naming(void **state)
{
	char marker[64];
	pid_t pids[8], child;
	size_t n;
	int i;

	(void)state;
	snprintf(marker, sizeof(marker), "/np-test-marker-%d", (int)getpid());
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		execlp("sleep", marker, "30", (char *)NULL);
		_exit(127);
	}
	/* until the child has exec'd (its cmdline names the marker), at most 5 s */
	for (n = 0, i = 0; n == 0 && i < 500; i++) {
		usleep(10000);
		n = sandbox_pids_naming(marker, pids, 8);
	}
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], child);
	/* never this process itself, though its own command line names the test */
	n = sandbox_pids_naming("test_sandbox", pids, 8);
	for (i = 0; (size_t)i < n; i++)
		assert_int_not_equal(pids[i], getpid());
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(sandbox_pids_naming(marker, pids, 8), 0);
}

static char *slurp(const char *path)
{
	char *t = read_all(path, NULL);

	assert_non_null(t);
	return t;
}

/* A symlink planted at any old-style temp name, or at the destination, is never followed. */
static void test_write_atomic_symlinks(void **state)
{
	char dir[] = "/tmp/np-test-wa-XXXXXX", victim[512], out[512], link[600], *t;
	struct stat st;
	int pid, base = (int)getpid();

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(out, sizeof(out), "%s/out.json", dir);
	assert_int_equal(write_atomic(victim, "precious\n", 9, NULL, 0), 0);
	for (pid = base - 50; pid < base + 500; pid++) {
		snprintf(link, sizeof(link), "%s.tmp.%d", out, pid);
		assert_int_equal(symlink(victim, link), 0);
	}
	assert_int_equal(write_atomic(out, "new\n", 4, NULL, 0), 0);
	t = slurp(victim);
	assert_string_equal(t, "precious\n");
	free(t);
	t = slurp(out);
	assert_string_equal(t, "new\n");
	free(t);
	/* the destination a symlink: replaced by the file, the target untouched */
	unlink(out);
	assert_int_equal(symlink(victim, out), 0);
	assert_int_equal(write_atomic(out, "again\n", 6, NULL, 0), 0);
	assert_int_equal(lstat(out, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	t = slurp(victim);
	assert_string_equal(t, "precious\n");
	free(t);
	assert_int_equal(sandbox_rmtree(dir), 0);
}

/* Failure: -errno, "PATH: strerror" in err, the old file kept, no temp file left. */
static void test_write_atomic_errors(void **state)
{
	char dir[] = "/tmp/np-test-wa-XXXXXX", out[800], err[900], *t;
	DIR *d;
	struct dirent *de;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/missing/out.json", dir);
	assert_int_equal(write_atomic(out, "x", 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing/out.json: No such file or directory"));
	snprintf(out, sizeof(out), "%s/out.json", dir);
	assert_int_equal(write_atomic(out, "old", 3, err, sizeof(err)), 0);
	/* the target is a directory: rename fails; the temp file goes */
	snprintf(out, sizeof(out), "%s/sub", dir);
	assert_int_equal(mkdir(out, 0700), 0);
	assert_int_equal(write_atomic(out, "x", 1, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "sub: Is a directory"));
	snprintf(out, sizeof(out), "%s/out.json", dir);
	t = slurp(out);
	assert_string_equal(t, "old");
	free(t);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	assert_int_equal(n, 2);	/* out.json and sub, no temp file */
	/* a full filesystem: the real errno (ENOSPC), not EIO */
	if (!geteuid()) {
		char mnt[600], fill[700];
		int fd;

		snprintf(mnt, sizeof(mnt), "%s/full", dir);
		assert_int_equal(mkdir(mnt, 0700), 0);
		if (!mount("np-test", mnt, "tmpfs", 0, "size=16k")) {
			snprintf(fill, sizeof(fill), "%s/filler", mnt);
			fd = open(fill, O_WRONLY | O_CREAT, 0600);
			while (fd >= 0 && write(fd, dir, sizeof(dir)) > 0)
				;
			close(fd);
			snprintf(out, sizeof(out), "%s/out.json", mnt);
			assert_int_equal(write_atomic(out, dir, sizeof(dir), err, sizeof(err)), -ENOSPC);
			assert_non_null(strstr(err, "No space left on device"));
			umount(mnt);
		}
	}
	assert_int_equal(sandbox_rmtree(dir), 0);
}

/* An endless file is refused (EFBIG) once READ_ALL_MAX is read, not read until memory runs out. */
static void test_read_all_bounded(void **state)
{
	size_t len = 0;

	(void)state;
	errno = 0;
	assert_null(read_all("/dev/zero", &len));
	assert_int_equal(errno, EFBIG);
	assert_null(read_all("/nonexistent/np-test", &len));
	assert_int_equal(errno, ENOENT);
}

/* A scratch dir holds the owner's mark; the registry lists it while it lives. */
static void test_tempdir_marker_and_registry(void **state)
{
	char rundir[] = "/tmp/np-test-run-XXXXXX", path[512], mark[600], reg[600], *t;
	unsigned long long start = 0;
	int pid;

	(void)state;
	assert_non_null(mkdtemp(rundir));
	setenv("NODEPERF_RUNDIR", rundir, 1);
	assert_int_equal(sandbox_proc_start(getpid(), &start, NULL), 0);
	assert_true(start > 0);
	assert_true(sandbox_owner_alive(getpid(), start));
	assert_false(sandbox_owner_alive(getpid(), start + 1));	/* a recycled pid */
	assert_false(sandbox_owner_alive(0, 0));
	sandbox_init();
	assert_int_equal(sandbox_tempdir("/tmp", path, sizeof(path)), 0);
	snprintf(mark, sizeof(mark), "%s/" SANDBOX_MARKER, path);
	t = slurp(mark);
	assert_int_equal(sscanf(t, "%d", &pid), 1);
	assert_int_equal(pid, getpid());
	free(t);
	snprintf(reg, sizeof(reg), "%s/%d", rundir, (int)getpid());
	t = slurp(reg);
	assert_non_null(strstr(t, "res tempdir "));
	assert_non_null(strstr(t, path));
	free(t);
	/* children started from here carry the run's mark */
	assert_non_null(getenv(SANDBOX_OWNER_ENV));
	assert_int_equal(atoi(getenv(SANDBOX_OWNER_ENV)), getpid());
	sandbox_cleanup_all();
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(reg, F_OK), -1);	/* all undone: no registry file */
	unsetenv("NODEPERF_RUNDIR");
	assert_int_equal(sandbox_rmtree(rundir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rmtree_plain),
		cmocka_unit_test(test_rmtree_stops_at_a_mount),
		cmocka_unit_test(test_pids_naming),
		cmocka_unit_test(test_write_atomic_symlinks),
		cmocka_unit_test(test_write_atomic_errors),
		cmocka_unit_test(test_read_all_bounded),
		cmocka_unit_test(test_tempdir_marker_and_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
