/* ctrlife.bpf.c - process lifecycle events of a process tree through a ring buffer, in the three rungs. */
#include "probes/np_bpf.h"
#include "probes/ctrlife.h"

NP_EVENTS(CTRLIFE_RINGBUF_BYTES)

/* The bytes of a __data_loc field of a classic event: offset in the low 16 bits. */
#define DATA_LOC(ctx, loc) ((const void *)(ctx) + ((loc) & 0xffff))

/* Reserve and fill the fields every event has; NULL when the buffer is full (counted). */
static __always_inline struct np_event *ev_new(__u32 type, __u32 pid, __u32 tgid, __u32 ppid, __u64 flags,
					       __u64 cgid)
{
	struct np_event *e = np_event_reserve();

	if (!e)
		return NULL;
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->pid = pid;
	e->tgid = tgid;
	e->ppid = ppid;
	e->flags = flags;
	e->cgroup_id = cgid;
	/* ring buffer memory is not zeroed: comm is padded by the helper */
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->path[0] = '\0';
	return e;
}

/*
 * fork: in the new task's creator, before the new task can run: adding the
 * child to the tree here makes its exec visible. This is the probe's only
 * fork hook (no NP_TREE_PROGRAMS): the event and the tree see the same fork.
 */
static __always_inline void on_fork(__u32 pid, __u32 tgid, __u64 flags, __u64 cgid)
{
	__u32 creator = bpf_get_current_pid_tgid() >> 32;
	struct np_event *e;

	if (!np_in_tree(creator))
		return;
	np_tree_fork(creator, tgid);
	e = ev_new(NP_EV_FORK, pid, tgid, creator, flags, cgid);
	if (e)
		np_event_submit(e);
}

/* exec and exit: the subject is current */
static __always_inline void on_task(__u32 type, struct task_struct *t, const void *path)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);
	struct np_event *e;

	if (!np_in_tree(tgid))
		return;
	e = ev_new(type, BPF_CORE_READ(t, pid), tgid, BPF_CORE_READ(t, real_parent, tgid),
		   type == NP_EV_EXIT ? (__u64)BPF_CORE_READ(t, exit_code) : 0, bpf_get_current_cgroup_id());
	if (!e)
		return;
	if (path)
		bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
	np_event_submit(e);
}

/*
 * An exited thread group leaves the tree: the map stays bounded and a reused
 * pid is not taken for a member. signal->live reached 0 before the
 * tracepoint, on every kernel (newer ones pass it as group_dead).
 */
static __always_inline void tree_exit(struct task_struct *t)
{
	__u32 tgid;

	if (!np_filter_tree || BPF_CORE_READ(t, signal, live.counter))
		return;
	tgid = BPF_CORE_READ(t, tgid);
	bpf_map_delete_elem(&np_tree, &tgid);
}

static __always_inline void on_exit(struct task_struct *t)
{
	on_task(NP_EV_EXIT, t, NULL);
	tree_exit(t);
}

/* mkdir by a task of the tree; attach when the mover or the moved task is in it */
static __always_inline void on_cgroup(__u32 type, __u32 moved_pid, __u32 moved_tgid, __u64 cgid,
				      __u64 hierarchy, const void *path)
{
	__u64 cur = bpf_get_current_pid_tgid();
	struct np_event *e;

	if (!np_in_tree(cur >> 32) && (type != NP_EV_CGROUP_ATTACH || !np_in_tree(moved_tgid)))
		return;
	e = ev_new(type, (__u32)cur, cur >> 32, moved_pid, hierarchy, cgid);
	if (!e)
		return;
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), path);
	np_event_submit(e);
}

static __always_inline __u64 cgrp_id(struct cgroup *cg)
{
	return BPF_CORE_READ(cg, kn, id);
}

static __always_inline __u64 cgrp_hierarchy(struct cgroup *cg)
{
	return (__u64)BPF_CORE_READ(cg, root, hierarchy_id);
}

/* --- tp_btf --- */

SEC("tp_btf/task_newtask")
int BPF_PROG(btf_newtask, struct task_struct *task, __u64 clone_flags)
{
	on_fork(task->pid, task->tgid, clone_flags, np_task_cgid(task));
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(btf_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	on_task(NP_EV_EXEC, p, bprm->filename);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(btf_exit, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(btf_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	on_cgroup(NP_EV_CGROUP_MKDIR, 0, 0, cgrp_id(cgrp), cgrp_hierarchy(cgrp), path);
	return 0;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(btf_cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task, bool threadgroup)
{
	on_cgroup(NP_EV_CGROUP_ATTACH, task->pid, task->tgid, cgrp_id(dst), cgrp_hierarchy(dst), path);
	return 0;
}

/* --- raw_tp: the same arguments, untyped --- */

SEC("raw_tp/task_newtask")
int BPF_PROG(raw_newtask, struct task_struct *task, __u64 clone_flags)
{
	on_fork(BPF_CORE_READ(task, pid), BPF_CORE_READ(task, tgid), clone_flags, np_task_cgid(task));
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(raw_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	on_task(NP_EV_EXEC, p, BPF_CORE_READ(bprm, filename));
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_exit, struct task_struct *p)
{
	on_exit(p);
	return 0;
}

SEC("raw_tp/cgroup_mkdir")
int BPF_PROG(raw_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	on_cgroup(NP_EV_CGROUP_MKDIR, 0, 0, cgrp_id(cgrp), cgrp_hierarchy(cgrp), path);
	return 0;
}

SEC("raw_tp/cgroup_attach_task")
int BPF_PROG(raw_cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task, bool threadgroup)
{
	on_cgroup(NP_EV_CGROUP_ATTACH, BPF_CORE_READ(task, pid), BPF_CORE_READ(task, tgid), cgrp_id(dst),
		  cgrp_hierarchy(dst), path);
	return 0;
}

/*
 * classic: the events' own fields, each read once into a local (the verifier
 * refuses a second load through an offset ctx pointer); the subject of exec,
 * exit and mkdir is current.
 */

SEC("tp/task/task_newtask")
int tp_newtask(struct trace_event_raw_task_newtask *ctx)
{
	__u32 pid = *(volatile pid_t *)&ctx->pid;
	__u64 flags = *(volatile __u64 *)&ctx->clone_flags;
	__u32 creator = bpf_get_current_pid_tgid() >> 32;

	/* no pointer to the new task: its tgid and cgroup follow from the flags */
	on_fork(pid, flags & CLONE_THREAD ? creator : pid, flags,
		flags & CLONE_INTO_CGROUP ? 0 : bpf_get_current_cgroup_id());
	return 0;
}

SEC("tp/sched/sched_process_exec")
int tp_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	__u32 loc = *(volatile __u32 *)&ctx->__data_loc_filename;

	on_task(NP_EV_EXEC, (struct task_struct *)bpf_get_current_task(), DATA_LOC(ctx, loc));
	return 0;
}

SEC("tp/sched/sched_process_exit")
int tp_exit(void *ctx)
{
	on_exit((struct task_struct *)bpf_get_current_task());
	return 0;
}

SEC("tp/cgroup/cgroup_mkdir")
int tp_cgroup_mkdir(struct trace_event_raw_cgroup *ctx)
{
	int root = *(volatile int *)&ctx->root;
	__u64 id = *(volatile __u64 *)&ctx->id;
	__u32 loc = *(volatile __u32 *)&ctx->__data_loc_path;

	on_cgroup(NP_EV_CGROUP_MKDIR, 0, 0, id, (__u64)root, DATA_LOC(ctx, loc));
	return 0;
}

SEC("tp/cgroup/cgroup_attach_task")
int tp_cgroup_attach(struct trace_event_raw_cgroup_migrate *ctx)
{
	int root = *(volatile int *)&ctx->dst_root, pid = *(volatile int *)&ctx->pid;
	__u64 id = *(volatile __u64 *)&ctx->dst_id;
	__u32 loc = *(volatile __u32 *)&ctx->__data_loc_dst_path;

	/* the moved task's pid only: a moved process is moved by its leader, pid == tgid */
	on_cgroup(NP_EV_CGROUP_ATTACH, (__u32)pid, (__u32)pid, id, (__u64)root, DATA_LOC(ctx, loc));
	return 0;
}
