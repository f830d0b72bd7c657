/* profile.h - tuned kernel parameter profiles: the model, rules, emitters, verify and tune. */
#ifndef NP_PROFILE_H
#define NP_PROFILE_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "results/result.h"

#define PROFILE_SCHEMA "nodeperf/profile/v1"

enum profile_class {
	PROFILE_GENERAL,
	PROFILE_LATENCY,
	PROFILE_THROUGHPUT,
	PROFILE_CONTAINER_DENSITY,
	PROFILE_GPU,
	PROFILE_NCLASS
};

/* Where a setting lives: what `verify` reads and which emitters can carry it. */
enum profile_scope {
	SCOPE_GLOBAL,	/* a host sysctl: /proc/sys/KEY */
	SCOPE_NETNS,	/* a sysctl each network namespace has its own copy of */
	SCOPE_BLOCK,	/* block.scheduler / block.read_ahead_kb / block.nr_requests of devices */
	SCOPE_CMDLINE,	/* a kernel command-line parameter: cmdline.NAME */
	SCOPE_THP,	/* transparent_hugepage.enabled / .defrag */
	SCOPE_NSCOPES
};

/* Why a value: a measurement (metric set) or a documented source, always the source. */
struct profile_evidence {
	char *metric;	/* NULL: the setting rests on its documented source alone */
	char *unit, *stat;
	double before, after;	/* medians of the repetitions; NAN when not measured */
	double change, p;	/* relative change and Mann-Whitney p (tune); NAN otherwise */
	char *verdict;		/* "measured", "improved", ... ; NULL without a metric */
	char *source;		/* the documented source of the rule */
};

struct profile_setting {
	char *key;	/* "net.core.somaxconn", "transparent_hugepage.enabled", "block.scheduler" */
	char *value;
	int at_least;	/* numeric: the node passes with a value >= value (tuned's '>') */
	enum profile_scope scope;
	char *devices;	/* block scope: comma-separated device names or globs */
	char *current;	/* the base's value; NULL when unknown */
	char *rule;
	char *reason;
	struct profile_evidence ev;
};

struct profile_skip {
	char *rule;
	char *reason;
};

struct profile {
	char *name;
	enum profile_class cls;
	char *base;	/* "node" or a reference name: where current values come from */
	char *from;	/* the result file, or "tune" */
	char *run_id;	/* the result's run id, NULL when none */
	struct profile_setting *settings;
	size_t nsettings;
	struct profile_skip *skipped;
	size_t nskipped;
	char **notes;	/* advice that is no kernel parameter (GPU pod placement) */
	size_t nnotes;
};

extern const char *const profile_class_names[PROFILE_NCLASS];
extern const char *const profile_scope_names[SCOPE_NSCOPES];
/* 0 and *out, or -EINVAL for a name that is none of them. */
int profile_class_parse(const char *s, enum profile_class *out);

struct profile *profile_new(const char *name, enum profile_class cls, const char *base,
			    const char *from);
void profile_free(struct profile *p);
/* Append a setting (strings copied; ev NULL: no evidence yet). NULL on ENOMEM. */
struct profile_setting *profile_add(struct profile *p, const char *rule, const char *key,
				    const char *value, int at_least, enum profile_scope scope,
				    const char *current, const char *reason, const char *source);
/* The setting called key (block: also its devices), NULL when none. */
struct profile_setting *profile_find(struct profile *p, const char *key);
int profile_evidence_metric(struct profile_evidence *ev, const char *metric, const char *unit,
			    const char *stat, double before);
int profile_skip(struct profile *p, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int profile_note(struct profile *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * What a format that cannot say "at least" writes: the larger of value and a
 * numeric current, so applying a profile never lowers a node's setting.
 */
const char *profile_effective_value(const struct profile_setting *s, char *buf, size_t len);

/* The JSON format (schema nodeperf/profile/v1). */
json_t *profile_to_json(const struct profile *p);
/* NULL with err "PATH:LINE:COL: what" or "PATH: where: what". */
struct profile *profile_from_json(const json_t *root, const char *path, char *err, size_t errlen);
struct profile *profile_read(const char *path, char *err, size_t errlen);

/* --- rules (rules.c) --- */

/*
 * The profile for class from a result (its snapshot and metrics). base:
 * NULL or "node" for the node's values, or a reference name (reference_load)
 * whose documented values stand in as current. sysroot "/" lets rules read
 * what the snapshot lacks from /proc/sys; NULL in tests. 0, -EINVAL (err
 * says why: an unknown reference), -ENOMEM.
 */
int profile_generate(const struct result *res, const char *from, enum profile_class cls,
		     const char *base, struct profile **out, char *err, size_t errlen);

/* The ids of the rules, NULL-terminated; each has a section in docs/profiles.md. */
extern const char *const profile_rule_ids[];

/* --- emitters (emit_*.c): 0, -ERANGE / -EINVAL with err naming the setting --- */

enum profile_format { PFMT_SYSCTL, PFMT_TUNED, PFMT_AKS, PFMT_JSON };
int profile_format_parse(const char *s, enum profile_format *out);

int profile_emit_sysctl(const struct profile *p, FILE *out, char *err, size_t errlen);
int profile_emit_tuned(const struct profile *p, FILE *out, char *err, size_t errlen);
/*
 * The linuxOSConfig object for `az aks nodepool add --linux-os-config FILE`
 * on out, and on elsewhere one line per setting AKS cannot express and
 * where it goes instead. -ERANGE with err "FIELD (KEY) = V is outside ...
 * RANGE" for a value AKS would refuse; nothing is written then.
 */
int profile_emit_aks(const struct profile *p, FILE *out, FILE *elsewhere, char *err,
		     size_t errlen);
int profile_emit_json(const struct profile *p, FILE *out, char *err, size_t errlen);

/* Shared by the text emitters: the header and a setting's evidence as comment lines. */
void profile_comment_header(const struct profile *p, FILE *out, const char *how);
void profile_comment_evidence(const struct profile_setting *s, FILE *out, const char *lead);

/* The AKS linuxOSConfig sysctl field of a sysctl key, NULL when AKS has none (exposed for tests). */
const char *profile_aks_field(const char *key);

/* --- verify (verify.c) --- */

enum verify_status { VERIFY_OK, VERIFY_MISMATCH, VERIFY_MISSING };

struct verify_item {
	const struct profile_setting *s;
	char where[64];	/* "" or the block device */
	char current[256];
	enum verify_status status;
};

/*
 * Hold this node (files under sysroot, "/" normally) against p. Only
 * settings of scope `only` when only >= 0. Items malloc'd into *items.
 * Returns the number of items or -ENOMEM.
 */
long profile_verify(const struct profile *p, const char *sysroot, int only,
		    struct verify_item **items);

/* Emit p in format f to path, stdout when NULL (atomically; tuned: PATH/tuned.conf). Exit code. */
int profile_write(const struct profile *p, enum profile_format f, const char *path);
/* "nodeperf: skipped rule ID: why" on stderr for each skipped rule. */
void profile_print_skipped(const struct profile *p);

/* --- tune (tune.c) --- */

struct comparison;
struct cmp_metric;
/* The id of built-in tune candidate i (documented in docs/profiles.md), NULL past the last. */
const char *profile_tune_candidate_id(size_t i);
/*
 * The gate's decision for one candidate: 1 (kept, *kept = the improved
 * target metric) when a metric matching target improved and no metric
 * regressed or broke a limit (compare's own verdicts); 0 with why otherwise.
 */
int tune_decide(const struct comparison *c, const char *target, const struct cmp_metric **kept,
		char *why, size_t len);

/* Commands (profile_cmd.c, tune.c). */
int cmd_profile(int argc, char **argv);
int profile_tune_main(int argc, char **argv);

#endif
