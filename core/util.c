/* util.c - time, small file reads, string helpers, process spawning. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

extern char **environ;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void utc_fmt(char *buf, size_t len, const char *fmt)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (!strftime(buf, len, fmt, &tm) && len)
		buf[0] = '\0';
}

void utc_rfc3339(char *buf, size_t len)
{
	utc_fmt(buf, len, "%Y-%m-%dT%H:%M:%SZ");
}

void utc_stamp(char *buf, size_t len)
{
	utc_fmt(buf, len, "%Y%m%dT%H%M%SZ");
}

ssize_t read_small(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - (size_t)total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	while (total > 0 && (buf[total - 1] == '\n' || buf[total - 1] == '\0'))
		total--;
	buf[total] = '\0';
	return total;
}

char *read_all(const char *path, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	struct stat st;
	char *buf, *nb;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st))
		goto out_close;
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > READ_ALL_MAX) {
		errno = EFBIG;
		goto out_close;
	}
	buf = malloc(cap);
	if (!buf)
		goto out_close;
	for (;;) {
		if (len + 1 >= cap) {
			size_t ncap = cap * 2 > READ_ALL_MAX + 2 ? READ_ALL_MAX + 2 : cap * 2;

			/* a file that grows while read, a FIFO or device that never ends */
			if (len > READ_ALL_MAX) {
				errno = EFBIG;
				goto out_free;
			}
			nb = realloc(buf, ncap);
			if (!nb)
				goto out_free;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
out_free:
	saved = errno;
	free(buf);
	errno = saved;
out_close:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

/* 12 characters of [a-z0-9] from getrandom: 62 bits no other user can guess. */
static void random_suffix(char *out, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[32];
	size_t i, got = 0;

	while (got < n && got < sizeof(rnd)) {
		ssize_t r = getrandom(rnd + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {	/* no entropy source: still unique, less unpredictable */
			uint64_t t = now_ns() ^ ((uint64_t)getpid() << 32);

			for (; got < n && got < sizeof(rnd); got++, t = t * 6364136223846793005ull + 1)
				rnd[got] = (unsigned char)(t >> 33);
			break;
		}
		got += (size_t)r;
	}
	for (i = 0; i < n && i < sizeof(rnd); i++)
		out[i] = set[rnd[i] % (sizeof(set) - 1)];
	out[i] = '\0';
}

static int write_fail(const char *path, int e, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(e));
	return -e;
}

int write_atomic(const char *path, const void *buf, size_t len, char *err, size_t errlen)
{
	char dir[4096], tmp[512], sfx[16];
	const char *base, *slash = strrchr(path, '/');
	const char *p = buf;
	int dfd, fd = -1, e = 0, tries;
	size_t done = 0;

	if (!*path)
		return write_fail(path, ENOENT, err, errlen);
	if (slash) {
		size_t dl = slash == path ? 1 : (size_t)(slash - path);

		if (dl >= sizeof(dir))
			return write_fail(path, ENAMETOOLONG, err, errlen);
		memcpy(dir, path, dl);
		dir[dl] = '\0';
		base = slash + 1;
	} else {
		str_copy(dir, ".", sizeof(dir));
		base = path;
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return write_fail(path, EISDIR, err, errlen);
	if (strlen(base) + 32 >= sizeof(tmp) || strlen(base) > 255 - 20)
		return write_fail(path, ENAMETOOLONG, err, errlen);
	/* the directory once, by fd: the temp file and the rename land in the same one */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return write_fail(path, errno, err, errlen);
	for (tries = 0; tries < 100; tries++) {
		random_suffix(sfx, 12);
		snprintf(tmp, sizeof(tmp), ".%s.tmp.%s", base, sfx);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		e = errno;
		close(dfd);
		return write_fail(path, e, err, errlen);
	}
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)n;
	}
	/* delayed allocation: ENOSPC and EDQUOT may only show here */
	if (!e && fsync(fd))
		e = errno;
	if (close(fd) && !e && errno != EINTR)
		e = errno;
	if (!e && renameat(dfd, tmp, dfd, base))
		e = errno;
	if (e) {
		unlinkat(dfd, tmp, 0);
		close(dfd);
		return write_fail(path, e, err, errlen);
	}
	/* the rename itself survives a crash only once the directory is on disk */
	if (fsync(dfd) && errno != EINVAL && errno != EROFS)
		e = errno;
	close(dfd);
	return e ? write_fail(path, e, err, errlen) : 0;
}

int parse_number(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return -EINVAL;
	*out = v;
	return 0;
}

int str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t str_copy(char *dst, const char *src, size_t len)
{
	size_t n = strlen(src);

	if (len) {
		size_t c = n < len - 1 ? n : len - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

char *str_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int spawn_capture(char *const argv[], char *out, size_t len)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 };
	size_t got = 0;
	pid_t pid;
	int rc;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc) {
		close(pipefd[0]);
		return -rc;
	}
	for (;;) {
		char sink[512];
		char *dst = sink;
		size_t room = sizeof(sink);
		ssize_t n;

		if (out && got + 1 < len) {
			dst = out + got;
			room = len - 1 - got;
		}
		n = read(pipefd[0], dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (dst != sink)
			got += (size_t)n;
	}
	close(pipefd[0]);
	if (out && len)
		out[got] = '\0';
	return spawn_reap(pid);
}

int spawn_reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 127 ? -ENOENT : WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
