/* tcprtt.h - TCP smoothed round-trip time, as the kernel's estimator holds it on each received segment. */
#ifndef NP_TCPRTT_H
#define NP_TCPRTT_H

/*
 * Sampled at tcp:tcp_probe, which fires for each segment (data or ACK) that
 * an established socket receives: the value is the socket's srtt then, in
 * ns (the kernel keeps eighths of a microsecond; the classic rung's event
 * has whole microseconds). Sockets without an RTT estimate (0) are skipped.
 * Received in softirq, on behalf of any task: system-wide, no task filter.
 * np_hists (loglin):
 *   "all"       every sample
 * np_l2hists (log2: a loglin histogram would be 16 KiB per CPU per port),
 * keyed by port (NP_KEY_PORT):
 *   "port.N"    connections whose lower port is N: the service port when
 *               the other end uses an ephemeral port, so both the client's
 *               and the server's samples of a connection to port N land
 *               here (keying by the raw destination port would give a
 *               server one key per client port); at most TCPRTT_MAX_PORTS
 *               ports, more count as map_full
 */
#define TCPRTT_KEY_ALL		0
#define TCPRTT_KEYS		{ "all" }
#define TCPRTT_NKEYS		1
#define TCPRTT_MAX_PORTS	128
#define TCPRTT_TRACEPOINTS	"tcp:tcp_probe"

#endif
