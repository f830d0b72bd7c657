/* io.c - storage latency and throughput: O_DIRECT random I/O (psync, io_uring), etcd's fsync pattern, sequential MB/s. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/io.h"
#include "core/log.h"
#include "core/loopdev.h"
#include "core/sandbox.h"
#include "core/util.h"

#define IO_ALIGN	4096
#define IO_SEQ_BS	(1u << 20)
#define IO_FSYNC_BS	2300u	/* etcd's typical WAL entry, as in the usual fio etcd check */
#define IO_QD_DEEP	32u
/*
 * io.fsync cycles through the first 16 MiB, read into the page cache first:
 * a 2300-byte write to a page not in the cache would read that page from the
 * disk, which etcd's writes to its preallocated WAL never do.
 */
#define IO_FSYNC_SPAN	(16u << 20)

enum io_kind { IO_RANDREAD, IO_RANDWRITE, IO_FSYNC, IO_SEQREAD, IO_SEQWRITE };
enum io_engine { IO_PSYNC, IO_URING };

struct io_cfg {
	enum io_kind kind;
	enum io_engine engine;
	unsigned bs, qd;
};

/* --- pure helpers (bench/io.h, unit-tested) --- */

uint64_t io_file_size(unsigned suite)
{
	if (suite & SUITE_FULL)
		return 1024ull << 20;
	if (suite & SUITE_STANDARD)
		return 256ull << 20;
	return 64ull << 20;
}

uint64_t io_rand_next(uint64_t *state)
{
	/* xorshift64*: cheap next to a 30 us I/O, and never 0 from a non-zero seed */
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

uint64_t io_rand_offset(uint64_t *state, uint64_t size, unsigned bs)
{
	uint64_t blocks = size / bs;

	return blocks ? (io_rand_next(state) % blocks) * bs : 0;
}

int io_tune_check(const char *const *tune, int *nblock, char *why, size_t len)
{
	struct loopdev_tune t;
	unsigned i;
	int rc;

	*nblock = 0;
	for (i = 0; tune && tune[i]; i++) {
		/* net.* keys belong to the net benches */
		if (str_starts(tune[i], "net."))
			continue;
		rc = loopdev_tune_parse(tune[i], &t, why, len);
		if (rc)
			return rc;
		(*nblock)++;
	}
	return 0;
}

/* A message into why (vsnprintf: long paths are cut, not an error). */
static void __attribute__((format(printf, 3, 4))) say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* --- the target: one per run, made before the first io bench's probes attach --- */

enum io_target_type { TGT_FILE, TGT_LOOP, TGT_DEVICE };

static const char *const target_names[] = { "file", "loop", "device" };

static struct io_target {
	int done;		/* set up was tried */
	int rc;			/* its outcome: 0 or -errno */
	int fatal;		/* a user error (--tune): the benches fail instead of skipping */
	char why[512];
	enum io_target_type type;
	char dir[PATH_MAX];	/* our dir holding the file */
	char file[PATH_MAX];	/* the backing / measured file */
	char path[PATH_MAX];	/* what the benches open */
	char disk[64];		/* the whole disk biolat names, "" when none */
	char fs[32];
	uint64_t size;
	int file_handle;
	struct loopdev ld;
	int mounted;		/* a device: mounted or held, no writes */
} tgt;

static void undo_file(const char *name, void *arg)
{
	(void)arg;
	unlink(name);
}

/* The whole disk under major:minor ("vda" for vda1), "" when it is not a block device. */
static void disk_of(dev_t dev, char *buf, size_t len)
{
	char path[96], real[PATH_MAX], *base;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
	if (!access(path, F_OK))
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/..", major(dev), minor(dev));
	else
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if (!realpath(path, real))
		return;
	base = strrchr(real, '/');
	str_copy(buf, base ? base + 1 : real, len);
}

static const char *fs_name(long type)
{
	switch (type) {
	case TMPFS_MAGIC:
		return "tmpfs";
	case RAMFS_MAGIC:
		return "ramfs";
	case EXT4_SUPER_MAGIC:
		return "ext4";
	case XFS_SUPER_MAGIC:
		return "xfs";
	case BTRFS_SUPER_MAGIC:
		return "btrfs";
	case OVERLAYFS_SUPER_MAGIC:
		return "overlay";
	default:
		return "other";
	}
}

/* Fill buf with bytes a compressing or deduplicating disk cannot shortcut. */
static void fill_pattern(void *buf, size_t len, uint64_t seed)
{
	uint64_t *p = buf, s = seed | 1;
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = io_rand_next(&s);
}

/* Write the whole file once with O_DIRECT so that no read is of a hole. */
static int fill_file(const char *path, uint64_t size, char *why, size_t len)
{
	void *buf = NULL;
	uint64_t off;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		if (rc == -EINVAL)
			say(why, len, "%s: the file system refuses O_DIRECT (EINVAL): direct I/O cannot be measured here",
				 path);
		else
			say(why, len, "cannot create %s: %s", path, strerror(-rc));
		return rc;
	}
	if (posix_memalign(&buf, IO_ALIGN, IO_SEQ_BS)) {
		close(fd);
		return -ENOMEM;
	}
	for (off = 0; off < size && !rc; off += IO_SEQ_BS) {
		if (sandbox_stop) {
			rc = -EINTR;
			break;
		}
		fill_pattern(buf, IO_SEQ_BS, off + 1);
		n = pwrite(fd, buf, IO_SEQ_BS, (off_t)off);
		if (n < 0)
			rc = -errno;
		else if (n != IO_SEQ_BS)
			rc = -ENOSPC;	/* a short write: the file system is full */
	}
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	free(buf);
	if (rc == -ENOSPC || rc == -EDQUOT)
		say(why, len, "%s: no space left writing the %llu MiB test file (%s); it was removed", path,
			 (unsigned long long)(size >> 20), strerror(-rc));
	else if (rc == -EINVAL)
		say(why, len, "%s: the file system refuses O_DIRECT writes (EINVAL)", path);
	else if (rc == -EINTR)
		say(why, len, "interrupted while writing the test file; it was removed");
	else if (rc)
		say(why, len, "writing %s: %s; it was removed", path, strerror(-rc));
	return rc;
}

/* Whether dev (or a partition of it) is mounted or held: open O_EXCL says. */
static int device_busy(const char *dev)
{
	int fd = open(dev, O_RDONLY | O_EXCL | O_CLOEXEC);

	if (fd < 0)
		return errno == EBUSY;
	close(fd);
	return 0;
}

static int setup_device(const struct bench_ctx *ctx)
{
	struct stat st;
	uint64_t bytes = 0;
	int fd;

	tgt.type = TGT_DEVICE;
	str_copy(tgt.path, ctx->io_device, sizeof(tgt.path));
	if (stat(ctx->io_device, &st)) {
		say(tgt.why, sizeof(tgt.why), "--io-device %s: %s", ctx->io_device, strerror(errno));
		return -errno;
	}
	if (!S_ISBLK(st.st_mode)) {
		say(tgt.why, sizeof(tgt.why), "--io-device %s is not a block device", ctx->io_device);
		return -ENOTBLK;
	}
	fd = open(ctx->io_device, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		say(tgt.why, sizeof(tgt.why), "--io-device %s: %s", ctx->io_device, strerror(errno));
		return -errno;
	}
	if (ioctl(fd, BLKGETSIZE64, &bytes))
		bytes = 0;
	close(fd);
	if (bytes < IO_SEQ_BS) {
		say(tgt.why, sizeof(tgt.why), "--io-device %s is smaller than 1 MiB", ctx->io_device);
		return -ENOSPC;
	}
	tgt.size = bytes / IO_SEQ_BS * IO_SEQ_BS;
	tgt.mounted = device_busy(ctx->io_device);
	disk_of(st.st_rdev, tgt.disk, sizeof(tgt.disk));
	str_copy(tgt.fs, "-", sizeof(tgt.fs));
	return 0;
}

/* Check the directory: a disk file system we may write, with room for the file. */
static int check_dir(const char *dir, uint64_t size)
{
	struct statfs sf;
	struct statvfs sv;

	if (statfs(dir, &sf)) {
		say(tgt.why, sizeof(tgt.why), "--io-dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	str_copy(tgt.fs, fs_name((long)sf.f_type), sizeof(tgt.fs));
	if (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC) {
		say(tgt.why, sizeof(tgt.why),
			 "%s is on %s (memory, no disk, no real O_DIRECT): use --io-dir on a disk file system", dir,
			 tgt.fs);
		return -EOPNOTSUPP;
	}
	if (access(dir, W_OK | X_OK)) {
		int rc = -errno;

		if (rc == -EROFS)
			say(tgt.why, sizeof(tgt.why), "%s is on a read-only file system", dir);
		else
			say(tgt.why, sizeof(tgt.why), "cannot write in %s: %s", dir, strerror(-rc));
		return rc;
	}
	if (!statvfs(dir, &sv) && (uint64_t)sv.f_bavail * sv.f_frsize < size + (size >> 3)) {
		say(tgt.why, sizeof(tgt.why),
			 "%s: not enough free space for the %llu MiB test file (%llu MiB available)", dir,
			 (unsigned long long)(size >> 20),
			 (unsigned long long)((uint64_t)sv.f_bavail * sv.f_frsize >> 20));
		return -ENOSPC;
	}
	return 0;
}

static int setup_file(const struct bench_ctx *ctx, int loop)
{
	const char *base = ctx->io_dir ? ctx->io_dir : ctx->tmpdir;
	struct loopdev_tune t;
	struct stat st;
	unsigned i;
	int rc, pass;

	tgt.type = loop ? TGT_LOOP : TGT_FILE;
	tgt.size = io_file_size(ctx->suite);
	rc = check_dir(base, tgt.size);
	if (rc)
		return rc;
	/* our own nodeperf-PID-* dir, also inside --io-dir, so that `nodeperf cleanup` finds it */
	if (ctx->io_dir) {
		rc = sandbox_tempdir(ctx->io_dir, tgt.dir, sizeof(tgt.dir));
		if (rc) {
			say(tgt.why, sizeof(tgt.why), "cannot create a dir in %s: %s", ctx->io_dir,
				 strerror(-rc));
			return rc;
		}
	} else {
		str_copy(tgt.dir, ctx->tmpdir, sizeof(tgt.dir));
	}
	rc = snprintf(tgt.file, sizeof(tgt.file), "%s/np-%d-io.dat", tgt.dir, (int)getpid());
	if (rc < 0 || (size_t)rc >= sizeof(tgt.file)) {
		say(tgt.why, sizeof(tgt.why), "--io-dir %s: path too long", base);
		return -ENAMETOOLONG;
	}
	tgt.file_handle = sandbox_register("file", tgt.file, undo_file, NULL);
	if (tgt.file_handle < 0)
		return -ENOMEM;
	rc = fill_file(tgt.file, tgt.size, tgt.why, sizeof(tgt.why));
	if (rc) {
		/* nothing half-written stays */
		sandbox_release(tgt.file_handle);
		tgt.file_handle = 0;
		return rc;
	}
	if (stat(tgt.file, &st))
		return -errno;
	disk_of(st.st_dev, tgt.disk, sizeof(tgt.disk));
	str_copy(tgt.path, tgt.file, sizeof(tgt.path));
	if (!loop)
		return 0;

	rc = loopdev_attach(tgt.file, &tgt.ld);
	if (rc) {
		say(tgt.why, sizeof(tgt.why), "cannot attach a loop device to %s: %s", tgt.file, strerror(-rc));
		return rc;
	}
	str_copy(tgt.path, tgt.ld.path, sizeof(tgt.path));
	str_copy(tgt.disk, tgt.ld.name, sizeof(tgt.disk));
	/* the scheduler first, whatever the order given: switching it resets nr_requests */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; ctx->tune && ctx->tune[i]; i++) {
			if (!loopdev_tune_is_block(ctx->tune[i]) ||
			    str_starts(ctx->tune[i], "block.scheduler=") != !pass)
				continue;
			rc = loopdev_tune_parse(ctx->tune[i], &t, tgt.why, sizeof(tgt.why));
			if (!rc)
				rc = loopdev_apply(&tgt.ld, &t, tgt.why, sizeof(tgt.why));
			if (rc) {
				tgt.fatal = 1;
				return rc;
			}
		}
	}
	return 0;
}

/* Make the target once per run; later calls return the first outcome. */
static int target_get(const struct bench_ctx *ctx)
{
	int nblock = 0, rc;

	if (tgt.done)
		return tgt.rc;
	tgt.done = 1;
	rc = io_tune_check(ctx->tune, &nblock, tgt.why, sizeof(tgt.why));
	if (!rc && nblock && ctx->io_device) {
		say(tgt.why, sizeof(tgt.why),
			 "--tune block.* applies to the loop device nodeperf creates, not to --io-device %s",
			 ctx->io_device);
		rc = -EINVAL;
	}
	if (rc) {
		tgt.fatal = 1;
	} else if (ctx->io_device) {
		rc = setup_device(ctx);
	} else {
		rc = setup_file(ctx, nblock > 0);
	}
	tgt.rc = rc;
	return rc;
}

/* --- one repetition per engine --- */

struct io_run {
	const struct io_cfg *cfg;
	int fd;			/* O_DIRECT (or buffered for fsync) on tgt.path */
	void *buf;		/* IO_QD_DEEP * bs, aligned */
	uint64_t rng, seq_off, span, ios;
	struct io_uring ring;
	int ring_up;
};

static int check_n(ssize_t n, size_t want)
{
	if (n < 0)
		return -errno;
	return (size_t)n == want ? 0 : -EIO;
}

static uint64_t next_offset(struct io_run *r, unsigned bs)
{
	uint64_t off;

	if (r->cfg->kind == IO_RANDREAD || r->cfg->kind == IO_RANDWRITE)
		return io_rand_offset(&r->rng, tgt.size, bs);
	if (r->seq_off + bs > r->span)
		r->seq_off = 0;
	off = r->seq_off;
	r->seq_off += bs;
	return off;
}

static int is_write(const struct io_cfg *cfg)
{
	return cfg->kind == IO_RANDWRITE || cfg->kind == IO_SEQWRITE || cfg->kind == IO_FSYNC;
}

/* psync at depth 1: pread/pwrite (+ fdatasync), each timed whole; *bytes done. */
static int rep_psync(struct io_run *r, double seconds, struct hist *h, uint64_t *bytes)
{
	const struct io_cfg *cfg = r->cfg;
	uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9), t0, t1, off;
	int wr = is_write(cfg), rc = 0;

	while (!rc && !sandbox_stop) {
		/* the clock is read once per I/O anyway: reuse it for the deadline */
		off = next_offset(r, cfg->bs);
		t0 = now_ns();
		if (t0 >= deadline)
			break;
		if (wr)
			rc = check_n(pwrite(r->fd, r->buf, cfg->bs, (off_t)off), cfg->bs);
		else
			rc = check_n(pread(r->fd, r->buf, cfg->bs, (off_t)off), cfg->bs);
		if (!rc && cfg->kind == IO_FSYNC && fdatasync(r->fd))
			rc = -errno;
		t1 = now_ns();
		if (rc)
			break;
		hist_record(h, t1 - t0);
		r->ios++;
		*bytes += cfg->bs;
	}
	return rc;
}

static void prep(struct io_run *r, struct io_uring_sqe *sqe, unsigned slot, uint64_t off)
{
	char *b = (char *)r->buf + (size_t)slot * r->cfg->bs;

	if (is_write(r->cfg))
		io_uring_prep_write(sqe, r->fd, b, r->cfg->bs, off);
	else
		io_uring_prep_read(sqe, r->fd, b, r->cfg->bs, off);
	io_uring_sqe_set_data64(sqe, slot);
}

/*
 * io_uring at depth qd: each I/O is timed from just before its submission to
 * its completion being reaped (fio's total latency, "lat"). At depth 1 this
 * is submit, then wait: two io_uring_enter calls, as fio's engine does.
 */
static int rep_uring(struct io_run *r, double seconds, struct hist *h, uint64_t *bytes)
{
	const struct io_cfg *cfg = r->cfg;
	uint64_t stamp[IO_QD_DEEP], deadline = now_ns() + (uint64_t)(seconds * 1e9), now;
	unsigned inflight = 0, queued, slot, free_slots[IO_QD_DEEP], nfree = 0;
	struct io_uring_cqe *cqe;
	int rc = 0, stopping = 0, n;

	for (slot = 0; slot < cfg->qd; slot++)
		free_slots[nfree++] = slot;
	for (;;) {
		stopping = stopping || rc || sandbox_stop || now_ns() >= deadline;
		for (queued = 0; !stopping && nfree; queued++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

			if (!sqe)
				break;
			slot = free_slots[--nfree];
			prep(r, sqe, slot, next_offset(r, cfg->bs));
			stamp[slot] = now_ns();
		}
		if (queued) {
			n = io_uring_submit(&r->ring);
			if (n < 0) {
				/* none of them entered the kernel */
				rc = n;
				n = 0;
			}
			inflight += (unsigned)n;
			if ((unsigned)n < queued)
				stopping = 1;
		}
		if (!inflight)
			break;
		n = io_uring_wait_cqe(&r->ring, &cqe);
		if (n == -EINTR)
			continue;
		if (n)
			return n;
		now = now_ns();
		do {
			slot = (unsigned)io_uring_cqe_get_data64(cqe);
			if (cqe->res == (int)cfg->bs && slot < IO_QD_DEEP) {
				hist_record(h, now - stamp[slot]);
				r->ios++;
				*bytes += cfg->bs;
			} else if (!rc) {
				rc = cqe->res < 0 ? cqe->res : -EIO;
			}
			if (slot < IO_QD_DEEP)
				free_slots[nfree++] = slot;
			inflight--;
			io_uring_cqe_seen(&r->ring, cqe);
		} while (inflight && !io_uring_peek_cqe(&r->ring, &cqe));
	}
	return rc;
}

/* Read the span io.fsync writes through the page cache once. */
static int cache_span(struct io_run *r)
{
	uint64_t off;

	for (off = 0; off < r->span; off += (size_t)IO_QD_DEEP * r->cfg->bs) {
		size_t n = (size_t)IO_QD_DEEP * r->cfg->bs;
		ssize_t got;

		if (off + n > r->span)
			n = (size_t)(r->span - off);
		got = pread(r->fd, r->buf, n, (off_t)off);
		if (got < 0)
			return -errno;
		if (!got)
			break;
	}
	return 0;
}

static int io_open(struct io_run *r)
{
	const struct io_cfg *cfg = r->cfg;
	int flags = O_CLOEXEC | (is_write(cfg) ? O_RDWR : O_RDONLY);
	int rc;

	/* etcd writes through the page cache and syncs; everything else bypasses it */
	if (cfg->kind != IO_FSYNC)
		flags |= O_DIRECT;
	r->fd = open(tgt.path, flags);
	if (r->fd < 0) {
		rc = -errno;
		log_err("%s: cannot open %s: %s", cfg->kind == IO_FSYNC ? "io.fsync" : "io", tgt.path,
			strerror(-rc));
		return rc;
	}
	if (posix_memalign(&r->buf, IO_ALIGN, (size_t)IO_QD_DEEP * cfg->bs))
		return -ENOMEM;
	fill_pattern(r->buf, (size_t)IO_QD_DEEP * cfg->bs / 8 * 8, 7);
	r->span = tgt.size;
	if (cfg->kind == IO_FSYNC) {
		r->span = tgt.size < IO_FSYNC_SPAN ? tgt.size : IO_FSYNC_SPAN;
		rc = cache_span(r);
		if (rc)
			return rc;
	}
	r->rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
	if (cfg->engine == IO_URING) {
		rc = io_uring_queue_init(cfg->qd < 8 ? 8 : cfg->qd, &r->ring, 0);
		if (rc) {
			log_err("io_uring_queue_init: %s", strerror(-rc));
			return rc;
		}
		r->ring_up = 1;
	}
	return 0;
}

static void io_close(struct io_run *r)
{
	if (r->ring_up)
		io_uring_queue_exit(&r->ring);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
}

static int lat_rep(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h)
{
	struct io_run *r = arg;
	uint64_t bytes = 0;

	(void)ctx;
	return r->cfg->engine == IO_URING ? rep_uring(r, seconds, h, &bytes) : rep_psync(r, seconds, h, &bytes);
}

static int rate_rep(struct bench_ctx *ctx, void *arg, double seconds, double *rate, struct hist *h)
{
	struct io_run *r = arg;
	uint64_t bytes = 0, t0 = now_ns(), ios0 = r->ios;
	double el;
	int rc;

	(void)ctx;
	rc = r->cfg->engine == IO_URING ? rep_uring(r, seconds, h, &bytes) : rep_psync(r, seconds, h, &bytes);
	el = (double)(now_ns() - t0) / 1e9;
	if (rc)
		return rc;
	/* ops/s for the deep random bench, B/s for the sequential ones */
	*rate = el > 0 ? (r->cfg->bs == IO_SEQ_BS ? (double)bytes : (double)(r->ios - ios0)) / el : 0;
	return 0;
}

static const char *const kind_op[] = { "read", "write", "write", "read", "write" };

static int io_run_bench(struct bench_ctx *ctx, struct result *res)
{
	const struct io_cfg *cfg = ctx->cfg;
	struct io_run r = { .cfg = cfg, .fd = -1 };
	char lat_name[128];
	json_t *params, *keep;
	int rc;

	if (tgt.rc) {
		/* only a fatal setup error reaches run(): the others made the bench skip */
		log_err("%s: %s", ctx->bench_name, tgt.why);
		return tgt.rc;
	}
	rc = io_open(&r);
	if (rc)
		goto out;
	params = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:b, s:s}", "target", target_names[tgt.type],
			   "path", tgt.path, "disk", tgt.disk, "fs", tgt.fs, "size", (json_int_t)tgt.size,
			   "engine", cfg->engine == IO_URING ? "io_uring" : "psync", "bs", (int)cfg->bs, "qd",
			   (int)cfg->qd, "direct", cfg->kind != IO_FSYNC, "op", kind_op[cfg->kind]);
	if (!params) {
		rc = -ENOMEM;
		goto out;
	}
	if (tgt.type == TGT_LOOP) {
		static const char *const attrs[] = { "scheduler", "nr_requests", "read_ahead_kb" };
		json_t *lp = json_pack("{s:s, s:b}", "backing", tgt.file, "direct_io", tgt.ld.direct_io);
		char path[96], val[128];
		size_t i;

		/* the queue as measured, whatever --tune set: what `profile tune` compares */
		for (i = 0; lp && i < ARRAY_SIZE(attrs); i++) {
			snprintf(path, sizeof(path), "/sys/block/%s/queue/%s", tgt.ld.name, attrs[i]);
			if (read_small(path, val, sizeof(val)) < 0)
				val[0] = '\0';
			json_object_set_new(lp, attrs[i], json_string(val));
		}
		json_object_set_new(params, "loop", lp);
	}
	/* what the block layer does for one I/O: show prints syscall minus these */
	json_object_set_new(params, "device_ops", cfg->kind == IO_FSYNC ? json_pack("[s, s]", "write", "other")
									: json_pack("[s]", kind_op[cfg->kind]));
	keep = json_incref(params);
	if (cfg->kind == IO_SEQREAD || cfg->kind == IO_SEQWRITE) {
		rc = bench_rate(ctx, res, ctx->bench_name, "B/s", rate_rep, &r, params, NULL);
	} else if (cfg->qd > 1) {
		snprintf(lat_name, sizeof(lat_name), "%s.lat", ctx->bench_name);
		rc = bench_rate(ctx, res, ctx->bench_name, "ops/s", rate_rep, &r, params, lat_name);
	} else {
		rc = bench_latency(ctx, res, ctx->bench_name, lat_rep, &r, params);
	}
	/* every I/O issued, warm-up included: what a block-layer probe should have seen */
	if (!rc)
		json_object_set_new(keep, "ios", json_integer((json_int_t)r.ios));
	json_decref(keep);
out:
	io_close(&r);
	return rc;
}

static int io_available(struct bench_ctx *ctx, char *why, size_t len)
{
	const struct io_cfg *cfg = ctx->cfg;
	if (cfg->engine == IO_URING) {
		/* kernel.io_uring_disabled, a seccomp profile, a kernel without it */
		struct io_uring ring;
		int rc = io_uring_queue_init(8, &ring, 0);

		if (rc) {
			say(why, len, "io_uring is not available here: %s", strerror(-rc));
			return 0;
		}
		io_uring_queue_exit(&ring);
	}
	if (target_get(ctx)) {
		/* a bad --tune fails the bench in run(), with its message */
		if (tgt.fatal)
			return 1;
		say(why, len, "%s", tgt.why);
		return 0;
	}
	if (tgt.type == TGT_DEVICE && is_write(cfg)) {
		if (!ctx->destructive) {
			say(why, len, "writes to --io-device %s need --destructive (they destroy its data)",
				 tgt.path);
			return 0;
		}
		if (tgt.mounted) {
			say(why, len, "--io-device %s is mounted or in use: refusing to write to it", tgt.path);
			return 0;
		}
	}
	return 1;
}

#define IO_BENCH(id, bname, kind_, engine_, bs_, qd_, text)                 \
	static const struct io_cfg id##_cfg = { kind_, engine_, bs_, qd_ }; \
	BENCH_DEF(bench_##id, bname, text, SUITE_ALL, io_probes, io_available, io_run_bench, &id##_cfg)

static const char *const io_probes[] = { "biolat", NULL };

IO_BENCH(io_randread_psync, "io.randread.4k.psync", IO_RANDREAD, IO_PSYNC, 4096, 1,
	 "4 KiB O_DIRECT random reads, pread, one at a time");
IO_BENCH(io_randread_uring, "io.randread.4k.io_uring", IO_RANDREAD, IO_URING, 4096, 1,
	 "4 KiB O_DIRECT random reads, io_uring, depth 1");
IO_BENCH(io_randread_qd32, "io.randread.4k.io_uring.qd32", IO_RANDREAD, IO_URING, 4096, IO_QD_DEEP,
	 "4 KiB O_DIRECT random reads, io_uring, depth 32: IOPS and latency");
IO_BENCH(io_randwrite_psync, "io.randwrite.4k.psync", IO_RANDWRITE, IO_PSYNC, 4096, 1,
	 "4 KiB O_DIRECT random writes, pwrite, one at a time");
IO_BENCH(io_randwrite_uring, "io.randwrite.4k.io_uring", IO_RANDWRITE, IO_URING, 4096, 1,
	 "4 KiB O_DIRECT random writes, io_uring, depth 1");
IO_BENCH(io_fsync, "io.fsync", IO_FSYNC, IO_PSYNC, IO_FSYNC_BS, 1,
	 "etcd's WAL pattern: 2300-byte sequential write + fdatasync");
IO_BENCH(io_seqread, "io.seqread.1m", IO_SEQREAD, IO_PSYNC, IO_SEQ_BS, 1,
	 "1 MiB O_DIRECT sequential reads: throughput");
IO_BENCH(io_seqwrite, "io.seqwrite.1m", IO_SEQWRITE, IO_PSYNC, IO_SEQ_BS, 1,
	 "1 MiB O_DIRECT sequential writes: throughput");
