/*
 * fuzz_collect.c - collect's pod log parser. The input is passed as it is,
 * not NUL-terminated: the parser must stay inside the length it is given.
 */
#include "results/collect.h"
#include "results/result.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result *res = NULL;
	char why[1024];
	int run_exit;

	if (!collect_parse_log((const char *)data, size, "fuzz", &res, &run_exit, why, sizeof(why)))
		result_free(res);
	return 0;
}
