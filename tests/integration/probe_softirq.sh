# probe_softirq.sh - softirq: loopback traffic the test makes shows as NET_RX runs, timers as TIMER, every rung.
. "$(dirname "$0")/lib.sh"

N=2000
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
tracefs_before=$(grep -c ' /sys/kernel/tracing ' /proc/mounts)

if [ "$(id -u)" -ne 0 ]; then
	skip "softirq" "needs root (BPF)"
	exit 0
fi

# N one-byte messages each way over loopback TCP (127.0.0.1, an ephemeral
# port), each sent only once the previous one has arrived: every segment is
# received by its own NET_RX run (loopback hands packets to the backlog and
# raises NET_RX), so at least 2N runs. Then a second's sleep: the timer wheel
# always has something due within a second (TIMER).
PINGPONG="import os, socket, threading, time
N = int(os.environ['N'])
srv = socket.socket()
srv.bind(('127.0.0.1', 0))
srv.listen(1)
def serve():
    c, _ = srv.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while c.recv(1):
        c.sendall(b'x')
t = threading.Thread(target=serve)
t.start()
s = socket.create_connection(srv.getsockname())
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for _ in range(N):
    s.sendall(b'x')
    s.recv(1)
s.close()
t.join()
time.sleep(1)"
NAMES="['hi', 'timer', 'net_tx', 'net_rx', 'block', 'irq_poll', 'tasklet', 'sched', 'hrtimer', 'rcu']"

for rung in tp_btf raw_tp tracepoint; do
	N=$N "$NODEPERF" probe softirq --json --rung $rung -- $PY -c "$PINGPONG" >"$T/$rung.json" 2>"$T/err"
	check "softirq --rung $rung -- loopback ping-pong: exit 0" test $? -eq 0
	pycheck "softirq --rung $rung: every vector named, NET_RX runs >= 2N, TIMER runs" "$T/$rung.json" "
assert d['attach'] == '$rung', d['attach']
h = d['hists']
assert sorted(h) == sorted($NAMES), sorted(h)
assert h['net_rx']['n'] >= 2 * $N, h['net_rx']['n']
assert 0 < h['net_rx']['min'] <= h['net_rx']['p50'] <= h['net_rx']['max'], h['net_rx']
assert h['timer']['n'] > 0, h['timer']
assert d['samples'] == sum(x['n'] for x in h.values()), d['samples']
assert d['counters']['map_full'] == 0 and d['counters']['lost'] == 0, d['counters']
assert all(p['run_cnt'] > 0 and p['cost_ns_per_event'] > 0 for p in d['programs']), d['programs']"
done
check "tracefs mount state is as it was" settled sh -c "test \"\$(grep -c ' /sys/kernel/tracing ' /proc/mounts)\" = $tracefs_before"

# text output like the classic tools; no filters: softirqs belong to no task
N=200 "$NODEPERF" probe softirq -- $PY -c "$PINGPONG" >"$T/out" 2>"$T/err"
check "softirq text output: exit 0" test $? -eq 0
check "text output has net_rx with a histogram" sh -c "grep -q '^net_rx: n ' '$T/out' && grep -q 'nsecs.*: count.*distribution' '$T/out'"
expect_exit "softirq --cgroup: refused, exit 2" 2 "$NODEPERF" probe softirq --duration 1 --cgroup /sys/fs/cgroup
check "softirq --cgroup says it is system-wide" grep -q "no cgroup filter" "$T/err"

# nothing left behind
check "bpf_stats_enabled is back to $stats_before" test "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before"
if command -v bpftool >/dev/null; then
	check "no softirq program left loaded" settled sh -c "! bpftool prog show | grep -qE 'name (btf|raw|tp)_sirq_(entry|exit) '"
fi
