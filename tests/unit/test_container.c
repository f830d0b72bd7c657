/* test_container.c - the OCI config.json generator and the ctrlife phase breakdown. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/ctr_phases.h"
#include "bench/oci_bundle.h"

static const char *const true_args[] = { "/bin/true", NULL };

static int has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return 1;
	return 0;
}

static const json_t *mount_at(const json_t *spec, const char *dst)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(spec, "mounts"), i, m)
		if (!strcmp(json_string_value(json_object_get(m, "destination")), dst))
			return m;
	return NULL;
}

static void test_spec_pod_default(void **state)
{
	struct oci_spec_opts o = { .args = true_args, .hostname = "h", .cgroups_path = "/np-1-runc-seq",
				   .seccomp = 1, .arch = "x86_64" };
	json_t *spec = oci_spec_new(&o), *lin, *ns, *caps, *v;
	static const char *const want_ns[] = { "pid", "ipc", "uts", "mount", "network" };
	size_t i, j;

	(void)state;
	assert_non_null(spec);
	assert_string_equal(json_string_value(json_object_get(spec, "ociVersion")), "1.0.2-dev");
	assert_string_equal(json_string_value(json_object_get(json_object_get(spec, "root"), "path")), "rootfs");
	assert_true(has_string(json_object_get(json_object_get(spec, "process"), "args"), "/bin/true"));
	assert_true(json_is_false(json_object_get(json_object_get(spec, "process"), "terminal")));
	lin = json_object_get(spec, "linux");
	assert_string_equal(json_string_value(json_object_get(lin, "cgroupsPath")), "/np-1-runc-seq");
	ns = json_object_get(lin, "namespaces");
	assert_int_equal(json_array_size(ns), 5);
	for (i = 0; i < 5; i++) {
		int found = 0;

		json_array_foreach(ns, j, v)
			found |= !strcmp(json_string_value(json_object_get(v, "type")), want_ns[i]);
		assert_true(found);
	}
	assert_non_null(mount_at(spec, "/proc"));
	assert_non_null(mount_at(spec, "/dev"));
	assert_non_null(mount_at(spec, "/sys"));
	assert_true(has_string(json_object_get(mount_at(spec, "/sys"), "options"), "ro"));
	assert_true(has_string(json_object_get(lin, "maskedPaths"), "/proc/kcore"));
	assert_true(has_string(json_object_get(lin, "readonlyPaths"), "/proc/sys"));
	caps = json_object_get(json_object_get(json_object_get(spec, "process"), "capabilities"), "bounding");
	assert_int_equal(json_array_size(caps), 14);
	assert_true(has_string(caps, "CAP_NET_BIND_SERVICE"));
	assert_false(has_string(caps, "CAP_SYS_ADMIN"));
	json_decref(spec);
}

static void test_spec_seccomp(void **state)
{
	struct oci_spec_opts o = { .args = true_args, .seccomp = 1, .arch = "x86_64" };
	json_t *spec = oci_spec_new(&o), *sc, *rules, *clone_rule;

	(void)state;
	assert_non_null(spec);
	sc = json_object_get(json_object_get(spec, "linux"), "seccomp");
	assert_non_null(sc);
	assert_string_equal(json_string_value(json_object_get(sc, "defaultAction")), "SCMP_ACT_ERRNO");
	assert_int_equal(json_array_size(json_object_get(sc, "architectures")), 3);
	assert_true(has_string(json_object_get(sc, "architectures"), "SCMP_ARCH_X86_64"));
	rules = json_object_get(sc, "syscalls");
	assert_int_equal(json_array_size(rules), 3);
	assert_int_equal(json_array_size(json_object_get(json_array_get(rules, 0), "names")), oci_seccomp_nallowed());
	assert_true(has_string(json_object_get(json_array_get(rules, 0), "names"), "execve"));
	/* namespace-creating calls are not in the unconditional list */
	assert_false(has_string(json_object_get(json_array_get(rules, 0), "names"), "unshare"));
	assert_false(has_string(json_object_get(json_array_get(rules, 0), "names"), "mount"));
	clone_rule = json_array_get(rules, 1);
	assert_true(has_string(json_object_get(clone_rule, "names"), "clone"));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(clone_rule, "args"), 0), "value")),
			 0x7E020000);
	json_decref(spec);

	o.arch = "aarch64";
	spec = oci_spec_new(&o);
	sc = json_object_get(json_object_get(spec, "linux"), "seccomp");
	assert_true(has_string(json_object_get(sc, "architectures"), "SCMP_ARCH_AARCH64"));
	json_decref(spec);

	o.seccomp = 0;
	o.rootfs = "/abs/rootfs";
	spec = oci_spec_new(&o);
	assert_null(json_object_get(json_object_get(spec, "linux"), "seccomp"));
	assert_null(json_object_get(json_object_get(spec, "linux"), "cgroupsPath"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(spec, "root"), "path")), "/abs/rootfs");
	json_decref(spec);
}

static void test_spec_bad(void **state)
{
	const char *const none[] = { NULL };
	struct oci_spec_opts o = { .args = none };

	(void)state;
	errno = 0;
	assert_null(oci_spec_new(&o));
	assert_int_equal(errno, EINVAL);
	assert_null(oci_spec_new(NULL));
}

static void test_elf_static(void **state)
{
	(void)state;
	/* this test binary links libc dynamically; a text file is no ELF */
	assert_int_equal(oci_elf_static("/proc/self/exe"), 0);
	assert_int_equal(oci_elf_static("/etc/hostname") == 1, 0);
	assert_true(oci_elf_static("/nonexistent/x") < 0);
}

/* events of one runc-like container: runtime 100, init 101 -> 102 (the entrypoint) */
static json_t *ev(const char *type, uint64_t ts, int pid, int tgid, int ppid, const char *path)
{
	json_t *o = json_pack("{s:I, s:s, s:i, s:i, s:i}", "ts_ns", (json_int_t)ts, "type", type, "pid", pid, "tgid",
			      tgid, "ppid", ppid);

	if (path)
		json_object_set_new(o, "path", json_string(path));
	return o;
}

static void add_container(json_t *a, uint64_t base, int p)
{
	/* given out of order: the ring buffer is only roughly ordered */
	json_array_append_new(a, ev("exec", base + 700, p + 2, p + 2, p + 1, "/bin/true"));
	json_array_append_new(a, ev("fork", base + 10, p, p, 1, NULL));
	json_array_append_new(a, ev("fork", base + 20, p + 1, p + 1, p, NULL));
	json_array_append_new(a, ev("cgroup_attach", base + 300, p, p, p + 1, "/np-1"));
	json_array_append_new(a, ev("fork", base + 400, p + 2, p + 2, p + 1, NULL));
	json_array_append_new(a, ev("exit", base + 750, p + 2, p + 2, p + 1, NULL));
	/* a thread of the runtime exiting is no milestone */
	json_array_append_new(a, ev("exit", base + 800, p + 5, p, 1, NULL));
	/* another process tree's exec of the same path is not ours */
	json_array_append_new(a, ev("exec", base + 100, 999, 999, 1, "/bin/true"));
}

static void test_phases(void **state)
{
	json_t *a = json_array(), *out, *ph;
	struct ctr_span spans[3] = {
		{ .t0 = 1000, .t1 = 1000 + 900, .pid = 100 },
		{ .t0 = 5000, .t1 = 5000 + 900, .pid = 200 },
		/* no events at all: lost */
		{ .t0 = 9000, .t1 = 9500, .pid = 300 },
	};

	(void)state;
	add_container(a, 1000, 100);
	add_container(a, 5000, 200);
	out = ctr_phases(a, spans, 3, "/bin/true");
	assert_non_null(out);
	assert_int_equal(json_integer_value(json_object_get(out, "containers")), 3);
	assert_int_equal(json_integer_value(json_object_get(out, "complete")), 2);
	ph = json_object_get(out, "phases");
	assert_int_equal(json_object_size(ph), 5);
	assert_float_equal(json_real_value(json_object_get(json_object_get(ph, "start_to_cgroup"), "mean")), 300, 0.5);
	assert_float_equal(json_real_value(json_object_get(json_object_get(ph, "cgroup_to_namespaces"), "mean")), 100,
			   0.5);
	assert_float_equal(json_real_value(json_object_get(json_object_get(ph, "namespaces_to_exec"), "mean")), 300, 0.5);
	assert_float_equal(json_real_value(json_object_get(json_object_get(ph, "exec_to_exit"), "mean")), 50, 0.5);
	assert_float_equal(json_real_value(json_object_get(json_object_get(ph, "exit_to_end"), "mean")), 150, 0.5);
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "order"), 0)), "start_to_cgroup");
	assert_string_equal(json_string_value(json_array_get(json_object_get(out, "order"), 4)), "exit_to_end");
	assert_float_equal(json_real_value(json_object_get(out, "sum_of_phase_means_ns")), 900, 1e-6);
	assert_float_equal(json_real_value(json_object_get(out, "total_mean_ns")), 900, 1e-6);
	/* ties go to the first in the order */
	assert_string_equal(json_string_value(json_object_get(out, "dominant")), "start_to_cgroup");
	json_decref(out);
	json_decref(a);
}

static void test_phases_empty(void **state)
{
	json_t *a = json_array(), *out;
	struct ctr_span sp = { .t0 = 1, .t1 = 2, .pid = 5 };

	(void)state;
	out = ctr_phases(a, &sp, 1, "/bin/true");
	assert_non_null(out);
	assert_int_equal(json_integer_value(json_object_get(out, "complete")), 0);
	assert_null(json_object_get(out, "dominant"));
	json_decref(out);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_pod_default),
		cmocka_unit_test(test_spec_seccomp),
		cmocka_unit_test(test_spec_bad),
		cmocka_unit_test(test_elf_static),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_phases_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
