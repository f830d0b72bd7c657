/* test_topo.c - topology, CPU pairs, pinning and the node snapshot. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <hwloc.h>

#include "core/snapshot.h"
#include "core/topo.h"
#include "core/util.h"

static const enum topo_pair all_kinds[] = {
	TOPO_SAME_PU, TOPO_SMT_SIBLINGS, TOPO_SAME_L3, TOPO_CROSS_L3, TOPO_ANY_TWO_CORES,
};

/*
 * Shapes the pair logic must handle: a 96-core 2-socket node with 4 L3s per
 * socket (one NUMA node, then one per socket), a Sub-NUMA-Clustering part
 * (one L3, two nodes), a VM with no L3, a single SMT core, and a 2-vCPU VM
 * whose vCPUs each report their own L3 (this CI machine).
 */
static const char *const synthetic[] = {
	"pack:2 l3:4 core:12 pu:2",
	"pack:2 numa:1 l3:4 core:12 pu:2",
	"pack:1 l3:1 numa:2 core:4 pu:2",
	"pack:1 core:4 pu:1",
	"pack:2 core:2 pu:1",
	"pack:1 core:1 pu:2",
	"pack:1 l3:2 core:1 pu:1",
};

static int allowed_cpus(cpu_set_t *set)
{
	CPU_ZERO(set);
	return sched_getaffinity(0, sizeof(*set), set);
}

/* Independent view of the machine: a second hwloc topology, same sources. */
struct oracle {
	hwloc_topology_t h;
	hwloc_bitmap_t allowed;
	int has_l3;
};

static void oracle_open(struct oracle *o)
{
	assert_int_equal(hwloc_topology_init(&o->h), 0);
	hwloc_topology_set_io_types_filter(o->h, HWLOC_TYPE_FILTER_KEEP_NONE);
	assert_int_equal(hwloc_topology_load(o->h), 0);
	o->allowed = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(o->h));
	if (hwloc_topology_is_thissystem(o->h)) {
		hwloc_bitmap_t bound = hwloc_bitmap_alloc();

		assert_int_equal(hwloc_get_cpubind(o->h, bound, HWLOC_CPUBIND_THREAD), 0);
		hwloc_bitmap_and(o->allowed, o->allowed, bound);
		hwloc_bitmap_free(bound);
	}
	o->has_l3 = hwloc_get_nbobjs_by_type(o->h, HWLOC_OBJ_L3CACHE) > 0;
}

static void oracle_close(struct oracle *o)
{
	hwloc_bitmap_free(o->allowed);
	hwloc_topology_destroy(o->h);
}

static hwloc_obj_t anc(struct oracle *o, hwloc_obj_type_t type, int cpu)
{
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(o->h, (unsigned)cpu);

	return pu ? hwloc_get_ancestor_obj_by_type(o->h, type, pu) : NULL;
}

static int numa_of(struct oracle *o, int cpu)
{
	return hwloc_bitmap_first(hwloc_get_pu_obj_by_os_index(o->h, (unsigned)cpu)->nodeset);
}

/* Does (a, b) satisfy the relation, by the definitions in topo.h? */
static int relation_holds(struct oracle *o, enum topo_pair kind, int a, int b)
{
	hwloc_obj_t ca = anc(o, HWLOC_OBJ_CORE, a), cb = anc(o, HWLOC_OBJ_CORE, b);
	hwloc_obj_type_t dom = o->has_l3 ? HWLOC_OBJ_L3CACHE : HWLOC_OBJ_PACKAGE;

	switch (kind) {
	case TOPO_SAME_PU:
		return a == b;
	case TOPO_SMT_SIBLINGS:
		return a != b && ca == cb;
	case TOPO_SAME_L3:
		return ca != cb && anc(o, dom, a) && anc(o, dom, a) == anc(o, dom, b);
	case TOPO_CROSS_L3:
		return ca != cb && ((o->has_l3 && anc(o, HWLOC_OBJ_L3CACHE, a) != anc(o, HWLOC_OBJ_L3CACHE, b)) ||
				    numa_of(o, a) != numa_of(o, b));
	case TOPO_ANY_TWO_CORES:
		return a != b;
	}
	return 0;
}

/* Brute force over allowed PU pairs; avoid0 excludes pairs touching CPU 0. */
static int oracle_exists(struct oracle *o, enum topo_pair kind, int avoid0)
{
	int a, b;

	hwloc_bitmap_foreach_begin(a, o->allowed) {
		hwloc_bitmap_foreach_begin(b, o->allowed) {
			if ((!avoid0 || (a && b)) && relation_holds(o, kind, a, b))
				return 1;
		}
		hwloc_bitmap_foreach_end();
	}
	hwloc_bitmap_foreach_end();
	return 0;
}

/* ANY_TWO_CORES means different cores whenever the machine has them. */
static int any_two_cores_ok(struct oracle *o, int a, int b)
{
	return anc(o, HWLOC_OBJ_CORE, a) != anc(o, HWLOC_OBJ_CORE, b) ||
	       (!oracle_exists(o, TOPO_CROSS_L3, 0) && !oracle_exists(o, TOPO_SAME_L3, 0));
}

static void check_pairs_against_oracle(const char *shape)
{
	struct oracle o;
	struct topo *t;
	unsigned i;

	assert_int_equal(topo_open(&t), 0);
	oracle_open(&o);
	for (i = 0; i < sizeof(all_kinds) / sizeof(all_kinds[0]); i++) {
		enum topo_pair kind = all_kinds[i];
		int a = -1, b = -1, rc = topo_pick_pair(t, kind, &a, &b);

		if (!oracle_exists(&o, kind, 0)) {
			if (rc != -ENOENT)
				fail_msg("%s: %s returned %d (%d,%d), expected -ENOENT", shape,
					 topo_pair_name(kind), rc, a, b);
			continue;
		}
		if (rc)
			fail_msg("%s: %s returned %d but such a pair exists", shape, topo_pair_name(kind), rc);
		if (!hwloc_bitmap_isset(o.allowed, (unsigned)a) || !hwloc_bitmap_isset(o.allowed, (unsigned)b))
			fail_msg("%s: %s picked (%d,%d) outside the allowed CPUs", shape, topo_pair_name(kind), a, b);
		if (!relation_holds(&o, kind, a, b))
			fail_msg("%s: %s picked (%d,%d), which is not such a pair", shape, topo_pair_name(kind), a, b);
		if (kind == TOPO_ANY_TWO_CORES && !any_two_cores_ok(&o, a, b))
			fail_msg("%s: any_two_cores picked SMT siblings (%d,%d) on a multi-core machine", shape, a, b);
		if ((!a || !b) && kind != TOPO_ANY_TWO_CORES && oracle_exists(&o, kind, 1))
			fail_msg("%s: %s picked (%d,%d) although a pair without CPU 0 exists", shape,
				 topo_pair_name(kind), a, b);
	}
	oracle_close(&o);
	topo_close(t);
}

static void test_open_counts(void **state)
{
	struct topo *t;
	struct oracle o;

	(void)state;
	assert_int_equal(topo_open(&t), 0);
	oracle_open(&o);
	assert_true(topo_npus(t) >= 1);
	assert_true(topo_ncores(t) >= 1 && topo_ncores(t) <= topo_npus(t));
	assert_true(topo_nnuma(t) >= 1);
	assert_int_equal(topo_npus(t), hwloc_get_nbobjs_by_type(o.h, HWLOC_OBJ_PU));
	oracle_close(&o);
	topo_close(t);
}

static void test_same_pu(void **state)
{
	cpu_set_t set;
	struct topo *t;
	int a = -1, b = -2;

	(void)state;
	assert_int_equal(allowed_cpus(&set), 0);
	assert_int_equal(topo_open(&t), 0);
	assert_int_equal(topo_pick_pair(t, TOPO_SAME_PU, &a, &b), 0);
	assert_int_equal(a, b);
	assert_true(CPU_ISSET(a, &set));
	/* CPU 0 takes the IRQs: never chosen when anything else is allowed. */
	if (CPU_COUNT(&set) > 1 || !CPU_ISSET(0, &set))
		assert_int_not_equal(a, 0);
	topo_close(t);
}

static void test_pairs_this_machine(void **state)
{
	(void)state;
	check_pairs_against_oracle("this machine");
}

static void test_pairs_synthetic(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(synthetic) / sizeof(synthetic[0]); i++) {
		assert_int_equal(setenv("HWLOC_SYNTHETIC", synthetic[i], 1), 0);
		check_pairs_against_oracle(synthetic[i]);
	}
	unsetenv("HWLOC_SYNTHETIC");
}

/* The 96-core shape, spelled out: what a bench gets on a big node. */
static void test_pairs_two_socket_node(void **state)
{
	struct topo *t;
	int a, b;

	(void)state;
	assert_int_equal(setenv("HWLOC_SYNTHETIC", "pack:2 l3:4 core:12 pu:2", 1), 0);
	assert_int_equal(topo_open(&t), 0);
	unsetenv("HWLOC_SYNTHETIC");
	assert_int_equal(topo_npus(t), 192);
	assert_int_equal(topo_ncores(t), 96);
	assert_int_equal(topo_pick_pair(t, TOPO_SAME_PU, &a, &b), 0);
	assert_true(a == 1 && b == 1);
	assert_int_equal(topo_pick_pair(t, TOPO_SMT_SIBLINGS, &a, &b), 0);
	assert_true(a == 2 && b == 3);
	assert_int_equal(topo_pick_pair(t, TOPO_SAME_L3, &a, &b), 0);
	assert_true(a == 1 && b == 2);
	assert_int_equal(topo_pick_pair(t, TOPO_CROSS_L3, &a, &b), 0);
	assert_true(a == 1 && b == 24);
	assert_int_equal(topo_pick_pair(t, TOPO_ANY_TWO_CORES, &a, &b), 0);
	assert_true(a == 1 && b == 2);
	assert_int_equal(topo_pick_pair(t, (enum topo_pair)42, &a, &b), -EINVAL);
	topo_close(t);
}

static void test_any_two_cores(void **state)
{
	cpu_set_t set;
	struct topo *t;
	int a = -1, b = -1;

	(void)state;
	assert_int_equal(allowed_cpus(&set), 0);
	if (CPU_COUNT(&set) < 2) {
		print_message("skipped: only %d CPU allowed, ANY_TWO_CORES needs 2\n", CPU_COUNT(&set));
		skip();
	}
	assert_int_equal(topo_open(&t), 0);
	assert_int_equal(topo_pick_pair(t, TOPO_ANY_TWO_CORES, &a, &b), 0);
	assert_int_not_equal(a, b);
	assert_true(CPU_ISSET(a, &set) && CPU_ISSET(b, &set));
	topo_close(t);
}

static void test_pin_self(void **state)
{
	cpu_set_t saved;
	struct topo *t;
	int a, b;

	(void)state;
	assert_int_equal(allowed_cpus(&saved), 0);
	assert_int_equal(topo_open(&t), 0);
	assert_int_equal(topo_pick_pair(t, TOPO_SAME_PU, &a, &b), 0);
	assert_int_equal(topo_pin_self(t, a), 0);
	assert_int_equal(sched_getcpu(), a);
	if (!topo_pick_pair(t, TOPO_ANY_TWO_CORES, &a, &b)) {
		assert_int_equal(topo_pin_self(t, b), 0);
		assert_int_equal(sched_getcpu(), b);
		assert_int_equal(topo_pin_self(t, a), 0);
		assert_int_equal(sched_getcpu(), a);
	}
	assert_int_equal(topo_pin_self(t, -1), -EINVAL);
	assert_int_equal(topo_pin_self(t, 1 << 20), -EINVAL);
	assert_int_equal(sched_setaffinity(0, sizeof(saved), &saved), 0);
	topo_close(t);
}

/* A process confined to one CPU (taskset -c N) has no pair of cores. */
static void test_restricted_affinity(void **state)
{
	cpu_set_t set, one;
	int status, cpu;
	pid_t pid;

	(void)state;
	assert_int_equal(allowed_cpus(&set), 0);
	for (cpu = CPU_SETSIZE - 1; cpu > 0 && !CPU_ISSET(cpu, &set); cpu--)
		;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct topo *t;
		int a = -1, b = -1, rc = 0;

		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) || topo_open(&t))
			_exit(10);
		if (topo_pick_pair(t, TOPO_ANY_TWO_CORES, &a, &b) != -ENOENT)
			rc = 11;
		else if (topo_pick_pair(t, TOPO_SAME_L3, &a, &b) != -ENOENT ||
			 topo_pick_pair(t, TOPO_CROSS_L3, &a, &b) != -ENOENT ||
			 topo_pick_pair(t, TOPO_SMT_SIBLINGS, &a, &b) != -ENOENT)
			rc = 12;
		else if (topo_pick_pair(t, TOPO_SAME_PU, &a, &b) || a != cpu || b != cpu)
			rc = 13;
		topo_close(t);
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void check_sysfs_matches(const char *path, const char *want)
{
	char buf[64];

	assert_true(read_small(path, buf, sizeof(buf)) > 0);
	assert_string_equal(str_trim(buf), want);
}

static void test_topo_json(void **state)
{
	json_t *j, *e, *c;
	struct topo *t;
	size_t i;

	(void)state;
	assert_int_equal(topo_open(&t), 0);
	j = topo_to_json(t);
	assert_non_null(j);
	assert_true(json_integer_value(json_object_get(j, "packages")) >= 1);
	assert_int_equal(json_integer_value(json_object_get(j, "cores")), topo_ncores(t));
	assert_int_equal(json_integer_value(json_object_get(j, "pus")), topo_npus(t));
	assert_true(json_is_boolean(json_object_get(j, "smt")));
	assert_int_equal(json_array_size(json_object_get(j, "numa_nodes")), topo_nnuma(t));
	json_array_foreach(json_object_get(j, "numa_nodes"), i, e) {
		assert_true(json_is_integer(json_object_get(e, "os_index")));
		assert_true(json_integer_value(json_object_get(e, "memory_bytes")) > 0);
		assert_true(json_is_string(json_object_get(e, "cpus")));
	}
	assert_true(json_array_size(json_object_get(j, "caches")) >= 1);
	json_array_foreach(json_object_get(j, "caches"), i, e) {
		const char *type = json_string_value(json_object_get(e, "type"));

		assert_true(json_integer_value(json_object_get(e, "level")) >= 1);
		assert_true(!strcmp(type, "data") || !strcmp(type, "instruction") || !strcmp(type, "unified"));
		assert_true(json_integer_value(json_object_get(e, "size_bytes")) > 0);
		assert_true(json_integer_value(json_object_get(e, "count")) >= 1);
	}
	assert_true(json_is_array(json_object_get(j, "pci")));
	json_array_foreach(json_object_get(j, "pci"), i, e) {
		const char *cls = json_string_value(json_object_get(e, "class"));
		const char *busid = json_string_value(json_object_get(e, "busid"));
		char path[256];

		assert_true(!strcmp(cls, "nic") || !strcmp(cls, "gpu") || !strcmp(cls, "storage"));
		assert_non_null(busid);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", busid);
		check_sysfs_matches(path, json_string_value(json_object_get(e, "vendor_id")));
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", busid);
		check_sysfs_matches(path, json_string_value(json_object_get(e, "device_id")));
		assert_true(json_is_string(json_object_get(e, "name")));
		assert_true(json_is_array(json_object_get(e, "os_devices")));
		c = json_object_get(e, "numa");
		assert_true(json_is_null(c) || json_is_integer(c));
		assert_true(json_is_string(json_object_get(e, "local_cpus")));
	}
	json_decref(j);

	j = topo_cpu_json(t, 0);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "cpu")), 0);
	assert_true(json_is_integer(json_object_get(j, "core")));
	c = json_object_get(j, "l3");
	assert_true(json_is_null(c) || json_is_integer(c));
	assert_true(json_is_integer(json_object_get(j, "numa")));
	json_decref(j);
	assert_null(topo_cpu_json(t, 1 << 20));
	topo_close(t);
}

static const char *sget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void test_snapshot(void **state)
{
	json_t *node, *config, *k, *e, *sys;
	struct topo *t;
	struct utsname u;
	struct stat st;
	char buf[256], *text = NULL;
	const char *name;
	size_t len = 0, i, lines = 0;
	FILE *mem;

	(void)state;
	assert_int_equal(uname(&u), 0);
	assert_int_equal(topo_open(&t), 0);
	assert_int_equal(snapshot_collect(t, &node, &config), 0);

	assert_true(sget(node, "hostname") && sget(node, "hostname")[0]);
	assert_string_equal(sget(node, "hostname"), u.nodename);
	assert_true(json_is_object(json_object_get(node, "os")));
	if (!stat("/etc/os-release", &st))
		assert_non_null(sget(json_object_get(node, "os"), "id"));
	k = json_object_get(node, "kernel");
	assert_string_equal(sget(k, "release"), u.release);
	assert_non_null(sget(k, "cmdline"));
	assert_int_equal(json_is_true(json_object_get(k, "btf")), !stat("/sys/kernel/btf/vmlinux", &st));
	if (json_is_string(json_object_get(k, "config_source"))) {
		assert_true(json_is_object(json_object_get(k, "config")));
		assert_true(json_is_string(json_object_get(json_object_get(k, "config"), "CONFIG_HZ")));
	} else {
		assert_true(json_is_null(json_object_get(k, "config")));
	}
	e = json_object_get(node, "cpu");
	assert_int_equal(json_integer_value(json_object_get(e, "count")), sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(json_is_array(json_object_get(e, "flags_of_interest")));
	assert_true(json_integer_value(json_object_get(node, "memory_bytes")) > 0);
	assert_true(json_is_object(json_object_get(node, "topology")));
	assert_true(json_is_array(json_object_get(node, "gpus")));
	assert_true(json_is_object(json_object_get(node, "cloud")));
	assert_non_null(json_object_get(json_object_get(node, "cloud"), "provider"));

	sys = json_object_get(config, "sysctl");
	assert_true(json_object_size(sys) >= 50);
	json_object_foreach(sys, name, e) {
		assert_true(json_is_null(e) || (json_is_string(e) && !strchr(json_string_value(e), '\t')));
	}
	if (read_small("/proc/sys/net/core/somaxconn", buf, sizeof(buf)) > 0)
		assert_string_equal(sget(sys, "net.core.somaxconn"), buf);
	if (!stat("/sys/kernel/mm/transparent_hugepage", &st)) {
		const char *thp = sget(json_object_get(config, "thp"), "enabled");

		assert_non_null(thp);
		assert_true(!strcmp(thp, "always") || !strcmp(thp, "madvise") || !strcmp(thp, "never"));
	}
	json_object_foreach(json_object_get(config, "block"), name, e) {
		assert_false(str_starts(name, "loop") || str_starts(name, "ram"));
		assert_true(json_integer_value(json_object_get(e, "size_bytes")) > 0);
		assert_non_null(json_object_get(e, "scheduler"));
		assert_non_null(json_object_get(e, "rotational"));
	}
	for (i = 0; i < 3; i++) {
		static const char *const objs[] = { "cpufreq", "cpuidle", "runtimes" };

		assert_true(json_is_object(json_object_get(config, objs[i])));
	}
	e = json_object_get(config, "cgroup");
	assert_true(json_is_null(e) || !strcmp(json_string_value(e), "v1") ||
		    !strcmp(json_string_value(e), "v2") || !strcmp(json_string_value(e), "hybrid"));
	assert_non_null(json_object_get(config, "clocksource"));
	assert_non_null(json_object_get(config, "preempt"));
	assert_non_null(json_object_get(config, "mitigations"));

	mem = open_memstream(&text, &len);
	assert_non_null(mem);
	snapshot_print(node, config, mem);
	fclose(mem);
	assert_non_null(strstr(text, u.nodename));
	assert_non_null(strstr(text, u.release));
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	assert_true(lines >= 15 && lines <= 40);
	free(text);

	json_decref(node);
	json_decref(config);
	topo_close(t);
}

static void test_snapshot_without_topology(void **state)
{
	json_t *node, *config;

	(void)state;
	assert_int_equal(snapshot_collect(NULL, &node, &config), 0);
	assert_true(json_is_null(json_object_get(node, "topology")));
	assert_int_equal(json_array_size(json_object_get(node, "gpus")), 0);
	json_decref(node);
	json_decref(config);
}

/* A GPU node: eight GPUs on two NUMA nodes summarise to two lines. */
static void test_print_groups_devices(void **state)
{
	json_t *node, *config, *pci;
	char *text = NULL, *p;
	size_t len = 0, n = 0;
	FILE *mem;
	int i;

	(void)state;
	pci = json_array();
	for (i = 0; i < 8; i++) {
		char busid[16];

		snprintf(busid, sizeof(busid), "0000:%02x:00.0", 0x18 + i * 0x10);
		json_array_append_new(pci, json_pack("{s:s, s:s, s:s, s:i, s:[]}", "class", "gpu", "busid", busid,
						     "name", "NVIDIA 3D controller", "numa", i / 4,
						     "os_devices"));
	}
	node = json_pack("{s:s, s:{s:i, s:[], s:i, s:i, s:b, s:[], s:o}}", "hostname", "gpu-node",
			 "topology", "packages", 2, "numa_nodes", "cores", 96, "pus", 192, "smt", 1,
			 "caches", "pci", pci);
	config = json_pack("{s:{s:s}}", "sysctl", "net.core.somaxconn", "4096");
	assert_non_null(node);
	assert_non_null(config);
	mem = open_memstream(&text, &len);
	assert_non_null(mem);
	snapshot_print(node, config, mem);
	fclose(mem);
	for (p = text; (p = strstr(p, "\ngpu ")); p++)
		n++;
	assert_int_equal(n, 2);
	assert_non_null(strstr(text, "4 x NVIDIA 3D controller, numa 0, 0000:18:00.0"));
	assert_non_null(strstr(text, "4 x NVIDIA 3D controller, numa 1, 0000:58:00.0"));
	assert_non_null(strstr(text, "net.core.somaxconn=4096"));
	free(text);
	json_decref(node);
	json_decref(config);
}

static void write_script(const char *dir, const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

/* Version strings as the real tools print them, from stand-ins on PATH. */
static void test_runtime_versions(void **state)
{
	char dir[] = "/tmp/np-test-topo-XXXXXX", path[4096], *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;
	json_t *node, *config, *rt;
	static const char *const names[] = { "runc", "crun", "containerd" };
	unsigned i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_script(dir, "runc", "echo 'runc version 1.1.12'; echo 'commit: v1.1.12-0-g51d5e94'");
	write_script(dir, "crun", "echo 'crun version 1.8.1'; exit 3");
	write_script(dir, "containerd",
		     "echo 'containerd github.com/containerd/containerd v1.7.2 0cae528dd6cb557f7201036e9f43420650207b58'");
	snprintf(path, sizeof(path), "%s:%s", dir, saved ? saved : "/usr/bin:/bin");
	assert_int_equal(setenv("PATH", path, 1), 0);
	assert_int_equal(snapshot_collect(NULL, &node, &config), 0);
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);

	rt = json_object_get(config, "runtimes");
	assert_string_equal(sget(rt, "runc"), "1.1.12");
	assert_true(json_is_null(json_object_get(rt, "crun")));	/* failed: no version */
	assert_string_equal(sget(rt, "containerd"), "1.7.2");
	json_decref(node);
	json_decref(config);
}

static void test_sysctl_list(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; snapshot_sysctls[i]; i++) {
		assert_null(strchr(snapshot_sysctls[i], '/'));
		for (j = 0; j < i; j++)
			assert_string_not_equal(snapshot_sysctls[i], snapshot_sysctls[j]);
	}
	assert_true(i >= 50);
}

/* docs/sysctls.md explains every recorded sysctl, as `name` in its table. */
static void test_sysctls_documented(void **state)
{
	const char *self = __FILE__, *suffix = "tests/unit/test_topo.c";
	char path[512], needle[128], *doc;
	size_t n = strlen(self) - strlen(suffix);
	unsigned i;

	(void)state;
	assert_string_equal(self + n, suffix);
	snprintf(path, sizeof(path), "%.*sdocs/sysctls.md", (int)n, self);
	doc = read_all(path, NULL);
	if (!doc) {
		fail_msg("cannot read %s: %s", path, strerror(errno));
		return;
	}
	for (i = 0; snapshot_sysctls[i]; i++) {
		snprintf(needle, sizeof(needle), "| `%s` |", snapshot_sysctls[i]);
		if (!strstr(doc, needle))
			fail_msg("%s is not documented in %s", snapshot_sysctls[i], path);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_counts),
		cmocka_unit_test(test_same_pu),
		cmocka_unit_test(test_pairs_this_machine),
		cmocka_unit_test(test_pairs_synthetic),
		cmocka_unit_test(test_pairs_two_socket_node),
		cmocka_unit_test(test_any_two_cores),
		cmocka_unit_test(test_pin_self),
		cmocka_unit_test(test_restricted_affinity),
		cmocka_unit_test(test_topo_json),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_snapshot_without_topology),
		cmocka_unit_test(test_print_groups_devices),
		cmocka_unit_test(test_runtime_versions),
		cmocka_unit_test(test_sysctl_list),
		cmocka_unit_test(test_sysctls_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
