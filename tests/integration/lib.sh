# lib.sh - helpers for integration tests: PASS:/FAIL:/SKIP: lines that tests/run.sh counts.
# Each test script sources this, uses $NODEPERF (the binary) and $TOP (the repo).
: "${NODEPERF:=$(pwd)/nodeperf}"
: "${TOP:=$(pwd)}"
PY=/usr/bin/python3
SCHEMA=$TOP/docs/result-schema.json
T=$(mktemp -d /tmp/nodeperf-test-XXXXXX)
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }
skip() { echo "SKIP: $1: $2"; }

# check NAME CMD...: pass when CMD succeeds
check() {
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# expect_exit NAME CODE CMD...: run CMD (stdout/stderr into $T/out, $T/err), compare the exit code
expect_exit() {
	name=$1 want=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		pass "$name"
	else
		fail "$name" "exit $got, expected $want; stderr: $(head -c 400 "$T/err")"
	fi
}

# pycheck NAME FILE PYTHON: run python with the JSON of FILE as `d`; pass when it prints nothing and exits 0
pycheck() {
	name=$1 file=$2 code=$3
	msg=$($PY -c "import json,sys
d=json.load(open(sys.argv[1]))
$code" "$file" 2>&1)
	if [ $? -eq 0 ] && [ -z "$msg" ]; then pass "$name"; else fail "$name" "$msg"; fi
}

# wait_attached PID ERRFILE [TEXT]: wait until the probe PID has written TEXT
# (default "attached") to ERRFILE, up to 30 s. Truncate ERRFILE before starting
# the probe: its redirection happens in the child, after this shell goes on.
wait_attached() {
	i=0
	until grep -qF "${3:-attached}" "$2" 2>/dev/null; do
		kill -0 "$1" 2>/dev/null || return 1
		[ $i -ge 300 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# settled CMD...: true once CMD holds, within 5 s. On a shared machine another
# user's probe may hold tracefs or programs of the same names for a moment,
# while anything a test leaked would stay.
settled() {
	i=0
	until "$@"; do
		[ $i -ge 50 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
