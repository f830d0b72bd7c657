# probe_tcprtt.sh - tcprtt: smoothed RTT samples of a loopback transfer the test makes, every rung.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "tcprtt" "needs root (BPF, network namespaces)"
	exit 0
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
	skip "tcprtt" "no iproute2 with netns support (ip netns)"
	exit 0
fi

NS=np-$$-t
# tcprtt keys a connection by its lower port: the sink's port must sit below
# the client's ephemeral ports, which the namespace's own range guarantees
PORT=7003
MIB=8
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
tracefs_before=$(grep -c ' /sys/kernel/tracing ' /proc/mounts)
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# A sink: reads each connection to its end, then closes it.
cat >"$T/sink.py" <<'EOF'
import os, socket, sys
ready, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", port))
s.listen(16)
open(ready + ".tmp", "w").close()
os.rename(ready + ".tmp", ready)
while True:
    c = s.accept()[0]
    while c.recv(1 << 20):
        pass
    c.close()
EOF
# Sends MIB MiB, then waits for the sink to close: every byte was acked.
cat >"$T/send.py" <<'EOF'
import socket, sys
port, mib = int(sys.argv[1]), int(sys.argv[2])
c = socket.create_connection(("127.0.0.1", port))
buf = b"x" * (1 << 16)
for _ in range(mib * 16):
    c.sendall(buf)
c.shutdown(socket.SHUT_WR)
if c.recv(1):
    sys.exit("the sink answered")
c.close()
EOF

if ! ip netns add "$NS" || ! ip -n "$NS" link set lo up; then
	fail "netns $NS" "cannot create it"
	exit 0
fi
ip netns exec "$NS" sh -c 'echo "32768 60999" > /proc/sys/net/ipv4/ip_local_port_range'
ip netns exec "$NS" "$PY" "$T/sink.py" "$T/ready" $PORT &
server=$!
i=0
while [ ! -e "$T/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -e "$T/ready" ]; then
	fail "tcprtt: the sink in $NS did not start"
	exit 0
fi

# 1. every rung: the transfer's samples under port.PORT, plausible values
for rung in tp_btf raw_tp tracepoint; do
	"$NODEPERF" probe tcprtt --json --rung $rung -- ip netns exec "$NS" "$PY" "$T/send.py" $PORT $MIB \
		>"$T/$rung.json" 2>"$T/err"
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "tcprtt --rung $rung -- SENDER: exit 0"
	else
		fail "tcprtt --rung $rung -- SENDER: exit 0" "exit $rc: $(head -c 400 "$T/err")"
	fi
	pycheck "tcprtt --rung $rung: samples for port $PORT, 1 us < srtt < 1 s" "$T/$rung.json" "
assert d['attach'] == '$rung', d['attach']
h = d['hists']
p = h['port.$PORT']
assert p['scheme'] == 'log2' and p['n'] > 0, p
# a loopback round trip takes microseconds: a mean under 1 us would be a unit error
assert 1000 <= p['mean'] < 1e9, p['mean']
assert sum(c for _, c in p['slots']) == p['n'], p
# slot k holds [2^k, 2^(k+1)) ns: 2^30 ns is over a second
assert all(k < 30 for k, _ in p['slots']), p['slots']
assert h['all']['n'] >= p['n'] and h['all']['min'] > 0, h['all']
assert d['counters']['map_full'] == 0, d['counters']
assert len(d['programs']) == 1 and d['programs'][0]['run_cnt'] >= p['n'], d['programs']
assert d['programs'][0]['cost_ns_per_event'] > 0, d['programs']"
done
check "tracefs mount state is as it was" test "$(grep -c ' /sys/kernel/tracing ' /proc/mounts)" = "$tracefs_before"

# 2. no tree filter to offer (segments arrive in softirq, for any task): --pid is refused
expect_exit "tcprtt --pid: exit 2" 2 "$NODEPERF" probe tcprtt --duration 1 --pid $$
check "tcprtt --pid says it reports system-wide" grep -q "no pid filter" "$T/err"

# 3. nothing left behind
check "bpf_stats_enabled is back to $stats_before" test "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before"
if command -v bpftool >/dev/null; then
	check "no tcprtt program left loaded" sh -c "! bpftool prog show | grep -qE 'name (btf|raw|tp)_probe'"
fi
