# probe_tcpconnlat.sh - tcpconnlat: exactly the loopback connects the test makes, and its refused one, every rung.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "tcpconnlat" "needs root (BPF, network namespaces)"
	exit 0
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
	skip "tcpconnlat" "no iproute2 with netns support (ip netns)"
	exit 0
fi

N=50
NS=np-$$-t
PORT=7001	# listening: the N connects
CLOSED=7002	# bound, never listening: refused
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

# The listener accepts and closes; its backlog holds all N, so no SYN is
# dropped and retried. CLOSED stays bound so that nothing can listen there.
cat >"$T/server.py" <<'EOF'
import os, socket, sys
ready, port, closed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket()
s.bind(("127.0.0.1", port))
s.listen(1024)
c = socket.socket()
c.bind(("127.0.0.1", closed))
open(ready + ".tmp", "w").close()
os.rename(ready + ".tmp", ready)
while True:
    s.accept()[0].close()
EOF
# Exactly N connects to PORT, then one to CLOSED, refused; nothing else.
cat >"$T/client.py" <<'EOF'
import socket, sys
port, n, closed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for _ in range(n):
    socket.create_connection(("127.0.0.1", port)).close()
c = socket.socket()
try:
    c.connect(("127.0.0.1", closed))
    sys.exit("connected to a port nobody listens on")
except ConnectionRefusedError:
    pass
c.close()
EOF

if ! ip netns add "$NS" || ! ip -n "$NS" link set lo up; then
	fail "netns $NS" "cannot create it"
	exit 0
fi
ip netns exec "$NS" "$PY" "$T/server.py" "$T/ready" $PORT $CLOSED &
server=$!
i=0
while [ ! -e "$T/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -e "$T/ready" ]; then
	fail "tcpconnlat: the listener in $NS did not start"
	exit 0
fi

# 1. every rung, filtered to the client's pid tree: counts are exact
for rung in tp_btf raw_tp tracepoint; do
	"$NODEPERF" probe tcpconnlat --json --rung $rung -- ip netns exec "$NS" "$PY" "$T/client.py" $PORT $N $CLOSED \
		>"$T/$rung.json" 2>"$T/err"
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "tcpconnlat --rung $rung -- CLIENT: exit 0"
	else
		fail "tcpconnlat --rung $rung -- CLIENT: exit 0" "exit $rc: $(head -c 400 "$T/err")"
	fi
	pycheck "tcpconnlat --rung $rung: exactly $N connects to port $PORT and 1 refused" "$T/$rung.json" "
assert d['attach'] == '$rung', d['attach']
assert d['filter'].startswith('pid tree'), d['filter']
h = d['hists']
assert h['port.$PORT']['n'] == $N, ('port.$PORT', h['port.$PORT'])
assert h['all']['n'] == $N, ('all', h['all']['n'])
assert h['failed']['n'] == 1, ('failed', h['failed']['n'])
assert sorted(h) == ['all', 'failed', 'port.$PORT'], sorted(h)
assert 0 < h['all']['min'] <= h['all']['p50'] <= h['all']['max'] < 1e9, h['all']
assert 0 < h['failed']['min'] < 1e9, h['failed']
assert 0 < h['port.$PORT']['mean'] < 1e9, h['port.$PORT']
assert d['counters'] == {'map_full': 0, 'lost': 0, 'missed': 0}, d['counters']
p = [p for p in d['programs'] if 'set_state' in p['name']]
assert len(p) == 1 and p[0]['run_cnt'] > 2 * $N and p[0]['cost_ns_per_event'] > 0, d['programs']"
done
check "tracefs mount state is as it was" test "$(grep -c ' /sys/kernel/tracing ' /proc/mounts)" = "$tracefs_before"

# 2. system-wide (no filter): the port's key still holds exactly the test's connects
: >"$T/err"
"$NODEPERF" probe tcpconnlat --json --duration 3 >"$T/all.json" 2>"$T/err" &
probe=$!
wait_attached $probe "$T/err" || fail "tcpconnlat system-wide: did not attach" "$(head -c 400 "$T/err")"
ip netns exec "$NS" "$PY" "$T/client.py" $PORT $N $CLOSED
wait $probe
check "tcpconnlat system-wide: exit 0" test $? -eq 0
pycheck "tcpconnlat system-wide: port.$PORT has exactly $N" "$T/all.json" "
assert 'filter' not in d or d['filter'] is None, d.get('filter')
h = d['hists']
assert h['port.$PORT']['n'] == $N, h['port.$PORT']
assert h['all']['n'] >= $N and h['failed']['n'] >= 1, (h['all']['n'], h['failed']['n'])
assert d['counters']['map_full'] == 0, d['counters']"

# 3. cgroup filter (on the connecting task, so the classic rung has it too): a
# client outside the cgroup connects to the same port at the same time
CG=""
for root in /sys/fs/cgroup/unified /sys/fs/cgroup; do
	if [ "$(stat -fc %T $root 2>/dev/null)" = cgroup2fs ]; then CG=$root/nodeperf-$$-tc; break; fi
done
if [ -z "$CG" ]; then
	skip "tcpconnlat --cgroup" "no cgroup v2 hierarchy mounted"
else
	mkdir "$CG"
	trap 'rmdir "$CG" 2>/dev/null; cleanup' EXIT
	for rung in tp_btf tracepoint; do
		: >"$T/err"
		"$NODEPERF" probe tcpconnlat --json --duration 3 --rung $rung --cgroup "$CG" >"$T/cg.json" 2>"$T/err" &
		probe=$!
		wait_attached $probe "$T/err" || fail "tcpconnlat --cgroup --rung $rung: did not attach" "$(head -c 400 "$T/err")"
		ip netns exec "$NS" "$PY" "$T/client.py" $PORT $((2 * N)) $CLOSED &
		other=$!
		sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
			ip netns exec "$NS" "$PY" "$T/client.py" $PORT $N $CLOSED
		wait $other
		wait $probe
		check "tcpconnlat --cgroup --rung $rung: exit 0" test $? -eq 0
		pycheck "tcpconnlat --cgroup --rung $rung: the cgroup's $N connects only" "$T/cg.json" "
assert d['attach'] == '$rung' and d['filter'] == 'cgroup $CG', (d['attach'], d['filter'])
h = d['hists']
assert h['port.$PORT']['n'] == $N and h['all']['n'] == $N and h['failed']['n'] == 1, \
    {k: v['n'] for k, v in h.items()}"
	done
fi

# 4. nothing left behind
check "bpf_stats_enabled is back to $stats_before" test "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before"
if command -v bpftool >/dev/null; then
	check "no tcpconnlat program left loaded" sh -c "! bpftool prog show | grep -qE 'name (btf|raw|tp)_set_state'"
fi
