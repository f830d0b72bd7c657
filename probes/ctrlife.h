/* ctrlife.h - process lifecycle events of one process tree: fork, exec, exit, cgroup mkdir and attach. */
#ifndef NP_CTRLIFE_H
#define NP_CTRLIFE_H

/*
 * No histograms: one struct np_event per event through the ring buffer
 * (events_list), ts_ns on CLOCK_MONOTONIC. Every task (threads too: pid !=
 * tgid), only the tasks of the pid tree when filtered:
 *   fork           task:task_newtask; pid/tgid the new task, ppid the tgid
 *                  of the task that called fork/clone, flags its clone flags
 *                  (namespaces: CLONE_NEW*), cgroup_id the new task's cgroup
 *                  v2 id (0 on the classic rung with CLONE_INTO_CGROUP)
 *   exec           sched:sched_process_exec; path the file name exec was
 *                  given, ppid the parent process
 *   exit           sched:sched_process_exit; flags the task's exit_code in
 *                  wait(2) form (status << 8, or the killing signal)
 *   cgroup_mkdir   cgroup:cgroup_mkdir by a task of the tree; path within
 *                  its hierarchy, cgroup_id the new cgroup's, flags the
 *                  hierarchy id (0: cgroup v2)
 *   cgroup_attach  cgroup:cgroup_attach_task, the mover or the moved task
 *                  in the tree; pid/tgid the mover, ppid the moved task's
 *                  pid, path and cgroup_id the destination, flags as mkdir
 * Counters: lost = ring buffer full; map_full = the pid tree is full, so a
 * new child's events are not seen.
 */
#define CTRLIFE_KEYS		{ "all" }	/* unused: events only */
#define CTRLIFE_TRACEPOINTS	"task:task_newtask sched:sched_process_exec sched:sched_process_exit " \
				"cgroup:cgroup_mkdir cgroup:cgroup_attach_task"
#define CTRLIFE_RINGBUF_BYTES	(1 << 20)	/* ~8000 events between two polls (50 ms) */

/* uapi <linux/sched.h>, which the BPF side cannot include next to vmlinux.h */
#ifndef CLONE_THREAD
#define CLONE_THREAD		0x00010000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP	0x200000000ULL
#endif

#endif
