/* snapshot.c - node identity and configuration, as recorded in every result. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "core/snapshot.h"
#include "core/topo.h"
#include "core/util.h"

/* Why each one matters: docs/sysctls.md. Keep the two in step. */
const char *const snapshot_sysctls[] = {
	"net.core.somaxconn",
	"net.core.netdev_max_backlog",
	"net.core.netdev_budget",
	"net.core.netdev_budget_usecs",
	"net.core.rmem_default",
	"net.core.rmem_max",
	"net.core.wmem_default",
	"net.core.wmem_max",
	"net.core.optmem_max",
	"net.core.busy_poll",
	"net.core.busy_read",
	"net.core.default_qdisc",
	"net.core.bpf_jit_harden",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
	"net.ipv4.tcp_mem",
	"net.ipv4.tcp_congestion_control",
	"net.ipv4.tcp_fastopen",
	"net.ipv4.tcp_tw_reuse",
	"net.ipv4.tcp_max_syn_backlog",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_slow_start_after_idle",
	"net.ipv4.tcp_mtu_probing",
	"net.ipv4.tcp_notsent_lowat",
	"net.ipv4.tcp_autocorking",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_max_tw_buckets",
	"net.ipv4.tcp_retries2",
	"net.ipv4.ip_forward",
	"net.ipv4.neigh.default.gc_thresh1",
	"net.ipv4.neigh.default.gc_thresh2",
	"net.ipv4.neigh.default.gc_thresh3",
	"net.netfilter.nf_conntrack_max",
	"net.netfilter.nf_conntrack_tcp_timeout_established",
	"net.bridge.bridge-nf-call-iptables",
	"vm.swappiness",
	"vm.dirty_ratio",
	"vm.dirty_background_ratio",
	"vm.dirty_expire_centisecs",
	"vm.dirty_writeback_centisecs",
	"vm.overcommit_memory",
	"vm.max_map_count",
	"vm.min_free_kbytes",
	"vm.zone_reclaim_mode",
	"vm.vfs_cache_pressure",
	"vm.watermark_scale_factor",
	"vm.nr_hugepages",
	"vm.stat_interval",
	"kernel.sched_autogroup_enabled",
	"kernel.numa_balancing",
	"kernel.sched_rt_runtime_us",
	"kernel.timer_migration",
	"kernel.nmi_watchdog",
	"kernel.pid_max",
	"kernel.threads-max",
	"kernel.panic",
	"kernel.panic_on_oops",
	"kernel.perf_event_paranoid",
	"kernel.unprivileged_bpf_disabled",
	"kernel.bpf_stats_enabled",
	"kernel.keys.root_maxkeys",
	"kernel.keys.maxkeys",
	"fs.file-max",
	"fs.nr_open",
	"fs.aio-max-nr",
	"fs.inotify.max_user_watches",
	"fs.inotify.max_user_instances",
	"user.max_user_namespaces",
	NULL,
};

/* Kernel build options that change scheduler, tracing, BPF and I/O behaviour. */
static const char *const snap_kconfig[] = {
	"CONFIG_PREEMPT_NONE", "CONFIG_PREEMPT_VOLUNTARY", "CONFIG_PREEMPT", "CONFIG_PREEMPT_LAZY",
	"CONFIG_PREEMPT_RT", "CONFIG_PREEMPT_DYNAMIC", "CONFIG_HZ", "CONFIG_NO_HZ_IDLE",
	"CONFIG_NO_HZ_FULL", "CONFIG_SCHED_AUTOGROUP", "CONFIG_SCHED_CORE", "CONFIG_CFS_BANDWIDTH",
	"CONFIG_NUMA_BALANCING", "CONFIG_MEMCG", "CONFIG_TRANSPARENT_HUGEPAGE", "CONFIG_BPF_SYSCALL",
	"CONFIG_BPF_JIT", "CONFIG_BPF_JIT_ALWAYS_ON", "CONFIG_BPF_LSM", "CONFIG_DEBUG_INFO_BTF",
	"CONFIG_CGROUP_BPF", "CONFIG_FTRACE_SYSCALLS", "CONFIG_KPROBES", "CONFIG_FUNCTION_TRACER",
	"CONFIG_IO_URING", "CONFIG_BLK_CGROUP", "CONFIG_BLK_WBT", "CONFIG_NET_SCH_FQ",
	"CONFIG_TCP_CONG_BBR", "CONFIG_DEFAULT_TCP_CONG", "CONFIG_SECURITY_LOCKDOWN_LSM", "CONFIG_LSM",
};

/* /proc/cpuinfo flags (x86) and features (arm64) that explain bench results. */
static const char *const snap_cpu_flags[] = {
	"avx2", "avx512f", "avx512_bf16", "amx_tile", "aes", "vaes", "sha_ni", "constant_tsc",
	"nonstop_tsc", "hypervisor", "pcid", "invpcid", "pdpe1gb", "atomics", "sve", "sve2",
};

#define SNAP_DMI "/sys/class/dmi/id/"
#define SNAP_AZURE_ASSET_TAG "7783-7084-3265-9085-8269-3286-77"

static int set(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val) ? -ENOMEM : 0;
}

/* A JSON string; bytes that are not UTF-8 (DMI, cpuinfo) become '?'. */
static json_t *jstr(const char *s)
{
	json_t *v;
	char *c, *p;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	c = strdup(s);
	if (!c)
		return NULL;
	for (p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	v = json_string(c);
	free(c);
	return v;
}

/* Trimmed contents of a small file, or NULL when it cannot be read. */
static char *file_str(const char *path, char *buf, size_t len)
{
	return read_small(path, buf, len) < 0 ? NULL : str_trim(buf);
}

static json_t *jfile_str(const char *path)
{
	char buf[512];

	return jstr(file_str(path, buf, sizeof(buf)));
}

/* Integer when the whole file is one, else the text, else null. */
static json_t *jfile_num(const char *path)
{
	char buf[256], *s = file_str(path, buf, sizeof(buf)), *end;
	long long v;

	if (!s)
		return json_null();
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s && !*end && !errno)
		return json_integer(v);
	return jstr(s);
}

/* The active choice of "a [b] c" (sysfs) or "a (b) c" (debugfs). */
static char *choice(char *s)
{
	char *open = strpbrk(s, "[("), *close;

	if (!open)
		return s;
	close = strchr(open + 1, *open == '[' ? ']' : ')');
	if (close)
		*close = '\0';
	return open + 1;
}

static json_t *jfile_choice(const char *path)
{
	char buf[512], *s = file_str(path, buf, sizeof(buf));

	return jstr(s ? choice(s) : NULL);
}

static int cpulist_count(const char *s)
{
	int n = 0;

	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		n += (int)(b - a + 1);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* Remove shell quoting from an os-release value (in place). */
static char *unquote(char *v)
{
	char *r, *w;
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	}
	for (r = w = v; *r; r++) {
		if (*r == '\\' && r[1])
			r++;
		*w++ = *r;
	}
	*w = '\0';
	return v;
}

static json_t *os_json(void)
{
	static const char *const keys[][2] = {
		{ "ID", "id" }, { "VERSION_ID", "version_id" }, { "PRETTY_NAME", "pretty_name" },
	};
	json_t *os = json_object();
	char *text, *line, *save = NULL;
	unsigned i;
	int err = 0;

	if (!os)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		err |= set(os, keys[i][1], json_null());
	text = read_all("/etc/os-release", NULL);
	if (!text)
		text = read_all("/usr/lib/os-release", NULL);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strcmp(line, keys[i][0]))
				err |= set(os, keys[i][1], jstr(unquote(str_trim(eq + 1))));
	}
	free(text);
	if (err) {
		json_decref(os);
		return NULL;
	}
	return os;
}

/*
 * Selected options of the running kernel's build config: the value, "n" for
 * "is not set", null when the option does not exist in this kernel. gzopen
 * reads both the compressed /proc/config.gz and a plain /boot/config-*.
 */
static json_t *kconfig_json(const char *release, json_t **source)
{
	char boot[320], line[4096];
	const char *path = "/proc/config.gz";
	json_t *cfg;
	gzFile gz;
	unsigned i;
	int err = 0;

	*source = json_null();
	gz = gzopen(path, "rb");
	if (!gz) {
		snprintf(boot, sizeof(boot), "/boot/config-%s", release);
		path = boot;
		gz = gzopen(path, "rb");
	}
	if (!gz)
		return json_null();
	cfg = json_object();
	for (i = 0; cfg && i < ARRAY_SIZE(snap_kconfig); i++)
		err |= set(cfg, snap_kconfig[i], json_null());
	while (cfg && gzgets(gz, line, sizeof(line))) {
		char *key = str_trim(line), *val;

		if (str_starts(key, "# CONFIG_")) {
			key += 2;
			val = strchr(key, ' ');
			if (!val || strcmp(val, " is not set") != 0)
				continue;
			*val = '\0';
			val = "n";
		} else {
			val = strchr(key, '=');
			if (!val)
				continue;
			*val++ = '\0';
			val = unquote(val);
		}
		if (json_object_get(cfg, key))
			err |= set(cfg, key, jstr(val));
	}
	gzclose(gz);
	*source = jstr(path);
	if (err || !cfg || !*source) {
		json_decref(cfg);
		json_decref(*source);
		*source = NULL;
		return NULL;
	}
	return cfg;
}

static json_t *kernel_json(const struct utsname *u)
{
	char cmdline[4096];
	json_t *source = NULL, *cfg = kconfig_json(u->release, &source);

	return json_pack("{s:o, s:o, s:o, s:b, s:o, s:o}", "release", jstr(u->release),
			 "version", jstr(u->version),
			 "cmdline", jstr(file_str("/proc/cmdline", cmdline, sizeof(cmdline))),
			 "btf", access("/sys/kernel/btf/vmlinux", F_OK) == 0, "config", cfg,
			 "config_source", source);
}

/* First processor block of /proc/cpuinfo; the rest repeats it per CPU. */
static json_t *cpu_json(void)
{
	char *line = NULL, *tok, *save = NULL, model[256] = "", vendor[128] = "", buf[256];
	const char *possible = file_str("/sys/devices/system/cpu/possible", buf, sizeof(buf));
	json_t *flags = json_array(), *mhz = json_null();
	size_t cap = 0;
	unsigned i;
	FILE *f;

	f = fopen("/proc/cpuinfo", "re");
	while (f && flags && getline(&line, &cap, f) > 0 && line[0] != '\n') {
		char *colon = strchr(line, ':'), *key = line, *val;

		if (!colon)
			continue;
		*colon = '\0';
		key = str_trim(key);
		val = str_trim(colon + 1);
		if (!strcmp(key, "model name"))
			str_copy(model, val, sizeof(model));
		else if (!strcmp(key, "vendor_id") || !strcmp(key, "CPU implementer"))
			str_copy(vendor, val, sizeof(vendor));
		else if (!strcmp(key, "cpu MHz"))
			mhz = json_integer((json_int_t)(strtod(val, NULL) + 0.5));
		else if (!strcmp(key, "flags") || !strcmp(key, "Features"))
			for (tok = strtok_r(val, " ", &save); flags && tok; tok = strtok_r(NULL, " ", &save))
				for (i = 0; i < ARRAY_SIZE(snap_cpu_flags); i++)
					if (!strcmp(tok, snap_cpu_flags[i]) &&
					    json_array_append_new(flags, json_string(tok))) {
						json_decref(flags);
						flags = NULL;
						break;
					}
	}
	free(line);
	if (f)
		fclose(f);
	return json_pack("{s:o, s:o, s:i, s:o, s:o, s:o}", "model", jstr(model[0] ? model : NULL),
			 "vendor", jstr(vendor[0] ? vendor : NULL),
			 "count", (int)sysconf(_SC_NPROCESSORS_ONLN),
			 "possible", possible ? json_integer(cpulist_count(possible)) : json_null(),
			 "flags_of_interest", flags, "mhz", mhz);
}

static json_t *memory_json(void)
{
	char buf[256], *p;

	if (read_small("/proc/meminfo", buf, sizeof(buf)) < 0 || !(p = strstr(buf, "MemTotal:")))
		return json_null();
	return json_integer(strtoll(p + strlen("MemTotal:"), NULL, 10) * 1024);
}

/* node.gpus: the GPUs of the PCI inventory; CUDA details are added by gpu/. */
static json_t *gpus_json(const json_t *topology)
{
	json_t *gpus = json_array(), *dev;
	size_t i;

	json_array_foreach(json_object_get(topology, "pci"), i, dev) {
		if (strcmp(json_string_value(json_object_get(dev, "class")), "gpu") != 0)
			continue;
		if (json_array_append_new(gpus, json_pack("{s:O, s:O, s:O, s:O, s:O}",
							  "busid", json_object_get(dev, "busid"),
							  "vendor_id", json_object_get(dev, "vendor_id"),
							  "device_id", json_object_get(dev, "device_id"),
							  "name", json_object_get(dev, "name"),
							  "numa", json_object_get(dev, "numa")))) {
			json_decref(gpus);
			return NULL;
		}
	}
	return gpus;
}

/* Cloud from DMI only: the metadata endpoints are network, never contacted. */
static json_t *cloud_json(void)
{
	char vendor[128], product[128], tag[128], bios[128];
	const char *sv = file_str(SNAP_DMI "sys_vendor", vendor, sizeof(vendor));
	const char *pn = file_str(SNAP_DMI "product_name", product, sizeof(product));
	const char *at = file_str(SNAP_DMI "chassis_asset_tag", tag, sizeof(tag));
	const char *bv = file_str(SNAP_DMI "bios_version", bios, sizeof(bios));
	const char *provider = NULL, *vm_size = NULL;

	if (sv && at && !strcmp(sv, "Microsoft Corporation") && !strcmp(at, SNAP_AZURE_ASSET_TAG)) {
		provider = "azure";
	} else if ((sv && !strcmp(sv, "Amazon EC2")) || (bv && strcasestr(bv, "amazon"))) {
		provider = "aws";
		/* Nitro instances name their instance type in product_name. */
		if (sv && !strcmp(sv, "Amazon EC2"))
			vm_size = pn;
	} else if ((sv && !strcmp(sv, "Google")) || (pn && !strcmp(pn, "Google Compute Engine"))) {
		provider = "gcp";
	}
	return json_pack("{s:s?, s:o, s:o, s:o, s:o}", "provider", provider, "vm_size", jstr(vm_size),
			 "product_name", jstr(pn), "sys_vendor", jstr(sv), "chassis_asset_tag", jstr(at));
}

static json_t *sysctl_json(void)
{
	json_t *obj = json_object();
	unsigned i;
	int err = 0;

	for (i = 0; obj && snapshot_sysctls[i]; i++) {
		char path[256], buf[1024], *s, *r, *w;
		size_t n = str_copy(path, "/proc/sys/", sizeof(path));

		str_copy(path + n, snapshot_sysctls[i], sizeof(path) - n);
		for (s = path + n; *s; s++)
			if (*s == '.')
				*s = '/';
		s = file_str(path, buf, sizeof(buf));
		/* "4096\t131072\t6291456" reads better and diffs cleaner with spaces. */
		for (r = w = s; s && *r; r++)
			if (!isspace((unsigned char)*r) || !isspace((unsigned char)r[1]))
				*w++ = isspace((unsigned char)*r) ? ' ' : *r;
		if (s)
			*w = '\0';
		err |= set(obj, snapshot_sysctls[i], jstr(s));
	}
	if (err) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static int skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/*
 * Every directory entry of dir as key, valued by fn(dir/name, name), sorted by
 * name; null when dir does not exist.
 */
static json_t *dir_json(const char *dir, json_t *(*fn)(const char *path, const char *name))
{
	struct dirent **ents;
	json_t *obj;
	int i, n, err = 0;

	n = scandir(dir, &ents, skip_dot, alphasort);
	if (n < 0)
		return errno == ENOMEM ? NULL : json_null();
	obj = json_object();
	for (i = 0; i < n; i++) {
		char path[512];
		json_t *v;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		v = fn(path, ents[i]->d_name);
		if (!json_is_null(v))
			err |= set(obj, ents[i]->d_name, v);
		free(ents[i]);
	}
	free(ents);
	if (err || !obj) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *block_dev_json(const char *path, const char *name)
{
	static const char *const nums[] = {
		"read_ahead_kb", "nr_requests", "max_sectors_kb", "nomerges", "wbt_lat_usec",
	};
	char file[600], buf[64];
	long long sectors;
	json_t *dev, *rot;
	unsigned i;
	int err = 0;

	/* Our own loop devices, ramdisks and unused zram are not the node's disks. */
	snprintf(file, sizeof(file), "%s/size", path);
	if (str_starts(name, "loop") || str_starts(name, "ram") || !file_str(file, buf, sizeof(buf)) ||
	    (sectors = strtoll(buf, NULL, 10)) <= 0)
		return json_null();
	dev = json_object();
	snprintf(file, sizeof(file), "%s/queue/scheduler", path);
	err |= set(dev, "scheduler", jfile_choice(file));
	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		snprintf(file, sizeof(file), "%s/queue/%s", path, nums[i]);
		err |= set(dev, nums[i], jfile_num(file));
	}
	snprintf(file, sizeof(file), "%s/queue/rotational", path);
	rot = file_str(file, buf, sizeof(buf)) ? json_boolean(!strcmp(buf, "1")) : json_null();
	err |= set(dev, "rotational", rot);
	err |= set(dev, "size_bytes", json_integer(sectors * 512));
	if (err) {
		json_decref(dev);
		return NULL;
	}
	return dev;
}

static json_t *text_file_json(const char *path, const char *name)
{
	(void)name;
	return jfile_str(path);
}

static json_t *cgroup_json(void)
{
	struct statfs sf;

	if (statfs("/sys/fs/cgroup", &sf) < 0)
		return json_null();
	if (sf.f_type == CGROUP2_SUPER_MAGIC)
		return json_string("v2");
	if (sf.f_type != TMPFS_MAGIC)
		return json_null();
	if (!statfs("/sys/fs/cgroup/unified", &sf) && sf.f_type == CGROUP2_SUPER_MAGIC)
		return json_string("hybrid");
	return json_string("v1");
}

/*
 * "runc version 1.1.12", "containerd github.com/containerd/containerd v1.7.2
 * 0cae528...": the first word of the first line that starts with a digit.
 */
static json_t *runtime_version(const char *prog)
{
	char out[1024], *tok, *save = NULL;
	char *const argv[] = { (char *)prog, "--version", NULL };

	if (spawn_capture(argv, out, sizeof(out)) != 0)
		return json_null();
	out[strcspn(out, "\n")] = '\0';
	for (tok = strtok_r(out, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (tok[0] == 'v' && isdigit((unsigned char)tok[1]))
			tok++;
		if (isdigit((unsigned char)tok[0]))
			return jstr(tok);
	}
	return json_null();
}

static json_t *node_json(const struct topo *topo)
{
	json_t *topology = topo ? topo_to_json(topo) : json_null();
	struct utsname u;

	uname(&u);
	/* gpus reads topology before json_pack takes it over. */
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "hostname", jstr(u.nodename),
			 "os", os_json(), "kernel", kernel_json(&u), "cpu", cpu_json(),
			 "memory_bytes", memory_json(), "topology", topology, "gpus", gpus_json(topology),
			 "cloud", cloud_json());
}

static json_t *config_json(void)
{
	return json_pack("{s:o, s:{s:o, s:o}, s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o}, s:o, s:o, "
			 "s:{s:o, s:o, s:o}, s:o, s:o}",
			 "sysctl", sysctl_json(),
			 "thp", "enabled", jfile_choice("/sys/kernel/mm/transparent_hugepage/enabled"),
			 "defrag", jfile_choice("/sys/kernel/mm/transparent_hugepage/defrag"),
			 "block", dir_json("/sys/block", block_dev_json),
			 "cpufreq", "driver", jfile_str("/sys/devices/system/cpu/cpu0/cpufreq/scaling_driver"),
			 "governor", jfile_str("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
			 "energy_performance_preference",
			 jfile_str("/sys/devices/system/cpu/cpu0/cpufreq/energy_performance_preference"),
			 "cpuidle", "driver", jfile_str("/sys/devices/system/cpu/cpuidle/current_driver"),
			 "governor", jfile_str("/sys/devices/system/cpu/cpuidle/current_governor_ro"),
			 "clocksource",
			 jfile_str("/sys/devices/system/clocksource/clocksource0/current_clocksource"),
			 "cgroup", cgroup_json(),
			 "runtimes", "runc", runtime_version("runc"), "crun", runtime_version("crun"),
			 "containerd", runtime_version("containerd"),
			 "preempt", jfile_choice("/sys/kernel/debug/sched/preempt"),
			 "mitigations", dir_json("/sys/devices/system/cpu/vulnerabilities", text_file_json));
}

int snapshot_collect(const struct topo *topo, json_t **node, json_t **config)
{
	*node = node_json(topo);
	*config = config_json();
	if (*node && *config)
		return 0;
	json_decref(*node);
	json_decref(*config);
	*node = *config = NULL;
	return -ENOMEM;
}

/* Ring of buffers so that one printf can format several values. */
struct snap_txt {
	char buf[8][256];
	unsigned next;
};

static char *txt_buf(struct snap_txt *t)
{
	return t->buf[t->next++ % ARRAY_SIZE(t->buf)];
}

static const json_t *jpath(const json_t *v, const char *path)
{
	char key[128];

	while (v && *path) {
		size_t n = strcspn(path, "/");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		v = json_is_array(v) ? json_array_get(v, strtoul(key, NULL, 10)) : json_object_get(v, key);
		path += n + (path[n] == '/');
	}
	return v;
}

/* The value at path ("kernel/release", "pci/0/busid") as text; "-" when absent or null. */
static const char *tx(struct snap_txt *t, const json_t *root, const char *path)
{
	const json_t *v = jpath(root, path);
	char *b = txt_buf(t);

	if (json_is_string(v))
		str_copy(b, json_string_value(v), sizeof(t->buf[0]));
	else if (json_is_integer(v))
		snprintf(b, sizeof(t->buf[0]), "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		str_copy(b, json_is_true(v) ? "yes" : "no", sizeof(t->buf[0]));
	else
		str_copy(b, "-", sizeof(t->buf[0]));
	return b;
}

static const char *tx_bytes(struct snap_txt *t, const json_t *root, const char *path)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	const json_t *v = jpath(root, path);
	double x = (double)json_integer_value(v);
	char *b = txt_buf(t);
	unsigned u = 0;

	if (!json_is_integer(v))
		return "-";
	while (x >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		x /= 1024;
		u++;
	}
	snprintf(b, sizeof(t->buf[0]), x < 10 && u ? "%.1f %s" : "%.0f %s", x, units[u]);
	return b;
}

static void print_topology(struct snap_txt *t, const json_t *topo, FILE *out)
{
	const json_t *e, *l3 = NULL;
	json_int_t nl3 = 0;
	size_t i;

	if (!json_is_object(topo)) {
		fprintf(out, "%-12s -\n", "topology");
		return;
	}
	json_array_foreach(json_object_get(topo, "caches"), i, e) {
		if (json_integer_value(json_object_get(e, "level")) == 3) {
			nl3 += json_integer_value(json_object_get(e, "count"));
			l3 = e;
		}
	}
	fprintf(out, "%-12s packages %s, NUMA nodes %zu, cores %s, PUs %s, SMT %s", "topology",
		tx(t, topo, "packages"), json_array_size(json_object_get(topo, "numa_nodes")),
		tx(t, topo, "cores"), tx(t, topo, "pus"), tx(t, topo, "smt"));
	if (l3)
		fprintf(out, ", L3 %lld x %s", (long long)nl3, tx_bytes(t, l3, "size_bytes"));
	fputc('\n', out);
	json_array_foreach(json_object_get(topo, "numa_nodes"), i, e) {
		fprintf(out, "%-12s node %s: %s, cpus %s\n", i ? "" : "numa", tx(t, e, "os_index"),
			tx_bytes(t, e, "memory_bytes"), tx(t, e, "cpus"));
	}
	json_array_foreach(json_object_get(topo, "pci"), i, e) {
		const json_t *pci = json_object_get(topo, "pci");
		size_t j, same = 0;

		/* Eight GPUs on two nodes are two lines: one per (class, name, node). */
		for (j = 0; j < json_array_size(pci); j++) {
			const json_t *o = json_array_get(pci, j);

			if (!json_equal(json_object_get(o, "class"), json_object_get(e, "class")) ||
			    !json_equal(json_object_get(o, "name"), json_object_get(e, "name")) ||
			    !json_equal(json_object_get(o, "numa"), json_object_get(e, "numa")))
				continue;
			if (j < i)
				break;
			same++;
		}
		if (j < i)
			continue;
		fprintf(out, "%-12s ", tx(t, e, "class"));
		if (same > 1)
			fprintf(out, "%zu x ", same);
		fprintf(out, "%s, numa %s, %s %s\n", tx(t, e, "name"), tx(t, e, "numa"), tx(t, e, "busid"),
			tx(t, e, "os_devices/0"));
	}
}

static void print_block(struct snap_txt *t, const json_t *block, FILE *out)
{
	const char *name;
	json_t *d;
	int first = 1;
	size_t n = 0;

	json_object_foreach((json_t *)block, name, d) {
		if (n++ == 8) {
			fprintf(out, "%-12s ... %zu more in --json\n", "", json_object_size(block) - 8);
			break;
		}
		fprintf(out, "%-12s %-8s %s, %s, ra %s KiB, nr_requests %s, max %s KiB, wbt %s us, %s\n",
			first ? "block" : "", name, tx_bytes(t, d, "size_bytes"), tx(t, d, "scheduler"),
			tx(t, d, "read_ahead_kb"), tx(t, d, "nr_requests"), tx(t, d, "max_sectors_kb"),
			tx(t, d, "wbt_lat_usec"),
			json_is_true(json_object_get(d, "rotational")) ? "rotational" : "non-rotational");
		first = 0;
	}
}

void snapshot_print(const json_t *node, const json_t *config, FILE *out)
{
	static const char *const key_sysctls[] = {
		"net.core.somaxconn", "net.core.default_qdisc", "net.ipv4.tcp_congestion_control",
		"net.core.rmem_max", "net.core.wmem_max", "net.netfilter.nf_conntrack_max",
		"vm.swappiness", "vm.dirty_ratio", "kernel.numa_balancing",
		"kernel.sched_autogroup_enabled",
	};
	const json_t *sysctl = json_object_get(config, "sysctl"), *e;
	struct snap_txt *t = calloc(1, sizeof(*t));
	unsigned i, vulnerable = 0;
	const char *name;

	if (!t)
		return;
	fprintf(out, "%-12s %s, %s\n", "host", tx(t, node, "hostname"), tx(t, node, "os/pretty_name"));
	fprintf(out, "%-12s %s %s, BTF %s, HZ %s, preempt %s\n", "kernel", tx(t, node, "kernel/release"),
		tx(t, node, "kernel/version"), tx(t, node, "kernel/btf"),
		tx(t, node, "kernel/config/CONFIG_HZ"), tx(t, config, "preempt"));
	fprintf(out, "%-12s %.120s\n", "cmdline", tx(t, node, "kernel/cmdline"));
	fprintf(out, "%-12s %s (%s), %s online of %s, %s MHz, flags:", "cpu", tx(t, node, "cpu/model"),
		tx(t, node, "cpu/vendor"), tx(t, node, "cpu/count"), tx(t, node, "cpu/possible"),
		tx(t, node, "cpu/mhz"));
	json_array_foreach(jpath(node, "cpu/flags_of_interest"), i, e) {
		fprintf(out, " %s", json_string_value(e));
	}
	fprintf(out, "\n%-12s %s\n", "memory", tx_bytes(t, node, "memory_bytes"));
	print_topology(t, json_object_get(node, "topology"), out);
	fprintf(out, "%-12s provider %s, vendor %s, product %s\n", "cloud", tx(t, node, "cloud/provider"),
		tx(t, node, "cloud/sys_vendor"), tx(t, node, "cloud/product_name"));
	fprintf(out, "%-12s cgroup %s, runc %s, crun %s, containerd %s\n", "containers",
		tx(t, config, "cgroup"), tx(t, config, "runtimes/runc"), tx(t, config, "runtimes/crun"),
		tx(t, config, "runtimes/containerd"));
	fprintf(out, "%-12s THP %s (defrag %s), cpufreq %s/%s, cpuidle %s/%s, clocksource %s\n", "tuning",
		tx(t, config, "thp/enabled"), tx(t, config, "thp/defrag"), tx(t, config, "cpufreq/driver"),
		tx(t, config, "cpufreq/governor"), tx(t, config, "cpuidle/driver"),
		tx(t, config, "cpuidle/governor"), tx(t, config, "clocksource"));
	print_block(t, json_object_get(config, "block"), out);
	json_object_foreach((json_t *)json_object_get(config, "mitigations"), name, e) {
		vulnerable += str_starts(json_string_value(e) ? json_string_value(e) : "", "Vulnerable");
	}
	fprintf(out, "%-12s %zu reported, %u vulnerable\n", "mitigations",
		json_object_size(json_object_get(config, "mitigations")), vulnerable);
	for (i = 0; i < ARRAY_SIZE(key_sysctls); i++) {
		const json_t *v = json_object_get(sysctl, key_sysctls[i]);

		if (!(i % 4))
			fprintf(out, "%s%-12s", i ? "\n" : "", i ? "" : "sysctl");
		fprintf(out, " %s=%s", key_sysctls[i], json_is_string(v) ? json_string_value(v) : "-");
	}
	fprintf(out, "\n%-12s %zu recorded, all of them in --json\n", "", json_object_size(sysctl));
	free(t);
}
