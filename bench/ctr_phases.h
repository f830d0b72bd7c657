/* ctr_phases.h - container start phases from ctrlife's lifecycle events (pure). */
#ifndef NP_CTR_PHASES_H
#define NP_CTR_PHASES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

/* One runtime invocation: spawned at t0 (pid), reaped at t1, CLOCK_MONOTONIC ns. */
struct ctr_span {
	uint64_t t0, t1;
	pid_t pid;
};

/*
 * The milestones of one container, found among the events of the runtime's
 * process tree inside its span: "start" (t0), "cgroup" (the first cgroup
 * attach of a task of the tree), "namespaces" (the fork of the process that
 * later execs the entrypoint: by then its namespaces exist), "exec" (the
 * entrypoint's exec), "exit" (the entrypoint's exit) and "end" (t1). Sorted
 * by time, each interval is a phase named "<from>_to_<to>"; the phases of a
 * container add up to t1 - t0 by construction.
 *
 * events: ctrlife's events_list (any order). entry: the entrypoint path as
 * exec saw it ("/bin/true"). Returns
 * {"containers", "complete", "phases": {name: {n, mean, p50, p90, p99, max,
 *  share}}, "order": [...], "sum_of_phase_means_ns", "total_mean_ns",
 *  "dominant", "dominant_share"} or NULL (ENOMEM). A container missing a
 * milestone (lost events) only counts in "containers".
 */
json_t *ctr_phases(const json_t *events, const struct ctr_span *spans, size_t n, const char *entry);

#endif
