/* reference.c - the AKS OS default files, compiled in, and a node snapshot held against one. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "profiles/reference.h"

/*
 * nodeperf is copied to nodes alone, so the data files travel inside it;
 * .incbin keeps each file the single source (paths relative to the build's
 * working directory, the repository root).
 */
#define REFERENCE_BLOB(sym, file)                                                                  \
	__asm__(".pushsection .rodata\n"                                                           \
		".globl " #sym "\n"                                                                \
		".hidden " #sym "\n"                                                               \
		".type " #sym ", @object\n" #sym ":\n"                                             \
		".incbin \"" file "\"\n"                                                           \
		".byte 0\n"                                                                        \
		".size " #sym ", . - " #sym "\n"                                                   \
		".popsection\n")

REFERENCE_BLOB(reference_ubuntu_2204, "profiles/reference/ubuntu-22.04.json");
REFERENCE_BLOB(reference_ubuntu_2404, "profiles/reference/ubuntu-24.04.json");
REFERENCE_BLOB(reference_azurelinux_30, "profiles/reference/azurelinux-3.0.json");
extern const char reference_ubuntu_2204[], reference_ubuntu_2404[], reference_azurelinux_30[];

const char *const reference_names[] = { "ubuntu-22.04", "ubuntu-24.04", "azurelinux-3.0", NULL };
static const char *const reference_texts[] = { reference_ubuntu_2204, reference_ubuntu_2404,
					       reference_azurelinux_30 };

/* The groups of sysctls a reference holds, in the order they are listed. */
static const char *const sysctl_groups[] = { "sysctl", "sysctl_every_node" };

static int __attribute__((format(printf, 3, 4))) fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check(const json_t *ref, const char *where, char *err, size_t len)
{
	static const char *const groups[] = { "sysctl", "sysctl_every_node", "sysctl_computed" };
	const char *k, *schema = json_string_value(json_object_get(ref, "schema"));
	json_t *g, *v;
	size_t i;

	if (!json_is_object(ref))
		return fail(err, len, "%s: not a JSON object", where);
	if (!schema || strcmp(schema, REFERENCE_SCHEMA) != 0)
		return fail(err, len, "%s: schema is not %s", where, REFERENCE_SCHEMA);
	if (!json_is_string(json_object_get(ref, "name")) ||
	    !json_is_array(json_object_get(ref, "source")) ||
	    !json_array_size(json_object_get(ref, "source")))
		return fail(err, len, "%s: a reference needs a name and its source", where);
	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		g = json_object_get(ref, groups[i]);
		if (!g)
			continue;
		if (!json_is_object(g))
			return fail(err, len, "%s: %s is not an object", where, groups[i]);
		json_object_foreach(g, k, v) if (!json_is_string(v)) return fail(
		    err, len, "%s: %s.%s is not a string", where, groups[i], k);
	}
	return 0;
}

int reference_load(const char *name, json_t **out, char *err, size_t errlen)
{
	size_t i, n = strlen(name);
	json_error_t je;
	json_t *ref;
	int rc;

	if (strchr(name, '/') || (n > 5 && !strcmp(name + n - 5, ".json"))) {
		ref = json_load_file(name, JSON_REJECT_DUPLICATES, &je);
		if (!ref)
			return je.line < 0 ? fail(err, errlen, "%s", je.text)
					   : fail(err, errlen, "%s:%d:%d: %s", name, je.line,
						  je.column, je.text);
	} else {
		for (i = 0; reference_names[i]; i++)
			if (!strcmp(name, reference_names[i]))
				break;
		if (!reference_names[i]) {
			snprintf(err, errlen,
				 "no reference called '%s' (ubuntu-22.04, ubuntu-24.04, "
				 "azurelinux-3.0, or a FILE.json)",
				 name);
			return -ENOENT;
		}
		ref = json_loads(reference_texts[i], JSON_REJECT_DUPLICATES, &je);
		if (!ref)
			return fail(err, errlen, "profiles/reference/%s.json:%d:%d: %s", name,
				    je.line, je.column, je.text);
	}
	rc = check(ref, name, err, errlen);
	if (rc) {
		json_decref(ref);
		return rc;
	}
	*out = ref;
	return 0;
}

/* Whitespace runs become one space, the ends trimmed: "32768\t60999" reads "32768 60999". */
static char *normalize(const char *s)
{
	char *out = malloc(strlen(s) + 1), *w = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (!isspace((unsigned char)*s))
			*w++ = *s;
		else if (w > out && !isspace((unsigned char)s[1]) && s[1])
			*w++ = ' ';
	}
	*w = '\0';
	return out;
}

static char *live_sysctl(const char *sysroot, const char *name)
{
	char path[512], buf[1024], *s;
	int n;

	if (!sysroot)
		return NULL;
	n = snprintf(path, sizeof(path), "%s/proc/sys/", strcmp(sysroot, "/") ? sysroot : "");
	if (n < 0 || (size_t)n + strlen(name) >= sizeof(path))
		return NULL;
	str_copy(path + n, name, sizeof(path) - (size_t)n);
	for (s = path + n; *s; s++)
		if (*s == '.')
			*s = '/';
	return read_small(path, buf, sizeof(buf)) < 0 ? NULL : normalize(buf);
}

/* The node's value of sysctl name: the snapshot's, else the live one, else NULL. */
static char *node_sysctl(const json_t *config, const char *sysroot, const char *name)
{
	const char *v = json_string_value(json_object_get(json_object_get(config, "sysctl"), name));

	return v ? normalize(v) : live_sysctl(sysroot, name);
}

static int add(struct reference_diff *d, const char *group, const char *key, char *node,
	       const char *ref)
{
	struct reference_item *it, *ni;
	char *r = normalize(ref);

	ni = r ? reallocarray(d->items, d->n + 1, sizeof(*ni)) : NULL;
	if (!ni) {
		free(node);
		free(r);
		return -ENOMEM;
	}
	d->items = ni;
	it = &d->items[d->n];
	it->key = strdup(key);
	it->node = node ? node : strdup("(absent)");
	it->ref = r;
	it->group = group;
	it->differs = !node || strcmp(node, r) != 0;
	if (!it->key || !it->node) {
		free(it->key);
		free(it->node);
		free(r);
		return -ENOMEM;
	}
	d->ndiffer += (size_t)it->differs;
	d->n++;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int add_identity(struct reference_diff *d, const json_t *ref, const json_t *node,
			const json_t *config)
{
	const json_t *ro = json_object_get(ref, "os"), *no = json_object_get(node, "os");
	const char *rk =
	    json_string_value(json_object_get(json_object_get(ref, "kernel"), "release"));
	const char *nk =
	    json_string_value(json_object_get(json_object_get(node, "kernel"), "release"));
	const char *thp[] = { "enabled", "defrag" };
	char rv[128], nv[128], key[32];
	size_t i;
	int rc = 0;

	if (ro) {
		snprintf(rv, sizeof(rv), "%s %s",
			 json_string_value(json_object_get(ro, "id")) ?: "?",
			 json_string_value(json_object_get(ro, "version_id")) ?: "?");
		snprintf(nv, sizeof(nv), "%s %s",
			 json_string_value(json_object_get(no, "id")) ?: "?",
			 json_string_value(json_object_get(no, "version_id")) ?: "?");
		rc = add(d, "os", "os", strdup(nv), rv);
	}
	if (!rc && rk)
		rc = add(d, "kernel", "kernel.release", dup_or_null(nk), rk);
	for (i = 0; !rc && i < ARRAY_SIZE(thp); i++) {
		const char *r =
		    json_string_value(json_object_get(json_object_get(ref, "thp"), thp[i]));
		const char *n =
		    json_string_value(json_object_get(json_object_get(config, "thp"), thp[i]));

		snprintf(key, sizeof(key), "thp.%s", thp[i]);
		if (r)
			rc = add(d, "thp", key, dup_or_null(n), r);
	}
	return rc;
}

/* "memory_bytes / 16384" with this node's memory; only that form is defined. */
static int computed(const char *expr, const json_t *node, char *buf, size_t len)
{
	json_int_t mem = json_integer_value(json_object_get(node, "memory_bytes"));
	unsigned long long div;
	char tail;

	if (sscanf(expr, "memory_bytes / %llu%c", &div, &tail) != 1 || !div)
		return -EINVAL;
	if (mem <= 0)
		return -ENOENT;
	snprintf(buf, len, "%llu", (unsigned long long)mem / div);
	return 0;
}

int reference_diff(const json_t *ref, const json_t *node, const json_t *config, const char *sysroot,
		   struct reference_diff **out, char *err, size_t errlen)
{
	struct reference_diff *d = calloc(1, sizeof(*d));
	const char *k;
	char val[64];
	json_t *v;
	size_t g;
	int rc;

	if (!d)
		return -ENOMEM;
	rc = add_identity(d, ref, node, config);
	for (g = 0; !rc && g < ARRAY_SIZE(sysctl_groups); g++)
		json_object_foreach(json_object_get(ref, sysctl_groups[g]), k, v) if (!rc) rc = add(
		    d, sysctl_groups[g], k, node_sysctl(config, sysroot, k), json_string_value(v));
	json_object_foreach(json_object_get(ref, "sysctl_computed"), k, v)
	{
		if (rc)
			break;
		rc = computed(json_string_value(v), node, val, sizeof(val));
		if (rc == -EINVAL) {
			fail(err, errlen, "%s: sysctl_computed.%s: '%s' is not 'memory_bytes / N'",
			     json_string_value(json_object_get(ref, "name")), k,
			     json_string_value(v));
			break;
		}
		/* A snapshot without the memory size cannot say what the default would be. */
		rc = rc ? 0 : add(d, "sysctl_computed", k, node_sysctl(config, sysroot, k), val);
	}
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		reference_diff_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void reference_diff_free(struct reference_diff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->items[i].key);
		free(d->items[i].node);
		free(d->items[i].ref);
	}
	free(d->items);
	free(d);
}
