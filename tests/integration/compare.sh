# compare.sh - the gate on fixtures with known verdicts: exit codes, golden Markdown and JUnit, bad input.
. "$(dirname "$0")/lib.sh"

F=$TOP/tests/fixtures/compare
# Paths in reports are the ones given on the command line: run from the fixtures for stable goldens.
cd "$F" || exit 1
R="--thresholds rules.txt"

expect_exit "fixtures: a regression exits 1" 1 "$NODEPERF" compare $R base.json -- cand.json cand2.json
check "text: the outcome first" sh -c "head -1 '$T/out' | grep -q '^nodeperf compare: FAIL  2 regressed, 1 noisy, 1 missing, 1 new, 1 improved, 1 unchanged, 0 limits broken'"
check "text: regressions lead the table" sh -c "sed -n 7p '$T/out' | grep -q '^net.tcp_stream.lo .*regressed' && sed -n 8p '$T/out' | grep -q '^sched.ctxswitch .*regressed'"
check "text: no colour when not a terminal" sh -c "! grep -q \"$(printf '\033')\" '$T/out'"
check "text: the skip reason of a missing metric" grep -q "gate fails: net.tcp_rr.lo.1b: in the baseline, not in the candidate; its bench was skipped: no network namespace support" "$T/out"
check "text: the MDE column and the sensitivity line" sh -c "sed -n 6p '$T/out' | grep -q ' mde ' && grep -q '^sensitivity: ' '$T/out'"
check "text: a regression names the settings that may explain it" grep -q "kernel.release .*5.15.0-1118-azure -> 6.6.150.1-1.azl3" "$T/out"
expect_exit "text: --color always" 1 "$NODEPERF" compare $R base.json -- cand.json cand2.json --color always
check "text: --color always colours the verdicts" grep -q "$(printf '\033')\[1m$(printf '\033')\[31mregressed" "$T/out"

expect_exit "md: exit 1" 1 "$NODEPERF" compare $R base.json -- cand.json cand2.json --format md
check "md: matches the golden file" diff -u "$F/golden.md" "$T/out"
expect_exit "junit: exit 1" 1 "$NODEPERF" compare $R base.json -- cand.json cand2.json --format junit
check "junit: matches the golden file" diff -u "$F/golden.xml" "$T/out"
cp "$T/out" "$T/report.xml"
check "junit: valid against tests/junit.xsd" xmllint --noout --schema "$TOP/tests/junit.xsd" "$T/report.xml"
check "junit: one testcase per metric, a failure per regression" $PY -c "
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find('testsuite')
cases = s.findall('testcase')
assert len(cases) == int(s.get('tests')) == 7, len(cases)
failed = sorted(c.get('name') for c in cases if c.find('failure') is not None)
assert failed == ['net.tcp_rr.lo.1b', 'net.tcp_stream.lo', 'sched.ctxswitch'], failed
assert int(s.get('failures')) == 3 and int(s.get('skipped')) == 1
" "$T/report.xml"

expect_exit "json: exit 1" 1 "$NODEPERF" compare $R base.json -- cand.json cand2.json --format json
cp "$T/out" "$T/report.json"
pycheck "json: verdicts known by construction" "$T/report.json" "
v = {m['name']: m['verdict'] for m in d['metrics']}
want = {'sched.ctxswitch': 'regressed', 'net.tcp_stream.lo': 'regressed', 'sched.wakeup.pipe': 'improved',
        'sched.wakeup.futex': 'unchanged', 'net.tcp_rr.lo.1b': 'missing', 'mem.fault.4k': 'new',
        'io.randread.4k': 'noisy'}
assert v == want, v
assert d['outcome'] == 'FAIL' and d['exit_code'] == 1 and d['schema'] == 'nodeperf/compare/v1'
assert d['cand']['files'] == ['cand.json', 'cand2.json'], d['cand']
m = [m for m in d['metrics'] if m['name'] == 'sched.ctxswitch'][0]
p50 = [c for c in m['checks'] if c['stat'] == 'p50'][0]
assert p50['n_base'] == 5 and p50['n_cand'] == 10, p50
assert 0.09 < p50['change'] < 0.11 and p50['p'] < 0.05, p50
assert any(c['key'] == 'kernel.release' for c in m['config']), m['config']
io = [m for m in d['metrics'] if m['name'] == 'io.randread.4k'][0]
assert 'too few repetitions' in io['checks'][0]['why'], io
s = [m for m in d['metrics'] if m['name'] == 'net.tcp_stream.lo'][0]
assert s['better'] == 'higher' and s['checks'][0]['change'] < -0.1, s
assert not any(c['key'].startswith('block.') for c in s['config']), s['config']"

expect_exit "A/A: a file against itself exits 0" 0 "$NODEPERF" compare $R base.json -- base.json --format json
pycheck "A/A: everything unchanged" "$T/out" "
assert {m['verdict'] for m in d['metrics']} <= {'unchanged', 'noisy'}, d['metrics']
assert d['counts']['regressed'] == 0 and d['config_diff'] == []"

$PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
d['metrics'] = [m for m in d['metrics'] if m['name'] != 'sched.ctxswitch']
json.dump(d, open(sys.argv[2], 'w'))" cand.json "$T/cand-less.json"
expect_exit "missing metric: fails the gate by itself" 1 "$NODEPERF" compare $R base.json -- "$T/cand-less.json" \
	--thresholds /dev/null --format json
pycheck "missing metric: reported" "$T/out" "
v = {m['name']: m['verdict'] for m in d['metrics']}
assert v['sched.ctxswitch'] == 'missing' and v['mem.fault.4k'] == 'new', v
assert len(d['ungated']) == 4, d['ungated']
assert d['outcome'] == 'FAIL' and d['counts']['gate_failing'] == 2, d['counts']
g = {x['subject']: x for x in d['gate']}
assert 'not in the candidate' in g['sched.ctxswitch']['what'] and g['sched.ctxswitch']['allowed_by'] is None, g"
expect_exit "missing metric: --allow-missing opts out, named in the report" 0 "$NODEPERF" compare $R base.json -- \
	"$T/cand-less.json" --thresholds /dev/null --allow-missing 'sched.ctx*' --allow-missing 'net.*' --format json
pycheck "missing metric: the allowing GLOB is named" "$T/out" "
m = [m for m in d['metrics'] if m['name'] == 'sched.ctxswitch'][0]
assert m['allowed_by'] == 'sched.ctx*', m
assert d['outcome'] == 'PASS' and d['counts']['gate_failing'] == 0, d['counts']"
for fmt in text md junit html; do
	expect_exit "missing metric: $fmt names --allow-missing" 0 "$NODEPERF" compare $R base.json -- \
		"$T/cand-less.json" --thresholds /dev/null --allow-missing 'sched.ctx*' --allow-missing 'net.*' --format $fmt
	check "missing metric: $fmt report names the glob" grep -q "allow-missing sched.ctx\*" "$T/out"
done

# A pod without netns rights: 5 of the baseline's 6 metrics gone, every format says so and fails.
$PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
d['metrics'] = [m for m in d['metrics'] if m['name'] == 'sched.wakeup.futex']
json.dump(d, open(sys.argv[2], 'w'))" base.json "$T/cand-one.json"
for fmt in text md json junit html; do
	expect_exit "5 of 6 missing: $fmt fails" 1 "$NODEPERF" compare $R base.json -- "$T/cand-one.json" --format $fmt
	check "5 of 6 missing: $fmt names a missing metric" grep -q "sched.ctxswitch" "$T/out"
done

# Partial candidate, a bench skipped on the baseline only, other parameters: each fails; each opt-out works.
$PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
d['run']['partial'] = True
json.dump(d, open(sys.argv[2], 'w'))" base.json "$T/partial.json"
expect_exit "partial candidate: fails the gate" 1 "$NODEPERF" compare $R base.json -- "$T/partial.json"
check "partial candidate: says so" grep -q "gate fails: candidate .*partial.json is partial" "$T/out"
expect_exit "partial candidate: --allow-missing partial" 0 "$NODEPERF" compare $R base.json -- "$T/partial.json" --allow-missing partial
$PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
d['skipped'] = [{'bench': 'mem.fault.4k', 'reason': 'no hugepages'}]
json.dump(d, open(sys.argv[2], 'w'))" base.json "$T/base-skip.json"
expect_exit "skipped on the baseline only: fails the gate" 1 "$NODEPERF" compare $R "$T/base-skip.json" -- cand.json \
	--thresholds /dev/null --format json
pycheck "skipped on the baseline only: the problem names the bench" "$T/out" "
g = {x['subject']: x for x in d['gate']}
assert 'skipped on the baseline' in g['mem.fault.4k']['what'], g"
$PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
d['run']['argv'] = d['run']['argv'] + ['--reps', '3']
json.dump(d, open(sys.argv[2], 'w'))" base.json "$T/reps3.json"
expect_exit "other parameters: fails the gate" 1 "$NODEPERF" compare $R base.json -- "$T/reps3.json" --format json
pycheck "other parameters: named" "$T/out" "
g = {x['subject']: x for x in d['gate']}
assert '--reps=3' in g['params']['what'], g"
expect_exit "other parameters: --allow-missing params" 0 "$NODEPERF" compare $R base.json -- "$T/reps3.json" --allow-missing params

printf '# SLO only\n*  p50  50%%\nsched.wakeup.futex  p99  off  max 5us\n' >"$T/slo.rules"
expect_exit "limit: a broken limit alone exits 1" 1 "$NODEPERF" compare $R base.json -- cand.json \
	--thresholds "$T/slo.rules" --format json
pycheck "limit: reported as broken" "$T/out" "
m = [m for m in d['metrics'] if m['name'] == 'sched.wakeup.futex'][0]
assert m['limit_broken'] and m['verdict'] == 'unchanged', m
assert d['counts']['regressed'] == 0 and d['counts']['limits_broken'] == 1, d['counts']"

expect_exit "alpha: a stricter alpha" 1 "$NODEPERF" compare $R base.json -- cand.json --alpha 0.01 --format json
check "a regression from one run a side: stderr says to confirm with more runs" grep -q "one run on a side" "$T/err"
pycheck "alpha: recorded" "$T/out" "assert d['alpha'] == 0.01"
expect_exit "two files a side: still a regression" 1 "$NODEPERF" compare $R base.json base.json -- cand.json cand2.json
check "two files a side: no one-run note" sh -c "! grep -q 'one run on a side' '$T/err'"

"$NODEPERF" compare base.json -- cand.json --format json >"$T/default.json"
pycheck "default rules: used when none are given" "$T/default.json" "assert d['thresholds'] == 'results/thresholds.default', d['thresholds']"

# --- bad input: exit 2 with a message that says where ---
expect_exit "no files on the baseline side" 2 "$NODEPERF" compare $R -- cand.json
check "no files: says which side" grep -q "the baseline side has no result files" "$T/err"
expect_exit "no files on the candidate side" 2 "$NODEPERF" compare $R base.json --
check "no files: candidate named" grep -q "the candidate side has no result files" "$T/err"
expect_exit "no separator" 2 "$NODEPERF" compare $R base.json cand.json
expect_exit "unknown format" 2 "$NODEPERF" compare $R base.json -- cand.json --format pdf
check "unknown format: named" grep -q "unknown format 'pdf'" "$T/err"
expect_exit "bad alpha" 2 "$NODEPERF" compare $R base.json -- cand.json --alpha 1.5
expect_exit "unknown option" 2 "$NODEPERF" compare $R base.json -- cand.json --frobnicate
sed 's#nodeperf/result/v1#nodeperf/result/v2#' cand.json >"$T/v2.json"
expect_exit "schema mismatch" 2 "$NODEPERF" compare $R base.json -- "$T/v2.json"
check "schema mismatch: named" grep -q "nodeperf/result/v2 is not supported" "$T/err"
head -c 3000 cand.json >"$T/trunc.json"
expect_exit "truncated JSON" 2 "$NODEPERF" compare $R base.json -- cand.json "$T/trunc.json"
check "truncated JSON: FILE:LINE:COL" grep -qE "^nodeperf: $T/trunc.json:[0-9]+:[0-9]+: " "$T/err"
check "truncated JSON: no report" test ! -s "$T/out"
expect_exit "missing file" 2 "$NODEPERF" compare $R "$T/absent.json" -- cand.json
check "missing file: named" grep -q "$T/absent.json: No such file or directory" "$T/err"
printf '*  p50  5%%\n\n# next is wrong\nsched.*  p50  five\n' >"$T/bad.rules"
expect_exit "bad thresholds line" 2 "$NODEPERF" compare base.json -- cand.json --thresholds "$T/bad.rules"
check "bad thresholds: FILE:LINE" grep -q "^nodeperf: $T/bad.rules:4: allowed change 'five'" "$T/err"
$PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
for m in d['metrics']:
    if m['name'] == 'sched.ctxswitch':
        m['unit'] = 'B'
json.dump(d, open(sys.argv[2], 'w'))" cand.json "$T/unit.json"
expect_exit "unit mismatch across sides" 2 "$NODEPERF" compare $R base.json -- "$T/unit.json"
check "unit mismatch: names metric and files" grep -q "sched.ctxswitch is in B, but in ns in base.json" "$T/err"

# --- output files ---
expect_exit "-o FILE.html picks the format" 1 "$NODEPERF" compare $R base.json -- cand.json cand2.json -o "$T/r.html"
check "-o: nothing on stdout" test ! -s "$T/out"
check "-o: no temp file left" sh -c "! ls '$T' | grep -q '\.tmp\.'"
check "html: inline SVG, a CDF per metric with histograms" test "$(grep -c '<figure>' "$T/r.html")" -eq 6
check "html: the delta chart" grep -q 'aria-label="relative change per statistic"' "$T/r.html"
check "html: self-contained (no scripts, links or remote resources)" \
	sh -c "! grep -qiE '<script|<link|src=|href=|url\(|@import' '$T/r.html'"
expect_exit "-o into a missing directory" 3 "$NODEPERF" compare $R base.json -- cand.json -o "$T/no/such/dir/r.md"
