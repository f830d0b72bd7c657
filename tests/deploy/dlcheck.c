/* dlcheck.c - dl_open a library and print what np_fake_libc() says (tests/integration/deploy_image.sh). */
#include <dlfcn.h>
#include <stdio.h>

#include "core/dl.h"

int main(int argc, char **argv)
{
	const char *(*fn)(void);
	char why[512];
	void *h;

	if (argc != 2)
		return 2;
	h = dl_open(argv[1], RTLD_NOW, why, sizeof(why));
	if (!h) {
		printf("refused: %s\n", why);
		return 3;
	}
	*(void **)&fn = dlsym(h, "np_fake_libc");
	if (!fn)
		return 4;
	printf("%s %s\n", dl_is_static() ? "static" : "dynamic", fn());
	return 0;
}
