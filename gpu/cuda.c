/* cuda.c - load libcuda.so.1 with dlopen and resolve the driver API by ABI version. */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dl.h"
#include "core/util.h"
#include "gpu/cuda.h"

#define GPU_LIBCUDA "libcuda.so.1"

static const char *lib_path(void)
{
	const char *p = getenv("NODEPERF_LIBCUDA");

	return p && *p ? p : GPU_LIBCUDA;
}

const char *gpu_cuda_lib(void)
{
	return lib_path();
}

#ifndef NP_HAVE_CUDA

int gpu_cuda_built(void)
{
	return 0;
}

int gpu_cuda_open(char *why, size_t len)
{
	snprintf(why, len, "this nodeperf was built without CUDA support (no cuda.h under CUDA_HOME at build time)");
	return -ENOTSUP;
}

const char *gpu_cuda_driver_version(void)
{
	return "";
}

int gpu_cuda_device_count(void)
{
	return 0;
}

void gpu_cuda_open_times(uint64_t *dlopen_ns, uint64_t *init_ns)
{
	*dlopen_ns = *init_ns = 0;
}

const char *gpu_cuda_strerror(int res, char *buf, size_t len)
{
	snprintf(buf, len, "CUDA error %d", res);
	return buf;
}

#else

struct gpu_cuda_api gpu_cu;

/*
 * Each entry point: the name cuGetProcAddress knows it by, the CUDA version
 * whose ABI the prototype in struct gpu_cuda_api has, and the exported
 * symbol of that ABI for drivers older than cuGetProcAddress (11.3).
 */
static const struct cuda_sym {
	const char *name;
	int version;
	const char *symbol;
	size_t off;
} cuda_syms[] = {
#define SYM(name, version, symbol, field) { name, version, symbol, offsetof(struct gpu_cuda_api, field) }
	SYM("cuGetErrorName", 6000, "cuGetErrorName", get_error_name),
	SYM("cuGetErrorString", 6000, "cuGetErrorString", get_error_string),
	SYM("cuInit", 2000, "cuInit", init),
	SYM("cuDriverGetVersion", 2020, "cuDriverGetVersion", driver_get_version),
	SYM("cuDeviceGetCount", 2000, "cuDeviceGetCount", device_get_count),
	SYM("cuDeviceGet", 2000, "cuDeviceGet", device_get),
	SYM("cuDeviceGetName", 2000, "cuDeviceGetName", device_get_name),
	SYM("cuDeviceGetUuid", 11040, "cuDeviceGetUuid_v2", device_get_uuid),
	SYM("cuDeviceTotalMem", 3020, "cuDeviceTotalMem_v2", device_total_mem),
	SYM("cuDeviceGetAttribute", 2000, "cuDeviceGetAttribute", device_get_attribute),
	SYM("cuDeviceGetPCIBusId", 4010, "cuDeviceGetPCIBusId", device_get_pci_bus_id),
	SYM("cuDeviceCanAccessPeer", 4000, "cuDeviceCanAccessPeer", device_can_access_peer),
	SYM("cuDevicePrimaryCtxRetain", 7000, "cuDevicePrimaryCtxRetain", primary_ctx_retain),
	SYM("cuDevicePrimaryCtxRelease", 11000, "cuDevicePrimaryCtxRelease_v2", primary_ctx_release),
	SYM("cuCtxSetCurrent", 4000, "cuCtxSetCurrent", ctx_set_current),
	SYM("cuCtxEnablePeerAccess", 4000, "cuCtxEnablePeerAccess", ctx_enable_peer_access),
	SYM("cuMemAlloc", 3020, "cuMemAlloc_v2", mem_alloc),
	SYM("cuMemFree", 3020, "cuMemFree_v2", mem_free),
	SYM("cuMemHostAlloc", 2020, "cuMemHostAlloc", mem_host_alloc),
	SYM("cuMemFreeHost", 2000, "cuMemFreeHost", mem_free_host),
	SYM("cuMemHostRegister", 6050, "cuMemHostRegister_v2", mem_host_register),
	SYM("cuMemHostUnregister", 4000, "cuMemHostUnregister", mem_host_unregister),
	SYM("cuMemHostGetDevicePointer", 3020, "cuMemHostGetDevicePointer_v2", mem_host_get_device_pointer),
	SYM("cuMemcpyAsync", 4000, "cuMemcpyAsync", memcpy_async),
	SYM("cuStreamCreate", 2000, "cuStreamCreate", stream_create),
	SYM("cuStreamDestroy", 4000, "cuStreamDestroy_v2", stream_destroy),
	SYM("cuStreamSynchronize", 2000, "cuStreamSynchronize", stream_synchronize),
	SYM("cuEventCreate", 2000, "cuEventCreate", event_create),
	SYM("cuEventRecord", 2000, "cuEventRecord", event_record),
	SYM("cuEventSynchronize", 2000, "cuEventSynchronize", event_synchronize),
	SYM("cuEventElapsedTime", 2000, "cuEventElapsedTime", event_elapsed_time),
	SYM("cuEventDestroy", 4000, "cuEventDestroy_v2", event_destroy),
	SYM("cuModuleLoadData", 2000, "cuModuleLoadData", module_load_data),
	SYM("cuModuleGetFunction", 2000, "cuModuleGetFunction", module_get_function),
	SYM("cuModuleUnload", 2000, "cuModuleUnload", module_unload),
	SYM("cuLaunchKernel", 4000, "cuLaunchKernel", launch_kernel),
#undef SYM
};

/* cuGetProcAddress as exported since CUDA 12.0 (_v2) and 11.3. */
typedef CUresult (*gpa_v2_fn)(const char *, void **, int, cuuint64_t, CUdriverProcAddressQueryResult *);
typedef CUresult (*gpa_v1_fn)(const char *, void **, int, cuuint64_t);

static struct {
	int done, rc, count;
	char why[512];
	char version[16];
	uint64_t dlopen_ns, init_ns;
} st;

int gpu_cuda_built(void)
{
	return 1;
}

const char *gpu_cuda_strerror(int res, char *buf, size_t len)
{
	const char *name = NULL, *text = NULL;

	if (gpu_cu.get_error_name)
		gpu_cu.get_error_name((CUresult)res, &name);
	if (gpu_cu.get_error_string)
		gpu_cu.get_error_string((CUresult)res, &text);
	if (name && text)
		snprintf(buf, len, "%s: %s", name, text);
	else if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "CUDA error %d", res);
	return buf;
}

/* Resolve every entry point; the first missing one is named in st.why. */
static int resolve(void *h)
{
	gpa_v2_fn gpa2 = (gpa_v2_fn)dlsym(h, "cuGetProcAddress_v2");
	gpa_v1_fn gpa1 = gpa2 ? NULL : (gpa_v1_fn)dlsym(h, "cuGetProcAddress");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cuda_syms); i++) {
		const struct cuda_sym *s = &cuda_syms[i];
		CUdriverProcAddressQueryResult found = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
		void *fn = NULL;

		CUresult r = CUDA_ERROR_NOT_FOUND;

		/* Our own streams only: legacy default-stream semantics are fine. */
		if (gpa2)
			r = gpa2(s->name, &fn, s->version, CU_GET_PROC_ADDRESS_LEGACY_STREAM, &found);
		else if (gpa1)
			r = gpa1(s->name, &fn, s->version, CU_GET_PROC_ADDRESS_LEGACY_STREAM);
		if (r || (gpa2 && found != CU_GET_PROC_ADDRESS_SUCCESS))
			fn = NULL;
		if (!fn)
			fn = dlsym(h, s->symbol);
		if (!fn) {
			snprintf(st.why, sizeof(st.why),
				 "%s has no %s (ABI %d.%d): the NVIDIA driver is too old or not a CUDA driver",
				 lib_path(), s->name, s->version / 1000, s->version % 1000 / 10);
			return -ENOSYS;
		}
		memcpy((char *)&gpu_cu + s->off, &fn, sizeof(fn));
	}
	return 0;
}

static int open_once(void)
{
	char err[384];
	uint64_t t0 = now_ns(), t1;
	CUresult res;
	void *h;
	int v = 0;

	/*
	 * core/dl finds the driver where GPU operators put it and binds it to
	 * the right glibc in the static binary. The handle stays open for the
	 * life of the process: contexts live in it.
	 */
	h = dl_open(lib_path(), RTLD_NOW | RTLD_LOCAL, err, sizeof(err));
	t1 = now_ns();
	st.dlopen_ns = t1 - t0;
	if (!h) {
		snprintf(st.why, sizeof(st.why), "cannot load %s (no NVIDIA driver on this node?): %s", lib_path(), err);
		return -ENOENT;
	}
	if (resolve(h))
		return -ENOSYS;
	res = gpu_cu.init(0);
	st.init_ns = now_ns() - t1;
	if (res == CUDA_ERROR_NO_DEVICE) {
		snprintf(st.why, sizeof(st.why), "no CUDA device: cuInit: %s",
			 gpu_cuda_strerror(res, err, sizeof(err)));
		return -ENODEV;
	}
	if (res) {
		snprintf(st.why, sizeof(st.why), "cuInit failed: %s", gpu_cuda_strerror(res, err, sizeof(err)));
		return -EIO;
	}
	if (!gpu_cu.driver_get_version(&v))
		snprintf(st.version, sizeof(st.version), "%d.%d", v / 1000, v % 1000 / 10);
	res = gpu_cu.device_get_count(&st.count);
	if (res) {
		snprintf(st.why, sizeof(st.why), "cuDeviceGetCount failed: %s",
			 gpu_cuda_strerror(res, err, sizeof(err)));
		return -EIO;
	}
	if (st.count <= 0) {
		const char *vis = getenv("CUDA_VISIBLE_DEVICES");

		snprintf(st.why, sizeof(st.why), "no CUDA device visible%s%s%s", vis ? " (CUDA_VISIBLE_DEVICES=" : "",
			 vis ? vis : "", vis ? ")" : "");
		return -ENODEV;
	}
	return 0;
}

int gpu_cuda_open(char *why, size_t len)
{
	if (!st.done) {
		st.rc = open_once();
		st.done = 1;
		if (st.rc)
			st.count = 0;
	}
	if (st.rc && why)
		str_copy(why, st.why, len);
	return st.rc;
}

const char *gpu_cuda_driver_version(void)
{
	return st.version;
}

int gpu_cuda_device_count(void)
{
	return st.rc ? 0 : st.count;
}

void gpu_cuda_open_times(uint64_t *dlopen_ns, uint64_t *init_ns)
{
	*dlopen_ns = st.dlopen_ns;
	*init_ns = st.init_ns;
}

#endif
