# probe_ctrlife.sh - ctrlife sees the test's own forks, execs, exits and cgroup moves in order, on every rung.
. "$(dirname "$0")/lib.sh"

CG=
NOISE_PID=

cleanup() {
	[ -n "$NOISE_PID" ] && kill "$NOISE_PID" 2>/dev/null && wait "$NOISE_PID" 2>/dev/null
	[ -n "$CG" ] && [ -d "$CG" ] && rmdir "$CG"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	skip "probe ctrlife" "needs root"
	exit 0
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "probe ctrlife" "the kernel has no BTF"
	exit 0
fi
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
monotonic() { $PY -c 'import time; print(time.monotonic_ns())'; }

# forks and execs outside the tree all along: the pid-tree filter must drop them
sh -c 'while :; do /bin/true; sleep 0.01; done' &
NOISE_PID=$!

for rung in tp_btf raw_tp tracepoint; do
	t0=$(monotonic)
	expect_exit "ctrlife --rung $rung -- sh, 5 x /bin/true: exit 0" 0 "$NODEPERF" probe ctrlife --json \
		--rung "$rung" -- sh -c 'for i in 1 2 3 4 5; do /bin/true; done'
	t1=$(monotonic)
	pycheck "ctrlife $rung: 5 execs of /bin/true, each after the fork of its pid, then its exit" "$T/out" "
assert d['attach'] == '$rung', d['attach']
assert d['counters']['lost'] == 0 and d['counters']['map_full'] == 0, d['counters']
root = int(d['filter'].split()[-1])
ev = d['events_list']
assert ev, ('no events_list from the ring buffer', d['programs'])
ts = [e['ts_ns'] for e in ev]
assert ts == sorted(ts), 'events out of time order'
assert all($t0 < t < $t1 for t in ts), ('timestamps outside the run: not CLOCK_MONOTONIC', $t0, ts, $t1)
# the held sh is released after attach: its own exec comes first
assert ev[0]['type'] == 'exec' and ev[0]['pid'] == root and ev[0]['path'].endswith('/sh'), ev[0]
forks = {e['pid']: i for i, e in enumerate(ev) if e['type'] == 'fork'}
execs = [(i, e) for i, e in enumerate(ev) if e['type'] == 'exec' and e['pid'] != root]
exits = {e['pid']: i for i, e in enumerate(ev) if e['type'] == 'exit'}
assert len([e for e in ev if e['type'] == 'exec']) == 6, [(e['pid'], e.get('path')) for e in ev if e['type'] == 'exec']
assert len(execs) == 5 and len(forks) == 5, (len(execs), sorted(forks))
for i, e in execs:
    assert e['path'] == '/bin/true' and e['comm'] == 'true' and e['tgid'] == e['pid'], e
    f = ev[forks[e['pid']]]
    assert f['ppid'] == root and f['tgid'] == f['pid'], f
    assert forks[e['pid']] < i and f['ts_ns'] < e['ts_ns'], ('exec before its fork', f, e)
    x = ev[exits[e['pid']]]
    assert exits[e['pid']] > i and x['flags'] == 0, ('exit', x)
assert len(exits) == 6 and ev[-1]['type'] == 'exit' and ev[-1]['pid'] == root and ev[-1]['flags'] == 0, ev[-1]
assert {e['pid'] for e in ev} == {root} | set(forks), 'events from outside the tree'"
done

# cgroup mkdir and attach, an exit status, a clone with a namespace flag, a thread
CGROOT=
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
	CGROOT=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	CGROOT=/sys/fs/cgroup/unified
fi
if [ -z "$CGROOT" ]; then
	skip "ctrlife cgroup events" "no cgroup v2 hierarchy mounted"
else
	home=$(sed -n 's/^0:://p' /proc/self/cgroup)
	cat >"$T/life.py" <<'EOF'
import ctypes, os, platform, sys, threading
cg, home = sys.argv[1], sys.argv[2]
os.mkdir(cg)
for d in (cg, home):
    with open(d + "/cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
# the raw clone (uapi: CLONE_NEWUTS | SIGCHLD) where its syscall number is known
nr = {"x86_64": 56, "aarch64": 220}.get(platform.machine())
if nr:
    pid = ctypes.CDLL(None, use_errno=True).syscall(nr, 0x04000000 | 17, 0, 0, 0, 0)
    if pid == 0:
        os._exit(5)
    os.waitpid(pid, 0)
t = threading.Thread(target=lambda: None)
t.start()
t.join()
sys.exit(3)
EOF
	for rung in tp_btf raw_tp tracepoint; do
		CG=$CGROOT/nodeperf-$$-c
		expect_exit "ctrlife --rung $rung -- python: cgroup mkdir, attach, clone, thread, exit 3" 3 \
			"$NODEPERF" probe ctrlife --json --rung "$rung" -- "$PY" "$T/life.py" "$CG" "$CGROOT$home"
		ino=$(stat -c %i "$CG" 2>/dev/null || echo 0)
		rmdir "$CG" && CG=
		pycheck "ctrlife $rung: cgroup mkdir and attach, clone flags, thread, exit status" "$T/out" "
root = int(d['filter'].split()[-1])
ev = d['events_list']
assert ev, ('no events_list from the ring buffer', d['programs'])
assert d['counters']['lost'] == 0, d['counters']
mk = [e for e in ev if e['type'] == 'cgroup_mkdir']
at = [e for e in ev if e['type'] == 'cgroup_attach']
name = '/nodeperf-$$-c'
assert len(mk) == 1 and mk[0]['path'] == name and mk[0]['pid'] == root, mk
# cgroup v2: hierarchy id 0; the id is the directory's inode
assert mk[0]['flags'] == 0 and mk[0]['cgroup_id'] == $ino, (mk[0], $ino)
assert len(at) == 2, at
assert at[0]['path'] == name and at[0]['cgroup_id'] == $ino and at[0]['ts_ns'] > mk[0]['ts_ns'], at[0]
assert at[1]['path'] == '$home', at[1]
assert all(a['pid'] == root and a['ppid'] == root and a['flags'] == 0 for a in at), at
forks = [e for e in ev if e['type'] == 'fork']
exits = {e['pid']: e for e in ev if e['type'] == 'exit'}
if '$(uname -m)' in ('x86_64', 'aarch64'):
    ns = [f for f in forks if f['flags'] & 0x04000000]
    assert len(ns) == 1 and ns[0]['tgid'] == ns[0]['pid'] and ns[0]['ppid'] == root, forks
    assert exits[ns[0]['pid']]['flags'] == 5 << 8, exits[ns[0]['pid']]
th = [f for f in forks if f['pid'] != f['tgid']]
assert len(th) == 1 and th[0]['tgid'] == root and th[0]['flags'] & 0x00010000, forks
assert th[0]['pid'] in exits, 'the thread exit'
assert ev[-1]['type'] == 'exit' and ev[-1]['pid'] == root and ev[-1]['flags'] == 3 << 8, ev[-1]"
	done
fi

kill "$NOISE_PID" && wait "$NOISE_PID" 2>/dev/null
NOISE_PID=

check "bpf_stats_enabled is back to $stats_before" test "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before"
if command -v bpftool >/dev/null; then
	check "no ctrlife program left loaded" \
		sh -c "! bpftool prog show | grep -qE 'name (btf|raw|tp)_(newtask|exec|cgroup_mkd|cgroup_att)'"
	check "no task_newtask link left" sh -c "! bpftool link show | grep -q \"tp 'task_newtask'\""
else
	skip "no ctrlife program left loaded" "no bpftool"
fi
