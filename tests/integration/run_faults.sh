# run_faults.sh - a result that cannot be written (a full disk) loses no measurements: saved
# elsewhere and named on stderr, or printed on stdout; exit 3, also after SIGTERM (issue 19).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "run on a full disk" "needs root to mount a small tmpfs"
	exit 0
fi
FULL=$T/full
mkdir "$FULL"
if ! mount -t tmpfs -o size=64k np-test-full "$FULL" 2>/dev/null; then
	skip "run on a full disk" "cannot mount a tmpfs here"
	exit 0
fi
trap 'umount "$FULL" 2>/dev/null; rm -rf "$T"' EXIT
mkdir "$T/scratch"
echo '{"old": true}' >"$FULL/x.json"
dd if=/dev/zero of="$FULL/fill" bs=4k count=64 2>/dev/null
check "the tmpfs is full (precondition)" sh -c "! echo more >>'$FULL/fill' 2>/dev/null"
FAST="--only sched.ctxswitch --reps 1 --rep-time 0.05 --no-probes --tmpdir $T/scratch"

# shellcheck disable=SC2086
expect_exit "full disk: exit 3" 3 "$NODEPERF" run $FAST --out "$FULL/x.json"
check "full disk: the old file is kept" grep -q '"old": true' "$FULL/x.json"
check "full disk: the error names the file" grep -q "$FULL/x.json" "$T/err"
saved=$(sed -n 's/.*the measurements are saved in \(.*\) instead$/\1/p' "$T/err")
check "full disk: stderr names where the measurements went" test -n "$saved"
if [ -n "$saved" ]; then
	check "the saved result validates" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$saved"
	pycheck "the saved result holds the measurement" "$saved" "
assert [m['name'] for m in d['metrics']] == ['sched.ctxswitch'] and d['metrics'][0]['n'] > 0, d['metrics']"
	check "the summary was still printed" grep -q '^sched.ctxswitch ' "$T/out"
	rm -f "$saved"
fi
check "full disk: no temp file left" sh -c "! ls '$FULL' | grep -q '\.tmp\.'"

# Nowhere to write at all (TMPDIR, /var/tmp, /tmp, /dev/shm and the cwd full): JSON on stdout.
if command -v unshare >/dev/null && unshare -m true 2>/dev/null && [ -d /mnt ]; then
	# shellcheck disable=SC2016
	expect_exit "no writable place at all: exit 3" 3 unshare -m sh -c '
		cd "$1" || exit 9
		for d in /var/tmp /dev/shm /tmp; do mount --bind . "$d" || exit 9; done
		mount -t tmpfs np-test-scratch /mnt || exit 9
		TMPDIR=$PWD exec "$2" run --only sched.ctxswitch --reps 1 --rep-time 0.05 --no-probes \
			--tmpdir /mnt --out x.json' sh "$FULL" "$NODEPERF"
	check "no writable place: stderr says it follows on stdout" grep -q "result follows on stdout as JSON" "$T/err"
	pycheck "no writable place: stdout is the result" "$T/out" "
assert d['schema'].startswith('nodeperf/result/v1') and d['metrics'][0]['name'] == 'sched.ctxswitch', d['metrics']"
else
	skip "no writable place at all" "no unshare -m here"
fi

# SIGTERM, then a full disk: exit 3, not 143, and the partial result saved elsewhere.
: >"$T/run.err"
# shellcheck disable=SC2086
"$NODEPERF" run -v --only 'sched.*' --reps 5 --rep-time 0.3 --no-probes --tmpdir "$T/scratch" \
	--out "$FULL/x.json" >/dev/null 2>"$T/run.err" &
pid=$!
if wait_attached $pid "$T/run.err" "] sched.wakeup.pipe: start"; then
	kill -TERM $pid
	wait $pid
	rc=$?
	check "SIGTERM on a full disk: exit 3" test "$rc" -eq 3
	saved=$(sed -n 's/.*the measurements are saved in \(.*\) instead$/\1/p' "$T/run.err")
	check "SIGTERM on a full disk: saved elsewhere" test -n "$saved"
	[ -n "$saved" ] && pycheck "SIGTERM on a full disk: the partial result" "$saved" "
assert d['run']['partial'] is True and [m['name'] for m in d['metrics']] == ['sched.wakeup.futex'], d['metrics']"
	[ -n "$saved" ] && rm -f "$saved"
else
	fail "SIGTERM on a full disk: the run did not reach its second bench" "$(head -c 400 "$T/run.err")"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
fi
check "the old file is still kept" grep -q '"old": true' "$FULL/x.json"
umount "$FULL"
check "the tmpfs is unmounted" sh -c "! grep -q ' $FULL ' /proc/self/mountinfo"
