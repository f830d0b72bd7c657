/* dl.h - dlopen for the dynamic and the static binary (a driver library such as libcuda.so.1). */
#ifndef NP_DL_H
#define NP_DL_H

#include <stddef.h>

/*
 * Open a shared library like dlopen(name, flags). A bare name that the
 * loader does not find is tried in $NODEPERF_LIB_DIRS (colon-separated), then
 * the usual driver directories (/usr/lib/<multiarch>, /usr/lib64,
 * /usr/local/nvidia/lib64, /run/nvidia/driver/usr/lib{64,/<multiarch>}).
 *
 * The static binary (make STATIC=1) has no loader of its own: glibc's static
 * dlopen maps the library together with a second libc.so.6, which must be
 * the very glibc version the binary was linked with. So there, before the
 * library, the glibc objects of $NODEPERF_GLIBC_DIR (the image ships them in
 * /opt/nodeperf/glibc with a VERSION file) are loaded by full path, and the
 * library's own libc.so.6, libm.so.6... bind to them, whatever glibc the
 * node has. Without that directory the node's libc.so.6 is used only when
 * its version is the binary's; otherwise NULL with the reason in why.
 *
 * Returns the handle or NULL; why gets a message naming the library.
 */
void *dl_open(const char *name, int flags, char *why, size_t len);

/* 1 in the static binary (no program interpreter), 0 otherwise. */
int dl_is_static(void);

#endif
