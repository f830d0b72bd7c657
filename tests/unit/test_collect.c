/* test_collect.c - the pod-log markers: round trip, the last result wins, cut short, damaged, node names. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "results/collect.h"

static char *valid_json(size_t *len)
{
	const char *d = getenv("NP_SRCDIR");
	char path[1024];
	json_t *root;
	char *text, *compact;

	snprintf(path, sizeof(path), "%s/tests/fixtures/result-valid.json", d && *d ? d : ".");
	text = read_all(path, NULL);
	assert_non_null(text);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	compact = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	free(text);
	*len = strlen(compact);
	return compact;
}

/* A log: noise, the markers around json (as run prints them), more noise. */
static char *make_log(const char *json, size_t len, int exit_code, size_t *loglen)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	fputs("label x  suite quick\nnodeperf: warning: something\n", f);
	collect_print_markers(f, "aks-node-0", exit_code, json, len);
	fputs("nodeperf: run: finished (exit 0); holding until SIGTERM\n", f);
	fclose(f);
	*loglen = n;
	return buf;
}

static void test_round_trip(void **state)
{
	size_t len, loglen;
	char *json = valid_json(&len), *log = make_log(json, len, 3, &loglen), why[512];
	struct result *r = NULL;
	int ex = -1;

	(void)state;
	assert_int_equal(collect_parse_log(log, loglen, "t", &r, &ex, why, sizeof(why)), 0);
	assert_non_null(r);
	assert_int_equal(ex, 3);
	assert_true(r->nmetrics > 0);
	result_free(r);
	free(log);
	free(json);
}

static void test_no_begin(void **state)
{
	static const char log[] = "nodeperf: error: run: cannot write\nother\n";
	struct result *r = NULL;
	char why[512];
	int ex;

	(void)state;
	assert_int_equal(collect_parse_log(log, strlen(log), "pod-x", &r, &ex, why, sizeof(why)), -ENOENT);
	assert_null(r);
	assert_non_null(strstr(why, "pod-x: no result"));
	assert_non_null(strstr(why, "its last message: nodeperf: error: run: cannot write"));
}

static void test_cut_short(void **state)
{
	size_t len, loglen, cut;
	char *json = valid_json(&len), *log = make_log(json, len, 0, &loglen), why[512];
	struct result *r = NULL;
	int ex;

	(void)state;
	/* every cut inside the result line or before the end marker's line is cut short */
	for (cut = (size_t)(strstr(log, COLLECT_BEGIN) - log) + 60; cut < loglen; cut += 97) {
		if (strstr(log, COLLECT_END) && log + cut > strstr(log, COLLECT_END))
			break;
		assert_int_equal(collect_parse_log(log, cut, "t", &r, &ex, why, sizeof(why)), -EPIPE);
		assert_null(r);
	}
	free(log);
	free(json);
}

static void test_damaged(void **state)
{
	size_t len, loglen;
	char *json = valid_json(&len), *log, why[512];
	struct result *r = NULL;
	char *p;
	int ex;

	(void)state;
	/* one byte changed: the length holds, the JSON does not */
	log = make_log(json, len, 0, &loglen);
	p = strstr(log, "\"metrics\":[");
	assert_non_null(p);
	p[10] = '{';
	assert_int_equal(collect_parse_log(log, loglen, "t", &r, &ex, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not valid JSON"));
	free(log);
	/* a shorter document under the original length */
	log = make_log(json, len, 0, &loglen);
	p = strstr(log, "{\"schema\"");
	memmove(p, p + 1, loglen - (size_t)(p + 1 - log));
	assert_int_equal(collect_parse_log(log, loglen - 1, "t", &r, &ex, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "the log is damaged"));
	free(log);
	/* valid JSON that is no result */
	log = make_log("{\"a\":1}", 7, 0, &loglen);
	assert_int_equal(collect_parse_log(log, loglen, "t", &r, &ex, why, sizeof(why)), -EINVAL);
	assert_null(r);
	free(log);
	free(json);
}

static void test_last_result_wins(void **state)
{
	size_t len, l1, l2;
	char *json = valid_json(&len), *a = make_log("{\"a\":1}", 7, 0, &l1), *b = make_log(json, len, 0, &l2);
	char *both = malloc(l1 + l2), why[512];
	struct result *r = NULL;
	int ex;

	(void)state;
	memcpy(both, a, l1);
	memcpy(both + l1, b, l2);
	assert_int_equal(collect_parse_log(both, l1 + l2, "t", &r, &ex, why, sizeof(why)), 0);
	result_free(r);
	free(both);
	free(a);
	free(b);
	free(json);
}

/*
 * The text is not NUL-terminated: the parser stays inside len. The log ends
 * right at a page followed by an inaccessible one, the end marker its last
 * line without a newline, so that a read past len faults.
 */
static void test_not_nul_terminated(void **state)
{
	const char body[] = "{\"x\": 1}";
	char text[512], why[512];
	long page = sysconf(_SC_PAGESIZE);
	struct result *r = NULL;
	int n, ex;
	char *map, *at;

	(void)state;
	n = snprintf(text, sizeof(text), "log\n" COLLECT_BEGIN " node=n ====\n%s\n" COLLECT_END
		     " node=n exit=0 bytes=%zu", body, strlen(body));
	map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	at = map + page - n;
	memcpy(at, text, (size_t)n);
	/* parsed up to the last digit, and no further: an invalid result, not a fault */
	assert_int_equal(collect_parse_log(at, (size_t)n, "pod", &r, &ex, why, sizeof(why)), -EINVAL);
	assert_null(r);
	/* cut inside "bytes=": no bytes=N */
	n = (int)(strstr(text, " bytes=") - text) + 4;
	at = map + page - n;
	memcpy(at, text, (size_t)n);
	assert_int_equal(collect_parse_log(at, (size_t)n, "pod", &r, &ex, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "no bytes=N"));
	munmap(map, (size_t)page * 2);
}

static void test_node_names(void **state)
{
	(void)state;
	assert_true(collect_node_name_ok("aks-nodepool1-12345678-vmss000000"));
	assert_true(collect_node_name_ok("node.example_1"));
	assert_false(collect_node_name_ok(""));
	assert_false(collect_node_name_ok(".."));
	assert_false(collect_node_name_ok("../etc"));
	assert_false(collect_node_name_ok("a/b"));
	assert_false(collect_node_name_ok("a b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_no_begin),
		cmocka_unit_test(test_cut_short),    cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_last_result_wins), cmocka_unit_test(test_node_names),
		cmocka_unit_test(test_not_nul_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
