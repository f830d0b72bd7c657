/* configdiff.h - snapshot differences between two sides, and the metrics they may explain. */
#ifndef NP_CONFIGDIFF_H
#define NP_CONFIGDIFF_H

#include <stddef.h>

struct result;

/*
 * One setting that differs. Keys flatten the result's node and config
 * objects with dots ("kernel.release", "sysctl.net.core.somaxconn",
 * "block.vda.scheduler", "topology.pci[1].name"); values are text, NULL
 * when the side did not record the key. A side of several files whose
 * files disagree reads "a | b".
 */
struct cfgdiff_item {
	char *key;
	char *base;
	char *cand;
};

struct cfgdiff {
	struct cfgdiff_item *items; /* sorted by key */
	size_t n;
};

/*
 * The mapping table (documented verbatim in docs/compare.md): the first row
 * whose family glob matches a metric name says which settings may explain
 * a change of that metric (space-separated key globs).
 */
struct cfgdiff_area {
	const char *family;
	const char *keys;
	const char *why;
};

extern const struct cfgdiff_area cfgdiff_table[];
extern const size_t cfgdiff_table_len;

/* Diff the snapshots of two sides. 0 or -ENOMEM. */
int cfgdiff_build(struct result *const *base, size_t nbase, struct result *const *cand,
		  size_t ncand, struct cfgdiff **out);
void cfgdiff_free(struct cfgdiff *d);

/* The table row for metric (the catch-all row when no family matches). */
const struct cfgdiff_area *cfgdiff_area_of(const char *metric);
/* 1 when setting key is in the areas the table gives metric. */
int cfgdiff_explains(const char *metric, const char *key);

#endif
