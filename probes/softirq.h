/* softirq.h - time spent in each softirq vector, softirq_entry to softirq_exit on the same CPU. */
#ifndef NP_SOFTIRQ_H
#define NP_SOFTIRQ_H

/*
 * One distribution per vector (include/linux/interrupt.h, in its order), the
 * time one run of the vector's handler took, system-wide:
 *   hi        HI_SOFTIRQ: high-priority tasklets
 *   timer     TIMER_SOFTIRQ: expired timer-wheel timers
 *   net_tx    NET_TX_SOFTIRQ: transmit completions, qdisc runs
 *   net_rx    NET_RX_SOFTIRQ: NAPI polls, receive processing (loopback too)
 *   block     BLOCK_SOFTIRQ: block I/O completions done in softirq
 *   irq_poll  IRQ_POLL_SOFTIRQ: irq_poll (some storage drivers)
 *   tasklet   TASKLET_SOFTIRQ: normal tasklets
 *   sched     SCHED_SOFTIRQ: load balancing
 *   hrtimer   HRTIMER_SOFTIRQ: hrtimers marked to expire in softirq
 *   rcu       RCU_SOFTIRQ: RCU callbacks
 * Counter missed: an exit without its entry (attached while a softirq ran).
 * Vectors do not nest on one CPU, so one start time per CPU is enough.
 */
#define SOFTIRQ_NR_VECS		10
#define SOFTIRQ_KEYS		{ "hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu" }
#define SOFTIRQ_TRACEPOINTS	"irq:softirq_entry irq:softirq_exit"

#endif
