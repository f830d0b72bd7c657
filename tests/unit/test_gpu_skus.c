/* test_gpu_skus.c - the built-in Azure GPU series table, matching devices to it, and the verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gpu/gpu.h"

#define MIB 1048576.

/* n devices of one name and memory, as node.gpus[].cuda has them */
static json_t *devices(const char *name, double mib, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:I}", "name", name, "memory_bytes", (json_int_t)(mib * MIB)));
	return a;
}

static const char *series_of(const json_t *skus, const char *name, double mib, int n, json_t **out)
{
	json_t *d = devices(name, mib, n);

	*out = gpu_sku_match(skus, d, NULL);
	json_decref(d);
	assert_non_null(*out);
	return json_string_value(json_object_get(*out, "series"));
}

static void test_table_loads(void **state)
{
	json_t *skus = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(gpu_skus_load(&skus, err, sizeof(err)), 0);
	assert_int_equal(json_array_size(json_object_get(skus, "series")), 9);
	assert_true(json_array_size(json_object_get(skus, "source")) >= 3);
	json_decref(skus);
}

/* Device names as the CUDA driver reports them, memory as cuDeviceTotalMem in MiB. */
static void test_match_names(void **state)
{
	static const struct {
		const char *name;
		double mib;
		const char *series;
		int n;
		int count_ok;
	} cases[] = {
		{ "NVIDIA H200", 143771, "ND H200 v5", 8, 1 },
		{ "NVIDIA H100 80GB HBM3", 81559, "ND H100 v5", 8, 1 },
		{ "NVIDIA H100 NVL", 95830, "NCads H100 v5", 2, 1 },
		{ "NVIDIA A100-SXM4-40GB", 40536, "NDasr A100 v4", 8, 1 },
		{ "NVIDIA A100-SXM4-80GB", 81920, "NDm A100 v4", 8, 1 },
		{ "NVIDIA A100 80GB PCIe", 81920, "NC A100 v4", 4, 1 },
		{ "Tesla V100-PCIE-16GB", 16160, "NCv3", 1, 1 },
		{ "Tesla T4", 15360, "NCasT4_v3", 4, 1 },
		{ "NVIDIA A10-4Q", 4096, "NVads A10 v5", 1, 1 },
		{ "NVIDIA A10", 23028, "NVads A10 v5", 1, 1 },
		/* a pod that sees one GPU of an 8-GPU VM still matches, with count_ok false */
		{ "NVIDIA H200", 143771, "ND H200 v5", 1, 0 },
	};
	json_t *skus = NULL, *m;
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(gpu_skus_load(&skus, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = series_of(skus, cases[i].name, cases[i].mib, cases[i].n, &m);

		if (!s || strcmp(s, cases[i].series) != 0)
			fail_msg("%s: matched %s, expected %s", cases[i].name, s ? s : "(none)", cases[i].series);
		assert_int_equal(json_is_true(json_object_get(m, "count_ok")), cases[i].count_ok);
		assert_int_equal(json_integer_value(json_object_get(m, "count")), cases[i].n);
		json_decref(m);
	}
	json_decref(skus);
}

static void test_floors_and_misses(void **state)
{
	json_t *skus = NULL, *m, *d;
	char err[256];

	(void)state;
	assert_int_equal(gpu_skus_load(&skus, err, sizeof(err)), 0);
	series_of(skus, "NVIDIA H200", 143771, 8, &m);
	assert_true(json_number_value(json_object_get(m, "h2d_floor_Bps")) == 48e9);
	assert_true(json_number_value(json_object_get(m, "p2p_floor_Bps")) == 335e9);
	json_decref(m);
	/* T4: no published floor */
	series_of(skus, "Tesla T4", 15360, 1, &m);
	assert_true(json_is_null(json_object_get(m, "h2d_floor_Bps")));
	json_decref(m);
	/* a GPU no AKS series has, and a right name with the wrong memory */
	assert_null(series_of(skus, "NVIDIA GeForce RTX 4090", 24564, 1, &m));
	assert_non_null(strstr(json_string_value(json_object_get(m, "why")), "RTX 4090"));
	json_decref(m);
	assert_null(series_of(skus, "Tesla V100-SXM2-32GB", 32510, 8, &m));
	json_decref(m);
	/* no devices at all */
	d = json_array();
	m = gpu_sku_match(skus, d, NULL);
	assert_true(json_is_null(json_object_get(m, "series")));
	json_decref(m);
	json_decref(d);
	json_decref(skus);
}

static void test_vm_size(void **state)
{
	json_t *skus = NULL, *m, *d = devices("NVIDIA H200", 143771, 8);
	char err[256];

	(void)state;
	assert_int_equal(gpu_skus_load(&skus, err, sizeof(err)), 0);
	m = gpu_sku_match(skus, d, "Standard_ND96isr_H200_v5");
	assert_true(json_is_true(json_object_get(m, "vm_size_matches")));
	json_decref(m);
	m = gpu_sku_match(skus, d, "Standard_ND96isr_H100_v5");
	assert_true(json_is_false(json_object_get(m, "vm_size_matches")));
	assert_string_equal(json_string_value(json_object_get(m, "vm_size_series")), "ND H100 v5");
	json_decref(m);
	json_decref(d);
	json_decref(skus);
}

static void test_verdict(void **state)
{
	(void)state;
	assert_string_equal(gpu_verdict(47.9e9, 48e9), "fail");
	assert_string_equal(gpu_verdict(48e9, 48e9), "warn");
	assert_string_equal(gpu_verdict(50.3e9, 48e9), "warn");
	assert_string_equal(gpu_verdict(50.5e9, 48e9), "pass");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_loads),
		cmocka_unit_test(test_match_names),
		cmocka_unit_test(test_floors_and_misses),
		cmocka_unit_test(test_vm_size),
		cmocka_unit_test(test_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
