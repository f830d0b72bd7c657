/* tcpconnlat.h - active TCP connect latency: connect()'s SYN sent to the connection established. */
#ifndef NP_TCPCONNLAT_H
#define NP_TCPCONNLAT_H

/*
 * Measured from sock:inet_sock_set_state, no kprobe: stamped when a TCP
 * socket enters SYN_SENT (in connect(), so the cgroup and pid-tree filters
 * apply to the connecting task), ended when it leaves SYN_SENT.
 * np_hists (loglin, fixed keys):
 *   "all"       SYN_SENT -> ESTABLISHED: connect latency, every port
 *   "failed"    SYN_SENT -> CLOSE: refused, reset, timed out or aborted
 *               connects; the value is the time until the failure
 * np_l2hists (log2: a loglin histogram would be 16 KiB per CPU per port),
 * keyed by destination port (NP_KEY_PORT):
 *   "port.N"    SYN_SENT -> ESTABLISHED to destination port N; at most
 *               TCPCONNLAT_MAX_PORTS ports, more count as map_full
 * counters: map_full (in-flight connects table or port table full),
 * missed (without a filter: a connect that left SYN_SENT unstamped, because
 * the probe attached mid-flight or its stamp met a full table).
 */
#define TCPCONNLAT_KEY_ALL	0
#define TCPCONNLAT_KEY_FAILED	1
#define TCPCONNLAT_KEYS		{ "all", "failed" }
#define TCPCONNLAT_NKEYS	2
#define TCPCONNLAT_MAX_PORTS	128
#define TCPCONNLAT_MAX_INFLIGHT	16384	/* connects in SYN_SENT at once */
#define TCPCONNLAT_TRACEPOINTS	"sock:inet_sock_set_state"

#endif
