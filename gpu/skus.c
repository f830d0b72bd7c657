/* skus.c - the Azure GPU series table (gpu/skus.json, compiled in) and matching devices to it. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "gpu/gpu.h"

/* nodeperf travels alone to nodes: the table goes inside it, the JSON file stays the source. */
__asm__(".pushsection .rodata\n"
	".globl gpu_skus_text\n"
	".hidden gpu_skus_text\n"
	".type gpu_skus_text, @object\n"
	"gpu_skus_text:\n"
	".incbin \"gpu/skus.json\"\n"
	".byte 0\n"
	".size gpu_skus_text, . - gpu_skus_text\n"
	".popsection\n");
extern const char gpu_skus_text[];

static int num_pair(const json_t *a, double *lo, double *hi)
{
	if (!json_is_array(a) || json_array_size(a) != 2 || !json_is_number(json_array_get(a, 0)) ||
	    !json_is_number(json_array_get(a, 1)))
		return -EINVAL;
	*lo = json_number_value(json_array_get(a, 0));
	*hi = json_number_value(json_array_get(a, 1));
	return *lo <= *hi ? 0 : -EINVAL;
}

static int str_array(const json_t *a)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return 0;
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return 0;
	return 1;
}

static int floor_ok(const json_t *v)
{
	return json_is_null(v) || (json_is_number(v) && json_number_value(v) > 0);
}

static int check(const json_t *t, char *err, size_t len)
{
	static const char *const floors[] = { "h2d_floor_gbps", "d2h_floor_gbps", "p2p_floor_gbps" };
	const char *schema = json_string_value(json_object_get(t, "schema"));
	json_t *s;
	double lo, hi;
	size_t i, k;

	if (!schema || strcmp(schema, GPU_SKUS_SCHEMA) != 0 || !str_array(json_object_get(t, "source")) ||
	    !json_array_size(json_object_get(t, "source")) || !json_is_array(json_object_get(t, "series"))) {
		snprintf(err, len, "gpu/skus.json: want schema %s, its source and a series array", GPU_SKUS_SCHEMA);
		return -EINVAL;
	}
	json_array_foreach(json_object_get(t, "series"), i, s) {
		int ok = json_is_string(json_object_get(s, "series")) &&
			 json_is_string(json_object_get(s, "example_size")) &&
			 json_is_string(json_object_get(s, "size_glob")) && json_is_string(json_object_get(s, "gpu")) &&
			 str_array(json_object_get(s, "name")) && json_array_size(json_object_get(s, "name")) &&
			 str_array(json_object_get(s, "name_not")) &&
			 !num_pair(json_object_get(s, "memory_gib"), &lo, &hi) &&
			 !num_pair(json_object_get(s, "gpus_per_vm"), &lo, &hi);

		for (k = 0; ok && k < ARRAY_SIZE(floors); k++)
			ok = floor_ok(json_object_get(s, floors[k]));
		if (!ok) {
			snprintf(err, len, "gpu/skus.json: series[%zu] lacks a field or has a wrong type", i);
			return -EINVAL;
		}
	}
	return 0;
}

int gpu_skus_load(json_t **out, char *err, size_t len)
{
	json_error_t je;
	json_t *t = json_loads(gpu_skus_text, JSON_REJECT_DUPLICATES, &je);

	if (!t) {
		snprintf(err, len, "gpu/skus.json:%d:%d: %s", je.line, je.column, je.text);
		return -EINVAL;
	}
	if (check(t, err, len)) {
		json_decref(t);
		return -EINVAL;
	}
	*out = t;
	return 0;
}

/* Whether the device (name, memory) is of series s. */
static int device_matches(const json_t *s, const char *name, double mem_gib)
{
	double lo = 0, hi = 0;
	size_t i;
	json_t *v;

	num_pair(json_object_get(s, "memory_gib"), &lo, &hi);
	if (mem_gib < lo || mem_gib > hi)
		return 0;
	json_array_foreach(json_object_get(s, "name"), i, v)
		if (!strcasestr(name, json_string_value(v)))
			return 0;
	json_array_foreach(json_object_get(s, "name_not"), i, v)
		if (strcasestr(name, json_string_value(v)))
			return 0;
	return 1;
}

static json_t *floor_bps(const json_t *s, const char *key)
{
	const json_t *v = json_object_get(s, key);

	return json_is_number(v) ? json_real(json_number_value(v) * 1e9) : json_null();
}

static json_t *no_match(const char *fmt, const char *name, double mem_gib, size_t n)
{
	char why[256];

	snprintf(why, sizeof(why), fmt, n, name, mem_gib);
	return json_pack("{s:n, s:s}", "series", "why", why);
}

json_t *gpu_sku_match(const json_t *skus, const json_t *devices, const char *vm_size)
{
	const json_t *first = json_array_get(devices, 0), *s, *hit = NULL, *by_size = NULL, *d;
	const char *name = json_string_value(json_object_get(first, "name"));
	double mem_gib = (double)json_integer_value(json_object_get(first, "memory_bytes")) / (1ull << 30);
	double lo = 0, hi = 0;
	size_t i, count = 0, n = json_array_size(devices);
	json_t *out;

	if (!n || !name)
		return json_pack("{s:n, s:s}", "series", "why", "no CUDA device to match");
	json_array_foreach(json_object_get(skus, "series"), i, s) {
		if (!hit && device_matches(s, name, mem_gib))
			hit = s;
		if (vm_size && !by_size && !fnmatch(json_string_value(json_object_get(s, "size_glob")), vm_size, 0))
			by_size = s;
	}
	if (!hit)
		return no_match("no Azure GPU series of gpu/skus.json has %zu x %s (%.1f GiB)", name, mem_gib, n);
	/* A pod may see a subset of the VM's GPUs; mixed models are worth saying. */
	json_array_foreach(devices, i, d) {
		const char *dn = json_string_value(json_object_get(d, "name"));

		if (dn && device_matches(hit, dn,
					 (double)json_integer_value(json_object_get(d, "memory_bytes")) / (1ull << 30)))
			count++;
	}
	num_pair(json_object_get(hit, "gpus_per_vm"), &lo, &hi);
	out = json_pack("{s:O, s:O, s:O, s:s, s:f, s:I, s:O, s:b, s:o, s:o, s:o, s:O}", "series",
			json_object_get(hit, "series"), "example_size", json_object_get(hit, "example_size"), "gpu",
			json_object_get(hit, "gpu"), "device_name", name, "memory_gib", mem_gib, "count",
			(json_int_t)count, "gpus_per_vm", json_object_get(hit, "gpus_per_vm"), "count_ok",
			count == n && count >= lo && count <= hi, "h2d_floor_Bps", floor_bps(hit, "h2d_floor_gbps"),
			"d2h_floor_Bps", floor_bps(hit, "d2h_floor_gbps"), "p2p_floor_Bps",
			floor_bps(hit, "p2p_floor_gbps"), "source", json_object_get(skus, "source"));
	if (out && vm_size) {
		json_object_set_new(out, "vm_size", json_string(vm_size));
		json_object_set_new(out, "vm_size_matches", json_boolean(by_size == hit));
		if (by_size && by_size != hit)
			json_object_set(out, "vm_size_series", json_object_get(by_size, "series"));
	}
	return out;
}

const char *gpu_verdict(double measured, double floor)
{
	if (measured < floor)
		return "fail";
	if (measured < floor * (1 + GPU_FLOOR_WARN))
		return "warn";
	return "pass";
}
