/* probe_cmd.c - the probe command: one probe, standalone, per interval or around a command. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/log.h"
#include "core/sandbox.h"
#include "core/util.h"
#include "probes/probe.h"

static const char probe_usage[] =
	"usage: nodeperf probe NAME [--duration S] [--interval S] [--cgroup PATH] [--pid PID]\n"
	"                      [--rung tp_btf|raw_tp|tracepoint] [--json] [-v] [-- COMMAND...]\n"
	"  Attach one eBPF probe and print what it sees: a histogram per key, like\n"
	"  the classic tools, per interval or once at the end. `nodeperf list` shows\n"
	"  the probes and the rung each attaches with on this kernel.\n"
	"  --duration S   stop after S seconds (default 10; Ctrl-C stops early)\n"
	"  --interval S   print every S seconds what that interval saw\n"
	"  --cgroup PATH  only tasks of this cgroup v2 directory (probes that filter)\n"
	"  --pid PID      only PID and its descendants (probes that filter)\n"
	"  --rung R       start the attach ladder at R (tp_btf > raw_tp > tracepoint)\n"
	"  --json         one JSON object per report (the result file's probe object)\n"
	"  -- COMMAND     run COMMAND, filtered to its pid tree, until it exits\n"
	"  Exit: 0, 2 bad usage or filter, 3 the kernel or permissions refused the probe,\n"
	"  or COMMAND's failure status.\n";

static void report(struct probe *p, int since_last, int as_json)
{
	json_t *data = probe_collect(p, since_last);

	if (!data) {
		log_err("probe: cannot read the probe's maps: %s", strerror(errno));
		return;
	}
	if (as_json) {
		json_dumpf(data, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		probe_print(data, stdout);
	}
	fflush(stdout);
	json_decref(data);
}

/* Fork COMMAND held at a pipe, so the probe is attached before it runs. */
static pid_t spawn_held(char **argv, int *release_fd)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "nodeperf: probe: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*release_fd = fds[1];
	return pid;
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "rung", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct probe_opts po = { 0 };
	const struct probe_def *def;
	double duration = 10, interval = 0;
	int c, as_json = 0, release = -1, status = 0, rc;
	char **cmd = NULL, why[1024];
	struct probe *p = NULL;
	uint64_t t0, next;
	pid_t child = 0;
	char *end;

	/* COMMAND's own options are its own: parse only what comes before "--" */
	for (c = 1; c < argc; c++) {
		if (!strcmp(argv[c], "--")) {
			cmd = &argv[c + 1];
			if (!*cmd)
				return cli_usage_error(probe_usage, "probe: no COMMAND after --");
			argc = c;
			break;
		}
	}
	while ((c = getopt_long(argc, argv, "d:i:c:p:r:jvh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_number(optarg, 0.001, 86400, &duration))
				return cli_usage_error(probe_usage, "probe: --duration wants seconds, not '%s'", optarg);
			break;
		case 'i':
			if (parse_number(optarg, 0.001, 86400, &interval))
				return cli_usage_error(probe_usage, "probe: --interval wants seconds, not '%s'", optarg);
			break;
		case 'c':
			po.cgroup = optarg;
			break;
		case 'p':
			po.pid = (pid_t)strtol(optarg, &end, 10);
			if (*end || po.pid <= 0)
				return cli_usage_error(probe_usage, "probe: --pid wants a process id, not '%s'", optarg);
			break;
		case 'r':
			po.rung = probe_rung_parse(optarg);
			if (po.rung < 0)
				return cli_usage_error(probe_usage, "probe: unknown rung '%s'", optarg);
			break;
		case 'j':
			as_json = 1;
			break;
		case 'v':
			log_verbose = 1;
			break;
		case 'h':
			fputs(probe_usage, stdout);
			return 0;
		default:
			return cli_bad_option(probe_usage);
		}
	}
	if (optind >= argc)
		return cli_usage_error(probe_usage, "probe: which probe? `nodeperf list` shows them");
	def = probe_find(argv[optind]);
	if (!def)
		return cli_usage_error(probe_usage, "probe: unknown probe '%s'", argv[optind]);
	if (optind + 1 < argc)
		return cli_usage_error(probe_usage, "probe: unexpected argument '%s'", argv[optind + 1]);
	if (cmd && po.pid)
		return cli_usage_error(probe_usage, "probe: --pid and a COMMAND exclude each other");

	sandbox_init();
	if (cmd) {
		child = spawn_held(cmd, &release);
		if (child < 0) {
			log_err("probe: cannot start %s: %s", cmd[0], strerror((int)-child));
			return EXIT_RUNTIME;
		}
		if (def->filters & PROBE_FILTER_TREE)
			po.pid = child;
	}
	rc = probe_start(def, &po, &p, why, sizeof(why));
	if (rc) {
		log_err("probe %s: %s", def->name, why);
		if (child > 0) {
			kill(child, SIGKILL);
			close(release);
			waitpid(child, NULL, 0);
		}
		return rc == -EPERM || rc == -ENOENT || rc == -EOPNOTSUPP || rc == -ENOSYS ? EXIT_RUNTIME
		       : rc == -EINVAL || rc == -ESRCH ? EXIT_BAD_INPUT : EXIT_RUNTIME;
	}
	/* on stderr in every mode: scripts wait for this line before making events */
	fprintf(stderr, "nodeperf: %s attached (%s)%s\n", def->name, probe_rung_name(probe_rung_used(p)),
		cmd ? "" : "; Ctrl-C to stop");
	if (child > 0) {
		if (write(release, "x", 1) != 1)
			log_warn("probe: could not release %s", cmd[0]);
		close(release);
	}

	t0 = now_ns();
	next = interval ? t0 + (uint64_t)(interval * 1e9) : UINT64_MAX;
	while (!sandbox_stop) {
		uint64_t now = now_ns();

		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child = 0;
			break;
		}
		if (!cmd && now - t0 >= (uint64_t)(duration * 1e9))
			break;
		if (now >= next) {
			report(p, 1, as_json);
			next += (uint64_t)(interval * 1e9);
		}
		probe_poll(p, 50);
	}
	/* let the last events of COMMAND reach the ring buffer */
	probe_poll(p, 0);
	report(p, interval ? 1 : 0, as_json);
	probe_stop(p);
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
	}
	if (cmd && WIFEXITED(status) && WEXITSTATUS(status))
		return WEXITSTATUS(status);
	if (cmd && WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 0;
}
