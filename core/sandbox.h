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
 * What marks nodeperf's own, so that cleanup acts on nothing else:
 * - every process a run starts inherits SANDBOX_OWNER_ENV=PID:START (the run's
 *   pid and start time): cleanup kills only such processes of dead runs;
 * - every scratch dir holds SANDBOX_MARKER ("PID START"), owned by the user;
 * - the registry REGISTRY_DIR/PID lists what a live run made (see below).
 */
#define SANDBOX_OWNER_ENV "NODEPERF_RUN_OWNER"
#define SANDBOX_MARKER ".nodeperf-owner"

/* The registry of live runs: $NODEPERF_RUNDIR, else /run/nodeperf. */
const char *sandbox_registry_dir(void);
/* Start time (clock ticks since boot) and state of a process. 0, -ESRCH when gone. */
int sandbox_proc_start(pid_t pid, unsigned long long *start, char *state);
/* pid runs and is the same process (start 0: any process with that pid). */
int sandbox_owner_alive(pid_t pid, unsigned long long start);

/*
 * Install SIGINT/SIGTERM/SIGHUP handlers and an atexit hook that undoes
 * everything still registered. A first signal only sets sandbox_stop so the
 * run can save what it finished; a second one undoes everything and exits.
 * Also sets SANDBOX_OWNER_ENV for the processes it starts, and (when the
 * registry dir is usable: root) opens this process's registry file.
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
 * holding SANDBOX_MARKER, and register it for recursive removal. 0 or -errno.
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
 * Remove leftovers of runs that died without cleaning up, in one pass:
 * first the processes those runs started (by SANDBOX_OWNER_ENV, and runtimes
 * that name a dead run's dir), then what the registry lists for each dead
 * run, then resources named np-* / nodeperf* whose owning pid is gone: scratch
 * dirs only when owned by this user and marked, cgroups and pins only when
 * this user's. all != 0 also takes what has no provable owner, but never
 * what a live nodeperf run owns (each is named, with the run, as a problem).
 * Prints what it removes; returns the number of problems (0 = clean).
 */
int sandbox_sweep(int all, int dry_run);

#endif
