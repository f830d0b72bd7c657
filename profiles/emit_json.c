/* emit_json.c - a profile as JSON (nodeperf/profile/v1), the format verify reads. */
#include <errno.h>
#include <stdio.h>

#include "profiles/profile.h"

int profile_emit_json(const struct profile *p, FILE *out, char *err, size_t errlen)
{
	json_t *doc = profile_to_json(p);
	int rc;

	if (!doc) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	fputc('\n', out);
	json_decref(doc);
	return rc || ferror(out) ? -EIO : 0;
}
