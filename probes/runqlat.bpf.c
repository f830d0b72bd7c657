/* runqlat.bpf.c - run-queue latency, in the three rungs: tp_btf, raw_tp, classic tracepoint. */
#include "probes/np_bpf.h"
#include "probes/runqlat.h"

NP_HISTS(1)

/*
 * When each thread became runnable, indexed by its pid: an array sized to
 * kernel.pid_max by probe.c (8 bytes a pid: 32 MiB at AKS's 4194304). An
 * array slot is one inlined lookup and one cache line, where task storage
 * (a lock and two lines) or a hash cost 30-50 ns more per event on this CI's
 * VM; it cannot fill up, and a stale stamp of an exited thread is overwritten
 * by the next wakeup of whoever reuses its pid. The scheduler's own
 * sched_info.last_queued is not used: after a wakeup that preempts the idle
 * task the kernel skips the rq clock update, so idle exits read as zero.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);		/* set to pid_max before load */
	__type(key, __u32);
	__type(value, __u64);
} np_by_pid SEC(".maps");

static __always_inline void stamp(__u32 pid, __u64 now)
{
	__u64 *ts = bpf_map_lookup_elem(&np_by_pid, &pid);

	if (ts)
		*ts = now;
}

static __always_inline void ran(__u32 pid, __u64 now)
{
	__u64 *ts = bpf_map_lookup_elem(&np_by_pid, &pid);

	if (!ts || !*ts)
		return;
	np_record(0, now - *ts);
	*ts = 0;
}

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

static __always_inline int wanted(struct task_struct *t, __u32 tgid)
{
	if (np_filter_cgid && np_task_cgid(t) != np_filter_cgid)
		return 0;
	return np_in_tree(tgid);
}

/* --- tp_btf: direct loads through trusted pointers --- */

static __always_inline void btf_enqueue(struct task_struct *p, __u64 now)
{
	if (wanted(p, p->tgid))
		stamp(p->pid, now);
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(btf_wakeup, struct task_struct *p)
{
	btf_enqueue(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(btf_wakeup_new, struct task_struct *p)
{
	btf_enqueue(p, bpf_ktime_get_ns());
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();
	long state;

	if (bpf_core_field_exists(prev->__state))
		state = prev->__state;
	else
		state = ((struct task_struct___pre514 *)prev)->state;
	/* preempted: straight back on the run queue */
	if (state == 0)
		btf_enqueue(prev, now);
	/* a filtered-out task was never stamped: ran() finds nothing */
	ran(next->pid, now);
	return 0;
}

/* --- raw_tp: the same arguments, untyped --- */

SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_wakeup, struct task_struct *p)
{
	if (wanted(p, BPF_CORE_READ(p, tgid)))
		stamp(BPF_CORE_READ(p, pid), bpf_ktime_get_ns());
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_wakeup_new, struct task_struct *p)
{
	if (wanted(p, BPF_CORE_READ(p, tgid)))
		stamp(BPF_CORE_READ(p, pid), bpf_ktime_get_ns());
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();

	if (task_state(prev) == 0 && wanted(prev, BPF_CORE_READ(prev, tgid)))
		stamp(BPF_CORE_READ(prev, pid), now);
	ran(BPF_CORE_READ(next, pid), now);
	return 0;
}

/* --- classic: pids only; the cgroup filter needs a task pointer and is refused here (probe.c) --- */

SEC("tp/sched/sched_wakeup")
int tp_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	/* one load: the verifier refuses a second one through an offset ctx pointer */
	__u32 pid = *(volatile __u32 *)&ctx->pid;

	if (np_in_tree(pid))
		stamp(pid, bpf_ktime_get_ns());
	return 0;
}

SEC("tp/sched/sched_wakeup_new")
int tp_wakeup_new(struct trace_event_raw_sched_wakeup_template *ctx)
{
	__u32 pid = *(volatile __u32 *)&ctx->pid;

	if (np_in_tree(pid))
		stamp(pid, bpf_ktime_get_ns());
	return 0;
}

SEC("tp/sched/sched_switch")
int tp_switch(struct trace_event_raw_sched_switch *ctx)
{
	__u32 prev = *(volatile __u32 *)&ctx->prev_pid, next = *(volatile __u32 *)&ctx->next_pid;
	long state = *(volatile long *)&ctx->prev_state;
	__u64 now = bpf_ktime_get_ns();

	/* no sleeping bit (the preempted flag sits above them): still runnable */
	if (!(state & 0x7f) && prev && np_in_tree(prev))
		stamp(prev, now);
	ran(next, now);
	return 0;
}

NP_TREE_PROGRAMS
