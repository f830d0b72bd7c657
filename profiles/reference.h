/* reference.h - documented OS defaults of AKS nodes, and this node held against them. */
#ifndef NP_REFERENCE_H
#define NP_REFERENCE_H

#include <stddef.h>
#include <jansson.h>

#define REFERENCE_SCHEMA "nodeperf/reference/v1"

/* The built-in references, NULL-terminated: "ubuntu-22.04", "ubuntu-24.04", "azurelinux-3.0". */
extern const char *const reference_names[];

/*
 * The reference called name (compiled in from profiles/reference/NAME.json),
 * or the file at name when it contains a '/' or ends in ".json". 0; -ENOENT
 * or -EINVAL with err saying what is wrong ("PLACE:LINE:COL: ..." for bad
 * JSON); -ENOMEM.
 */
int reference_load(const char *name, json_t **out, char *err, size_t errlen);

struct reference_item {
	char *key;  /* "os", "kernel.release", "thp.enabled", "sysctl.vm.swappiness" */
	char *node; /* this node's value, "(absent)" when the node lacks it */
	char *ref;  /* the reference's value */
	const char
	    *group; /* which part of the reference: "os", "sysctl", "sysctl_every_node", ... */
	int differs;
};

struct reference_diff {
	struct reference_item *items; /* in the reference's order */
	size_t n, ndiffer;
};

/*
 * Hold a node snapshot ("node" and "config" objects) against ref. Sysctls
 * the snapshot does not record are read from /proc/sys when sysroot is
 * "/", never when it is NULL (tests). 0, -EINVAL (malformed reference, err
 * says where) or -ENOMEM.
 */
int reference_diff(const json_t *ref, const json_t *node, const json_t *config, const char *sysroot,
		   struct reference_diff **out, char *err, size_t errlen);
void reference_diff_free(struct reference_diff *d);

#endif
