/* biolat.bpf.c - block I/O latency per disk and op, in the three rungs: tp_btf, raw_tp, classic tracepoint. */
#include "probes/np_bpf.h"
#include "probes/biolat.h"

NP_KHISTS(BIOLAT_MAX_KEYS)

/* include/linux/blk_types.h: the low REQ_OP_BITS of cmd_flags are the operation */
#define REQ_OP_BITS	8
#define REQ_OP_MASK	((1u << REQ_OP_BITS) - 1)

/*
 * The in-flight table: a request's insert or issue time, found again at
 * completion. Not a BPF hash map, whose update and delete take a bucket lock
 * and move an element off and back onto a free list for every request. This
 * is a set-associative array: the request's identity
 * hashes to a bucket of BIOLAT_WAYS slots in one cache line; array lookups
 * are inlined by the verifier, a slot is claimed with one cmpxchg and freed
 * with one store. Issue and completion often run on different CPUs, so the
 * table is shared, but each request only touches its own bucket.
 * The identity is the request pointer (tp_btf, raw_tp): requests come from
 * preallocated tag pools and are reused, so a slot left behind by a request
 * whose end was never seen is found and reused by that request's next life.
 * The classic rung has no pointer and uses (dev, sector), as the classic tools do.
 */
#define BIOLAT_WAYS		4
#define BIOLAT_BUCKET_BITS	13	/* 8192 buckets, 32768 slots, 512 KiB */

struct biolat_slot {
	__u64 id;	/* 0: free */
	__u64 ts;	/* bpf_ktime_get_ns; low bit set: an insert time, clear: an issue time */
};

struct biolat_bucket {
	struct biolat_slot way[BIOLAT_WAYS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << BIOLAT_BUCKET_BITS);
	__type(key, __u32);
	__type(value, struct biolat_bucket);
} inflight SEC(".maps");

#define TS_INSERT	1ull

/*
 * The low half of a pointer as a number, for the hash. tp_btf hands typed
 * pointers and the verifier refuses arithmetic on them, but lets a program
 * loaded with CAP_PERFMON copy their low 32 bits (a 32-bit move, pinned to
 * registers: without alu32 the compiler never emits one). The identity
 * compared and stored is still the whole pointer.
 */
static __always_inline __u32 ptr_lo32(const void *p)
{
	register const void *in asm("r1") = p;
	register __u64 out asm("r0");

	asm volatile("w0 = w1" : "=r"(out) : "r"(in));
	return (__u32)out;
}

static __always_inline struct biolat_bucket *bucket_of(__u32 h)
{
	/* Fibonacci hashing: the top bits of the 32-bit product mix every bit of h */
	__u32 b = (__u32)(((__u64)h * 0x9E3779B9u) >> (32 - BIOLAT_BUCKET_BITS)) & ((1u << BIOLAT_BUCKET_BITS) - 1);

	return bpf_map_lookup_elem(&inflight, &b);
}

/*
 * Store ts for id; returns the time id held before (0: none). cas is a
 * constant: 0 in the programs for kernels before 5.12, whose verifier refuses
 * any atomic but add (the loader's "nc" twins); there two CPUs claiming the
 * same free way at once is not prevented, one request's stamp is lost.
 */
static __always_inline __u64 slot_put(__u64 id, __u32 h, __u64 ts, int cas)
{
	struct biolat_bucket *b = bucket_of(h);
	__u64 old, oldest = ~0ull;
	int i, victim = 0;

	if (!b)
		return 0;
	for (i = 0; i < BIOLAT_WAYS; i++) {
		if (b->way[i].id == id) {
			old = b->way[i].ts;
			b->way[i].ts = ts;
			return old;
		}
	}
	for (i = 0; i < BIOLAT_WAYS; i++) {
		/* another CPU may claim the same free slot for another request */
		if (cas && !b->way[i].id && !__sync_val_compare_and_swap(&b->way[i].id, 0, id)) {
			b->way[i].ts = ts;
			return 0;
		}
		if (!cas && !b->way[i].id) {
			b->way[i].id = id;
			b->way[i].ts = ts;
			return 0;
		}
	}
	/* full: evict the oldest, most likely a request whose end was never seen */
	for (i = 0; i < BIOLAT_WAYS; i++) {
		if (b->way[i].ts < oldest) {
			oldest = b->way[i].ts;
			victim = i;
		}
	}
	np_count(NP_CNT_MAP_FULL);
	b->way[victim & (BIOLAT_WAYS - 1)].id = id;
	b->way[victim & (BIOLAT_WAYS - 1)].ts = ts;
	return 0;
}

/* Take id's time out of the table; 0 when it is not there. */
static __always_inline __u64 slot_take(__u64 id, __u32 h)
{
	struct biolat_bucket *b = bucket_of(h);
	int i;

	if (!b)
		return 0;
	for (i = 0; i < BIOLAT_WAYS; i++) {
		if (b->way[i].id == id) {
			__u64 ts = b->way[i].ts;

			b->way[i].id = 0;
			return ts;
		}
	}
	return 0;
}

static __always_inline __u32 op_of(__u32 cmd_flags)
{
	__u32 op = cmd_flags & REQ_OP_MASK;

	if (op == REQ_OP_READ)
		return BIOLAT_OP_READ;
	if (op == REQ_OP_WRITE)
		return BIOLAT_OP_WRITE;
	return BIOLAT_OP_OTHER;
}

static __always_inline void on_insert(__u64 id, __u32 h, int cas)
{
	slot_put(id, h, bpf_ktime_get_ns() | TS_INSERT, cas);
}

/* The issue stamp replaces the insert stamp; queue_key is only evaluated after an insert. */
#define ON_ISSUE(id, h, queue_key, cas)                                         \
	do {                                                                    \
		__u64 now_ = bpf_ktime_get_ns() & ~TS_INSERT;                   \
		__u64 then_ = slot_put(id, h, now_, cas);                       \
		if (then_ & TS_INSERT)                                          \
			np_krecord(queue_key, now_ - (then_ & ~TS_INSERT));     \
	} while (0)

#define ON_COMPLETE(id, h, key)                                                 \
	do {                                                                    \
		__u64 then_ = slot_take(id, h);                                 \
		/* no issue seen (before attach), or ended before its issue */  \
		if (!then_ || (then_ & TS_INSERT)) {                            \
			np_count(NP_CNT_MISSED);                                \
			break;                                                  \
		}                                                               \
		np_krecord(key, bpf_ktime_get_ns() - then_);                    \
	} while (0)

/* Older kernels named the disk in the request; q->disk is used where it exists. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/* --- tp_btf: typed pointers, plain loads --- */

static __always_inline __u32 btf_key(struct request *rq, __u32 op)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(rq->q->disk))
		disk = rq->q->disk;
	else
		disk = ((struct request___old *)rq)->rq_disk;
	/* a queue without a disk (passthrough) reads as 0:0 */
	return NP_DEV_OP(disk->major, disk->first_minor, op);
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(btf_insert, struct request *rq)
{
	on_insert((__u64)rq, ptr_lo32(rq), 1);
	return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(btfnc_insert, struct request *rq)
{
	on_insert((__u64)rq, ptr_lo32(rq), 0);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(btf_issue, struct request *rq)
{
	ON_ISSUE((__u64)rq, ptr_lo32(rq), btf_key(rq, BIOLAT_OP_QUEUE), 1);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(btfnc_issue, struct request *rq)
{
	ON_ISSUE((__u64)rq, ptr_lo32(rq), btf_key(rq, BIOLAT_OP_QUEUE), 0);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(btf_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	/* a partial completion: the request goes on */
	if (nr_bytes < rq->__data_len)
		return 0;
	ON_COMPLETE((__u64)rq, ptr_lo32(rq), btf_key(rq, op_of(rq->cmd_flags)));
	return 0;
}

/*
 * The merged-away request is freed without a completion: drop its insert
 * stamp. block_rq_merge exists from 5.11 on: before, the loader leaves these
 * programs out (optional_tp_missing) and a merged-away stamp waits for eviction.
 */
SEC("tp_btf/block_rq_merge")
int BPF_PROG(btf_merge, struct request *rq)
{
	slot_take((__u64)rq, ptr_lo32(rq));
	return 0;
}

/* --- raw_tp: untyped pointers, read with BPF_CORE_READ --- */

static __always_inline __u32 raw_key(struct request *rq, __u32 op)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(rq->q->disk))
		disk = BPF_CORE_READ(rq, q, disk);
	else
		disk = BPF_CORE_READ((struct request___old *)rq, rq_disk);
	if (!disk)
		return NP_DEV_OP(0, 0, op);
	return NP_DEV_OP(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor), op);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(raw_insert, struct request *rq)
{
	on_insert((__u64)rq, ptr_lo32(rq), 1);
	return 0;
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(rawnc_insert, struct request *rq)
{
	on_insert((__u64)rq, ptr_lo32(rq), 0);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(raw_issue, struct request *rq)
{
	ON_ISSUE((__u64)rq, ptr_lo32(rq), raw_key(rq, BIOLAT_OP_QUEUE), 1);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(rawnc_issue, struct request *rq)
{
	ON_ISSUE((__u64)rq, ptr_lo32(rq), raw_key(rq, BIOLAT_OP_QUEUE), 0);
	return 0;
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(raw_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	if (nr_bytes < BPF_CORE_READ(rq, __data_len))
		return 0;
	ON_COMPLETE((__u64)rq, ptr_lo32(rq), raw_key(rq, op_of(BPF_CORE_READ(rq, cmd_flags))));
	return 0;
}

SEC("raw_tp/block_rq_merge")
int BPF_PROG(raw_merge, struct request *rq)
{
	slot_take((__u64)rq, ptr_lo32(rq));
	return 0;
}

/* --- classic: dev, sector and rwbs only --- */

/* kernel dev_t: 12 bits of major above 20 bits of minor */
#define KDEV_MINOR_BITS	20

/*
 * (dev, sector) as one identity: unique below 2^32 sectors (2 TiB); above,
 * two requests in flight at once would have to share the sector's low 32 bits
 * on two disks in a matching way to collide. Never 0: dev is not. Two
 * requests in flight for the same sector of one disk (passthrough requests
 * all say sector 0) are one identity here: the first completion takes it.
 */
static __always_inline __u64 tp_id(__u32 dev, __u64 sector)
{
	return ((__u64)dev << 32) ^ sector;
}

static __always_inline __u32 tp_hash(__u32 dev, __u64 sector)
{
	return dev ^ (__u32)sector ^ (__u32)(sector >> 32);
}

static __always_inline __u32 tp_key(__u32 dev, __u32 op)
{
	return NP_DEV_OP(dev >> KDEV_MINOR_BITS, dev & ((1u << KDEV_MINOR_BITS) - 1), op);
}

/* rwbs: an optional 'F' (preflush) then R, W, D, F (flush), N... */
static __always_inline __u32 rwbs_op(char c0, char c1)
{
	char c = c0 == 'F' && c1 ? c1 : c0;

	if (c == 'R')
		return BIOLAT_OP_READ;
	if (c == 'W')
		return BIOLAT_OP_WRITE;
	return BIOLAT_OP_OTHER;
}

/* each field read once: the verifier refuses a second load through an offset ctx pointer */
SEC("tp/block/block_rq_insert")
int tp_insert(struct trace_event_raw_block_rq *ctx)
{
	__u32 dev = *(volatile __u32 *)&ctx->dev;
	__u64 sector = *(volatile __u64 *)&ctx->sector;

	on_insert(tp_id(dev, sector), tp_hash(dev, sector), 1);
	return 0;
}

SEC("tp/block/block_rq_insert")
int tpnc_insert(struct trace_event_raw_block_rq *ctx)
{
	__u32 dev = *(volatile __u32 *)&ctx->dev;
	__u64 sector = *(volatile __u64 *)&ctx->sector;

	on_insert(tp_id(dev, sector), tp_hash(dev, sector), 0);
	return 0;
}

SEC("tp/block/block_rq_issue")
int tp_issue(struct trace_event_raw_block_rq *ctx)
{
	__u32 dev = *(volatile __u32 *)&ctx->dev;
	__u64 sector = *(volatile __u64 *)&ctx->sector;

	ON_ISSUE(tp_id(dev, sector), tp_hash(dev, sector), tp_key(dev, BIOLAT_OP_QUEUE), 1);
	return 0;
}

SEC("tp/block/block_rq_issue")
int tpnc_issue(struct trace_event_raw_block_rq *ctx)
{
	__u32 dev = *(volatile __u32 *)&ctx->dev;
	__u64 sector = *(volatile __u64 *)&ctx->sector;

	ON_ISSUE(tp_id(dev, sector), tp_hash(dev, sector), tp_key(dev, BIOLAT_OP_QUEUE), 0);
	return 0;
}

/* Before 5.12 the event had a class of its own: same fields, another struct name. */
struct trace_event_raw_block_rq_complete___old {
	__u32 dev;
	__u64 sector;
	char rwbs[8];
} __attribute__((preserve_access_index));

SEC("tp/block/block_rq_complete")
int tp_complete(struct trace_event_raw_block_rq_completion *ctx)
{
	struct trace_event_raw_block_rq_complete___old *old = (void *)ctx;
	__u32 dev;
	__u64 sector;
	char c0, c1;

	if (bpf_core_type_exists(struct trace_event_raw_block_rq_completion)) {
		dev = *(volatile __u32 *)&ctx->dev;
		sector = *(volatile __u64 *)&ctx->sector;
		c0 = *(volatile char *)&ctx->rwbs[0];
		c1 = *(volatile char *)&ctx->rwbs[1];
	} else {
		/* helper reads: the verifier refuses loads through the ctx pointer plus an offset */
		char rwbs[2] = { 0 };

		dev = 0;
		sector = 0;
		bpf_core_read(&dev, sizeof(dev), &old->dev);
		bpf_core_read(&sector, sizeof(sector), &old->sector);
		bpf_core_read(rwbs, sizeof(rwbs), &old->rwbs);
		c0 = rwbs[0];
		c1 = rwbs[1];
	}

	/* the classic event does not say whether the completion is partial: the first one ends it */
	ON_COMPLETE(tp_id(dev, sector), tp_hash(dev, sector), tp_key(dev, rwbs_op(c0, c1)));
	return 0;
}

SEC("tp/block/block_rq_merge")
int tp_merge(struct trace_event_raw_block_rq *ctx)
{
	__u32 dev = *(volatile __u32 *)&ctx->dev;
	__u64 sector = *(volatile __u64 *)&ctx->sector;

	slot_take(tp_id(dev, sector), tp_hash(dev, sector));
	return 0;
}
