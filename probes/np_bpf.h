/* np_bpf.h - what every probe's BPF side shares: histograms, counters, filters, rung macros. */
#ifndef NP_BPF_H
#define NP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "core/hist_scheme.h"
#include "probes/np_common.h"

char LICENSE[] SEC("license") = "GPL";

/* Filters, set by user space before load (probes/probe.c). */
const volatile __u64 np_filter_cgid = 0;	/* cgroup v2 id; 0: all */
const volatile __u32 np_filter_tree = 0;	/* root tgid of a pid tree; 0: all */

/* Lost events, full maps, dropped samples: counted, never hidden. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} np_counters SEC(".maps");

/* The pid tree of np_filter_tree: seeded by user space, grown on fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_TREE_MAX);
	__type(key, __u32);
	__type(value, __u8);
} np_tree SEC(".maps");

static __always_inline void np_count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&np_counters, &which);

	if (c)
		(*c)++;
}

static __always_inline __u32 np_log2(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

/* core/hist.h's hist_record, for a per-CPU copy (no atomics needed). */
static __always_inline void np_hist_add(struct np_hist *h, __u64 v)
{
	__u32 idx;

	if (v < 2 * HIST_SUB) {
		idx = (__u32)v;
	} else if (v >= HIST_MAX_VALUE) {
		idx = HIST_BUCKETS - 1;
	} else {
		__u32 err = np_log2(v) - HIST_SUB_BITS;

		idx = ((err + 1) << HIST_SUB_BITS) + (__u32)((v >> err) & (HIST_SUB - 1));
	}
	idx &= HIST_BUCKETS - 1;
	h->buckets[idx]++;
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
}


/*
 * The maps a probe declares, by name, so that probes/probe.c finds them:
 * NP_HISTS(n)      np_hists: per-CPU array of n loglin histograms, fixed keys
 * NP_KHISTS(n)     np_khists: per-CPU hash u32 -> loglin histogram, keys
 *                  named by the probe's np_key_kind, allocated on first use
 * NP_L2HISTS(n)    np_l2hists: the same with power-of-two histograms
 * NP_EVENTS(bytes) np_events: a ring buffer of struct np_event
 */
#define NP_HISTS(n)                                                 \
	struct {                                                    \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);            \
		__uint(max_entries, n);                             \
		__type(key, __u32);                                 \
		__type(value, struct np_hist);                      \
	} np_hists SEC(".maps");                                    \
	static __always_inline void np_record(__u32 key, __u64 v)   \
	{                                                           \
		struct np_hist *h = bpf_map_lookup_elem(&np_hists, &key); \
		if (h)                                              \
			np_hist_add(h, v);                          \
	}

#define NP_KHISTS(n)                                                \
	struct {                                                    \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);             \
		__uint(map_flags, BPF_F_NO_PREALLOC);               \
		__uint(max_entries, n);                             \
		__type(key, __u32);                                 \
		__type(value, struct np_hist);                      \
	} np_khists SEC(".maps");                                   \
	static struct np_hist np_zero_hist;                         \
	static __always_inline void np_krecord(__u32 key, __u64 v)  \
	{                                                           \
		struct np_hist *h = bpf_map_lookup_elem(&np_khists, &key); \
		if (!h) {                                           \
			if (bpf_map_update_elem(&np_khists, &key, &np_zero_hist, BPF_NOEXIST) == -7) \
				np_count(NP_CNT_MAP_FULL);          \
			h = bpf_map_lookup_elem(&np_khists, &key);  \
		}                                                   \
		if (h)                                              \
			np_hist_add(h, v);                          \
	}

#define NP_L2HISTS(n)                                               \
	struct {                                                    \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);             \
		__uint(map_flags, BPF_F_NO_PREALLOC);               \
		__uint(max_entries, n);                             \
		__type(key, __u32);                                 \
		__type(value, struct np_log2);                      \
	} np_l2hists SEC(".maps");                                  \
	static struct np_log2 np_zero_log2;                         \
	static __always_inline void np_l2record(__u32 key, __u64 v) \
	{                                                           \
		struct np_log2 *h = bpf_map_lookup_elem(&np_l2hists, &key); \
		if (!h) {                                           \
			if (bpf_map_update_elem(&np_l2hists, &key, &np_zero_log2, BPF_NOEXIST) == -7) \
				np_count(NP_CNT_MAP_FULL);          \
			h = bpf_map_lookup_elem(&np_l2hists, &key); \
		}                                                   \
		if (h) {                                            \
			h->slots[np_log2(v) & (NP_LOG2_SLOTS - 1)]++; \
			h->count++;                                 \
			h->sum += v;                                \
		}                                                   \
	}

#define NP_EVENTS(bytes)                                            \
	struct {                                                    \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                 \
		__uint(max_entries, bytes);                         \
	} np_events SEC(".maps");                                   \
	/* NULL (and counted as lost) when the buffer is full */  \
	static __always_inline struct np_event *np_event_reserve(void) \
	{                                                           \
		struct np_event *e = bpf_ringbuf_reserve(&np_events, sizeof(*e), 0); \
		if (!e)                                             \
			np_count(NP_CNT_LOST);                      \
		return e;                                           \
	}                                                           \
	/* waking the reader costs ~20 us an event on a VM: user   \
	 * space drains every 50 ms; wake it only past half full */ \
	static __always_inline void np_event_submit(struct np_event *e) \
	{                                                           \
		__u64 used = bpf_ringbuf_query(&np_events, BPF_RB_AVAIL_DATA); \
		bpf_ringbuf_submit(e, used > (bytes) / 2 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP); \
	}

static __always_inline int np_in_tree(__u32 tgid)
{
	if (!np_filter_tree)
		return 1;
	return bpf_map_lookup_elem(&np_tree, &tgid) != NULL;
}

static __always_inline void np_tree_fork(__u32 parent_tgid, __u32 child_tgid)
{
	__u8 one = 1;

	if (!np_filter_tree || parent_tgid == child_tgid)
		return;
	if (bpf_map_lookup_elem(&np_tree, &parent_tgid) &&
	    bpf_map_update_elem(&np_tree, &child_tgid, &one, BPF_NOEXIST) == -7 /* -E2BIG */)
		np_count(NP_CNT_MAP_FULL);
}

/*
 * The pid-tree filter's fork hook, in the three rungs. Programs named
 * "*tree*" are only loaded when a pid filter is set (probes/probe.c).
 */
#define NP_TREE_PROGRAMS                                                                 \
	SEC("tp_btf/sched_process_fork")                                                 \
	int BPF_PROG(btf_tree_fork, struct task_struct *parent, struct task_struct *child) \
	{                                                                                \
		np_tree_fork(parent->tgid, child->tgid);                                 \
		return 0;                                                                \
	}                                                                                \
	SEC("raw_tp/sched_process_fork")                                                 \
	int BPF_PROG(raw_tree_fork, struct task_struct *parent, struct task_struct *child) \
	{                                                                                \
		np_tree_fork(BPF_CORE_READ(parent, tgid), BPF_CORE_READ(child, tgid));   \
		return 0;                                                                \
	}                                                                                \
	SEC("tp/sched/sched_process_fork")                                               \
	int tp_tree_fork(struct trace_event_raw_sched_process_fork *ctx)                 \
	{                                                                                \
		/* the classic event has pids only: a new thread's pid is not a tgid, */ \
		/* but then its tgid is its parent's, already in the tree */              \
		np_tree_fork(bpf_get_current_pid_tgid() >> 32, (__u32)ctx->child_pid);    \
		return 0;                                                                \
	}

/* A task's cgroup v2 id (works on hybrid hosts: the unified hierarchy). */
static __always_inline __u64 np_task_cgid(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

#endif
