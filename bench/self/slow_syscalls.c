/* slow_syscalls.c - run a command under a seccomp filter of N instructions. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The kernel's limits: BPF_MAXINSNS per filter, MAX_INSNS_PER_PATH over a stack (each filter costs
 * 4 more). */
#define PER_FILTER 4096
#define PER_PATH   32768

/*
 * Every syscall of the command, its threads and children first runs the
 * filters: loads of the first argument, then allow - the work a container's
 * seccomp profile adds, turned up to a chosen size. The loads read an
 * argument, not the syscall number, because the kernel caches filters whose
 * verdict depends on the number alone and would then skip running them.
 */
static int install(long insns)
{
	struct sock_filter f[PER_FILTER];
	struct sock_fprog prog = { .len = (unsigned short)insns, .filter = f };
	long i;

	for (i = 0; i < insns - 1; i++)
		f[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						    offsetof(struct seccomp_data, args[0]));
	f[insns - 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

int main(int argc, char **argv)
{
	long n, chunk;
	char *end;

	if (argc < 3) {
		fprintf(stderr, "usage: slow_syscalls INSNS COMMAND [ARG...]   (INSNS 2..%d)\n",
			PER_PATH / 2);
		return 2;
	}
	n = strtol(argv[1], &end, 10);
	if (*end || n < 2 || n > PER_PATH / 2) {
		fprintf(stderr, "slow_syscalls: INSNS must be 2..%d, not '%s'\n", PER_PATH / 2,
			argv[1]);
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		perror("slow_syscalls: PR_SET_NO_NEW_PRIVS");
		return 1;
	}
	for (; n > 0; n -= chunk) {
		chunk = n > PER_FILTER ? PER_FILTER : n < 2 ? 2 : n;
		if (install(chunk)) {
			perror("slow_syscalls: PR_SET_SECCOMP");
			return 1;
		}
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "slow_syscalls: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
