/*
 * libcuda.c - a fake CUDA driver for tests only (loaded through NODEPERF_LIBCUDA).
 *
 * It knows nothing of cuda.h: like the real driver it is a binary with a
 * C ABI. Device memory is address space only (never touched), and GPU time
 * is a virtual clock that copies advance by bytes / bandwidth, so tests can
 * set a bandwidth and check the verdict nodeperf draws from it. Behaviour
 * from the environment:
 *   NP_FAKE_CUDA_MODE     ok (default), init_fail, no_device, zero_devices
 *   NP_FAKE_CUDA_MISSING  comma-separated entry points to pretend not to have
 *   NP_FAKE_CUDA_FAIL     an entry point that fails with CUDA_ERROR_UNKNOWN
 *   NP_FAKE_CUDA_COUNT    devices (default 1)
 *   NP_FAKE_CUDA_NAME     device name (default "NVIDIA H200")
 *   NP_FAKE_CUDA_MEM_MIB  memory per device (default 143771)
 *   NP_FAKE_CUDA_PEER     1: devices can access each other (default 1)
 *   NP_FAKE_CUDA_{PINNED,PAGEABLE,D2D,P2P}_GBPS  copy bandwidths (55, 20, 2000, 300)
 * Built with -DFAKE_DLSYM_ONLY it exports the versioned symbols and no
 * cuGetProcAddress, as a driver older than CUDA 11.3 would.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int res_t;
typedef unsigned long long dptr_t;

enum {
	OK = 0,
	ERR_INVALID_VALUE = 1,
	ERR_OUT_OF_MEMORY = 2,
	ERR_NOT_INITIALIZED = 3,
	ERR_NO_DEVICE = 100,
	ERR_INVALID_DEVICE = 101,
	ERR_INVALID_IMAGE = 200,
	ERR_NOT_FOUND = 500,
	ERR_SYSTEM_DRIVER_MISMATCH = 803,
	ERR_UNKNOWN = 999,
};

#ifdef FAKE_DLSYM_ONLY
#define API __attribute__((visibility("default")))
#else
#define API static
#endif

static int inited;
static int cur_dev;	/* the current context's device: where cuMemAlloc allocates */
static double vclock_ns;	/* the fake GPU's timeline */

static const char *env(const char *k, const char *def)
{
	const char *v = getenv(k);

	return v && *v ? v : def;
}

static double env_num(const char *k, double def)
{
	const char *v = getenv(k);

	return v && *v ? strtod(v, NULL) : def;
}

static int ndev(void)
{
	return (int)env_num("NP_FAKE_CUDA_COUNT", 1);
}

/* NP_FAKE_CUDA_FAIL names this entry point: fail it. */
static int failing(const char *name)
{
	return !strcmp(env("NP_FAKE_CUDA_FAIL", ""), name);
}

#define FAILS(name)                                                                                \
	do {                                                                                       \
		if (!inited)                                                                       \
			return ERR_NOT_INITIALIZED;                                                \
		if (failing(name))                                                                 \
			return ERR_UNKNOWN;                                                        \
	} while (0)

/* Device allocations: a bump allocator over an address range no host mapping uses. */
#define DEV_BASE 0x200000000000ull
#define DEV_SPAN 0x010000000000ull	/* 1 TiB of addresses per device */
static dptr_t dev_next[16];
static unsigned dev_live[16];	/* the range restarts when a device has nothing allocated */

/* Pinned host ranges, to tell pinned from pageable copies. */
static struct {
	uintptr_t p;
	size_t n;
} pinned[64];

static int dev_of(dptr_t p)
{
	if (p >= DEV_BASE && p < DEV_BASE + 16 * DEV_SPAN)
		return (int)((p - DEV_BASE) / DEV_SPAN);
	return -1;
}

static int is_pinned(dptr_t p)
{
	unsigned i;

	for (i = 0; i < 64; i++)
		if (pinned[i].n && p >= pinned[i].p && p < pinned[i].p + pinned[i].n)
			return 1;
	return 0;
}

static int pin(void *p, size_t n)
{
	unsigned i;

	for (i = 0; i < 64; i++)
		if (!pinned[i].n) {
			pinned[i].p = (uintptr_t)p;
			pinned[i].n = n;
			return OK;
		}
	return ERR_OUT_OF_MEMORY;
}

static void unpin(void *p)
{
	unsigned i;

	for (i = 0; i < 64; i++)
		if (pinned[i].p == (uintptr_t)p)
			pinned[i].n = 0;
}

API res_t cuGetErrorName(res_t e, const char **s)
{
	switch (e) {
	case OK: *s = "CUDA_SUCCESS"; return OK;
	case ERR_INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; return OK;
	case ERR_OUT_OF_MEMORY: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return OK;
	case ERR_NOT_INITIALIZED: *s = "CUDA_ERROR_NOT_INITIALIZED"; return OK;
	case ERR_NO_DEVICE: *s = "CUDA_ERROR_NO_DEVICE"; return OK;
	case ERR_INVALID_DEVICE: *s = "CUDA_ERROR_INVALID_DEVICE"; return OK;
	case ERR_INVALID_IMAGE: *s = "CUDA_ERROR_INVALID_IMAGE"; return OK;
	case ERR_NOT_FOUND: *s = "CUDA_ERROR_NOT_FOUND"; return OK;
	case ERR_SYSTEM_DRIVER_MISMATCH: *s = "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"; return OK;
	case ERR_UNKNOWN: *s = "CUDA_ERROR_UNKNOWN"; return OK;
	}
	*s = NULL;
	return ERR_INVALID_VALUE;
}

API res_t cuGetErrorString(res_t e, const char **s)
{
	switch (e) {
	case ERR_NO_DEVICE: *s = "no CUDA-capable device is detected"; return OK;
	case ERR_SYSTEM_DRIVER_MISMATCH:
		*s = "system has unsupported display driver / cuda driver combination";
		return OK;
	case ERR_UNKNOWN: *s = "unknown error"; return OK;
	case ERR_INVALID_VALUE: *s = "invalid argument"; return OK;
	case ERR_OUT_OF_MEMORY: *s = "out of memory"; return OK;
	}
	return cuGetErrorName(e, s);
}

API res_t cuInit(unsigned flags)
{
	const char *mode = env("NP_FAKE_CUDA_MODE", "ok");

	if (flags)
		return ERR_INVALID_VALUE;
	if (!strcmp(mode, "init_fail"))
		return ERR_SYSTEM_DRIVER_MISMATCH;
	if (!strcmp(mode, "no_device"))
		return ERR_NO_DEVICE;
	inited = 1;
	return OK;
}

API res_t cuDriverGetVersion(int *v)
{
	*v = 12040;
	return OK;
}

API res_t cuDeviceGetCount(int *n)
{
	FAILS("cuDeviceGetCount");
	*n = !strcmp(env("NP_FAKE_CUDA_MODE", "ok"), "zero_devices") ? 0 : ndev();
	return OK;
}

API res_t cuDeviceGet(int *d, int ordinal)
{
	FAILS("cuDeviceGet");
	if (ordinal < 0 || ordinal >= ndev())
		return ERR_INVALID_DEVICE;
	*d = ordinal;
	return OK;
}

#define CHECK_DEV(d)                                                                               \
	do {                                                                                       \
		if ((d) < 0 || (d) >= ndev())                                                      \
			return ERR_INVALID_DEVICE;                                                 \
	} while (0)

API res_t cuDeviceGetName(char *buf, int len, int d)
{
	FAILS("cuDeviceGetName");
	CHECK_DEV(d);
	snprintf(buf, (size_t)len, "%s", env("NP_FAKE_CUDA_NAME", "NVIDIA H200"));
	return OK;
}

API res_t cuDeviceGetUuid_v2(unsigned char *uuid, int d)
{
	unsigned i;

	FAILS("cuDeviceGetUuid");
	CHECK_DEV(d);
	for (i = 0; i < 16; i++)
		uuid[i] = (unsigned char)(0xa0 + i + 16 * d);
	return OK;
}

API res_t cuDeviceTotalMem_v2(size_t *bytes, int d)
{
	FAILS("cuDeviceTotalMem");
	CHECK_DEV(d);
	*bytes = (size_t)(env_num("NP_FAKE_CUDA_MEM_MIB", 143771) * 1048576.);
	return OK;
}

API res_t cuDeviceGetAttribute(int *v, int attr, int d)
{
	FAILS("cuDeviceGetAttribute");
	CHECK_DEV(d);
	switch (attr) {
	case 13: *v = 1980000; break;		/* clock rate kHz */
	case 16: *v = 132; break;		/* SMs */
	case 19: *v = 1; break;			/* can map host memory */
	case 32: *v = 1; break;			/* ECC */
	case 36: *v = 3201000; break;		/* memory clock kHz */
	case 37: *v = 6144; break;		/* bus width */
	case 41: *v = 1; break;			/* unified addressing */
	case 75: *v = 9; break;			/* compute capability */
	case 76: *v = 0; break;
	default: *v = 0; break;
	}
	return OK;
}

API res_t cuDeviceGetPCIBusId(char *buf, int len, int d)
{
	FAILS("cuDeviceGetPCIBusId");
	CHECK_DEV(d);
	/* The driver's spelling: upper-case hex. */
	snprintf(buf, (size_t)len, "0000:%02X:00.0", 0x1B + d);
	return OK;
}

API res_t cuDeviceCanAccessPeer(int *can, int d, int peer)
{
	FAILS("cuDeviceCanAccessPeer");
	CHECK_DEV(d);
	CHECK_DEV(peer);
	*can = d != peer && env_num("NP_FAKE_CUDA_PEER", 1) != 0;
	return OK;
}

/* A context is its device + 1, so that no context is NULL. */
API res_t cuDevicePrimaryCtxRetain(void **ctx, int d)
{
	FAILS("cuDevicePrimaryCtxRetain");
	CHECK_DEV(d);
	*ctx = (void *)(uintptr_t)(d + 1);
	return OK;
}

API res_t cuDevicePrimaryCtxRelease_v2(int d)
{
	FAILS("cuDevicePrimaryCtxRelease");
	CHECK_DEV(d);
	return OK;
}

API res_t cuCtxSetCurrent(void *ctx)
{
	FAILS("cuCtxSetCurrent");
	if (!ctx || (uintptr_t)ctx > (uintptr_t)ndev())
		return ERR_INVALID_VALUE;
	cur_dev = (int)(uintptr_t)ctx - 1;
	return OK;
}

API res_t cuCtxEnablePeerAccess(void *ctx, unsigned flags)
{
	FAILS("cuCtxEnablePeerAccess");
	return ctx && !flags ? OK : ERR_INVALID_VALUE;
}

API res_t cuMemAlloc_v2(dptr_t *p, size_t n)
{
	int d = cur_dev;

	FAILS("cuMemAlloc");
	if (!n)
		return ERR_INVALID_VALUE;
	if (!dev_live[d]++)
		dev_next[d] = DEV_BASE + (dptr_t)d * DEV_SPAN;
	if (dev_next[d] + n > DEV_BASE + (dptr_t)(d + 1) * DEV_SPAN) {
		dev_live[d]--;
		return ERR_OUT_OF_MEMORY;
	}
	*p = dev_next[d];
	dev_next[d] += (n + 0xfffff) & ~0xfffffull;
	return OK;
}

API res_t cuMemFree_v2(dptr_t p)
{
	int d = dev_of(p);

	FAILS("cuMemFree");
	if (d < 0 || !dev_live[d])
		return ERR_INVALID_VALUE;
	dev_live[d]--;
	return OK;
}

API res_t cuMemHostAlloc(void **p, size_t n, unsigned flags)
{
	(void)flags;
	FAILS("cuMemHostAlloc");
	*p = malloc(n);
	if (!*p)
		return ERR_OUT_OF_MEMORY;
	if (pin(*p, n)) {
		free(*p);
		return ERR_OUT_OF_MEMORY;
	}
	return OK;
}

API res_t cuMemFreeHost(void *p)
{
	FAILS("cuMemFreeHost");
	unpin(p);
	free(p);
	return OK;
}

API res_t cuMemHostRegister_v2(void *p, size_t n, unsigned flags)
{
	(void)flags;
	FAILS("cuMemHostRegister");
	return pin(p, n);
}

API res_t cuMemHostUnregister(void *p)
{
	FAILS("cuMemHostUnregister");
	unpin(p);
	return OK;
}

API res_t cuMemHostGetDevicePointer_v2(dptr_t *d, void *p, unsigned flags)
{
	FAILS("cuMemHostGetDevicePointer");
	if (flags || !is_pinned((uintptr_t)p))
		return ERR_INVALID_VALUE;
	*d = (uintptr_t)p;
	return OK;
}

API res_t cuMemcpyAsync(dptr_t dst, dptr_t src, size_t n, void *stream)
{
	int dd = dev_of(dst), sd = dev_of(src);
	double gbps;

	(void)stream;
	FAILS("cuMemcpyAsync");
	if (dd >= 0 && sd >= 0)
		gbps = dd == sd ? env_num("NP_FAKE_CUDA_D2D_GBPS", 2000) : env_num("NP_FAKE_CUDA_P2P_GBPS", 300);
	else if (dd >= 0 || sd >= 0)
		gbps = is_pinned(dd >= 0 ? src : dst) ? env_num("NP_FAKE_CUDA_PINNED_GBPS", 55)
						      : env_num("NP_FAKE_CUDA_PAGEABLE_GBPS", 20);
	else
		return ERR_INVALID_VALUE;
	vclock_ns += (double)n / gbps;
	return OK;
}

API res_t cuStreamCreate(void **s, unsigned flags)
{
	(void)flags;
	FAILS("cuStreamCreate");
	*s = malloc(1);
	return *s ? OK : ERR_OUT_OF_MEMORY;
}

API res_t cuStreamDestroy_v2(void *s)
{
	FAILS("cuStreamDestroy");
	free(s);
	return OK;
}

API res_t cuStreamSynchronize(void *s)
{
	(void)s;
	FAILS("cuStreamSynchronize");
	return OK;
}

API res_t cuEventCreate(void **e, unsigned flags)
{
	(void)flags;
	FAILS("cuEventCreate");
	*e = calloc(1, sizeof(double));
	return *e ? OK : ERR_OUT_OF_MEMORY;
}

API res_t cuEventRecord(void *e, void *s)
{
	(void)s;
	FAILS("cuEventRecord");
	*(double *)e = vclock_ns;
	return OK;
}

API res_t cuEventSynchronize(void *e)
{
	(void)e;
	FAILS("cuEventSynchronize");
	return OK;
}

API res_t cuEventElapsedTime(float *ms, void *a, void *b)
{
	FAILS("cuEventElapsedTime");
	*ms = (float)((*(double *)b - *(double *)a) / 1e6);
	return OK;
}

API res_t cuEventDestroy_v2(void *e)
{
	FAILS("cuEventDestroy");
	free(e);
	return OK;
}

/* A module is accepted when it is PTX text declaring entries; functions are their names. */
API res_t cuModuleLoadData(void **m, const void *image)
{
	FAILS("cuModuleLoadData");
	if (!strstr(image, ".version") || !strstr(image, ".entry"))
		return ERR_INVALID_IMAGE;
	*m = strdup(image);
	return *m ? OK : ERR_OUT_OF_MEMORY;
}

API res_t cuModuleGetFunction(void **f, void *m, const char *name)
{
	char pat[128];

	FAILS("cuModuleGetFunction");
	snprintf(pat, sizeof(pat), ".entry %s(", name);
	if (!strstr(m, pat))
		return ERR_NOT_FOUND;
	*f = strstr(m, pat);
	return OK;
}

API res_t cuModuleUnload(void *m)
{
	FAILS("cuModuleUnload");
	free(m);
	return OK;
}

API res_t cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
			 unsigned bz, unsigned shmem, void *stream, void **params, void **extra)
{
	(void)shmem;
	(void)stream;
	(void)extra;
	FAILS("cuLaunchKernel");
	if (!f || !gx || !gy || !gz || !bx || !by || !bz)
		return ERR_INVALID_VALUE;
	/* the spin kernel's first parameter is the device pointer of a pinned host flag */
	if (strstr(f, ".entry np_spin(") == f && (!params || !is_pinned(*(dptr_t *)params[0])))
		return ERR_INVALID_VALUE;
	vclock_ns += 2000;
	return OK;
}

#ifndef FAKE_DLSYM_ONLY
static const struct {
	const char *name;
	void *fn;
} table[] = {
#define E(n, f) { n, (void *)f }
	E("cuGetErrorName", cuGetErrorName), E("cuGetErrorString", cuGetErrorString),
	E("cuInit", cuInit), E("cuDriverGetVersion", cuDriverGetVersion),
	E("cuDeviceGetCount", cuDeviceGetCount), E("cuDeviceGet", cuDeviceGet),
	E("cuDeviceGetName", cuDeviceGetName), E("cuDeviceGetUuid", cuDeviceGetUuid_v2),
	E("cuDeviceTotalMem", cuDeviceTotalMem_v2), E("cuDeviceGetAttribute", cuDeviceGetAttribute),
	E("cuDeviceGetPCIBusId", cuDeviceGetPCIBusId), E("cuDeviceCanAccessPeer", cuDeviceCanAccessPeer),
	E("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain),
	E("cuDevicePrimaryCtxRelease", cuDevicePrimaryCtxRelease_v2),
	E("cuCtxSetCurrent", cuCtxSetCurrent), E("cuCtxEnablePeerAccess", cuCtxEnablePeerAccess),
	E("cuMemAlloc", cuMemAlloc_v2), E("cuMemFree", cuMemFree_v2),
	E("cuMemHostAlloc", cuMemHostAlloc), E("cuMemFreeHost", cuMemFreeHost),
	E("cuMemHostRegister", cuMemHostRegister_v2), E("cuMemHostUnregister", cuMemHostUnregister),
	E("cuMemHostGetDevicePointer", cuMemHostGetDevicePointer_v2),
	E("cuMemcpyAsync", cuMemcpyAsync), E("cuStreamCreate", cuStreamCreate),
	E("cuStreamDestroy", cuStreamDestroy_v2), E("cuStreamSynchronize", cuStreamSynchronize),
	E("cuEventCreate", cuEventCreate), E("cuEventRecord", cuEventRecord),
	E("cuEventSynchronize", cuEventSynchronize), E("cuEventElapsedTime", cuEventElapsedTime),
	E("cuEventDestroy", cuEventDestroy_v2), E("cuModuleLoadData", cuModuleLoadData),
	E("cuModuleGetFunction", cuModuleGetFunction), E("cuModuleUnload", cuModuleUnload),
	E("cuLaunchKernel", cuLaunchKernel),
#undef E
};

static int missing(const char *name)
{
	const char *list = env("NP_FAKE_CUDA_MISSING", "");
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/* The real driver answers before cuInit too. */
__attribute__((visibility("default"))) res_t cuGetProcAddress_v2(const char *name, void **fn, int version,
								 unsigned long long flags, int *status)
{
	unsigned i;

	(void)flags;
	*fn = NULL;
	if (status)
		*status = 1;	/* CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND */
	if (version < 2000 || missing(name))
		return ERR_NOT_FOUND;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name)) {
			*fn = table[i].fn;
			if (status)
				*status = 0;
			return OK;
		}
	return ERR_NOT_FOUND;
}
#endif
