/* probe.c - load probes down the attach ladder, filter, collect maps, and account their cost. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/log.h"
#include "core/sandbox.h"
#include "core/util.h"
#include "probes/probe.h"
#include "results/result.h"

#define CGROUP2_MAGIC 0x63677270
#define MAX_LINKS 32
#define MAX_SERIES 512

struct series {
	char key[64];
	int log2;
	struct hist *h;		/* loglin */
	struct np_log2 l2;	/* log2 */
};

struct snap {
	struct series *s;
	size_t n;
	uint64_t counters[NP_CNT_MAX];
	uint64_t run_cnt[MAX_LINKS], run_time[MAX_LINKS];
};

struct probe {
	const struct probe_def *def;
	void *skel;
	struct bpf_object *obj;
	enum probe_rung rung;
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *progs[MAX_LINKS];
	unsigned nlinks;
	int stats_fd;
	char filter[300];
	struct snap prev;
	int have_prev;
	struct ring_buffer *rb;
	json_t *events;
	int ncpus;
};

static const char *const rung_names[PROBE_RUNG_COUNT] = { "tp_btf", "raw_tp", "tracepoint" };
static const char *const rung_prefix[PROBE_RUNG_COUNT] = { "btf_", "raw_", "tp_" };

const char *probe_rung_name(enum probe_rung rung)
{
	return rung < PROBE_RUNG_COUNT ? rung_names[rung] : "none";
}

int probe_rung_parse(const char *name)
{
	int i;

	for (i = 0; i < PROBE_RUNG_COUNT; i++)
		if (!strcmp(name, rung_names[i]) || (i == PROBE_RUNG_TP && !strcmp(name, "tp")))
			return i;
	return -EINVAL;
}

const struct probe_def *probe_find(const char *name)
{
	unsigned i;

	for (i = 0; probe_table[i]; i++)
		if (!strcmp(probe_table[i]->name, name))
			return probe_table[i];
	return NULL;
}

/* libbpf's messages: kept for the "why" of a failed rung, printed with -v only. */
static char libbpf_last[512];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[16384];	/* a verifier log comes as one message */
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* keep the first line: "prog 'x': BPF program load failed: ...", not the log */
	if (n && !strstr(buf, "BEGIN PROG LOAD LOG") && !strstr(buf, "failed to load object") &&
	    !strstr(buf, "failed to load BPF skeleton"))
		str_copy(libbpf_last, buf, sizeof(libbpf_last));
	if (log_verbose)
		fprintf(stderr, "libbpf: %s\n", buf);
	return 0;
}

static int have_cap(unsigned cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

int probe_supported(char *why, size_t len)
{
	/* CAP_BPF (39) + CAP_PERFMON (38), or CAP_SYS_ADMIN (21) on older kernels */
	if (!have_cap(21) && !(have_cap(39) && have_cap(38))) {
		snprintf(why, len, "probes need root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "the kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE probes cannot load");
		return -ENOENT;
	}
	return 0;
}

static void undo_umount(const char *name, void *arg)
{
	(void)arg;
	umount2(name, MNT_DETACH);
}

/* The classic rung reads tracepoint ids from tracefs: mount it when nobody has. */
static int ensure_tracefs(void)
{
	static int done;
	struct statfs sf;
	char source[32];

	if (done)
		return 0;
	if (!access("/sys/kernel/tracing/events", F_OK) || !access("/sys/kernel/debug/tracing/events", F_OK)) {
		done = 1;
		return 0;
	}
	if (statfs("/sys/kernel/tracing", &sf))
		return -errno;
	/* the source names this run, so that `nodeperf cleanup` finds it after a SIGKILL */
	snprintf(source, sizeof(source), "nodeperf-%d", (int)getpid());
	if (mount(source, "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	done = 1;
	if (sandbox_register("mount", "/sys/kernel/tracing", undo_umount, NULL) < 0) {
		umount2("/sys/kernel/tracing", MNT_DETACH);
		return -ENOMEM;
	}
	log_debug("mounted tracefs on /sys/kernel/tracing for the classic tracepoint rung");
	return 0;
}

static int cgroup_id(const char *path, uint64_t *id, char *why, size_t len)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	struct statfs sf;
	int mount_id;

	if (statfs(path, &sf)) {
		snprintf(why, len, "cgroup %s: %s", path, strerror(errno));
		return -errno;
	}
	if (sf.f_type != CGROUP2_MAGIC) {
		snprintf(why, len, "%s is not a cgroup v2 directory (on a hybrid host: /sys/fs/cgroup/unified/...)", path);
		return -EINVAL;
	}
	h.fh.handle_bytes = sizeof(h.id);
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0)) {
		snprintf(why, len, "cgroup %s: %s", path, strerror(errno));
		return -errno;
	}
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

/* Set a const volatile global of .rodata by name, before load. */
static int set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t size)
{
	struct bpf_map *map = NULL, *m;
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	const struct btf *btf;
	size_t mapsz;
	char *data;
	int id, i;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);

		if (n && strstr(n, ".rodata")) {
			map = m;
			break;
		}
	}
	btf = bpf_object__btf(obj);
	if (!map || !btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	/* the mmaped image the skeleton exposes as skel->rodata, writable until load */
	data = (char *)bpf_map__initial_value(map, &mapsz);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *t = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, t->name_off), var) != 0)
			continue;
		if (!data || vs->size != size || vs->offset + size > mapsz)
			return -EINVAL;
		memcpy(data + vs->offset, val, size);
		return 0;
	}
	return -ENOENT;
}

static void seed_tree(struct probe *p, pid_t root)
{
	int fd = bpf_object__find_map_fd_by_name(p->obj, "np_tree");
	char path[64], buf[512];
	pid_t *set = NULL;
	size_t n = 0, cap = 0, i, before;
	struct dirent *de;
	__u8 one = 1;
	DIR *dir;

	if (fd < 0)
		return;
	/* root and every descendant alive now; forks from here on are tracked in BPF */
	set = malloc(sizeof(*set) * 64);
	if (!set)
		return;
	cap = 64;
	set[n++] = root;
	do {
		before = n;
		dir = opendir("/proc");
		if (!dir)
			break;
		while ((de = readdir(dir))) {
			pid_t pid = (pid_t)atoi(de->d_name), ppid;
			char *close_paren;
			int known = 0;

			if (pid <= 0)
				continue;
			for (i = 0; i < n; i++)
				known |= set[i] == pid;
			if (known)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			if (read_small(path, buf, sizeof(buf)) <= 0)
				continue;
			close_paren = strrchr(buf, ')');
			if (!close_paren || sscanf(close_paren + 2, "%*c %d", &ppid) != 1)
				continue;
			for (i = 0; i < n; i++) {
				if (set[i] != ppid)
					continue;
				if (n == cap) {
					pid_t *ns = realloc(set, sizeof(*set) * cap * 2);

					if (!ns)
						break;
					set = ns;
					cap *= 2;
				}
				set[n++] = pid;
				break;
			}
		}
		closedir(dir);
	} while (n != before && n < NP_TREE_MAX);
	for (i = 0; i < n; i++) {
		__u32 k = (__u32)set[i];

		bpf_map_update_elem(fd, &k, &one, BPF_ANY);
	}
	free(set);
}

static int on_event(void *ctx, void *data, size_t size);

static void detach(struct probe *p)
{
	unsigned i;

	for (i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);
	p->nlinks = 0;
	ring_buffer__free(p->rb);
	p->rb = NULL;
	if (p->skel)
		p->def->skel_destroy(p->skel);
	p->skel = NULL;
	p->obj = NULL;
}

static __u32 pid_max(void)
{
	char buf[32];
	long v = 0;

	if (read_small("/proc/sys/kernel/pid_max", buf, sizeof(buf)) > 0)
		v = strtol(buf, NULL, 10);
	/* PID_MAX_LIMIT is 4M on 64-bit: a bad read must not size a huge map */
	return v > 0 && v <= 4194304 ? (__u32)v : 4194304;
}

/*
 * What older kernels lack, learnt once: atomics other than add (5.12: the
 * probes' "nc" program twins do without), task storage (5.11: the loader
 * retypes such maps and sets np_no_task_storage, and "_nots" programs load),
 * and tracepoints a probe can do without (block_rq_merge, 5.11).
 */
static int kernel_has_cmpxchg(void)
{
	static int known = -1;

	if (known < 0) {
		/* r0 = 0; *(u64 *)(r10 - 8) = r0; r1 = 1; r0 = cmpxchg(r10 - 8, r0, r1); r0 = 0; exit */
		struct bpf_insn insns[] = {
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .src_reg = BPF_REG_0, .off = -8 },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
			{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = BPF_REG_10, .src_reg = BPF_REG_1, .off = -8,
			  .imm = BPF_CMPXCHG },
			{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
			{ .code = BPF_JMP | BPF_EXIT },
		};
		int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, ARRAY_SIZE(insns), NULL);

		known = fd >= 0;
		if (fd >= 0)
			close(fd);
	}
	return known;
}

static int kernel_has_task_storage(void)
{
	static int known = -1;

	if (known < 0)
		known = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) > 0;
	return known;
}

/* An optional program whose tracepoint this kernel does not have: left out. */
static int optional_tp_missing(const struct bpf_program *prog)
{
	static const char *const optional[] = { "block_rq_merge" };
	static struct btf *vmlinux;
	const char *sec = bpf_program__section_name(prog), *tp = strrchr(sec, '/');
	char path[256];
	size_t i;

	if (!tp)
		return 0;
	tp++;
	for (i = 0; i < ARRAY_SIZE(optional); i++)
		if (!strcmp(tp, optional[i]))
			break;
	if (i == ARRAY_SIZE(optional))
		return 0;
	if (str_starts(sec, "tp/")) {
		snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s", sec + 3);
		if (!access(path, F_OK))
			return 0;
		snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s", sec + 3);
		return access(path, F_OK) != 0;
	}
	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return 0;
	snprintf(path, sizeof(path), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, path, BTF_KIND_TYPEDEF) < 0;
}

/* The "nc" twin of a program: btf_insert -> btfnc_insert, present in the object. */
static int has_nc_twin(struct bpf_object *obj, const char *rung_pfx, const char *name)
{
	char twin[64];

	snprintf(twin, sizeof(twin), "%.*snc_%s", (int)strlen(rung_pfx) - 1, rung_pfx, name + strlen(rung_pfx));
	return bpf_object__find_program_by_name(obj, twin) != NULL;
}

static int try_rung(struct probe *p, enum probe_rung rung, uint64_t cgid, __u32 tree, char *err, size_t len)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	int rc, fd;

	libbpf_last[0] = '\0';
	p->skel = p->def->skel_open();
	if (!p->skel) {
		snprintf(err, len, "open: %.300s", libbpf_last[0] ? libbpf_last : strerror(errno));
		return -errno ? -errno : -EINVAL;
	}
	p->obj = p->def->skel_object(p->skel);
	/* per-pid arrays (np_by_pid) get one slot per possible pid */
	map = bpf_object__find_map_by_name(p->obj, "np_by_pid");
	if (map && (rc = bpf_map__set_max_entries(map, pid_max()))) {
		snprintf(err, len, "np_by_pid: %s", strerror(-rc));
		goto out_fail;
	}
	if (rung == PROBE_RUNG_TP && (rc = ensure_tracefs())) {
		snprintf(err, len, "tracefs is not mounted and mounting it failed: %s", strerror(-rc));
		goto out_fail;
	}
	bpf_object__for_each_program(prog, p->obj) {
		const char *name = bpf_program__name(prog);
		char ncpfx[16];
		int want = str_starts(name, rung_prefix[rung]) && (tree || !strstr(name, "tree"));

		snprintf(ncpfx, sizeof(ncpfx), "%.*snc_", (int)strlen(rung_prefix[rung]) - 1, rung_prefix[rung]);
		if (str_starts(name, ncpfx))
			want = !kernel_has_cmpxchg() && (tree || !strstr(name, "tree"));
		else if (want && has_nc_twin(p->obj, rung_prefix[rung], name))
			want = kernel_has_cmpxchg();
		if (want && strlen(name) > 5 && !strcmp(name + strlen(name) - 5, "_nots"))
			want = !kernel_has_task_storage();
		if (want && optional_tp_missing(prog))
			want = 0;
		bpf_program__set_autoload(prog, want);
	}
	if (!kernel_has_task_storage()) {
		__u8 one = 1;
		int retyped = 0;

		bpf_object__for_each_map(map, p->obj) {
			if (bpf_map__type(map) != BPF_MAP_TYPE_TASK_STORAGE)
				continue;
			if ((rc = bpf_map__set_type(map, BPF_MAP_TYPE_HASH)) || (rc = bpf_map__set_max_entries(map, 1))) {
				snprintf(err, len, "%s: %s", bpf_map__name(map), strerror(-rc));
				goto out_fail;
			}
			retyped = 1;
		}
		if (retyped && (rc = set_rodata(p->obj, "np_no_task_storage", &one, sizeof(one)))) {
			snprintf(err, len, "no task storage here and cannot say so to the program: %s", strerror(-rc));
			goto out_fail;
		}
	}
	if ((cgid && (rc = set_rodata(p->obj, "np_filter_cgid", &cgid, sizeof(cgid)))) ||
	    (tree && (rc = set_rodata(p->obj, "np_filter_tree", &tree, sizeof(tree))))) {
		snprintf(err, len, "cannot set the filter: %s", strerror(-rc));
		goto out_fail;
	}
	rc = p->def->skel_load(p->skel);
	if (rc) {
		snprintf(err, len, "load: %.300s", libbpf_last[0] ? libbpf_last : strerror(-rc));
		goto out_fail;
	}
	bpf_object__for_each_program(prog, p->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (p->nlinks == MAX_LINKS) {
			rc = -E2BIG;
			snprintf(err, len, "more than %d programs", MAX_LINKS);
			goto out_fail;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			rc = -errno;
			snprintf(err, len, "attach %s: %s", bpf_program__section_name(prog), strerror(errno));
			goto out_fail;
		}
		p->progs[p->nlinks] = prog;
		p->links[p->nlinks++] = link;
	}
	fd = bpf_object__find_map_fd_by_name(p->obj, "np_events");
	if (fd >= 0) {
		p->rb = ring_buffer__new(fd, on_event, p, NULL);
		if (!p->rb) {
			rc = -errno;
			snprintf(err, len, "ring buffer: %s", strerror(errno));
			goto out_fail;
		}
	}
	p->rung = rung;
	return 0;
out_fail:
	detach(p);
	return rc ? rc : -EINVAL;
}

int probe_start(const struct probe_def *def, const struct probe_opts *opts, struct probe **out,
		char *why, size_t len)
{
	static const struct probe_opts none = { 0 };
	size_t off = 0;
	uint64_t cgid = 0;
	struct probe *p;
	int rung, rc;

	if (!opts)
		opts = &none;
	*out = NULL;
	rc = probe_supported(why, len);
	if (rc)
		return rc;
	if (opts->cgroup && !(def->filters & PROBE_FILTER_CGROUP)) {
		snprintf(why, len, "%s has no cgroup filter: it reports system-wide", def->name);
		return -EINVAL;
	}
	if (opts->pid && !(def->filters & PROBE_FILTER_TREE)) {
		snprintf(why, len, "%s has no pid filter: it reports system-wide", def->name);
		return -EINVAL;
	}
	if (opts->pid && kill(opts->pid, 0) && errno == ESRCH) {
		snprintf(why, len, "pid %d does not exist", (int)opts->pid);
		return -ESRCH;
	}
	if (opts->cgroup && (rc = cgroup_id(opts->cgroup, &cgid, why, len)))
		return rc;
	libbpf_set_print(libbpf_print);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->def = def;
	p->stats_fd = -1;
	p->ncpus = libbpf_num_possible_cpus();
	p->events = json_array();
	if (opts->cgroup)
		snprintf(p->filter, sizeof(p->filter), "cgroup %s", opts->cgroup);
	else if (opts->pid)
		snprintf(p->filter, sizeof(p->filter), "pid tree %d", (int)opts->pid);

	/* Counting starts before the first attach: the kernel stops when the fd closes. */
	p->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (p->stats_fd < 0)
		log_debug("%s: bpf_enable_stats: %s; no cost figures", def->name, strerror(errno));

	why[0] = '\0';
	rc = -EINVAL;
	for (rung = opts->rung; rung < PROBE_RUNG_COUNT; rung++) {
		char err[400];

		if (rung == PROBE_RUNG_TP && cgid && !(def->filters & PROBE_FILTER_CGROUP_CURRENT)) {
			snprintf(err, sizeof(err), "the cgroup filter needs a task pointer (tp_btf or raw_tp)");
			rc = -EOPNOTSUPP;
		} else {
			rc = try_rung(p, (enum probe_rung)rung, cgid, (__u32)opts->pid, err, sizeof(err));
			if (!rc)
				break;
		}
		off += (size_t)snprintf(why + off, off < len ? len - off : 0, "%s%s: %s", off ? "; " : "",
					rung_names[rung], err);
		if (off >= len)
			off = len;
	}
	if (rc) {
		probe_stop(p);
		return rc;
	}
	if (opts->pid)
		seed_tree(p, opts->pid);
	log_debug("%s: attached at rung %s", def->name, rung_names[p->rung]);
	*out = p;
	return 0;
}

static void snap_free(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		hist_free(s->s[i].h);
	free(s->s);
	memset(s, 0, sizeof(*s));
}

void probe_stop(struct probe *p)
{
	if (!p)
		return;
	detach(p);
	if (p->stats_fd >= 0)
		close(p->stats_fd);
	snap_free(&p->prev);
	json_decref(p->events);
	free(p);
}

enum probe_rung probe_rung_used(const struct probe *p)
{
	return p->rung;
}

/* --- collecting --- */

static const char *const syscall_names[] = {
#include "syscall_names.h"
};

void probe_syscall_name(unsigned nr, char *buf, size_t len)
{
	if (nr < ARRAY_SIZE(syscall_names) && syscall_names[nr])
		snprintf(buf, len, "%s", syscall_names[nr]);
	else
		snprintf(buf, len, "sys_%u", nr);
}

static void key_name(const struct probe *p, __u32 key, char *buf, size_t len)
{
	static const char *const ops[] = { "read", "write", "queue", "other" };
	char path[96], uevent[512], *dn;

	switch (p->def->key_kind) {
	case NP_KEY_DEV_OP:
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", NP_DEV_OP_MAJOR(key), NP_DEV_OP_MINOR(key));
		if (read_small(path, uevent, sizeof(uevent)) > 0 && (dn = strstr(uevent, "DEVNAME="))) {
			dn += 8;
			dn[strcspn(dn, "\n")] = '\0';
			snprintf(buf, len, "%s.%s", dn, ops[NP_DEV_OP_OP(key) & 3]);
		} else {
			snprintf(buf, len, "%u:%u.%s", NP_DEV_OP_MAJOR(key), NP_DEV_OP_MINOR(key),
				 ops[NP_DEV_OP_OP(key) & 3]);
		}
		return;
	case NP_KEY_PORT:
		snprintf(buf, len, key ? "port.%u" : "all", key);
		return;
	case NP_KEY_SYSCALL:
		probe_syscall_name(key, buf, len);
		return;
	case NP_KEY_INDEX:
	default:
		if (key < p->def->nkeys)
			snprintf(buf, len, "%s", p->def->key_names[key]);
		else
			snprintf(buf, len, "key%u", key);
	}
}

static struct series *add_series(struct snap *s)
{
	struct series *n;

	if (s->n == MAX_SERIES)
		return NULL;
	n = realloc(s->s, (s->n + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->s = n;
	memset(&n[s->n], 0, sizeof(*n));
	return &n[s->n++];
}

/* Sum the per-CPU copies of one value (np_hist or np_log2) into a series. */
static int fold(struct series *se, const char *vals, size_t vsize, int ncpus, int log2)
{
	int c;

	se->log2 = log2;
	if (!log2) {
		se->h = hist_new();
		if (!se->h)
			return -ENOMEM;
	}
	for (c = 0; c < ncpus; c++) {
		const void *v = vals + (size_t)c * vsize;

		if (log2) {
			const struct np_log2 *l = v;
			int k;

			se->l2.count += l->count;
			se->l2.sum += l->sum;
			for (k = 0; k < NP_LOG2_SLOTS; k++)
				se->l2.slots[k] += l->slots[k];
		} else {
			struct hist tmp;

			memcpy(&tmp, v, sizeof(tmp));
			if (tmp.count)
				hist_merge(se->h, &tmp);
		}
	}
	return 0;
}

static int read_map(struct probe *p, const char *mapname, int log2, struct snap *s)
{
	int fd = bpf_object__find_map_fd_by_name(p->obj, mapname);
	struct bpf_map *map;
	size_t vsize;
	__u32 key, next, *kp = NULL;
	char *vals;
	int rc = 0, is_array;

	if (fd < 0)
		return 0;
	map = bpf_object__find_map_by_name(p->obj, mapname);
	vsize = (bpf_map__value_size(map) + 7) & ~(size_t)7;
	is_array = bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
	vals = malloc(vsize * (size_t)p->ncpus);
	if (!vals)
		return -ENOMEM;
	for (;;) {
		struct series *se;

		if (is_array) {
			key = kp ? *kp + 1 : 0;
			if (key >= bpf_map__max_entries(map))
				break;
		} else {
			if (bpf_map_get_next_key(fd, kp, &next))
				break;
			key = next;
		}
		kp = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		se = add_series(s);
		if (!se) {
			rc = -ENOMEM;
			break;
		}
		/* fixed keys (np_hists) are named by the probe's table, the rest by kind */
		if (is_array && key < p->def->nkeys)
			snprintf(se->key, sizeof(se->key), "%s", p->def->key_names[key]);
		else
			key_name(p, key, se->key, sizeof(se->key));
		rc = fold(se, vals, vsize, p->ncpus, log2);
		if (rc)
			break;
	}
	free(vals);
	return rc;
}

static int take_snap(struct probe *p, struct snap *s)
{
	int fd = bpf_object__find_map_fd_by_name(p->obj, "np_counters");
	__u64 vals[1024];
	unsigned i;
	int rc;

	memset(s, 0, sizeof(*s));
	if (fd >= 0 && p->ncpus <= 1024) {
		for (i = 0; i < NP_CNT_MAX; i++) {
			int c;

			if (bpf_map_lookup_elem(fd, &i, vals))
				continue;
			for (c = 0; c < p->ncpus; c++)
				s->counters[i] += vals[c];
		}
	}
	for (i = 0; i < p->nlinks; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(p->progs[i]), &info, &len)) {
			s->run_cnt[i] = info.run_cnt;
			s->run_time[i] = info.run_time_ns;
		}
	}
	rc = read_map(p, "np_hists", 0, s);
	if (!rc)
		rc = read_map(p, "np_khists", 0, s);
	if (!rc)
		rc = read_map(p, "np_l2hists", 1, s);
	return rc;
}

static int snap_copy(struct snap *dst, const struct snap *src)
{
	size_t i;

	*dst = *src;
	dst->s = calloc(src->n ? src->n : 1, sizeof(*dst->s));
	if (!dst->s)
		return -ENOMEM;
	for (i = 0; i < src->n; i++) {
		dst->s[i] = src->s[i];
		if (!src->s[i].h)
			continue;
		dst->s[i].h = hist_new();
		if (!dst->s[i].h) {
			dst->n = i;
			snap_free(dst);
			return -ENOMEM;
		}
		*dst->s[i].h = *src->s[i].h;
	}
	return 0;
}

static const struct series *find_series(const struct snap *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->s[i].key, key))
			return &s->s[i];
	return NULL;
}

/* cur -= prev: what happened in between. min/max stay the interval's best guess (cur's). */
static void snap_sub(struct snap *cur, const struct snap *prev)
{
	size_t i, b;

	for (i = 0; i < NP_CNT_MAX; i++)
		cur->counters[i] -= prev->counters[i];
	for (i = 0; i < MAX_LINKS; i++) {
		cur->run_cnt[i] -= prev->run_cnt[i];
		cur->run_time[i] -= prev->run_time[i];
	}
	for (i = 0; i < cur->n; i++) {
		struct series *c = &cur->s[i];
		const struct series *o = find_series(prev, c->key);

		if (!o)
			continue;
		if (c->log2) {
			c->l2.count -= o->l2.count;
			c->l2.sum -= o->l2.sum;
			for (b = 0; b < NP_LOG2_SLOTS; b++)
				c->l2.slots[b] -= o->l2.slots[b];
		} else {
			c->h->count -= o->h->count;
			c->h->sum -= o->h->sum;
			for (b = 0; b < HIST_BUCKETS; b++)
				c->h->buckets[b] -= o->h->buckets[b];
			/* tighten min/max to the buckets still holding samples */
			for (b = 0; b < HIST_BUCKETS && !c->h->buckets[b]; b++)
				;
			if (b < HIST_BUCKETS && hist_bucket_lo((unsigned)b) > c->h->min)
				c->h->min = hist_bucket_lo((unsigned)b);
		}
	}
}

static uint64_t series_total(const struct series *se)
{
	return se->log2 ? se->l2.sum : se->h->sum;
}

static int by_total_desc(const void *a, const void *b)
{
	uint64_t x = series_total(a), y = series_total(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

static json_t *series_json(const struct series *se)
{
	json_t *o;
	int k;

	if (se->log2) {
		json_t *slots = json_array();

		for (k = 0; k < NP_LOG2_SLOTS; k++)
			if (se->l2.slots[k])
				json_array_append_new(slots, json_pack("[i, I]", k, (json_int_t)se->l2.slots[k]));
		return json_pack("{s:s, s:o, s:I, s:I, s:f}", "scheme", "log2", "slots", slots, "n",
				 (json_int_t)se->l2.count, "sum", (json_int_t)se->l2.sum, "mean",
				 se->l2.count ? (double)se->l2.sum / (double)se->l2.count : 0.0);
	}
	o = result_hist_to_json(se->h);
	if (!o)
		return NULL;
	json_object_set_new(o, "n", json_integer((json_int_t)se->h->count));
	json_object_set_new(o, "p50", json_integer((json_int_t)hist_quantile(se->h, 0.50)));
	json_object_set_new(o, "p90", json_integer((json_int_t)hist_quantile(se->h, 0.90)));
	json_object_set_new(o, "p99", json_integer((json_int_t)hist_quantile(se->h, 0.99)));
	return o;
}

static json_t *snap_json(const struct probe *p, struct snap *s)
{
	json_t *o, *progs, *hists;
	uint64_t cnt = 0, time = 0, samples = 0;
	unsigned i;

	progs = json_array();
	for (i = 0; i < p->nlinks; i++) {
		json_t *pj = json_pack("{s:s, s:s, s:I, s:I}", "name", bpf_program__name(p->progs[i]),
				       "section", bpf_program__section_name(p->progs[i]), "run_cnt",
				       (json_int_t)s->run_cnt[i], "run_time_ns", (json_int_t)s->run_time[i]);

		if (s->run_cnt[i])
			json_object_set_new(pj, "cost_ns_per_event",
					    json_real((double)s->run_time[i] / (double)s->run_cnt[i]));
		json_array_append_new(progs, pj);
		cnt += s->run_cnt[i];
		time += s->run_time[i];
	}
	/* many keys (syscalls): the costliest first, as a top list reads */
	if (p->def->key_kind == NP_KEY_SYSCALL && s->n)
		qsort(s->s, s->n, sizeof(*s->s), by_total_desc);
	hists = json_object();
	for (i = 0; i < s->n; i++) {
		samples += s->s[i].log2 ? s->s[i].l2.count : s->s[i].h->count;
		json_object_set_new(hists, s->s[i].key, series_json(&s->s[i]));
	}
	o = json_pack("{s:s, s:s, s:s?, s:I, s:I}", "name", p->def->name, "attach", rung_names[p->rung],
		      "filter", p->filter[0] ? p->filter : NULL, "events",
		      (json_int_t)(p->stats_fd >= 0 ? cnt : samples), "samples", (json_int_t)samples);
	if (!o)
		return NULL;
	if (p->stats_fd >= 0 && cnt)
		json_object_set_new(o, "cost_ns_per_event", json_real((double)time / (double)cnt));
	json_object_set_new(o, "programs", progs);
	json_object_set_new(o, "counters",
			    json_pack("{s:I, s:I, s:I}", "map_full", (json_int_t)s->counters[NP_CNT_MAP_FULL],
				      "lost", (json_int_t)s->counters[NP_CNT_LOST], "missed",
				      (json_int_t)s->counters[NP_CNT_MISSED]));
	json_object_set_new(o, "hists", hists);
	return o;
}

json_t *probe_collect(struct probe *p, int since_last)
{
	struct snap cur;
	json_t *o;
	int rc;

	/* drain without waiting on epoll: events sent without a wakeup are read too */
	if (p->rb)
		ring_buffer__consume(p->rb);
	rc = take_snap(p, &cur);
	if (rc) {
		snap_free(&cur);
		errno = -rc;
		return NULL;
	}
	if (since_last) {
		struct snap keep;

		/* the JSON shows the difference; prev keeps the cumulative values */
		rc = snap_copy(&keep, &cur);
		if (rc) {
			snap_free(&cur);
			errno = -rc;
			return NULL;
		}
		if (p->have_prev)
			snap_sub(&cur, &p->prev);
		snap_free(&p->prev);
		p->prev = keep;
		p->have_prev = 1;
	}
	o = snap_json(p, &cur);
	snap_free(&cur);
	if (o && p->rb) {
		json_object_set_new(o, "events_list", p->events);
		p->events = json_array();
	}
	return o;
}

/* --- ring buffer events --- */

static const char *const event_names[] = {
	[NP_EV_FORK] = "fork",
	[NP_EV_EXEC] = "exec",
	[NP_EV_EXIT] = "exit",
	[NP_EV_CGROUP_MKDIR] = "cgroup_mkdir",
	[NP_EV_CGROUP_ATTACH] = "cgroup_attach",
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct np_event *e = data;
	struct probe *p = ctx;
	char comm[sizeof(e->comm) + 1], path[sizeof(e->path) + 1];
	json_t *o;

	if (size < sizeof(*e))
		return 0;
	memcpy(comm, e->comm, sizeof(e->comm));
	comm[sizeof(e->comm)] = '\0';
	memcpy(path, e->path, sizeof(e->path));
	path[sizeof(e->path)] = '\0';
	o = json_pack("{s:I, s:s, s:i, s:i, s:i, s:s, s:I, s:I}", "ts_ns", (json_int_t)e->ts_ns, "type",
		      e->type < ARRAY_SIZE(event_names) && event_names[e->type] ? event_names[e->type] : "unknown",
		      "pid", (int)e->pid, "tgid", (int)e->tgid, "ppid", (int)e->ppid, "comm", comm, "flags",
		      (json_int_t)e->flags, "cgroup_id", (json_int_t)e->cgroup_id);
	if (o && path[0])
		json_object_set_new(o, "path", json_string(path));
	if (o)
		json_array_append_new(p->events, o);
	return 0;
}

int probe_poll(struct probe *p, int timeout_ms)
{
	int rc;

	if (!p->rb) {
		if (timeout_ms > 0)
			usleep((useconds_t)timeout_ms * 1000);
		return 0;
	}
	/* events come without a wakeup (np_event_submit): poll to wait, then drain */
	rc = ring_buffer__poll(p->rb, timeout_ms);
	if (rc >= 0 || rc == -EINTR)
		rc = ring_buffer__consume(p->rb);
	return rc < 0 && rc != -EINTR ? rc : 0;
}

/* --- text output, like the classic BCC/libbpf-tools histograms --- */

static void bar(FILE *out, uint64_t v, uint64_t max, int width)
{
	int n = max ? (int)((v * (uint64_t)width + max - 1) / max) : 0, i;

	fputc('|', out);
	for (i = 0; i < width; i++)
		fputc(i < n ? '*' : ' ', out);
	fputs("|\n", out);
}

static void print_pow2(FILE *out, const uint64_t *slots, int nslots, const char *unit)
{
	uint64_t max = 0;
	int k, lo = -1, hi = -1;

	for (k = 0; k < nslots; k++) {
		if (!slots[k])
			continue;
		if (lo < 0)
			lo = k;
		hi = k;
		if (slots[k] > max)
			max = slots[k];
	}
	if (lo < 0) {
		fputs("     (no samples)\n", out);
		return;
	}
	fprintf(out, "%22s : %-10s distribution\n", unit, "count");
	for (k = lo; k <= hi; k++) {
		uint64_t a = k ? 1ull << k : 0, b = (1ull << (k + 1)) - 1;

		fprintf(out, "%10llu -> %-9llu : %-10llu ", (unsigned long long)a, (unsigned long long)b,
			(unsigned long long)slots[k]);
		bar(out, slots[k], max, 40);
	}
}

/* Keys beyond this many print as a top table (syslat's syscalls). */
#define PRINT_TOP 15
#define PRINT_HISTS 5

void probe_print(const json_t *data, FILE *out)
{
	const json_t *hists = json_object_get(data, "hists"), *cnt = json_object_get(data, "counters");
	const char *key;
	json_t *h, *v;
	size_t i;

	fprintf(out, "%s (%s%s%s): %lld events", json_string_value(json_object_get(data, "name")),
		json_string_value(json_object_get(data, "attach")), json_is_string(json_object_get(data, "filter")) ? ", " : "",
		json_is_string(json_object_get(data, "filter")) ? json_string_value(json_object_get(data, "filter")) : "",
		(long long)json_integer_value(json_object_get(data, "events")));
	if (json_is_number(json_object_get(data, "cost_ns_per_event")))
		fprintf(out, ", %.0f ns/event", json_number_value(json_object_get(data, "cost_ns_per_event")));
	if (json_integer_value(json_object_get(cnt, "map_full")) || json_integer_value(json_object_get(cnt, "lost")))
		fprintf(out, ", LOST: %lld (map full) + %lld (ring buffer)",
			(long long)json_integer_value(json_object_get(cnt, "map_full")),
			(long long)json_integer_value(json_object_get(cnt, "lost")));
	fputc('\n', out);
	if (json_object_size(hists) > PRINT_TOP) {
		double total = 0;

		json_object_foreach((json_t *)hists, key, h)
			total += (double)json_integer_value(json_object_get(h, "sum"));
		fprintf(out, "\n%-20s %10s %12s %10s %7s\n", "KEY", "N", "TOTAL ms", "MEAN ns", "SHARE");
		i = 0;
		json_object_foreach((json_t *)hists, key, h) {
			double sum = (double)json_integer_value(json_object_get(h, "sum"));
			json_int_t n = json_integer_value(json_object_get(h, "n"));

			if (i++ == PRINT_TOP)
				break;
			fprintf(out, "%-20s %10lld %12.3f %10.0f %6.1f%%\n", key, (long long)n, sum / 1e6,
				n ? sum / (double)n : 0.0, total > 0 ? 100.0 * sum / total : 0.0);
		}
		fprintf(out, "(%zu keys in all; --json has every one; histograms of the top %d follow)\n",
			json_object_size(hists), PRINT_HISTS);
	}
	i = 0;
	json_object_foreach((json_t *)hists, key, h) {
		uint64_t slots[NP_LOG2_SLOTS] = { 0 };
		size_t j;

		if (json_object_size(hists) > PRINT_TOP && i++ == PRINT_HISTS)
			break;
		const char *scheme = json_string_value(json_object_get(h, "scheme"));
		int log2 = scheme && !strcmp(scheme, "log2");

		/* loglin buckets fold exactly into powers of two: 64 sub-buckets each */
		json_array_foreach(json_object_get(h, log2 ? "slots" : "buckets"), j, v) {
			uint64_t idx = (uint64_t)json_integer_value(json_array_get(v, 0));
			uint64_t n = (uint64_t)json_integer_value(json_array_get(v, 1));
			unsigned k = log2 ? (unsigned)idx : 63u - (unsigned)__builtin_clzll(hist_bucket_lo((unsigned)idx) | 1);

			if (k < NP_LOG2_SLOTS)
				slots[k] += n;
		}
		fprintf(out, "\n%s", key);
		if (!log2)
			fprintf(out, ": n %lld  p50 %lld  p90 %lld  p99 %lld  max %lld ns",
				(long long)json_integer_value(json_object_get(h, "n")),
				(long long)json_integer_value(json_object_get(h, "p50")),
				(long long)json_integer_value(json_object_get(h, "p90")),
				(long long)json_integer_value(json_object_get(h, "p99")),
				(long long)json_integer_value(json_object_get(h, "max")));
		else
			fprintf(out, ": n %lld  mean %.0f ns", (long long)json_integer_value(json_object_get(h, "n")),
				json_number_value(json_object_get(h, "mean")));
		fputc('\n', out);
		print_pow2(out, slots, NP_LOG2_SLOTS, "nsecs");
	}
	json_array_foreach(json_object_get(data, "events_list"), i, v) {
		fprintf(out, "%llu %-13s pid %-7lld tgid %-7lld ppid %-7lld flags 0x%-8llx cgroup %-6lld %-16s %s\n",
			(unsigned long long)json_integer_value(json_object_get(v, "ts_ns")),
			json_string_value(json_object_get(v, "type")),
			(long long)json_integer_value(json_object_get(v, "pid")),
			(long long)json_integer_value(json_object_get(v, "tgid")),
			(long long)json_integer_value(json_object_get(v, "ppid")),
			(unsigned long long)json_integer_value(json_object_get(v, "flags")),
			(long long)json_integer_value(json_object_get(v, "cgroup_id")),
			json_string_value(json_object_get(v, "comm")),
			json_is_string(json_object_get(v, "path")) ? json_string_value(json_object_get(v, "path")) : "");
	}
}
