/* fuzz_thresholds.c - the thresholds parser (compare --thresholds FILE). */
#include "results/thresholds.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct thresholds *t = NULL;
	char err[1024], unit[8];
	char *text = fuzz_text(data, size);
	double v;

	if (!text)
		return 0;
	if (!thresholds_parse(text, "fuzz", &t, err, sizeof(err)))
		thresholds_free(t);
	/* a single value as --tune and the rules' limits take it */
	if (size < 64)
		thresholds_parse_value(text, &v, unit);
	free(text);
	return 0;
}
