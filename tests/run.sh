#!/bin/sh
# run.sh - run the unit (cmocka) and integration tests; ends with "N passed, N failed[, N skipped]".
# usage: tests/run.sh BUILD_DIR NODEPERF_BINARY
BUILD=${1:-build}
NODEPERF=$(cd "$(dirname "${2:-./nodeperf}")" && pwd)/$(basename "${2:-./nodeperf}")
export NODEPERF
cd "$(dirname "$0")/.." || exit 1
# the build dir, for tests that load what the test build made (tests/fake/)
NP_BUILD=$(cd "$BUILD" && pwd)
export NP_BUILD
TOP=$(pwd)
export TOP

pass=0 fail=0 skip=0 failed_names=""
log=$(mktemp /tmp/nodeperf-tests-XXXXXX)
trap 'rm -f "$log"' EXIT

count() { # count FILE: add its PASS:/FAIL:/SKIP: and cmocka lines to the totals; nf = its failures
	p=$(grep -c -E '^(PASS: |\[       OK \] )' "$1")
	f=$(grep -c -E '^FAIL: ' "$1")
	s=$(grep -c -E '^(SKIP: |\[  SKIPPED \] [a-z_0-9]+$)' "$1")
	# cmocka lists each failed test twice (when it fails, and in the summary)
	cf=$(grep -E '^\[  FAILED  \] [a-z_0-9]+$' "$1" | sort -u | wc -l)
	pass=$((pass + p)) fail=$((fail + f + cf)) skip=$((skip + s))
	nf=$((f + cf))
}

run_one() { # run_one NAME CMD...
	name=$1
	shift
	"$@" >"$log" 2>&1
	rc=$?
	sed 's/^/    /' "$log"
	count "$log"
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		echo "    FAIL: $name exited $rc without naming a failed test"
		fail=$((fail + 1))
		nf=1
	fi
	[ "$nf" -ne 0 ] && failed_names="$failed_names $name"
	echo "$name: exit $rc"
}

echo "== unit tests"
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done

echo "== integration tests"
for t in tests/integration/*.sh; do
	case $(basename "$t") in lib.sh) continue ;; esac
	run_one "$(basename "$t" .sh)" sh "$t"
done

[ -n "$failed_names" ] && echo "failed in:$failed_names"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
