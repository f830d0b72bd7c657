/* table.c - the probe table: adding a probe is <name>.bpf.c + <name>.h + one line here. */
#include "probes/probe.h"

#include "probes/runqlat.h"
#include "probes/runqlat.skel.h"

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

const struct probe_def *const probe_table[] = {
	&probe_runqlat,
	NULL,
};
