/* tune.c - empirical A/B of candidate settings inside nodeperf's own namespaces and loop device. */
#include "profiles/profile.h"

int profile_tune_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 3;
}
