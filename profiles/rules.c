/* rules.c - profile rules: snapshot + measurements + workload class -> settings with their evidence. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "profiles/profile.h"
#include "profiles/reference.h"
#include "results/compare.h"
#include "results/thresholds.h"

/*
 * Every rule is documented in docs/profiles.md under its id, with its
 * reasoning and source (a unit test holds the two in step).
 */
#define SRC_AKS_DEFAULTS                                                                           \
	"AKS custom node configuration reference (MicrosoftDocs/azure-aks-docs, "                  \
	"articles/aks/custom-node-configuration-reference.md): per-OS defaults"
#define SRC_AKS_EVERY_NODE                                                                         \
	"Azure/AgentBaker parts/linux/cloud-init/artifacts/sysctl-d-60-CIS.conf and "              \
	"pkg/agent/baker.go: set on every AKS node"
#define SRC_TUNED_THROUGHPUT "tuned profile network-throughput: [sysctl] tcp_rmem/tcp_wmem max 16777216"
#define SRC_TUNED_LATENCY "tuned profile network-latency: net.core.busy_read=50, net.core.busy_poll=50"
#define SRC_TUNED_LATENCY_NUMA "tuned profile network-latency: kernel.numa_balancing=0"
#define SRC_TUNED_READAHEAD "tuned profile throughput-performance: [disk] readahead=>4096"
#define SRC_BLK_MQ                                                                                 \
	"Linux Documentation/block/blk-mq.rst and switching-sched.rst: 'none' skips the "          \
	"scheduler for devices that reorder themselves"
#define SRC_THP "Linux Documentation/admin-guide/mm/transhuge.rst; AKS defaults: Ubuntu always, " \
		"Azure Linux 3.0 madvise"
#define SRC_KUBE_PROXY                                                                             \
	"kube-proxy --conntrack-max-per-core 32768 and --conntrack-min 131072 (Kubernetes "        \
	"kube-proxy reference); AKS linuxOSConfig netNetfilterNfConntrackMax 131072-2097152"
#define SRC_TOPOLOGY_MANAGER                                                                       \
	"Kubernetes docs, Control Topology Management Policies on a node (topology manager, "      \
	"single-numa-node)"

#define C(x) (1u << (x))

struct rule_ctx {
	const struct result *res;
	struct profile *p;
	const json_t *ref; /* base reference or NULL */
	const struct metric *m; /* the evidence metric the rule needs */
	const struct thresholds *th;
};

struct rule {
	const char *id;
	unsigned classes;
	const char *needs; /* metric glob the rule needs, NULL when it rests on its source */
	const char *needs_hint;
	/* 0 applied, 1 skipped (recorded), -ENOMEM */
	int (*apply)(struct rule_ctx *rc, const struct rule *r);
};

/* The node's (or the base reference's) value of sysctl key, NULL when unknown. */
static const char *current_sysctl(const struct rule_ctx *rc, const char *key)
{
	static const char *const groups[] = { "sysctl", "sysctl_every_node" };
	const json_t *v;
	size_t i;

	for (i = 0; rc->ref && i < ARRAY_SIZE(groups); i++) {
		v = json_object_get(json_object_get(rc->ref, groups[i]), key);
		if (json_is_string(v))
			return json_string_value(v);
	}
	v = json_object_get(json_object_get(rc->res->config, "sysctl"), key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *current_thp(const struct rule_ctx *rc, const char *which)
{
	const json_t *v = rc->ref ? json_object_get(json_object_get(rc->ref, "thp"), which) : NULL;

	if (!json_is_string(v))
		v = json_object_get(json_object_get(rc->res->config, "thp"), which);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int add_sysctl(struct rule_ctx *rc, const struct rule *r, const char *key, const char *value,
		      int at_least, enum profile_scope scope, const char *reason, const char *source)
{
	struct profile_setting *s = profile_add(rc->p, r->id, key, value, at_least, scope,
						current_sysctl(rc, key), reason, source);

	if (!s)
		return -ENOMEM;
	if (rc->m) {
		const char *stat = rc->m->better == BETTER_LOWER ? "p50" : "mean";

		return profile_evidence_metric(&s->ev, rc->m->name, rc->m->unit, stat,
					       rc->m->better == BETTER_LOWER ? rc->m->p50 : rc->m->mean);
	}
	return 0;
}

/* --- network --- */

/*
 * tcp_rmem / tcp_wmem ("min default max"): set only when the node's max is
 * smaller, so the profile never shrinks a window a node already allows.
 */
static int add_autotune(struct rule_ctx *rc, const struct rule *r, const char *key,
			const char *value, const char *reason)
{
	const char *cur = current_sysctl(rc, key);
	long long lo, def, max;

	if (cur && sscanf(cur, "%lld %lld %lld", &lo, &def, &max) == 3 && max >= 16777216)
		return profile_skip(rc->p, r->id, "%s: the node's maximum %lld already allows 16 MiB", key,
				    max);
	return add_sysctl(rc, r, key, value, 0, SCOPE_NETNS, reason, SRC_TUNED_THROUGHPUT);
}

static int rule_net_buffers(struct rule_ctx *rc, const struct rule *r)
{
	int rc2;

	if (rc->p->cls == PROFILE_GENERAL)
		return add_sysctl(rc, r, "net.core.rmem_max", "1048576", 1, SCOPE_GLOBAL,
				  "a socket may ask for a 1 MiB receive buffer (SO_RCVBUF) as on AKS "
				  "Ubuntu images; Azure Linux 3.0 caps it at 212992",
				  SRC_AKS_DEFAULTS);
	rc2 = add_sysctl(rc, r, "net.core.rmem_max", "16777216", 1, SCOPE_GLOBAL,
			 "receive buffers up to 16 MiB keep a fast stream's window open",
			 SRC_TUNED_THROUGHPUT);
	if (!rc2)
		rc2 = add_sysctl(rc, r, "net.core.wmem_max", "16777216", 1, SCOPE_GLOBAL,
				 "send buffers up to 16 MiB for the same window", SRC_TUNED_THROUGHPUT);
	if (!rc2)
		rc2 = add_autotune(rc, r, "net.ipv4.tcp_rmem", "4096 131072 16777216",
				   "TCP receive autotuning may grow to 16 MiB");
	if (!rc2)
		rc2 = add_autotune(rc, r, "net.ipv4.tcp_wmem", "4096 16384 16777216",
				   "TCP send autotuning may grow to 16 MiB");
	return rc2;
}

static int rule_net_connect_burst(struct rule_ctx *rc, const struct rule *r)
{
	int rc2 = add_sysctl(rc, r, "net.core.somaxconn", "16384", 1, SCOPE_NETNS,
			     "a burst of connects overflows a short accept queue: the SYNs are "
			     "dropped and the clients retry after 1 s",
			     SRC_AKS_DEFAULTS);

	if (!rc2)
		rc2 = add_sysctl(rc, r, "net.ipv4.tcp_max_syn_backlog", "16384", 1, SCOPE_NETNS,
				 "half-open connections of a burst wait here before accept",
				 SRC_AKS_DEFAULTS);
	return rc2;
}

static int rule_net_busy_poll(struct rule_ctx *rc, const struct rule *r)
{
	int rc2 = add_sysctl(rc, r, "net.core.busy_read", "50", 0, SCOPE_GLOBAL,
			     "a blocking read spins up to 50 us on the device queue instead of "
			     "sleeping for the interrupt: a wakeup less per message",
			     SRC_TUNED_LATENCY);

	if (!rc2)
		rc2 = add_sysctl(rc, r, "net.core.busy_poll", "50", 0, SCOPE_GLOBAL,
				 "poll/select/epoll spin up to 50 us likewise", SRC_TUNED_LATENCY);
	return rc2;
}

/* --- scheduler and memory --- */

static int rule_numa_balancing(struct rule_ctx *rc, const struct rule *r)
{
	const json_t *nodes = json_object_get(json_object_get(rc->res->node, "topology"), "numa_nodes");

	if (json_array_size(nodes) < 2) {
		profile_skip(rc->p, r->id,
			     "the node has %zu NUMA node%s: automatic NUMA balancing has nothing "
			     "to migrate",
			     json_array_size(nodes), json_array_size(nodes) == 1 ? "" : "s");
		return 1;
	}
	return add_sysctl(rc, r, "kernel.numa_balancing", "0", 0, SCOPE_GLOBAL,
			  "automatic NUMA balancing unmaps pages to sample accesses: hinting faults "
			  "and migrations land in the middle of requests",
			  SRC_TUNED_LATENCY_NUMA);
}

/* The repetitions of the metric's gated statistic; NULL when it has none. */
static const struct rep_series *gate_reps(const struct metric *m)
{
	return metric_reps(m, m->better == BETTER_LOWER ? "p50" : "mean");
}

static int rule_thp(struct rule_ctx *rc, const struct rule *r)
{
	static const char *const pairs[][2] = {
		{ "mem.fault.2m.nohuge", "mem.fault.2m.thp" },
		{ "mem.bw.read.nohuge", "mem.bw.read.thp" },
	};
	const struct metric *best_base = NULL, *best_cand = NULL;
	struct cmp_check best = { 0 };
	struct profile_setting *s;
	char why[256] = "";
	size_t i;
	int rc2;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		const struct metric *b = result_find_metric(rc->res, pairs[i][0]);
		const struct metric *k = result_find_metric(rc->res, pairs[i][1]);
		const struct rep_series *rb, *rk;
		struct cmp_check ck = { 0 };

		if (!b || !k || !(rb = gate_reps(b)) || !(rk = gate_reps(k)))
			continue;
		str_copy(ck.stat, rb->stat, sizeof(ck.stat));
		ck.rule = thresholds_match(rc->th, b->name, rb->stat);
		if (!ck.rule)
			continue;
		if (compare_check(&ck, rb->v, rb->n, rk->v, rk->n, b->better, COMPARE_ALPHA))
			return -ENOMEM;
		if (ck.verdict == VERDICT_IMPROVED && !best_base) {
			best = ck;
			best_base = b;
			best_cand = k;
		} else if (!why[0]) {
			snprintf(why, sizeof(why), "%s against %s: %s, %s", k->name, b->name,
				 verdict_name(ck.verdict), ck.why);
		}
	}
	if (!best_base) {
		profile_skip(rc->p, r->id,
			     "THP-backed memory was not significantly better here (%s): no change "
			     "from the node's THP mode",
			     why[0] ? why : "no mem.*.thp / mem.*.nohuge pair with repetitions");
		return 1;
	}
	s = profile_add(rc->p, r->id, "transparent_hugepage.enabled", "always", 0, SCOPE_THP,
			current_thp(rc, "enabled"),
			"huge pages for every anonymous mapping, not only those that madvise(): "
			"fewer page faults and TLB misses for large heaps",
			SRC_THP);
	if (!s)
		return -ENOMEM;
	rc2 = profile_evidence_metric(&s->ev, best_cand->name, best_cand->unit, best.stat, best.base);
	if (rc2)
		return rc2;
	s->ev.after = best.cand;
	s->ev.change = best.change;
	s->ev.p = best.p;
	free(s->ev.verdict);
	s->ev.verdict = strdup(verdict_name(best.verdict));
	if (!s->ev.verdict)
		return -ENOMEM;
	s = profile_add(rc->p, r->id, "transparent_hugepage.defrag", "madvise", 0, SCOPE_THP,
			current_thp(rc, "defrag"),
			"only madvise() regions stall for compaction; the rest take a huge page "
			"when one is free and khugepaged collapses later",
			SRC_THP);
	return s ? 0 : -ENOMEM;
}

/* --- block --- */

/* "vda,nvme0n1" of the snapshot's disks for which want(dev) holds, and "vda=v,..." of field. */
static int pick_disks(const struct rule_ctx *rc, int (*want)(const json_t *dev), const char *field,
		      char *names, size_t nlen, char *cur, size_t clen)
{
	const json_t *block = json_object_get(rc->res->config, "block"), *dev, *v;
	size_t no = 0, co = 0;
	const char *name;
	int n = 0;

	names[0] = cur[0] = '\0';
	json_object_foreach((json_t *)block, name, dev) {
		char val[64];

		if (!json_is_object(dev) || !want(dev))
			continue;
		v = json_object_get(dev, field);
		if (json_is_string(v))
			str_copy(val, json_string_value(v), sizeof(val));
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
		else
			str_copy(val, "?", sizeof(val));
		if (no + strlen(name) + 2 >= nlen || co + strlen(name) + strlen(val) + 3 >= clen)
			break;
		no += (size_t)snprintf(names + no, nlen - no, "%s%s", n ? "," : "", name);
		co += (size_t)snprintf(cur + co, clen - co, "%s%s=%s", n ? "," : "", name, val);
		n++;
	}
	return n;
}

static int non_rotational(const json_t *dev)
{
	return json_is_false(json_object_get(dev, "rotational"));
}

static int any_disk(const json_t *dev)
{
	(void)dev;
	return 1;
}

static int add_block(struct rule_ctx *rc, const struct rule *r, const char *key, const char *value,
		     int at_least, const char *devices, const char *cur, const char *reason,
		     const char *source)
{
	struct profile_setting *s =
	    profile_add(rc->p, r->id, key, value, at_least, SCOPE_BLOCK, cur, reason, source);

	if (!s || !(s->devices = strdup(devices)))
		return -ENOMEM;
	if (rc->m)
		return profile_evidence_metric(&s->ev, rc->m->name, rc->m->unit,
					       rc->m->better == BETTER_LOWER ? "p50" : "mean",
					       rc->m->better == BETTER_LOWER ? rc->m->p50 : rc->m->mean);
	return 0;
}

static int rule_block_scheduler(struct rule_ctx *rc, const struct rule *r)
{
	char names[256], cur[512];

	if (!pick_disks(rc, non_rotational, "scheduler", names, sizeof(names), cur, sizeof(cur))) {
		profile_skip(rc->p, r->id,
			     "the snapshot lists no non-rotational disk: a rotating (or unknown) "
			     "disk still gains from the scheduler's merging and ordering");
		return 1;
	}
	return add_block(rc, r, "block.scheduler", "none", 0, names, cur,
			 "a solid-state queue reorders on its own: 'none' takes the scheduler's "
			 "lock and sorting off every request",
			 SRC_BLK_MQ);
}

static int rule_block_readahead(struct rule_ctx *rc, const struct rule *r)
{
	char names[256], cur[512];

	if (!pick_disks(rc, any_disk, "read_ahead_kb", names, sizeof(names), cur, sizeof(cur))) {
		profile_skip(rc->p, r->id, "the snapshot lists no disk");
		return 1;
	}
	return add_block(rc, r, "block.read_ahead_kb", "4096", 1, names, cur,
			 "sequential readers get 4 MiB per read-ahead window: fewer, larger "
			 "requests",
			 SRC_TUNED_READAHEAD);
}

/* --- container density --- */

static int rule_density(struct rule_ctx *rc, const struct rule *r)
{
	static const struct {
		const char *key, *value, *reason, *source;
	} fixed[] = {
		{ "fs.inotify.max_user_watches", "1048576",
		  "every pod's config maps, log shippers and language runtimes hold inotify "
		  "watches under one user (root)",
		  SRC_AKS_DEFAULTS },
		{ "fs.inotify.max_user_instances", "1024",
		  "each container runtime shim and many daemons open their own inotify instance",
		  SRC_AKS_EVERY_NODE },
		{ "kernel.pid_max", "4194304",
		  "hundreds of pods with their threads exhaust the 32768 default", SRC_AKS_EVERY_NODE },
		{ "vm.max_map_count", "1048576",
		  "JVMs, Elasticsearch and mmap-heavy runtimes need far more than 65530 mappings",
		  SRC_AKS_DEFAULTS },
	};
	const json_t *cpu = json_object_get(rc->res->node, "cpu");
	long long cpus = json_integer_value(json_object_get(cpu, "count"));
	long long ct = 32768 * (cpus > 0 ? cpus : 1);
	char val[32];
	size_t i;
	int rc2;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		rc2 = add_sysctl(rc, r, fixed[i].key, fixed[i].value, 1, SCOPE_GLOBAL, fixed[i].reason,
				 fixed[i].source);
		if (rc2)
			return rc2;
	}
	ct = ct < 131072 ? 131072 : ct > 2097152 ? 2097152 : ct;
	snprintf(val, sizeof(val), "%lld", ct);
	return add_sysctl(rc, r, "net.netfilter.nf_conntrack_max", val, 1, SCOPE_GLOBAL,
			  "every pod connection through a Service is a conntrack entry; a full "
			  "table drops new connections",
			  SRC_KUBE_PROXY);
}

/* --- GPU --- */

static int rule_gpu_placement(struct rule_ctx *rc, const struct rule *r)
{
	const json_t *gpus = json_object_get(rc->res->node, "gpus"), *g;
	size_t i;

	if (!json_array_size(gpus)) {
		profile_skip(rc->p, r->id, "the result's snapshot lists no GPU");
		return 1;
	}
	json_array_foreach(gpus, i, g) {
		const json_t *numa = json_object_get(g, "numa");
		const char *name = json_string_value(json_object_get(g, "name"));
		char where[32] = "an unknown NUMA node";

		if (json_is_integer(numa))
			snprintf(where, sizeof(where), "NUMA node %lld",
				 (long long)json_integer_value(numa));
		if (profile_note(rc->p,
				 "GPU %zu (%s) sits on %s: run its pods with kubelet "
				 "--topology-manager-policy=single-numa-node and "
				 "--cpu-manager-policy=static so their CPUs and memory are local "
				 "(rule %s; source: %s)",
				 i, name ? name : "?", where, r->id, SRC_TOPOLOGY_MANAGER))
			return -ENOMEM;
	}
	return 0;
}

static const struct rule rules[] = {
	{ "net.buffers", C(PROFILE_GENERAL) | C(PROFILE_THROUGHPUT), "net.tcp_stream.*",
	  "nodeperf run --only 'net.tcp_stream.*'", rule_net_buffers },
	{ "net.connect-burst",
	  C(PROFILE_GENERAL) | C(PROFILE_LATENCY) | C(PROFILE_THROUGHPUT) | C(PROFILE_CONTAINER_DENSITY),
	  "net.tcp_crr.*", "nodeperf run --only 'net.tcp_crr.*'", rule_net_connect_burst },
	{ "net.busy-poll", C(PROFILE_LATENCY), "net.tcp_rr.*", "nodeperf run --only 'net.tcp_rr.*'",
	  rule_net_busy_poll },
	{ "sched.numa-balancing", C(PROFILE_LATENCY), "sched.wakeup.*",
	  "nodeperf run --only 'sched.*'", rule_numa_balancing },
	{ "block.scheduler", C(PROFILE_LATENCY) | C(PROFILE_GENERAL), "io.randread.4k.*",
	  "nodeperf run --only 'io.randread.*'", rule_block_scheduler },
	{ "block.read-ahead", C(PROFILE_THROUGHPUT), "io.seqread.*",
	  "nodeperf run --only 'io.seqread.*'", rule_block_readahead },
	{ "thp.memory", C(PROFILE_THROUGHPUT) | C(PROFILE_GPU), "mem.*",
	  "nodeperf run --only 'mem.*'", rule_thp },
	{ "density.limits", C(PROFILE_CONTAINER_DENSITY), NULL, NULL, rule_density },
	{ "gpu.placement", C(PROFILE_GPU), NULL, NULL, rule_gpu_placement },
};

const char *const profile_rule_ids[] = {
	"net.buffers",	  "net.connect-burst", "net.busy-poll",  "sched.numa-balancing",
	"block.scheduler", "block.read-ahead", "thp.memory",	 "density.limits",
	"gpu.placement",  NULL,
};

/* The first metric matching glob that has repetitions of its gated statistic. */
static const struct metric *find_evidence(const struct result *res, const char *glob)
{
	size_t i;

	for (i = 0; i < res->nmetrics; i++)
		if (!fnmatch(glob, res->metrics[i].name, 0) && gate_reps(&res->metrics[i]))
			return &res->metrics[i];
	return NULL;
}

/* Why the result has no metric for glob: the skip reason of its bench, if the run skipped it. */
static const char *bench_skip_reason(const struct result *res, const char *glob)
{
	char longer[256];
	size_t i;

	for (i = 0; i < res->nskipped; i++) {
		/* a bench "net.tcp_stream" makes metrics "net.tcp_stream.*" */
		snprintf(longer, sizeof(longer), "%s.x", res->skipped[i].bench);
		if (!fnmatch(glob, res->skipped[i].bench, 0) || !fnmatch(glob, longer, 0))
			return res->skipped[i].reason;
	}
	return NULL;
}

int profile_generate(const struct result *res, const char *from, enum profile_class cls,
		     const char *base, struct profile **out, char *err, size_t errlen)
{
	struct rule_ctx rc = { .res = res };
	struct thresholds *th = NULL;
	json_t *ref = NULL;
	char name[128];
	size_t i;
	int rc2;

	*out = NULL;
	if (base && strcmp(base, "node") != 0) {
		rc2 = reference_load(base, &ref, err, errlen);
		if (rc2)
			return rc2;
	}
	rc2 = thresholds_load_default(&th, err, errlen);
	if (rc2) {
		json_decref(ref);
		return rc2;
	}
	snprintf(name, sizeof(name), "nodeperf-%s", profile_class_names[cls]);
	rc.p = profile_new(name, cls, base, from);
	rc.ref = ref;
	rc.th = th;
	rc2 = rc.p ? 0 : -ENOMEM;
	if (!rc2 && res->run_id && !(rc.p->run_id = strdup(res->run_id)))
		rc2 = -ENOMEM;
	for (i = 0; !rc2 && i < ARRAY_SIZE(rules); i++) {
		const struct rule *r = &rules[i];

		if (!(r->classes & C(cls)))
			continue;
		rc.m = NULL;
		if (r->needs) {
			rc.m = find_evidence(res, r->needs);
			if (!rc.m) {
				const char *why = bench_skip_reason(res, r->needs);

				rc2 = profile_skip(rc.p, r->id,
						   "the result has no %s metric%s%s%s; measure with `%s`",
						   r->needs, why ? " (its bench was skipped: " : "",
						   why ? why : "", why ? ")" : "", r->needs_hint);
				continue;
			}
		}
		rc2 = r->apply(&rc, r);
		if (rc2 == 1)
			rc2 = 0;
	}
	json_decref(ref);
	thresholds_free(th);
	if (rc2) {
		profile_free(rc.p);
		snprintf(err, errlen, "out of memory");
		return rc2;
	}
	*out = rc.p;
	return 0;
}
