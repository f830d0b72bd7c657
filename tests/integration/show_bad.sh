# show_bad.sh - broken result files: exit 2 with FILE:LINE:COL and what is wrong.
. "$(dirname "$0")/lib.sh"

F=$TOP/tests/fixtures
expect_exit "show a valid fixture" 0 "$NODEPERF" show "$F/result-valid.json"

# truncate a real file in the middle of the metrics
head -c 700 "$F/result-valid.json" >"$T/trunc.json"
expect_exit "truncated: exit 2" 2 "$NODEPERF" show "$T/trunc.json"
check "truncated: FILE:LINE:COL" grep -qE "^nodeperf: $T/trunc.json:[0-9]+:[0-9]+: " "$T/err"
check "truncated: nothing on stdout" test ! -s "$T/out"

printf '{"schema": "nodeperf/result/v1", "tool": {,}}\n' >"$T/malformed.json"
expect_exit "malformed: exit 2" 2 "$NODEPERF" show "$T/malformed.json"
check "malformed: FILE:1:COL" grep -qE "^nodeperf: $T/malformed.json:1:[0-9]+: " "$T/err"

sed 's#nodeperf/result/v1#nodeperf/result/v2#' "$F/result-valid.json" >"$T/v2.json"
expect_exit "schema v2: exit 2" 2 "$NODEPERF" show "$T/v2.json"
check "schema v2: refused by name" grep -q "nodeperf/result/v2 is not supported" "$T/err"

$PY -c "
import json,sys; d=json.load(open(sys.argv[1])); d['metrics'][0]['p50']='fast'
json.dump(d, open(sys.argv[2],'w'), indent=1)" "$F/result-valid.json" "$T/badtype.json"
expect_exit "wrong type: exit 2" 2 "$NODEPERF" show "$T/badtype.json"
check "wrong type: names the place" grep -qE "badtype.json:[0-9]+:[0-9]+: metrics\[0\]\.p50" "$T/err"

expect_exit "missing file: exit 2" 2 "$NODEPERF" show "$T/absent.json"
check "missing file: named" grep -q "$T/absent.json" "$T/err"
: >"$T/empty.json"
expect_exit "empty file: exit 2" 2 "$NODEPERF" show "$T/empty.json"
