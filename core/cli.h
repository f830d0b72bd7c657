/* cli.h - exit codes and usage errors shared by every command. */
#ifndef NP_CLI_H
#define NP_CLI_H

#include <stdio.h>

/* Documented in README.md and docs/nodeperf.1.md. */
#define EXIT_REGRESSION		1	/* compare: a regression or broken limit */
#define EXIT_BAD_INPUT		2	/* bad flag, bad file, unknown name */
#define EXIT_RUNTIME		3	/* the node refused: permission, I/O, a bench failed */
#define EXIT_INTERRUPTED	130	/* SIGINT (SIGTERM: 143) */

/* Print "nodeperf CMD: MESSAGE" and the usage on stderr; returns EXIT_BAD_INPUT. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Common getopt tail: for an unknown option or a missing argument (getopt
 * returned '?' or ':'), print usage on stderr and return EXIT_BAD_INPUT.
 */
int cli_bad_option(const char *usage);

int cmd_snapshot(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_compare(int argc, char **argv);

#endif
