/* runqlat.h - run-queue latency: a task's wakeup (or preemption) to it running again. */
#ifndef NP_RUNQLAT_H
#define NP_RUNQLAT_H

/* One distribution: every task, or the tasks of the filtered cgroup / pid tree. */
#define RUNQLAT_KEYS		{ "all" }
#define RUNQLAT_TRACEPOINTS	"sched:sched_switch sched:sched_wakeup sched:sched_wakeup_new"

#endif
