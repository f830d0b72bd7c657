/* configdiff.c - flatten and diff both sides' snapshots; map settings to metric families. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "results/configdiff.h"
#include "results/result.h"

/*
 * Keep in step with the table in docs/compare.md (tests/unit/test_configdiff.c
 * holds them equal). A metric takes the first row whose family matches, and
 * the last row, which applies to every metric.
 */
const struct cfgdiff_area cfgdiff_table[] = {
	{ "sched.*",
	  "kernel.* cpu.* topology.* cpufreq.* cpuidle.* clocksource preempt mitigations.* "
	  "sysctl.kernel.sched_* sysctl.kernel.numa_balancing sysctl.kernel.timer_migration",
	  "wakeup and switch cost is the kernel's scheduler, its preemption model and HZ, "
	  "mitigations on the syscall path, CPU frequency and idle states, and where the CPUs "
	  "are" },
	{ "net.*", "sysctl.net.* nic.* kernel.config.* mitigations.* topology.pci*",
	  "socket buffers, backlog, busy polling, congestion control and qdisc are net sysctls; "
	  "offloads and queues are NIC settings; the stack itself is the kernel" },
	{ "io.*", "block.* sysctl.vm.dirty_* sysctl.fs.aio-max-nr kernel.config.* topology.pci*",
	  "the elevator, queue depth, read-ahead, write throttling and writeback decide block "
	  "latency" },
	{ "container.*",
	  "runtimes.* cgroup kernel.config.* sysctl.user.* sysctl.kernel.pid_max "
	  "sysctl.kernel.threads-max sysctl.kernel.keys.*",
	  "container start is the runtime's work (runc, crun, containerd) on the cgroup version "
	  "and the kernel's namespace and cgroup code" },
	{ "mem.*", "thp.* sysctl.vm.* memory_bytes topology.numa_nodes* kernel.config.*",
	  "page faults and bandwidth follow THP, reclaim and overcommit settings and NUMA layout" },
	{ "gpu.*", "gpus* topology.pci*",
	  "host-device copies depend on the driver, the PCIe path and NUMA locality of the GPU" },
	{ "*", "kernel.release os.*",
	  "any metric can move with the kernel or the OS release (this row applies to every "
	  "metric)" },
};

const size_t cfgdiff_table_len = ARRAY_SIZE(cfgdiff_table);

/* Identity and readings that change from one run to the next: not configuration. */
static const char *const volatile_keys[] = { "hostname", "cpu.mhz" };

struct kv {
	char *key;
	char *val;
};

struct kvs {
	struct kv *v;
	size_t n, cap;
};

static void kvs_release(struct kvs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].val);
	}
	free(s->v);
}

/* Append (key, val); takes val (freed on error). */
static int kvs_add(struct kvs *s, const char *key, char *val)
{
	struct kv *nv;

	if (!val)
		return -ENOMEM;
	if (s->n == s->cap) {
		nv = reallocarray(s->v, s->cap ? 2 * s->cap : 256, sizeof(*nv));
		if (!nv) {
			free(val);
			return -ENOMEM;
		}
		s->v = nv;
		s->cap = s->cap ? 2 * s->cap : 256;
	}
	s->v[s->n].key = strdup(key);
	if (!s->v[s->n].key) {
		free(val);
		return -ENOMEM;
	}
	s->v[s->n++].val = val;
	return 0;
}

static char *scalar_text(const json_t *j)
{
	char *s = NULL;

	switch (json_typeof(j)) {
	case JSON_STRING:
		return strdup(json_string_value(j));
	case JSON_INTEGER:
		return asprintf(&s, "%lld", (long long)json_integer_value(j)) < 0 ? NULL : s;
	case JSON_REAL:
		return asprintf(&s, "%.15g", json_real_value(j)) < 0 ? NULL : s;
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	default:
		return strdup("none");
	}
}

static int is_volatile(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(volatile_keys); i++)
		if (!strcmp(key, volatile_keys[i]))
			return 1;
	return 0;
}

/* A list of scalars reads best as one space-separated value ("avx2 aes"). */
static char *scalar_list(const json_t *a)
{
	size_t i, len = 0;
	char *out = strdup(json_array_size(a) ? "" : "[]"), *item, *grown;
	json_t *v;

	json_array_foreach(a, i, v)
	{
		item = scalar_text(v);
		grown = item && out ? realloc(out, len + strlen(item) + 2) : NULL;
		if (!grown) {
			free(item);
			free(out);
			return NULL;
		}
		out = grown;
		len += (size_t)sprintf(out + len, "%s%s", i ? " " : "", item);
		free(item);
	}
	return out;
}

static int flatten(struct kvs *s, const char *prefix, const json_t *j)
{
	char key[512];
	const char *k;
	json_t *v;
	size_t i;
	int rc = 0, scalars = 1;

	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, k, v)
		{
			snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
			if (!is_volatile(key) && (rc = flatten(s, key, v)))
				return rc;
		}
		return 0;
	}
	if (!json_is_array(j))
		return kvs_add(s, prefix, scalar_text(j));
	json_array_foreach(j, i, v) scalars &= !json_is_object(v) && !json_is_array(v);
	if (scalars)
		return kvs_add(s, prefix, scalar_list(j));
	json_array_foreach(j, i, v)
	{
		snprintf(key, sizeof(key), "%s[%zu]", prefix, i);
		if ((rc = flatten(s, key, v)))
			return rc;
	}
	return 0;
}

static int cmp_kv(const void *pa, const void *pb)
{
	const struct kv *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	return c != 0 ? c : strcmp(a->val, b->val);
}

/* *val becomes "*val | s"; NULL (and freed) when out of memory. */
static void join(char **val, const char *s)
{
	char *joined = NULL;

	if (*val && asprintf(&joined, "%s | %s", *val, s) < 0)
		joined = NULL;
	free(*val);
	*val = joined;
}

/*
 * One side's view: every key of every file, the distinct values joined by
 * " | " when its files disagree; a file without the key counts as "absent".
 */
static int side_view(struct result *const *r, size_t nr, struct kvs *out)
{
	struct kvs all = { 0 };
	size_t i, j, have;
	char *val;
	int rc = 0;

	for (i = 0; i < nr && !rc; i++) {
		if (r[i]->node)
			rc = flatten(&all, "", r[i]->node);
		if (!rc && r[i]->config)
			rc = flatten(&all, "", r[i]->config);
	}
	if (rc)
		goto out_all;
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), cmp_kv);
	for (i = 0; i < all.n && !rc; i = j) {
		val = strdup(all.v[i].val);
		have = 1;
		for (j = i + 1; j < all.n && strcmp(all.v[j].key, all.v[i].key) == 0; j++) {
			have++;
			if (strcmp(all.v[j].val, all.v[j - 1].val) != 0)
				join(&val, all.v[j].val);
		}
		if (have < nr)
			join(&val, "absent");
		rc = kvs_add(out, all.v[i].key, val);
	}
out_all:
	kvs_release(&all);
	return rc;
}

void cfgdiff_free(struct cfgdiff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->items[i].key);
		free(d->items[i].base);
		free(d->items[i].cand);
	}
	free(d->items);
	free(d);
}

/* Add key with the values of a and b (either may be NULL, and is taken) to d. */
static int diff_add(struct cfgdiff *d, size_t *cap, const char *key, struct kv *a, struct kv *b)
{
	struct cfgdiff_item *ni, *it;

	if (d->n == *cap) {
		ni = reallocarray(d->items, *cap ? 2 * *cap : 32, sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		d->items = ni;
		*cap = *cap ? 2 * *cap : 32;
	}
	it = &d->items[d->n++];
	it->key = strdup(key);
	it->base = a ? a->val : NULL;
	it->cand = b ? b->val : NULL;
	if (a)
		a->val = NULL;
	if (b)
		b->val = NULL;
	return it->key ? 0 : -ENOMEM;
}

int cfgdiff_build(struct result *const *base, size_t nbase, struct result *const *cand,
		  size_t ncand, struct cfgdiff **out)
{
	struct kvs a = { 0 }, b = { 0 };
	struct cfgdiff *d = calloc(1, sizeof(*d));
	size_t i = 0, j = 0, cap = 0;
	int c, rc;

	if (!d)
		return -ENOMEM;
	rc = side_view(base, nbase, &a);
	if (!rc)
		rc = side_view(cand, ncand, &b);
	while (!rc && (i < a.n || j < b.n)) {
		c = i == a.n ? 1 : j == b.n ? -1 : strcmp(a.v[i].key, b.v[j].key);
		if (c < 0) {
			rc = diff_add(d, &cap, a.v[i].key, &a.v[i], NULL);
			i++;
		} else if (c > 0) {
			rc = diff_add(d, &cap, b.v[j].key, NULL, &b.v[j]);
			j++;
		} else {
			if (strcmp(a.v[i].val, b.v[j].val) != 0)
				rc = diff_add(d, &cap, a.v[i].key, &a.v[i], &b.v[j]);
			i++;
			j++;
		}
	}
	kvs_release(&a);
	kvs_release(&b);
	if (rc) {
		cfgdiff_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

const struct cfgdiff_area *cfgdiff_area_of(const char *metric)
{
	size_t i;

	for (i = 0; i + 1 < cfgdiff_table_len; i++)
		if (!fnmatch(cfgdiff_table[i].family, metric, 0))
			return &cfgdiff_table[i];
	return &cfgdiff_table[cfgdiff_table_len - 1];
}

static int keys_match(const char *globs, const char *key)
{
	char glob[128];
	size_t n;

	while (*globs) {
		n = strcspn(globs, " ");
		if (n < sizeof(glob)) {
			memcpy(glob, globs, n);
			glob[n] = '\0';
			if (!fnmatch(glob, key, 0))
				return 1;
		}
		globs += n;
		globs += strspn(globs, " ");
	}
	return 0;
}

int cfgdiff_explains(const char *metric, const char *key)
{
	return keys_match(cfgdiff_area_of(metric)->keys, key) ||
	       keys_match(cfgdiff_table[cfgdiff_table_len - 1].keys, key);
}
