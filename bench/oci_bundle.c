/* oci_bundle.c - a minimal OCI bundle: busybox-static rootfs and a config.json like containerd's pod default. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench/oci_bundle.h"
#include "core/util.h"

/* containerd's oci.populateDefaultUnixSpec capability set (Docker's too). */
static const char *const default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
};

static const char *const masked_paths[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/*
 * The unconditional allow list of containerd's default seccomp profile
 * (contrib/seccomp, RuntimeDefault in Kubernetes): what a pod gets. Names
 * this kernel or libseccomp does not know are skipped by the runtime.
 */
static const char *const seccomp_allowed[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset",
	"chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
	"clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
	"clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat",
	"dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
	"epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
	"fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown",
	"fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
	"flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
	"fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv",
	"futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
	"geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
	"getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
	"getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
	"getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
	"gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
	"io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
	"io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
	"landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
	"lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
	"_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
	"membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod",
	"mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
	"mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
	"mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd",
	"msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
	"newfstatat", "_newselect", "open", "openat", "openat2", "pause", "pidfd_open",
	"pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
	"ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64",
	"process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2",
	"read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
	"recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
	"renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
	"rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
	"sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
	"sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop",
	"semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
	"setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
	"setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32",
	"setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
	"setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area",
	"set_tid_address", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget",
	"shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socket",
	"socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx",
	"symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill",
	"time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
	"timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times",
	"tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat",
	"utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
	"waitid", "waitpid", "write", "writev",
	/* CAP_SYS_CHROOT and CAP_SETPCAP... are in the default set: their calls too */
	"chroot", "arch_prctl", "modify_ldt",
};

size_t oci_seccomp_nallowed(void)
{
	return ARRAY_SIZE(seccomp_allowed);
}

static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *argv_array(const char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return str_array(v, n);
}

static json_t *mount(const char *dst, const char *type, const char *src, const char *opts)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dst, "type", type, "source", src);
	char buf[256], *tok, *save;

	if (!m || !opts)
		return m;
	str_copy(buf, opts, sizeof(buf));
	json_object_set_new(m, "options", json_array());
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(json_object_get(m, "options"), json_string(tok));
	return m;
}

/* The seccomp archs of a machine: the native one first, then what it can also run. */
static json_t *seccomp_archs(const char *arch)
{
	if (!strcmp(arch, "x86_64"))
		return json_pack("[s, s, s]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
	if (!strcmp(arch, "aarch64"))
		return json_pack("[s, s]", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
	return json_array();
}

/* The profile: deny by default (EPERM), the allow list, clone without CLONE_NEW* flags. */
static json_t *seccomp_profile(const char *arch)
{
	/* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: needs CAP_SYS_ADMIN */
	const json_int_t ns_mask = 0x7E020000;
	json_t *allowed = str_array(seccomp_allowed, ARRAY_SIZE(seccomp_allowed));
	json_t *archs = seccomp_archs(arch);

	if (!allowed || !archs) {
		json_decref(allowed);
		json_decref(archs);
		return NULL;
	}
	return json_pack("{s:s, s:i, s:o, s:[{s:o, s:s}, {s:[s], s:s, s:[{s:i, s:I, s:i, s:s}]},"
			 " {s:[s], s:s, s:[{s:i, s:I, s:s}]}]}",
			 "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", 1, "architectures", archs,
			 "syscalls", "names", allowed, "action", "SCMP_ACT_ALLOW",
			 "names", "clone", "action", "SCMP_ACT_ALLOW", "args", "index", 0, "value",
			 ns_mask, "valueTwo", 0, "op", "SCMP_CMP_MASKED_EQ",
			 "names", "personality", "action", "SCMP_ACT_ALLOW", "args", "index", 0, "value",
			 (json_int_t)0, "op", "SCMP_CMP_EQ");
}

json_t *oci_spec_new(const struct oci_spec_opts *o)
{
	static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
	struct utsname u;
	const char *arch = o ? o->arch : NULL;
	json_t *caps, *spec, *linux_, *mounts;
	json_t *process;

	if (!o || !o->args || !o->args[0]) {
		errno = EINVAL;
		return NULL;
	}
	if (!arch)
		arch = uname(&u) ? "unknown" : u.machine;
	caps = str_array(default_caps, ARRAY_SIZE(default_caps));
	process = json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:O, s:O, s:O, s:O}, s:[{s:s, s:i, s:i}],"
			    " s:b}",
			    "terminal", 0, "user", "uid", 0, "gid", 0, "args", argv_array(o->args), "env",
			    str_array(env, ARRAY_SIZE(env)), "cwd", "/", "capabilities", "bounding", caps,
			    "effective", caps, "permitted", caps, "inheritable", caps, "rlimits", "type",
			    "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
	json_decref(caps);
	mounts = json_array();
	if (mounts) {
		json_array_append_new(mounts, mount("/proc", "proc", "proc", "nosuid,noexec,nodev"));
		json_array_append_new(mounts, mount("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
		json_array_append_new(mounts, mount("/dev/pts", "devpts", "devpts",
						    "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
		json_array_append_new(mounts, mount("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"));
		json_array_append_new(mounts, mount("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
		json_array_append_new(mounts, mount("/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"));
		json_array_append_new(mounts, mount("/run", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
	}
	linux_ = json_pack("{s:{s:[{s:b, s:s}]}, s:[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}], s:o, s:o}",
			   "resources", "devices", "allow", 0, "access", "rwm", "namespaces", "type", "pid",
			   "type", "ipc", "type", "uts", "type", "mount", "type", "network", "maskedPaths",
			   str_array(masked_paths, ARRAY_SIZE(masked_paths)), "readonlyPaths",
			   str_array(readonly_paths, ARRAY_SIZE(readonly_paths)));
	if (linux_ && o->cgroups_path)
		json_object_set_new(linux_, "cgroupsPath", json_string(o->cgroups_path));
	if (linux_ && o->seccomp) {
		json_t *sc = seccomp_profile(arch);

		if (!sc) {
			json_decref(linux_);
			linux_ = NULL;
		} else {
			json_object_set_new(linux_, "seccomp", sc);
		}
	}
	spec = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.0.2-dev", "process",
			 process, "root", "path", o->rootfs ? o->rootfs : "rootfs", "readonly", 0, "hostname",
			 o->hostname ? o->hostname : "nodeperf", "mounts", mounts, "linux", linux_);
	if (!spec)
		errno = ENOMEM;
	return spec;
}

int oci_elf_static(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 1;
	unsigned i;

	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(ph)) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (Elf64_Off)i * sizeof(ph))) != (ssize_t)sizeof(ph)) {
			rc = 0;
			break;
		}
		if (ph.p_type == PT_INTERP) {
			rc = 0;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

const char *oci_find_busybox(char *why, size_t len)
{
	static const char *const cands[] = { "/bin/busybox", "/usr/bin/busybox", "/sbin/busybox",
					     "/usr/sbin/busybox", "/usr/lib/busybox/busybox" };
	const char *env = getenv("NP_BUSYBOX");
	size_t i;

	if (env && env[0]) {
		if (oci_elf_static(env) == 1)
			return env;
		snprintf(why, len, "NP_BUSYBOX=%s is not a static executable", env);
		return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(cands); i++)
		if (oci_elf_static(cands[i]) == 1)
			return cands[i];
	snprintf(why, len, "no static busybox (install busybox-static) for the container rootfs");
	return NULL;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC), out, rc = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			rc = -EIO;
			break;
		}
	}
	if (n < 0)
		rc = -errno;
	if (close(out) && !rc)
		rc = -errno;
	close(in);
	return rc;
}

int oci_bundle_write_config(const char *dir, const struct oci_spec_opts *o)
{
	char path[4096], tmp[4200];
	json_t *spec = oci_spec_new(o);
	int rc = 0;

	if (!spec)
		return -errno;
	snprintf(path, sizeof(path), "%s/config.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(spec, tmp, JSON_COMPACT) || rename(tmp, path)) {
		rc = errno ? -errno : -EIO;
		unlink(tmp);
	}
	json_decref(spec);
	return rc;
}

int oci_bundle_create(const char *dir, const char *busybox, const struct oci_spec_opts *o, char *why,
		      size_t len)
{
	static const char *const dirs[] = { "", "/rootfs", "/rootfs/bin", "/rootfs/proc", "/rootfs/dev",
					    "/rootfs/sys", "/rootfs/run", "/rootfs/tmp", "/rootfs/etc" };
	static const char *const applets[] = { "true", "sh", "sleep", "cat", "echo" };
	char path[4096];
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, dirs[i]);
		if (mkdir(path, 0755) && errno != EEXIST) {
			rc = -errno;
			snprintf(why, len, "cannot create %s: %s", path, strerror(-rc));
			return rc;
		}
	}
	snprintf(path, sizeof(path), "%s/rootfs/bin/busybox", dir);
	rc = copy_file(busybox, path, 0755);
	if (rc) {
		snprintf(why, len, "cannot copy %s into the rootfs: %s", busybox, strerror(-rc));
		return rc;
	}
	for (i = 0; i < ARRAY_SIZE(applets); i++) {
		snprintf(path, sizeof(path), "%s/rootfs/bin/%s", dir, applets[i]);
		if (symlink("busybox", path) && errno != EEXIST) {
			rc = -errno;
			snprintf(why, len, "cannot link %s: %s", path, strerror(-rc));
			return rc;
		}
	}
	rc = oci_bundle_write_config(dir, o);
	if (rc)
		snprintf(why, len, "cannot write %s/config.json: %s", dir, strerror(-rc));
	return rc;
}
