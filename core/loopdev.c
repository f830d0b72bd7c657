/* loopdev.c - attach/detach loop devices on nodeperf's own files; block.* tunables on them. */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/loopdev.h"
#include "core/sandbox.h"
#include "core/util.h"

static const struct {
	const char *key, *attr;
	int numeric;
	double lo, hi;
} tune_keys[] = {
	{ "block.scheduler", "scheduler", 0, 0, 0 },
	{ "block.nr_requests", "nr_requests", 1, 1, 65536 },
	{ "block.read_ahead_kb", "read_ahead_kb", 1, 0, 65536 },
};

int loopdev_tune_is_block(const char *kv)
{
	return str_starts(kv, "block.");
}

int loopdev_tune_parse(const char *kv, struct loopdev_tune *t, char *why, size_t len)
{
	const char *eq = strchr(kv, '=');
	size_t klen, i;
	double v;

	if (!eq || eq == kv) {
		snprintf(why, len, "--tune wants KEY=VALUE, not '%s'", kv);
		return -EINVAL;
	}
	klen = (size_t)(eq - kv);
	for (i = 0; i < ARRAY_SIZE(tune_keys); i++)
		if (strlen(tune_keys[i].key) == klen && !strncmp(kv, tune_keys[i].key, klen))
			break;
	if (i == ARRAY_SIZE(tune_keys)) {
		snprintf(why, len,
			 "--tune %.*s: not a key io benches can apply (block.scheduler, block.nr_requests, "
			 "block.read_ahead_kb)", (int)klen, kv);
		return -EINVAL;
	}
	eq++;
	if (tune_keys[i].numeric) {
		if (parse_number(eq, tune_keys[i].lo, tune_keys[i].hi, &v) || v != (double)(long)v) {
			snprintf(why, len, "--tune %s wants a whole number %.0f..%.0f, not '%s'", tune_keys[i].key,
				 tune_keys[i].lo, tune_keys[i].hi, eq);
			return -EINVAL;
		}
		snprintf(t->value, sizeof(t->value), "%ld", (long)v);
	} else {
		/* a scheduler name: what elevator names are made of, nothing sysfs would misread */
		size_t n = strlen(eq);

		if (!n || n >= sizeof(t->value) || strspn(eq, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n) {
			snprintf(why, len, "--tune %s wants a scheduler name (none, mq-deadline, kyber, bfq), not '%s'",
				 tune_keys[i].key, eq);
			return -EINVAL;
		}
		str_copy(t->value, eq, sizeof(t->value));
	}
	str_copy(t->attr, tune_keys[i].attr, sizeof(t->attr));
	return 0;
}

static void undo_loop(const char *name, void *arg)
{
	int fd = (int)(intptr_t)arg;

	(void)name;
	/* With another opener (udev's blkid) the kernel detaches at its close. */
	ioctl(fd, LOOP_CLR_FD, 0);
	close(fd);
}

/* One try on a free device; -EBUSY when another process took it first. */
static int try_attach(int ctl, int bfd, struct loopdev *ld)
{
	struct loop_config cfg;
	int nr, fd;

	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (nr < 0)
		return -errno;
	snprintf(ld->path, sizeof(ld->path), "/dev/loop%d", nr);
	snprintf(ld->name, sizeof(ld->name), "loop%d", nr);
	fd = open(ld->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)bfd;
	cfg.info.lo_flags = LO_FLAGS_DIRECT_IO | LO_FLAGS_AUTOCLEAR;
	if (ioctl(fd, LOOP_CONFIGURE, &cfg)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	ld->fd = fd;
	return 0;
}

int loopdev_attach(const char *backing, struct loopdev *ld)
{
	char path[96], buf[16];
	int ctl, bfd, rc = -EBUSY, tries;

	memset(ld, 0, sizeof(*ld));
	ld->fd = -1;
	/* O_DIRECT so that the loop driver can keep direct I/O on (it checks the backing fd) */
	bfd = open(backing, O_RDWR | O_CLOEXEC | O_DIRECT);
	if (bfd < 0 && errno == EINVAL)
		bfd = open(backing, O_RDWR | O_CLOEXEC);
	if (bfd < 0)
		return -errno;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		rc = -errno;
		close(bfd);
		return rc;
	}
	/* another process may take the device between GET_FREE and CONFIGURE */
	for (tries = 0; tries < 20 && rc == -EBUSY; tries++)
		rc = try_attach(ctl, bfd, ld);
	close(ctl);
	close(bfd);
	if (rc)
		return rc;
	ld->handle = sandbox_register("loop", ld->path, undo_loop, (void *)(intptr_t)ld->fd);
	if (ld->handle < 0) {
		undo_loop(ld->path, (void *)(intptr_t)ld->fd);
		ld->fd = -1;
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "/sys/block/%s/loop/dio", ld->name);
	ld->direct_io = read_small(path, buf, sizeof(buf)) > 0 && buf[0] == '1';
	return 0;
}

void loopdev_detach(struct loopdev *ld)
{
	if (ld->handle > 0)
		sandbox_release(ld->handle);
	ld->handle = 0;
	ld->fd = -1;
}

int loopdev_apply(const struct loopdev *ld, const struct loopdev_tune *t, char *why, size_t len)
{
	char path[96], have[256];
	ssize_t n;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/%s", ld->name, t->attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, len, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	n = write(fd, t->value, strlen(t->value));
	if (n < 0)
		rc = -errno;
	close(fd);
	if (!rc && !strcmp(t->attr, "scheduler") && read_small(path, have, sizeof(have)) > 0) {
		/* a queue that takes no scheduler (loop on older kernels) accepts any write and keeps none */
		char want[80];

		snprintf(want, sizeof(want), "[%s]", t->value);
		if (!strstr(have, want)) {
			snprintf(why, len, "block.scheduler=%s not taken by %s: it offers %s", t->value, ld->name,
				 str_trim(have));
			return -EINVAL;
		}
	}
	if (!rc)
		return 0;
	if (!strcmp(t->attr, "scheduler") && read_small(path, have, sizeof(have)) > 0)
		snprintf(why, len, "block.scheduler=%s refused by %s (%s); this kernel offers: %s", t->value,
			 ld->name, strerror(-rc), str_trim(have));
	else
		snprintf(why, len, "block.%s=%s refused by %s: %s", t->attr, t->value, ld->name, strerror(-rc));
	return rc;
}
