# run_sched.sh - a real quick run of the sched benches: valid result, plausible numbers, show.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
mkdir "$T/scratch"
expect_exit "run --suite quick --only 'sched.*'" 0 "$NODEPERF" run --suite quick --only 'sched.*' \
	--label ci-test --tmpdir "$T/scratch" --out "$T/r.json"
cp "$T/out" "$T/summary.txt"
check "result validates against the schema" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/r.json"
pycheck "three sched metrics with plausible numbers" "$T/r.json" "
ms = {m['name']: m for m in d['metrics']}
skipped = {s['bench']: s['reason'] for s in d['skipped']}
for name in ('sched.wakeup.futex', 'sched.wakeup.pipe', 'sched.ctxswitch'):
    if name in skipped:
        print(name, 'skipped:', skipped[name]); continue
    m = ms[name]
    assert m['unit'] == 'ns' and m['better'] == 'lower', m
    assert m['n'] > 1000, (name, m['n'])
    assert 0 < m['min'] <= m['p50'] <= m['p90'] <= m['p99'] <= m['p999'] <= m['max'], m
    assert m['p50'] < 10e6, ('a 10 ms median hop is not plausible', m['p50'])
    for s in ('p50', 'p99'):
        assert len(m['reps'][s]) == 5, (s, m['reps'][s])
    assert sum(c for _, c in m['hist']['buckets']) == m['n']
    assert m['params']['pinning']['a']['cpu'] is not None
assert d['run']['label'] == 'ci-test' and d['run']['suite'] == 'quick'
assert 'partial' not in d['run'] or d['run']['partial'] is False
assert d['node']['topology']['pus'] >= 1"
check "summary table names each metric" sh -c "grep -q sched.wakeup.futex '$T/summary.txt' && grep -q sched.ctxswitch '$T/summary.txt'"
expect_exit "show r.json" 0 "$NODEPERF" show "$T/r.json"
check "show prints the table run printed" cmp -s "$T/summary.txt" "$T/out"
expect_exit "show --json" 0 "$NODEPERF" show --json "$T/r.json"
pycheck "show --json round-trips the metrics" "$T/out" "
o = json.load(open('$T/r.json'))
assert d['metrics'] == o['metrics'], 'metrics differ after a read/write round trip'"
check "the run's scratch dir is gone" sh -c "! ls -A '$T/scratch' | grep -q ."
check "no temp result file left" sh -c "! ls '$T' | grep -q '\.tmp\.'"

# default output name in the current directory
expect_exit "run with the default --out" 0 "$NODEPERF" run --only sched.ctxswitch --reps 2 --rep-time 0.05
check "default result name nodeperf-HOST-UTCTIME.json" sh -c "ls '$T' | grep -qE '^nodeperf-$(hostname)-[0-9]{8}T[0-9]{6}Z\.json$'"
