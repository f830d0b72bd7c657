/* test_io.c - unit tests for the io benches' pure parts: sizes, offsets, and the block.* --tune contract. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bench/bench.h"
#include "bench/io.h"
#include "core/loopdev.h"

static void test_file_size(void **state)
{
	(void)state;
	assert_true(io_file_size(SUITE_QUICK) == 64ull << 20);
	assert_true(io_file_size(SUITE_STANDARD) == 256ull << 20);
	assert_true(io_file_size(SUITE_FULL) == 1024ull << 20);
	/* sizes grow with the suite and stay whole MiB (the fill writes 1 MiB at a time) */
	assert_true(io_file_size(SUITE_QUICK) < io_file_size(SUITE_STANDARD));
	assert_true(io_file_size(SUITE_FULL) % (1u << 20) == 0);
}

static void test_rand_offset(void **state)
{
	uint64_t s = 12345, size = 64ull << 20, off, lo = UINT64_MAX, hi = 0;
	unsigned i, seen_last = 0;

	(void)state;
	for (i = 0; i < 200000; i++) {
		off = io_rand_offset(&s, size, 4096);
		assert_true(off % 4096 == 0);
		assert_true(off + 4096 <= size);
		lo = off < lo ? off : lo;
		hi = off > hi ? off : hi;
		seen_last += off == size - 4096;
	}
	/* the whole file is covered: both ends are reached */
	assert_true(lo < size / 100);
	assert_true(hi > size - size / 100);
	assert_true(s != 0);
	/* a size below one block gives offset 0, never past the end */
	assert_true(io_rand_offset(&s, 1000, 4096) == 0);
	(void)seen_last;
}

static void test_tune_parse(void **state)
{
	struct loopdev_tune t;
	char why[256];

	(void)state;
	assert_int_equal(loopdev_tune_parse("block.scheduler=mq-deadline", &t, why, sizeof(why)), 0);
	assert_string_equal(t.attr, "scheduler");
	assert_string_equal(t.value, "mq-deadline");
	assert_int_equal(loopdev_tune_parse("block.nr_requests=64", &t, why, sizeof(why)), 0);
	assert_string_equal(t.attr, "nr_requests");
	assert_string_equal(t.value, "64");
	assert_int_equal(loopdev_tune_parse("block.read_ahead_kb=0", &t, why, sizeof(why)), 0);
	assert_string_equal(t.attr, "read_ahead_kb");
	assert_string_equal(t.value, "0");

	assert_int_equal(loopdev_tune_parse("block.rotational=1", &t, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "block.rotational"));
	assert_non_null(strstr(why, "block.scheduler"));
	assert_int_equal(loopdev_tune_parse("block.nr_requests=0", &t, why, sizeof(why)), -EINVAL);
	assert_int_equal(loopdev_tune_parse("block.nr_requests=1.5", &t, why, sizeof(why)), -EINVAL);
	assert_int_equal(loopdev_tune_parse("block.nr_requests=lots", &t, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "lots"));
	assert_int_equal(loopdev_tune_parse("block.read_ahead_kb=-1", &t, why, sizeof(why)), -EINVAL);
	/* nothing sysfs could read as two writes or a path */
	assert_int_equal(loopdev_tune_parse("block.scheduler=bfq\nnone", &t, why, sizeof(why)), -EINVAL);
	assert_int_equal(loopdev_tune_parse("block.scheduler=../x", &t, why, sizeof(why)), -EINVAL);
	assert_int_equal(loopdev_tune_parse("block.scheduler=", &t, why, sizeof(why)), -EINVAL);
	assert_int_equal(loopdev_tune_parse("block.scheduler", &t, why, sizeof(why)), -EINVAL);
	/* a prefix of a key is not the key */
	assert_int_equal(loopdev_tune_parse("block.sched=none", &t, why, sizeof(why)), -EINVAL);
}

static void test_tune_check(void **state)
{
	static const char *const mixed[] = { "net.core.somaxconn=4096", "block.scheduler=none",
					     "block.nr_requests=32", NULL };
	static const char *const other[] = { "block.scheduler=none", "vm.swappiness=1", NULL };
	static const char *const net_only[] = { "net.ipv4.tcp_congestion_control=bbr", NULL };
	char why[256];
	int n = -1;

	(void)state;
	assert_int_equal(io_tune_check(NULL, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(io_tune_check(mixed, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(io_tune_check(net_only, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(io_tune_check(other, &n, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "vm.swappiness"));
	assert_true(loopdev_tune_is_block("block.scheduler=none"));
	assert_false(loopdev_tune_is_block("net.core.somaxconn=1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_size),
		cmocka_unit_test(test_rand_offset),
		cmocka_unit_test(test_tune_parse),
		cmocka_unit_test(test_tune_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
