# probe_biolat.sh - biolat: exactly the N O_DIRECT reads the test does on its own loop device, every rung.
. "$(dirname "$0")/lib.sh"

N=200
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
tracefs_before=$(grep -c ' /sys/kernel/tracing ' /proc/mounts)

if [ "$(id -u)" -ne 0 ]; then
	skip "biolat" "needs root (a loop device and BPF)"
	exit 0
fi
if ! command -v losetup >/dev/null; then
	skip "biolat" "losetup (util-linux) is not installed"
	exit 0
fi

# a file on a disk file system (tmpfs may refuse O_DIRECT), behind a loop device of our own
# not nodeperf-$$-*: `nodeperf cleanup` in a parallel run takes a nodeperf-PID-* dir whose PID is not
# a nodeperf process (this shell) for a dead run's and detaches its loop device mid-test
D=$(mktemp -d /var/tmp/biotest-XXXXXX)
LOOP=""
cleanup() {
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	rm -rf "$D" "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
truncate -s 16M "$D/disk.img"
LOOP=$(losetup --find --show --direct-io=on "$D/disk.img" 2>"$T/err")
if [ -z "$LOOP" ]; then
	skip "biolat" "losetup refused: $(head -c 200 "$T/err")"
	exit 0
fi
DEV=$(basename "$LOOP")
# mq-deadline, where the kernel has it, so that every request is inserted and
# the queue time (insert -> issue) is measured too; without a scheduler the
# requests are issued directly and have no queue time
SCHED=none
if grep -qw mq-deadline "/sys/block/$DEV/queue/scheduler" && echo mq-deadline >"/sys/block/$DEV/queue/scheduler"; then
	SCHED=mq-deadline
fi
# whatever udev reads from a new device (blkid) must be done before we count
command -v udevadm >/dev/null && udevadm settle -t 10 2>/dev/null

# Why exactly N: dd reads 4 KiB with O_DIRECT, one bio per read, and waits for
# each before the next, so no two requests are ever queued together to merge;
# nothing else reads a device this test created a moment ago; and with
# direct-io the loop driver's own reads go to the backing file's disk, not to
# $DEV. The probe is system-wide (no pid filter): other disks show up too.
READS="dd if=$LOOP of=/dev/null bs=4k count=$N iflag=direct"

for rung in tp_btf raw_tp tracepoint; do
	"$NODEPERF" probe biolat --json --rung $rung -- $READS >"$T/$rung.json" 2>"$T/err"
	check "biolat --rung $rung -- dd: exit 0" test $? -eq 0
	pycheck "biolat --rung $rung counts exactly the $N reads on $DEV" "$T/$rung.json" "
assert d['attach'] == '$rung', d['attach']
assert d['filter'] is None, d['filter']
h = d['hists']
r = h.get('$DEV.read')
assert r, sorted(h)
assert r['n'] == $N, r['n']
assert 0 < r['min'] <= r['p50'] <= r['max'], r
assert '$DEV.write' not in h and '$DEV.other' not in h, sorted(h)
if '$SCHED' == 'mq-deadline':
    q = h.get('$DEV.queue')
    assert q and q['n'] == $N, q and q['n']
assert d['counters']['map_full'] == 0, d['counters']
progs = {p['name'][p['name'].index('_') + 1:]: p for p in d['programs']}
assert progs['issue']['run_cnt'] >= $N and progs['complete']['run_cnt'] >= $N, progs
assert progs['complete']['cost_ns_per_event'] > 0, progs['complete']"
done
check "tracefs mount state is as it was" settled sh -c "test \"\$(grep -c ' /sys/kernel/tracing ' /proc/mounts)\" = $tracefs_before"

# writes are their own key; --duration with the I/O started once attached (after
# the writes, udev may read the device again: only the writes are counted)
: >"$T/err"
"$NODEPERF" probe biolat --json --duration 3 >"$T/dur.json" 2>"$T/err" &
probe=$!
wait_attached $probe "$T/err" || fail "biolat --duration: did not attach" "$(head -c 400 "$T/err")"
dd if=/dev/zero of="$LOOP" bs=4k count=$N oflag=direct 2>/dev/null
wait $probe
check "biolat --duration: exit 0" test $? -eq 0
pycheck "biolat --duration sees the $N O_DIRECT writes on $DEV as writes" "$T/dur.json" "
w = d['hists'].get('$DEV.write')
assert w and w['n'] == $N, w and w['n']"

# text output like the classic tools, and no filters: biolat is system-wide
expect_exit "biolat text output" 0 "$NODEPERF" probe biolat -- $READS
if grep -q "^$DEV.read: n $N " "$T/out" && grep -q 'nsecs.*: count.*distribution' "$T/out"; then
	pass "text output has $DEV.read and a histogram"
else
	fail "text output has $DEV.read and a histogram" "$(grep "^$DEV" "$T/out" | tr '\n' ';')"
fi
expect_exit "biolat --pid: refused, exit 2" 2 "$NODEPERF" probe biolat --duration 1 --pid $$
check "biolat --pid says it is system-wide" grep -q "no pid filter" "$T/err"

# nothing left behind
check "bpf_stats_enabled is back to $stats_before" test "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before"
if command -v bpftool >/dev/null; then
	check "no biolat program left loaded" settled sh -c "! bpftool prog show | grep -qE 'name (btf|raw|tp)_(insert|issue|complete|merge) '"
fi
