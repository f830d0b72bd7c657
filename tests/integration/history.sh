# history.sh - nodeperf history on fixture series: the gate's exit codes, bad input, every format, the HTML in Chromium.
. "$(dirname "$0")/lib.sh"

F=$TOP/tests/fixtures/history

# --- the gate ---
expect_exit "history: a stable series passes (exit 0)" 0 "$NODEPERF" history "$F/stable"
check "history: text says PASS" grep -q '^nodeperf history: PASS' "$T/out"
check "history: text lists the old change point of io.fsync" grep -q '^io.fsync .* stable  *run 6 +' "$T/out"

expect_exit "history: the newest run starting a regression fails (exit 1)" 1 "$NODEPERF" history "$F/regress"
check "history: text says FAIL" grep -q '^nodeperf history: FAIL  2 regressed' "$T/out"
check "history: the newest-run test names its reference runs" \
	grep -q '^regressed sched.ctxswitch: the newest run is +[0-9.]*% against runs 1-15' "$T/out"
check "history: the young change point is named" \
	grep -q '^regressed net.tcp_stream.veth: the 4 runs since run 13 are -' "$T/out"

# files named one by one, in reverse name order: the same report (ordered by run.started)
# shellcheck disable=SC2046
expect_exit "history: files as arguments (exit 1)" 1 "$NODEPERF" history $(ls -r "$F"/regress/*.json)
cp "$T/out" "$T/files.txt"
"$NODEPERF" history "$F/regress" >"$T/dir.txt" 2>/dev/null
# the newest line names the file (the same run by another path); the rest must match
grep -v '^newest' "$T/dir.txt" >"$T/dir.cut"
grep -v '^newest' "$T/files.txt" >"$T/files.cut"
check "history: files in any order give the directory's report" cmp -s "$T/dir.cut" "$T/files.cut"

# --- json ---
expect_exit "history: json (exit 1)" 1 "$NODEPERF" history "$F/regress" --format json --seed 7
cp "$T/out" "$T/h.json"
pycheck "history: json holds the verdicts, the seed and the runs in time order" "$T/h.json" '
m = {x["name"]: x for x in d["metrics"]}
assert d["schema"] == "nodeperf/history/v1" and d["outcome"] == "FAIL", d["outcome"]
assert d["seed"] == 7 and d["permutations"] == 199 and d["alpha"] == 0.05
assert d["counts"]["regressed"] == 2, d["counts"]
st = [r["started"] for r in d["runs"]]
assert st == sorted(st) and len(st) == 16, st
assert m["sched.ctxswitch"]["status"] == "regressed" and m["sched.ctxswitch"]["p"] < 0.05
assert m["sched.ctxswitch"]["change_points"] == []
assert m["sched.ctxswitch"]["reference"] == {"first_run": 1, "last_run": 15, "level": m["sched.ctxswitch"]["reference"]["level"]}
net = m["net.tcp_stream.veth"]
assert net["status"] == "regressed" and net["stat"] == "mean" and net["better"] == "higher"
assert [c["run"] for c in net["change_points"]] == [13], net["change_points"]
assert net["change_points"][0]["change"] < -0.08
fs = m["io.fsync"]
assert fs["status"] == "stable" and [c["run"] for c in fs["change_points"]] == [6]
assert 0 < fs["mde"] < 0.2 and 0 < fs["noise"] < 0.06, (fs["mde"], fs["noise"])
assert len(fs["values"]) == 16 and fs["log_scale"] is True
'

# --- md, text to a file, html; format from the extension ---
expect_exit "history: md (exit 1)" 1 "$NODEPERF" history "$F/regress" --format md
check "history: md has the table" grep -q '^| metric | stat | runs | newest | reference' "$T/out"
check "history: md bolds the regression" grep -q '| \*\*regressed\*\* |' "$T/out"
expect_exit "history: -o FILE.json picks json" 0 "$NODEPERF" history "$F/stable" -o "$T/s.json"
pycheck "history: the written json says PASS" "$T/s.json" 'assert d["outcome"] == "PASS"'
expect_exit "history: -o FILE.html (exit 1)" 1 "$NODEPERF" history "$F/regress" -o "$T/r.html"
check "history: html has one svg per metric" sh -c "test \$(grep -c '<svg' '$T/r.html') -eq 3"
check "history: html marks the change points" grep -q 'stroke-dasharray' "$T/r.html"
check "history: no temp file left beside them" sh -c "[ -z \"\$(ls -A '$T' | grep -e '^\.' -e tmp)\" ]"
expect_exit "history: an unwritable -o is a write failure (exit 3)" 3 "$NODEPERF" history "$F/stable" -o /proc/nonexistent/x.txt

# --- options ---
expect_exit "history: --metric filters" 1 "$NODEPERF" history "$F/regress" --metric 'net.*' --format json
pycheck "history: --metric keeps only matching metrics" "$T/out" \
	'assert [m["name"] for m in d["metrics"]] == ["net.tcp_stream.veth"]'
expect_exit "history: --metric matching nothing (exit 2)" 2 "$NODEPERF" history "$F/stable" --metric 'nothing.*'
check "history: ... and says so" grep -q "'nothing\.\*' matches no metric" "$T/err"
expect_exit "history: --recent 3 lets the 4-run-old change point pass" 1 "$NODEPERF" history "$F/regress" --recent 3 --format json
pycheck "history: --recent 3: only the newest-run regression" "$T/out" \
	'assert d["counts"]["regressed"] == 1 and [m["name"] for m in d["metrics"] if m["status"] == "regressed"] == ["sched.ctxswitch"]'
expect_exit "history: --alpha 2 (exit 2)" 2 "$NODEPERF" history "$F/stable" --alpha 2
expect_exit "history: --format xml (exit 2)" 2 "$NODEPERF" history "$F/stable" --format xml
expect_exit "history: --permutations 5 (exit 2)" 2 "$NODEPERF" history "$F/stable" --permutations 5
expect_exit "history: an unknown option (exit 2)" 2 "$NODEPERF" history "$F/stable" --frobnicate
expect_exit "history: --help (exit 0)" 0 "$NODEPERF" history --help

# --- bad input ---
expect_exit "history: labels that differ (exit 2)" 2 "$NODEPERF" history "$F/mixed-label"
check "history: ... naming both labels" sh -c "grep -q \"label 'debian-12' differs from 'ubuntu-22.04'\" '$T/err' && grep -q -- '--label' '$T/err'"
expect_exit "history: --label picks one (exit 0)" 0 "$NODEPERF" history "$F/mixed-label" --label debian-12
check "history: ... and counts the files left out" grep -q '^left out 1 file of other labels' "$T/out"
expect_exit "history: --label naming no file (exit 2)" 2 "$NODEPERF" history "$F/mixed-label" --label nope
expect_exit "history: suites that differ (exit 2)" 2 "$NODEPERF" history "$F/mixed-suite"
check "history: ... naming both suites" grep -q "suite 'quick' differs from 'standard'" "$T/err"
mkdir "$T/empty"
expect_exit "history: an empty directory (exit 2)" 2 "$NODEPERF" history "$T/empty"
check "history: ... says so" grep -q "empty: no \*.json result files" "$T/err"
expect_exit "history: not a regular file (exit 2)" 2 "$NODEPERF" history /dev/null
check "history: ... says so" grep -q '^nodeperf: /dev/null: not a regular file' "$T/err"
expect_exit "history: a missing file (exit 2)" 2 "$NODEPERF" history "$T/absent.json"
expect_exit "history: an invalid result (exit 2)" 2 "$NODEPERF" history "$TOP/tests/fixtures/result-truncated.json"
check "history: ... with its place" grep -q 'result-truncated.json:[0-9]*:[0-9]*:' "$T/err"
expect_exit "history: no arguments (exit 2)" 2 "$NODEPERF" history

# --- the HTML renders ---
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	skip "history: html renders in chromium" "chromium is not installed (apt-get install chromium)"
	exit 0
fi
timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
	--user-data-dir="$T/profile" --host-resolver-rules="MAP * ~NOTFOUND" \
	--window-size=1000,1400 --screenshot="$T/shot.png" "file://$T/r.html" \
	>"$T/chromium.log" 2>&1
check "history: chromium took a screenshot" test -s "$T/shot.png"
# Decode the PNG with zlib alone: many colours, ink, the blue series and the red regression marks.
check "history: the screenshot shows the series and the regressions" $PY - "$T/shot.png" "$TOP/tests/integration" <<'PY'
import sys
sys.dont_write_bytecode = True  # nothing left in the tree
sys.path.insert(0, sys.argv[2])
from png_colours import load, near as near_rgb

colours, total = load(sys.argv[1])
background = colours.get(b'\xff\xff\xff', 0)
near = lambda rgb: near_rgb(colours, rgb)
ink = 1 - background / total
assert len(colours) > 50, 'only %d colours: blank or flat' % len(colours)
assert ink > 0.03, 'only %.1f%% of the page is not white' % (100 * ink)
assert near((0x1f, 0x6f, 0xb4)) > 300, 'the series points (blue) are not visible'
assert near((0xc6, 0x28, 0x28)) > 200, 'no regression (red) is drawn'
PY
