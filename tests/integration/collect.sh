#!/bin/sh
# collect.sh - `nodeperf collect` on recorded pod logs: good, failed, cut short, damaged and missing nodes.
. "$(dirname "$0")/lib.sh"

F=$TOP/tests/fixtures/collect
L=$T/logs
mkdir -p "$L"

# --- a whole pool that delivered ---
cp "$F/pod-ok.log" "$L/aks-ubuntu-0.log"
cp "$F/pod-ok.log" "$L/aks-ubuntu-1.log"
expect_exit "collect a pool where every node delivered" 0 "$NODEPERF" collect --logs "$L" -o "$T/ubuntu"
[ -f "$T/ubuntu/aks-ubuntu-0.json" ] && [ -f "$T/ubuntu/aks-ubuntu-1.json" ] &&
	[ "$(ls "$T/ubuntu" | wc -l)" -eq 2 ] && pass "one POOLDIR/<node>.json per node" || fail "one file per node" "$(ls "$T/ubuntu")"
expect_exit "the collected file is a valid result (show)" 0 "$NODEPERF" show "$T/ubuntu/aks-ubuntu-0.json"
pycheck "collected result keeps the metrics and repetitions" "$T/ubuntu/aks-ubuntu-1.json" '
assert len(d["metrics"]) >= 3 and all(m["reps"]["p50"] for m in d["metrics"]), d["metrics"]'
# pool vs pool: the same logs on both sides (A/A) must not regress
mkdir -p "$T/azl"
cp "$T/ubuntu/aks-ubuntu-0.json" "$T/azl/aks-azl-0.json"
cp "$T/ubuntu/aks-ubuntu-1.json" "$T/azl/aks-azl-1.json"
expect_exit "compare ubuntu/*.json -- azl/*.json (A/A pools)" 0 "$NODEPERF" compare "$T"/ubuntu/*.json -- "$T"/azl/*.json

# --- a pool with a failed pod, a cut-short log, a damaged log and a node without a pod ---
B=$T/bad
mkdir -p "$B"
cp "$F/pod-ok.log" "$B/aks-azl-0.log"
cp "$F/pod-failed.log" "$B/aks-azl-1.log"
# cut short in the middle of the result line: log rotation, a pod killed mid-write
head -c 20000 "$F/pod-ok.log" >"$B/aks-azl-2.log"
# a diagnostic inside the result line: the length no longer matches
awk '/^==== nodeperf-result-begin/{print; getline; print substr($0, 1, 5000) "\nlibbpf: noise\n" substr($0, 5001); next} {print}' \
	"$F/pod-ok.log" >"$B/aks-azl-3.log"
# the same length, broken JSON
sed '/^{"schema"/s/"metrics":\[/"metrics":{/' "$F/pod-ok.log" >"$B/aks-azl-4.log"
# valid JSON, not a valid result (a metric without its unit), length fixed up
$PY - "$F/pod-ok.log" "$B/aks-azl-5.log" <<'PYEOF'
import json, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^(==== nodeperf-result-begin[^\n]*\n)(\{[^\n]*)\n(==== nodeperf-result-end v1 \S+ exit=0) bytes=\d+", text, re.M)
d = json.loads(m.group(2))
del d["metrics"][0]["unit"]
j = json.dumps(d, separators=(",", ":"))
open(sys.argv[2], "w").write(m.group(1) + j + "\n" + m.group(3) + " bytes=%d ====\n" % len(j))
PYEOF
"$NODEPERF" collect --logs "$B" -o "$T/azlbad" \
	--nodes aks-azl-0,aks-azl-1,aks-azl-2,aks-azl-3,aks-azl-4,aks-azl-5,aks-azl-6 >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 3 ] && pass "collect exits 3 when a node delivered nothing" || fail "collect exit" "got $rc: $(cat "$T/err")"
sed 's/^/    | /' "$T/err"
has() { # has NAME REGEX: stderr has a line matching REGEX
	grep -Eq "$2" "$T/err" && pass "$1" || fail "$1" "no line matching: $2"
}
has "the failed pod is named with its error" "^nodeperf: error: node aks-azl-1: .*no result in the log.*its last message: nodeperf: error: run: cannot create a scratch dir"
has "the cut-short log is named" "^nodeperf: error: node aks-azl-2: .*cut short.*end-v1|^nodeperf: error: node aks-azl-2: .*cut short"
has "a diagnostic inside the result is caught by its length" "^nodeperf: error: node aks-azl-3: .*bytes but its end marker says .*damaged"
has "broken JSON is named" "^nodeperf: error: node aks-azl-4: .*not valid JSON"
has "an invalid result is named with the reader's reason" "^nodeperf: error: node aks-azl-5: .*unit"
has "the node without a pod log is named" "^nodeperf: error: node aks-azl-6: no pod log"
has "the summary counts them" "^nodeperf: error: collect: 6 of 7 nodes delivered no valid result"
[ "$(ls "$T/azlbad" | tr '\n' ' ')" = "aks-azl-0.json aks-azl-1.json aks-azl-2.json aks-azl-3.json aks-azl-4.json aks-azl-5.json aks-azl-6.json " ] &&
	pass "every node has a file: the valid result and a placeholder for each of the others" ||
	fail "files written" "$(ls "$T/azlbad")"
has "the placeholder is said" "^nodeperf: error: node aks-azl-6: wrote .*aks-azl-6.json, a partial result with no metrics"
pycheck "a placeholder is a partial result with no metrics and the reason" "$T/azlbad/aks-azl-6.json" "
assert d['run']['partial'] is True and d['metrics'] == [], d['run']
assert 'aks-azl-6 delivered no valid result' in d['skipped'][0]['reason'], d['skipped']"
# a gate on the pool fails on the nodes that delivered nothing, naming them
expect_exit "a pool with nodes that delivered nothing fails the gate" 1 "$NODEPERF" compare "$T/azlbad/aks-azl-0.json" -- \
	"$T"/azlbad/*.json
check "the gate names a node without a result" grep -q "gate fails: candidate .*aks-azl-6.json has no result: node aks-azl-6 delivered no valid result" "$T/out"
# a second collect into the same dir replaces a stale file of a node that now delivers nothing
cp "$T/azlbad/aks-azl-0.json" "$T/azlbad/aks-azl-1.json"
"$NODEPERF" collect --logs "$B" -o "$T/azlbad" --nodes aks-azl-1 >/dev/null 2>&1
pycheck "a stale file of a node that now delivers nothing is replaced" "$T/azlbad/aks-azl-1.json" "
assert d['run']['partial'] is True and d['metrics'] == [], d['run']"

# --- bad usage ---
expect_exit "collect without -o is bad usage" 2 "$NODEPERF" collect --logs "$L"
expect_exit "collect with --logs and --pool is bad usage" 2 "$NODEPERF" collect --logs "$L" --pool x -o "$T/x"
mkdir -p "$T/empty"
expect_exit "collect of a directory without logs" 2 "$NODEPERF" collect --logs "$T/empty" -o "$T/x"
expect_exit "collect of a missing directory" 2 "$NODEPERF" collect --logs "$T/nope" -o "$T/x"
expect_exit "a node name that is a path is refused" 2 "$NODEPERF" collect --logs "$L" --nodes ../etc -o "$T/x"
[ ! -e "$T/etc.json" ] && pass "nothing written outside POOLDIR" || fail "path escape"

# --- the kubectl path, against a stand-in kubectl (no cluster here) ---
K=$T/kbin
mkdir -p "$K"
cat >"$K/kubectl" <<KEOF
#!/bin/sh
# stand-in: the pool has 5 nodes; pods on 4 of them; one failed, one still running
case "\$*" in
*"get nodes -l kubernetes.azure.com/agentpool=azl1"*) printf 'aks-azl1-0\naks-azl1-1\naks-azl1-2\naks-azl1-3\naks-azl1-4\n' ;;
*"get pods -l app.kubernetes.io/name=nodeperf"*)
	printf 'np-a aks-azl1-0 Running\nnp-b aks-azl1-1 Failed\nnp-c aks-azl1-2 Running\nnp-x aks-other-9 Running\nnp-d aks-azl1-4 Running\n' ;;
*"logs np-d"*) head -n 3 "$F/pod-ok.log" ;;
*"logs np-a"*) cat "$F/pod-ok.log" ;;
*"logs np-b"*) cat "$F/pod-failed.log" ;;
*"logs np-c"*) cat "$F/pod-ok.log" ;;
*) echo "kubectl stand-in: unexpected \$*" >&2; exit 1 ;;
esac
KEOF
chmod +x "$K/kubectl"
PATH="$K:$PATH" "$NODEPERF" collect --pool azl1 -o "$T/k" >"$T/out" 2>"$T/err"
rc=$?
sed 's/^/    | /' "$T/err"
[ $rc -eq 3 ] && pass "kubectl path: exit 3 with a failed pod and a node without one" || fail "kubectl path exit" "got $rc"
has "kubectl path: the failed pod is named" "^nodeperf: error: node aks-azl1-1: pod np-b failed"
has "kubectl path: the node without a pod is named" "^nodeperf: error: node aks-azl1-3: no pod matching"
has "kubectl path: a pod still running is named" "^nodeperf: error: node aks-azl1-4: pod np-d is still running"
[ -f "$T/k/aks-azl1-0.json" ] && [ -f "$T/k/aks-azl1-2.json" ] && [ ! -e "$T/k/aks-other-9.json" ] &&
	[ -f "$T/k/logs/aks-azl1-0.log" ] && pass "kubectl path: results and logs per node of the pool only" ||
	fail "kubectl path files" "$(ls -R "$T/k")"
PATH="$K:$PATH" expect_exit "kubectl path: a pool without nodes" 3 "$NODEPERF" collect --pool nopool -o "$T/k2"
