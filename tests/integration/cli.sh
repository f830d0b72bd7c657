# cli.sh - command table, --help everywhere, usage errors exit 2.
. "$(dirname "$0")/lib.sh"

expect_exit "no command: exit 2" 2 "$NODEPERF"
check "no command: usage on stderr" grep -q '^usage: nodeperf' "$T/err"
expect_exit "unknown command: exit 2" 2 "$NODEPERF" frobnicate
check "unknown command: named on stderr" grep -q "unknown command 'frobnicate'" "$T/err"
check "unknown command: nothing on stdout" test ! -s "$T/out"
expect_exit "version" 0 "$NODEPERF" version
check "version prints the version" grep -q '^nodeperf [0-9]' "$T/out"

for cmd in run show snapshot list cleanup; do
	expect_exit "$cmd --help: exit 0" 0 "$NODEPERF" $cmd --help
	check "$cmd --help: usage on stdout" grep -q "^usage: nodeperf $cmd" "$T/out"
	expect_exit "$cmd --bogus: exit 2" 2 "$NODEPERF" $cmd --bogus
	check "$cmd --bogus: usage on stderr" grep -q "^usage: nodeperf $cmd" "$T/err"
done

expect_exit "run --suite nope: exit 2" 2 "$NODEPERF" run --suite nope
check "run --suite nope: names the suite" grep -q "unknown suite 'nope'" "$T/err"
expect_exit "run --reps 0: exit 2" 2 "$NODEPERF" run --reps 0
expect_exit "run --rep-time x: exit 2" 2 "$NODEPERF" run --rep-time x
expect_exit "run --only with no match: exit 2" 2 "$NODEPERF" run --only 'nothing.*'
check "run --only with no match: says so" grep -q "only 'nothing.\*' matches no bench" "$T/err"
expect_exit "run --only, one good glob and one mistyped: exit 2" 2 "$NODEPERF" run --only 'sched.*' \
	--only 'net.udp_rr.lo.1b' --out "$T/typo.json"
check "run --only mistyped: names the glob" grep -q "only 'net.udp_rr.lo.1b' matches no bench" "$T/err"
check "run --only mistyped: no result" test ! -e "$T/typo.json"
expect_exit "show without a file: exit 2" 2 "$NODEPERF" show
expect_exit "list" 0 "$NODEPERF" list
check "list names the sched benches" grep -q '^sched.wakeup.futex' "$T/out"
expect_exit "list --json" 0 "$NODEPERF" list --json
pycheck "list --json has the benches and probes" "$T/out" "assert {b['name'] for b in d['benches']} >= {'sched.wakeup.futex','sched.wakeup.pipe','sched.ctxswitch'}; assert 'runqlat' in {p['name'] for p in d['probes']}"

mkdir -p "$T/ro"
chmod 0555 "$T/ro"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# root ignores directory modes: drop to nobody to see the permission error
	expect_exit "run into an unwritable dir: exit 3" 3 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NODEPERF" run --only sched.ctxswitch --out "$T/ro/r.json"
else
	expect_exit "run into an unwritable dir: exit 3" 3 "$NODEPERF" run --only sched.ctxswitch --out "$T/ro/r.json"
fi
check "unwritable dir: named in the message" grep -q "cannot write the result into $T/ro" "$T/err"
check "unwritable dir: no result" test ! -e "$T/ro/r.json"
