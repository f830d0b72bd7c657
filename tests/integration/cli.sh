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

# issue 19 (8): values that used to slip through parsing are usage errors, and nothing runs
expect_exit "run --tmpdir '': exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --tmpdir "" --out "$T/e1.json"
check "run --tmpdir '': says why" grep -q "tmpdir wants a directory" "$T/err"
check "run --tmpdir '': nothing run" test ! -e "$T/e1.json"
expect_exit "run --out '': exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --out ""
for v in 1e3 5.0 +5 " 5" 0x10 1001; do
	expect_exit "run --reps '$v': exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --reps "$v" --out "$T/e2.json"
done
check "run --reps 1e3: names the value" grep -q "reps wants a whole number 1..1000, not '1001'" "$T/err"
check "run --reps bad: nothing run" test ! -e "$T/e2.json"
expect_exit "run --busy-poll 1e3: exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --busy-poll 1e3
expect_exit "run --msg-size 1e3: exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --msg-size 1e3
for kv in "net.ipv4/../../kernel/panic=1" "net.ipv4..tcp_rmem=1" "net.nosuch_np_key=1" "vm.swappiness=1" \
	"block.bogus=1" "block.nr_requests=many" "=1" "net.core.somaxconn"; do
	expect_exit "run --tune '$kv': exit 2 before anything runs" 2 "$NODEPERF" run --only sched.ctxswitch \
		--tune "$kv" --out "$T/e3.json"
	check "run --tune '$kv': no result" test ! -e "$T/e3.json"
done
check "run --tune path-like key: named" sh -c "$NODEPERF run --tune 'net.ipv4/../../kernel/panic=1' 2>&1 | grep -q 'net.ipv4/../../kernel/panic=1: not a net'"
if [ "$(id -u)" = 0 ]; then
	expect_exit "run --tune a host-only net key: exit 2" 2 "$NODEPERF" run --only sched.ctxswitch \
		--tune net.core.busy_poll=50 --out "$T/e4.json"
	check "run --tune host-only: says so" grep -q "net.core.busy_poll is not per network namespace" "$T/err"
fi

# run --rounds / --seed: whole numbers in range; no more rounds than repetitions
for v in 0 101 1.5 1e1 x; do
	expect_exit "run --rounds '$v': exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --rounds "$v" --out "$T/e5.json"
done
expect_exit "run --rounds 6 with the quick suite's 5 reps: exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --rounds 6
check "run --rounds > reps: says why" grep -q "rounds 6 needs at least 6 repetitions, not 5" "$T/err"
expect_exit "run --rounds 3 --reps 2: exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --rounds 3 --reps 2
for v in -1 9007199254740992 1.0 abc; do
	expect_exit "run --seed '$v': exit 2" 2 "$NODEPERF" run --only sched.ctxswitch --seed "$v" --out "$T/e6.json"
done
check "bad --rounds/--seed: nothing run" sh -c "! test -e '$T/e5.json' && ! test -e '$T/e6.json'"
