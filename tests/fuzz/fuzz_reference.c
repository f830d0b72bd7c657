/* fuzz_reference.c - the reference loader (a FILE.json) and the diff of a node against it. */
#include <jansson.h>

#include "profiles/reference.h"
#include "tests/fuzz/fuzz.h"

/* A node snapshot with a bit of everything the diff looks at. */
static const char node_text[] =
	"{\"os\": {\"id\": \"debian\", \"version_id\": \"12\"}, \"kernel\": {\"release\": \"6.1.0\"}}";
static const char config_text[] =
	"{\"sysctl\": {\"net.core.somaxconn\": \"4096\", \"vm.swappiness\": \"60\","
	" \"net.ipv4.tcp_rmem\": \"4096\\t131072\\t6291456\"},"
	" \"thp\": {\"enabled\": \"madvise\", \"defrag\": \"madvise\"},"
	" \"block\": [{\"name\": \"vda\", \"scheduler\": \"mq-deadline\", \"read_ahead_kb\": 128}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *node, *config;
	struct reference_diff *d = NULL;
	char path[64], err[1024];
	json_t *ref = NULL;
	int fd;

	if (!node) {
		node = json_loads(node_text, 0, NULL);
		config = json_loads(config_text, 0, NULL);
		if (!node || !config)
			abort();
	}
	fd = fuzz_memfile(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	/* a name with a '/' is a file: the path the user's FILE.json takes */
	if (!reference_load(path, &ref, err, sizeof(err))) {
		if (!reference_diff(ref, node, config, NULL, &d, err, sizeof(err)))
			reference_diff_free(d);
		json_decref(ref);
	}
	close(fd);
	return 0;
}
