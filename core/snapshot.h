/* snapshot.h - node identity and configuration, as recorded in every result. */
#ifndef NP_SNAPSHOT_H
#define NP_SNAPSHOT_H

#include <stdio.h>
#include <jansson.h>

struct topo;

/*
 * Collect the "node" and "config" objects of a result (DESIGN §4). A missing
 * file is recorded as absent (null or left out), never an error. topo may be
 * NULL (topology then recorded as null). Returns 0 or -ENOMEM.
 */
int snapshot_collect(const struct topo *topo, json_t **node, json_t **config);

/* One-screen human summary of a snapshot. */
void snapshot_print(const json_t *node, const json_t *config, FILE *out);

/* The curated sysctl list (NULL-terminated), documented in docs/sysctls.md. */
extern const char *const snapshot_sysctls[];

#endif
