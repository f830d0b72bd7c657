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
