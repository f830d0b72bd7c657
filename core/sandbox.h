/* sandbox.h - registry of everything a run creates, removed on exit, error and signals. */
#ifndef NP_SANDBOX_H
#define NP_SANDBOX_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* Set by SIGINT/SIGTERM; long loops poll it and stop early. */
extern volatile sig_atomic_t sandbox_stop;
/* The signal that set sandbox_stop (SIGINT or SIGTERM), 0 if none. */
extern volatile sig_atomic_t sandbox_signal;

typedef void (*sandbox_undo_fn)(const char *name, void *arg);

/*
 * Install SIGINT/SIGTERM/SIGHUP handlers and an atexit hook that undoes
 * everything still registered. A first signal only sets sandbox_stop so the
 * run can save what it finished; a second one undoes everything and exits.
 */
void sandbox_init(void);

/*
 * Register a resource: kind ("tempdir", "netns"...), its name, and how to
 * undo it. Returns a handle > 0, or -ENOMEM (the caller must then undo the
 * resource itself).
 */
int sandbox_register(const char *kind, const char *name, sandbox_undo_fn undo, void *arg);
/* Undo one resource now and forget it. */
void sandbox_release(int handle);
/* Undo everything, newest first. Safe to call more than once. */
void sandbox_cleanup_all(void);

/*
 * Create a private temp dir "BASE/nodeperf-PID-XXXXXX" (BASE NULL: /var/tmp)
 * and register it for recursive removal. Returns 0 or -errno.
 */
int sandbox_tempdir(const char *base, char *path, size_t len);

/*
 * Remove a directory tree (no symlink following, no descent into another
 * filesystem mounted inside it: -EBUSY). 0 or -errno.
 */
int sandbox_rmtree(const char *path);

/* Up to max pids of processes other than this one whose command line contains needle. */
size_t sandbox_pids_naming(const char *needle, pid_t *out, size_t max);
/* The longest mount point at or below dir into mp; 1 if there is one, else 0. */
int sandbox_deepest_mount(const char *dir, char *mp, size_t len);

/*
 * Remove leftovers of runs that died without cleaning up: resources named
 * np-* / nodeperf* whose owning pid is gone (all of them with all != 0).
 * Prints what it removes; returns the number of problems (0 = clean).
 */
int sandbox_sweep(int all, int dry_run);

#endif
