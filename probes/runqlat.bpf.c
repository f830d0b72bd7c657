/* runqlat.bpf.c - run-queue latency, in the three rungs: tp_btf, raw_tp, classic tracepoint. */
#include "probes/np_bpf.h"
#include "probes/runqlat.h"

NP_HISTS(1)

/* raw_tp and the classic rung have no trusted task pointer: key by pid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} start_pid SEC(".maps");

static __always_inline void pid_enqueue(__u32 pid, __u64 now)
{
	if (bpf_map_update_elem(&start_pid, &pid, &now, BPF_ANY))
		np_count(NP_CNT_MAP_FULL);
}

static __always_inline void pid_run(__u32 pid, __u64 now)
{
	__u64 *ts = bpf_map_lookup_elem(&start_pid, &pid);

	if (!ts)
		return;
	np_record(0, now - *ts);
	bpf_map_delete_elem(&start_pid, &pid);
}


/*
 * tp_btf: the enqueue time lives with the task (task storage): no map to
 * fill up, no hash on the hot path. The scheduler's own sched_info stamps
 * are not used: after a wakeup that preempts (the idle task, say) the kernel
 * skips the rq clock update, and the idle exit would read as zero.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} start_task SEC(".maps");

struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* tp_btf: a direct load through the trusted pointer, no helper call */
static __always_inline long btf_task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return ((struct task_struct___pre514 *)t)->state;
}

static __always_inline int wanted(struct task_struct *t, __u32 tgid)
{
	if (np_filter_cgid && np_task_cgid(t) != np_filter_cgid)
		return 0;
	return np_in_tree(tgid);
}

static __always_inline void btf_enqueue(struct task_struct *p, __u64 now)
{
	__u64 *ts;

	if (!wanted(p, p->tgid))
		return;
	ts = bpf_task_storage_get(&start_task, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		*ts = now;
	else
		np_count(NP_CNT_MAP_FULL);
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
	__u64 now = bpf_ktime_get_ns(), *ts;

	/* preempted: straight back on the run queue */
	if (btf_task_state(prev) == 0)
		btf_enqueue(prev, now);
	ts = bpf_task_storage_get(&start_task, next, 0, 0);
	if (ts && *ts) {
		np_record(0, now - *ts);
		*ts = 0;
	}
	return 0;
}

/* raw_tp: untyped pointers, no task storage: by pid. */
SEC("raw_tp/sched_wakeup")
int BPF_PROG(raw_wakeup, struct task_struct *p)
{
	if (wanted(p, BPF_CORE_READ(p, tgid)))
		pid_enqueue(BPF_CORE_READ(p, pid), bpf_ktime_get_ns());
	return 0;
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(raw_wakeup_new, struct task_struct *p)
{
	if (wanted(p, BPF_CORE_READ(p, tgid)))
		pid_enqueue(BPF_CORE_READ(p, pid), bpf_ktime_get_ns());
	return 0;
}

SEC("raw_tp/sched_switch")
int BPF_PROG(raw_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();

	if (task_state(prev) == 0 && wanted(prev, BPF_CORE_READ(prev, tgid)))
		pid_enqueue(BPF_CORE_READ(prev, pid), now);
	pid_run(BPF_CORE_READ(next, pid), now);
	return 0;
}

/* classic: pids only; the cgroup filter needs a task pointer and is refused here (probe.c) */
SEC("tp/sched/sched_wakeup")
int tp_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	/* one load: the verifier refuses a second one through an offset ctx pointer */
	__u32 pid = *(volatile __u32 *)&ctx->pid;

	if (np_in_tree(pid))
		pid_enqueue(pid, bpf_ktime_get_ns());
	return 0;
}

SEC("tp/sched/sched_wakeup_new")
int tp_wakeup_new(struct trace_event_raw_sched_wakeup_template *ctx)
{
	/* one load: the verifier refuses a second one through an offset ctx pointer */
	__u32 pid = *(volatile __u32 *)&ctx->pid;

	if (np_in_tree(pid))
		pid_enqueue(pid, bpf_ktime_get_ns());
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
		pid_enqueue(prev, now);
	pid_run(next, now);
	return 0;
}

NP_TREE_PROGRAMS
