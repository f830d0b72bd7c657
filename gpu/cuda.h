/* cuda.h - the CUDA driver API, loaded at run time with dlopen (one binary for CPU and GPU nodes). */
#ifndef NP_GPU_CUDA_H
#define NP_GPU_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef NP_HAVE_CUDA
#include <cuda.h>

/*
 * The entry points nodeperf uses, each with the prototype of the ABI
 * version it asks the driver for (gpu/cuda.c lists the versions): asking
 * by version keeps the calls right whatever cuda.h this was built with.
 */
struct gpu_cuda_api {
	CUresult (*get_error_name)(CUresult, const char **);
	CUresult (*get_error_string)(CUresult, const char **);
	CUresult (*init)(unsigned int);
	CUresult (*driver_get_version)(int *);
	CUresult (*device_get_count)(int *);
	CUresult (*device_get)(CUdevice *, int);
	CUresult (*device_get_name)(char *, int, CUdevice);
	CUresult (*device_get_uuid)(CUuuid *, CUdevice);
	CUresult (*device_total_mem)(size_t *, CUdevice);
	CUresult (*device_get_attribute)(int *, CUdevice_attribute, CUdevice);
	CUresult (*device_get_pci_bus_id)(char *, int, CUdevice);
	CUresult (*device_can_access_peer)(int *, CUdevice, CUdevice);
	CUresult (*primary_ctx_retain)(CUcontext *, CUdevice);
	CUresult (*primary_ctx_release)(CUdevice);
	CUresult (*ctx_set_current)(CUcontext);
	CUresult (*ctx_enable_peer_access)(CUcontext, unsigned int);
	CUresult (*mem_alloc)(CUdeviceptr *, size_t);
	CUresult (*mem_free)(CUdeviceptr);
	CUresult (*mem_host_alloc)(void **, size_t, unsigned int);
	CUresult (*mem_free_host)(void *);
	CUresult (*mem_host_register)(void *, size_t, unsigned int);
	CUresult (*mem_host_unregister)(void *);
	CUresult (*mem_host_get_device_pointer)(CUdeviceptr *, void *, unsigned int);
	CUresult (*memcpy_async)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
	CUresult (*stream_create)(CUstream *, unsigned int);
	CUresult (*stream_destroy)(CUstream);
	CUresult (*stream_synchronize)(CUstream);
	CUresult (*event_create)(CUevent *, unsigned int);
	CUresult (*event_record)(CUevent, CUstream);
	CUresult (*event_synchronize)(CUevent);
	CUresult (*event_elapsed_time)(float *, CUevent, CUevent);
	CUresult (*event_destroy)(CUevent);
	CUresult (*module_load_data)(CUmodule *, const void *);
	CUresult (*module_get_function)(CUfunction *, CUmodule, const char *);
	CUresult (*module_unload)(CUmodule);
	CUresult (*launch_kernel)(CUfunction, unsigned int, unsigned int, unsigned int, unsigned int,
				  unsigned int, unsigned int, unsigned int, CUstream, void **, void **);
};

/* The loaded entry points; valid after gpu_cuda_open() returned 0. */
extern struct gpu_cuda_api gpu_cu;
#endif

/* Whether this binary was compiled against cuda.h. */
int gpu_cuda_built(void);

/*
 * Load libcuda.so.1 (or $NODEPERF_LIBCUDA), resolve every entry point
 * through cuGetProcAddress (dlsym of the versioned name as a fallback), and
 * cuInit. Done once per process; later calls return the same answer. 0, or
 * -ENOTSUP (built without CUDA), -ENOENT (no driver library), -ENOSYS (an
 * entry point is missing), -ENODEV (no device), -EIO (cuInit failed) with
 * a one-line reason in why.
 */
int gpu_cuda_open(char *why, size_t len);

/* The library path dlopen was given. */
const char *gpu_cuda_lib(void);
/* The driver's CUDA version as "12.4", or "" before a successful open. */
const char *gpu_cuda_driver_version(void);
/* Devices the driver shows this process (CUDA_VISIBLE_DEVICES applies). */
int gpu_cuda_device_count(void);
/* How long dlopen and cuInit took in gpu_cuda_open (ns), for gpu.init. */
void gpu_cuda_open_times(uint64_t *dlopen_ns, uint64_t *init_ns);

/* "CUDA_ERROR_OUT_OF_MEMORY: out of memory" for a CUresult, into buf. */
const char *gpu_cuda_strerror(int res, char *buf, size_t len);

#endif
