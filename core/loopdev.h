/* loopdev.h - loop devices nodeperf creates on its own files, and the block.* tunables it may set on them. */
#ifndef NP_LOOPDEV_H
#define NP_LOOPDEV_H

#include <stddef.h>

/*
 * The --tune keys a loop device accepts and the queue attribute each one
 * writes (/sys/block/loopN/queue/ATTR):
 *   block.scheduler=NAME     scheduler (none, mq-deadline, kyber, bfq: what the
 *                            kernel offers in the device's scheduler file)
 *   block.nr_requests=N      nr_requests, 1..65536
 *   block.read_ahead_kb=N    read_ahead_kb, 0..65536
 */
struct loopdev_tune {
	char attr[32];		/* "scheduler", "nr_requests", "read_ahead_kb" */
	char value[64];
};

/*
 * Parse one "KEY=VALUE" of --tune for a loop device. 0, or -EINVAL with why
 * naming the problem (a key it does not know, a bad value). Pure: the value
 * is checked for form only; the kernel judges it when it is applied.
 */
int loopdev_tune_parse(const char *kv, struct loopdev_tune *t, char *why, size_t len);

/* Whether a --tune KEY=VALUE is a block.* key at all (the io benches' family). */
int loopdev_tune_is_block(const char *kv);

struct loopdev {
	char path[32];		/* "/dev/loop7" */
	char name[16];		/* "loop7" */
	int fd;			/* kept open: with autoclear the kernel detaches on our last close */
	int handle;		/* sandbox handle */
	int direct_io;		/* the loop driver reads the backing file with O_DIRECT */
};

/*
 * Attach a free loop device to backing (read-write, direct I/O asked for,
 * autoclear) and register it with the sandbox (detached at release, exit and
 * on signals). The backing file's name should be np-PID-* or live in a
 * nodeperf-PID-* dir so `nodeperf cleanup` finds it after a crash.
 * 0 or -errno.
 */
int loopdev_attach(const char *backing, struct loopdev *ld);

/* Detach now (through the sandbox). Safe on a zeroed or detached ld. */
void loopdev_detach(struct loopdev *ld);

/*
 * Write one queue attribute of ld. 0, or -errno with why saying what the
 * kernel refused (an unknown scheduler lists the ones it offers).
 */
int loopdev_apply(const struct loopdev *ld, const struct loopdev_tune *t, char *why, size_t len);

#endif
