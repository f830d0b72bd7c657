/* io.h - the pure parts of the io benches, for unit tests. */
#ifndef NP_BENCH_IO_H
#define NP_BENCH_IO_H

#include <stddef.h>
#include <stdint.h>

/* Size of the test file for a suite (enum suite bit): 64 MiB, 256 MiB, 1 GiB. */
uint64_t io_file_size(unsigned suite);
/* xorshift64*: the next pseudo-random number; *state must not be 0. */
uint64_t io_rand_next(uint64_t *state);
/* A random bs-aligned offset with offset + bs <= size. */
uint64_t io_rand_offset(uint64_t *state, uint64_t size, unsigned bs);
/*
 * Check the --tune list for the io benches: net.* keys are skipped (the net
 * benches' own), block.{scheduler,nr_requests,read_ahead_kb} counted in
 * *nblock, anything else -EINVAL with why naming it.
 */
int io_tune_check(const char *const *tune, int *nblock, char *why, size_t len);

#endif
