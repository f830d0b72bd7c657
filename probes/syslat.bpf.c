/* syslat.bpf.c - per-syscall latency from raw_syscalls sys_enter/sys_exit, in the three rungs. */
#include "probes/np_bpf.h"
#include "probes/syslat.h"

NP_L2HISTS(SYSLAT_MAX_SYSCALLS)

/* A thread's syscall in flight: ts 0 once its exit has been recorded. */
struct start {
	__u64 ts;
	__u32 id;
};

/* tp_btf: the slot lives with the task, freed with it; nothing to fill up. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct start);
} start_task SEC(".maps");

/*
 * raw_tp and classic: no trusted task pointer, so a hash by pid_tgid. An
 * entry is made on a thread's first syscall and reused (written in place)
 * until the thread exits, so the hot path never allocates; not
 * preallocated, so the tp_btf rung does not pay for it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SYSLAT_MAX_THREADS);
	__type(key, __u64);
	__type(value, struct start);
} start_thread SEC(".maps");

/*
 * Kernels before 5.11 have no task storage (nor bpf_get_current_task_btf):
 * there the loader retypes start_task to a hash nothing uses and sets this,
 * and the tp_btf programs use the raw_tp rung's start_thread hash instead.
 * A rodata constant: the verifier never visits the branch not taken.
 */
const volatile __u8 np_no_task_storage = 0;

/*
 * current is the syscalling task: the cgroup filter works on every rung. An
 * unset filter is a rodata 0 and the verifier drops its test.
 */
static __always_inline int wanted(void)
{
	if (np_filter_cgid && bpf_get_current_cgroup_id() != np_filter_cgid)
		return 0;
	return np_in_tree(bpf_get_current_pid_tgid() >> 32);
}

/* Record and clear a slot; a tracked thread's exit with no enter is missed. */
static __always_inline void slot_exit(struct start *s)
{
	__u64 ts = s->ts;

	if (!ts) {
		np_count(NP_CNT_MISSED);
		return;
	}
	s->ts = 0;
	np_l2record(s->id, bpf_ktime_get_ns() - ts);
}

static __always_inline void thread_enter(long id)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct start *s, init = { 0 };

	if (!wanted())
		return;
	s = bpf_map_lookup_elem(&start_thread, &key);
	if (s) {
		s->id = (__u32)id;
		s->ts = bpf_ktime_get_ns();
		return;
	}
	init.id = (__u32)id;
	init.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&start_thread, &key, &init, BPF_NOEXIST))
		np_count(NP_CNT_MAP_FULL);
}

static __always_inline void thread_exit(void)
{
	__u64 key = bpf_get_current_pid_tgid();
	struct start *s = bpf_map_lookup_elem(&start_thread, &key);

	/* no entry: a thread outside the filter, or in a syscall since before attach */
	if (s)
		slot_exit(s);
}

/*
 * exit and exit_group never reach sys_exit: the thread's entry goes with it.
 * (A non-leader thread's execve takes the leader's pid: that execve goes
 * unrecorded and its entry stays under the old key, one per such exec.)
 */
static __always_inline void thread_gone(void)
{
	__u64 key = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&start_thread, &key);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(btf_sys_enter, struct pt_regs *regs, long id)
{
	struct start *s;

	if (np_no_task_storage) {
		thread_enter(id);
		return 0;
	}
	if (!wanted())
		return 0;
	s = bpf_task_storage_get(&start_task, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		np_count(NP_CNT_MAP_FULL);
		return 0;
	}
	s->id = (__u32)id;
	/* last: the program's own time stays out of the latency */
	s->ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_sys_exit, struct pt_regs *regs, long ret)
{
	struct start *s;

	if (np_no_task_storage) {
		thread_exit();
		return 0;
	}
	/* no storage: a task the filter left out; no clock read for it */
	s = bpf_task_storage_get(&start_task, bpf_get_current_task_btf(), 0, 0);
	if (s)
		slot_exit(s);
	return 0;
}

/* only loaded without task storage (the loader's _nots rule): start_thread's entry goes with the thread */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(btf_exit_nots, struct task_struct *p)
{
	thread_gone();
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(raw_sys_enter, struct pt_regs *regs, long id)
{
	thread_enter(id);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(raw_sys_exit, struct pt_regs *regs, long ret)
{
	thread_exit();
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_exit, struct task_struct *p)
{
	thread_gone();
	return 0;
}

SEC("tp/raw_syscalls/sys_enter")
int tp_sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	/* one load: the verifier refuses a second one through an offset ctx pointer */
	long id = *(volatile long *)&ctx->id;

	thread_enter(id);
	return 0;
}

SEC("tp/raw_syscalls/sys_exit")
int tp_sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	thread_exit();
	return 0;
}

SEC("tp/sched/sched_process_exit")
int tp_exit(void *ctx)
{
	thread_gone();
	return 0;
}

NP_TREE_PROGRAMS
