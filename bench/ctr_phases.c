/* ctr_phases.c - container start phases from ctrlife's lifecycle events (pure). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/ctr_phases.h"
#include "core/hist.h"
#include "core/util.h"

enum ev_kind { EK_FORK, EK_EXEC, EK_EXIT, EK_ATTACH, EK_OTHER };

struct ev {
	uint64_t ts;
	enum ev_kind kind;
	int pid, tgid, ppid;
	const char *path;
};

enum { MS_START, MS_CGROUP, MS_NS, MS_EXEC, MS_EXIT, MS_END, MS_COUNT };
static const char *const ms_names[MS_COUNT] = { "start", "cgroup", "namespaces", "exec", "exit", "end" };

#define MAX_PHASES	32
#define MAX_TREE	256

struct phase {
	char name[32];
	struct hist h;
	double first_pos;	/* mean position in the order: to list phases as they happen */
};

static int by_ts(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static enum ev_kind kind_of(const char *t)
{
	if (!t)
		return EK_OTHER;
	if (!strcmp(t, "fork"))
		return EK_FORK;
	if (!strcmp(t, "exec"))
		return EK_EXEC;
	if (!strcmp(t, "exit"))
		return EK_EXIT;
	if (!strcmp(t, "cgroup_attach"))
		return EK_ATTACH;
	return EK_OTHER;
}

static int in_set(const int *set, size_t n, int v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == v)
			return 1;
	return 0;
}

/* The milestones of one span into ms[]; 0 when all were found. */
static int milestones(const struct ev *ev, size_t nev, const struct ctr_span *sp, const char *entry,
		      uint64_t ms[MS_COUNT])
{
	int tree[MAX_TREE], entry_tgid = -1;
	size_t ntree = 0, i, lo = 0, hi = nev;
	uint64_t fork_of_entry = 0;
	unsigned k;

	for (k = 0; k < MS_COUNT; k++)
		ms[k] = 0;
	ms[MS_START] = sp->t0;
	ms[MS_END] = sp->t1;
	tree[ntree++] = (int)sp->pid;
	/* first event at or after t0 */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ev[mid].ts < sp->t0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < nev && ev[i].ts <= sp->t1; i++) {
		const struct ev *e = &ev[i];

		switch (e->kind) {
		case EK_FORK:
			if (in_set(tree, ntree, e->ppid) && !in_set(tree, ntree, e->tgid) && ntree < MAX_TREE)
				tree[ntree++] = e->tgid;
			break;
		case EK_EXEC:
			if (entry_tgid < 0 && in_set(tree, ntree, e->tgid) && e->path && !strcmp(e->path, entry)) {
				entry_tgid = e->tgid;
				ms[MS_EXEC] = e->ts;
			}
			break;
		case EK_EXIT:
			if (entry_tgid >= 0 && e->pid == entry_tgid && e->tgid == entry_tgid && !ms[MS_EXIT])
				ms[MS_EXIT] = e->ts;
			break;
		case EK_ATTACH:
			if (!ms[MS_CGROUP] && (in_set(tree, ntree, e->ppid) || in_set(tree, ntree, e->tgid)))
				ms[MS_CGROUP] = e->ts;
			break;
		default:
			break;
		}
	}
	if (entry_tgid < 0)
		return -ENOENT;
	/* the entrypoint's process: created after its namespaces were */
	for (i = lo; i < nev && ev[i].ts <= ms[MS_EXEC]; i++)
		if (ev[i].kind == EK_FORK && ev[i].tgid == entry_tgid && ev[i].pid == entry_tgid)
			fork_of_entry = ev[i].ts;
	ms[MS_NS] = fork_of_entry;
	for (k = 0; k < MS_COUNT; k++)
		if (!ms[k] || ms[k] < sp->t0 || ms[k] > sp->t1)
			return -ENOENT;
	return 0;
}

static struct phase *phase_get(struct phase *ph, size_t *nph, const char *name)
{
	size_t i;

	for (i = 0; i < *nph; i++)
		if (!strcmp(ph[i].name, name))
			return &ph[i];
	if (*nph == MAX_PHASES)
		return NULL;
	ph = &ph[(*nph)++];
	str_copy(ph->name, name, sizeof(ph->name));
	hist_init(&ph->h);
	ph->first_pos = 0;
	return ph;
}

static int by_pos(const void *a, const void *b)
{
	const struct phase *x = a, *y = b;

	return x->first_pos < y->first_pos ? -1 : x->first_pos > y->first_pos;
}

static struct ev *collect(const json_t *events, size_t *nev)
{
	size_t n = json_array_size(events), i, k = 0;
	struct ev *ev = calloc(n ? n : 1, sizeof(*ev));
	json_t *v;

	if (!ev)
		return NULL;
	json_array_foreach(events, i, v) {
		struct ev *e = &ev[k];

		e->kind = kind_of(json_string_value(json_object_get(v, "type")));
		if (e->kind == EK_OTHER)
			continue;
		e->ts = (uint64_t)json_integer_value(json_object_get(v, "ts_ns"));
		e->pid = (int)json_integer_value(json_object_get(v, "pid"));
		e->tgid = (int)json_integer_value(json_object_get(v, "tgid"));
		e->ppid = (int)json_integer_value(json_object_get(v, "ppid"));
		e->path = json_string_value(json_object_get(v, "path"));
		k++;
	}
	qsort(ev, k, sizeof(*ev), by_ts);
	*nev = k;
	return ev;
}

json_t *ctr_phases(const json_t *events, const struct ctr_span *spans, size_t n, const char *entry)
{
	struct phase *ph = calloc(MAX_PHASES, sizeof(*ph));
	size_t nev = 0, nph = 0, complete = 0, i, k;
	struct ev *ev = collect(events, &nev);
	double total_sum = 0, sum_means = 0, best = -1;
	const char *dominant = NULL;
	json_t *out = NULL, *phases, *order;

	if (!ph || !ev)
		goto out_free;
	for (i = 0; i < n; i++) {
		uint64_t ms[MS_COUNT];
		unsigned idx[MS_COUNT], a, b;

		if (milestones(ev, nev, &spans[i], entry, ms))
			continue;
		for (a = 0; a < MS_COUNT; a++)
			idx[a] = a;
		/* insertion sort by time, stable: equal stamps keep the natural order */
		for (a = 1; a < MS_COUNT; a++)
			for (b = a; b > 0 && ms[idx[b - 1]] > ms[idx[b]]; b--) {
				unsigned t = idx[b];

				idx[b] = idx[b - 1];
				idx[b - 1] = t;
			}
		complete++;
		total_sum += (double)(spans[i].t1 - spans[i].t0);
		for (a = 0; a + 1 < MS_COUNT; a++) {
			char name[32];
			struct phase *p;

			snprintf(name, sizeof(name), "%s_to_%s", ms_names[idx[a]], ms_names[idx[a + 1]]);
			p = phase_get(ph, &nph, name);
			if (!p)
				continue;
			hist_record(&p->h, ms[idx[a + 1]] - ms[idx[a]]);
			p->first_pos += a;
		}
	}
	for (k = 0; k < nph; k++)
		ph[k].first_pos /= (double)ph[k].h.count;
	qsort(ph, nph, sizeof(*ph), by_pos);
	phases = json_object();
	order = json_array();
	out = json_pack("{s:I, s:I, s:o, s:o}", "containers", (json_int_t)n, "complete", (json_int_t)complete,
			"phases", phases, "order", order);
	if (!out)
		goto out_free;
	for (k = 0; k < nph; k++) {
		const struct hist *h = &ph[k].h;
		/* the phase's share of the mean total: its sum over all complete containers */
		double contrib = (double)h->sum / (double)complete;

		sum_means += contrib;
		json_object_set_new(phases, ph[k].name,
				    json_pack("{s:I, s:f, s:I, s:I, s:I, s:I, s:f}", "n", (json_int_t)h->count, "mean",
					      hist_mean(h), "p50", (json_int_t)hist_quantile(h, 0.5), "p90",
					      (json_int_t)hist_quantile(h, 0.9), "p99", (json_int_t)hist_quantile(h, 0.99),
					      "max", (json_int_t)h->max, "share",
					      total_sum > 0 ? contrib / (total_sum / (double)complete) : 0.0));
		json_array_append_new(order, json_string(ph[k].name));
		if (contrib > best) {
			best = contrib;
			dominant = ph[k].name;
		}
	}
	if (complete) {
		json_object_set_new(out, "sum_of_phase_means_ns", json_real(sum_means));
		json_object_set_new(out, "total_mean_ns", json_real(total_sum / (double)complete));
		json_object_set_new(out, "dominant", json_string(dominant));
		json_object_set_new(out, "dominant_share", json_real(best / (total_sum / (double)complete)));
	}
out_free:
	free(ev);
	free(ph);
	if (!out)
		errno = ENOMEM;
	return out;
}
