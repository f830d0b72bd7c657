/* probe.h - eBPF probes: load with an attach ladder, filter, collect, and measure their own cost. */
#ifndef NP_PROBE_H
#define NP_PROBE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>

#include "core/hist.h"
#include "probes/np_common.h"

struct bpf_object;

/*
 * The rungs of the attach ladder, best first. A probe object carries each of
 * its programs in every rung (names btf_*, raw_*, tp_*); the loader loads
 * and attaches one rung for the whole object and falls to the next when the
 * kernel refuses (no BTF for the tracepoint, verifier, attach). fentry and
 * kprobes are not on the ladder: hardened kernels refuse them.
 */
enum probe_rung {
	PROBE_RUNG_TP_BTF,
	PROBE_RUNG_RAW_TP,
	PROBE_RUNG_TP,
	PROBE_RUNG_COUNT,
};

#define PROBE_FILTER_CGROUP	(1u << 0)
#define PROBE_FILTER_TREE	(1u << 1)
/* the cgroup filter also works on the classic rung (it filters on current) */
#define PROBE_FILTER_CGROUP_CURRENT	(1u << 2)

struct probe_def {
	const char *name;
	const char *summary;
	const char *tracepoints;	/* "sched:sched_switch ...", for list and tracefs */
	unsigned filters;		/* PROBE_FILTER_* it honours */
	enum np_key_kind key_kind;	/* naming of np_khists / np_l2hists keys */
	const char *const *key_names;	/* np_hists (and NP_KEY_INDEX) names */
	unsigned nkeys;
	const char *unit;		/* of the histograms: "ns" */
	/* skeleton glue (PROBE_SKEL in probes/table.c) */
	void *(*skel_open)(void);
	int (*skel_load)(void *skel);
	void (*skel_destroy)(void *skel);
	struct bpf_object *(*skel_object)(void *skel);
};

struct probe_opts {
	const char *cgroup;	/* a cgroup v2 directory; NULL: all */
	pid_t pid;		/* root of a pid tree; 0: all */
	int rung;		/* first rung to try (PROBE_RUNG_*); the ladder goes on below it */
};

struct probe;

extern const struct probe_def *const probe_table[];
const struct probe_def *probe_find(const char *name);
const char *probe_rung_name(enum probe_rung rung);
int probe_rung_parse(const char *name);

/*
 * Whether this process may load probes at all: 0, or -EPERM/-ENOSYS/-ENOENT
 * with a reason in why (not root, BPF refused, no BTF).
 */
int probe_supported(char *why, size_t len);

/*
 * Load and attach. 0, or -errno with why saying what each rung answered.
 * Enables BPF run-time statistics for the probe's life (bpf_enable_stats: the
 * kernel drops them when nodeperf exits, however it exits) and mounts tracefs
 * when the classic rung needs it (unmounted on exit by the sandbox).
 */
int probe_start(const struct probe_def *def, const struct probe_opts *opts, struct probe **out,
		char *why, size_t len);
/* Detach and free; NULL is fine. */
void probe_stop(struct probe *p);

enum probe_rung probe_rung_used(const struct probe *p);

/*
 * What the probe saw, as the result file's probe object:
 * {"name", "attach", "filter", "events", "samples", "cost_ns_per_event",
 *  "programs": [{"name", "run_cnt", "run_time_ns", "cost_ns_per_event"}],
 *  "counters": {"map_full", "lost", "missed"},
 *  "hists": {key: {scheme, buckets..., n, p50, p90, p99, max}},
 *  "events_list": [...] (ring-buffer probes, drained)}.
 * since_last = 0: everything since start; 1: since the previous call with
 * since_last = 1 (an interval). NULL on error (errno set).
 */
json_t *probe_collect(struct probe *p, int since_last);

/* Print a collected object like the classic tools: one bar chart per key. */
void probe_print(const json_t *data, FILE *out);

/*
 * Wait up to timeout_ms for ring-buffer events and queue them for the next
 * collect (probes without a ring buffer just sleep). 0 or -errno.
 */
int probe_poll(struct probe *p, int timeout_ms);

/* This architecture's name of syscall nr ("sys_NR" when unknown). */
void probe_syscall_name(unsigned nr, char *buf, size_t len);

int cmd_probe(int argc, char **argv);

#endif
