/* biolat.h - block I/O latency per device and operation, and the scheduler's queue time. */
#ifndef NP_BIOLAT_H
#define NP_BIOLAT_H

/*
 * Keys are NP_DEV_OP(major, minor, op) of the whole disk (partitions fold into
 * their disk), named "<disk>.<op>" by user space:
 *   <disk>.read   issue -> completion of REQ_OP_READ requests
 *   <disk>.write  issue -> completion of REQ_OP_WRITE requests
 *   <disk>.queue  insert into the scheduler -> issue to the driver, any operation
 *                 (requests issued directly, without an insert, have none)
 *   <disk>.other  issue -> completion of flush, discard, write-zeroes and the rest
 * A request is timed to its final completion; a partial completion (SCSI) is
 * not an end. Counters: map_full = a request still in flight was evicted from
 * the in-flight table to make room; missed = a completion (or an issue after an
 * insert) without its start, e.g. the request was issued before the probe
 * attached.
 */
#define BIOLAT_OP_READ		0
#define BIOLAT_OP_WRITE		1
#define BIOLAT_OP_QUEUE		2
#define BIOLAT_OP_OTHER		3
#define BIOLAT_MAX_KEYS		1024	/* disks x 4 */
#define BIOLAT_KEYS		{ "all" }	/* unused: keys are NP_KEY_DEV_OP */
#define BIOLAT_TRACEPOINTS	"block:block_rq_insert block:block_rq_issue block:block_rq_complete block:block_rq_merge"

#endif
