/* netns.h - network paths for benches: private namespaces joined by loopback, a veth pair or a bridge. */
#ifndef NP_NETNS_H
#define NP_NETNS_H

#include <stddef.h>
#include <sys/types.h>

/*
 * A path is built from named namespaces (/run/netns/np-PID-SEQ-ROLE, so
 * `nodeperf cleanup` finds those of a killed run) that nodeperf creates and
 * registers with the sandbox; links and the bridge live only inside them,
 * so nothing of a path is ever visible in the host's namespace. Addresses
 * come from 198.18.0.0/15 (RFC 2544), the third octet and the low bit of the
 * second taken from the pid, so concurrent runs never share a subnet.
 */
enum netns_path {
	NETNS_LO,	/* one namespace, client and server over its loopback */
	NETNS_VETH,	/* client and server namespaces joined by a veth pair */
	NETNS_BRIDGE,	/* both attached by veth pairs to a bridge in a third namespace */
};

enum netns_side { NETNS_CLIENT, NETNS_SERVER, NETNS_BRIDGE_NS, NETNS_MAX };

struct netns_topo {
	enum netns_path path;
	unsigned nns;			/* namespaces in use: 1, 2 or 3 */
	char name[NETNS_MAX][32];	/* namespace names; client, server, bridge */
	int fd[NETNS_MAX];		/* open namespace files, -1 when none */
	int handle[NETNS_MAX];		/* sandbox registrations, 0 when none */
	char addr[2][16];		/* client and server IPv4 addresses */
};

const char *netns_path_name(enum netns_path path);

/*
 * Whether this process may create named network namespaces: 0, or -errno
 * with the reason in why. Creates and removes one (the answer is cached).
 */
int netns_supported(char *why, size_t len);

/*
 * Build a path: namespaces, tune settings, links, addresses, all up. tune is
 * the run's --tune list (NULL-terminated, may be NULL): every net.* KEY=VALUE
 * is written under /proc/sys/net/ inside each namespace of the path, right
 * after it is created (before its links exist, so net.ipv4.conf.default.*
 * reaches them); block.* keys belong to other benches and are ignored. On
 * error everything made so far is removed, err says what failed, and the
 * return is -errno: -EINVAL a malformed key or one of no known family,
 * -ENOENT no such sysctl, -EOPNOTSUPP a sysctl only the host's namespace has,
 * -EACCES one that is read-only inside a namespace, or what the write said.
 */
int netns_build(struct netns_topo *t, enum netns_path path, const char *const *tune, char *err,
		size_t len);
/* Remove what netns_build made; safe on a zeroed or half-built topo. */
void netns_destroy(struct netns_topo *t);

/* Move the calling thread into namespace side (setns). 0 or -errno. */
int netns_enter(const struct netns_topo *t, enum netns_side side);

/* --- pure helpers (unit tested) --- */

/* "np-PID-SEQ-ROLE". 0 or -ENAMETOOLONG. */
int netns_name(char *buf, size_t len, pid_t pid, unsigned seq, char role);
/* 198.(18 + (pid >> 8 & 1)).(pid & 255).host; host 1..254. 0 or -EINVAL. */
int netns_addr(char *buf, size_t len, pid_t pid, unsigned host);
/*
 * The /proc/sys path of a net.* tune key: "net.ipv4.tcp_rmem" ->
 * "/proc/sys/net/ipv4/tcp_rmem". 0; 1 for a block.* key (not a network
 * setting: skip it); -EINVAL for a malformed key (empty part, "..", '/',
 * characters outside [A-Za-z0-9_.-]) or one outside net.* and block.*.
 */
int netns_tune_path(const char *key, char *path, size_t len);

#endif
