# net.sh - net benches on the lo, veth and bridge paths: plausible metrics, tcp_crr's connections against
# tcpconnlat, --tune inside the namespaces only, options, and nothing left after a run, a failure, SIGINT/SIGTERM.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "net benches" "need root (network namespaces)"
	exit 0
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
	skip "net benches" "no iproute2 with netns support (ip netns)"
	exit 0
fi

# What run PID left behind: namespaces, links in the host's namespace, scratch dirs.
left() {
	ls /run/netns 2>/dev/null | grep "^np-$1-"
	ip -o link show 2>/dev/null | grep -o "np-$1-[^:@ ]*"
	ls -d /var/tmp/nodeperf-"$1"-* 2>/dev/null
}
nothing_left() { [ -z "$(left "$1")" ]; }
has_netns() { ls /run/netns 2>/dev/null | grep -q "^np-$1-"; }

# bg_run NAME ARGS...: run nodeperf in the background; sets pid
bg_run() {
	name=$1
	shift
	"$NODEPERF" run "$@" >"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
}

# --- 1. every bench on every path, probes attached ---
bg_run all --only 'net.*' --reps 2 --rep-time 0.15 --out "$T/r.json"
wait $pid
rc=$?
if [ $rc -eq 0 ]; then pass "run --only 'net.*': exit 0"; else fail "run --only 'net.*': exit 0" "exit $rc: $(head -c 600 "$T/all.err")"; fi
check "net result validates against the schema" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/r.json"
pycheck "net: all three paths carry traffic, plausible numbers" "$T/r.json" "
ms = {m['name']: m for m in d['metrics']}
skipped = [s for s in d['skipped'] if s['bench'].startswith('net.') and '/probe:' not in s['bench']]
assert not skipped, skipped
for path in ('lo', 'veth', 'bridge'):
    names = ['net.%s.%s.%s' % (t, path, s) for t in ('tcp_rr', 'udp_rr') for s in ('1b', '1k')]
    for name in names + ['net.tcp_crr.' + path, 'net.tcp_stream.%s.rtt' % path]:
        m = ms[name]
        assert m['unit'] == 'ns' and m['better'] == 'lower', (name, m['unit'])
        assert m['n'] > 10, (name, m['n'])
        assert 0 < m['min'] <= m['p50'] <= m['p99'] <= m['max'], (name, m)
        assert m['p50'] < 20e6, (name, 'a 20 ms median round trip is not plausible', m['p50'])
        assert len(m['reps']['p50']) == 2, (name, m['reps'])
        assert sum(c for _, c in m['hist']['buckets']) == m['n'], name
        p = m['params']
        assert p['path'] == path and p['pinning']['client']['cpu'] is not None, (name, p)
        assert all(n.startswith('np-') for n in p['namespaces']), p['namespaces']
        assert len(p['namespaces']) == {'lo': 1, 'veth': 2, 'bridge': 3}[path], p['namespaces']
        for a in (p['addresses']['client'], p['addresses']['server']):
            o = list(map(int, a.split('.')))
            assert o[0] == 198 and o[1] in (18, 19), a
    for name in names:
        assert ms[name]['params']['size'] == (1 if name.endswith('1b') else 1024), name
        assert ms[name]['params']['transport'] == name.split('.')[1][:3], name
    s = ms['net.tcp_stream.' + path]
    assert s['unit'] == 'B/s' and s['better'] == 'higher', s
    assert len(s['reps']['mean']) == 2 and min(s['reps']['mean']) > 1e6, (path, s['reps'])
    assert s['params']['write_size'] == 131072, s['params']
"
pycheck "tcp_crr: transactions = connections made = tcpconnlat's count for the port" "$T/r.json" "
ms = {m['name']: m for m in d['metrics']}
probes_off = [s for s in d['skipped'] if s['bench'] == 'probes' or 'probe:tcpconnlat' in s['bench']]
for path in ('lo', 'veth', 'bridge'):
    m = ms['net.tcp_crr.' + path]
    p = m['params']
    assert p['connects'] == p['transactions'] > 0, p
    assert m['n'] == p['transactions'] - p['warmup_transactions'], (m['n'], p)
    if probes_off:
        print('tcpconnlat not attached:', probes_off); break
    h = m['probes']['tcpconnlat']['hists']
    key = 'port.%d' % p['port']
    assert key in h, (path, sorted(h))
    assert h[key]['n'] == p['connects'], (path, 'tcpconnlat', h[key]['n'], 'bench', p['connects'])
    for probe in ('tcprtt', 'softirq', 'runqlat'):
        assert probe in m['probes'], (path, probe, sorted(m['probes']))
"
check "net: no namespace, link or scratch dir of the run left" settled nothing_left $pid

# --- 2. options: --same-core, --busy-poll, --msg-size ---
expect_exit "run --same-core --busy-poll 50 --msg-size 100" 0 "$NODEPERF" run --only 'net.tcp_rr.lo' \
	--only 'net.udp_rr.veth' --same-core --busy-poll 50 --msg-size 100 --reps 1 --rep-time 0.1 --no-probes \
	--out "$T/o.json"
pycheck "options reach the benches" "$T/o.json" "
ms = {m['name']: m for m in d['metrics']}
assert sorted(ms) == ['net.tcp_rr.lo.100b', 'net.udp_rr.veth.100b'], sorted(ms)
for m in ms.values():
    p = m['params']
    assert p['pinning']['pair'] == 'same_pu' and p['pinning']['client']['cpu'] == p['pinning']['server']['cpu'], p
    assert p['busy_poll_us'] == 50 and p['size'] == 100, p"
expect_exit "udp_rr: --msg-size over a datagram fails" 3 "$NODEPERF" run --only 'net.udp_rr.lo' --msg-size 70000 \
	--reps 1 --rep-time 0.1 --no-probes --out "$T/u.json"
check "udp_rr: the message names the limit" grep -q "does not fit one UDP datagram" "$T/err"

# --- 3. --tune: set inside every namespace of the path, never on the host ---
host_somaxconn=$(cat /proc/sys/net/core/somaxconn)
host_ts=$(cat /proc/sys/net/ipv4/tcp_timestamps)
bg_run tune --only 'net.tcp_rr.bridge' --tune net.core.somaxconn=1234 --tune net.ipv4.tcp_timestamps=0 \
	--tune block.read_ahead_kb=64 --reps 3 --rep-time 0.5 --no-probes --out "$T/tune.json"
ns_value() { # ns_value ROLE KEY: the sysctl inside the run's namespace of ROLE (c, s, b)
	n=$(ls /run/netns 2>/dev/null | grep "^np-$pid-.*-$1\$" | head -1)
	[ -n "$n" ] && ip netns exec "$n" cat "/proc/sys/net/$2" 2>/dev/null
}
for role in c s b; do
	check "--tune: somaxconn 1234 inside the $role namespace" settled sh -c "[ \"\$(ls /run/netns | grep '^np-$pid-.*-$role\$' | head -1 | xargs -I{} ip netns exec {} cat /proc/sys/net/core/somaxconn 2>/dev/null)\" = 1234 ]"
done
check "--tune: tcp_timestamps 0 inside the client namespace" test "$(ns_value c ipv4/tcp_timestamps)" = 0
check "--tune: the host's somaxconn is untouched" test "$(cat /proc/sys/net/core/somaxconn)" = "$host_somaxconn"
check "--tune: the host's tcp_timestamps is untouched" test "$(cat /proc/sys/net/ipv4/tcp_timestamps)" = "$host_ts"
wait $pid
check "--tune run: exit 0" test $? -eq 0
pycheck "--tune: the settings are in the metric's params" "$T/tune.json" "
for m in d['metrics']:
    assert m['params']['tune'] == {'net.core.somaxconn': '1234', 'net.ipv4.tcp_timestamps': '0'}, m['params']"
check "--tune run: nothing left" settled nothing_left $pid

# --- 4. --tune keys a namespace does not take: refused before anything runs (exit 2) ---
host_rmem=$(cat /proc/sys/net/core/rmem_max)
expect_exit "--tune read-only key: exit 2" 2 "$NODEPERF" run --only 'net.tcp_rr.bridge' --tune net.ipv4.tcp_timestamps=1 \
	--tune net.core.rmem_max=12345 --reps 1 --rep-time 0.1 --no-probes --out "$T/f.json"
check "--tune read-only key: the message says why" grep -q "net.core.rmem_max is read-only inside a network namespace" "$T/err"
check "--tune read-only key: nothing run, no result" test ! -e "$T/f.json"
check "--tune read-only key: host rmem_max untouched" test "$(cat /proc/sys/net/core/rmem_max)" = "$host_rmem"
expect_exit "--tune host-only key: exit 2" 2 "$NODEPERF" run --only 'net.udp_rr.veth' --tune net.core.busy_poll=50 \
	--reps 1 --rep-time 0.1 --no-probes --out "$T/f2.json"
check "--tune host-only key: the message says why" grep -q "net.core.busy_poll is not per network namespace" "$T/err"
check "--tune host-only key: no result" test ! -e "$T/f2.json"
expect_exit "--tune other family: exit 2" 2 "$NODEPERF" run --only 'net.udp_rr.lo' --tune vm.swappiness=1 \
	--reps 1 --rep-time 0.1 --no-probes --out "$T/f3.json"
check "--tune other family: the message says why" grep -q "vm.swappiness=1: not a net.\* sysctl" "$T/err"
check "--tune other family: no result" test ! -e "$T/f3.json"

# --- 5. SIGINT and SIGTERM in the middle of a bench ---
for sig in INT TERM; do
	bg_run "sig$sig" --only 'net.*' --reps 5 --rep-time 0.3 --no-probes --out "$T/s$sig.json"
	if settled has_netns $pid; then
		sleep 0.5
		kill -$sig $pid
		wait $pid
		rc=$?
		want=$([ $sig = INT ] && echo 130 || echo 143)
		check "SIG$sig: exit $want" test $rc -eq $want
		pycheck "SIG$sig: a partial result" "$T/s$sig.json" "
assert d['run']['partial'] is True, d['run']"
		check "SIG$sig: no namespace, link or scratch dir left" settled nothing_left $pid
	else
		fail "SIG$sig: the run made no namespace within 5 s" "$(head -c 400 "$T/sig$sig.err")"
		kill -KILL $pid 2>/dev/null
		wait $pid
	fi
done

# --- 6. SIGKILL: `nodeperf cleanup` finds the dead run's namespaces ---
# --dry-run, then removal scoped to that run: a real `cleanup` would also take what other tests on
# this node named np-PID-* after a shell (no nodeperf, so "dead") while they still use it.
bg_run kill --only 'net.tcp_rr.bridge' --reps 5 --rep-time 0.5 --no-probes --out "$T/k.json"
if settled has_netns $pid; then
	sleep 0.3
	kill -KILL $pid
	wait $pid 2>/dev/null
	check "SIGKILL leaves its namespaces (precondition)" has_netns $pid
	expect_exit "cleanup --dry-run after SIGKILL: exit 0" 0 "$NODEPERF" cleanup --dry-run
	for n in $(ls /run/netns | grep "^np-$pid-"); do
		check "cleanup would remove $n" grep -qx "would remove network namespace $n" "$T/out"
		ip netns del "$n"
	done
	for d in /var/tmp/nodeperf-$pid-*; do
		[ -d "$d" ] || continue
		check "cleanup would remove its scratch dir" grep -q "would remove temp dir $d" "$T/out"
		rm -rf "$d"
	done
	# the registry entry the dead run left for cleanup (removed by hand too: see above)
	check "the dead run's registry entry names its namespaces" grep -q "^res netns np-$pid-" "/run/nodeperf/$pid"
	rm -f "/run/nodeperf/$pid"
	check "nothing of the killed run left" nothing_left $pid
else
	fail "SIGKILL: the run made no namespace within 5 s"
	kill -KILL $pid 2>/dev/null
fi

# --- 7. where namespaces may not be created, the benches are skipped with the reason ---
if command -v setpriv >/dev/null; then
	expect_exit "without CAP_SYS_ADMIN: exit 0" 0 setpriv --bounding-set=-sys_admin "$NODEPERF" run \
		--only 'net.tcp_rr.lo' --reps 1 --rep-time 0.1 --no-probes --out "$T/np.json"
	pycheck "without CAP_SYS_ADMIN: skipped with the reason" "$T/np.json" "
r = {s['bench']: s['reason'] for s in d['skipped']}
assert 'not permitted' in r.get('net.tcp_rr.lo', ''), r
assert not d['metrics']"
	chmod 711 "$T"
	mkdir -m 777 "$T/nobody"
	expect_exit "as nobody: exit 0" 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$NODEPERF" run \
		--only 'net.udp_rr.veth' --reps 1 --rep-time 0.1 --out "$T/nobody/r.json"
	pycheck "as nobody: skipped, needs root" "$T/nobody/r.json" "
r = {s['bench']: s['reason'] for s in d['skipped']}
assert 'needs root' in r.get('net.udp_rr.veth', ''), r"
else
	skip "net without privileges" "no setpriv"
fi
