/* mem.c - page-fault cost and read bandwidth of nodeperf's own memory, with and without huge pages. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "bench/bench.h"
#include "core/sandbox.h"
#include "core/util.h"

/*
 * THP is the most visible default that differs between AKS images: Ubuntu
 * runs "always" (every anonymous mapping may get huge pages), Azure Linux
 * 3.0 "madvise" (only mappings that ask). Without touching the host setting,
 * each behaviour is reproduced on our own mappings: MADV_HUGEPAGE gets what
 * "always" would give every process, MADV_NOHUGEPAGE what a process that
 * does not ask gets under "madvise". The thp variants need THP not "never".
 */
#define MEM_HUGE	(2u << 20)	/* one PMD huge page */
#define MEM_FAULT_SPAN	(32u << 20)	/* faulted per round: 16 huge pages' worth */
#define MEM_BW_SIZE	(64u << 20)	/* read per pass: well past the last-level cache */

struct mem_cfg {
	int huge;	/* MADV_HUGEPAGE, else MADV_NOHUGEPAGE */
};

static const char thp_path[] = "/sys/kernel/mm/transparent_hugepage/enabled";

/* A 2 MiB-aligned anonymous mapping of len with the advice; unmap raw, rawlen. */
static void *map_aligned(size_t len, int huge, void **raw, size_t *rawlen)
{
	uintptr_t p;
	void *m;

	*rawlen = len + MEM_HUGE;
	m = mmap(NULL, *rawlen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	*raw = m;
	p = ((uintptr_t)m + MEM_HUGE - 1) & ~(uintptr_t)(MEM_HUGE - 1);
	if (madvise((void *)p, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		munmap(m, *rawlen);
		return NULL;
	}
	return (void *)p;
}

static int mem_available(struct bench_ctx *ctx, char *why, size_t len)
{
	const struct mem_cfg *cfg = ctx->cfg;
	char buf[128];

	if (!cfg->huge)
		return 1;
	if (read_small(thp_path, buf, sizeof(buf)) < 0) {
		snprintf(why, len, "%s is missing: the kernel has no transparent huge pages", thp_path);
		return 0;
	}
	if (strstr(buf, "[never]")) {
		snprintf(why, len, "THP is 'never' on this node: MADV_HUGEPAGE has no effect");
		return 0;
	}
	/* PR_SET_THP_DISABLE on this process would silently turn MADV_HUGEPAGE off */
	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) > 0) {
		snprintf(why, len, "THP is disabled for this process (prctl PR_SET_THP_DISABLE)");
		return 0;
	}
	return 1;
}

/* One repetition: map, fault in 2 MiB at a time (a write per 4 KiB page), unmap. */
static int fault_rep(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h)
{
	const struct mem_cfg *cfg = arg;
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
	size_t rawlen, off, pg;
	void *raw;
	char *m;

	(void)ctx;
	do {
		m = map_aligned(MEM_FAULT_SPAN, cfg->huge, &raw, &rawlen);
		if (!m)
			return -errno;
		for (off = 0; off < MEM_FAULT_SPAN; off += MEM_HUGE) {
			uint64_t t0 = now_ns();

			for (pg = 0; pg < MEM_HUGE; pg += 4096)
				((volatile char *)m)[off + pg] = 1;
			hist_record(h, now_ns() - t0);
		}
		munmap(raw, rawlen);
	} while (now_ns() < end && !sandbox_stop);
	return 0;
}

struct bw_state {
	const struct mem_cfg *cfg;
	uint64_t *buf;
};

static int bw_rep(struct bench_ctx *ctx, void *arg, double seconds, double *rate, struct hist *h)
{
	struct bw_state *st = arg;
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(seconds * 1e9), bytes = 0, sum = 0;
	size_t i, n = MEM_BW_SIZE / sizeof(uint64_t);

	(void)ctx;
	(void)h;
	do {
		for (i = 0; i < n; i += 4)
			sum += st->buf[i] + st->buf[i + 1] + st->buf[i + 2] + st->buf[i + 3];
		bytes += MEM_BW_SIZE;
	} while (now_ns() < end && !sandbox_stop);
	*(volatile uint64_t *)&st->buf[0] = sum & 1; /* keep the loads */
	*rate = (double)bytes / ((double)(now_ns() - t0) / 1e9);
	return 0;
}

/* How much of len bytes at m the kernel backs with huge pages (AnonHugePages of smaps). */
static double huge_fraction(const void *m, size_t len)
{
	char *smaps = read_all("/proc/self/smaps", NULL), *line, *save = NULL;
	uintptr_t lo, hi, want = (uintptr_t)m;
	unsigned long long kb = 0;
	int in = 0;

	if (!smaps)
		return -1;
	for (line = strtok_r(smaps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = want >= lo && want < hi;
		else if (in && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1)
			break;
	}
	free(smaps);
	return (double)kb * 1024 / (double)len;
}

static json_t *mem_params(const struct mem_cfg *cfg, double fraction, size_t span)
{
	return json_pack("{s:s, s:s, s:I, s:f}", "advice", cfg->huge ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
			 "emulates", cfg->huge ? "THP always" : "THP madvise, a process that does not ask",
			 "bytes", (json_int_t)span, "huge_backed_fraction", fraction);
}

static int fault_run(struct bench_ctx *ctx, struct result *res)
{
	const struct mem_cfg *cfg = ctx->cfg;
	size_t rawlen, pg;
	double frac;
	void *raw;
	char *m;

	/* what the advice actually gets on this node now: huge pages may be scarce */
	m = map_aligned(MEM_FAULT_SPAN, cfg->huge, &raw, &rawlen);
	if (!m)
		return -errno;
	for (pg = 0; pg < MEM_FAULT_SPAN; pg += 4096)
		m[pg] = 1;
	frac = huge_fraction(m, MEM_FAULT_SPAN);
	munmap(raw, rawlen);
	return bench_latency(ctx, res, ctx->bench_name, fault_rep, (void *)cfg,
			     mem_params(cfg, frac, MEM_HUGE));
}

static int bw_run(struct bench_ctx *ctx, struct result *res)
{
	const struct mem_cfg *cfg = ctx->cfg;
	struct bw_state st = { .cfg = cfg };
	size_t rawlen, i;
	void *raw;
	int rc;

	st.buf = map_aligned(MEM_BW_SIZE, cfg->huge, &raw, &rawlen);
	if (!st.buf)
		return -errno;
	for (i = 0; i < MEM_BW_SIZE / sizeof(uint64_t); i++)
		st.buf[i] = i;
	rc = bench_rate(ctx, res, ctx->bench_name, "B/s", bw_rep, &st,
			mem_params(cfg, huge_fraction(st.buf, MEM_BW_SIZE), MEM_BW_SIZE), NULL);
	munmap(raw, rawlen);
	return rc;
}

#define MEM_BENCH(id, bname, huge_, runfn, text)           \
	static const struct mem_cfg id##_cfg = { huge_ }; \
	BENCH_DEF(bench_##id, bname, text, SUITE_ALL, NULL, mem_available, runfn, &id##_cfg)

MEM_BENCH(mem_fault_nohuge, "mem.fault.2m.nohuge", 0, fault_run,
	  "fault in 2 MiB of fresh memory, 4 KiB pages (THP madvise, not asked)");
MEM_BENCH(mem_fault_thp, "mem.fault.2m.thp", 1, fault_run,
	  "fault in 2 MiB of fresh memory with MADV_HUGEPAGE (THP always)");
MEM_BENCH(mem_bw_nohuge, "mem.bw.read.nohuge", 0, bw_run,
	  "sequential read bandwidth over 64 MiB in 4 KiB pages");
MEM_BENCH(mem_bw_thp, "mem.bw.read.thp", 1, bw_run,
	  "sequential read bandwidth over 64 MiB with MADV_HUGEPAGE");
