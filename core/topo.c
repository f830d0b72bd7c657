/* topo.c - hwloc topology: summary, pinning, and client/server CPU pairs. */
#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/topo.h"
#include "core/util.h"

enum topo_dom { DOM_L3, DOM_PKG, DOM_NUMA, DOM_NR };
enum topo_rel { REL_SAME, REL_CROSS, REL_ANY };

/*
 * One core with at least one PU we may run on. a is its preferred PU, b a
 * second allowed PU of the same core or -1; CPU 0 is pushed to b (or kept
 * only when nothing else is allowed) because it takes most IRQs and timers.
 */
struct topo_core {
	int a, b;
	int dom[DOM_NR];	/* L3 / package logical index, NUMA os index; -1 */
};

struct topo {
	hwloc_topology_t h;
	struct topo_core *cores;
	unsigned ncores;	/* entries in cores[], i.e. allowed cores */
	int has_l3;
};

/*
 * Discovery plugins that initialise GPU runtimes (OpenCL, CUDA, NVML, ROCm,
 * oneAPI) or talk to an X server cost hundreds of milliseconds and tens of MB
 * on GPU nodes. The linux backend reads every PCI device and its locality
 * from sysfs, so the libpciaccess plugin ("pci") only adds a dlopen and
 * allocations it never frees (LeakSanitizer reports them).
 */
static const char *const topo_skip_components[] = {
	"opencl", "gl", "pci", "cuda", "nvml", "rsmi", "levelzero",
};

static int obj_index(hwloc_topology_t h, hwloc_obj_type_t type, hwloc_obj_t obj)
{
	hwloc_obj_t anc = hwloc_get_ancestor_obj_by_type(h, type, obj);

	return anc ? (int)anc->logical_index : -1;
}

static int obj_numa(hwloc_const_nodeset_t nodeset)
{
	return nodeset && hwloc_bitmap_weight(nodeset) == 1 ? hwloc_bitmap_first(nodeset) : -1;
}

static int topo_build_cores(struct topo *t, hwloc_const_cpuset_t allowed)
{
	hwloc_obj_type_t type = hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_CORE) ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	unsigned i, n = (unsigned)hwloc_get_nbobjs_by_type(t->h, type);
	hwloc_bitmap_t set;

	t->cores = calloc(n ? n : 1, sizeof(*t->cores));
	set = hwloc_bitmap_alloc();
	if (!t->cores || !set) {
		hwloc_bitmap_free(set);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		hwloc_obj_t obj = hwloc_get_obj_by_type(t->h, type, i);
		struct topo_core *c = &t->cores[t->ncores];
		int first, next;

		hwloc_bitmap_and(set, obj->cpuset, allowed);
		first = hwloc_bitmap_first(set);
		if (first < 0)
			continue;
		next = hwloc_bitmap_next(set, first);
		c->a = first;
		c->b = next;
		if (first == 0 && next > 0) {
			c->a = next;
			c->b = hwloc_bitmap_next(set, next);
			if (c->b < 0)
				c->b = 0;
		}
		c->dom[DOM_L3] = obj_index(t->h, HWLOC_OBJ_L3CACHE, obj);
		c->dom[DOM_PKG] = obj_index(t->h, HWLOC_OBJ_PACKAGE, obj);
		c->dom[DOM_NUMA] = obj_numa(obj->nodeset);
		t->ncores++;
	}
	hwloc_bitmap_free(set);
	return 0;
}

int topo_open(struct topo **out)
{
	hwloc_bitmap_t allowed = NULL;
	struct topo *t;
	unsigned i;
	int err = -ENOMEM;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (hwloc_topology_init(&t->h) < 0)
		goto out_free;
	/* Unknown names fail harmlessly: the plugin is simply not installed. */
	for (i = 0; i < ARRAY_SIZE(topo_skip_components); i++)
		hwloc_topology_set_components(t->h, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST,
					      topo_skip_components[i]);
	hwloc_topology_set_io_types_filter(t->h, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	if (hwloc_topology_load(t->h) < 0) {
		err = errno ? -errno : -EIO;
		goto out_destroy;
	}
	t->has_l3 = hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_L3CACHE) > 0;

	/*
	 * The topology already excludes CPUs outside our cgroup cpuset; the
	 * affinity mask (taskset, a pod's cpu manager) can be narrower still.
	 * It is sampled here, before any bench thread pins itself.
	 */
	allowed = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(t->h));
	if (!allowed)
		goto out_destroy;
	if (hwloc_topology_is_thissystem(t->h)) {
		hwloc_bitmap_t bound = hwloc_bitmap_alloc();

		if (!bound)
			goto out_allowed;
		if (!hwloc_get_cpubind(t->h, bound, HWLOC_CPUBIND_THREAD))
			hwloc_bitmap_and(allowed, allowed, bound);
		hwloc_bitmap_free(bound);
	}
	err = topo_build_cores(t, allowed);
	if (err)
		goto out_allowed;
	hwloc_bitmap_free(allowed);
	*out = t;
	return 0;

out_allowed:
	hwloc_bitmap_free(allowed);
out_destroy:
	free(t->cores);
	hwloc_topology_destroy(t->h);
out_free:
	free(t);
	return err;
}

void topo_close(struct topo *t)
{
	if (!t)
		return;
	free(t->cores);
	hwloc_topology_destroy(t->h);
	free(t);
}

unsigned topo_npus(const struct topo *t)
{
	return (unsigned)hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_PU);
}

unsigned topo_ncores(const struct topo *t)
{
	int n = hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_CORE);

	return n > 0 ? (unsigned)n : topo_npus(t);
}

unsigned topo_nnuma(const struct topo *t)
{
	return (unsigned)hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_NUMANODE);
}

static int rel_match(enum topo_rel rel, int x, int y)
{
	switch (rel) {
	case REL_SAME:
		return x >= 0 && x == y;
	case REL_CROSS:
		return x >= 0 && y >= 0 && x != y;
	default:
		return 1;
	}
}

/* First pair of allowed cores (hwloc logical order) in the relation. */
static int find_cores(const struct topo *t, enum topo_dom dom, enum topo_rel rel,
		      int avoid0, int *a, int *b)
{
	unsigned i, j;

	for (i = 0; i < t->ncores; i++) {
		const struct topo_core *x = &t->cores[i];

		if (avoid0 && x->a == 0)
			continue;
		for (j = i + 1; j < t->ncores; j++) {
			const struct topo_core *y = &t->cores[j];

			if (avoid0 && y->a == 0)
				continue;
			if (rel_match(rel, x->dom[dom], y->dom[dom])) {
				*a = x->a;
				*b = y->a;
				return 0;
			}
		}
	}
	return -ENOENT;
}

static int pick_cores(const struct topo *t, enum topo_dom dom, enum topo_rel rel, int *a, int *b)
{
	if (!find_cores(t, dom, rel, 1, a, b))
		return 0;
	return find_cores(t, dom, rel, 0, a, b);
}

static int pick_smt(const struct topo *t, int *a, int *b)
{
	int pass;
	unsigned i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->ncores; i++) {
			const struct topo_core *c = &t->cores[i];

			if (c->b < 0 || (!pass && (c->a == 0 || c->b == 0)))
				continue;
			*a = c->a;
			*b = c->b;
			return 0;
		}
	}
	return -ENOENT;
}

static int pick_same_l3(const struct topo *t, int *a, int *b)
{
	return pick_cores(t, t->has_l3 ? DOM_L3 : DOM_PKG, REL_SAME, a, b);
}

static int pick_cross_l3(const struct topo *t, int *a, int *b)
{
	if (t->has_l3 && !pick_cores(t, DOM_L3, REL_CROSS, a, b))
		return 0;
	return pick_cores(t, DOM_NUMA, REL_CROSS, a, b);
}

int topo_pick_pair(const struct topo *t, enum topo_pair kind, int *cpu_a, int *cpu_b)
{
	unsigned i;

	switch (kind) {
	case TOPO_SAME_PU:
		if (!t->ncores)
			return -ENOENT;
		for (i = 0; i < t->ncores && !t->cores[i].a; i++)
			;
		*cpu_a = *cpu_b = t->cores[i < t->ncores ? i : 0].a;
		return 0;
	case TOPO_SMT_SIBLINGS:
		return pick_smt(t, cpu_a, cpu_b);
	case TOPO_SAME_L3:
		return pick_same_l3(t, cpu_a, cpu_b);
	case TOPO_CROSS_L3:
		return pick_cross_l3(t, cpu_a, cpu_b);
	case TOPO_ANY_TWO_CORES:
		if (!pick_same_l3(t, cpu_a, cpu_b) || !pick_cross_l3(t, cpu_a, cpu_b) ||
		    !pick_cores(t, DOM_L3, REL_ANY, cpu_a, cpu_b))
			return 0;
		/* A single allowed core: its two hardware threads still differ. */
		return pick_smt(t, cpu_a, cpu_b);
	}
	return -EINVAL;
}

const char *topo_pair_name(enum topo_pair kind)
{
	switch (kind) {
	case TOPO_SAME_PU:
		return "same_pu";
	case TOPO_SMT_SIBLINGS:
		return "smt_siblings";
	case TOPO_SAME_L3:
		return "same_l3";
	case TOPO_CROSS_L3:
		return "cross_l3";
	case TOPO_ANY_TWO_CORES:
		return "any_two_cores";
	}
	return "unknown";
}

int topo_pin_self(const struct topo *t, int cpu)
{
	hwloc_bitmap_t set;
	int err = 0;

	if (cpu < 0 || !hwloc_get_pu_obj_by_os_index(t->h, (unsigned)cpu))
		return -EINVAL;
	set = hwloc_bitmap_alloc();
	if (!set)
		return -ENOMEM;
	hwloc_bitmap_only(set, (unsigned)cpu);
	if (hwloc_set_cpubind(t->h, set, HWLOC_CPUBIND_THREAD) < 0)
		err = errno ? -errno : -EINVAL;
	hwloc_bitmap_free(set);
	return err;
}

int topo_pci_locality(const struct topo *t, const char *busid, int *numa, char *cpus, size_t len)
{
	hwloc_obj_t dev = hwloc_get_pcidev_by_busidstring(t->h, busid), anc;
	char *s = NULL;

	if (!dev)
		return -ENOENT;
	anc = hwloc_get_non_io_ancestor_obj(t->h, dev);
	*numa = obj_numa(anc ? anc->nodeset : NULL);
	if (len)
		cpus[0] = '\0';
	if (anc && anc->cpuset && hwloc_bitmap_list_asprintf(&s, anc->cpuset) >= 0)
		str_copy(cpus, s, len);
	free(s);
	return 0;
}

int topo_numa_os_index(const struct topo *t, unsigned i)
{
	hwloc_obj_t node = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, i);

	return node ? (int)node->os_index : -1;
}

int topo_bind_numa(const struct topo *t, int numa)
{
	hwloc_obj_t node = NULL;
	hwloc_bitmap_t cpus;
	int err = 0;
	unsigned i;

	if (numa < 0) {
		if (hwloc_set_cpubind(t->h, hwloc_topology_get_allowed_cpuset(t->h), HWLOC_CPUBIND_THREAD) < 0 ||
		    hwloc_set_membind(t->h, hwloc_topology_get_allowed_nodeset(t->h), HWLOC_MEMBIND_DEFAULT,
				      HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET) < 0)
			return errno ? -errno : -EINVAL;
		return 0;
	}
	for (i = 0; (node = hwloc_get_obj_by_type(t->h, HWLOC_OBJ_NUMANODE, i)); i++)
		if ((int)node->os_index == numa)
			break;
	if (!node)
		return -ENOENT;
	cpus = hwloc_bitmap_alloc();
	if (!cpus)
		return -ENOMEM;
	/* only CPUs we may use: a pod's cpuset can leave a node with none */
	hwloc_bitmap_and(cpus, node->cpuset, hwloc_topology_get_allowed_cpuset(t->h));
	if (hwloc_bitmap_iszero(cpus))
		err = -EPERM;
	else if (hwloc_set_cpubind(t->h, cpus, HWLOC_CPUBIND_THREAD) < 0 ||
		 hwloc_set_membind(t->h, node->nodeset, HWLOC_MEMBIND_BIND,
				   HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET) < 0)
		err = errno ? -errno : -EINVAL;
	hwloc_bitmap_free(cpus);
	return err;
}

static json_t *int_or_null(int v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

json_t *topo_cpu_json(const struct topo *t, int cpu)
{
	hwloc_obj_t pu = cpu >= 0 ? hwloc_get_pu_obj_by_os_index(t->h, (unsigned)cpu) : NULL;
	int core;

	if (!pu)
		return NULL;
	core = obj_index(t->h, HWLOC_OBJ_CORE, pu);
	return json_pack("{s:i, s:i, s:o, s:o}", "cpu", cpu,
			 "core", core >= 0 ? core : (int)pu->logical_index,
			 "l3", int_or_null(obj_index(t->h, HWLOC_OBJ_L3CACHE, pu)),
			 "numa", int_or_null(obj_numa(pu->nodeset)));
}

/* "0-3,8" for a cpuset; JSON null when hwloc cannot format it. */
static json_t *cpuset_json(hwloc_const_cpuset_t set)
{
	char *s = NULL;
	json_t *v;

	if (!set || hwloc_bitmap_list_asprintf(&s, set) < 0)
		return json_null();
	v = json_string(s);
	free(s);
	return v;
}

static json_t *numa_json(hwloc_topology_t h)
{
	json_t *arr = json_array();
	hwloc_obj_t node = NULL;

	while (arr && (node = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_NUMANODE, node))) {
		if (json_array_append_new(arr, json_pack("{s:i, s:I, s:o}", "os_index", (int)node->os_index,
							 "memory_bytes", (json_int_t)node->attr->numanode.local_memory,
							 "cpus", cpuset_json(node->cpuset))))
			goto out_free;
	}
	return arr;
out_free:
	json_decref(arr);
	return NULL;
}

static const char *cache_type_name(hwloc_obj_cache_type_t type)
{
	switch (type) {
	case HWLOC_OBJ_CACHE_DATA:
		return "data";
	case HWLOC_OBJ_CACHE_INSTRUCTION:
		return "instruction";
	default:
		return "unified";
	}
}

/* Identical caches (level, type, size) collapse into one entry with a count. */
static int cache_add(json_t *arr, hwloc_obj_t obj)
{
	const char *type = cache_type_name(obj->attr->cache.type);
	json_int_t size = (json_int_t)obj->attr->cache.size;
	int level = (int)obj->attr->cache.depth;
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		if (json_integer_value(json_object_get(e, "level")) == level &&
		    json_integer_value(json_object_get(e, "size_bytes")) == size &&
		    !strcmp(json_string_value(json_object_get(e, "type")), type))
			return json_object_set_new(e, "count",
						   json_integer(json_integer_value(json_object_get(e, "count")) + 1));
	}
	return json_array_append_new(arr, json_pack("{s:i, s:s, s:I, s:i}", "level", level, "type", type,
						    "size_bytes", size, "count", 1));
}

static json_t *caches_json(hwloc_topology_t h)
{
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
		HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	json_t *arr = json_array();
	unsigned i;

	for (i = 0; arr && i < ARRAY_SIZE(types); i++) {
		hwloc_obj_t obj = NULL;

		while ((obj = hwloc_get_next_obj_by_type(h, types[i], obj)))
			if (cache_add(arr, obj))
				goto out_free;
	}
	return arr;
out_free:
	json_decref(arr);
	return NULL;
}

static const char *pci_class(unsigned short class_id)
{
	switch (class_id >> 8) {
	case 0x01:
		return "storage";
	case 0x02:	/* Ethernet, InfiniBand, ... */
		return "nic";
	case 0x03:	/* VGA, 3D (datacenter GPUs), display */
		return "gpu";
	}
	return NULL;
}

/*
 * hwloc names devices only through libpciaccess and pci.ids, which nodes
 * rarely ship; the vendor and the class subtype are what a reader needs.
 */
static void pci_name(const struct hwloc_pcidev_attr_s *p, char *buf, size_t len)
{
	static const struct { unsigned short id; const char *name; } vendors[] = {
		{ 0x10de, "NVIDIA" }, { 0x1002, "AMD" }, { 0x1022, "AMD" }, { 0x8086, "Intel" },
		{ 0x15b3, "Mellanox" }, { 0x1414, "Microsoft" }, { 0x1d0f, "Amazon" },
		{ 0x1ae0, "Google" }, { 0x1af4, "Red Hat virtio" }, { 0x14e4, "Broadcom" },
		{ 0x1000, "Broadcom/LSI" }, { 0x144d, "Samsung" }, { 0x1344, "Micron" },
		{ 0x1c5c, "SK hynix" }, { 0x15ad, "VMware" }, { 0x1d94, "Hygon" },
	};
	static const struct { unsigned short id; const char *name; } classes[] = {
		{ 0x0100, "SCSI" }, { 0x0104, "RAID" }, { 0x0106, "SATA" }, { 0x0107, "SAS" },
		{ 0x0108, "NVMe" }, { 0x0200, "Ethernet" }, { 0x0207, "InfiniBand" },
		{ 0x0300, "VGA" }, { 0x0302, "3D controller" },
	};
	const char *vendor = NULL, *cls = pci_class(p->class_id);
	char vid[8];
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(vendors) && !vendor; i++)
		if (vendors[i].id == p->vendor_id)
			vendor = vendors[i].name;
	for (i = 0; i < ARRAY_SIZE(classes); i++)
		if (classes[i].id == p->class_id)
			cls = classes[i].name;
	if (!vendor) {
		snprintf(vid, sizeof(vid), "0x%04x", p->vendor_id);
		vendor = vid;
	}
	snprintf(buf, len, "%s %s", vendor, cls);
}

static json_t *pci_entry(hwloc_topology_t h, hwloc_obj_t obj, const char *cls)
{
	const struct hwloc_pcidev_attr_s *p = &obj->attr->pcidev;
	hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(h, obj);
	char busid[16], vendor[8], device[8], name[64];
	json_t *osdevs = json_array();
	hwloc_obj_t child;

	snprintf(busid, sizeof(busid), "%04x:%02x:%02x.%x", p->domain & 0xffff, p->bus, p->dev, p->func);
	snprintf(vendor, sizeof(vendor), "0x%04x", p->vendor_id);
	snprintf(device, sizeof(device), "0x%04x", p->device_id);
	pci_name(p, name, sizeof(name));
	for (child = obj->io_first_child; osdevs && child; child = child->next_sibling) {
		if (child->type == HWLOC_OBJ_OS_DEVICE && child->name &&
		    json_array_append_new(osdevs, json_string(child->name))) {
			json_decref(osdevs);
			return NULL;
		}
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "class", cls, "busid", busid,
			 "vendor_id", vendor, "device_id", device, "name", name,
			 "os_devices", osdevs, "numa", int_or_null(obj_numa(anc ? anc->nodeset : NULL)),
			 "local_cpus", cpuset_json(anc ? anc->cpuset : NULL));
}

static json_t *pci_json(hwloc_topology_t h)
{
	json_t *arr = json_array();
	hwloc_obj_t obj = NULL;

	while (arr && (obj = hwloc_get_next_pcidev(h, obj))) {
		const char *cls = pci_class(obj->attr->pcidev.class_id);

		if (cls && json_array_append_new(arr, pci_entry(h, obj, cls)))
			goto out_free;
	}
	return arr;
out_free:
	json_decref(arr);
	return NULL;
}

json_t *topo_to_json(const struct topo *t)
{
	hwloc_obj_t core = NULL;
	int smt = 0;

	while (!smt && (core = hwloc_get_next_obj_by_type(t->h, HWLOC_OBJ_CORE, core)))
		smt = hwloc_bitmap_weight(core->cpuset) > 1;
	return json_pack("{s:i, s:o, s:i, s:i, s:b, s:o, s:o}",
			 "packages", hwloc_get_nbobjs_by_type(t->h, HWLOC_OBJ_PACKAGE),
			 "numa_nodes", numa_json(t->h), "cores", (int)topo_ncores(t),
			 "pus", (int)topo_npus(t), "smt", smt, "caches", caches_json(t->h),
			 "pci", pci_json(t->h));
}
