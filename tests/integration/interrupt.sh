# interrupt.sh - SIGINT gives a partial result and exit 130; SIGKILL leftovers go with `cleanup`.
. "$(dirname "$0")/lib.sh"

no_scratch() { ! ls -d /var/tmp/nodeperf-"$1"-* >/dev/null 2>&1; }

# started PID FILE BENCH: wait (up to 30 s) for run -v's "BENCH: start" line
started() { wait_attached "$1" "$2" "] $3: start"; }

# Three sched benches of 0.2 + 5 x 0.3 s: SIGINT once the second one has started.
: >"$T/run.err"
"$NODEPERF" run -v --only 'sched.*' --reps 5 --rep-time 0.3 --out "$T/p.json" >"$T/out" 2>"$T/run.err" &
pid=$!
check "run -v says when the second bench starts" started $pid "$T/run.err" sched.wakeup.pipe
kill -INT $pid
wait $pid
rc=$?
check "SIGINT: exit 130" test "$rc" -eq 130
pycheck "SIGINT: partial result with the finished benches" "$T/p.json" "
assert d['run']['partial'] is True, d['run']
names = [m['name'] for m in d['metrics']]
assert 1 <= len(names) < 3, names
for m in d['metrics']:
    assert len(m['reps']['p50']) == 5, 'an interrupted bench must not be half-recorded'"
check "SIGINT: partial result validates" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/p.json"
check "SIGINT: no scratch dir left" no_scratch $pid
check "SIGINT: no temp result file left" sh -c "! ls '$T' | grep -q '\.tmp\.'"

: >"$T/run.err"
"$NODEPERF" run -v --only 'sched.*' --reps 5 --rep-time 0.3 --out "$T/t.json" >/dev/null 2>"$T/run.err" &
pid=$!
started $pid "$T/run.err" sched.wakeup.futex
kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM: exit 143" test "$rc" -eq 143
check "SIGTERM: no scratch dir left" no_scratch $pid

# SIGKILL cannot be caught: `nodeperf cleanup` removes what is left.
: >"$T/run.err"
"$NODEPERF" run -v --only 'sched.*' --out "$T/k.json" >/dev/null 2>"$T/run.err" &
pid=$!
started $pid "$T/run.err" sched.wakeup.futex
kill -KILL $pid
wait $pid 2>/dev/null
check "SIGKILL leaves its scratch dir (precondition)" sh -c "ls -d /var/tmp/nodeperf-$pid-* >/dev/null 2>&1"
check "SIGKILL leaves no result" test ! -e "$T/k.json"
expect_exit "cleanup: exit 0" 0 "$NODEPERF" cleanup
check "cleanup removed the dead run's dir" no_scratch $pid
check "cleanup said what it removed" grep -q "removed temp dir /var/tmp/nodeperf-$pid-" "$T/out"

# A live run's scratch dir is not touched without --all.
: >"$T/run.err"
"$NODEPERF" run -v --only 'sched.*' --out "$T/l.json" >/dev/null 2>"$T/run.err" &
pid=$!
started $pid "$T/run.err" sched.wakeup.futex
expect_exit "cleanup --dry-run while a run is alive" 0 "$NODEPERF" cleanup --dry-run
check "a live run is left alone" sh -c "! grep -q 'nodeperf-$pid-' '$T/out'"
kill -INT $pid
wait $pid
check "the live run still finished cleanly" no_scratch $pid

# A dead run's scratch dir (marked as nodeperf's own) with a mount inside, a process the
# run started (it carries the run's mark) and an unrelated one that names the dir (what
# a killed container bench leaves, and someone's `tail -f`): cleanup kills the run's
# process only, unmounts, then removes the dir.
sh -c 'exit 0' &
dead=$!
wait $dead
D=$(mktemp -d "/var/tmp/nodeperf-$dead-XXXXXX")
echo "$dead 0" >"$D/.nodeperf-owner"
mkdir "$D/rootfs"
if mount -t tmpfs np-test "$D/rootfs" 2>/dev/null; then
	touch "$D/rootfs/f"
	NODEPERF_RUN_OWNER="$dead:0" "$PY" -c 'import time; time.sleep(600)' "$D/holder" &
	holder=$!
	"$PY" -c 'import time; time.sleep(600)' "$D/bystander" &
	bystander=$!
	settled sh -c "tr '\\0' ' ' </proc/$holder/cmdline | grep -q '$D/holder'"
	settled sh -c "tr '\\0' ' ' </proc/$bystander/cmdline | grep -q '$D/bystander'"
	expect_exit "cleanup --dry-run of a dead run's dir: exit 0" 0 "$NODEPERF" cleanup --dry-run
	check "dry run names the run's process" grep -q "^would remove process $holder (python3.*, started by dead run $dead)" "$T/out"
	check "dry run does not name the unrelated process" sh -c "! grep -q '^would remove process $bystander ' '$T/out'"
	check "dry run names the mount" grep -qx "would remove mount $D/rootfs" "$T/out"
	check "dry run touches nothing" sh -c "kill -0 $holder && grep -q ' $D/rootfs ' /proc/self/mountinfo"
	expect_exit "cleanup of a dead run's dir: exit 0" 0 "$NODEPERF" cleanup
	check "cleanup killed the run's process" grep -q "^removed process $holder (python3.*, started by dead run $dead)" "$T/out"
	wait $holder 2>/dev/null
	check "the run's process is gone" sh -c "! kill -0 $holder 2>/dev/null"
	check "the unrelated process that names the dir still runs" kill -0 $bystander
	kill $bystander
	wait $bystander 2>/dev/null
	check "cleanup unmounted the mount" sh -c "! grep -q ' $D/rootfs ' /proc/self/mountinfo"
	check "cleanup removed the dir" test ! -e "$D"
else
	skip "cleanup of a dead run's mount" "cannot mount a tmpfs here"
	rm -rf "$D"
fi

# A probe killed with SIGKILL leaves the tracefs it mounted for the classic rung; the
# mount's source names the run, and cleanup unmounts it.
if grep -q ' /sys/kernel/tracing ' /proc/self/mountinfo; then
	skip "cleanup of a dead probe's tracefs" "tracefs is already mounted here, so a probe does not mount it"
else
	: >"$T/run.err"
	"$NODEPERF" probe syslat --rung tracepoint --duration 60 >/dev/null 2>"$T/run.err" &
	pid=$!
	if wait_attached $pid "$T/run.err"; then
		kill -KILL $pid
		wait $pid 2>/dev/null
		check "SIGKILL leaves the probe's tracefs, named after it (precondition)" \
			grep -q " /sys/kernel/tracing .* - tracefs nodeperf-$pid " /proc/self/mountinfo
		expect_exit "cleanup after a probe's SIGKILL: exit 0" 0 "$NODEPERF" cleanup
		check "cleanup unmounted the dead probe's tracefs" grep -qx "removed mount /sys/kernel/tracing" "$T/out"
		check "tracefs is not mounted any more" sh -c "! grep -q ' /sys/kernel/tracing ' /proc/self/mountinfo"
	else
		fail "syslat --rung tracepoint did not attach" "$(head -c 400 "$T/run.err")"
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
	fi
fi
