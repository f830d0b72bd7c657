/* dl.c - dlopen for the dynamic and the static binary: see dl.h. */
#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "core/dl.h"
#include "core/util.h"

#if defined(__x86_64__)
#define DL_MULTIARCH	"x86_64-linux-gnu"
#define DL_LDSO		"ld-linux-x86-64.so.2"
#elif defined(__aarch64__)
#define DL_MULTIARCH	"aarch64-linux-gnu"
#define DL_LDSO		"ld-linux-aarch64.so.1"
#else
#define DL_MULTIARCH	""
#define DL_LDSO		"ld.so"
#endif

static const char *const driver_dirs[] = {
	"/usr/lib/" DL_MULTIARCH, "/usr/lib64", "/usr/lib", "/usr/local/nvidia/lib64",
	"/run/nvidia/driver/usr/lib64", "/run/nvidia/driver/usr/lib/" DL_MULTIARCH, NULL,
};

int dl_is_static(void)
{
	/* AT_BASE is where the kernel put the program interpreter: none, 0 */
	return getauxval(AT_BASE) == 0;
}

/* The "release version X.Y" a libc.so.6 file states about itself, into ver. */
static int file_glibc_version(const char *path, char *ver, size_t len)
{
	static const char tag[] = "release version ";
	size_t n, i = 0;
	char *text = read_all(path, &n);
	const char *p;

	if (!text)
		return -errno;
	p = memmem(text, n, tag, sizeof(tag) - 1);
	if (p) {
		p += sizeof(tag) - 1;
		while (i + 1 < len && p + i < text + n && (p[i] == '.' || (p[i] >= '0' && p[i] <= '9')))
			i++;
		memcpy(ver, p, i);
		while (i && ver[i - 1] == '.')
			i--;
	}
	ver[i] = '\0';
	free(text);
	return i ? 0 : -ENOENT;
}

/* The static binary: load the bundled same-version glibc once, RTLD_GLOBAL. */
static int static_glibc(char *why, size_t len)
{
	static const char *const objs[] = { DL_LDSO, "libc.so.6", "libm.so.6", "libpthread.so.0",
					    "libdl.so.2", "librt.so.1", NULL };
	static int done;
	const char *dir = getenv("NODEPERF_GLIBC_DIR");
	char path[PATH_MAX], ver[32] = "";
	size_t i;

	if (done)
		return 0;
	if (dir && *dir) {
		snprintf(path, sizeof(path), "%s/VERSION", dir);
		if (read_small(path, ver, sizeof(ver)) < 0 || strcmp(ver, gnu_get_libc_version()) != 0) {
			snprintf(why, len, "NODEPERF_GLIBC_DIR=%s does not hold glibc %s (VERSION: %s)", dir,
				 gnu_get_libc_version(), ver[0] ? ver : "missing");
			return -ENOENT;
		}
		for (i = 0; objs[i]; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, objs[i]);
			if (access(path, F_OK))
				continue;
			if (!dlopen(path, RTLD_NOW | RTLD_GLOBAL)) {
				snprintf(why, len, "cannot load %s: %s", path, dlerror());
				return -ENOEXEC;
			}
		}
		done = 1;
		return 0;
	}
	/* no bundle: the node's own glibc, only when it is the same release */
	for (i = 0; driver_dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/libc.so.6", driver_dirs[i]);
		if (!file_glibc_version(path, ver, sizeof(ver)))
			break;
	}
	if (!driver_dirs[i] || strcmp(ver, gnu_get_libc_version()) != 0) {
		snprintf(why, len,
			 "this static nodeperf (glibc %s) can only load shared libraries with that glibc, "
			 "and the node has %s; run it from the image (it ships glibc %s) or use the dynamic build",
			 gnu_get_libc_version(), driver_dirs[i] ? ver : "none found", gnu_get_libc_version());
		return -ENOEXEC;
	}
	done = 1;
	return 0;
}

void *dl_open(const char *name, int flags, char *why, size_t len)
{
	char path[PATH_MAX], list[PATH_MAX];
	const char *env = getenv("NODEPERF_LIB_DIRS");
	char *dir, *save = NULL;
	void *h;
	size_t i;

	why[0] = '\0';
	if (dl_is_static() && static_glibc(why, len))
		return NULL;
	h = dlopen(name, flags);
	if (h || strchr(name, '/')) {
		if (!h)
			snprintf(why, len, "%s", dlerror());
		return h;
	}
	str_copy(list, env ? env : "", sizeof(list));
	for (dir = strtok_r(list, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (!access(path, F_OK) && (h = dlopen(path, flags)))
			return h;
	}
	for (i = 0; driver_dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", driver_dirs[i], name);
		if (!access(path, F_OK) && (h = dlopen(path, flags)))
			return h;
	}
	snprintf(why, len, "%s not found (searched the loader's path%s and %s...)", name,
		 env ? ", NODEPERF_LIB_DIRS" : "", driver_dirs[0]);
	return NULL;
}
