/* topo.h - hwloc topology: summary, pinning, and client/server CPU pairs. */
#ifndef NP_TOPO_H
#define NP_TOPO_H

#include <jansson.h>

struct topo;

enum topo_pair {
	TOPO_SAME_PU,		/* both ends on one logical CPU (context switch) */
	TOPO_SMT_SIBLINGS,	/* two PUs of one core */
	TOPO_SAME_L3,		/* two different cores sharing an L3 */
	TOPO_CROSS_L3,		/* two cores in different L3 domains or NUMA nodes */
	TOPO_ANY_TWO_CORES,	/* two different cores, preferring a shared L3 */
};

/* Load the topology including PCI and OS devices. Returns 0 or -errno. */
int topo_open(struct topo **out);
void topo_close(struct topo *t);

unsigned topo_npus(const struct topo *t);
unsigned topo_ncores(const struct topo *t);
unsigned topo_nnuma(const struct topo *t);

/*
 * Choose two logical CPUs (OS indexes) of the given relation, among the CPUs
 * this process may run on (cgroup cpuset and the calling thread's affinity,
 * sampled by topo_open). CPU 0 is avoided whenever the relation allows; the
 * choice is deterministic. Without an L3 object SAME_L3 means same package;
 * CROSS_L3 falls back to different NUMA nodes; ANY_TWO_CORES tries SAME_L3,
 * then CROSS_L3, then any two cores, then two SMT siblings. Returns 0, or
 * -ENOENT when the machine has no such pair (no SMT, a single L3...).
 */
int topo_pick_pair(const struct topo *t, enum topo_pair kind, int *cpu_a, int *cpu_b);
const char *topo_pair_name(enum topo_pair kind);

/* Pin the calling thread to one logical CPU (OS index). 0 or -errno. */
int topo_pin_self(const struct topo *t, int cpu);

/*
 * Locality of the PCI device at busid ("0000:1b:00.0"): the OS index of
 * the NUMA node of its closest non-I/O ancestor (-1 when that spans several
 * or none) and that ancestor's CPUs as a list ("0-23") into cpus. 0, or
 * -ENOENT when the topology has no such device.
 */
int topo_pci_locality(const struct topo *t, const char *busid, int *numa, char *cpus, size_t len);

/* The OS index of the i-th NUMA node (logical order), -1 past the last. */
int topo_numa_os_index(const struct topo *t, unsigned i);

/*
 * Bind the calling thread's CPUs and memory allocations to NUMA node numa
 * (OS index); numa < 0 undoes it (the CPUs topo_open found allowed, the
 * default memory policy). 0 or -errno.
 */
int topo_bind_numa(const struct topo *t, int numa);

/*
 * {"cpu": N, "core": C, "l3": L or null, "numa": M or null} (logical indexes
 * of core and L3, OS index of the node); NULL for an unknown CPU or ENOMEM.
 */
json_t *topo_cpu_json(const struct topo *t, int cpu);

/*
 * The node.topology object: packages, NUMA nodes (memory), cores, PUs,
 * caches, and PCI NICs, GPUs and storage with their NUMA locality.
 */
json_t *topo_to_json(const struct topo *t);

#endif
