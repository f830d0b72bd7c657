/* np_common.h - types shared by the BPF side and user space of every probe (no includes). */
#ifndef NP_COMMON_H
#define NP_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "core/hist_scheme.h"

#define NP_TREE_MAX	16384	/* tasks in a pid-tree filter */
#define NP_LOG2_SLOTS	64

/* Same layout as core/hist.h's struct hist: user space merges it directly. */
struct np_hist {
	__u64 count;
	__u64 sum;
	__u64 min;
	__u64 max;
	__u64 buckets[HIST_BUCKETS];
};

/* A power-of-two histogram, where hundreds of keys make loglin too big (syslat). */
struct np_log2 {
	__u64 count;
	__u64 sum;
	__u64 slots[NP_LOG2_SLOTS];	/* slot k: [2^k, 2^(k+1)) ns; slot 0 also 0 */
};

enum np_counter {
	NP_CNT_MAP_FULL,	/* an update found its map full: a sample lost */
	NP_CNT_LOST,		/* ring buffer full: an event lost */
	NP_CNT_MISSED,		/* an end without its start (attached mid-flight) */
	NP_CNT_MAX,
};

/* How user space names the u32 keys of np_khists / np_l2hists. */
enum np_key_kind {
	NP_KEY_INDEX,		/* the probe's name table */
	NP_KEY_DEV_OP,		/* NP_DEV_OP(major, minor, op): "vda.read" */
	NP_KEY_PORT,		/* a TCP port: "port.443" */
	NP_KEY_SYSCALL,		/* a syscall number: "read" */
};

#define NP_DEV_OP(major, minor, op) ((((major) & 0xfff) << 20) | (((minor) & 0xffff) << 4) | ((op) & 0xf))
#define NP_DEV_OP_MAJOR(k) (((k) >> 20) & 0xfff)
#define NP_DEV_OP_MINOR(k) (((k) >> 4) & 0xffff)
#define NP_DEV_OP_OP(k) ((k) & 0xf)

/* One event of a probe's ring buffer (np_events): ctrlife's lifecycle events. */
enum np_event_type {
	NP_EV_FORK = 1,
	NP_EV_EXEC,
	NP_EV_EXIT,
	NP_EV_CGROUP_MKDIR,
	NP_EV_CGROUP_ATTACH,
};

struct np_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 flags;		/* clone flags for fork; exit code for exit */
	__u64 cgroup_id;
	__u32 type;		/* enum np_event_type */
	__u32 pid;
	__u32 tgid;
	__u32 ppid;		/* fork: the child's parent; attach: the moved task */
	char comm[16];
	char path[128];		/* exec filename, cgroup path (cut to fit) */
};

#endif
