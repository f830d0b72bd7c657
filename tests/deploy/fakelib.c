/* fakelib.c - a shared library standing in for a driver's (libcuda): it needs libc and libm. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The libc this library bound to: "PATH VERSION" (malloc'd). */
const char *np_fake_libc(void);
const char *np_fake_libc(void)
{
	Dl_info info = { 0 };
	char *out = malloc(512);
	extern const char *gnu_get_libc_version(void);

	if (!out)
		return "malloc failed";
	dladdr((void *)&strlen, &info);
	snprintf(out, 512, "%s %s %d", info.dli_fname ? info.dli_fname : "?", gnu_get_libc_version(),
		 (int)(sqrt(1764.0) + 0.5));
	return out;
}
