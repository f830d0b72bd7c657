/* net.c - TCP/UDP request-response, connect and stream benches over loopback, veth and bridge paths. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/log.h"
#include "core/netns.h"
#include "core/sandbox.h"
#include "core/topo.h"
#include "core/util.h"

enum net_test { NET_TCP_RR, NET_UDP_RR, NET_TCP_CRR, NET_TCP_STREAM };

struct net_cfg {
	enum net_test test;
	enum netns_path path;
};

#define STREAM_CHUNK	131072	/* one send() of the stream: what iperf3 writes by default */
#define UDP_MAX		65507		/* the largest UDP payload over IPv4 */
#define RTT_SAMPLE_NS	1000000		/* the stream's sender reads tcpi_rtt once a millisecond */
#define UDP_WAIT_S	1		/* a reply later than this is a lost datagram */

/* One bench run: its path, CPUs and counters over all its repetitions. */
struct net_bench {
	struct bench_ctx *ctx;
	const struct net_cfg *cfg;
	struct netns_topo nt;
	int cpu[2];			/* client, server */
	unsigned size;			/* request = response size of rr benches */
	uint16_t port;
	char *buf[2];			/* client's and server's buffers */
	size_t buflen;
	unsigned calls;			/* repetition functions run (the first one is the warm-up) */
	uint64_t connects, txns, warm_txns;
};

/* One repetition: a server thread and a client thread. */
struct net_rep {
	struct net_bench *nb;
	struct hist *h;
	uint64_t deadline;
	int lfd;			/* server: listening (TCP) or bound (UDP) socket */
	_Atomic int cfd;		/* server: the accepted connection */
	_Atomic int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int ready;			/* server: 1 listening, < 0 failed */
	int setup_err;			/* server: why it could not listen */
	int err[2];
	uint64_t txns, connects;
	uint64_t bytes, t_first, t_last;	/* stream, at the receiver */
};

static int is_tcp(const struct net_cfg *cfg)
{
	return cfg->test != NET_UDP_RR;
}

/* "1b", "1k", "16k", "100b": the metric name's size part. */
static void size_label(char *buf, size_t len, unsigned size)
{
	if (size % 1024 == 0)
		snprintf(buf, len, "%uk", size / 1024);
	else
		snprintf(buf, len, "%ub", size);
}

/* A port of this run: concurrent runs and the tcpconnlat key stay apart. */
static uint16_t run_port(void)
{
	return (uint16_t)(10000 + (unsigned)getpid() % 20000);
}

static int send_full(int fd, const char *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = send(fd, buf + off, n - off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR && !sandbox_stop)
				continue;
			return -errno;
		}
		off += (size_t)w;
	}
	return 0;
}

/* n bytes; 0 when done, 1 at end of stream, -errno. */
static int recv_full(int fd, char *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = recv(fd, buf + off, n - off, 0);

		if (r == 0)
			return 1;
		if (r < 0) {
			if (errno == EINTR && !sandbox_stop)
				continue;
			return -errno;
		}
		off += (size_t)r;
	}
	return 0;
}

static int sock_opts(const struct net_bench *nb, int fd)
{
	int one = 1, us = (int)nb->ctx->busy_poll_us;

	if (is_tcp(nb->cfg) && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -errno;
	if (us && setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us)))
		return -errno;
	return 0;
}

static void server_addr(const struct net_bench *nb, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(nb->port);
	inet_pton(AF_INET, nb->nt.addr[1], &sa->sin_addr);
}

/* Enter the side's namespace and CPU. */
static int enter(struct net_rep *r, enum netns_side side)
{
	int rc = netns_enter(&r->nb->nt, side);

	if (!rc)
		rc = topo_pin_self(r->nb->ctx->topo, r->nb->cpu[side == NETNS_SERVER]);
	return rc;
}

/* --- server --- */

static int server_listen(struct net_rep *r)
{
	struct net_bench *nb = r->nb;
	struct sockaddr_in sa;
	int one = 1, rc;

	r->lfd = socket(AF_INET, (is_tcp(nb->cfg) ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (r->lfd < 0)
		return -errno;
	/* the previous repetition's connections may still be in TIME_WAIT */
	if (setsockopt(r->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		return -errno;
	rc = sock_opts(nb, r->lfd);
	if (rc)
		return rc;
	server_addr(nb, &sa);
	if (bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	if (is_tcp(nb->cfg) && listen(r->lfd, 128))
		return -errno;
	return 0;
}

static int serve_rr_tcp(struct net_rep *r, char *buf)
{
	unsigned size = r->nb->size;
	int c, rc;

	c = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return -errno;
	atomic_store(&r->cfd, c);
	rc = sock_opts(r->nb, c);
	while (!rc) {
		rc = recv_full(c, buf, size);
		if (rc)
			break;
		rc = send_full(c, buf, size);
	}
	return rc == 1 ? 0 : rc;
}

static int serve_rr_udp(struct net_rep *r, char *buf)
{
	struct sockaddr_in peer;
	socklen_t plen;
	ssize_t n;

	for (;;) {
		plen = sizeof(peer);
		n = recvfrom(r->lfd, buf, r->nb->buflen, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0 && errno == EINTR && !sandbox_stop)
			continue;
		if (n <= 0)	/* an empty datagram says goodbye */
			return n < 0 ? -errno : 0;
		if (sendto(r->lfd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen) != n)
			return -errno;
	}
}

/*
 * Accept, read the 1-byte request, answer, close. The server closes first,
 * as an HTTP/1.0 server does: TIME_WAIT stays on its side, and the client
 * never runs out of ephemeral ports however many connections a repetition
 * makes.
 */
static int serve_crr(struct net_rep *r, char *buf)
{
	int c, rc;

	for (;;) {
		c = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR && !sandbox_stop)
				continue;
			return -errno;
		}
		rc = sock_opts(r->nb, c);
		if (!rc)
			rc = recv_full(c, buf, 1);
		if (!rc)
			rc = send_full(c, buf, 1);
		close(c);
		if (rc < 0)
			return rc;
	}
}

static int serve_stream(struct net_rep *r, char *buf)
{
	ssize_t n;
	int c;

	c = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return -errno;
	atomic_store(&r->cfd, c);
	for (;;) {
		n = recv(c, buf, r->nb->buflen, 0);
		if (n < 0 && errno == EINTR && !sandbox_stop)
			continue;
		if (n <= 0)
			break;
		if (!r->bytes)
			r->t_first = now_ns();
		r->bytes += (uint64_t)n;
	}
	r->t_last = now_ns();
	/* closing tells the sender everything arrived */
	shutdown(c, SHUT_WR);
	return n < 0 ? -errno : 0;
}

static void *server_main(void *arg)
{
	struct net_rep *r = arg;
	char *buf = r->nb->buf[1];
	int rc;

	rc = enter(r, NETNS_SERVER);
	if (!rc)
		rc = server_listen(r);
	pthread_mutex_lock(&r->mu);
	r->setup_err = rc;
	r->ready = rc ? -1 : 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (rc)
		goto out;
	switch (r->nb->cfg->test) {
	case NET_TCP_RR:
		rc = serve_rr_tcp(r, buf);
		break;
	case NET_UDP_RR:
		rc = serve_rr_udp(r, buf);
		break;
	case NET_TCP_CRR:
		rc = serve_crr(r, buf);
		break;
	case NET_TCP_STREAM:
		rc = serve_stream(r, buf);
		break;
	}
out:
	/* woken by the main thread's shutdown once the client is done: not an error */
	r->err[1] = atomic_load(&r->stop) ? 0 : rc;
	return NULL;
}

/* --- client --- */

static int client_connect(struct net_rep *r, int *out)
{
	struct net_bench *nb = r->nb;
	struct sockaddr_in sa;
	int fd, rc;

	fd = socket(AF_INET, (is_tcp(nb->cfg) ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = sock_opts(nb, fd);
	if (rc)
		goto out_close;
	server_addr(nb, &sa);
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == EINTR && !sandbox_stop)
			continue;
		rc = -errno;
		goto out_close;
	}
	if (is_tcp(nb->cfg))
		r->connects++;
	*out = fd;
	return 0;
out_close:
	close(fd);
	return rc;
}

/* One request, one response, one sample per transaction. */
static int client_rr(struct net_rep *r, char *buf)
{
	unsigned size = r->nb->size;
	uint64_t t0, t1;
	int fd = -1, rc;

	rc = client_connect(r, &fd);
	if (rc)
		return rc;
	if (!is_tcp(r->nb->cfg)) {
		struct timeval tv = { .tv_sec = UDP_WAIT_S };

		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
			rc = -errno;
			goto out_close;
		}
	}
	t1 = now_ns();
	while (!sandbox_stop && t1 < r->deadline) {
		t0 = t1;
		if (is_tcp(r->nb->cfg)) {
			rc = send_full(fd, buf, size);
			if (!rc)
				rc = recv_full(fd, buf, size);
			if (rc == 1)
				rc = -ECONNRESET;
		} else {
			ssize_t n;

			rc = send(fd, buf, size, 0) == (ssize_t)size ? 0 : -errno;
			while (!rc && (n = recv(fd, buf, size, 0)) != (ssize_t)size) {
				if (n < 0 && errno == EINTR && !sandbox_stop)
					continue;
				rc = n < 0 ? (errno == EAGAIN ? -ETIMEDOUT : -errno) : -EPROTO;
			}
		}
		t1 = now_ns();
		if (rc)
			break;
		hist_record(r->h, t1 - t0);
		r->txns++;
	}
	if (!is_tcp(r->nb->cfg))
		send(fd, buf, 0, 0);
out_close:
	close(fd);
	return rc;
}

/* socket, connect, 1-byte request, 1-byte response, the server's close seen, close. */
static int client_crr(struct net_rep *r, char *buf)
{
	uint64_t t0, t1 = now_ns();
	int fd = -1, rc = 0;

	while (!sandbox_stop && t1 < r->deadline) {
		t0 = t1;
		rc = client_connect(r, &fd);
		if (rc)
			break;
		rc = send_full(fd, buf, 1);
		if (!rc)
			rc = recv_full(fd, buf, 1);
		if (rc == 1)
			rc = -ECONNRESET;
		if (!rc && recv_full(fd, buf, 1) != 1)
			rc = -EPROTO;
		close(fd);
		t1 = now_ns();
		if (rc)
			break;
		hist_record(r->h, t1 - t0);
		r->txns++;
	}
	return rc;
}

/* Send until the deadline; tcpi_rtt once a millisecond into the histogram. */
static int client_stream(struct net_rep *r, char *buf)
{
	uint64_t now, next_rtt = 0;
	struct tcp_info ti;
	socklen_t tlen;
	int fd = -1, rc;
	ssize_t w;

	rc = client_connect(r, &fd);
	if (rc)
		return rc;
	now = now_ns();
	while (!sandbox_stop && now < r->deadline) {
		w = send(fd, buf, STREAM_CHUNK, MSG_NOSIGNAL);
		if (w < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
		now = now_ns();
		if (now >= next_rtt) {
			tlen = sizeof(ti);
			if (!getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen) && ti.tcpi_rtt)
				hist_record(r->h, (uint64_t)ti.tcpi_rtt * 1000);
			next_rtt = now + RTT_SAMPLE_NS;
		}
	}
	if (!rc) {
		shutdown(fd, SHUT_WR);
		rc = recv_full(fd, buf, 1);	/* the receiver's close: all data is in */
		rc = rc == 1 ? 0 : rc ? rc : -EPROTO;
	}
	close(fd);
	return rc;
}

static void *client_main(void *arg)
{
	struct net_rep *r = arg;
	char *buf = r->nb->buf[0];
	int rc;

	rc = enter(r, NETNS_CLIENT);
	if (rc)
		goto out;
	switch (r->nb->cfg->test) {
	case NET_TCP_RR:
	case NET_UDP_RR:
		rc = client_rr(r, buf);
		break;
	case NET_TCP_CRR:
		rc = client_crr(r, buf);
		break;
	case NET_TCP_STREAM:
		rc = client_stream(r, buf);
		break;
	}
out:
	/* an interrupted call is the run stopping, which the runner reports */
	r->err[0] = rc == -EINTR && sandbox_stop ? 0 : rc;
	return NULL;
}

/* --- one repetition --- */

static int run_rep(struct net_bench *nb, double seconds, struct hist *h, struct net_rep *r)
{
	pthread_t ts, tc;
	int rc, c;

	memset(r, 0, sizeof(*r));
	r->nb = nb;
	r->h = h;
	r->lfd = -1;
	atomic_init(&r->cfd, -1);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	rc = -pthread_create(&ts, NULL, server_main, r);
	if (rc)
		goto out_destroy;
	pthread_mutex_lock(&r->mu);
	while (!r->ready)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
	if (r->ready > 0) {
		r->deadline = now_ns() + (uint64_t)(seconds * 1e9);
		rc = -pthread_create(&tc, NULL, client_main, r);
		if (!rc)
			pthread_join(tc, NULL);
	} else {
		rc = r->setup_err;
	}
	/* wake the server wherever it waits: accept, recv */
	atomic_store(&r->stop, 1);
	if (r->lfd >= 0)
		shutdown(r->lfd, SHUT_RDWR);
	c = atomic_load(&r->cfd);
	if (c >= 0)
		shutdown(c, SHUT_RDWR);
	pthread_join(ts, NULL);
	if (!rc)
		rc = r->err[0] ? r->err[0] : r->err[1];
	if (c >= 0)
		close(c);
	if (r->lfd >= 0)
		close(r->lfd);
	if (!nb->calls++)
		nb->warm_txns = r->txns;
	nb->txns += r->txns;
	nb->connects += r->connects;
out_destroy:
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	return rc;
}

static int latency_rep(struct bench_ctx *ctx, void *arg, double seconds, struct hist *h)
{
	struct net_rep r;

	(void)ctx;
	return run_rep(arg, seconds, h, &r);
}

static int stream_rep(struct bench_ctx *ctx, void *arg, double seconds, double *rate, struct hist *h)
{
	struct net_rep r;
	int rc;

	(void)ctx;
	rc = run_rep(arg, seconds, h, &r);
	if (rc)
		return rc;
	*rate = r.t_last > r.t_first ? (double)r.bytes * 1e9 / (double)(r.t_last - r.t_first) : 0;
	return 0;
}

/* --- the benches --- */

static enum topo_pair pair_of(const struct bench_ctx *ctx)
{
	return ctx->same_core ? TOPO_SAME_PU : TOPO_ANY_TWO_CORES;
}

static int net_available(struct bench_ctx *ctx, char *why, size_t len)
{
	int cpu[2];

	if (!ctx->topo) {
		snprintf(why, len, "no hwloc topology to pin threads with");
		return 0;
	}
	if (topo_pick_pair(ctx->topo, pair_of(ctx), &cpu[0], &cpu[1])) {
		snprintf(why, len, "needs %s CPUs; this process may run on %u logical CPU(s)",
			 topo_pair_name(pair_of(ctx)), topo_npus(ctx->topo));
		return 0;
	}
	return netns_supported(why, len) == 0;
}

static json_t *tune_json(const char *const *tune)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; tune && tune[i]; i++) {
		const char *eq = strchr(tune[i], '=');
		char key[256];

		if (!eq || !str_starts(tune[i], "net.") || (size_t)(eq - tune[i]) >= sizeof(key))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - tune[i]), tune[i]);
		json_object_set_new(o, key, json_string(eq + 1));
	}
	return o;
}

static json_t *net_params(const struct net_bench *nb, unsigned size)
{
	const struct bench_ctx *ctx = nb->ctx;
	json_t *p, *ns = json_array(), *tune = tune_json(ctx->tune);
	unsigned i;

	for (i = 0; i < nb->nt.nns; i++)
		json_array_append_new(ns, json_string(nb->nt.name[i]));
	p = json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:{s:s, s:s}, s:i, s:o}", "path",
		      netns_path_name(nb->cfg->path), "transport", is_tcp(nb->cfg) ? "tcp" : "udp", "pinning",
		      "pair", topo_pair_name(pair_of(ctx)), "client", topo_cpu_json(ctx->topo, nb->cpu[0]),
		      "server", topo_cpu_json(ctx->topo, nb->cpu[1]), "addresses", "client", nb->nt.addr[0],
		      "server", nb->nt.addr[1], "port", (int)nb->port, "namespaces", ns);
	if (!p) {
		json_decref(tune);
		return NULL;
	}
	if (size)
		json_object_set_new(p, "size", json_integer(size));
	if (nb->cfg->test == NET_TCP_STREAM)
		json_object_set_new(p, "write_size", json_integer(STREAM_CHUNK));
	json_object_set_new(p, "busy_poll_us", json_integer(ctx->busy_poll_us));
	if (json_object_size(tune))
		json_object_set_new(p, "tune", tune);
	else
		json_decref(tune);
	return p;
}

/* The sizes of an rr bench: --msg-size, or the suite's. */
static unsigned rr_sizes(const struct bench_ctx *ctx, unsigned *sizes)
{
	unsigned n = 0;

	if (ctx->msg_size) {
		sizes[n++] = ctx->msg_size;
		return n;
	}
	sizes[n++] = 1;
	sizes[n++] = 1024;
	if (ctx->suite & SUITE_FULL)
		sizes[n++] = 16384;
	return n;
}

static int measure(struct net_bench *nb, struct result *res)
{
	struct bench_ctx *ctx = nb->ctx;
	char name[128], label[16];
	unsigned sizes[3], n, i;
	struct metric *m;
	int rc = 0;

	switch (nb->cfg->test) {
	case NET_TCP_RR:
	case NET_UDP_RR:
		n = rr_sizes(ctx, sizes);
		for (i = 0; i < n && !rc && !sandbox_stop; i++) {
			nb->size = sizes[i];
			size_label(label, sizeof(label), sizes[i]);
			snprintf(name, sizeof(name), "%s.%s", ctx->bench_name, label);
			rc = bench_latency(ctx, res, name, latency_rep, nb, net_params(nb, sizes[i]));
		}
		return rc;
	case NET_TCP_CRR:
		nb->size = 1;
		rc = bench_latency(ctx, res, ctx->bench_name, latency_rep, nb, net_params(nb, 1));
		if (rc)
			return rc;
		/* every transaction is one connection: the count the tests hold against tcpconnlat */
		m = &res->metrics[res->nmetrics - 1];
		if (m->params) {
			json_object_set_new(m->params, "connects", json_integer((json_int_t)nb->connects));
			json_object_set_new(m->params, "transactions", json_integer((json_int_t)nb->txns));
			json_object_set_new(m->params, "warmup_transactions", json_integer((json_int_t)nb->warm_txns));
		}
		return 0;
	case NET_TCP_STREAM:
		snprintf(name, sizeof(name), "%s.rtt", ctx->bench_name);
		return bench_rate(ctx, res, ctx->bench_name, "B/s", stream_rep, nb, net_params(nb, 0), name);
	}
	return -EINVAL;
}

static int net_run(struct bench_ctx *ctx, struct result *res)
{
	const struct net_cfg *cfg = ctx->cfg;
	struct net_bench nb;
	char err[512];
	int rc;

	memset(&nb, 0, sizeof(nb));
	nb.ctx = ctx;
	nb.cfg = cfg;
	nb.port = run_port();
	rc = topo_pick_pair(ctx->topo, pair_of(ctx), &nb.cpu[0], &nb.cpu[1]);
	if (rc)
		return rc;
	if (cfg->test == NET_UDP_RR && ctx->msg_size > UDP_MAX) {
		log_err("%s: --msg-size %u does not fit one UDP datagram (at most %u B)", ctx->bench_name,
			ctx->msg_size, UDP_MAX);
		return -EMSGSIZE;
	}
	nb.buflen = ctx->msg_size > STREAM_CHUNK ? ctx->msg_size : STREAM_CHUNK;
	nb.buf[0] = calloc(1, nb.buflen);
	nb.buf[1] = calloc(1, nb.buflen);
	if (!nb.buf[0] || !nb.buf[1]) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = netns_build(&nb.nt, cfg->path, ctx->tune, err, sizeof(err));
	if (rc) {
		log_err("%s: %s path: %s", ctx->bench_name, netns_path_name(cfg->path), err);
		result_add_skip(res, ctx->bench_name, err);
		goto out_free;
	}
	rc = measure(&nb, res);
	netns_destroy(&nb.nt);
out_free:
	free(nb.buf[0]);
	free(nb.buf[1]);
	return rc;
}

static const char *const net_probes[] = { "tcprtt", "softirq", "runqlat", NULL };
static const char *const crr_probes[] = { "tcprtt", "softirq", "runqlat", "tcpconnlat", NULL };

#define NET_ENTRY(test_, path_, id, bname, text, probes_)                      \
	static const struct net_cfg id##_cfg = { NET_##test_, NETNS_##path_ }; \
	BENCH_DEF(bench_##id, bname, text, SUITE_ALL, probes_, net_available, net_run, &id##_cfg)

#define NET_PATHS(test_, id, bname, what, probes_)                                                       \
	NET_ENTRY(test_, LO, id##_lo, bname ".lo", what " over loopback in a private netns", probes_);   \
	NET_ENTRY(test_, VETH, id##_veth, bname ".veth", what " between two netns over a veth pair",     \
		  probes_);                                                                              \
	NET_ENTRY(test_, BRIDGE, id##_bridge, bname ".bridge", what " between two netns through a bridge", \
		  probes_)

NET_PATHS(TCP_RR, net_tcp_rr, "net.tcp_rr", "TCP request/response latency", net_probes);
NET_PATHS(UDP_RR, net_udp_rr, "net.udp_rr", "UDP request/response latency", net_probes);
NET_PATHS(TCP_CRR, net_tcp_crr, "net.tcp_crr", "TCP connect + 1 B request/response + close", crr_probes);
NET_PATHS(TCP_STREAM, net_tcp_stream, "net.tcp_stream", "single-flow TCP throughput and tcpi_rtt", net_probes);
