# run_rounds.sh - run --rounds/--seed: interleaved rounds in a seeded random order, one
# metric per name holding every repetition with its round, and the disturbance of each.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
mkdir "$T/scratch"
FAST="--only sched.* --rep-time 0.05 --no-probes --tmpdir $T/scratch"
# shellcheck disable=SC2086
run_r() { # run_r OUT ARGS...: a rounds run of the sched benches
	out=$1
	shift
	"$NODEPERF" run $FAST --out "$out" "$@"
}

expect_exit "run --rounds 2 --seed 1 --reps 5" 0 run_r "$T/a.json" --rounds 2 --seed 1 --reps 5
cp "$T/out" "$T/a.txt"
check "result validates against the schema" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/a.json"
pycheck "rounds, seed and each round's order recorded" "$T/a.json" "
r = d['run']
assert r['rounds'] == 2 and r['seed'] == 1, r
names = {'sched.wakeup.futex', 'sched.wakeup.pipe', 'sched.ctxswitch'}
assert len(r['order']) == 2 and all(sorted(o) == sorted(names) for o in r['order']), r['order']
assert r['order'][0] != r['order'][1], 'seed 1 shuffles the two rounds differently: ' + repr(r['order'])"
pycheck "one metric per bench, all 5 repetitions, each with its round (3 in round 0, 2 in round 1)" "$T/a.json" "
names = [m['name'] for m in d['metrics']]
assert sorted(names) == sorted(set(names)) and len(names) == 3, names
for m in d['metrics']:
    for s, v in m['reps'].items():
        assert len(v) == 5, (m['name'], s, v)
    dist = m['disturbance']
    assert dist['round'] == [0, 0, 0, 1, 1], (m['name'], dist['round'])
    for k in ('wall_s', 'steal_s', 'other_cpu_s', 'throttled_s', 'invol_csw', 'irq', 'softirq', 'major_faults'):
        assert len(dist[k]) == 5 and all(x >= 0 for x in dist[k]), (m['name'], k, dist[k])
    assert all(0.04 < w < 1 for w in dist['wall_s']), dist['wall_s']
    assert m['params']['reps_done'] == 5, m['params']
    assert sum(c for _, c in m['hist']['buckets']) == m['n']"
pycheck "the metrics appear in the order the first round ran them" "$T/a.json" "
assert [m['name'] for m in d['metrics']] == d['run']['order'][0], ([m['name'] for m in d['metrics']], d['run']['order'])"
check "the summary says rounds and seed" grep -q "^rounds 2  seed 1  " "$T/a.txt"
check "the summary sums up the disturbance" grep -qE "^disturbance  [0-9]+ of 15 repetitions disturbed" "$T/a.txt"
expect_exit "show a.json" 0 "$NODEPERF" show "$T/a.json"
check "show prints the table run printed" cmp -s "$T/a.txt" "$T/out"
expect_exit "show --json a.json" 0 "$NODEPERF" show --json "$T/a.json"
pycheck "show --json keeps rounds, order and disturbance" "$T/out" "
o = json.load(open('$T/a.json'))
assert d['run']['order'] == o['run']['order'] and d['run']['seed'] == o['run']['seed']
assert d['metrics'] == o['metrics']"

expect_exit "the same seed again" 0 run_r "$T/b.json" --rounds 2 --seed 1 --reps 2
expect_exit "another seed" 0 run_r "$T/c.json" --rounds 2 --seed 2 --reps 2
pycheck "the same seed gives the same order, another seed another" "$T/a.json" "
b = json.load(open('$T/b.json'))['run']['order']
c = json.load(open('$T/c.json'))['run']['order']
assert d['run']['order'] == b, (d['run']['order'], b)
assert c != b, (b, c)"
pycheck "--reps 2 over 2 rounds: one repetition in each" "$T/b.json" "
for m in d['metrics']:
    assert m['disturbance']['round'] == [0, 1] and len(m['reps']['p50']) == 2, m['name']"

expect_exit "--rounds 1 (the quick suite's default)" 0 run_r "$T/q.json" --reps 2
pycheck "one round keeps the bench table's order; the seed is recorded all the same" "$T/q.json" "
r = d['run']
assert r['rounds'] == 1 and isinstance(r['seed'], int), r
assert r['order'] == [['sched.wakeup.futex', 'sched.wakeup.pipe', 'sched.ctxswitch']], r['order']
assert [m['name'] for m in d['metrics']] == r['order'][0]
for m in d['metrics']:
    assert m['disturbance']['round'] == [0, 0], m['disturbance']"
check "one round: no rounds line in the summary" sh -c "! grep -q '^rounds ' '$T/out'"

# the suite's repetitions and warm-up are split over the rounds: no longer than one pass
pycheck "the warm-up and repetitions of one pass are spread, not repeated" "$T/a.json" "
assert d['run']['duration_s'] < 3 * (0.05 + 5 * 0.05) + 6, d['run']['duration_s']"

# standard's default is 3 rounds; fewer repetitions than that make fewer rounds
expect_exit "--suite standard --reps 2 --only sched.ctxswitch" 0 "$NODEPERF" run --suite standard --only sched.ctxswitch \
	--reps 2 --rep-time 0.05 --no-probes --out "$T/s.json"
pycheck "standard with 2 repetitions: 2 rounds" "$T/s.json" "
assert d['run']['rounds'] == 2, d['run']
assert d['metrics'][0]['disturbance']['round'] == [0, 1]"
check "no scratch dir left, later rounds' included" sh -c "! ls -A '$T/scratch' | grep -q ."
