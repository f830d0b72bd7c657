/* result.c - the result model (schema v1): build, atomic JSON write, validated read, summary table. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/stats.h"
#include "core/util.h"
#include "results/result.h"

#ifndef NP_VERSION
#define NP_VERSION "unknown"
#endif

/* The per-metric statistics, in the order they are written; stat_ptr() follows it. */
static const char *const stat_keys[] = { "min", "mean", "stddev", "p50", "p90", "p99", "p999", "max" };

/* Indexes into stat_keys that must be non-decreasing: min, p50..p999, max. */
static const unsigned stat_order[] = { 0, 3, 4, 5, 6, 7 };

static const char *const metric_units[] = { "ns", "B/s", "ops/s", "B", "count", "ratio", "%" };

/* The number fields of struct rep_env, in the order "disturbance" lists them (after "round"). */
static const struct {
	const char *key;
	size_t off;
	int count;		/* a count: written as an integer when whole */
} env_fields[] = {
	{ "wall_s", offsetof(struct rep_env, wall_s), 0 },
	{ "steal_s", offsetof(struct rep_env, steal_s), 0 },
	{ "other_cpu_s", offsetof(struct rep_env, other_cpu_s), 0 },
	{ "throttled_s", offsetof(struct rep_env, throttled_s), 0 },
	{ "invol_csw", offsetof(struct rep_env, invol_csw), 1 },
	{ "irq", offsetof(struct rep_env, irq), 1 },
	{ "softirq", offsetof(struct rep_env, softirq), 1 },
	{ "major_faults", offsetof(struct rep_env, major_faults), 1 },
};

static double *env_field(struct rep_env *e, size_t i)
{
	return (double *)((char *)e + env_fields[i].off);
}

static double env_val(const struct rep_env *e, size_t i)
{
	return *env_field((struct rep_env *)e, i);
}

static double *stat_ptr(struct metric *m, size_t i)
{
	double *const p[] = { &m->min, &m->mean, &m->stddev, &m->p50, &m->p90, &m->p99,
			      &m->p999, &m->max };

	return p[i];
}

static double stat_val(const struct metric *m, size_t i)
{
	return *stat_ptr((struct metric *)m, i);
}

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* Room for need elements in arr (capacity *cap); the new array or NULL. */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return arr;
	while (ncap < need)
		ncap *= 2;
	p = reallocarray(arr, ncap, size);
	if (p)
		*cap = ncap;
	return p;
}

struct result *result_new(void)
{
	struct result *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->tool_version = strdup(NP_VERSION);
	if (!r->tool_version) {
		free(r);
		return NULL;
	}
	return r;
}

static void metric_release(struct metric *m)
{
	size_t i;

	free(m->name);
	free(m->unit);
	for (i = 0; i < m->nreps; i++)
		free(m->reps[i].v);
	if (m->hist)
		hist_free(m->hist);
	json_decref(m->probes);
	json_decref(m->params);
	free(m->env);
}

static void argv_free(struct result *r)
{
	size_t i;

	for (i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
	r->argv = NULL;
	r->argc = 0;
}

void result_free(struct result *r)
{
	size_t i;

	if (!r)
		return;
	free(r->tool_version);
	free(r->run_id);
	free(r->label);
	free(r->suite);
	free(r->started);
	argv_free(r);
	json_decref(r->order);
	json_decref(r->node);
	json_decref(r->config);
	for (i = 0; i < r->nmetrics; i++)
		metric_release(&r->metrics[i]);
	free(r->metrics);
	json_decref(r->probes);
	for (i = 0; i < r->nskipped; i++) {
		free(r->skipped[i].bench);
		free(r->skipped[i].reason);
	}
	free(r->skipped);
	free(r);
}

struct metric *result_add_metric(struct result *r, const char *name,
				 const char *unit, enum better better)
{
	struct metric *m = grow(r->metrics, &r->cap_metrics, r->nmetrics + 1, sizeof(*m));

	if (!m)
		return NULL;
	r->metrics = m;
	m = &r->metrics[r->nmetrics];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	m->unit = strdup(unit);
	if (!m->name || !m->unit) {
		free(m->name);
		free(m->unit);
		return NULL;
	}
	m->better = better;
	r->nmetrics++;
	return m;
}

void metric_set_hist(struct metric *m, struct hist *h)
{
	if (m->hist)
		hist_free(m->hist);
	m->hist = h;
	m->n = h->count;
	m->min = h->count ? (double)h->min : 0;
	m->max = h->count ? (double)h->max : 0;
	m->mean = hist_mean(h);
	m->stddev = hist_stddev(h);
	m->p50 = (double)hist_quantile(h, 0.5);
	m->p90 = (double)hist_quantile(h, 0.9);
	m->p99 = (double)hist_quantile(h, 0.99);
	m->p999 = (double)hist_quantile(h, 0.999);
}

void metric_set_values(struct metric *m, const double *v, size_t n)
{
	m->n = n;
	m->min = n ? stats_quantile(v, n, 0) : 0;
	m->max = n ? stats_quantile(v, n, 1) : 0;
	m->mean = n ? stats_mean(v, n) : 0;
	m->stddev = n > 1 ? stats_stddev(v, n) : 0;
	m->p50 = n ? stats_quantile(v, n, 0.5) : 0;
	m->p90 = n ? stats_quantile(v, n, 0.9) : 0;
	m->p99 = n ? stats_quantile(v, n, 0.99) : 0;
	m->p999 = n ? stats_quantile(v, n, 0.999) : 0;
}

static int rep_index(const struct metric *m, const char *stat)
{
	size_t i;

	for (i = 0; i < m->nreps; i++)
		if (!strcmp(m->reps[i].stat, stat))
			return (int)i;
	return -1;
}

int metric_add_rep(struct metric *m, const char *stat, double v)
{
	int i = rep_index(m, stat);
	size_t n = i < 0 ? 0 : m->reps[i].n;
	double *nv;

	if (!isfinite(v) || !*stat || strlen(stat) >= sizeof(m->reps[0].stat))
		return -EINVAL;
	if (i < 0 && m->nreps == RESULT_MAX_REPSTATS)
		return -ENOSPC;
	nv = reallocarray(i < 0 ? NULL : m->reps[i].v, n + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	/* A new series is only counted once it holds a value. */
	if (i < 0) {
		i = (int)m->nreps++;
		str_copy(m->reps[i].stat, stat, sizeof(m->reps[i].stat));
	}
	nv[n] = v;
	m->reps[i].v = nv;
	m->reps[i].n = n + 1;
	return 0;
}

const struct rep_series *metric_reps(const struct metric *m, const char *stat)
{
	int i = rep_index(m, stat);

	return i < 0 ? NULL : &m->reps[i];
}

const struct metric *result_find_metric(const struct result *r, const char *name)
{
	size_t i;

	for (i = r->nmetrics; i-- > 0;)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

size_t metric_nreps_n(const struct metric *m)
{
	return m->nreps ? m->reps[0].n : 0;
}

const struct rep_env *metric_rep_env(const struct metric *m, size_t i)
{
	return m->env && i < m->nenv ? &m->env[i] : NULL;
}

int metric_set_env(struct metric *m, const struct rep_env *env, size_t n)
{
	struct rep_env *e = NULL;

	if (n) {
		e = reallocarray(NULL, n, sizeof(*e));
		if (!e)
			return -ENOMEM;
		memcpy(e, env, n * sizeof(*e));
	}
	free(m->env);
	m->env = e;
	m->nenv = n;
	return 0;
}

int metric_merge(struct metric *dst, const struct metric *src, char *why, size_t len)
{
	size_t n0 = metric_nreps_n(dst), n1 = metric_nreps_n(src), i;
	double *nv[RESULT_MAX_REPSTATS] = { 0 };
	struct rep_env *env = NULL;
	struct hist *h = NULL;
	const struct rep_series *ss;

	if (strcmp(dst->name, src->name) != 0 || strcmp(dst->unit, src->unit) != 0 || dst->better != src->better) {
		seterr(why, len, "%s (%s, %s) and %s (%s, %s) are not the same measurement", dst->name, dst->unit,
		       dst->better == BETTER_HIGHER ? "higher" : "lower", src->name, src->unit,
		       src->better == BETTER_HIGHER ? "higher" : "lower");
		return -EINVAL;
	}
	if (dst->nreps != src->nreps || !dst->hist != !src->hist) {
		seterr(why, len, "%s: the rounds recorded different statistics", dst->name);
		return -EINVAL;
	}
	for (i = 0; i < dst->nreps; i++) {
		ss = metric_reps(src, dst->reps[i].stat);
		if (!ss || ss->n != n1 || dst->reps[i].n != n0) {
			seterr(why, len, "%s: the rounds recorded different statistics", dst->name);
			return -EINVAL;
		}
	}
	/* allocate everything first: a failure leaves dst as it was */
	for (i = 0; i < dst->nreps; i++)
		if (!(nv[i] = reallocarray(NULL, n0 + n1 ? n0 + n1 : 1, sizeof(double))))
			goto oom;
	if (dst->nenv == n0 && src->nenv == n1 && n0 + n1 &&
	    !(env = reallocarray(NULL, n0 + n1, sizeof(*env))))
		goto oom;
	if (dst->hist && !(h = hist_new()))
		goto oom;

	for (i = 0; i < dst->nreps; i++) {
		ss = metric_reps(src, dst->reps[i].stat);
		memcpy(nv[i], dst->reps[i].v, n0 * sizeof(double));
		memcpy(nv[i] + n0, ss->v, n1 * sizeof(double));
		free(dst->reps[i].v);
		dst->reps[i].v = nv[i];
		dst->reps[i].n = n0 + n1;
	}
	if (env) {
		memcpy(env, dst->env, n0 * sizeof(*env));
		memcpy(env + n0, src->env, n1 * sizeof(*env));
	}
	/* one side without environments: none can be told per repetition */
	free(dst->env);
	dst->env = env;
	dst->nenv = env ? n0 + n1 : 0;
	dst->env_bench_scope |= src->env_bench_scope;
	if (h) {
		hist_merge(h, dst->hist);
		hist_merge(h, src->hist);
		metric_set_hist(dst, h);
	} else if ((ss = metric_reps(dst, "mean"))) {
		metric_set_values(dst, ss->v, ss->n);
	}
	if (json_is_integer(json_object_get(dst->params, "reps_done")))
		json_object_set_new(dst->params, "reps_done", json_integer((json_int_t)(n0 + n1)));
	return 0;
oom:
	for (i = 0; i < RESULT_MAX_REPSTATS; i++)
		free(nv[i]);
	free(env);
	seterr(why, len, "%s", strerror(ENOMEM));
	return -ENOMEM;
}

void result_remove_metric(struct result *r, size_t i)
{
	if (i >= r->nmetrics)
		return;
	metric_release(&r->metrics[i]);
	memmove(&r->metrics[i], &r->metrics[i + 1], (r->nmetrics - i - 1) * sizeof(r->metrics[0]));
	r->nmetrics--;
}

void result_remove_skip(struct result *r, size_t i)
{
	if (i >= r->nskipped)
		return;
	free(r->skipped[i].bench);
	free(r->skipped[i].reason);
	memmove(&r->skipped[i], &r->skipped[i + 1], (r->nskipped - i - 1) * sizeof(r->skipped[0]));
	r->nskipped--;
}

int result_add_skip(struct result *r, const char *bench, const char *reason)
{
	struct skip *s = grow(r->skipped, &r->cap_skipped, r->nskipped + 1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	r->skipped = s;
	s = &r->skipped[r->nskipped];
	s->bench = strdup(bench);
	s->reason = strdup(reason);
	if (!s->bench || !s->reason) {
		free(s->bench);
		free(s->reason);
		return -ENOMEM;
	}
	r->nskipped++;
	return 0;
}

int result_set_argv(struct result *r, int argc, char *const argv[])
{
	char **v = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*v));
	int i;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < argc; i++) {
		v[i] = strdup(argv[i]);
		if (!v[i]) {
			while (i--)
				free(v[i]);
			free(v);
			return -ENOMEM;
		}
	}
	argv_free(r);
	r->argv = v;
	r->argc = (size_t)argc;
	return 0;
}

/* ^[a-z0-9_]+(\.[a-z0-9_-]+)+$ */
static int metric_name_ok(const char *s)
{
	size_t seg = 0, len = 0;

	for (;; s++) {
		if (!*s || *s == '.') {
			if (!len)
				return 0;
			if (!*s)
				return seg >= 1;
			seg++;
			len = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			   *s == '_' || (*s == '-' && seg)) {
			len++;
		} else {
			return 0;
		}
	}
}

/*
 * What the writer refuses and the reader rejects alike: the key of the first
 * offending field with why filled in, or NULL when m is sound.
 */
static const char *metric_check(const struct metric *m, char *why, size_t len)
{
	size_t i, j;

	if (!metric_name_ok(m->name)) {
		seterr(why, len, "\"%s\" is not a metric name (lower-case family.test[.variant...])",
		       m->name);
		return "name";
	}
	for (i = 0; i < ARRAY_SIZE(metric_units); i++)
		if (!strcmp(m->unit, metric_units[i]))
			break;
	if (i == ARRAY_SIZE(metric_units)) {
		seterr(why, len, "\"%s\" is not a unit of schema v1 (ns, B/s, ops/s, B, count, ratio, %%)",
		       m->unit);
		return "unit";
	}
	for (i = 0; i < ARRAY_SIZE(stat_keys); i++) {
		if (!isfinite(stat_val(m, i))) {
			seterr(why, len, "%g is not a finite number", stat_val(m, i));
			return stat_keys[i];
		}
	}
	if (m->stddev < 0) {
		seterr(why, len, "expected a number >= 0");
		return "stddev";
	}
	for (i = 0; i < m->nreps; i++)
		for (j = 0; j < m->reps[i].n; j++)
			if (!isfinite(m->reps[i].v[j])) {
				seterr(why, len, "%s[%zu] is not a finite number", m->reps[i].stat, j);
				return "reps";
			}
	if (m->nenv && m->nenv != metric_nreps_n(m)) {
		seterr(why, len, "has %zu repetitions but the metric has %zu", m->nenv, metric_nreps_n(m));
		return "disturbance";
	}
	for (i = 0; i < m->nenv; i++)
		for (j = 0; j < ARRAY_SIZE(env_fields); j++)
			if (!isfinite(env_val(&m->env[i], j)) || env_val(&m->env[i], j) < 0) {
				seterr(why, len, "%s[%zu] is %g, not a finite number >= 0", env_fields[j].key, i,
				       env_val(&m->env[i], j));
				return "disturbance";
			}
	if (m->hist && m->hist->count != m->n) {
		seterr(why, len, "is %llu but the histogram holds %llu values",
		       (unsigned long long)m->n, (unsigned long long)m->hist->count);
		return "n";
	}
	for (i = 1; m->n && i < ARRAY_SIZE(stat_order); i++) {
		double lo = stat_val(m, stat_order[i - 1]), hi = stat_val(m, stat_order[i]);

		if (lo > hi) {
			seterr(why, len, "%.17g is less than %s (%.17g); expected min <= p50 <= p90 <= p99 <= p999 <= max",
			       hi, stat_keys[stat_order[i - 1]], lo);
			return stat_keys[stat_order[i]];
		}
	}
	return NULL;
}

static int result_check(const struct result *r, char *why, size_t len)
{
	const char *key;
	char buf[200];
	size_t i;

	if (!r->tool_version || !r->run_id || !r->suite || !r->started) {
		seterr(why, len, "%s is not set", !r->tool_version ? "tool.version" :
		       !r->run_id ? "run.id" : !r->suite ? "run.suite" : "run.started");
		return -EINVAL;
	}
	if (!isfinite(r->duration_s) || r->duration_s < 0) {
		seterr(why, len, "run.duration_s: %g is not a finite number >= 0", r->duration_s);
		return -EINVAL;
	}
	if (r->order && !json_is_array(r->order)) {
		seterr(why, len, "run.order: not an array");
		return -EINVAL;
	}
	if (r->has_seed && r->seed > INT64_MAX) {
		seterr(why, len, "run.seed: %llu does not fit a JSON integer", (unsigned long long)r->seed);
		return -EINVAL;
	}
	for (i = 0; i < r->nmetrics; i++) {
		key = metric_check(&r->metrics[i], buf, sizeof(buf));
		if (key) {
			seterr(why, len, "metrics[%zu].%s: %s", i, key, buf);
			return -EINVAL;
		}
	}
	return 0;
}

/* JSON integers are signed 64-bit; larger counts (never seen in practice) saturate. */
static json_int_t jint(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (json_int_t)v;
}

json_t *result_hist_to_json(const struct hist *h)
{
	json_t *b = json_array();
	int err = !b;
	unsigned i;

	for (i = 0; !err && i < HIST_BUCKETS; i++)
		if (h->buckets[i])
			err = json_array_append_new(b, json_pack("[II]", (json_int_t)i,
								 jint(h->buckets[i])));
	if (err) {
		json_decref(b);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:I, s:I, s:I}", "scheme", HIST_SCHEME, "buckets", b,
			 "min", jint(h->count ? h->min : 0), "max", jint(h->count ? h->max : 0),
			 "sum", jint(h->sum));
}

static json_t *reps_to_json(const struct metric *m)
{
	json_t *o = json_object(), *a;
	int err = !o;
	size_t i, j;

	for (i = 0; !err && i < m->nreps; i++) {
		a = json_array();
		for (j = 0; a && !err && j < m->reps[i].n; j++)
			err = json_array_append_new(a, json_real(m->reps[i].v[j]));
		err |= json_object_set_new(o, m->reps[i].stat, a);
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"round": [..], "wall_s": [..], ...}: one value per repetition; "scope": "bench" when spread. */
static json_t *env_to_json(const struct metric *m)
{
	json_t *o = json_object(), *a = json_array();
	int err = !o || !a;
	size_t i, j;

	for (i = 0; !err && i < m->nenv; i++)
		err = json_array_append_new(a, json_integer(m->env[i].round));
	err |= json_object_set_new(o, "round", a);
	for (j = 0; !err && j < ARRAY_SIZE(env_fields); j++) {
		a = json_array();
		for (i = 0; a && !err && i < m->nenv; i++) {
			double v = env_val(&m->env[i], j);

			err = json_array_append_new(a, env_fields[j].count && v == floor(v) && v < 9e15
							       ? json_integer((json_int_t)v) : json_real(v));
		}
		err |= json_object_set_new(o, env_fields[j].key, a);
	}
	if (!err && m->env_bench_scope)
		err = json_object_set_new(o, "scope", json_string("bench"));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *metric_to_json(const struct metric *m)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "name", m->name, "unit", m->unit,
			      "better", m->better == BETTER_HIGHER ? "higher" : "lower",
			      "n", jint(m->n));
	int err = !o;
	size_t i;

	for (i = 0; !err && i < ARRAY_SIZE(stat_keys); i++)
		err = json_object_set_new(o, stat_keys[i], json_real(stat_val(m, i)));
	if (!err)
		err = json_object_set_new(o, "reps", reps_to_json(m));
	if (!err && m->nenv)
		err = json_object_set_new(o, "disturbance", env_to_json(m));
	if (!err && m->hist)
		err = json_object_set_new(o, "hist", result_hist_to_json(m->hist));
	if (!err && m->params)
		err = json_object_set(o, "params", m->params);
	if (!err && m->probes)
		err = json_object_set(o, "probes", m->probes);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *strings_to_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	int err = !a;
	size_t i;

	for (i = 0; !err && i < n; i++)
		err = json_array_append_new(a, json_string(v[i]));
	if (err) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *to_json(const struct result *r)
{
	json_t *metrics = json_array(), *skipped = json_array();
	int err = !metrics || !skipped;
	size_t i;

	for (i = 0; !err && i < r->nmetrics; i++)
		err = json_array_append_new(metrics, metric_to_json(&r->metrics[i]));
	for (i = 0; !err && i < r->nskipped; i++)
		err = json_array_append_new(skipped, json_pack("{s:s, s:s}",
			"bench", r->skipped[i].bench, "reason", r->skipped[i].reason));
	if (err) {
		json_decref(metrics);
		json_decref(skipped);
		return NULL;
	}
	/* json_pack releases every "o" argument, also when it fails. */
	return json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s?, s:s, s:s, s:f, s:o, s:o*, s:o*, s:o*, s:o*}, s:o, s:o, s:o, s:o, s:o}",
			 "schema", RESULT_SCHEMA,
			 "tool", "name", "nodeperf", "version", r->tool_version,
			 "run", "id", r->run_id, "label", r->label, "suite", r->suite,
			 "started", r->started, "duration_s", r->duration_s,
			 "argv", strings_to_json(r->argv, r->argc),
			 "partial", r->partial ? json_true() : NULL,
			 "rounds", r->rounds ? json_integer(r->rounds) : NULL,
			 "seed", r->has_seed ? json_integer((json_int_t)r->seed) : NULL,
			 "order", r->order ? json_incref(r->order) : NULL,
			 "node", r->node ? json_incref(r->node) : json_object(),
			 "config", r->config ? json_incref(r->config) : json_object(),
			 "metrics", metrics,
			 "probes", r->probes ? json_incref(r->probes) : json_array(),
			 "skipped", skipped);
}

json_t *result_to_json(const struct result *r)
{
	json_t *root;

	if (result_check(r, NULL, 0)) {
		errno = EINVAL;
		return NULL;
	}
	root = to_json(r);
	if (!root)
		errno = ENOMEM;
	return root;
}

static int fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	int fd, ret = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

/* Create the temp file; one left by an earlier process with our pid is stale. */
static int create_tmp(const char *tmp)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0 && errno == EEXIST && !unlink(tmp))
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

int result_write(const struct result *r, const char *path, char *err, size_t errlen)
{
	char why[256], *tmp = NULL;
	json_t *root;
	FILE *f;
	int fd, ret;

	ret = result_check(r, why, sizeof(why));
	if (ret) {
		seterr(err, errlen, "%s: not written: %s", path, why);
		return ret;
	}
	root = to_json(r);
	if (!root || asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		ret = -ENOMEM;
		seterr(err, errlen, "%s: not written: %s", path, strerror(ENOMEM));
		goto out_root;
	}
	fd = create_tmp(tmp);
	if (fd < 0) {
		ret = fd;
		seterr(err, errlen, "%s: cannot create %s: %s", path, tmp, strerror(-ret));
		goto out_tmp;
	}
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto out_fail;
	}
	errno = 0;
	if (json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) || fputc('\n', f) == EOF ||
	    fflush(f) || fsync(fd)) {
		ret = errno ? -errno : -EIO;
		fclose(f);
		goto out_fail;
	}
	if (fclose(f) || rename(tmp, path)) {
		ret = -errno;
		goto out_fail;
	}
	ret = fsync_parent(path);
	if (ret)
		seterr(err, errlen, "%s: written, but syncing its directory failed: %s", path,
		       strerror(-ret));
	goto out_tmp;

out_fail:
	seterr(err, errlen, "%s: cannot write %s: %s", path, tmp, strerror(-ret));
	unlink(tmp);
out_tmp:
	free(tmp);
out_root:
	json_decref(root);
	return ret;
}

/* --- reading --- */

#define RD_DEPTH 8	/* deepest path read: metrics[i].hist.buckets[j][k] */

enum { F_OPT = 1, F_NULL = 2, F_NONNEG = 4 };

struct rd {
	const char *file;
	const char *text;	/* the document, to locate values in; may be NULL */
	char *err;
	size_t errlen;
	struct {
		const char *key;	/* NULL: array index */
		size_t idx;
	} at[RD_DEPTH];
	int depth;
};

static void push_key(struct rd *c, const char *key)
{
	c->at[c->depth].key = key;
	c->depth++;
}

static void push_idx(struct rd *c, size_t idx)
{
	c->at[c->depth].key = NULL;
	c->at[c->depth].idx = idx;
	c->depth++;
}

static void pop(struct rd *c)
{
	c->depth--;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

/* The text is valid JSON (jansson parsed it), so brackets balance. */
static const char *skip_value(const char *p)
{
	int depth = 0;

	do {
		p = skip_ws(p);
		if (*p == '"') {
			p = skip_string(p);
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			depth--;
			p++;
		} else if (*p == ',' || *p == ':') {
			p++;
		} else {
			if (!*p)
				return p;
			while (*p && !strchr(" \t\r\n,:]}", *p))
				p++;
		}
	} while (depth > 0);
	return p;
}

/* Walk c->at through the text: the value's first byte, or the deepest ancestor found. */
static const char *locate(const struct rd *c)
{
	const char *p = skip_ws(c->text), *found = p, *k;
	size_t j, klen;
	int i, match;

	for (i = 0; i < c->depth; i++) {
		if (c->at[i].key) {
			if (*p != '{')
				return found;
			klen = strlen(c->at[i].key);
			for (p = skip_ws(p + 1);; p = skip_ws(p + 1)) {
				if (*p != '"')
					return found;
				k = p + 1;
				p = skip_string(p);
				match = (size_t)(p - 1 - k) == klen && !memcmp(k, c->at[i].key, klen);
				p = skip_ws(p);
				if (*p != ':')
					return found;
				p = skip_ws(p + 1);
				if (match)
					break;
				p = skip_ws(skip_value(p));
				if (*p != ',')
					return found;
			}
		} else {
			if (*p != '[')
				return found;
			p = skip_ws(p + 1);
			for (j = 0; j < c->at[i].idx; j++) {
				p = skip_ws(skip_value(p));
				if (*p != ',')
					return found;
				p = skip_ws(p + 1);
			}
			if (*p == ']')
				return found;
		}
		found = p;
	}
	return found;
}

/* Columns count characters, not bytes, as jansson's do. */
static void line_col(const char *text, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (; text < at; text++) {
		if (*text == '\n') {
			(*line)++;
			*col = 1;
		} else if ((*text & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int vfail(struct rd *c, const char *fmt, va_list ap)
{
	char where[160] = "", msg[320];
	size_t off = 0;
	int i, line, col, n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0; i < c->depth && off < sizeof(where); i++, off += (size_t)n) {
		if (c->at[i].key)
			n = snprintf(where + off, sizeof(where) - off, "%s%s", off ? "." : "",
				     c->at[i].key);
		else
			n = snprintf(where + off, sizeof(where) - off, "[%zu]", c->at[i].idx);
		if (n < 0)
			break;
	}
	if (c->text) {
		line_col(c->text, locate(c), &line, &col);
		seterr(c->err, c->errlen, "%s:%d:%d: %s%s%s", c->file, line, col, where,
		       *where ? ": " : "", msg);
	} else {
		seterr(c->err, c->errlen, "%s: %s%s%s", c->file, where, *where ? ": " : "", msg);
	}
	return -EINVAL;
}

static int __attribute__((format(printf, 2, 3))) fail(struct rd *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(c, fmt, ap);
	va_end(ap);
	return ret;
}

/* Fail at member key of the current object. */
static int __attribute__((format(printf, 3, 4)))
fail_at(struct rd *c, const char *key, const char *fmt, ...)
{
	va_list ap;
	int ret;

	push_key(c, key);
	va_start(ap, fmt);
	ret = vfail(c, fmt, ap);
	va_end(ap);
	pop(c);
	return ret;
}

static int oom(struct rd *c)
{
	seterr(c->err, c->errlen, "%s: %s", c->file, strerror(ENOMEM));
	return -ENOMEM;
}

/* Check that v, at the current path, has type t (JSON_INTEGER: non-negative). */
static int expect(struct rd *c, json_t *v, json_type t, unsigned fl)
{
	static const char *const what[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string", [JSON_INTEGER] = "a non-negative integer",
		[JSON_REAL] = "a number", [JSON_TRUE] = "true or false",
	};
	int ok;

	switch (t) {
	case JSON_INTEGER:
		ok = json_is_integer(v) && json_integer_value(v) >= 0;
		break;
	case JSON_REAL:
		ok = json_is_number(v) && (!(fl & F_NONNEG) || json_number_value(v) >= 0);
		break;
	case JSON_TRUE:
		ok = json_is_boolean(v);
		break;
	default:
		ok = json_typeof(v) == t;
	}
	if (ok || ((fl & F_NULL) && json_is_null(v)))
		return 0;
	return fail(c, "expected %s%s%s", what[t], fl & F_NONNEG ? " >= 0" : "",
		    fl & F_NULL ? " or null" : "");
}

/* obj.key checked by expect(); *v NULL when absent and F_OPT, or null and F_NULL. */
static int fetch(struct rd *c, json_t *obj, const char *key, json_type t, unsigned fl, json_t **v)
{
	int ret;

	*v = json_object_get(obj, key);
	if (!*v)
		return (fl & F_OPT) ? 0 : fail(c, "missing required key \"%s\"", key);
	push_key(c, key);
	ret = expect(c, *v, t, fl);
	pop(c);
	if (json_is_null(*v))
		*v = NULL;
	return ret;
}

static int get_str(struct rd *c, json_t *obj, const char *key, unsigned fl, char **out)
{
	json_t *v;
	int ret = fetch(c, obj, key, JSON_STRING, fl, &v);

	if (ret || !v)
		return ret;
	*out = strdup(json_string_value(v));
	return *out ? 0 : oom(c);
}

static int get_num(struct rd *c, json_t *obj, const char *key, unsigned fl, double *out)
{
	json_t *v;
	int ret = fetch(c, obj, key, JSON_REAL, fl, &v);

	if (!ret && v)
		*out = json_number_value(v);
	return ret;
}

static int get_uint(struct rd *c, json_t *obj, const char *key, unsigned fl, uint64_t *out)
{
	json_t *v;
	int ret = fetch(c, obj, key, JSON_INTEGER, fl, &v);

	if (!ret && v)
		*out = (uint64_t)json_integer_value(v);
	return ret;
}

static int get_json(struct rd *c, json_t *obj, const char *key, json_type t, unsigned fl,
		    json_t **out)
{
	json_t *v;
	int ret = fetch(c, obj, key, t, fl, &v);

	if (!ret && v)
		*out = json_incref(v);
	return ret;
}

static int digits(const char *s, int n, int lo, int hi)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + s[i] - '0';
	}
	return v >= lo && v <= hi;
}

/* RFC 3339 date-time: 2026-11-28T11:13:15[.frac](Z|+hh:mm|-hh:mm). */
static int rfc3339_ok(const char *s)
{
	if (strlen(s) < 20 || !digits(s, 4, 0, 9999) || s[4] != '-' || !digits(s + 5, 2, 1, 12) ||
	    s[7] != '-' || !digits(s + 8, 2, 1, 31) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, 0, 23) || s[13] != ':' || !digits(s + 14, 2, 0, 59) ||
	    s[16] != ':' || !digits(s + 17, 2, 0, 60))
		return 0;
	s += 19;
	if (*s == '.' && s[1] >= '0' && s[1] <= '9')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (*s == 'Z' || *s == 'z')
		return !s[1];
	return (*s == '+' || *s == '-') && digits(s + 1, 2, 0, 23) && s[3] == ':' &&
	       digits(s + 4, 2, 0, 59) && !s[6];
}

static int read_schema(struct rd *c, json_t *root)
{
	const size_t plen = strlen(RESULT_SCHEMA_PREFIX);
	unsigned long major;
	const char *s;
	char *end;
	json_t *v;
	int ret = fetch(c, root, "schema", JSON_STRING, 0, &v);

	if (ret)
		return ret;
	s = json_string_value(v);
	if (strncmp(s, RESULT_SCHEMA_PREFIX, plen) != 0 || s[plen] < '0' || s[plen] > '9')
		return fail_at(c, "schema", "\"%s\" is not a nodeperf result schema (expected %s)",
			       s, RESULT_SCHEMA);
	major = strtoul(s + plen, &end, 10);
	if (*end == '.' && end[1] >= '0' && end[1] <= '9')
		strtoul(end + 1, &end, 10);
	if (*end)
		return fail_at(c, "schema", "\"%s\" is not a nodeperf result schema (expected %s)",
			       s, RESULT_SCHEMA);
	if (major != 1) {
		seterr(c->err, c->errlen, "%s: schema %s is not supported by this nodeperf (reads v1)",
		       c->file, s);
		return -EINVAL;
	}
	return 0;
}

static int read_tool(struct rd *c, json_t *root, struct result *r)
{
	json_t *tool, *name;
	int ret = fetch(c, root, "tool", JSON_OBJECT, 0, &tool);

	if (ret)
		return ret;
	push_key(c, "tool");
	ret = fetch(c, tool, "name", JSON_STRING, 0, &name);
	if (!ret && strcmp(json_string_value(name), "nodeperf") != 0)
		ret = fail_at(c, "name", "expected \"nodeperf\"");
	if (!ret)
		ret = get_str(c, tool, "version", 0, &r->tool_version);
	pop(c);
	return ret;
}

static int read_argv(struct rd *c, json_t *a, struct result *r)
{
	size_t i;
	json_t *v;
	int ret = 0;

	r->argv = calloc(json_array_size(a) ? json_array_size(a) : 1, sizeof(*r->argv));
	if (!r->argv)
		return oom(c);
	push_key(c, "argv");
	json_array_foreach(a, i, v) {
		push_idx(c, i);
		ret = expect(c, v, JSON_STRING, 0);
		pop(c);
		if (ret)
			break;
		r->argv[i] = strdup(json_string_value(v));
		if (!r->argv[i]) {
			ret = oom(c);
			break;
		}
		r->argc = i + 1;
	}
	pop(c);
	return ret;
}

/* run.rounds, run.seed, run.order (run --rounds): optional, at the current path "run". */
static int read_rounds(struct rd *c, json_t *run, struct result *r)
{
	json_t *v, *round, *name;
	uint64_t u = 0;
	size_t i, j;
	int ret;

	if ((ret = get_uint(c, run, "rounds", F_OPT, &u)))
		return ret;
	if (json_object_get(run, "rounds")) {
		if (u < 1 || u > 1000)
			return fail_at(c, "rounds", "expected 1 to 1000 rounds, not %llu", (unsigned long long)u);
		r->rounds = (unsigned)u;
	}
	if ((ret = get_uint(c, run, "seed", F_OPT, &r->seed)))
		return ret;
	r->has_seed = json_object_get(run, "seed") != NULL;
	if ((ret = fetch(c, run, "order", JSON_ARRAY, F_OPT, &v)) || !v)
		return ret;
	/* an interrupted run lists the rounds it began */
	if (r->rounds && json_array_size(v) > r->rounds)
		return fail_at(c, "order", "lists %zu rounds but rounds is %u", json_array_size(v), r->rounds);
	push_key(c, "order");
	json_array_foreach(v, i, round) {
		push_idx(c, i);
		ret = expect(c, round, JSON_ARRAY, 0);
		json_array_foreach(round, j, name) {
			if (ret)
				break;
			push_idx(c, j);
			ret = expect(c, name, JSON_STRING, 0);
			pop(c);
		}
		pop(c);
		if (ret)
			break;
	}
	pop(c);
	if (!ret)
		r->order = json_incref(v);
	return ret;
}

static int read_run(struct rd *c, json_t *root, struct result *r)
{
	json_t *run, *v;
	int ret = fetch(c, root, "run", JSON_OBJECT, 0, &run);

	if (ret)
		return ret;
	push_key(c, "run");
	if ((ret = get_str(c, run, "id", 0, &r->run_id)) ||
	    (ret = get_str(c, run, "label", F_NULL, &r->label)) ||
	    (ret = get_str(c, run, "suite", 0, &r->suite)) ||
	    (ret = get_str(c, run, "started", 0, &r->started)) ||
	    (ret = get_num(c, run, "duration_s", F_NONNEG, &r->duration_s)) ||
	    (ret = fetch(c, run, "argv", JSON_ARRAY, 0, &v)) ||
	    (ret = read_argv(c, v, r)) ||
	    (ret = fetch(c, run, "partial", JSON_TRUE, F_OPT, &v)))
		goto out;
	r->partial = json_is_true(v);
	if (!rfc3339_ok(r->started)) {
		ret = fail_at(c, "started", "expected an RFC 3339 date-time");
		goto out;
	}
	ret = read_rounds(c, run, r);
out:
	pop(c);
	return ret;
}

static int read_reps(struct rd *c, json_t *reps, struct metric *m)
{
	const char *stat;
	json_t *a, *v;
	size_t i;
	int ret = 0;

	push_key(c, "reps");
	json_object_foreach(reps, stat, a) {
		push_key(c, stat);
		ret = expect(c, a, JSON_ARRAY, 0);
		if (!ret && !json_array_size(a))
			ret = fail(c, "expected at least one value");
		if (!ret && (!*stat || strlen(stat) >= sizeof(m->reps[0].stat)))
			ret = fail(c, "statistic names have 1 to %zu characters",
				   sizeof(m->reps[0].stat) - 1);
		if (!ret && m->nreps == RESULT_MAX_REPSTATS)
			ret = fail(c, "more than %d statistics", RESULT_MAX_REPSTATS);
		json_array_foreach(a, i, v) {
			if (ret)
				break;
			push_idx(c, i);
			ret = expect(c, v, JSON_REAL, 0);
			pop(c);
			/* Validated above, so only allocation can fail. */
			if (!ret && metric_add_rep(m, stat, json_number_value(v)))
				ret = oom(c);
		}
		pop(c);
		if (ret)
			break;
	}
	pop(c);
	return ret;
}

/* One [index, count] pair of hist.buckets, at the current path. */
static int read_bucket(struct rd *c, json_t *pair, long long prev, long long *idx,
		       uint64_t *count)
{
	int ret;

	if (!json_is_array(pair) || json_array_size(pair) != 2)
		return fail(c, "expected an [index, count] pair");
	push_idx(c, 0);
	ret = expect(c, json_array_get(pair, 0), JSON_INTEGER, 0);
	*idx = json_integer_value(json_array_get(pair, 0));
	if (!ret && *idx >= (long long)HIST_BUCKETS)
		ret = fail(c, "bucket index %lld out of range (0..%d)", *idx, HIST_BUCKETS - 1);
	if (!ret && *idx <= prev)
		ret = fail(c, "bucket index %lld not above the previous one (%lld)", *idx, prev);
	pop(c);
	if (ret)
		return ret;
	push_idx(c, 1);
	*count = (uint64_t)json_integer_value(json_array_get(pair, 1));
	if (!json_is_integer(json_array_get(pair, 1)) || json_integer_value(json_array_get(pair, 1)) < 1)
		ret = fail(c, "expected a count >= 1");
	pop(c);
	return ret;
}

static int read_hist(struct rd *c, json_t *ho, struct metric *m)
{
	long long idx = 0, first = -1, prev = -1;
	uint64_t min = 0, max = 0, count = 0;
	struct hist *h;
	json_t *b, *pair, *v;
	size_t i;
	int ret;

	push_key(c, "hist");
	h = hist_new();
	if (!h) {
		ret = oom(c);
		goto out;
	}
	if ((ret = fetch(c, ho, "scheme", JSON_STRING, 0, &v)))
		goto out;
	if (strcmp(json_string_value(v), HIST_SCHEME) != 0) {
		ret = fail_at(c, "scheme", "unsupported histogram scheme \"%s\" (reads %s)",
			      json_string_value(v), HIST_SCHEME);
		goto out;
	}
	if ((ret = get_uint(c, ho, "min", 0, &min)) || (ret = get_uint(c, ho, "max", 0, &max)) ||
	    (ret = get_uint(c, ho, "sum", 0, &h->sum)) ||
	    (ret = fetch(c, ho, "buckets", JSON_ARRAY, 0, &b)))
		goto out;
	push_key(c, "buckets");
	json_array_foreach(b, i, pair) {
		push_idx(c, i);
		ret = read_bucket(c, pair, prev, &idx, &count);
		if (!ret && h->count + count < h->count)
			ret = fail(c, "counts overflow");
		pop(c);
		if (ret)
			break;
		if (first < 0)
			first = idx;
		prev = idx;
		h->buckets[idx] = count;
		h->count += count;
	}
	pop(c);
	if (ret || !h->count)
		goto out;
	/* Quantiles are clamped to [min, max]; both must sit in the outer buckets. */
	if (hist_index(min) != first)
		ret = fail_at(c, "min", "%llu is not in the first non-empty bucket (%lld)",
			      (unsigned long long)min, first);
	else if (min > max || hist_index(max) != prev)
		ret = fail_at(c, "max", "%llu is not in the last non-empty bucket (%lld)",
			      (unsigned long long)max, prev);
	h->min = min;
	h->max = max;
out:
	if (ret)
		hist_free(h);
	else
		m->hist = h;
	pop(c);
	return ret;
}

/*
 * metric.disturbance: every field an array with one value per repetition
 * (the length of the metric's reps series, read before).
 */
static int read_env(struct rd *c, json_t *o, struct metric *m)
{
	size_t n = metric_nreps_n(m), i, j;
	json_t *a, *v;
	int ret = 0;

	push_key(c, "disturbance");
	if ((ret = fetch(c, o, "scope", JSON_STRING, F_OPT, &v)))
		goto out;
	if (v && strcmp(json_string_value(v), "bench") != 0 && strcmp(json_string_value(v), "repetition") != 0) {
		ret = fail_at(c, "scope", "expected \"repetition\" or \"bench\"");
		goto out;
	}
	m->env_bench_scope = v && !strcmp(json_string_value(v), "bench");
	for (j = 0; j <= ARRAY_SIZE(env_fields); j++) {
		const char *key = j ? env_fields[j - 1].key : "round";

		if ((ret = fetch(c, o, key, JSON_ARRAY, 0, &a)))
			goto out;
		if (json_array_size(a) != n) {
			ret = fail_at(c, key, "has %zu values but the metric has %zu repetitions", json_array_size(a), n);
			goto out;
		}
	}
	if (!n)
		goto out;
	m->env = calloc(n, sizeof(*m->env));
	if (!m->env) {
		ret = oom(c);
		goto out;
	}
	m->nenv = n;
	for (j = 0; !ret && j <= ARRAY_SIZE(env_fields); j++) {
		const char *key = j ? env_fields[j - 1].key : "round";

		a = json_object_get(o, key);
		push_key(c, key);
		json_array_foreach(a, i, v) {
			push_idx(c, i);
			if (!j) {
				ret = expect(c, v, JSON_INTEGER, 0);
				if (!ret && json_integer_value(v) > 1000)
					ret = fail(c, "round %lld out of range (0..999)", (long long)json_integer_value(v));
				if (!ret)
					m->env[i].round = (unsigned)json_integer_value(v);
			} else {
				ret = expect(c, v, JSON_REAL, F_NONNEG);
				if (!ret)
					*env_field(&m->env[i], j - 1) = json_number_value(v);
			}
			pop(c);
			if (ret)
				break;
		}
		pop(c);
	}
out:
	pop(c);
	return ret;
}

static int read_metric(struct rd *c, json_t *mo, struct result *r)
{
	char why[256];
	const char *key;
	json_t *name, *unit, *better, *v;
	struct metric *m;
	size_t i;
	int higher, ret;

	if ((ret = fetch(c, mo, "name", JSON_STRING, 0, &name)) ||
	    (ret = fetch(c, mo, "unit", JSON_STRING, 0, &unit)) ||
	    (ret = fetch(c, mo, "better", JSON_STRING, 0, &better)))
		return ret;
	if (result_find_metric(r, json_string_value(name)))
		return fail_at(c, "name", "duplicate metric \"%s\"", json_string_value(name));
	higher = !strcmp(json_string_value(better), "higher");
	if (!higher && strcmp(json_string_value(better), "lower") != 0)
		return fail_at(c, "better", "expected \"lower\" or \"higher\"");
	m = result_add_metric(r, json_string_value(name), json_string_value(unit),
			      higher ? BETTER_HIGHER : BETTER_LOWER);
	if (!m)
		return oom(c);
	if ((ret = get_uint(c, mo, "n", 0, &m->n)))
		return ret;
	for (i = 0; i < ARRAY_SIZE(stat_keys); i++)
		if ((ret = get_num(c, mo, stat_keys[i], 0, stat_ptr(m, i))))
			return ret;
	if ((ret = fetch(c, mo, "reps", JSON_OBJECT, 0, &v)) || (ret = read_reps(c, v, m)) ||
	    (ret = fetch(c, mo, "disturbance", JSON_OBJECT, F_OPT, &v)) ||
	    (v && (ret = read_env(c, v, m))) ||
	    (ret = fetch(c, mo, "hist", JSON_OBJECT, F_OPT, &v)) ||
	    (v && (ret = read_hist(c, v, m))) ||
	    (ret = get_json(c, mo, "params", JSON_OBJECT, F_OPT, &m->params)) ||
	    (ret = get_json(c, mo, "probes", JSON_OBJECT, F_OPT, &m->probes)))
		return ret;
	key = metric_check(m, why, sizeof(why));
	return key ? fail_at(c, key, "%s", why) : 0;
}

/* Each element of root.key (an array) must be an object; fn reads it. */
static int read_items(struct rd *c, json_t *root, const char *key, struct result *r,
		      int (*fn)(struct rd *c, json_t *item, struct result *r))
{
	json_t *a, *item;
	size_t i;
	int ret = fetch(c, root, key, JSON_ARRAY, 0, &a);

	if (ret)
		return ret;
	push_key(c, key);
	json_array_foreach(a, i, item) {
		push_idx(c, i);
		ret = expect(c, item, JSON_OBJECT, 0);
		if (!ret)
			ret = fn(c, item, r);
		pop(c);
		if (ret)
			break;
	}
	pop(c);
	return ret;
}

static int read_probe(struct rd *c, json_t *item, struct result *r)
{
	json_t *name;

	(void)r;
	return fetch(c, item, "name", JSON_STRING, 0, &name);
}

static int read_skip(struct rd *c, json_t *item, struct result *r)
{
	json_t *bench, *reason;
	int ret;

	if ((ret = fetch(c, item, "bench", JSON_STRING, 0, &bench)) ||
	    (ret = fetch(c, item, "reason", JSON_STRING, 0, &reason)))
		return ret;
	return result_add_skip(r, json_string_value(bench), json_string_value(reason)) ? oom(c) : 0;
}

static struct result *from_json(struct rd *c, json_t *root)
{
	struct result *r;

	if (!json_is_object(root)) {
		fail(c, "expected an object");
		return NULL;
	}
	if (read_schema(c, root))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		oom(c);
		return NULL;
	}
	if (read_tool(c, root, r) || read_run(c, root, r) ||
	    get_json(c, root, "node", JSON_OBJECT, 0, &r->node) ||
	    get_json(c, root, "config", JSON_OBJECT, 0, &r->config) ||
	    read_items(c, root, "metrics", r, read_metric) ||
	    read_items(c, root, "probes", r, read_probe) ||
	    get_json(c, root, "probes", JSON_ARRAY, 0, &r->probes) ||
	    read_items(c, root, "skipped", r, read_skip)) {
		result_free(r);
		return NULL;
	}
	return r;
}

struct result *result_from_json(json_t *root, const char *path, char *err, size_t errlen)
{
	struct rd c = { .file = path, .err = err, .errlen = errlen };

	return from_json(&c, root);
}

struct result *result_read(const char *path, char *err, size_t errlen)
{
	struct rd c = { .file = path, .err = err, .errlen = errlen };
	struct result *r = NULL;
	json_error_t je;
	json_t *root;
	size_t len;
	char *text = read_all(path, &len);

	if (!text) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root) {
		c.text = text;
		r = from_json(&c, root);
		json_decref(root);
	} else {
		seterr(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	}
	free(text);
	return r;
}

/* --- summary --- */

static const struct {
	const char *unit;
	double step;
	const char *names[5];
} unit_scales[] = {
	{ "ns", 1000, { "ns", "us", "ms", "s" } },
	{ "B/s", 1000, { "B/s", "KB/s", "MB/s", "GB/s", "TB/s" } },
	{ "B", 1024, { "B", "KiB", "MiB", "GiB", "TiB" } },
	{ "ops/s", 1000, { "ops/s", "Kops/s", "Mops/s", "Gops/s" } },
	{ "count", 1000, { "", "k", "M", "G", "T" } },
};

/* Digits after the point that leave 3 significant digits. */
static int prec3(double a)
{
	return a >= 99.95 ? 0 : a >= 9.995 ? 1 : 2;
}

int result_format_value(double v, const char *unit, char *buf, size_t len)
{
	const char *name, *sep;
	double a = fabs(v);
	size_t i, k = 0;

	for (i = 0; i < ARRAY_SIZE(unit_scales); i++)
		if (!strcmp(unit, unit_scales[i].unit))
			break;
	/* The remaining units of schema v1: ratio (bare) and %. */
	if (i == ARRAY_SIZE(unit_scales))
		return snprintf(buf, len, "%.3g%s", v, strcmp(unit, "%") == 0 ? "%" : "");
	/* Move up while the value would round to step or more (999.7 ns is 1.00 us). */
	while (k + 1 < ARRAY_SIZE(unit_scales[i].names) && unit_scales[i].names[k + 1] &&
	       a >= unit_scales[i].step - 0.5 * pow(10, -prec3(a)))
		a /= unit_scales[i].step, k++;
	name = unit_scales[i].names[k];
	sep = strcmp(unit, "count") == 0 ? "" : " ";
	/* Whole numbers in the base unit (ns, B, counts) are exact: no decimals. */
	if (!k && a == floor(a))
		return snprintf(buf, len, "%s%.0f%s%s", v < 0 ? "-" : "", a, sep, name);
	return snprintf(buf, len, "%s%.*f%s%s", v < 0 ? "-" : "", prec3(a), a, sep, name);
}

enum { COL_NAME, COL_N, COL_P50, COL_P90, COL_P99, COL_P999, COL_MAX, COL_SPREAD, NCOLS };
#define CELL 40

static size_t display_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += (*s & 0xc0) != 0x80;
	return w;
}

static void put_cell(FILE *out, const char *s, size_t width, int left)
{
	size_t pad = width - display_width(s);

	fprintf(out, "%*s%s%*s", left ? 0 : (int)pad, "", s, left ? (int)pad : 0, "");
}

static void metric_cells(const struct metric *m, char cells[NCOLS][CELL])
{
	const double vals[] = { m->p50, m->p90, m->p99, m->p999, m->max };
	const struct rep_series *s = metric_reps(m, "p50");
	double lo, hi, med;
	size_t i;

	snprintf(cells[COL_NAME], CELL, "%s", m->name);
	snprintf(cells[COL_N], CELL, "%llu", (unsigned long long)m->n);
	for (i = 0; i < ARRAY_SIZE(vals); i++)
		result_format_value(vals[i], m->unit, cells[COL_P50 + i], CELL);
	med = s ? stats_median(s->v, s->n) : NAN;
	if (!isfinite(med) || med == 0) {
		snprintf(cells[COL_SPREAD], CELL, "-");
		return;
	}
	lo = hi = s->v[0];
	for (i = 1; i < s->n; i++) {
		lo = fmin(lo, s->v[i]);
		hi = fmax(hi, s->v[i]);
	}
	snprintf(cells[COL_SPREAD], CELL, "\u00b1%.1f%%", 100 * (hi - lo) / fabs(med));
}

static const char *node_str(const json_t *node, const char *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj ? json_object_get(node, obj) : node, key));

	return s ? s : "?";
}

/* --- the block layer's breakdown of the io metrics (biolat attached) --- */

/* p50 of biolat's "<disk>.<op>" histogram in m's probe data; NAN when absent. */
static double biolat_p50(const struct metric *m, const char *disk, const char *op)
{
	char key[96];
	json_t *h;

	snprintf(key, sizeof(key), "%s.%s", disk, op);
	h = json_object_get(json_object_get(json_object_get(m->probes, "biolat"), "hists"), key);
	return json_is_number(json_object_get(h, "p50")) ? json_number_value(json_object_get(h, "p50")) : NAN;
}

/*
 * One line per latency metric that names its disk and device operations
 * (params.disk, params.device_ops) and carries biolat's histograms: the
 * syscall-level p50, the device's (issue -> complete, the device_ops' p50s
 * summed: a write and the flush after it), the scheduler queue's, and the
 * kernel's share = syscall p50 - device p50.
 */
static void print_block_breakdown(const struct result *r, FILE *out)
{
	char c[5][CELL];
	size_t i, shown = 0, k;
	json_t *ops, *op;

	for (i = 0; i < r->nmetrics; i++) {
		const struct metric *m = &r->metrics[i];
		const char *disk = json_string_value(json_object_get(m->params, "disk"));
		double dev = 0, q;

		ops = json_object_get(m->params, "device_ops");
		if (strcmp(m->unit, "ns") != 0 || !disk || !*disk || !json_is_array(ops) || !m->probes)
			continue;
		json_array_foreach(ops, k, op)
			dev += json_is_string(op) ? biolat_p50(m, disk, json_string_value(op)) : NAN;
		if (!shown++)
			fprintf(out, "block layer (biolat; kernel = syscall p50 - device p50):\n"
				"  %-34s %-8s %10s %10s %10s %10s %7s\n", "metric", "disk", "syscall", "device", "queue",
				"kernel", "kernel%");
		q = biolat_p50(m, disk, "queue");
		result_format_value(m->p50, "ns", c[0], CELL);
		if (isnan(dev)) {
			fprintf(out, "  %-34s %-8s %10s %10s\n", m->name, disk, c[0], "(none seen)");
			continue;
		}
		result_format_value(dev, "ns", c[1], CELL);
		if (isnan(q))
			snprintf(c[2], CELL, "-");
		else
			result_format_value(q, "ns", c[2], CELL);
		result_format_value(m->p50 - dev, "ns", c[3], CELL);
		snprintf(c[4], CELL, "%.0f%%", m->p50 > 0 ? 100 * (m->p50 - dev) / m->p50 : 0);
		fprintf(out, "  %-34s %-8s %10s %10s %10s %10s %7s\n", m->name, disk, c[0], c[1], c[2], c[3], c[4]);
	}
}

/* Container start phases (bench/container.c's probes.ctrlife): the mean of each and the dominant one. */
static void print_phases(const struct metric *m, FILE *out)
{
	const json_t *c = json_object_get(m->probes, "ctrlife"), *phases = json_object_get(c, "phases"), *v;
	char buf[32];
	size_t i;

	if (!json_is_object(phases) || !json_is_string(json_object_get(c, "dominant")))
		return;
	fprintf(out, "phases of %s (ctrlife, %lld of %lld containers):", m->name,
		(long long)json_integer_value(json_object_get(c, "complete")),
		(long long)json_integer_value(json_object_get(c, "containers")));
	json_array_foreach(json_object_get(c, "order"), i, v) {
		const json_t *p = json_object_get(phases, json_string_value(v));

		result_format_value(json_number_value(json_object_get(p, "mean")), "ns", buf, sizeof(buf));
		fprintf(out, "%s %s %s %.0f%%", i ? "," : "", json_string_value(v), buf,
			100 * json_number_value(json_object_get(p, "share")));
	}
	fprintf(out, "; dominant: %s\n", json_string_value(json_object_get(c, "dominant")));
}

/* Disturbed repetitions of m and the index of the worst (-1: none). */
static size_t metric_disturbed(const struct metric *m, long *worst)
{
	double sev, wsev = 0;
	size_t i, n = 0;

	*worst = -1;
	for (i = 0; i < m->nenv; i++) {
		if (!rep_env_disturbed(&m->env[i], NULL, 0))
			continue;
		n++;
		sev = rep_env_severity(&m->env[i]);
		if (*worst < 0 || sev > wsev) {
			*worst = (long)i;
			wsev = sev;
		}
	}
	return n;
}

/* The header line about disturbance and rounds; nothing for a result that recorded neither. */
static void print_disturbance_header(const struct result *r, FILE *out)
{
	double wall = 0, steal = 0, other = 0;
	size_t i, j, reps = 0, bad = 0, metrics = 0, bad_metrics = 0;
	long worst;

	if (r->rounds > 1)
		fprintf(out, "rounds %u  seed %llu  (benches in a fresh random order each round)\n", r->rounds,
			(unsigned long long)r->seed);
	for (i = 0; i < r->nmetrics; i++) {
		const struct metric *m = &r->metrics[i];
		size_t k;

		if (!m->nenv)
			continue;
		metrics++;
		reps += m->nenv;
		k = metric_disturbed(m, &worst);
		bad += k;
		bad_metrics += k > 0;
		for (j = 0; j < m->nenv; j++) {
			wall += m->env[j].wall_s;
			steal += m->env[j].steal_s;
			other += m->env[j].other_cpu_s;
		}
	}
	if (!metrics)
		return;
	fprintf(out, "disturbance  %zu of %zu repetitions disturbed, in %zu of %zu metrics; meanwhile other processes %.2f CPU, steal %.1f%%\n",
		bad, reps, bad_metrics, metrics, wall > 0 ? other / wall : 0, wall > 0 ? 100 * steal / wall : 0);
}

/* Per metric with disturbed repetitions: how many, and the worst one's reasons. */
static void print_disturbed(const struct result *r, FILE *out)
{
	char why[160], count[32];
	size_t i, n, shown = 0;
	long worst;

	for (i = 0; i < r->nmetrics; i++) {
		const struct metric *m = &r->metrics[i];

		n = metric_disturbed(m, &worst);
		if (!n)
			continue;
		if (!shown++)
			fprintf(out, "disturbed repetitions (not evidence for compare; rule: docs/metrics.md):\n");
		rep_env_disturbed(&m->env[worst], why, sizeof(why));
		snprintf(count, sizeof(count), "%zu of %zu", n, m->nenv);
		fprintf(out, "  %-34s %-9s worst rep %ld (round %u): %s%s\n", m->name, count, worst + 1,
			m->env[worst].round + 1, why, m->env_bench_scope ? " (whole bench)" : "");
	}
}

void result_print_summary(const struct result *r, FILE *out)
{
	static const char *const head[NCOLS] = { "metric", "n", "p50", "p90", "p99", "p999",
						 "max", "spread" };
	char (*cells)[NCOLS][CELL];
	size_t width[NCOLS], i, j, w;

	fprintf(out, "label %s  suite %s  host %s  kernel %s  started %s  duration %.1f s%s\n",
		r->label ? r->label : "-", r->suite ? r->suite : "?",
		node_str(r->node, NULL, "hostname"), node_str(r->node, "kernel", "release"),
		r->started ? r->started : "?", r->duration_s, r->partial ? "  PARTIAL" : "");
	print_disturbance_header(r, out);
	cells = calloc(r->nmetrics ? r->nmetrics : 1, sizeof(*cells));
	if (!r->nmetrics || !cells) {
		fprintf(out, "%s\n", r->nmetrics ? "(out of memory for the table)" : "no metrics");
	} else {
		for (j = 0; j < NCOLS; j++)
			width[j] = display_width(head[j]);
		for (i = 0; i < r->nmetrics; i++) {
			metric_cells(&r->metrics[i], cells[i]);
			for (j = 0; j < NCOLS; j++) {
				w = display_width(cells[i][j]);
				width[j] = w > width[j] ? w : width[j];
			}
		}
		for (i = 0; i <= r->nmetrics; i++) {
			for (j = 0; j < NCOLS; j++) {
				fputs(j ? "  " : "", out);
				put_cell(out, i ? cells[i - 1][j] : head[j], width[j], j == COL_NAME);
			}
			fputc('\n', out);
		}
	}
	free(cells);
	print_disturbed(r, out);
	print_block_breakdown(r, out);
	for (i = 0; i < r->nmetrics; i++)
		print_phases(&r->metrics[i], out);
	if (!r->nskipped)
		return;
	fprintf(out, "skipped:\n");
	for (i = 0, w = 0; i < r->nskipped; i++)
		w = strlen(r->skipped[i].bench) > w ? strlen(r->skipped[i].bench) : w;
	for (i = 0; i < r->nskipped; i++)
		fprintf(out, "  %-*s  %s\n", (int)w, r->skipped[i].bench, r->skipped[i].reason);
}
