/* syslat.h - per-syscall latency: raw_syscalls sys_enter to sys_exit of the same thread. */
#ifndef NP_SYSLAT_H
#define NP_SYSLAT_H

/*
 * Keys are syscall numbers (NP_KEY_SYSCALL), named by user space; each one
 * is a power-of-two histogram of enter -> exit in ns, with n and sum (total
 * time in that syscall). Every task, or those of the filtered cgroup or
 * pid tree.
 * Syscalls that never return (exit, exit_group) have no sample; missed
 * counts an exit of a tracked thread without its enter.
 */
#define SYSLAT_KEYS		{ "all" }	/* unused: keys are NP_KEY_SYSCALL */
#define SYSLAT_TRACEPOINTS	"raw_syscalls:sys_enter raw_syscalls:sys_exit sched:sched_process_exit"
/* distinct syscall numbers kept: every x86_64 / arm64 syscall fits; probe.c reads up to 512 keys */
#define SYSLAT_MAX_SYSCALLS	512
/* live threads tracked (raw_tp and classic rungs: a hash entry per thread) */
#define SYSLAT_MAX_THREADS	65536

#endif
