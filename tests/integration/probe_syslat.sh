# probe_syslat.sh - syslat counts exactly the test's own getppid calls, by pid tree and by cgroup, on every rung.
. "$(dirname "$0")/lib.sh"

N=1000
# /usr/bin/python3 makes no getppid call of its own (checked with strace -f): every one is the loop's
LOOP="import os; [os.getppid() for _ in range($N)]"
CG=
PROBE_PID=
NOISE_PID=

cleanup() {
	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null && wait "$PROBE_PID" 2>/dev/null
	[ -n "$NOISE_PID" ] && kill "$NOISE_PID" 2>/dev/null && wait "$NOISE_PID" 2>/dev/null
	[ -n "$CG" ] && [ -d "$CG" ] && rmdir "$CG"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# expect_text_n NAME FILE KEY COUNT: the text report has "KEY: n COUNT " (a histogram's
# heading) or, with many keys, the top table's row "KEY   COUNT   ..."
expect_text_n() {
	if grep -qE "^$3(: n $4 | +$4 )" "$2"; then
		pass "$1"
	else
		fail "$1" "$(grep -E "^$3(: n | )" "$2" || echo "no $3 line"); stderr: $(head -c 300 "$T/err")"
	fi
}

if [ "$(id -u)" -ne 0 ]; then
	skip "probe syslat" "needs root"
	exit 0
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "probe syslat" "the kernel has no BTF"
	exit 0
fi
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)

# Another process calls getppid all along, outside the tree and the cgroup: the filters must drop it.
$PY -c "import os, time
while True:
    os.getppid()
    time.sleep(0.001)" &
NOISE_PID=$!

for rung in tp_btf raw_tp tracepoint; do
	expect_exit "syslat --rung $rung -- python getppid x$N: exit 0" 0 "$NODEPERF" probe syslat --json \
		--rung "$rung" -- "$PY" -c "$LOOP"
	pycheck "syslat $rung: getppid n == $N for the pid tree" "$T/out" "
assert d['attach'] == '$rung', d['attach']
assert d['filter'].startswith('pid tree '), d['filter']
h = d['hists']
assert h['getppid']['n'] == $N, ('getppid', h['getppid']['n'])
assert h['getppid']['scheme'] == 'log2' and sum(c for _, c in h['getppid']['slots']) == $N, h['getppid']
assert 0 < h['getppid']['mean'] < 1e6, h['getppid']['mean']
assert h['getppid']['sum'] > 0
# the held child is released after attach: its execve is seen, once
assert h['execve']['n'] == 1, h['execve']
# exit_group never returns: no sample, not a miss
assert 'exit_group' not in h, h['exit_group']
c = d['counters']
assert c['map_full'] == 0 and c['lost'] == 0, c
progs = {p['name']: p for p in d['programs']}
pfx = {'tp_btf': 'btf', 'raw_tp': 'raw', 'tracepoint': 'tp'}['$rung']
for name in (pfx + '_sys_enter', pfx + '_sys_exit'):
    assert progs[name]['run_cnt'] >= $N, (name, progs[name])
    assert progs[name].get('cost_ns_per_event', 0) > 0, (name, progs[name])
assert pfx + '_tree_fork' in progs, sorted(progs)"
done

# --cgroup: every task of a cgroup, no pid tree; the classic rung filters on current too
CGROOT=
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
	CGROOT=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	CGROOT=/sys/fs/cgroup/unified
fi
if [ -z "$CGROOT" ]; then
	skip "syslat --cgroup" "no cgroup v2 hierarchy mounted"
else
	CG=$CGROOT/nodeperf-$$-t
	mkdir "$CG" || fail "mkdir $CG"
	for rung in tp_btf raw_tp tracepoint; do
		: >"$T/err"
		"$NODEPERF" probe syslat --rung "$rung" --cgroup "$CG" --duration 60 >"$T/cg.out" 2>"$T/err" &
		PROBE_PID=$!
		check "syslat --cgroup --rung $rung attaches at $rung" wait_attached "$PROBE_PID" "$T/err" "syslat attached ($rung)"
		# sh's own startup getppid happens before it joins the cgroup; then python alone runs there
		sh -c "echo \$\$ > '$CG/cgroup.procs' && exec '$PY' -c '$LOOP'"
		kill -INT "$PROBE_PID"
		wait "$PROBE_PID"
		rc=$?
		PROBE_PID=
		check "syslat --cgroup --rung $rung: exit 0 on SIGINT" test "$rc" -eq 0
		check "syslat --cgroup --rung $rung: the report names the cgroup" grep -q "^syslat ($rung, cgroup $CG)" "$T/cg.out"
		expect_text_n "syslat --cgroup --rung $rung: getppid n == $N for the cgroup" "$T/cg.out" getppid "$N"
	done
	rmdir "$CG" && CG=
fi

kill "$NOISE_PID" && wait "$NOISE_PID" 2>/dev/null
NOISE_PID=

# without root's capabilities: a clear message and the documented exit code (3)
if command -v setpriv >/dev/null; then
	expect_exit "syslat without capabilities: exit 3" 3 setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$NODEPERF" probe syslat --duration 1
	check "syslat without capabilities: says it needs root" grep -q 'probes need root' "$T/err"
else
	skip "syslat without capabilities" "no setpriv"
fi

check "bpf_stats_enabled is back to $stats_before" test "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before"
if command -v bpftool >/dev/null; then
	check "no syslat program left loaded" sh -c "! bpftool prog show | grep -qE 'name (btf|raw|tp)_sys_(enter|exit) '"
	check "no raw_syscalls link left" sh -c "! bpftool link show | grep -q \"tp 'sys_e\""
else
	skip "no syslat program left loaded" "no bpftool"
fi
