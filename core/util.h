/* util.h - time, small file reads, string helpers, process spawning. */
#ifndef NP_UTIL_H
#define NP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

uint64_t now_ns(void);		/* CLOCK_MONOTONIC */
/* RFC 3339 UTC ("2026-11-28T11:13:15Z") of the current time into buf. */
void utc_rfc3339(char *buf, size_t len);
/* Compact UTC stamp "20261128T111315Z" for file names. */
void utc_stamp(char *buf, size_t len);

/*
 * Read a small file into buf, NUL-terminated, trailing newlines stripped.
 * Returns the length, or -errno (-ENOENT when absent).
 */
ssize_t read_small(const char *path, char *buf, size_t len);
/*
 * Read a whole file into a malloc'd buffer (NUL-terminated). NULL + errno,
 * EFBIG ("File too large") past READ_ALL_MAX bytes: a huge file at once, an
 * endless /dev/zero or FIFO once that much has been read.
 */
#define READ_ALL_MAX (256u << 20)
char *read_all(const char *path, size_t *len);
/*
 * Replace path with buf atomically and safely in a shared directory: an
 * unpredictable temp name beside path, created O_EXCL|O_NOFOLLOW (a planted
 * symlink is never followed; a symlink at path itself is replaced, not
 * followed), all of buf written, fsync'd, renamed over path, the directory
 * fsync'd. On failure the temp file is removed, an old path stays as it
 * was, err says "PATH: what" (strerror of the real errno: ENOSPC, EDQUOT,
 * EIO...) and -errno is returned; 0 on success.
 */
int write_atomic(const char *path, const void *buf, size_t len, char *err, size_t errlen);

/* A whole-string number in [lo, hi] (a command-line value). 0 or -EINVAL. */
int parse_number(const char *s, double lo, double hi, double *out);

int str_starts(const char *s, const char *prefix);
/* strlcpy semantics: always NUL-terminates, returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t len);
char *str_trim(char *s);

/*
 * Run argv (argv[0] looked up in PATH) with posix_spawn, capture up to
 * len-1 bytes of stdout (stderr discarded) into out when out != NULL, wait.
 * Returns the exit status (0..255), -ENOENT when the program is not found,
 * or another -errno.
 */
int spawn_capture(char *const argv[], char *out, size_t len);
/* Reap pid: its exit status, -ENOENT for 127 (not found), 128 + signal, or -errno. */
int spawn_reap(pid_t pid);

#endif
