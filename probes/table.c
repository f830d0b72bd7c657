/* table.c - the probe table: adding a probe is <name>.bpf.c + <name>.h + one line here. */
#include "probes/probe.h"

#include "probes/runqlat.h"
#include "probes/runqlat.skel.h"
#include "probes/syslat.h"
#include "probes/syslat.skel.h"
#include "probes/ctrlife.h"
#include "probes/ctrlife.skel.h"
#include "probes/biolat.h"
#include "probes/biolat.skel.h"
#include "probes/softirq.h"
#include "probes/softirq.skel.h"
#include "probes/tcpconnlat.h"
#include "probes/tcpconnlat.skel.h"
#include "probes/tcprtt.h"
#include "probes/tcprtt.skel.h"

/* Skeleton glue: each generated skeleton has its own type-safe functions. */
#define PROBE_SKEL(id)                                                               \
	static void *id##_open(void)                                                 \
	{                                                                            \
		return id##__open();                                                 \
	}                                                                            \
	static int id##_load(void *s)                                                \
	{                                                                            \
		return id##__load(s);                                                \
	}                                                                            \
	static void id##_destroy(void *s)                                            \
	{                                                                            \
		id##__destroy(s);                                                    \
	}                                                                            \
	static struct bpf_object *id##_object(void *s)                               \
	{                                                                            \
		return ((struct id *)s)->obj;                                        \
	}

#define PROBE(id, text, filt, kind, keys, u)                                         \
	PROBE_SKEL(id)                                                               \
	static const char *const id##_keys[] = keys;                                 \
	static const struct probe_def probe_##id = {                                 \
		.name = #id,                                                         \
		.summary = text,                                                     \
		.tracepoints = id##_tracepoints,                                     \
		.filters = filt,                                                     \
		.key_kind = kind,                                                    \
		.key_names = id##_keys,                                              \
		.nkeys = sizeof(id##_keys) / sizeof(id##_keys[0]),                   \
		.unit = u,                                                           \
		.skel_open = id##_open,                                              \
		.skel_load = id##_load,                                              \
		.skel_destroy = id##_destroy,                                        \
		.skel_object = id##_object,                                          \
	}

static const char runqlat_tracepoints[] = RUNQLAT_TRACEPOINTS;
PROBE(runqlat, "run-queue latency: wakeup or preemption to running", PROBE_FILTER_CGROUP | PROBE_FILTER_TREE,
      NP_KEY_INDEX, RUNQLAT_KEYS, "ns");

static const char syslat_tracepoints[] = SYSLAT_TRACEPOINTS;
PROBE(syslat, "per-syscall latency, sys_enter to sys_exit, by syscall",
      PROBE_FILTER_CGROUP | PROBE_FILTER_CGROUP_CURRENT | PROBE_FILTER_TREE, NP_KEY_SYSCALL, SYSLAT_KEYS, "ns");

static const char biolat_tracepoints[] = BIOLAT_TRACEPOINTS;
PROBE(biolat, "block I/O latency per disk, read/write/other issue to completion, and queue time",
      0, NP_KEY_DEV_OP, BIOLAT_KEYS, "ns");

static const char softirq_tracepoints[] = SOFTIRQ_TRACEPOINTS;
PROBE(softirq, "time per softirq vector, entry to exit", 0, NP_KEY_INDEX, SOFTIRQ_KEYS, "ns");

static const char tcpconnlat_tracepoints[] = TCPCONNLAT_TRACEPOINTS;
PROBE(tcpconnlat, "active TCP connect latency, SYN sent to established, per destination port; failed connects",
      PROBE_FILTER_CGROUP | PROBE_FILTER_CGROUP_CURRENT | PROBE_FILTER_TREE, NP_KEY_PORT, TCPCONNLAT_KEYS, "ns");

static const char ctrlife_tracepoints[] = CTRLIFE_TRACEPOINTS;
PROBE(ctrlife, "process lifecycle events of a process tree: fork, exec, exit, cgroup mkdir and attach",
      PROBE_FILTER_TREE, NP_KEY_INDEX, CTRLIFE_KEYS, "ns");

static const char tcprtt_tracepoints[] = TCPRTT_TRACEPOINTS;
PROBE(tcprtt, "TCP smoothed RTT on each received segment, system-wide and per service port",
      0, NP_KEY_PORT, TCPRTT_KEYS, "ns");

const struct probe_def *const probe_table[] = {
	&probe_runqlat,
	&probe_syslat,
	&probe_ctrlife,
	&probe_biolat,
	&probe_softirq,
	&probe_tcpconnlat,
	&probe_tcprtt,
	NULL,
};
