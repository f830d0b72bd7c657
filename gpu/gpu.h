/* gpu.h - GPU inventory, Azure SKU match and health verdicts, and the gpu command. */
#ifndef NP_GPU_H
#define NP_GPU_H

#include <stddef.h>
#include <jansson.h>

struct topo;

#define GPU_SKUS_SCHEMA "nodeperf/gpu-skus/v1"
/* Within this fraction above the floor a bandwidth warns (azurehpc-health-checks). */
#define GPU_FLOOR_WARN 0.05

/* The SKU table compiled in from gpu/skus.json, validated. 0 or -EINVAL/-ENOMEM with err. */
int gpu_skus_load(json_t **out, char *err, size_t len);

/*
 * Which series of skus the devices match. devices: array of objects with
 * "name" and "memory_bytes" (node.gpus[].cuda). vm_size: from IMDS, or
 * NULL. Returns a new object: {"series", "example_size", "gpu", "count",
 * "gpus_per_vm", "count_ok", "h2d_floor_Bps", "d2h_floor_Bps",
 * "p2p_floor_Bps", "vm_size", "vm_size_matches", "source"} on a match, or
 * {"series": null, "why": ...}; NULL on ENOMEM.
 */
json_t *gpu_sku_match(const json_t *skus, const json_t *devices, const char *vm_size);

/* "pass", "warn" or "fail" for a measured bandwidth against a floor (B/s > 0). */
const char *gpu_verdict(double measured, double floor);

/*
 * Add the CUDA view to a snapshot's node: node.gpus[] entries get a "cuda"
 * object (matched by PCI bus id; devices hwloc did not list are appended)
 * and node.gpu says whether CUDA is usable here, the driver version and the
 * SKU match. topo may be NULL. 0 or -ENOMEM.
 */
int gpu_snapshot_add(json_t *node, const struct topo *topo);

int cmd_gpu(int argc, char **argv);

#endif
