/* profile.c - the profile model and its JSON format (nodeperf/profile/v1). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "profiles/profile.h"

const char *const profile_class_names[PROFILE_NCLASS] = {
	[PROFILE_GENERAL] = "general",
	[PROFILE_LATENCY] = "latency",
	[PROFILE_THROUGHPUT] = "throughput",
	[PROFILE_CONTAINER_DENSITY] = "container-density",
	[PROFILE_GPU] = "gpu",
};

const char *const profile_scope_names[SCOPE_NSCOPES] = {
	[SCOPE_GLOBAL] = "global", [SCOPE_NETNS] = "netns", [SCOPE_BLOCK] = "block",
	[SCOPE_CMDLINE] = "cmdline", [SCOPE_THP] = "thp",
};

int profile_class_parse(const char *s, enum profile_class *out)
{
	int i;

	for (i = 0; i < PROFILE_NCLASS; i++)
		if (!strcmp(s, profile_class_names[i])) {
			*out = (enum profile_class)i;
			return 0;
		}
	return -EINVAL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct profile *profile_new(const char *name, enum profile_class cls, const char *base,
			    const char *from)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cls = cls;
	p->name = strdup(name);
	p->base = strdup(base ? base : "node");
	p->from = dup_or_null(from);
	if (!p->name || !p->base || (from && !p->from)) {
		profile_free(p);
		return NULL;
	}
	return p;
}

static void evidence_free(struct profile_evidence *ev)
{
	free(ev->metric);
	free(ev->unit);
	free(ev->stat);
	free(ev->verdict);
	free(ev->source);
}

void profile_free(struct profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nsettings; i++) {
		struct profile_setting *s = &p->settings[i];

		free(s->key);
		free(s->value);
		free(s->devices);
		free(s->current);
		free(s->rule);
		free(s->reason);
		evidence_free(&s->ev);
	}
	for (i = 0; i < p->nskipped; i++) {
		free(p->skipped[i].rule);
		free(p->skipped[i].reason);
	}
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->settings);
	free(p->skipped);
	free(p->notes);
	free(p->name);
	free(p->base);
	free(p->from);
	free(p->run_id);
	free(p);
}

struct profile_setting *profile_add(struct profile *p, const char *rule, const char *key,
				    const char *value, int at_least, enum profile_scope scope,
				    const char *current, const char *reason, const char *source)
{
	struct profile_setting *grown, *s;

	grown = reallocarray(p->settings, p->nsettings + 1, sizeof(*grown));
	if (!grown)
		return NULL;
	p->settings = grown;
	s = &p->settings[p->nsettings];
	memset(s, 0, sizeof(*s));
	s->ev.before = s->ev.after = s->ev.change = s->ev.p = NAN;
	s->key = strdup(key);
	s->value = strdup(value);
	s->rule = strdup(rule);
	s->reason = strdup(reason);
	s->current = dup_or_null(current);
	s->ev.source = dup_or_null(source);
	s->at_least = at_least;
	s->scope = scope;
	p->nsettings++;
	if (!s->key || !s->value || !s->rule || !s->reason || (current && !s->current) ||
	    (source && !s->ev.source))
		return NULL; /* freed with p */
	return s;
}

struct profile_setting *profile_find(struct profile *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->nsettings; i++)
		if (!strcmp(p->settings[i].key, key))
			return &p->settings[i];
	return NULL;
}

int profile_evidence_metric(struct profile_evidence *ev, const char *metric, const char *unit,
			    const char *stat, double before)
{
	free(ev->metric);
	free(ev->unit);
	free(ev->stat);
	free(ev->verdict);
	ev->metric = strdup(metric);
	ev->unit = strdup(unit);
	ev->stat = strdup(stat);
	ev->verdict = strdup("measured");
	ev->before = before;
	return ev->metric && ev->unit && ev->stat && ev->verdict ? 0 : -ENOMEM;
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

int profile_skip(struct profile *p, const char *rule, const char *fmt, ...)
{
	struct profile_skip *grown;
	va_list ap;
	char *reason, *r;

	va_start(ap, fmt);
	reason = vfmt(fmt, ap);
	va_end(ap);
	r = strdup(rule);
	grown = reallocarray(p->skipped, p->nskipped + 1, sizeof(*grown));
	if (!reason || !r || !grown) {
		free(reason);
		free(r);
		if (grown)
			p->skipped = grown;
		return -ENOMEM;
	}
	p->skipped = grown;
	p->skipped[p->nskipped].rule = r;
	p->skipped[p->nskipped++].reason = reason;
	return 0;
}

int profile_note(struct profile *p, const char *fmt, ...)
{
	char **grown, *s;
	va_list ap;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	grown = reallocarray(p->notes, p->nnotes + 1, sizeof(*grown));
	if (!s || !grown) {
		free(s);
		if (grown)
			p->notes = grown;
		return -ENOMEM;
	}
	p->notes = grown;
	p->notes[p->nnotes++] = s;
	return 0;
}

/* --- JSON --- */

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *evidence_json(const struct profile_evidence *ev)
{
	json_t *o = json_object();

	if (ev->metric) {
		json_object_set_new(o, "metric", json_string(ev->metric));
		json_object_set_new(o, "unit", str_or_null(ev->unit));
		json_object_set_new(o, "stat", str_or_null(ev->stat));
		json_object_set_new(o, "before", num_or_null(ev->before));
		json_object_set_new(o, "after", num_or_null(ev->after));
		json_object_set_new(o, "change", num_or_null(ev->change));
		json_object_set_new(o, "p", num_or_null(ev->p));
		json_object_set_new(o, "verdict", str_or_null(ev->verdict));
	}
	json_object_set_new(o, "source", str_or_null(ev->source));
	return o;
}

json_t *profile_to_json(const struct profile *p)
{
	json_t *root, *settings = json_array(), *skipped = json_array(), *notes = json_array();
	size_t i;

	for (i = 0; i < p->nsettings; i++) {
		const struct profile_setting *s = &p->settings[i];
		json_t *o = json_object();

		json_object_set_new(o, "key", json_string(s->key));
		json_object_set_new(o, "value", json_string(s->value));
		if (s->at_least)
			json_object_set_new(o, "at_least", json_true());
		json_object_set_new(o, "scope", json_string(profile_scope_names[s->scope]));
		if (s->devices)
			json_object_set_new(o, "devices", json_string(s->devices));
		json_object_set_new(o, "current", str_or_null(s->current));
		json_object_set_new(o, "rule", json_string(s->rule));
		json_object_set_new(o, "reason", json_string(s->reason));
		json_object_set_new(o, "evidence", evidence_json(&s->ev));
		json_array_append_new(settings, o);
	}
	for (i = 0; i < p->nskipped; i++)
		json_array_append_new(skipped, json_pack("{s:s, s:s}", "rule", p->skipped[i].rule,
							 "reason", p->skipped[i].reason));
	for (i = 0; i < p->nnotes; i++)
		json_array_append_new(notes, json_string(p->notes[i]));
	root = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "schema", PROFILE_SCHEMA,
			 "name", p->name, "workload", profile_class_names[p->cls], "base", p->base,
			 "from", str_or_null(p->from), "run_id", str_or_null(p->run_id),
			 "settings", settings, "skipped", skipped, "notes", notes);
	return root;
}

static int __attribute__((format(printf, 3, 4))) bad(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A string member, or NULL; *ok cleared when present but not a string (or null when allowed). */
static const char *member_str(const json_t *o, const char *k, int *ok)
{
	const json_t *v = json_object_get(o, k);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*ok = 0;
		return NULL;
	}
	return json_string_value(v);
}

static double member_num(const json_t *o, const char *k, int *ok)
{
	const json_t *v = json_object_get(o, k);

	if (!v || json_is_null(v))
		return NAN;
	if (!json_is_number(v)) {
		*ok = 0;
		return NAN;
	}
	return json_number_value(v);
}

static int scope_parse(const char *s, enum profile_scope *out)
{
	int i;

	for (i = 0; s && i < SCOPE_NSCOPES; i++)
		if (!strcmp(s, profile_scope_names[i])) {
			*out = (enum profile_scope)i;
			return 0;
		}
	return -EINVAL;
}

/*
 * The text emitters write strings into line-based files (sysctl.d, tuned.conf)
 * and comments: a newline or another control character would start a line of
 * its own (a setting smuggled into a comment); a tab is what multi-value sysctls
 * (tcp_rmem) hold. 1 when clean (or NULL).
 */
static int plain_text(const char *s)
{
	for (; s && *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/* A sysctl, cmdline or block key: what "KEY = VALUE" and "KEY=VALUE" lines can carry. */
static int key_chars(const char *k)
{
	return *k && k[strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:@+")] == '\0';
}

/* "vda,nvme*": device names or globs, no path, no empty item. */
static int devices_ok(const char *d)
{
	const char *item = d;

	if (!d || !*d)
		return 0;
	for (;; d++) {
		if (*d == ',' || !*d) {
			if (d == item || (d - item == 1 && *item == '.') ||
			    (d - item == 2 && item[0] == '.' && item[1] == '.'))
				return 0;
			if (!*d)
				return 1;
			item = d + 1;
		} else if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:*?[]!",
				   *d)) {
			return 0;
		}
	}
}

static int setting_from_json(struct profile *p, const json_t *o, size_t i, const char *path,
			     char *err, size_t errlen)
{
	const char *key, *value, *rule, *reason, *scope, *current, *devices, *src;
	const json_t *ev = json_object_get(o, "evidence"), *al = json_object_get(o, "at_least");
	struct profile_setting *s;
	enum profile_scope sc;
	int ok = 1;

	if (!json_is_object(o))
		return bad(err, errlen, "%s: settings[%zu]: not an object", path, i);
	key = member_str(o, "key", &ok);
	value = member_str(o, "value", &ok);
	scope = member_str(o, "scope", &ok);
	current = member_str(o, "current", &ok);
	rule = member_str(o, "rule", &ok);
	reason = member_str(o, "reason", &ok);
	devices = member_str(o, "devices", &ok);
	if (!ok || !key || !*key || !value)
		return bad(err, errlen, "%s: settings[%zu]: needs string \"key\" and \"value\"", path, i);
	if (strchr(key, '/') || strstr(key, "..") || !key_chars(key))
		return bad(err, errlen, "%s: settings[%zu]: key '%s' is not a dotted name", path, i,
			   plain_text(key) ? key : "(control characters)");
	if (scope_parse(scope, &sc))
		return bad(err, errlen,
			   "%s: settings[%zu] (%s): scope must be global, netns, block, cmdline or thp",
			   path, i, key);
	if (!*value || !plain_text(value) || !plain_text(current) || !plain_text(rule) ||
	    !plain_text(reason))
		return bad(err, errlen,
			   "%s: settings[%zu] (%s): value is empty, or value, current, rule or reason "
			   "holds a newline or another control character",
			   path, i, key);
	if (sc == SCOPE_BLOCK && !str_starts(key, "block."))
		return bad(err, errlen, "%s: settings[%zu] (%s): a block setting's key is block.ATTR",
			   path, i, key);
	/* every emitter and verify name the disks of a block setting: it must have them */
	if (sc == SCOPE_BLOCK && !devices_ok(devices))
		return bad(err, errlen,
			   "%s: settings[%zu] (%s): a block setting needs \"devices\": comma-separated "
			   "device names or globs (\"vda,nvme*\", \"*\" for all), no '/'",
			   path, i, key);
	if (sc != SCOPE_BLOCK && devices && !devices_ok(devices))
		return bad(err, errlen, "%s: settings[%zu] (%s): devices '%s' are no device names",
			   path, i, key, plain_text(devices) ? devices : "(control characters)");
	if (al && !json_is_boolean(al))
		return bad(err, errlen, "%s: settings[%zu] (%s): at_least is not a boolean", path, i, key);
	if (ev && !json_is_object(ev))
		return bad(err, errlen, "%s: settings[%zu] (%s): evidence is not an object", path, i, key);
	src = ev ? member_str(ev, "source", &ok) : NULL;
	if (ev && (!plain_text(src) || !plain_text(member_str(ev, "metric", &ok)) ||
		   !plain_text(member_str(ev, "unit", &ok)) || !plain_text(member_str(ev, "stat", &ok)) ||
		   !plain_text(member_str(ev, "verdict", &ok))))
		return bad(err, errlen,
			   "%s: settings[%zu] (%s): evidence holds a newline or another control character",
			   path, i, key);
	s = profile_add(p, rule ? rule : "manual", key, value, json_is_true(al), sc, current,
			reason ? reason : "", src);
	if (!s)
		return -ENOMEM;
	if (devices && !(s->devices = strdup(devices)))
		return -ENOMEM;
	if (ev && json_is_string(json_object_get(ev, "metric"))) {
		const char *unit = member_str(ev, "unit", &ok), *stat = member_str(ev, "stat", &ok);

		if (profile_evidence_metric(&s->ev, json_string_value(json_object_get(ev, "metric")),
					    unit ? unit : "", stat ? stat : "", member_num(ev, "before", &ok)))
			return -ENOMEM;
		s->ev.after = member_num(ev, "after", &ok);
		s->ev.change = member_num(ev, "change", &ok);
		s->ev.p = member_num(ev, "p", &ok);
		if (member_str(ev, "verdict", &ok)) {
			free(s->ev.verdict);
			s->ev.verdict = strdup(member_str(ev, "verdict", &ok));
		}
	}
	if (!ok)
		return bad(err, errlen, "%s: settings[%zu] (%s): a member has the wrong type", path, i, key);
	return 0;
}

struct profile *profile_from_json(const json_t *root, const char *path, char *err, size_t errlen)
{
	const char *schema, *name, *workload, *base, *from, *run_id;
	const json_t *settings, *v;
	enum profile_class cls;
	struct profile *p;
	size_t i;
	int ok = 1, rc;

	if (!json_is_object(root)) {
		bad(err, errlen, "%s: not a JSON object", path);
		return NULL;
	}
	schema = member_str(root, "schema", &ok);
	if (!schema || strcmp(schema, PROFILE_SCHEMA) != 0) {
		bad(err, errlen, "%s: schema is %s%s%s, this nodeperf reads %s", path,
		    schema ? "'" : "", schema ? schema : "missing", schema ? "'" : "", PROFILE_SCHEMA);
		return NULL;
	}
	name = member_str(root, "name", &ok);
	workload = member_str(root, "workload", &ok);
	base = member_str(root, "base", &ok);
	from = member_str(root, "from", &ok);
	run_id = member_str(root, "run_id", &ok);
	settings = json_object_get(root, "settings");
	if (!ok || !name || !workload || !json_is_array(settings)) {
		bad(err, errlen, "%s: needs string \"name\", \"workload\" and an array \"settings\"", path);
		return NULL;
	}
	if (!plain_text(name) || !plain_text(base) || !plain_text(from) || !plain_text(run_id)) {
		bad(err, errlen, "%s: name, base, from or run_id holds a newline or another control "
			    "character", path);
		return NULL;
	}
	if (profile_class_parse(workload, &cls)) {
		bad(err, errlen,
		    "%s: workload '%s' is none of general, latency, throughput, container-density, gpu",
		    path, workload);
		return NULL;
	}
	p = profile_new(name, cls, base, from);
	if (!p || (run_id && !(p->run_id = strdup(run_id)))) {
		bad(err, errlen, "out of memory");
		profile_free(p);
		return NULL;
	}
	json_array_foreach(settings, i, v) {
		rc = setting_from_json(p, v, i, path, err, errlen);
		if (rc) {
			if (rc == -ENOMEM)
				bad(err, errlen, "out of memory");
			profile_free(p);
			return NULL;
		}
	}
	json_array_foreach(json_object_get(root, "skipped"), i, v) {
		const char *r = member_str(v, "rule", &ok), *why = member_str(v, "reason", &ok);

		if (!plain_text(r) || !plain_text(why)) {
			bad(err, errlen, "%s: skipped[%zu]: holds a newline or another control character",
			    path, i);
			profile_free(p);
			return NULL;
		}
		if (r && why && profile_skip(p, r, "%s", why)) {
			bad(err, errlen, "out of memory");
			profile_free(p);
			return NULL;
		}
	}
	json_array_foreach(json_object_get(root, "notes"), i, v) {
		if (json_is_string(v) && !plain_text(json_string_value(v))) {
			bad(err, errlen, "%s: notes[%zu]: holds a newline or another control character",
			    path, i);
			profile_free(p);
			return NULL;
		}
		if (json_is_string(v) && profile_note(p, "%s", json_string_value(v))) {
			bad(err, errlen, "out of memory");
			profile_free(p);
			return NULL;
		}
	}
	return p;
}

struct profile *profile_read(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	struct profile *p;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	if (!root) {
		if (je.line < 0)
			snprintf(err, errlen, "%s: %s", path, je.text);
		else
			snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	p = profile_from_json(root, path, err, errlen);
	json_decref(root);
	return p;
}

int profile_format_parse(const char *s, enum profile_format *out)
{
	static const char *const names[] = { "sysctl", "tuned", "aks", "json" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum profile_format)i;
			return 0;
		}
	return -EINVAL;
}

const char *profile_effective_value(const struct profile_setting *s, char *buf, size_t len)
{
	long long want, cur;
	char *end;

	if (!s->at_least || !s->current)
		return s->value;
	errno = 0;
	want = strtoll(s->value, &end, 10);
	if (end == s->value || *end || errno)
		return s->value;
	cur = strtoll(s->current, &end, 10);
	if (end == s->current || *end || errno || cur <= want)
		return s->value;
	snprintf(buf, len, "%lld", cur);
	return buf;
}
