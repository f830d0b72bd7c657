/* container.h - helpers the container benches share: processes, metrics, cgroup cleanup. */
#ifndef NP_CONTAINER_H
#define NP_CONTAINER_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include "core/hist.h"
#include "results/result.h"

/*
 * snprintf that may cut: paths and messages here are bounded by PATH_MAX
 * buffers; -ENAMETOOLONG when the text did not fit (else 0).
 */
int ctr_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* name looked up in PATH and the sbin dirs into out. 0 or -ENOENT. */
int ctr_find_bin(const char *name, char *out, size_t len);
/* posix_spawn argv[0] (a path) in its own process group; stdio /dev/null, stderr errfd. 0 or -errno. */
int ctr_spawn(char *const argv[], int errfd, pid_t *pid);
/* Reap pid; after timeout_ms its group is killed and -ETIMEDOUT returned (reaped too). */
int ctr_wait(pid_t pid, int timeout_ms, int *status);
/* Kill the processes of and remove every cgroup (any hierarchy, depth <= 3) whose name starts with prefix. */
void ctr_remove_cgroups(const char *prefix);
struct bench_ctx;
/*
 * Containers per run of the bench: quick 20, standard 100, full 200, split over
 * the rounds of run --rounds (at least ctx->reps).
 */
unsigned ctr_suite_count(const struct bench_ctx *ctx);
/*
 * Metric name (ns, lower better) from one histogram per repetition (empty
 * ones skipped); takes params and probes (may be NULL). 0 or -errno
 * (-ETIME: no sample).
 */
int ctr_add_metric(struct result *res, const char *name, struct hist *hs, unsigned nreps, json_t *params,
		   json_t *probes);

#endif
