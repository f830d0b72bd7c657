# probe_runqlat.sh - runqlat: wakeups the test causes, per cgroup and pid tree, every rung, non-root.
. "$(dirname "$0")/lib.sh"

stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
tracefs_before=$(grep -c ' /sys/kernel/tracing ' /proc/mounts)
# Two processes passing a byte N times through pipes: up to 2N wakeups of the
# tree (a reader that has not gone to sleep yet needs none), never many more.
PINGPONG="import os
N = int(os.environ.get('N', '2000'))
a, b = os.pipe(); c, d = os.pipe()
if os.fork() == 0:
    for _ in range(N):
        os.read(a, 1); os.write(d, b'x')
    os._exit(0)
for _ in range(N):
    os.write(b, b'x'); os.read(c, 1)
os.wait()"

# 1. pid tree of a command, default rung
N=2000 "$NODEPERF" probe runqlat --json -- $PY -c "$PINGPONG" >"$T/tree.json" 2>"$T/err"
check "runqlat -- COMMAND: exit 0" test $? -eq 0
pycheck "runqlat sees the tree's 2N wakeups (tp_btf)" "$T/tree.json" "
assert d['attach'] == 'tp_btf', d['attach']
assert d['filter'].startswith('pid tree'), d['filter']
n = d['hists']['all']['n']
assert 3600 <= n <= 6000, n  # preemptions by other load add a few
assert d['counters'] == {'map_full': 0, 'lost': 0, 'missed': 0}, d['counters']
assert d['cost_ns_per_event'] > 0 and all(p['run_cnt'] > 0 for p in d['programs'] if 'tree' not in p['name'] and 'new' not in p['name'])"

# 2. forced rungs: raw_tp, and the classic tracepoint (tracefs mounted only while needed)
for rung in raw_tp tracepoint; do
	N=2000 "$NODEPERF" probe runqlat --json --rung $rung -- $PY -c "$PINGPONG" >"$T/$rung.json" 2>"$T/err"
	check "runqlat --rung $rung: exit 0" test $? -eq 0
	pycheck "runqlat --rung $rung attaches there and sees the wakeups" "$T/$rung.json" "
assert d['attach'] == '$rung', d['attach']
n = d['hists']['all']['n']
assert 3600 <= n <= 6000, n  # preemptions by other load add a few"
done
check "tracefs mount state is as it was" settled sh -c "test \"\$(grep -c ' /sys/kernel/tracing ' /proc/mounts)\" = $tracefs_before"

# 3. cgroup filter: the cgroup's tasks only (cgroup v2: the unified hierarchy on hybrid hosts)
CG=""
for root in /sys/fs/cgroup/unified /sys/fs/cgroup; do
	if [ "$(stat -fc %T $root 2>/dev/null)" = cgroup2fs ]; then CG=$root/nodeperf-$$-rq; break; fi
done
if [ -z "$CG" ]; then
	skip "runqlat --cgroup" "no cgroup v2 hierarchy mounted"
else
	mkdir "$CG" "$CG-empty"
	trap 'rmdir "$CG" "$CG-empty" 2>/dev/null; rm -rf "$T"' EXIT
	: >"$T/err"
	: >"$T/err2"
	"$NODEPERF" probe runqlat --json --duration 3 --cgroup "$CG" >"$T/cg.json" 2>"$T/err" &
	p1=$!
	"$NODEPERF" probe runqlat --json --duration 3 --cgroup "$CG-empty" >"$T/cge.json" 2>"$T/err2" &
	p2=$!
	wait_attached $p1 "$T/err" || fail "runqlat --cgroup: did not attach" "$(head -c 400 "$T/err")"
	wait_attached $p2 "$T/err2" || fail "runqlat --cgroup (empty): did not attach" "$(head -c 400 "$T/err2")"
	N=1000 sh -c 'echo $$ > '"$CG"'/cgroup.procs && exec '"$PY"' -c "$0"' "$PINGPONG"
	wait $p1
	check "runqlat --cgroup: exit 0" test $? -eq 0
	wait $p2
	pycheck "runqlat --cgroup sees the cgroup's wakeups" "$T/cg.json" "
n = d['hists']['all']['n']
assert 1800 <= n <= 3000, n
assert d['filter'] == 'cgroup $CG', d['filter']"
	pycheck "runqlat --cgroup of an empty cgroup sees nothing" "$T/cge.json" "assert d['hists']['all']['n'] == 0, d['hists']['all']"
	expect_exit "runqlat --cgroup on a cgroup v1 dir: exit 2" 2 "$NODEPERF" probe runqlat --duration 1 --cgroup /proc
	check "runqlat --cgroup on a non-cgroup names it" grep -q "/proc is not a cgroup v2 directory" "$T/err"
	expect_exit "runqlat --cgroup on the classic rung: refused" 3 "$NODEPERF" probe runqlat --duration 1 --rung tracepoint --cgroup "$CG"
fi

# 4. text output like the classic tools
expect_exit "runqlat text output" 0 "$NODEPERF" probe runqlat --duration 1
check "text output has a histogram" grep -q 'nsecs.*: count.*distribution' "$T/out"
expect_exit "runqlat --interval" 0 "$NODEPERF" probe runqlat --json --duration 2.2 --interval 1
check "runqlat --interval prints one object per interval plus the tail" test "$(wc -l <"$T/out")" -eq 3

# 5. without privileges: a clear message and exit 3; run goes on without probes
if command -v setpriv >/dev/null; then
	expect_exit "runqlat as nobody: exit 3" 3 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$NODEPERF" probe runqlat --duration 1
	check "as nobody: says probes need root" grep -q "probes need root" "$T/err"
	chmod 0777 "$T"
	expect_exit "run as nobody: exit 0 without probes" 0 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$NODEPERF" run --only sched.ctxswitch --reps 2 --rep-time 0.05 --tmpdir "$T" --out "$T/nobody.json"
	pycheck "run as nobody: the result says why there are no probes" "$T/nobody.json" "
s = {x['bench']: x['reason'] for x in d['skipped']}
assert 'need root' in s.get('probes', ''), s
assert d['probes'] == [] and 'probes' not in d['metrics'][0]"
else
	skip "non-root probe" "setpriv not installed"
fi

# 6. with run: the bench's metric carries runqlat, the result its cost
expect_exit "run with probes" 0 "$NODEPERF" run --only sched.ctxswitch --reps 2 --rep-time 0.1 --tmpdir "$T" --out "$T/run.json"
pycheck "run: runqlat in the metric and its cost in probes" "$T/run.json" "
m = d['metrics'][0]
assert m['probes']['runqlat']['hists']['all']['n'] > 100, m['probes']
p = d['probes'][0]
assert p['name'] == 'runqlat' and p['bench'] == 'sched.ctxswitch' and p['cost_ns_per_event'] > 0, p"
expect_exit "run --no-probes" 0 "$NODEPERF" run --only sched.ctxswitch --reps 2 --rep-time 0.05 --no-probes --tmpdir "$T" --out "$T/np.json"
pycheck "run --no-probes attaches nothing" "$T/np.json" "assert d['probes'] == [] and 'probes' not in d['metrics'][0]"

# 7. nothing left behind
check "bpf_stats_enabled is back to $stats_before" test "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before"
if command -v bpftool >/dev/null; then
	check "no runqlat program left loaded" settled sh -c "! bpftool prog show | grep -qE 'name (btf|raw|tp)_(switch|wakeup|tree)'"
fi
