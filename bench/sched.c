/* sched.c - scheduler wakeup and context-switch latency: two pinned threads ping-ponging. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/sandbox.h"
#include "core/topo.h"
#include "core/util.h"

enum mech { MECH_FUTEX, MECH_PIPE };

struct sched_cfg {
	enum mech mech;
	enum topo_pair pair;
};

/*
 * One ping-pong. The token goes A -> B -> A ...; whoever holds it stamps the
 * time, hands it over, and the receiver records "now - stamp" as soon as it
 * runs: the latency from the wake call to the wakee running (for pipes, from
 * write() to read() returning). Only the token holder touches the histogram,
 * so one histogram needs no locking.
 */
struct pingpong {
	const struct sched_cfg *cfg;
	const struct topo *topo;
	int cpu[2];
	struct hist *h;
	uint64_t deadline;
	_Atomic uint32_t seq[2];	/* futex word each side sleeps on */
	_Atomic uint64_t stamp;
	_Atomic int stop;
	int pipes[2][2];		/* pipes[s]: towards side s */
	int err[2];
};

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, (uint32_t *)uaddr, op, val, NULL, NULL, 0);
}

/* Hand the token to the peer, stamped with `stamp`. */
static int give(struct pingpong *pp, int side, uint64_t stamp)
{
	int peer = !side;
	ssize_t n;

	if (pp->cfg->mech == MECH_FUTEX) {
		atomic_store_explicit(&pp->stamp, stamp, memory_order_relaxed);
		atomic_fetch_add_explicit(&pp->seq[peer], 1, memory_order_release);
		futex(&pp->seq[peer], FUTEX_WAKE_PRIVATE, 1);
		return 0;
	}
	while ((n = write(pp->pipes[peer][1], &stamp, sizeof(stamp))) < 0 && errno == EINTR)
		;
	if (n != sizeof(stamp))
		return n < 0 ? -errno : -EIO;
	return 0;
}

/* Sleep until the token comes back; *stamp is the sender's stamp. */
static int take(struct pingpong *pp, int side, uint32_t *seen, uint64_t *stamp)
{
	ssize_t n;

	if (pp->cfg->mech == MECH_FUTEX) {
		while (atomic_load_explicit(&pp->seq[side], memory_order_acquire) == *seen) {
			if (futex(&pp->seq[side], FUTEX_WAIT_PRIVATE, *seen) && errno != EAGAIN &&
			    errno != EINTR)
				return -errno;
		}
		(*seen)++;
		*stamp = atomic_load_explicit(&pp->stamp, memory_order_relaxed);
		return 0;
	}
	while ((n = read(pp->pipes[side][0], stamp, sizeof(*stamp))) < 0 && errno == EINTR)
		;
	if (n != sizeof(*stamp))
		return n < 0 ? -errno : -EIO;
	return 0;
}

static void *side_main(struct pingpong *pp, int side)
{
	uint64_t stamp = 0, t;
	uint32_t seen = 0;
	int rc;

	rc = topo_pin_self(pp->topo, pp->cpu[side]);
	if (rc)
		goto out;
	if (side == 1) {
		/* B starts by waiting for the first token. */
		rc = take(pp, side, &seen, &stamp);
		t = now_ns();
		if (rc || atomic_load(&pp->stop))
			goto out;
		hist_record(pp->h, t - stamp);
	}
	for (;;) {
		if (side == 0 && (sandbox_stop || now_ns() >= pp->deadline)) {
			/* The last hand-over only tells B to leave. */
			atomic_store(&pp->stop, 1);
			rc = give(pp, side, 0);
			break;
		}
		rc = give(pp, side, now_ns());
		if (!rc)
			rc = take(pp, side, &seen, &stamp);
		t = now_ns();
		if (rc || atomic_load(&pp->stop))
			break;
		hist_record(pp->h, t - stamp);
	}
out:
	pp->err[side] = rc;
	if (rc) {
		/* Do not leave the peer asleep forever. */
		atomic_store(&pp->stop, 1);
		give(pp, side, 0);
	}
	return NULL;
}

static void *side_a(void *arg)
{
	return side_main(arg, 0);
}

static void *side_b(void *arg)
{
	return side_main(arg, 1);
}

static int pick_cpus(const struct bench_ctx *ctx, const struct sched_cfg *cfg, int cpu[2])
{
	if (!ctx->topo)
		return -ENODEV;
	return topo_pick_pair(ctx->topo, cfg->pair, &cpu[0], &cpu[1]);
}

static int pingpong_rep(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h)
{
	const struct sched_cfg *cfg = arg;
	struct pingpong pp;
	pthread_t ta, tb;
	int i, rc;

	memset(&pp, 0, sizeof(pp));
	pp.cfg = cfg;
	pp.topo = ctx->topo;
	pp.h = h;
	for (i = 0; i < 2; i++)
		pp.pipes[i][0] = pp.pipes[i][1] = -1;
	rc = pick_cpus(ctx, cfg, pp.cpu);
	if (rc)
		return rc;
	if (cfg->mech == MECH_PIPE) {
		for (i = 0; i < 2; i++) {
			if (pipe2(pp.pipes[i], O_CLOEXEC)) {
				rc = -errno;
				goto out_close;
			}
		}
	}
	pp.deadline = now_ns() + (uint64_t)(seconds * 1e9);
	rc = -pthread_create(&tb, NULL, side_b, &pp);
	if (rc)
		goto out_close;
	rc = -pthread_create(&ta, NULL, side_a, &pp);
	if (rc) {
		/* Release B, which waits for a first token that never comes. */
		atomic_store(&pp.stop, 1);
		give(&pp, 0, 0);
		pthread_join(tb, NULL);
		goto out_close;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	rc = pp.err[0] ? pp.err[0] : pp.err[1];
out_close:
	for (i = 0; i < 4; i++)
		if (pp.pipes[i / 2][i % 2] >= 0)
			close(pp.pipes[i / 2][i % 2]);
	return rc;
}

static int sched_available(struct bench_ctx *ctx, char *why, size_t len)
{
	const struct sched_cfg *cfg = ctx->cfg;
	int cpu[2];

	if (!ctx->topo) {
		snprintf(why, len, "no hwloc topology to pin threads with");
		return 0;
	}
	if (pick_cpus(ctx, cfg, cpu)) {
		snprintf(why, len, "needs %s CPUs; this process may run on %u logical CPU(s)",
			 topo_pair_name(cfg->pair), topo_npus(ctx->topo));
		return 0;
	}
	return 1;
}

static int sched_run(struct bench_ctx *ctx, struct result *res)
{
	const struct sched_cfg *cfg = ctx->cfg;
	json_t *params;
	int cpu[2], rc;

	rc = pick_cpus(ctx, cfg, cpu);
	if (rc)
		return rc;
	params = json_pack("{s:s, s:{s:s, s:o, s:o}}", "mechanism",
			   cfg->mech == MECH_FUTEX ? "futex" : "pipe", "pinning", "pair",
			   topo_pair_name(cfg->pair), "a", topo_cpu_json(ctx->topo, cpu[0]), "b",
			   topo_cpu_json(ctx->topo, cpu[1]));
	return bench_latency(ctx, res, ctx->bench_name, pingpong_rep, (void *)cfg, params);
}

static const char *const sched_probes[] = { "runqlat", NULL };

#define SCHED_BENCH(id, bname, mech_, pair_, text)                \
	static const struct sched_cfg id##_cfg = { mech_, pair_ }; \
	BENCH_DEF(bench_##id, bname, text, SUITE_ALL, sched_probes, sched_available, sched_run, &id##_cfg)

SCHED_BENCH(sched_wakeup_futex, "sched.wakeup.futex", MECH_FUTEX, TOPO_ANY_TWO_CORES,
	    "futex wake on one core to the woken thread running on another");
SCHED_BENCH(sched_wakeup_pipe, "sched.wakeup.pipe", MECH_PIPE, TOPO_ANY_TWO_CORES,
	    "pipe write on one core to the blocked reader running on another");
SCHED_BENCH(sched_ctxswitch, "sched.ctxswitch", MECH_PIPE, TOPO_SAME_PU,
	    "pipe ping-pong on one CPU: a context switch per hop");
