/* test_sandbox.c - rmtree stays on its filesystem; the mount and process lookups cleanup uses. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rmtree_plain),
		cmocka_unit_test(test_rmtree_stops_at_a_mount),
		cmocka_unit_test(test_pids_naming),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
