/* softirq.bpf.c - time per softirq vector, in the three rungs: tp_btf, raw_tp, classic tracepoint. */
#include "probes/np_bpf.h"
#include "probes/softirq.h"

NP_HISTS(SOFTIRQ_NR_VECS)

/* When this CPU entered its softirq; 0: not in one we saw start. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

static __always_inline void on_entry(void)
{
	__u32 zero = 0;
	__u64 *ts = bpf_map_lookup_elem(&start, &zero);

	if (ts)
		*ts = bpf_ktime_get_ns();
}

static __always_inline void on_exit(__u32 vec)
{
	__u32 zero = 0;
	__u64 *ts = bpf_map_lookup_elem(&start, &zero);

	if (!ts)
		return;
	if (!*ts) {
		np_count(NP_CNT_MISSED);
		return;
	}
	/* a vector this table does not name (a newer kernel's) is not recorded */
	if (vec < SOFTIRQ_NR_VECS)
		np_record(vec, bpf_ktime_get_ns() - *ts);
	*ts = 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(btf_sirq_entry, unsigned int vec)
{
	on_entry();
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(btf_sirq_exit, unsigned int vec)
{
	on_exit(vec);
	return 0;
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(raw_sirq_entry, unsigned int vec)
{
	on_entry();
	return 0;
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(raw_sirq_exit, unsigned int vec)
{
	on_exit(vec);
	return 0;
}

SEC("tp/irq/softirq_entry")
int tp_sirq_entry(struct trace_event_raw_softirq *ctx)
{
	on_entry();
	return 0;
}

SEC("tp/irq/softirq_exit")
int tp_sirq_exit(struct trace_event_raw_softirq *ctx)
{
	/* read once: the verifier refuses a second load through an offset ctx pointer */
	on_exit(*(volatile __u32 *)&ctx->vec);
	return 0;
}
