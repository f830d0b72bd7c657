# container.sh - container startup benches: metrics, ctrlife phases, primitives, and nothing left behind.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "container benches" "need root"
	exit 0
fi

# pid of the nodeperf run that wrote result $1 (run.id is "HEX-PID")
run_pid() { $PY -c "import json,sys; print(json.load(open(sys.argv[1]))['run']['id'].split('-')[-1])" "$1"; }

# Nothing of run $1 left: scratch dir (runc --root, bundles, containerd root), cgroups, mounts, processes.
leftovers() {
	p=$1
	for r in $(ls -d /var/tmp/nodeperf-"$p"-*/ctr-*/state 2>/dev/null); do
		[ -n "$(runc --root "$r" list -q 2>/dev/null)" ] && echo "runc containers in $r"
	done
	ls -d /var/tmp/nodeperf-"$p"-* 2>/dev/null
	find /sys/fs/cgroup -maxdepth 4 -type d -name "np-$p-*" 2>/dev/null
	grep "nodeperf-$p-" /proc/self/mountinfo
	for c in /proc/[0-9]*/cmdline; do
		{ tr '\0' ' ' <"$c"; } 2>/dev/null | grep -q "nodeperf-$p-" && echo "process $c"
	done
	true
}
clean() { [ -z "$(leftovers "$1")" ]; }

# signal_run SIG DELAY BENCH: a standard-suite run of BENCH, sent SIG DELAY seconds
# after run -v says the bench started; sets $pid and $rc
signal_run() {
	: >"$T/run.err"
	"$NODEPERF" run -v --only "$3" --suite standard --reps 2 --out "$T/sig.json" >/dev/null 2>"$T/run.err" &
	pid=$!
	check "$3 started (to be sent SIG$1)" wait_attached $pid "$T/run.err" "] $3: start"
	sleep "$2"
	kill -"$1" $pid
	wait $pid 2>/dev/null
	rc=$?
}

# nodeperf bundle: the benches' bundle, to run by hand
expect_exit "bundle: without a directory: exit 2" 2 "$NODEPERF" bundle
expect_exit "bundle: writes a new one" 0 "$NODEPERF" bundle --cgroup "/np-$$-bundle" "$T/b" /bin/sh -c "exit 7"
pycheck "bundle: config.json like containerd's pod default" "$T/b/config.json" "
assert d['process']['args'] == ['/bin/sh', '-c', 'exit 7'], d['process']['args']
assert d['linux']['cgroupsPath'] == '/np-$$-bundle'
assert sorted(n['type'] for n in d['linux']['namespaces']) == ['ipc', 'mount', 'network', 'pid', 'uts']
assert d['linux']['seccomp']['defaultAction'] == 'SCMP_ACT_ERRNO'"
check "bundle: busybox in the rootfs" test -x "$T/b/rootfs/bin/busybox"
expect_exit "bundle: an existing directory: exit 2" 2 "$NODEPERF" bundle "$T/b"

if ! command -v runc >/dev/null 2>&1 && [ ! -x /usr/sbin/runc ]; then
	skip "runc benches" "runc is not installed"
else
	"$NODEPERF" run --only 'container.runc.*' --only 'container.crun.*' --only 'container.prim.*' \
		--reps 3 --rep-time 0.1 --out "$T/c.json" >"$T/out" 2>"$T/err"
	rc=$?
	check "run: exit 0" test "$rc" -eq 0
	[ "$rc" -ne 0 ] && cat "$T/err"
	check "run: result validates" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/c.json"
	pycheck "runc: lifecycle metrics, 20 containers each, plausible" "$T/c.json" "
m = {x['name']: x for x in d['metrics']}
for k in ('create', 'start', 'exit', 'delete', 'total'):
    x = m['container.runc.' + k]
    assert x['unit'] == 'ns' and x['n'] == 20, (k, x['n'])
    assert x['params']['containers'] == 20, x['params']
    assert 0 <= x['min'] <= x['p50'] <= x['p99'] <= x['max'], (k, x)
    assert len(x['reps']['p50']) == 3, (k, x['reps'])
for k in ('create', 'start', 'delete', 'total'):
    assert 1e6 <= m['container.runc.' + k]['p50'] <= 5e9, (k, m['container.runc.' + k]['p50'])
# the split costs three runtime processes, run one: each part is less than the whole split
assert m['container.runc.create']['p50'] < m['container.runc.create']['p50'] + m['container.runc.delete']['p50']
b = m['container.runc.burst10']
assert b['n'] == 3 and b['params']['concurrent'] == 10, b
assert b['p50'] >= m['container.runc.total']['min'], (b['p50'], m['container.runc.total']['min'])"
	pycheck "runc: ctrlife phases present, all containers complete, adding up to the total within 5%" "$T/c.json" "
m = {x['name']: x for x in d['metrics']}['container.runc.total']
c = m['probes']['ctrlife']
assert c['containers'] == 20 and c['complete'] == 20, (c['containers'], c['complete'])
ph = c['phases']
assert len(ph) >= 4, list(ph)
for k in ('start_to_cgroup', 'namespaces_to_exec', 'exec_to_exit', 'exit_to_end'):
    assert k in ph and ph[k]['n'] == 20, (k, list(ph))
s = sum(p['mean'] * p['n'] for p in ph.values()) / c['complete']
assert abs(s - m['mean']) <= 0.05 * m['mean'], (s, m['mean'])
assert c['dominant'] in ph and 0 < c['dominant_share'] <= 1, c['dominant']
assert c['counters']['lost'] == 0, c['counters']
top = m['probes']['syslat']['top']
assert 1 <= len(top) <= 10 and all(v['n'] > 0 for v in top.values()), top"
	check "runc: the dominant phase is logged" grep -q "container.runc.total phases: .* dominant: " "$T/err"
	check "runc: the summary shows the phases and the dominant one" \
		grep -q "^phases of container.runc.total (ctrlife, 20 of 20 containers): start_to_cgroup .*; dominant: " "$T/out"
	pycheck "crun: measured, or skipped with the reason" "$T/c.json" "
names = {x['name'] for x in d['metrics']}
sk = {s['bench']: s['reason'] for s in d.get('skipped', [])}
for b in ('container.crun.lifecycle', 'container.crun.total', 'container.crun.burst10'):
    assert b in sk or any(n.startswith('container.crun.') for n in names), b
    if b in sk:
        assert 'crun' in sk[b] and len(sk[b]) > 10, sk[b]"
	pycheck "primitives: every one measured, count = iterations" "$T/c.json" "
m = {x['name']: x for x in d['metrics']}
sk = {s['bench']: s['reason'] for s in d.get('skipped', [])}
prims = ['unshare.' + n for n in ('net', 'mnt', 'pid', 'ipc', 'uts', 'user', 'cgroup')] + \
        ['netns_teardown', 'cgroup', 'overlay_mount', 'clone_exec', 'pivot_root']
for p in prims:
    k = 'container.prim.' + p
    if k in sk:
        print(k, 'skipped:', sk[k]); continue
    x = m[k]
    assert x['n'] >= 3 and x['n'] == x['params']['iterations'], (k, x['n'], x['params'])
    assert 100 <= x['p50'] <= 1e9, (k, x['p50'])"
	pid=$(run_pid "$T/c.json")
	check "run: nothing left (runc root, cgroups, mounts, processes)" clean "$pid"
	leftovers "$pid"

	runc --root "$T/runc" run --bundle "$T/b" "np-$$-bundle" </dev/null >/dev/null 2>&1
	check "bundle: runc runs it (the entrypoint's exit status comes back)" test $? -eq 7
	check "bundle: runc removed it" test -z "$(runc --root "$T/runc" list -q)"

	# A runtime that fails half-way: create works, start fails; the created container must go.
	mkdir -p "$T/bin"
	real=$(command -v runc || echo /usr/sbin/runc)
	cat >"$T/bin/runc" <<EOS
#!/bin/sh
for a in "\$@"; do [ "\$a" = start ] && { echo "injected start failure" >&2; exit 1; }; done
exec $real "\$@"
EOS
	chmod +x "$T/bin/runc"
	PATH="$T/bin:$PATH" "$NODEPERF" run --only 'container.runc.lifecycle' --reps 2 --out "$T/f.json" >"$T/out" 2>"$T/err"
	rc=$?
	check "failing runtime: exit 3" test "$rc" -eq 3
	check "failing runtime: the message names it" grep -q "injected start failure" "$T/err"
	pid=$(run_pid "$T/f.json")
	check "failing runtime: nothing left" clean "$pid"
	leftovers "$pid"

	# SIGINT in the middle of the lifecycle loop.
	signal_run INT 1 container.runc.lifecycle
	check "SIGINT: exit 130" test "$rc" -eq 130
	settled clean "$pid"
	check "SIGINT: nothing left" clean "$pid"
	leftovers "$pid"

	# SIGKILL in the loop: a created container (its `runc init`), its cgroups and the
	# dir stay; `nodeperf cleanup` takes them all.
	signal_run KILL 1 container.runc.lifecycle
	check "SIGKILL: the dead run's dir is left (precondition)" sh -c "ls -d /var/tmp/nodeperf-$pid-* >/dev/null 2>&1"
	expect_exit "SIGKILL, then cleanup: exit 0" 0 "$NODEPERF" cleanup
	check "SIGKILL, then cleanup: nothing left" clean "$pid"
	leftovers "$pid"

	# Without the runtime: skipped with the reason.
	NP_BUSYBOX=/etc/hostname "$NODEPERF" run --only 'container.runc.total' --out "$T/s.json" >"$T/out" 2>"$T/err"
	pycheck "no static busybox: skipped with the reason" "$T/s.json" "
sk = {s['bench']: s['reason'] for s in d.get('skipped', [])}
assert 'static' in sk['container.runc.total'], sk"
fi

if ! command -v containerd >/dev/null 2>&1 || ! command -v ctr >/dev/null 2>&1; then
	skip "containerd bench" "containerd or ctr is not installed (make deps installs them)"
else
	had_run=$(test -e /run/containerd && echo 1)
	"$NODEPERF" run --only 'container.containerd.run' --reps 2 --out "$T/d.json" >"$T/out" 2>"$T/err"
	rc=$?
	check "containerd: exit 0" test "$rc" -eq 0
	[ "$rc" -ne 0 ] && cat "$T/err"
	pycheck "containerd: ctr run --rm, 20 containers, plausible" "$T/d.json" "
x = {m['name']: m for m in d['metrics']}['container.containerd.run']
assert x['n'] == 20 and x['params']['containers'] == 20, x
assert 5e6 <= x['p50'] <= 3e10, x['p50']"
	pid=$(run_pid "$T/d.json")
	check "containerd: no daemon, shim, mount, cgroup or dir left" clean "$pid"
	leftovers "$pid"
	[ -z "$had_run" ] && check "containerd: /run/containerd not left behind" test ! -e /run/containerd

	signal_run INT 2 container.containerd.run
	check "containerd SIGINT: exit 130" test "$rc" -eq 130
	settled clean "$pid"
	check "containerd SIGINT: nothing left" clean "$pid"
	leftovers "$pid"

	# SIGKILL: the daemon goes with the run (PR_SET_PDEATHSIG), its `ctr` client and
	# shim do not; `nodeperf cleanup` kills what names the dead run's dir, then removes it.
	signal_run KILL 3 container.containerd.run
	sleep 0.5
	expect_exit "containerd SIGKILL, then cleanup: exit 0" 0 "$NODEPERF" cleanup
	# which processes outlived the run varies (a ctr client, a shim, or they exit by themselves):
	# shown, not counted; interrupt.sh checks that cleanup names what it kills
	grep "^removed process" "$T/out" | sed 's/^/    cleanup: /'
	check "containerd SIGKILL, then cleanup: nothing left" clean "$pid"
	leftovers "$pid"
fi
