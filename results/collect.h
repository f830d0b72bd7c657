/* collect.h - a result carried in a pod log between markers, and gathering a pool's results. */
#ifndef NP_COLLECT_H
#define NP_COLLECT_H

#include <stddef.h>
#include <stdio.h>

#include "results/result.h"

/*
 * The markers `run --log-markers` prints around the result, each on a line
 * of its own, the result as one line of compact JSON between them:
 *   ==== nodeperf-result-begin v1 node=NODE ====
 *   {"schema":"nodeperf/result/v1",...}
 *   ==== nodeperf-result-end v1 node=NODE exit=RC bytes=N ====
 * bytes is the length of the JSON line, so a log that lost a piece in the
 * middle is told apart from one that is merely cut short.
 */
#define COLLECT_BEGIN	"==== nodeperf-result-begin v1"
#define COLLECT_END	"==== nodeperf-result-end v1"

/* Print json (len bytes, no newline in it) between the markers on out, flush. */
void collect_print_markers(FILE *out, const char *node, int run_exit, const char *json, size_t len);

/*
 * Find the last result between markers in a pod log (text, len bytes) and
 * validate it with the result reader. Returns 0 and *res (owned by the
 * caller) and *run_exit (the run's exit code from the end marker), or
 * -ENOENT (no begin marker), -EPIPE (cut short: no end marker), -EINVAL
 * (damaged: wrong length, broken JSON, not a valid result, a partial
 * result) with the reason in why. `where` names the log in messages.
 * For -ENOENT why holds the log's last error line when it has one.
 */
int collect_parse_log(const char *text, size_t len, const char *where, struct result **res,
		      int *run_exit, char *why, size_t whylen);

/* A node name usable as a file name: [A-Za-z0-9._-], not starting with '.', 1..253 chars. */
int collect_node_name_ok(const char *node);

int cmd_collect(int argc, char **argv);

#endif
