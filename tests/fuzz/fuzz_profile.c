/* fuzz_profile.c - the profile reader, every emitter on what it accepts, and verify. */
#include <jansson.h>

#include "profiles/profile.h"
#include "tests/fuzz/fuzz.h"

static void emit_all(const struct profile *p)
{
	char err[512], *buf, *ebuf;
	size_t len, elen;
	FILE *out, *elsewhere;
	int f;

	for (f = PFMT_SYSCTL; f <= PFMT_JSON; f++) {
		out = fuzz_sink(&buf, &len);
		elsewhere = fuzz_sink(&ebuf, &elen);
		if (!out || !elsewhere)
			abort();
		switch (f) {
		case PFMT_SYSCTL:
			profile_emit_sysctl(p, out, err, sizeof(err));
			break;
		case PFMT_TUNED:
			profile_emit_tuned(p, out, err, sizeof(err));
			break;
		case PFMT_AKS:
			profile_emit_aks(p, out, elsewhere, err, sizeof(err));
			break;
		default:
			profile_emit_json(p, out, err, sizeof(err));
		}
		fclose(out);
		fclose(elsewhere);
		free(buf);
		free(ebuf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_item *items = NULL;
	char err[1024];
	struct profile *p, *q;
	json_error_t je;
	json_t *root, *again;

	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return 0;
	p = profile_from_json(root, "fuzz", err, sizeof(err));
	json_decref(root);
	if (!p)
		return 0;
	emit_all(p);
	/* what the JSON emitter writes, the reader takes back */
	again = profile_to_json(p);
	q = again ? profile_from_json(again, "again", err, sizeof(err)) : NULL;
	if (again && !q) {
		fprintf(stderr, "profile_to_json output refused by profile_from_json: %s\n", err);
		abort();
	}
	json_decref(again);
	profile_free(q);
	/* verify against an empty tree: every setting missing, nothing read from this host */
	if (profile_verify(p, "/nonexistent-fuzz-sysroot", -1, &items) >= 0)
		free(items);
	profile_free(p);
	return 0;
}
