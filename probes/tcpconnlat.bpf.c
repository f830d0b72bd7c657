/* tcpconnlat.bpf.c - active TCP connect latency from sock:inet_sock_set_state, in the three rungs. */
#include "probes/np_bpf.h"
#include <bpf/bpf_endian.h>
#include "probes/tcpconnlat.h"

NP_HISTS(TCPCONNLAT_NKEYS)
NP_L2HISTS(TCPCONNLAT_MAX_PORTS)

/*
 * The tracepoint fires on every state change of every TCP socket (six to ten
 * per connection, both ends); only the two around SYN_SENT do work, so the
 * state tests come first, before any read of the socket.
 *
 * SYN_SENT is entered in connect() (or a fast-open sendmsg): current is the
 * connecting task, which is what the filters test. SYN_SENT is left in
 * softirq (SYN-ACK, RST) or by a timeout, on any CPU: the end needs no
 * filter, it finds the stamp or not. A simultaneous open (SYN_SENT ->
 * SYN_RECV) drops its stamp unmeasured.
 */
static __always_inline int wanted(void)
{
	if (np_filter_cgid && bpf_get_current_cgroup_id() != np_filter_cgid)
		return 0;
	return np_in_tree(bpf_get_current_pid_tgid() >> 32);
}

/* With a filter, an unstamped end is some other task's connect: not missed. */
static __always_inline void missed(void)
{
	if (!np_filter_cgid && !np_filter_tree)
		np_count(NP_CNT_MISSED);
}

static __always_inline void finish(int newstate, __u16 dport, __u64 delta)
{
	if (newstate == TCP_ESTABLISHED) {
		np_record(TCPCONNLAT_KEY_ALL, delta);
		np_l2record(dport, delta);
	} else if (newstate == TCP_CLOSE) {
		np_record(TCPCONNLAT_KEY_FAILED, delta);
	}
}

/*
 * The stamps of connects in SYN_SENT, keyed by the socket's address, in all
 * three rungs. Socket local storage (bpf_sk_storage_get, allowed in tp_btf)
 * was tried on tp_btf and measured at 260-300 ns/event against 140-160 with
 * this table, under a loopback connect loop: it allocates per socket, and
 * frees at socket destruction, outside the program's accounting. Every exit
 * from SYN_SENT goes through the tracepoint (established, or CLOSE on
 * refusal, timeout, abort, or a failed connect()), so entries do not leak.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TCPCONNLAT_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, __u64);
} start_addr SEC(".maps");

static __always_inline void addr_stamp(__u64 sk)
{
	__u64 now = bpf_ktime_get_ns();

	/* a stale entry of a freed socket at the same address is overwritten */
	if (bpf_map_update_elem(&start_addr, &sk, &now, BPF_ANY))
		np_count(NP_CNT_MAP_FULL);
}

/* The time since the stamp, the stamp removed; 0: none. */
static __always_inline __u64 addr_take(__u64 sk)
{
	__u64 *ts = bpf_map_lookup_elem(&start_addr, &sk), delta;

	if (!ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&start_addr, &sk);
	return delta ? delta : 1;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(btf_set_state, const struct sock *sk, int oldstate, int newstate)
{
	__u64 delta;

	if (newstate == TCP_SYN_SENT) {
		if (sk->sk_protocol == IPPROTO_TCP && wanted())
			addr_stamp((__u64)sk);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT)
		return 0;
	delta = addr_take((__u64)sk);
	if (!delta) {
		if (sk->sk_protocol == IPPROTO_TCP)
			missed();
		return 0;
	}
	finish(newstate, bpf_ntohs(sk->__sk_common.skc_dport), delta);
	return 0;
}

/* raw_tp: the same, through untyped pointers */
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(raw_set_state, const struct sock *sk, int oldstate, int newstate)
{
	__u64 delta;

	if (newstate == TCP_SYN_SENT) {
		if (BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP && wanted())
			addr_stamp((__u64)sk);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT)
		return 0;
	delta = addr_take((__u64)sk);
	if (!delta) {
		if (BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP)
			missed();
		return 0;
	}
	finish(newstate, bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)), delta);
	return 0;
}

/* classic: the event has the socket's address and ports */
SEC("tp/sock/inet_sock_set_state")
int tp_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	/* one load each: the verifier refuses a second one through an offset ctx pointer */
	int oldstate = *(volatile int *)&ctx->oldstate, newstate = *(volatile int *)&ctx->newstate;
	__u64 sk, delta;
	__u16 protocol;

	if (newstate != TCP_SYN_SENT && oldstate != TCP_SYN_SENT)
		return 0;
	protocol = *(volatile __u16 *)&ctx->protocol;
	sk = (__u64)*(const void *volatile *)&ctx->skaddr;
	if (newstate == TCP_SYN_SENT) {
		if (protocol == IPPROTO_TCP && wanted())
			addr_stamp(sk);
		return 0;
	}
	delta = addr_take(sk);
	if (!delta) {
		if (protocol == IPPROTO_TCP)
			missed();
		return 0;
	}
	/* the classic event's ports are already in host order */
	finish(newstate, *(volatile __u16 *)&ctx->dport, delta);
	return 0;
}

NP_TREE_PROGRAMS
