/* fuzz_result.c - the result reader: result_read (file) and result_from_json (a JSON tree). */
#include <jansson.h>

#include "results/result.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[1024], sbuf[64];
	struct result *r;
	json_error_t je;
	json_t *root;
	int fd = fuzz_memfile(data, size, path, sizeof(path));

	if (fd >= 0) {
		r = result_read(path, err, sizeof(err));
		if (r) {
			size_t i;

			/* what show and compare do with what the reader let through */
			for (i = 0; i < r->nmetrics; i++)
				result_format_value(r->metrics[i].p50, r->metrics[i].unit, sbuf, sizeof(sbuf));
			result_free(r);
		}
		close(fd);
	}
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (root) {
		r = result_from_json(root, "fuzz", err, sizeof(err));
		result_free(r);
		json_decref(root);
	}
	return 0;
}
