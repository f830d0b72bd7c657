/* log.c - diagnostics on stderr. */
#include <stdarg.h>
#include <stdio.h>

#include "core/log.h"

int log_verbose;

static void vlog(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "nodeperf: %s", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOG_FN(fn, level, cond)                   \
	void fn(const char *fmt, ...)             \
	{                                         \
		va_list ap;                       \
		if (!(cond))                      \
			return;                   \
		va_start(ap, fmt);                \
		vlog(level, fmt, ap);             \
		va_end(ap);                       \
	}

LOG_FN(log_err, "error: ", 1)
LOG_FN(log_warn, "warning: ", 1)
LOG_FN(log_info, "", 1)
LOG_FN(log_debug, "debug: ", log_verbose)
