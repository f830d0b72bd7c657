/* test_profile.c - profile rules, emitters (golden files), AKS ranges, JSON, verify, tune's decision. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/sandbox.h"
#include "core/util.h"
#include "profiles/profile.h"
#include "results/compare.h"
#include "results/thresholds.h"

#define FIX "tests/fixtures/profile/"

static struct profile *generate(const char *fixture, enum profile_class cls)
{
	char err[512];
	struct result *res = result_read(fixture, err, sizeof(err));
	struct profile *p = NULL;

	if (!res)
		fail_msg("%s", err);
	assert_int_equal(profile_generate(res, fixture, cls, NULL, &p, err, sizeof(err)), 0);
	result_free(res);
	return p;
}

/* Emit into memory; compare with the golden file (NP_UPDATE_GOLDEN=1 rewrites it). */
static void golden(const char *fixture, enum profile_class cls, enum profile_format f,
		   const char *file)
{
	struct profile *p = generate(fixture, cls);
	char *buf = NULL, *ebuf = NULL, *want, path[256], err[256];
	size_t len = 0, elen = 0;
	FILE *out = open_memstream(&buf, &len), *else_out = open_memstream(&ebuf, &elen);
	int rc;

	switch (f) {
	case PFMT_SYSCTL:
		rc = profile_emit_sysctl(p, out, err, sizeof(err));
		break;
	case PFMT_TUNED:
		rc = profile_emit_tuned(p, out, err, sizeof(err));
		break;
	case PFMT_AKS:
		rc = profile_emit_aks(p, out, else_out, err, sizeof(err));
		break;
	default:
		rc = profile_emit_json(p, out, err, sizeof(err));
	}
	assert_int_equal(rc, 0);
	fclose(out);
	fclose(else_out);
	if (elen) { /* AKS: what it cannot express, after the JSON */
		buf = realloc(buf, len + elen + 32);
		len += (size_t)sprintf(buf + len, "--- elsewhere\n%s", ebuf);
	}
	snprintf(path, sizeof(path), FIX "%s", file);
	if (getenv("NP_UPDATE_GOLDEN")) {
		FILE *g = fopen(path, "w");

		assert_non_null(g);
		fwrite(buf, 1, len, g);
		fclose(g);
	}
	want = read_all(path, NULL);
	if (!want)
		fail_msg("%s: %s (NP_UPDATE_GOLDEN=1 writes it)", path, strerror(errno));
	if (strcmp(want, buf) != 0)
		fail_msg("%s differs from the output:\n%s", path, buf);
	free(want);
	free(buf);
	free(ebuf);
	profile_free(p);
}

static void test_golden_sysctl(void **state)
{
	(void)state;
	golden(FIX "result-azl.json", PROFILE_THROUGHPUT, PFMT_SYSCTL, "golden-throughput.sysctl");
	golden(FIX "result-azl.json", PROFILE_LATENCY, PFMT_SYSCTL, "golden-latency.sysctl");
}

static void test_golden_tuned(void **state)
{
	(void)state;
	golden(FIX "result-azl.json", PROFILE_THROUGHPUT, PFMT_TUNED, "golden-throughput.tuned");
	golden(FIX "result-azl.json", PROFILE_LATENCY, PFMT_TUNED, "golden-latency.tuned");
}

static void test_golden_aks(void **state)
{
	(void)state;
	golden(FIX "result-azl.json", PROFILE_THROUGHPUT, PFMT_AKS, "golden-throughput.aks");
	golden(FIX "result-azl.json", PROFILE_CONTAINER_DENSITY, PFMT_AKS, "golden-density.aks");
}

static void test_golden_json(void **state)
{
	(void)state;
	golden(FIX "result-azl.json", PROFILE_GPU, PFMT_JSON, "golden-gpu.json");
	golden(FIX "result-azl.json", PROFILE_GENERAL, PFMT_JSON, "golden-general.json");
}

/* A one-setting profile emitted for AKS: the rc, and err. */
static int aks_one(const char *key, const char *value, enum profile_scope scope, char *err,
		   size_t len, size_t *written)
{
	struct profile *p = profile_new("t", PROFILE_GENERAL, NULL, NULL);
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	int rc;

	assert_non_null(profile_add(p, "manual", key, value, 0, scope, NULL, "r", NULL));
	err[0] = '\0';
	rc = profile_emit_aks(p, out, NULL, err, len);
	fclose(out);
	*written = n;
	free(buf);
	profile_free(p);
	return rc;
}

static void test_aks_ranges(void **state)
{
	char err[256];
	size_t n;

	(void)state;
	assert_int_equal(aks_one("net.core.somaxconn", "100", SCOPE_NETNS, err, sizeof(err), &n), -ERANGE);
	assert_non_null(strstr(err, "netCoreSomaxconn"));
	assert_non_null(strstr(err, "net.core.somaxconn"));
	assert_non_null(strstr(err, "4096-3240000"));
	assert_int_equal(n, 0); /* nothing half written */
	assert_int_equal(aks_one("net.core.rmem_max", "268435456", SCOPE_GLOBAL, err, sizeof(err), &n), -ERANGE);
	assert_non_null(strstr(err, "netCoreRmemMax"));
	assert_non_null(strstr(err, "212992-134217728"));
	assert_int_equal(aks_one("vm.swappiness", "101", SCOPE_GLOBAL, err, sizeof(err), &n), -ERANGE);
	assert_non_null(strstr(err, "0-100"));
	assert_int_equal(aks_one("net.ipv4.tcp_tw_reuse", "2", SCOPE_NETNS, err, sizeof(err), &n), -ERANGE);
	assert_non_null(strstr(err, "netIpv4TcpTwReuse"));
	assert_int_equal(aks_one("net.ipv4.ip_local_port_range", "80 65000", SCOPE_NETNS, err, sizeof(err), &n), -ERANGE);
	assert_non_null(strstr(err, "1024-60999"));
	assert_int_equal(aks_one("net.ipv4.ip_local_port_range", "1024", SCOPE_NETNS, err, sizeof(err), &n), -EINVAL);
	assert_int_equal(aks_one("fs.nr_open", "lots", SCOPE_GLOBAL, err, sizeof(err), &n), -EINVAL);
	assert_non_null(strstr(err, "fsNrOpen"));
	assert_int_equal(aks_one("transparent_hugepage.enabled", "sometimes", SCOPE_THP, err, sizeof(err), &n), -ERANGE);
	assert_non_null(strstr(err, "transparentHugePageEnabled"));
	/* edges are inside */
	assert_int_equal(aks_one("net.core.somaxconn", "4096", SCOPE_NETNS, err, sizeof(err), &n), 0);
	assert_int_equal(aks_one("net.core.somaxconn", "3240000", SCOPE_NETNS, err, sizeof(err), &n), 0);
	assert_int_equal(aks_one("fs.file-max", "9223372036854775807", SCOPE_GLOBAL, err, sizeof(err), &n), 0);
	assert_int_equal(aks_one("net.ipv4.tcp_tw_reuse", "1", SCOPE_NETNS, err, sizeof(err), &n), 0);
	/* "at least" never lowers a node's larger value in formats that set exactly */
	{
		struct profile *p = profile_new("t", PROFILE_GENERAL, NULL, NULL);
		struct profile_setting *s = profile_add(p, "r", "vm.max_map_count", "1048576", 1,
							SCOPE_GLOBAL, "2097152", "r", NULL);
		char buf[32];

		assert_string_equal(profile_effective_value(s, buf, sizeof(buf)), "2097152");
		s->at_least = 0;
		assert_string_equal(profile_effective_value(s, buf, sizeof(buf)), "1048576");
		s->at_least = 1;
		free(s->current);
		s->current = strdup("65530");
		assert_string_equal(profile_effective_value(s, buf, sizeof(buf)), "1048576");
		profile_free(p);
	}
	/* the odd spelling AKS uses */
	assert_string_equal(profile_aks_field("net.ipv4.tcp_keepalive_intvl"), "netIpv4TcpkeepaliveIntvl");
	assert_null(profile_aks_field("net.core.busy_read"));
}

static const struct profile_skip *skipped(const struct profile *p, const char *rule)
{
	size_t i;

	for (i = 0; i < p->nskipped; i++)
		if (!strcmp(p->skipped[i].rule, rule))
			return &p->skipped[i];
	return NULL;
}

static void test_missing_metrics_skip(void **state)
{
	struct profile *p = generate(FIX "result-sched-only.json", PROFILE_THROUGHPUT);
	const struct profile_skip *s;

	(void)state;
	assert_int_equal(p->nsettings, 0);
	s = skipped(p, "net.buffers");
	assert_non_null(s);
	assert_non_null(strstr(s->reason, "no net.tcp_stream.* metric"));
	assert_non_null(strstr(s->reason, "no veth support in this kernel")); /* the bench's own reason */
	assert_non_null(skipped(p, "net.connect-burst"));
	assert_non_null(skipped(p, "block.read-ahead"));
	assert_non_null(skipped(p, "thp.memory"));
	profile_free(p);
	/* the latency class keeps the rule whose sched metrics are there */
	p = generate(FIX "result-sched-only.json", PROFILE_LATENCY);
	assert_non_null(profile_find(p, "kernel.numa_balancing"));
	assert_non_null(skipped(p, "net.busy-poll"));
	profile_free(p);
}

static void test_rules_facts(void **state)
{
	struct profile *p = generate(FIX "result-azl.json", PROFILE_GENERAL);
	struct profile_setting *s;

	(void)state;
	/* Azure Linux 3.0's 212992 against Ubuntu's 1048576 */
	s = profile_find(p, "net.core.rmem_max");
	assert_non_null(s);
	assert_string_equal(s->value, "1048576");
	assert_string_equal(s->current, "212992");
	assert_true(s->at_least);
	assert_string_equal(s->ev.metric, "net.tcp_stream.veth");
	assert_non_null(strstr(s->ev.source, "custom-node-configuration-reference.md"));
	/* only the non-rotational disk loses its scheduler */
	s = profile_find(p, "block.scheduler");
	assert_non_null(s);
	assert_string_equal(s->devices, "nvme0n1");
	profile_free(p);
	/* THP: applied on the fixture's significant improvement, with compare's p */
	p = generate(FIX "result-azl.json", PROFILE_THROUGHPUT);
	s = profile_find(p, "transparent_hugepage.enabled");
	assert_non_null(s);
	assert_string_equal(s->ev.verdict, "improved");
	assert_true(s->ev.p < 0.05);
	assert_true(s->ev.change < -0.3);
	profile_free(p);
	/* container density: conntrack from kube-proxy's 32768 per CPU (8 here) */
	p = generate(FIX "result-azl.json", PROFILE_CONTAINER_DENSITY);
	s = profile_find(p, "net.netfilter.nf_conntrack_max");
	assert_non_null(s);
	assert_string_equal(s->value, "262144");
	profile_free(p);
	/* base: a reference's documented values stand in for the node's */
	{
		char err[256];
		struct result *res = result_read(FIX "result-azl.json", err, sizeof(err));

		assert_non_null(res);
		assert_int_equal(profile_generate(res, "x", PROFILE_GENERAL, "ubuntu-22.04", &p, err, sizeof(err)), 0);
		assert_string_equal(profile_find(p, "net.core.rmem_max")->current, "1048576");
		assert_string_equal(p->base, "ubuntu-22.04");
		profile_free(p);
		assert_int_equal(profile_generate(res, "x", PROFILE_GENERAL, "ubuntu-18.04", &p, err, sizeof(err)), -ENOENT);
		result_free(res);
	}
}

static void test_json_roundtrip(void **state)
{
	struct profile *p = generate(FIX "result-azl.json", PROFILE_THROUGHPUT), *q;
	json_t *a = profile_to_json(p), *b;
	char err[256];

	(void)state;
	q = profile_from_json(a, "mem", err, sizeof(err));
	if (!q)
		fail_msg("%s", err);
	b = profile_to_json(q);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
	profile_free(p);
	profile_free(q);
}

static void expect_bad_json(const char *text, const char *msg)
{
	json_t *root = json_loads(text, 0, NULL);
	char err[256] = "";

	assert_non_null(root);
	assert_null(profile_from_json(root, "p.json", err, sizeof(err)));
	if (!strstr(err, msg))
		fail_msg("'%s' lacks '%s'", err, msg);
	json_decref(root);
}

static void test_json_bad(void **state)
{
	(void)state;
	expect_bad_json("[]", "not a JSON object");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v2\"}", "this nodeperf reads nodeperf/profile/v1");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\"}", "needs string");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"fast\", "
			"\"settings\": []}", "workload 'fast'");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"a.b\", \"value\": \"1\", \"scope\": \"galaxy\"}]}",
			"settings[0] (a.b): scope must be");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"../../etc/x\", \"value\": \"1\", \"scope\": \"global\"}]}",
			"not a dotted name");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"a.b\", \"value\": 1, \"scope\": \"global\"}]}",
			"needs string \"key\" and \"value\"");
	/* what an emitter cannot carry is refused here (the tuned emitter crashed on it) */
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"block.scheduler\", \"value\": \"none\", \"scope\": \"block\"}]}",
			"a block setting needs \"devices\"");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"block.scheduler\", \"value\": \"none\", \"scope\": \"block\", "
			"\"devices\": \"../../etc\"}]}",
			"a block setting needs \"devices\"");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"x\", \"value\": \"none\", \"scope\": \"block\", "
			"\"devices\": \"vda\"}]}",
			"a block setting's key is block.ATTR");
	/* a newline would smuggle a line of its own into sysctl.d or tuned.conf */
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"vm.swappiness\", \"value\": \"10\", \"scope\": \"global\", "
			"\"reason\": \"x\\nkernel.core_pattern = |/bin/sh\"}]}",
			"control character");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"vm.swappiness\", \"value\": \"10\\nvm.x=1\", \"scope\": \"global\"}]}",
			"control character");
	expect_bad_json("{\"schema\": \"nodeperf/profile/v1\", \"name\": \"x\", \"workload\": \"general\", "
			"\"settings\": [{\"key\": \"vm.swap = 1\", \"value\": \"10\", \"scope\": \"global\"}]}",
			"not a dotted name");
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const struct verify_item *vitem(const struct verify_item *it, long n, const char *key,
				       const char *where)
{
	long i;

	for (i = 0; i < n; i++)
		if (!strcmp(it[i].s->key, key) && (!where || !strcmp(it[i].where, where)))
			return &it[i];
	fail_msg("no item %s", key);
	return NULL;
}

static void test_verify(void **state)
{
	char root[] = "/tmp/np-test-verify-XXXXXX";
	struct profile *p = profile_new("v", PROFILE_GENERAL, NULL, NULL);
	struct verify_item *it;
	struct profile_setting *s;
	long n;

	(void)state;
	assert_non_null(mkdtemp(root));
	put(root, "proc/sys/net/core/somaxconn", "4096\n");
	put(root, "proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t16777216\n");
	put(root, "proc/sys/vm/max_map_count", "2097152\n");
	put(root, "sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	put(root, "sys/block/nvme0n1/queue/scheduler", "[none] mq-deadline\n");
	put(root, "sys/block/sda/queue/scheduler", "none [mq-deadline]\n");
	put(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz iommu=pt quiet\n");
	assert_non_null(profile_add(p, "r", "net.core.somaxconn", "16384", 1, SCOPE_NETNS, NULL, "x", NULL));
	assert_non_null(profile_add(p, "r", "net.ipv4.tcp_rmem", "4096 131072 16777216", 0, SCOPE_NETNS, NULL, "x", NULL));
	assert_non_null(profile_add(p, "r", "vm.max_map_count", "1048576", 1, SCOPE_GLOBAL, NULL, "x", NULL));
	assert_non_null(profile_add(p, "r", "net.core.busy_read", "50", 0, SCOPE_GLOBAL, NULL, "x", NULL));
	assert_non_null(profile_add(p, "r", "transparent_hugepage.enabled", "madvise", 0, SCOPE_THP, NULL, "x", NULL));
	s = profile_add(p, "r", "block.scheduler", "none", 0, SCOPE_BLOCK, NULL, "x", NULL);
	assert_non_null(s);
	s->devices = strdup("nvme*,sd*");
	assert_non_null(profile_add(p, "r", "cmdline.iommu", "pt", 0, SCOPE_CMDLINE, NULL, "x", NULL));

	n = profile_verify(p, root, -1, &it);
	assert_int_equal(n, 8);
	assert_int_equal(vitem(it, n, "net.core.somaxconn", NULL)->status, VERIFY_MISMATCH);
	assert_int_equal(vitem(it, n, "net.ipv4.tcp_rmem", NULL)->status, VERIFY_OK); /* tabs = spaces */
	assert_int_equal(vitem(it, n, "vm.max_map_count", NULL)->status, VERIFY_OK);  /* at least */
	assert_int_equal(vitem(it, n, "net.core.busy_read", NULL)->status, VERIFY_MISSING);
	assert_int_equal(vitem(it, n, "transparent_hugepage.enabled", NULL)->status, VERIFY_OK);
	assert_int_equal(vitem(it, n, "block.scheduler", "nvme0n1")->status, VERIFY_OK);
	assert_int_equal(vitem(it, n, "block.scheduler", "sda")->status, VERIFY_MISMATCH);
	assert_string_equal(vitem(it, n, "block.scheduler", "sda")->current, "mq-deadline");
	assert_int_equal(vitem(it, n, "cmdline.iommu", NULL)->status, VERIFY_OK);
	free(it);
	/* only one scope */
	n = profile_verify(p, root, SCOPE_NETNS, &it);
	assert_int_equal(n, 2);
	free(it);
	profile_free(p);
	assert_int_equal(sandbox_rmtree(root), 0);
}

/* --- tune's decision on compare's verdicts --- */

static struct result *run_with(const char *const *names, const double *const *reps,
			       const enum better *better)
{
	struct result *r = result_new();
	size_t i, k;

	r->run_id = strdup("t");
	r->suite = strdup("quick");
	r->started = strdup("2026-11-28T12:00:00Z");
	for (i = 0; names[i]; i++) {
		struct metric *m = result_add_metric(r, names[i], better[i] == BETTER_LOWER ? "ns" : "B/s", better[i]);

		for (k = 0; k < 5; k++)
			assert_int_equal(metric_add_rep(m, better[i] == BETTER_LOWER ? "p50" : "mean", reps[i][k]), 0);
		metric_set_values(m, reps[i], 5);
	}
	return r;
}

static void side(struct cmp_side *s, struct result *r)
{
	memset(s, 0, sizeof(*s));
	s->runs = calloc(1, sizeof(*s->runs));
	s->paths = calloc(1, sizeof(*s->paths));
	s->runs[0] = r;
	s->paths[0] = strdup("mem.json");
	s->label = strdup("-");
	s->nruns = 1;
}

static int decide(const double *tgt_b, const double *tgt_c, const double *other_b,
		  const double *other_c, char *why, size_t len, const struct cmp_metric **kept)
{
	static const char *const names[] = { "net.tcp_stream.veth", "net.tcp_rr.veth.1b", NULL };
	static const enum better better[] = { BETTER_HIGHER, BETTER_LOWER };
	const double *b[] = { tgt_b, other_b }, *c[] = { tgt_c, other_c };
	struct comparison cmp = { 0 };
	struct thresholds *th;
	char err[256];
	int rc;

	assert_int_equal(thresholds_parse("* mean 5%\n* p50 5%\n", "t", &th, err, sizeof(err)), 0);
	side(&cmp.base, run_with(names, b, better));
	side(&cmp.cand, run_with(names, c, better));
	cmp.th = th;
	cmp.alpha = COMPARE_ALPHA;
	assert_int_equal(compare_run(&cmp, err, sizeof(err)), 0);
	rc = tune_decide(&cmp, "net.tcp_stream.veth*", kept, why, len);
	if (rc)
		assert_string_equal((*kept)->name, "net.tcp_stream.veth");
	compare_release(&cmp);
	thresholds_free(th);
	return rc;
}

static void test_tune_decide(void **state)
{
	static const double base[] = { 1.00e9, 1.01e9, 0.99e9, 1.00e9, 1.02e9 };
	static const double better[] = { 1.30e9, 1.31e9, 1.29e9, 1.32e9, 1.30e9 };
	static const double same[] = { 1.00e9, 1.00e9, 1.01e9, 0.99e9, 1.01e9 };
	static const double lat[] = { 20000, 20100, 19900, 20050, 20000 };
	static const double lat_worse[] = { 26000, 26100, 25900, 26050, 26000 };
	const struct cmp_metric *kept;
	char why[256];

	(void)state;
	assert_int_equal(decide(base, better, lat, lat, why, sizeof(why), &kept), 1);
	/* improved, but another metric regressed: dropped, naming it */
	assert_int_equal(decide(base, better, lat, lat_worse, why, sizeof(why), &kept), 0);
	assert_non_null(strstr(why, "net.tcp_rr.veth.1b regressed"));
	/* nothing significant: dropped with compare's reason */
	assert_int_equal(decide(base, same, lat, lat, why, sizeof(why), &kept), 0);
	assert_non_null(strstr(why, "net.tcp_stream.veth unchanged"));
}

/* No rule without its documentation: every rule and tune candidate id has a section. */
static void test_docs_cover_rules(void **state)
{
	char *doc = read_all("docs/profiles.md", NULL), head[96];
	size_t i;
	const char *id;

	(void)state;
	assert_non_null(doc);
	for (i = 0; profile_rule_ids[i]; i++) {
		snprintf(head, sizeof(head), "\n### %s\n", profile_rule_ids[i]);
		if (!strstr(doc, head))
			fail_msg("docs/profiles.md has no section '### %s'", profile_rule_ids[i]);
	}
	for (i = 0; (id = profile_tune_candidate_id(i)); i++) {
		snprintf(head, sizeof(head), "\n### %s\n", id);
		if (!strstr(doc, head))
			fail_msg("docs/profiles.md has no section '### %s'", id);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_sysctl),
		cmocka_unit_test(test_golden_tuned),
		cmocka_unit_test(test_golden_aks),
		cmocka_unit_test(test_golden_json),
		cmocka_unit_test(test_aks_ranges),
		cmocka_unit_test(test_missing_metrics_skip),
		cmocka_unit_test(test_rules_facts),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_bad),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_tune_decide),
		cmocka_unit_test(test_docs_cover_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
