/* gpu.c - GPU inventory, the gpu.* benches on the CUDA driver API, and the gpu command. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cli.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/topo.h"
#include "core/util.h"
#include "gpu/cuda.h"
#include "gpu/gpu.h"

/* The device the benches use: `nodeperf gpu --device N`; run uses device 0. */
static int gpu_device;
/* `--imds`: ask the Azure metadata endpoint for the VM size (never by default). */
static int gpu_imds;

#define COPY_BYTES ((size_t)512 << 20)	/* nvbandwidth's default buffer */
#define PINNED_LOOP 16			/* copies per timed batch, as nvbandwidth */
#define PAGEABLE_LOOP 4			/* pageable copies are slower: fewer keep a batch short */
#define LAUNCH_BATCH 1000
#define SPIN_TIMEOUT_NS 10000000000ull	/* the spin kernel gives up on its own after 10 s */

/* ---- Azure IMDS (only with --imds) ---- */

#define IMDS_ADDR "169.254.169.254"

/* The VM size from the instance metadata endpoint; 0 or -errno with why. */
static int imds_vm_size(char *out, size_t len, char *why, size_t wlen)
{
	static const char req[] = "GET /metadata/instance/compute/vmSize?api-version=2021-02-01&format=text "
				  "HTTP/1.0\r\nHost: " IMDS_ADDR "\r\nMetadata: true\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	char buf[2048], *body;
	size_t got = 0;
	struct pollfd pfd;
	socklen_t slen = sizeof(int);
	int fd, rc = -EIO, soerr = 0;
	ssize_t n;

	inet_pton(AF_INET, IMDS_ADDR, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) && errno != EINPROGRESS) {
		rc = -errno;
		goto out_close;
	}
	if (poll(&pfd, 1, 2000) != 1) {
		snprintf(why, wlen, "IMDS %s: no answer within 2 s (not on Azure?)", IMDS_ADDR);
		rc = -ETIMEDOUT;
		goto out_close;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) || soerr) {
		rc = soerr ? -soerr : -errno;
		snprintf(why, wlen, "IMDS %s: connect: %s (not on Azure?)", IMDS_ADDR, strerror(-rc));
		goto out_close;
	}
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1) {
		rc = -errno;
		goto out_close;
	}
	pfd.events = POLLIN;
	while (got < sizeof(buf) - 1 && poll(&pfd, 1, 2000) == 1) {
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.", 7) != 0 || !strstr(buf, " 200 ") || !body || !body[4]) {
		snprintf(why, wlen, "IMDS %s: unexpected answer: %.60s", IMDS_ADDR, buf);
		goto out_close;
	}
	str_copy(out, str_trim(body + 4), len);
	rc = 0;
out_close:
	close(fd);
	if (rc && !*why)
		snprintf(why, wlen, "IMDS %s: %s", IMDS_ADDR, strerror(-rc));
	return rc;
}

#ifdef NP_HAVE_CUDA

/*
 * np_spin holds a stream until the host writes a non-zero word (or 10 s
 * pass), so that the copies queued behind it start back to back and their
 * enqueue cost stays out of the timing; np_empty is the launch bench's
 * kernel. PTX for sm_50 is JIT-compiled by the driver for any newer GPU.
 */
static const char gpu_ptx[] =
	".version 6.0\n"
	".target sm_50\n"
	".address_size 64\n"
	"\n"
	".visible .entry np_spin(\n"
	"	.param .u64 np_spin_flag,\n"
	"	.param .u64 np_spin_timeout\n"
	")\n"
	"{\n"
	"	.reg .pred %p<3>;\n"
	"	.reg .b32 %r<2>;\n"
	"	.reg .b64 %rd<6>;\n"
	"\n"
	"	ld.param.u64 %rd1, [np_spin_flag];\n"
	"	ld.param.u64 %rd2, [np_spin_timeout];\n"
	"	mov.u64 %rd3, %globaltimer;\n"
	"$L_loop:\n"
	"	ld.volatile.u32 %r1, [%rd1];\n"
	"	setp.ne.u32 %p1, %r1, 0;\n"
	"	@%p1 bra $L_done;\n"
	"	mov.u64 %rd4, %globaltimer;\n"
	"	sub.u64 %rd5, %rd4, %rd3;\n"
	"	setp.lt.u64 %p2, %rd5, %rd2;\n"
	"	@%p2 bra $L_loop;\n"
	"$L_done:\n"
	"	ret;\n"
	"}\n"
	"\n"
	".visible .entry np_empty()\n"
	"{\n"
	"	ret;\n"
	"}\n";

/* ---- inventory ---- */

static int attr(CUdevice dev, CUdevice_attribute a)
{
	int v = -1;

	return gpu_cu.device_get_attribute(&v, a, dev) ? -1 : v;
}

static json_t *int_or_null(int v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

/* The driver spells bus ids "0000:1B:00.0"; hwloc and sysfs "0000:1b:00.0". */
static void busid_norm(const char *in, char *out, size_t len)
{
	unsigned dom, bus, dev, fn;

	if (sscanf(in, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) == 4)
		snprintf(out, len, "%04x:%02x:%02x.%x", dom & 0xffff, bus, dev, fn);
	else
		str_copy(out, in, len);
}

static const char *cu_err(CUresult r)
{
	static char buf[256];

	return gpu_cuda_strerror((int)r, buf, sizeof(buf));
}

/* One device as node.gpus[].cuda; NULL with why on a driver error. */
static json_t *device_json(const struct topo *topo, int ordinal, char *why, size_t len)
{
	char name[256] = "", rawbus[32] = "", bus[32], uuid[48], cpus[256] = "";
	const char *mig;
	CUdevice dev;
	CUuuid u;
	CUresult r;
	size_t mem = 0;
	int numa = -1, ecc, ccmaj, ccmin;
	json_t *o;

	if ((r = gpu_cu.device_get(&dev, ordinal)) || (r = gpu_cu.device_get_name(name, sizeof(name), dev)) ||
	    (r = gpu_cu.device_total_mem(&mem, dev))) {
		snprintf(why, len, "device %d: %s", ordinal, cu_err(r));
		return NULL;
	}
	if (gpu_cu.device_get_pci_bus_id(rawbus, sizeof(rawbus), dev))
		rawbus[0] = '\0';
	busid_norm(rawbus, bus, sizeof(bus));
	if (gpu_cu.device_get_uuid(&u, dev))
		uuid[0] = '\0';
	else
		snprintf(uuid, sizeof(uuid),
			 "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 (unsigned char)u.bytes[0], (unsigned char)u.bytes[1], (unsigned char)u.bytes[2],
			 (unsigned char)u.bytes[3], (unsigned char)u.bytes[4], (unsigned char)u.bytes[5],
			 (unsigned char)u.bytes[6], (unsigned char)u.bytes[7], (unsigned char)u.bytes[8],
			 (unsigned char)u.bytes[9], (unsigned char)u.bytes[10], (unsigned char)u.bytes[11],
			 (unsigned char)u.bytes[12], (unsigned char)u.bytes[13], (unsigned char)u.bytes[14],
			 (unsigned char)u.bytes[15]);
	if (topo && bus[0] && topo_pci_locality(topo, bus, &numa, cpus, sizeof(cpus)))
		numa = -1;
	ecc = attr(dev, CU_DEVICE_ATTRIBUTE_ECC_ENABLED);
	ccmaj = attr(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
	ccmin = attr(dev, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
	/* A MIG instance is named "<GPU> MIG <profile>"; the driver API says no more. */
	mig = strstr(name, " MIG ");
	o = json_pack("{s:i, s:s, s:s?, s:s?, s:I, s:o, s:o, s:o, s:o, s:s?, s:o, s:s?, s:s, s:o, s:s?}",
		      "index", ordinal, "name", name, "uuid", uuid[0] ? uuid : NULL, "busid",
		      bus[0] ? bus : NULL, "memory_bytes", (json_int_t)mem, "sm_count",
		      int_or_null(attr(dev, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)), "clock_khz",
		      int_or_null(attr(dev, CU_DEVICE_ATTRIBUTE_CLOCK_RATE)), "memory_clock_khz",
		      int_or_null(attr(dev, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE)), "memory_bus_bits",
		      int_or_null(attr(dev, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH)), "compute_capability",
		      NULL, "ecc", ecc >= 0 ? json_boolean(ecc) : json_null(), "mig_profile", mig ? mig + 5 : NULL,
		      "driver_version", gpu_cuda_driver_version(), "numa", int_or_null(numa), "local_cpus",
		      cpus[0] ? cpus : NULL);
	if (o && ccmaj >= 0 && ccmin >= 0) {
		char cc[16];

		snprintf(cc, sizeof(cc), "%d.%d", ccmaj, ccmin);
		json_object_set_new(o, "compute_capability", json_string(cc));
	}
	return o;
}

/* node.gpus[].cuda of every visible device; NULL with why. */
static json_t *devices_json(const struct topo *topo, char *why, size_t len)
{
	json_t *arr;
	int i, n;

	if (gpu_cuda_open(why, len))
		return NULL;
	n = gpu_cuda_device_count();
	arr = json_array();
	for (i = 0; arr && i < n; i++) {
		json_t *d = device_json(topo, i, why, len);

		if (!d || json_array_append_new(arr, d)) {
			json_decref(arr);
			return NULL;
		}
	}
	if (!arr)
		snprintf(why, len, "out of memory");
	return arr;
}

#else

static json_t *devices_json(const struct topo *topo, char *why, size_t len)
{
	(void)topo;
	gpu_cuda_open(why, len);
	return NULL;
}

#endif

/* node.gpu: CUDA usable or why not, the driver, and the SKU match. */
static json_t *gpu_info(const json_t *devs, const char *why, const char *vm_size, const char *imds_why)
{
	char err[256];
	json_t *skus = NULL, *info, *sku;

	if (!devs)
		info = json_pack("{s:b, s:s, s:s}", "cuda", 0, "why", why, "library", gpu_cuda_lib());
	else if (gpu_skus_load(&skus, err, sizeof(err)))
		info = json_pack("{s:b, s:s, s:s, s:{s:n, s:s}}", "cuda", 1, "driver_version",
				 gpu_cuda_driver_version(), "library", gpu_cuda_lib(), "sku", "series", "why", err);
	else if (!(sku = gpu_sku_match(skus, devs, vm_size)))
		info = NULL;
	else
		info = json_pack("{s:b, s:s, s:s, s:I, s:o}", "cuda", 1, "driver_version", gpu_cuda_driver_version(),
				 "library", gpu_cuda_lib(), "devices", (json_int_t)json_array_size(devs), "sku", sku);
	json_decref(skus);
	if (info && imds_why)
		json_object_set_new(info, "imds_error", json_string(imds_why));
	return info;
}

static int imds_lookup(char *vm, size_t len, char *why, size_t wlen)
{
	why[0] = '\0';
	if (!gpu_imds)
		return -ENOENT;
	return imds_vm_size(vm, len, why, wlen);
}

int gpu_snapshot_add(json_t *node, const struct topo *topo)
{
	char why[512] = "", vm[128], iwhy[256];
	json_t *gpus = json_object_get(node, "gpus"), *devs = devices_json(topo, why, sizeof(why)), *d, *g;
	int have_vm = !imds_lookup(vm, sizeof(vm), iwhy, sizeof(iwhy));
	json_t *info = gpu_info(devs, why, have_vm ? vm : NULL, !have_vm && iwhy[0] ? iwhy : NULL);
	size_t i, j;
	int rc = -ENOMEM;

	if (!info)
		goto out;
	if (!json_is_array(gpus)) {
		gpus = json_array();
		if (!gpus || json_object_set_new(node, "gpus", gpus))
			goto out;
	}
	json_array_foreach(devs, i, d) {
		const char *bus = json_string_value(json_object_get(d, "busid"));
		json_t *hit = NULL;

		json_array_foreach(gpus, j, g)
			if (!hit && bus && !strcmp(bus, json_string_value(json_object_get(g, "busid")) ?: ""))
				hit = g;
		if (hit) {
			json_object_set(hit, "cuda", d);
			continue;
		}
		/* hwloc did not list it (a filtered topology, or a fake driver in the tests) */
		if (json_array_append_new(gpus, json_pack("{s:O, s:O, s:O, s:O}", "busid", json_object_get(d, "busid"),
							  "name", json_object_get(d, "name"), "numa",
							  json_object_get(d, "numa"), "cuda", d)))
			goto out;
	}
	rc = json_object_set(node, "gpu", info);
out:
	json_decref(info);
	json_decref(devs);
	return rc;
}

#ifdef NP_HAVE_CUDA

/* ---- the bench session: one context, stream, events and module for the run ---- */

static struct {
	int done, rc;
	char why[512];
	CUdevice dev;
	CUcontext ctx;
	CUstream stream;
	CUevent ev[2];
	CUmodule mod;
	CUfunction spin, empty;
	_Atomic uint32_t *flag;	/* pinned, mapped: the spin kernel reads it */
	CUdeviceptr flag_d;
	json_t *sku;		/* SKU match of this node, for the verdicts */
	char name[256], busid[32];
	int numa;		/* the GPU's NUMA node, -1 unknown */
	char err[512];		/* the CUDA error that stopped the last bench */
} S;

static int setup_fail(const char *what, CUresult r)
{
	snprintf(S.why, sizeof(S.why), "CUDA setup failed: %s: %s", what, cu_err(r));
	return -EIO;
}

#define SETUP(what, call)                                                                          \
	do {                                                                                       \
		CUresult r_ = (call);                                                              \
		if (r_)                                                                            \
			return setup_fail(what, r_);                                               \
	} while (0)

static int session_setup(const struct topo *topo)
{
	json_t *devs, *me, *skus = NULL;
	char err[256];
	int n;

	if (gpu_cuda_open(S.why, sizeof(S.why)))
		return -ENODEV;
	n = gpu_cuda_device_count();
	if (gpu_device >= n) {
		snprintf(S.why, sizeof(S.why), "device %d asked for, but %d CUDA device%s visible", gpu_device, n,
			 n == 1 ? " is" : "s are");
		return -ENODEV;
	}
	devs = devices_json(topo, S.why, sizeof(S.why));
	if (!devs)
		return -EIO;
	me = json_array_get(devs, (size_t)gpu_device);
	str_copy(S.name, json_string_value(json_object_get(me, "name")), sizeof(S.name));
	str_copy(S.busid, json_string_value(json_object_get(me, "busid")) ?: "", sizeof(S.busid));
	S.numa = json_is_integer(json_object_get(me, "numa")) ? (int)json_integer_value(json_object_get(me, "numa"))
							      : -1;
	if (!gpu_skus_load(&skus, err, sizeof(err)))
		S.sku = gpu_sku_match(skus, devs, NULL);
	json_decref(skus);
	json_decref(devs);

	SETUP("cuDeviceGet", gpu_cu.device_get(&S.dev, gpu_device));
	SETUP("cuDevicePrimaryCtxRetain", gpu_cu.primary_ctx_retain(&S.ctx, S.dev));
	SETUP("cuCtxSetCurrent", gpu_cu.ctx_set_current(S.ctx));
	SETUP("cuStreamCreate", gpu_cu.stream_create(&S.stream, CU_STREAM_NON_BLOCKING));
	SETUP("cuEventCreate", gpu_cu.event_create(&S.ev[0], CU_EVENT_DEFAULT));
	SETUP("cuEventCreate", gpu_cu.event_create(&S.ev[1], CU_EVENT_DEFAULT));
	SETUP("cuModuleLoadData", gpu_cu.module_load_data(&S.mod, gpu_ptx));
	SETUP("cuModuleGetFunction", gpu_cu.module_get_function(&S.spin, S.mod, "np_spin"));
	SETUP("cuModuleGetFunction", gpu_cu.module_get_function(&S.empty, S.mod, "np_empty"));
	SETUP("cuMemHostAlloc", gpu_cu.mem_host_alloc((void **)&S.flag, 4096, CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_PORTABLE));
	SETUP("cuMemHostGetDevicePointer", gpu_cu.mem_host_get_device_pointer(&S.flag_d, (void *)S.flag, 0));
	/*
	 * The context, its memory and module live until the process exits,
	 * which is when the driver frees them: nothing to register for cleanup.
	 */
	return 0;
}

static int session(const struct topo *topo, char *why, size_t len)
{
	if (!S.done) {
		S.rc = session_setup(topo);
		S.done = 1;
	}
	if (S.rc)
		str_copy(why, S.why, len);
	else
		gpu_cu.ctx_set_current(S.ctx);
	return S.rc;
}

/* A CUDA call inside a bench: log it once here, where we know what was running. */
static int bench_fail(const char *bench, const char *what, CUresult r)
{
	snprintf(S.err, sizeof(S.err), "%s: %s", what, cu_err(r));
	log_err("%s: %s", bench, S.err);
	return r == CUDA_ERROR_OUT_OF_MEMORY ? -ENOMEM : -EIO;
}

/* ---- the benches ---- */

enum gpu_kind { K_INIT, K_ALLOC, K_COPY, K_LAUNCH, K_LAUNCH_RATE };
enum copy_dir { H2D, D2H, D2D, P2P };
enum numa_place { NUMA_NONE, NUMA_LOCAL, NUMA_REMOTE };

struct gpu_cfg {
	enum gpu_kind kind;
	enum copy_dir dir;
	int pinned;
	enum numa_place numa;
	size_t bytes;		/* alloc size */
};

/* A peer device the bench device can access, or -1. */
static int p2p_peer(void)
{
	int n = gpu_cuda_device_count(), i, can;
	CUdevice a, b;

	if (gpu_cu.device_get(&a, gpu_device))
		return -1;
	for (i = 0; i < n; i++)
		if (i != gpu_device && !gpu_cu.device_get(&b, i) && !gpu_cu.device_can_access_peer(&can, a, b) && can)
			return i;
	return -1;
}

/* The NUMA node for the host side of a numa_* bench, -1 with why. */
static int numa_node(const struct bench_ctx *ctx, enum numa_place place, char *why, size_t len)
{
	unsigned i;
	int n;

	if (!ctx->topo) {
		snprintf(why, len, "no hwloc topology");
		return -1;
	}
	if (topo_nnuma(ctx->topo) < 2) {
		snprintf(why, len, "one NUMA node: local and remote memory are the same");
		return -1;
	}
	if (S.numa < 0) {
		snprintf(why, len, "hwloc does not place GPU %s on one NUMA node", S.busid);
		return -1;
	}
	if (place == NUMA_LOCAL)
		return S.numa;
	for (i = 0; (n = topo_numa_os_index(ctx->topo, i)) >= 0; i++)
		if (n != S.numa)
			return n;
	snprintf(why, len, "no NUMA node other than the GPU's");
	return -1;
}

static int gpu_available(struct bench_ctx *ctx, char *why, size_t len)
{
	const struct gpu_cfg *cfg = ctx->cfg;

	if (session(ctx->topo, why, len))
		return 0;
	if (cfg->kind == K_COPY && cfg->dir == P2P && p2p_peer() < 0) {
		snprintf(why, len, "needs two GPUs that can access each other (%d visible)", gpu_cuda_device_count());
		return 0;
	}
	if (cfg->kind == K_COPY && cfg->numa != NUMA_NONE && numa_node(ctx, cfg->numa, why, len) < 0)
		return 0;
	return 1;
}

static json_t *base_params(void)
{
	return json_pack("{s:i, s:s, s:s, s:s}", "device", gpu_device, "name", S.name, "busid", S.busid,
			 "driver_version", gpu_cuda_driver_version());
}

/* gpu.init: a fresh nodeperf process times dlopen + cuInit + primary context creation. */
static int init_rep(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h)
{
	uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
	char dev[16], out[256];
	char *argv[] = { "/proc/self/exe", "gpu", "--init-child", "--device", dev, NULL };
	unsigned long long a, b, c;
	int rc;

	(void)ctx;
	(void)arg;
	snprintf(dev, sizeof(dev), "%d", gpu_device);
	do {
		rc = spawn_capture(argv, out, sizeof(out));
		if (rc || sscanf(out, "%llu %llu %llu", &a, &b, &c) != 3) {
			log_err("gpu.init: the child process failed (exit %d): %.200s", rc, out);
			return rc < 0 ? rc : -EIO;
		}
		hist_record(h, a + b + c);
	} while (now_ns() < deadline && !sandbox_stop);
	return 0;
}

static int alloc_rep(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h)
{
	const struct gpu_cfg *cfg = arg;
	uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9), t0;
	CUdeviceptr p;
	CUresult r;

	(void)ctx;
	do {
		t0 = now_ns();
		r = gpu_cu.mem_alloc(&p, cfg->bytes);
		if (r)
			return bench_fail(cfg->bytes >= (1u << 30) ? "gpu.alloc.1g" : "gpu.alloc.1m", "cuMemAlloc", r);
		r = gpu_cu.mem_free(p);
		hist_record(h, now_ns() - t0);
		if (r)
			return bench_fail("gpu.alloc", "cuMemFree", r);
	} while (now_ns() < deadline && !sandbox_stop);
	return 0;
}

static int launch_rep(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h)
{
	uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9), t0;
	CUresult r;

	(void)ctx;
	(void)arg;
	do {
		t0 = now_ns();
		r = gpu_cu.launch_kernel(S.empty, 1, 1, 1, 1, 1, 1, 0, S.stream, NULL, NULL);
		if (!r)
			r = gpu_cu.stream_synchronize(S.stream);
		hist_record(h, now_ns() - t0);
		if (r)
			return bench_fail("gpu.launch", "launch + cuStreamSynchronize", r);
	} while (now_ns() < deadline && !sandbox_stop);
	return 0;
}

static int launch_rate_rep(struct bench_ctx *ctx, void *arg, double seconds, double *rate, struct hist *h)
{
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(seconds * 1e9), n = 0;
	CUresult r = CUDA_SUCCESS;
	unsigned i;

	(void)ctx;
	(void)arg;
	(void)h;
	do {
		for (i = 0; i < LAUNCH_BATCH && !r; i++)
			r = gpu_cu.launch_kernel(S.empty, 1, 1, 1, 1, 1, 1, 0, S.stream, NULL, NULL);
		if (!r)
			r = gpu_cu.stream_synchronize(S.stream);
		if (r)
			return bench_fail("gpu.launch.rate", "cuLaunchKernel", r);
		n += LAUNCH_BATCH;
	} while (now_ns() < deadline && !sandbox_stop);
	*rate = (double)n * 1e9 / (double)(now_ns() - t0);
	return 0;
}

struct copy {
	const char *name;
	CUdeviceptr dst, src;
	size_t bytes;
	unsigned loop;
	int spin;
};

/* One timed batch: [spin] ev0, loop copies, ev1; returns the ms between the events. */
static int copy_batch(struct copy *c, float *ms)
{
	uint64_t timeout = SPIN_TIMEOUT_NS;
	void *params[] = { &S.flag_d, &timeout };
	CUresult r = CUDA_SUCCESS;
	const char *what = "cuEventRecord";
	unsigned i;

	if (c->spin) {
		atomic_store_explicit(S.flag, 0, memory_order_relaxed);
		r = gpu_cu.launch_kernel(S.spin, 1, 1, 1, 1, 1, 1, 0, S.stream, params, NULL);
		what = "cuLaunchKernel(np_spin)";
	}
	if (!r)
		r = gpu_cu.event_record(S.ev[0], S.stream);
	for (i = 0; i < c->loop && !r; i++) {
		r = gpu_cu.memcpy_async(c->dst, c->src, c->bytes, S.stream);
		what = "cuMemcpyAsync";
	}
	if (!r) {
		r = gpu_cu.event_record(S.ev[1], S.stream);
		what = "cuEventRecord";
	}
	/* Always let the spin kernel go, or the stream stays held. */
	if (c->spin)
		atomic_store_explicit(S.flag, 1, memory_order_release);
	if (!r) {
		r = gpu_cu.event_synchronize(S.ev[1]);
		what = "cuEventSynchronize";
	}
	if (!r) {
		r = gpu_cu.event_elapsed_time(ms, S.ev[0], S.ev[1]);
		what = "cuEventElapsedTime";
	}
	if (r) {
		gpu_cu.stream_synchronize(S.stream);
		return bench_fail(c->name, what, r);
	}
	return 0;
}

static int copy_rep(struct bench_ctx *ctx, void *arg, double seconds, double *rate, struct hist *h)
{
	struct copy *c = arg;
	uint64_t deadline = now_ns() + (uint64_t)(seconds * 1e9);
	double bytes = 0, ms_total = 0;
	float ms;
	int rc;

	(void)ctx;
	do {
		rc = copy_batch(c, &ms);
		if (rc)
			return rc;
		bytes += (double)c->bytes * c->loop;
		ms_total += ms;
		/* one sample per copy: the batch's mean */
		hist_record(h, (uint64_t)(ms * 1e6 / c->loop));
	} while (now_ns() < deadline && !sandbox_stop);
	*rate = ms_total > 0 ? bytes / (ms_total / 1e3) : 0;
	return 0;
}

/*
 * The health verdict of a copy metric against the SKU's floor: into its
 * params, and a metric NAME.floor_ratio (measured / floor per repetition)
 * that a thresholds line `gpu.*.floor_ratio mean off min 1` gates.
 */
static int add_verdict(struct result *res, const char *name, const char *floor_key)
{
	const json_t *fv = json_object_get(S.sku, floor_key);
	struct metric *m = NULL, *rm;
	const struct rep_series *reps;
	const char *series = json_string_value(json_object_get(S.sku, "series")), *v;
	char ratio_name[128];
	double floor, med, *ratios;
	json_t *params;
	size_t i, nr;

	for (i = res->nmetrics; i-- > 0;)
		if (!strcmp(res->metrics[i].name, name)) {
			m = &res->metrics[i];
			break;
		}
	if (!m || !m->params)
		return 0;
	if (!json_is_number(fv)) {
		json_object_set_new(m->params, "health",
				    json_pack("{s:n, s:s}", "verdict", "why",
					      series ? "the SKU table has no published floor for this series"
						     : "no Azure GPU series matched"));
		return 0;
	}
	floor = json_number_value(fv);
	med = m->p50;
	v = gpu_verdict(med, floor);
	json_object_set_new(m->params, "health",
			    json_pack("{s:s, s:f, s:f, s:f, s:s, s:s}", "verdict", v, "measured_Bps", med, "floor_Bps",
				      floor, "ratio", med / floor, "series", series,
				      "rule", "median below the floor fails, within 5% above it warns"));
	(strcmp(v, "pass") ? log_warn : log_info)("%s: %.1f GB/s against the %s floor of %.0f GB/s: %s", name,
						  med / 1e9, series, floor / 1e9, v);
	reps = metric_reps(m, "mean");
	if (!reps || !reps->n)
		return 0;
	nr = reps->n;
	ratios = calloc(nr, sizeof(double));
	if (!ratios)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		ratios[i] = reps->v[i] / floor;
	params = json_pack("{s:s, s:f, s:s, s:s}", "of", name, "floor_Bps", floor, "series", series, "verdict", v);
	snprintf(ratio_name, sizeof(ratio_name), "%s.floor_ratio", name);
	rm = result_add_metric(res, ratio_name, "ratio", BETTER_HIGHER);	/* m and reps are stale from here */
	if (!rm) {
		free(ratios);
		json_decref(params);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++)
		metric_add_rep(rm, "mean", ratios[i]);
	metric_set_values(rm, ratios, nr);
	rm->params = params;
	free(ratios);
	return 0;
}

struct copy_bufs {
	CUdeviceptr dev[2];
	CUcontext peer_ctx;
	int peer;
	void *host;
	int host_kind;		/* 0 none, 1 cuMemHostAlloc, 2 mmap, 3 mmap + cuMemHostRegister */
};

static void copy_free(struct copy_bufs *b)
{
	if (b->dev[0])
		gpu_cu.mem_free(b->dev[0]);
	if (b->dev[1]) {
		if (b->peer_ctx)
			gpu_cu.ctx_set_current(b->peer_ctx);
		gpu_cu.mem_free(b->dev[1]);
		gpu_cu.ctx_set_current(S.ctx);
	}
	if (b->peer_ctx) {
		CUdevice pd;

		if (!gpu_cu.device_get(&pd, b->peer))
			gpu_cu.primary_ctx_release(pd);
	}
	if (b->host_kind == 1)
		gpu_cu.mem_free_host(b->host);
	if (b->host_kind == 3)
		gpu_cu.mem_host_unregister(b->host);
	if (b->host_kind >= 2)
		munmap(b->host, COPY_BYTES);
}

static int copy_setup(const struct gpu_cfg *cfg, const char *name, int numa, struct copy_bufs *b, struct copy *c)
{
	CUresult r;

	c->name = name;
	c->bytes = COPY_BYTES;
	c->spin = cfg->pinned;
	c->loop = cfg->pinned ? PINNED_LOOP : PAGEABLE_LOOP;
	if ((r = gpu_cu.mem_alloc(&b->dev[0], COPY_BYTES)))
		return bench_fail(name, "cuMemAlloc", r);
	if (cfg->dir == D2D && (r = gpu_cu.mem_alloc(&b->dev[1], COPY_BYTES)))
		return bench_fail(name, "cuMemAlloc", r);
	if (cfg->dir == P2P) {
		CUdevice pd;

		b->peer = p2p_peer();
		if ((r = gpu_cu.device_get(&pd, b->peer)) || (r = gpu_cu.primary_ctx_retain(&b->peer_ctx, pd)))
			return bench_fail(name, "peer context", r);
		if ((r = gpu_cu.ctx_set_current(b->peer_ctx)) || (r = gpu_cu.mem_alloc(&b->dev[1], COPY_BYTES)))
			return bench_fail(name, "cuMemAlloc on the peer", r);
		r = gpu_cu.ctx_enable_peer_access(S.ctx, 0);
		gpu_cu.ctx_set_current(S.ctx);
		if (r && r != CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED)
			return bench_fail(name, "cuCtxEnablePeerAccess", r);
		r = gpu_cu.ctx_enable_peer_access(b->peer_ctx, 0);
		if (r && r != CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED)
			return bench_fail(name, "cuCtxEnablePeerAccess", r);
	}
	if (cfg->dir == D2D || cfg->dir == P2P) {
		c->src = b->dev[0];
		c->dst = b->dev[1];
		c->spin = 1;
		c->loop = PINNED_LOOP;
		return 0;
	}
	if (cfg->pinned && numa < 0) {
		b->host_kind = 1;
		if ((r = gpu_cu.mem_host_alloc(&b->host, COPY_BYTES, CU_MEMHOSTALLOC_PORTABLE))) {
			b->host_kind = 0;
			return bench_fail(name, "cuMemHostAlloc", r);
		}
	} else {
		/*
		 * Ordinary anonymous memory, as a container's malloc gives for
		 * large buffers; populated up front (under the thread's NUMA
		 * policy) so the copies neither fault nor read the zero page.
		 */
		b->host = mmap(NULL, COPY_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
			       -1, 0);
		if (b->host == MAP_FAILED) {
			b->host = NULL;
			return -errno;
		}
		b->host_kind = 2;
		if (cfg->pinned) {
			if ((r = gpu_cu.mem_host_register(b->host, COPY_BYTES, CU_MEMHOSTREGISTER_PORTABLE)))
				return bench_fail(name, "cuMemHostRegister", r);
			b->host_kind = 3;
		}
	}
	c->src = cfg->dir == H2D ? (CUdeviceptr)(uintptr_t)b->host : b->dev[0];
	c->dst = cfg->dir == H2D ? b->dev[0] : (CUdeviceptr)(uintptr_t)b->host;
	return 0;
}

static int copy_run(const struct gpu_cfg *cfg, const char *name, struct bench_ctx *ctx, struct result *res)
{
	struct copy_bufs b = { 0 };
	struct copy c = { 0 };
	char why[256];
	json_t *params = base_params();
	int numa = -1, rc;

	if (cfg->numa != NUMA_NONE) {
		numa = numa_node(ctx, cfg->numa, why, sizeof(why));
		if (numa < 0 || (rc = topo_bind_numa(ctx->topo, numa))) {
			json_decref(params);
			log_err("%s: cannot bind to NUMA node %d: %s", name, numa, numa < 0 ? why : strerror(-rc));
			return numa < 0 ? -ENOENT : rc;
		}
	}
	rc = copy_setup(cfg, name, numa, &b, &c);
	if (!rc) {
		json_object_set_new(params, "bytes", json_integer((json_int_t)c.bytes));
		json_object_set_new(params, "copies_per_batch", json_integer(c.loop));
		json_object_set_new(params, "spin_held", json_boolean(c.spin));
		if (cfg->dir == H2D || cfg->dir == D2H)
			json_object_set_new(params, "host", json_string(cfg->pinned ? "pinned" : "pageable"));
		if (numa >= 0) {
			json_object_set_new(params, "host_numa", json_integer(numa));
			json_object_set_new(params, "gpu_numa", json_integer(S.numa));
		}
		if (cfg->dir == P2P)
			json_object_set_new(params, "peer", json_integer(b.peer));
		rc = bench_rate(ctx, res, name, "B/s", copy_rep, &c, params, NULL);
		params = NULL;
	}
	json_decref(params);
	copy_free(&b);
	if (numa >= 0)
		topo_bind_numa(ctx->topo, -1);
	if (rc || numa >= 0)
		return rc;
	if (cfg->dir == P2P)
		return add_verdict(res, name, "p2p_floor_Bps");
	if (cfg->pinned)
		return add_verdict(res, name, cfg->dir == H2D ? "h2d_floor_Bps" : "d2h_floor_Bps");
	return 0;
}

static int gpu_run(struct bench_ctx *ctx, struct result *res)
{
	const struct gpu_cfg *cfg = ctx->cfg;
	const char *name = ctx->bench_name;
	char why[512];
	json_t *params;

	int rc = -EINVAL;

	if (session(ctx->topo, why, sizeof(why))) {
		log_err("%s: %s", name, why);
		return -ENODEV;
	}
	S.err[0] = '\0';
	switch (cfg->kind) {
	case K_INIT:
		params = base_params();
		json_object_set_new(params, "phases", json_string("dlopen + cuInit + cuDevicePrimaryCtxRetain, fresh process"));
		rc = bench_latency(ctx, res, name, init_rep, NULL, params);
		break;
	case K_ALLOC:
		params = base_params();
		json_object_set_new(params, "bytes", json_integer((json_int_t)cfg->bytes));
		rc = bench_latency(ctx, res, name, alloc_rep, (void *)cfg, params);
		break;
	case K_LAUNCH:
		rc = bench_latency(ctx, res, name, launch_rep, NULL, base_params());
		break;
	case K_LAUNCH_RATE:
		params = base_params();
		json_object_set_new(params, "batch", json_integer(LAUNCH_BATCH));
		rc = bench_rate(ctx, res, name, "ops/s", launch_rate_rep, NULL, params, NULL);
		break;
	case K_COPY:
		rc = copy_run(cfg, name, ctx, res);
		break;
	}
	/* the driver's own words next to the runner's "failed: ..." */
	if (rc && rc != -EINTR && S.err[0])
		result_add_skip(res, name, S.err);
	return rc;
}

/* `nodeperf gpu --init-child`: what gpu.init measures, in this fresh process. */
static int init_child(void)
{
	uint64_t dl, in, t0;
	char why[512];
	CUcontext ctx;
	CUdevice dev;
	CUresult r;

	if (gpu_cuda_open(why, sizeof(why))) {
		fprintf(stderr, "%s\n", why);
		return EXIT_RUNTIME;
	}
	gpu_cuda_open_times(&dl, &in);
	t0 = now_ns();
	r = gpu_cu.device_get(&dev, gpu_device);
	if (!r)
		r = gpu_cu.primary_ctx_retain(&ctx, dev);
	if (r) {
		fprintf(stderr, "cuDevicePrimaryCtxRetain: %s\n", cu_err(r));
		return EXIT_RUNTIME;
	}
	printf("%llu %llu %llu\n", (unsigned long long)dl, (unsigned long long)in,
	       (unsigned long long)(now_ns() - t0));
	return 0;
}

#else /* !NP_HAVE_CUDA */

struct gpu_cfg {
	int kind, dir, pinned, numa;
	size_t bytes;
};

static int gpu_available(struct bench_ctx *ctx, char *why, size_t len)
{
	(void)ctx;
	gpu_cuda_open(why, len);
	return 0;
}

static int gpu_run(struct bench_ctx *ctx, struct result *res)
{
	(void)ctx;
	(void)res;
	return -ENOTSUP;
}

static int init_child(void)
{
	char why[256];

	gpu_cuda_open(why, sizeof(why));
	fprintf(stderr, "%s\n", why);
	return EXIT_RUNTIME;
}

enum { K_INIT, K_ALLOC, K_COPY, K_LAUNCH, K_LAUNCH_RATE };
enum { H2D, D2H, D2D, P2P };
enum { NUMA_NONE, NUMA_LOCAL, NUMA_REMOTE };

#endif

/* One bench table entry per metric name, so that --only selects them one by one. */
#define GPU_BENCH(var, nm, summary, ...)                         \
	static const struct gpu_cfg var##_cfg = { __VA_ARGS__ }; \
	BENCH_DEF(var, nm, summary, SUITE_STANDARD | SUITE_FULL, NULL, gpu_available, gpu_run, &var##_cfg)

GPU_BENCH(bench_gpu_init, "gpu.init", "cuInit + primary context in a fresh process (cold start)", .kind = K_INIT);
GPU_BENCH(bench_gpu_alloc_1m, "gpu.alloc.1m", "cuMemAlloc + cuMemFree of 1 MiB", .kind = K_ALLOC,
	  .bytes = (size_t)1 << 20);
GPU_BENCH(bench_gpu_alloc_1g, "gpu.alloc.1g", "cuMemAlloc + cuMemFree of 1 GiB", .kind = K_ALLOC,
	  .bytes = (size_t)1 << 30);
GPU_BENCH(bench_gpu_h2d_pinned, "gpu.h2d.pinned", "host-to-device copy bandwidth, pinned 512 MiB", .kind = K_COPY,
	  .dir = H2D, .pinned = 1);
GPU_BENCH(bench_gpu_h2d_pageable, "gpu.h2d.pageable", "host-to-device copy bandwidth, pageable 512 MiB",
	  .kind = K_COPY, .dir = H2D);
GPU_BENCH(bench_gpu_d2h_pinned, "gpu.d2h.pinned", "device-to-host copy bandwidth, pinned 512 MiB", .kind = K_COPY,
	  .dir = D2H, .pinned = 1);
GPU_BENCH(bench_gpu_d2h_pageable, "gpu.d2h.pageable", "device-to-host copy bandwidth, pageable 512 MiB",
	  .kind = K_COPY, .dir = D2H);
GPU_BENCH(bench_gpu_d2d, "gpu.d2d", "device-to-device copy bandwidth on one GPU", .kind = K_COPY, .dir = D2D);
GPU_BENCH(bench_gpu_p2p, "gpu.p2p", "peer copy bandwidth between two GPUs", .kind = K_COPY, .dir = P2P);
GPU_BENCH(bench_gpu_launch, "gpu.launch", "empty kernel launch + synchronize latency", .kind = K_LAUNCH);
GPU_BENCH(bench_gpu_launch_rate, "gpu.launch.rate", "empty kernel launches per second", .kind = K_LAUNCH_RATE);
GPU_BENCH(bench_gpu_h2d_numa_local, "gpu.h2d.numa_local", "pinned H2D, host memory on the GPU's NUMA node",
	  .kind = K_COPY, .dir = H2D, .pinned = 1, .numa = NUMA_LOCAL);
GPU_BENCH(bench_gpu_h2d_numa_remote, "gpu.h2d.numa_remote", "pinned H2D, host memory on another NUMA node",
	  .kind = K_COPY, .dir = H2D, .pinned = 1, .numa = NUMA_REMOTE);

/* ---- the gpu command ---- */

static const char gpu_usage[] =
	"usage: nodeperf gpu [--list] [--device N] [--json] [--imds] [RUN OPTIONS]\n"
	"  Run the gpu.* benches on one GPU (as `nodeperf run --only 'gpu.*'`), or\n"
	"  with --list show the GPUs the CUDA driver sees and the Azure GPU series\n"
	"  the node matches (gpu/skus.json, with the floors its health verdicts use).\n"
	"  --list        inventory and SKU match only, no benches\n"
	"  --device N    the CUDA device to measure (default 0; CUDA_VISIBLE_DEVICES applies)\n"
	"  --json        JSON on stdout\n"
	"  --imds        ask the Azure instance metadata endpoint (169.254.169.254) for\n"
	"                the VM size and hold it against the match (never done otherwise)\n"
	"  RUN OPTIONS   those of `nodeperf run`: --suite, --reps, --rep-time, --out, --label...\n"
	"  The driver library is libcuda.so.1, or the file $NODEPERF_LIBCUDA names.\n"
	"  Exit: 0 done, 2 bad usage, 3 no usable CUDA driver or device, or a bench failed.\n";

static void print_list(const json_t *node, FILE *out)
{
	const json_t *info = json_object_get(node, "gpu"), *sku = json_object_get(info, "sku"), *g, *c;
	char mem[32];
	size_t i;

	if (!json_is_true(json_object_get(info, "cuda")))
		fprintf(out, "CUDA      unavailable: %s\n", json_string_value(json_object_get(info, "why")));
	else
		fprintf(out, "CUDA      driver %s (%s), %lld device(s)\n",
			json_string_value(json_object_get(info, "driver_version")),
			json_string_value(json_object_get(info, "library")),
			(long long)json_integer_value(json_object_get(info, "devices")));
	json_array_foreach(json_object_get(node, "gpus"), i, g) {
		c = json_object_get(g, "cuda");
		if (!c) {
			fprintf(out, "PCI       %s  %s  numa %s\n", json_string_value(json_object_get(g, "busid")),
				json_string_value(json_object_get(g, "name")),
				json_is_integer(json_object_get(g, "numa")) ? "" : "-");
			continue;
		}
		result_format_value((double)json_integer_value(json_object_get(c, "memory_bytes")), "B", mem,
				    sizeof(mem));
		fprintf(out, "GPU %-5lld %s  %s  %s\n", (long long)json_integer_value(json_object_get(c, "index")),
			json_string_value(json_object_get(c, "name")), json_string_value(json_object_get(c, "busid")) ?: "-",
			json_string_value(json_object_get(c, "uuid")) ?: "-");
		fprintf(out, "          memory %s, %lld SMs, clock %lld MHz, memory clock %lld MHz, cc %s, ECC %s%s%s\n",
			mem, (long long)json_integer_value(json_object_get(c, "sm_count")),
			(long long)json_integer_value(json_object_get(c, "clock_khz")) / 1000,
			(long long)json_integer_value(json_object_get(c, "memory_clock_khz")) / 1000,
			json_string_value(json_object_get(c, "compute_capability")) ?: "-",
			json_is_boolean(json_object_get(c, "ecc")) ? (json_is_true(json_object_get(c, "ecc")) ? "on" : "off")
								   : "-",
			json_is_string(json_object_get(c, "mig_profile")) ? ", MIG " : "",
			json_string_value(json_object_get(c, "mig_profile")) ?: "");
		if (json_is_integer(json_object_get(c, "numa")))
			fprintf(out, "          NUMA node %lld, local CPUs %s\n",
				(long long)json_integer_value(json_object_get(c, "numa")),
				json_string_value(json_object_get(c, "local_cpus")) ?: "-");
		else
			fprintf(out, "          NUMA node unknown (not in the hwloc topology)\n");
	}
	if (!sku)
		return;
	if (json_is_string(json_object_get(sku, "series"))) {
		long long lo = json_integer_value(json_array_get(json_object_get(sku, "gpus_per_vm"), 0));
		long long hi = json_integer_value(json_array_get(json_object_get(sku, "gpus_per_vm"), 1));
		char range[48];

		snprintf(range, sizeof(range), lo == hi ? "%lld" : "%lld-%lld", lo, hi);
		fprintf(out, "SKU       %s (e.g. %s): %s, %lld GPU(s) here, the series has %s%s\n",
			json_string_value(json_object_get(sku, "series")),
			json_string_value(json_object_get(sku, "example_size")),
			json_string_value(json_object_get(sku, "gpu")),
			(long long)json_integer_value(json_object_get(sku, "count")), range,
			json_is_true(json_object_get(sku, "count_ok")) ? "" : " (a pod may see a subset)");
		if (json_is_number(json_object_get(sku, "h2d_floor_Bps")))
			fprintf(out, "          floors: H2D/D2H %.0f GB/s%s", json_number_value(json_object_get(sku, "h2d_floor_Bps")) / 1e9,
				json_is_number(json_object_get(sku, "p2p_floor_Bps")) ? "" : "\n");
		else
			fprintf(out, "          no published bandwidth floor\n");
		if (json_is_number(json_object_get(sku, "h2d_floor_Bps")) && json_is_number(json_object_get(sku, "p2p_floor_Bps")))
			fprintf(out, ", P2P %.0f GB/s\n", json_number_value(json_object_get(sku, "p2p_floor_Bps")) / 1e9);
		if (json_is_string(json_object_get(sku, "vm_size")))
			fprintf(out, "          VM size %s (IMDS) %s the series\n",
				json_string_value(json_object_get(sku, "vm_size")),
				json_is_true(json_object_get(sku, "vm_size_matches")) ? "matches" : "does NOT match");
	} else {
		fprintf(out, "SKU       none: %s\n", json_string_value(json_object_get(sku, "why")));
	}
	if (json_is_string(json_object_get(info, "imds_error")))
		fprintf(out, "IMDS      %s\n", json_string_value(json_object_get(info, "imds_error")));
}

static int gpu_list(int as_json)
{
	struct topo *topo = NULL;
	json_t *node = NULL, *topology = NULL, *gpus = json_array(), *dev, *doc;
	size_t i;
	int rc = EXIT_RUNTIME;

	if (topo_open(&topo))
		log_warn("hwloc topology unavailable: no NUMA locality for the GPUs");
	else
		topology = topo_to_json(topo);
	/* node.gpus as the snapshot has it: the PCI display controllers hwloc found */
	json_array_foreach(json_object_get(topology, "pci"), i, dev)
		if (!strcmp(json_string_value(json_object_get(dev, "class")) ?: "", "gpu"))
			json_array_append_new(gpus, json_pack("{s:O, s:O, s:O}", "busid", json_object_get(dev, "busid"),
							      "name", json_object_get(dev, "name"), "numa",
							      json_object_get(dev, "numa")));
	node = json_pack("{s:o}", "gpus", gpus);
	if (!node || gpu_snapshot_add(node, topo)) {
		log_err("gpu: out of memory");
		goto out;
	}
	if (as_json) {
		doc = json_pack("{s:O, s:O}", "gpu", json_object_get(node, "gpu"), "gpus", json_object_get(node, "gpus"));
		json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else {
		print_list(node, stdout);
	}
	rc = 0;
out:
	json_decref(node);
	json_decref(topology);
	topo_close(topo);
	return rc;
}

int cmd_gpu(int argc, char **argv)
{
	char **rargv = calloc((size_t)argc + 4, sizeof(char *)), why[512];
	int i, rargc = 0, first, list = 0, as_json = 0, child = 0, rc;
	double dev;

	if (!rargv)
		return EXIT_RUNTIME;
	rargv[rargc++] = "run";
	rargv[rargc++] = "--only";
	rargv[rargc++] = "gpu.*";
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--only") || !strncmp(argv[i], "--only=", 7))
			rargc = 1;	/* the user's --only replaces gpu.* */
	first = rargc;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(gpu_usage, stdout);
			rc = 0;
			goto out;
		} else if (!strcmp(a, "--list")) {
			list = 1;
		} else if (!strcmp(a, "--imds")) {
			gpu_imds = 1;
		} else if (!strcmp(a, "--init-child")) {
			child = 1;
		} else if (!strcmp(a, "--device") || !strncmp(a, "--device=", 9)) {
			val = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
			if (!val || parse_number(val, 0, 1023, &dev) || dev != (int)dev) {
				rc = cli_usage_error(gpu_usage, "gpu: --device wants a device index 0..1023, not '%s'",
						     val ? val : "");
				goto out;
			}
			gpu_device = (int)dev;
		} else {
			if (!strcmp(a, "--json"))
				as_json = 1;
			rargv[rargc++] = argv[i];
		}
	}
	if (child) {
		rc = init_child();
		goto out;
	}
	if (list) {
		for (i = first; i < rargc; i++)
			if (strcmp(rargv[i], "--json") != 0) {
				rc = cli_usage_error(gpu_usage, "gpu: --list takes only --device, --json and --imds, not '%s'",
						     rargv[i]);
				goto out;
			}
		rc = gpu_list(as_json);
		goto out;
	}
	if (gpu_cuda_open(why, sizeof(why))) {
		log_err("gpu: %s", why);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (gpu_device >= gpu_cuda_device_count()) {
		log_err("gpu: --device %d: %d CUDA device(s) visible", gpu_device, gpu_cuda_device_count());
		rc = EXIT_BAD_INPUT;
		goto out;
	}
	rc = cmd_run(rargc, rargv);
#ifdef NP_HAVE_CUDA
	/* run skips what cannot run; asked for GPU benches alone, a setup failure is a failure */
	if (!rc && S.done && S.rc)
		rc = EXIT_RUNTIME;
#endif
out:
	free(rargv);
	return rc;
}
