/* oci_bundle.h - a minimal OCI bundle: busybox-static rootfs and a config.json like containerd's pod default. */
#ifndef NP_OCI_BUNDLE_H
#define NP_OCI_BUNDLE_H

#include <stddef.h>
#include <jansson.h>

struct oci_spec_opts {
	const char *const *args;	/* entrypoint argv, NULL-terminated ("/bin/true") */
	const char *hostname;
	const char *cgroups_path;	/* "/np-PID-runc-7"; NULL: the runtime's default */
	int seccomp;			/* 1: containerd's default (RuntimeDefault) profile */
	const char *arch;		/* uname machine: picks the seccomp archs; NULL = this one */
	const char *rootfs;		/* root.path; NULL: "rootfs" in the bundle */
};

/*
 * The config.json of one container: pid, ipc, uts, mount and network
 * namespaces, /proc /dev /dev/pts /dev/shm /dev/mqueue /sys /run mounts,
 * masked and read-only paths, containerd's default capability set and,
 * when asked, its default seccomp profile. Pure: new object or NULL (ENOMEM,
 * EINVAL for missing args).
 */
json_t *oci_spec_new(const struct oci_spec_opts *o);

/* Number of syscalls the default seccomp profile allows unconditionally. */
size_t oci_seccomp_nallowed(void);

/*
 * Whether path is a statically linked ELF executable (no PT_INTERP):
 * 1 yes, 0 no (dynamic or not ELF), -errno when unreadable.
 */
int oci_elf_static(const char *path);

/* The static busybox to use: NP_BUSYBOX, /bin/busybox, /usr/bin/busybox... NULL if none. */
const char *oci_find_busybox(char *why, size_t len);

/*
 * Make dir/rootfs (busybox copied in, applet links bin/true, bin/sh...; the
 * mount points) and dir/config.json from o. 0 or -errno with why.
 */
int oci_bundle_create(const char *dir, const char *busybox, const struct oci_spec_opts *o, char *why,
		      size_t len);
/* Rewrite dir/config.json only (another cgroup path or entrypoint). 0 or -errno. */
int oci_bundle_write_config(const char *dir, const struct oci_spec_opts *o);

/* `nodeperf bundle DIR`: write the bundle the container benches use, to run by hand. */
int cmd_bundle(int argc, char **argv);

#endif
