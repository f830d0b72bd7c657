/* tcprtt.bpf.c - TCP smoothed RTT from tcp:tcp_probe, in the three rungs. */
#include "probes/np_bpf.h"
#include <bpf/bpf_endian.h>
#include "probes/tcprtt.h"

NP_HISTS(TCPRTT_NKEYS)
NP_L2HISTS(TCPRTT_MAX_PORTS)

/*
 * tcp_probe fires on every segment an established socket receives, on the
 * receive fast path: this is the hot path of bulk transfers, so no state,
 * no clock: reads of socket fields the stack has just touched and two
 * per-CPU histogram updates. Measured on a 1 GiB/s loopback transfer (64 KiB
 * segments, 20-50k events/s, so caches are cold at each event): 230-490
 * ns/event, of which 80-160 is the floor (context, socket reads) and ~130
 * the per-port hash update.
 */
static __always_inline void record(__u64 ns, __u16 lport, __u16 rport)
{
	__u16 port = lport < rport ? lport : rport;

	if (!ns)
		return;
	np_record(TCPRTT_KEY_ALL, ns);
	if (port)
		np_l2record(port, ns);
}

/* tcp_sock's srtt_us is the smoothed RTT in microseconds << 3: * 1000 >> 3 is * 125 */
#define SRTT_NS(srtt_us) ((__u64)(srtt_us) * 125)

SEC("tp_btf/tcp_probe")
int BPF_PROG(btf_probe, struct sock *sk, const struct sk_buff *skb)
{
	/* a typed, checked tcp_sock: its fields are then plain loads */
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

	if (!tp)
		return 0;
	record(SRTT_NS(tp->srtt_us), sk->__sk_common.skc_num, bpf_ntohs(sk->__sk_common.skc_dport));
	return 0;
}

SEC("raw_tp/tcp_probe")
int BPF_PROG(raw_probe, struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	record(SRTT_NS(BPF_CORE_READ(tp, srtt_us)), BPF_CORE_READ(sk, __sk_common.skc_num),
	       bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)));
	return 0;
}

SEC("tp/tcp/tcp_probe")
int tp_probe(struct trace_event_raw_tcp_probe *ctx)
{
	/* one load each: the verifier refuses a second one through an offset ctx pointer */
	__u32 srtt_us = *(volatile __u32 *)&ctx->srtt;
	/* the classic event's srtt is already shifted to whole microseconds, its ports in host order */
	record((__u64)srtt_us * 1000, *(volatile __u16 *)&ctx->sport, *(volatile __u16 *)&ctx->dport);
	return 0;
}
