/* report_json.c - the comparison as JSON (schema nodeperf/compare/v1, docs/compare.md). */
#include <errno.h>
#include <math.h>

#include <jansson.h>

#include "results/configdiff.h"
#include "results/report.h"
#include "results/thresholds.h"

#define COMPARE_SCHEMA "nodeperf/compare/v1"

/* JSON has no NaN or infinity: a value that is not a number is null. */
static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *item_json(const struct cfgdiff_item *it)
{
	return json_pack("{s:s, s:o, s:o}", "key", it->key, "base", str_or_null(it->base), "cand",
			 str_or_null(it->cand));
}

static json_t *side_json(const struct cmp_side *s)
{
	json_t *files = json_array();
	size_t i;

	for (i = 0; files && i < s->nruns; i++)
		json_array_append_new(files, json_string(s->paths[i]));
	return json_pack("{s:s, s:o}", "label", s->label, "files", files);
}

static json_t *check_json(const struct cmp_check *ck)
{
	const struct threshold_rule *r = ck->rule;
	json_t *limit = json_null();

	if (r->limit != LIMIT_NONE)
		limit = json_pack("{s:s, s:f, s:s}", "kind", r->limit == LIMIT_MAX ? "max" : "min",
				  "value", r->limit_value, "unit", r->limit_unit);
	return json_pack(
	    "{s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s, s:s, s:o, s:o, s:I, s:I}",
	    "stat",
	    ck->stat, "n_base", (json_int_t)ck->nbase, "n_cand", (json_int_t)ck->ncand, "base",
	    num(ck->base), "cand", num(ck->cand), "base_spread", num(ck->base_spread),
	    "cand_spread", num(ck->cand_spread), "change", num(ck->change), "p", num(ck->p),
	    "allowed", r->off ? json_null() : json_real(r->change), "limit", limit, "limit_broken",
	    ck->limit_broken, "verdict", verdict_name(ck->verdict), "why", ck->why, "rule",
	    json_sprintf("%s:%u", r->file, r->line), "mde",
	    isinf(ck->mde) ? json_string("none") : num(ck->mde), "disturbed_base",
	    (json_int_t)ck->ndist_base, "disturbed_cand", (json_int_t)ck->ndist_cand);
}

static json_t *metric_json(const struct comparison *c, const struct cmp_metric *m)
{
	json_t *checks = json_array(), *cfg = json_array();
	size_t i;

	for (i = 0; checks && i < m->nchecks; i++)
		json_array_append_new(checks, check_json(&m->checks[i]));
	for (i = 0; cfg && i < c->cfg->n; i++)
		if (cfgdiff_explains(m->name, c->cfg->items[i].key))
			json_array_append_new(cfg, item_json(&c->cfg->items[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o}", "name", m->name, "unit",
			 m->unit, "better", m->better == BETTER_LOWER ? "lower" : "higher",
			 "verdict", verdict_name(m->verdict), "limit_broken", m->limit_broken,
			 "skip_reason", str_or_null(m->skip_reason), "allowed_by",
			 str_or_null(m->allowed_by), "checks", checks, "config", cfg);
}

int report_json(const struct comparison *c, FILE *out)
{
	json_t *metrics = json_array(), *ungated = json_array(), *cfg = json_array();
	json_t *counts = json_object(), *gate = json_array(), *doc;
	const char *subject, *allowed;
	char what[512], blind[512];
	size_t i;
	int rc;

	for (i = 0; gate && i < report_gate_count(c); i++) {
		subject = report_gate_item(c, i, what, sizeof(what), &allowed);
		json_array_append_new(gate, json_pack("{s:s, s:s, s:o}", "subject", subject, "what",
						      what, "allowed_by", str_or_null(allowed)));
	}
	report_blind(blind, sizeof(blind), c);

	for (i = 0; metrics && i < c->nmetrics; i++)
		json_array_append_new(metrics, metric_json(c, &c->metrics[i]));
	for (i = 0; ungated && i < c->nungated; i++)
		json_array_append_new(ungated, json_string(c->ungated[i]));
	for (i = 0; cfg && i < c->cfg->n; i++)
		json_array_append_new(cfg, item_json(&c->cfg->items[i]));
	for (i = 0; counts && i < VERDICT_COUNT; i++)
		json_object_set_new(counts, verdict_name((enum verdict)i),
				    json_integer((json_int_t)c->count[i]));
	if (counts) {
		json_object_set_new(counts, "limits_broken", json_integer((json_int_t)c->nlimits));
		json_object_set_new(counts, "gate_problems", json_integer((json_int_t)c->nproblems));
		json_object_set_new(counts, "gate_failing", json_integer((json_int_t)c->nfailing));
	}
	doc = json_pack("{s:s, s:s, s:i, s:f, s:f, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}",
			"schema", COMPARE_SCHEMA, "outcome", report_outcome(c), "exit_code",
			compare_exit_code(c), "alpha", c->alpha, "power", COMPARE_POWER,
			"thresholds", c->th->path, "base", side_json(&c->base), "cand",
			side_json(&c->cand), "counts", counts, "gate", gate, "metrics", metrics,
			"ungated", ungated, "config_diff", cfg, "sensitivity", blind);
	if (!doc)
		return -ENOMEM;
	rc = json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc || fputc('\n', out) == EOF)
		return -EIO;
	return ferror(out) ? -EIO : 0;
}
