# io.sh - the io benches: plausible metrics, biolat counts on nodeperf's loop device, --tune, a raw
# device refused without --destructive, tmpfs / read-only / full file systems, nothing left behind.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "io" "needs root (loop devices, mounts, BPF)"
	exit 0
fi
for tool in losetup mkfs.ext4 mount umount; do
	if ! command -v $tool >/dev/null; then
		skip "io" "$tool is not installed"
		exit 0
	fi
done

# Everything of this test lives under W; a disk file system (/var/tmp), not tmpfs. Not named
# nodeperf-*: another run's `nodeperf cleanup` must not take this test's loop devices for a dead run's.
W=$(mktemp -d /var/tmp/iotest-XXXXXX)
LOOPS="" MNTS=""
cleanup() {
	for m in $MNTS; do umount "$m" 2>/dev/null; done
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$W" "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mkloop NAME MB: a loop device of our own on a fully written image, in $LOOPDEV (no subshell:
# cleanup must know it)
mkloop() {
	LOOPDEV=""
	dd if=/dev/urandom of="$W/$1.img" bs=1M count="$2" status=none || return 1
	LOOPDEV=$(losetup --find --show "$W/$1.img") || return 1
	LOOPS="$LOOPS $LOOPDEV"
}

# a small ext4 of MB MiB mounted at $W/NAME (extra mount options in $3)
mkfs_mount() {
	mkloop "$1" "$2" || return 1
	mkfs.ext4 -q -F "$LOOPDEV" >/dev/null 2>&1 || return 1
	mkdir -p "$W/$1"
	mount ${3:+-o "$3"} "$LOOPDEV" "$W/$1" || return 1
	MNTS="$W/$1 $MNTS"
}

# leftovers of nodeperf runs under DIR: files, loop devices backed by them
no_leftovers() {
	[ -z "$(find "$1" -mindepth 1 2>/dev/null | head -1)" ] || return 1
	! losetup -a 2>/dev/null | grep -q "$1/"
}

FAST="--reps 2 --rep-time 0.1"

# --- a normal run through nodeperf's own loop device, mq-deadline set by --tune ---
mkdir "$W/s1"
expect_exit "run --only 'io.*' on a loop device (--tune block.scheduler=mq-deadline)" 0 \
	"$NODEPERF" run --only 'io.*' $FAST --tmpdir "$W/s1" --out "$T/loop.json" \
	--tune block.nr_requests=32 --tune block.read_ahead_kb=0 --tune block.scheduler=mq-deadline
cp "$T/out" "$T/loop.txt"
check "result validates against the schema" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/loop.json"
pycheck "eight io metrics plus the depth-32 latency, plausible" "$T/loop.json" "
ms = {m['name']: m for m in d['metrics']}
assert not d['skipped'], d['skipped']
lat = ['io.randread.4k.psync', 'io.randread.4k.io_uring', 'io.randwrite.4k.psync', 'io.randwrite.4k.io_uring',
       'io.fsync', 'io.randread.4k.io_uring.qd32.lat']
for n in lat:
    m = ms[n]
    assert m['unit'] == 'ns' and m['better'] == 'lower', m['name']
    assert m['n'] > 10, (n, m['n'])
    assert 1e3 < m['p50'] < 1e9, (n, 'p50 outside 1 us..1 s', m['p50'])
    assert m['p50'] <= m['p99'] <= m['max'], n
for n, unit in (('io.randread.4k.io_uring.qd32', 'ops/s'), ('io.seqread.1m', 'B/s'), ('io.seqwrite.1m', 'B/s')):
    m = ms[n]
    assert m['unit'] == unit and m['better'] == 'higher', n
    assert len(m['reps']['mean']) == 2 and min(m['reps']['mean']) > 0, n
assert ms['io.seqread.1m']['p50'] > 1e6, ('below 1 MB/s', ms['io.seqread.1m']['p50'])
assert 100 < ms['io.randread.4k.io_uring.qd32']['p50'] < 1e8
p = ms['io.randread.4k.psync']['params']
assert p['target'] == 'loop' and p['disk'].startswith('loop'), p
assert '[mq-deadline]' in p['loop']['scheduler'], p['loop']
assert p['loop']['read_ahead_kb'] == '0' and p['loop']['nr_requests'] == '32', p['loop']
assert p['loop']['direct_io'] is True, p['loop']
assert p['bs'] == 4096 and p['qd'] == 1 and p['direct'] is True, p
assert ms['io.fsync']['params']['bs'] == 2300 and ms['io.fsync']['params']['direct'] is False"
pycheck "biolat counts the I/Os issued to nodeperf's loop device" "$T/loop.json" "
ms = {m['name']: m for m in d['metrics']}
bad = []
for n, op in (('io.randread.4k.psync', 'read'), ('io.randread.4k.io_uring', 'read'),
              ('io.randwrite.4k.psync', 'write'), ('io.randwrite.4k.io_uring', 'write')):
    m = ms[n]
    disk, ios = m['params']['disk'], m['params']['ios']
    h = m['probes']['biolat']['hists']
    got = h.get(disk + '.' + op, {}).get('n', 0)
    # udev may read a new device once or twice (blkid); nothing else touches it. A few counts can
    # be short: a completion in an interrupt on a CPU where the probe was updating the same
    # per-CPU histogram loses one of the two increments (seen: 2 in 346).
    if not ios - max(4, ios // 100) <= got <= ios + 64:
        bad.append((n, 'biolat', got, 'issued', ios))
    q = h.get(disk + '.queue', {}).get('n', 0)
    assert q >= ios - max(4, ios // 100), (n, 'mq-deadline queues every request', q, ios)
# Another test on this node that lost its own loop device may read ours by its old name for a
# moment (seen: 197 extra reads): one bench of the four may be off, not two.
assert len(bad) <= 1, bad"
check "the summary shows the kernel's share per metric" sh -c \
	"grep -q '^block layer' '$T/loop.txt' && grep -E '^  io.randread.4k.psync +loop[0-9]+ ' '$T/loop.txt' | grep -q '%'"
expect_exit "show prints the breakdown too" 0 "$NODEPERF" show "$T/loop.json"
check "show prints the table run printed" cmp -s "$T/loop.txt" "$T/out"
check "nothing left after a normal run (file, loop device)" settled no_leftovers "$W/s1"

# --- the default target: a file in the run's scratch dir ---
mkdir "$W/s2"
expect_exit "run io.randread.4k.psync on a file" 0 "$NODEPERF" run --only io.randread.4k.psync $FAST \
	--tmpdir "$W/s2" --out "$T/file.json"
pycheck "a file target on the scratch dir's disk" "$T/file.json" "
m = d['metrics'][0]
p = m['params']
assert p['target'] == 'file' and p['path'].startswith('$W/s2/nodeperf-'), p
assert p['size'] == 64 << 20 and p['fs'] != 'tmpfs', p
assert p['ios'] >= m['n'], (p['ios'], m['n'])"
check "nothing left after the file run" no_leftovers "$W/s2"

# --- --io-dir: the file in a nodeperf-PID-* dir of its own inside it ---
mkdir -p "$W/iodir" "$W/s3"
expect_exit "run with --io-dir" 0 "$NODEPERF" run --only io.seqread.1m $FAST --tmpdir "$W/s3" \
	--io-dir "$W/iodir" --out "$T/iodir.json"
pycheck "--io-dir holds the file" "$T/iodir.json" "
p = d['metrics'][0]['params']
assert p['path'].startswith('$W/iodir/nodeperf-') and '/np-' in p['path'], p"
check "nothing left in --io-dir" no_leftovers "$W/iodir"

# --- --tune: keys the io benches cannot apply, values the kernel refuses ---
mkdir "$W/s4"
expect_exit "--tune vm.swappiness=1 is refused before anything runs" 2 "$NODEPERF" run --only io.randread.4k.psync $FAST \
	--tmpdir "$W/s4" --out "$T/t1.json" --tune vm.swappiness=1
check "the message names the key and the keys it knows" sh -c \
	"grep -q 'vm.swappiness' '$T/err' && grep -q 'block.scheduler' '$T/err'"
expect_exit "--tune block.scheduler=nosuch fails with what the kernel offers" 3 "$NODEPERF" run \
	--only io.randread.4k.psync $FAST --tmpdir "$W/s4" --out "$T/t2.json" --tune block.scheduler=nosuch
check "the message lists the schedulers" sh -c "grep -q 'nosuch' '$T/err' && grep -q 'none' '$T/err'"
check "nothing left after a failing run (file, loop device)" settled no_leftovers "$W/s4"
expect_exit "--tune block.nr_requests=many is refused before anything runs" 2 "$NODEPERF" run --only io.randread.4k.psync $FAST \
	--tmpdir "$W/s4" --out "$T/t3.json" --tune block.nr_requests=many
check "its message names the value" grep -q "many" "$T/err"
check "no result for a refused --tune" test ! -e "$T/t3.json"

# --- a raw device: read-only unless --destructive, never a mounted one ---
mkloop raw 32
RAW=$LOOPDEV
if [ -z "$RAW" ]; then
	fail "make a loop device to play the raw device"
else
	sum_before=$(md5sum <"$RAW")
	mkdir "$W/s5"
	expect_exit "--io-device without --destructive: reads run" 0 "$NODEPERF" run --only 'io.*' $FAST \
		--tmpdir "$W/s5" --io-device "$RAW" --out "$T/raw.json"
	pycheck "write benches refused without --destructive, reads measured" "$T/raw.json" "
sk = {s['bench']: s['reason'] for s in d['skipped']}
for n in ('io.randwrite.4k.psync', 'io.randwrite.4k.io_uring', 'io.fsync', 'io.seqwrite.1m'):
    assert n in sk and '--destructive' in sk[n], (n, sk.get(n))
ms = {m['name']: m for m in d['metrics']}
assert 'io.randread.4k.psync' in ms and ms['io.randread.4k.psync']['params']['target'] == 'device'
assert ms['io.randread.4k.psync']['params']['path'] == '$RAW'"
	check "the device's data is untouched" test "$(md5sum <"$RAW")" = "$sum_before"
	expect_exit "--io-device --destructive: writes run" 0 "$NODEPERF" run --only 'io.randwrite.4k.psync' \
		$FAST --tmpdir "$W/s5" --io-device "$RAW" --destructive --out "$T/rawd.json"
	pycheck "randwrite measured on the device" "$T/rawd.json" "
assert d['metrics'][0]['name'] == 'io.randwrite.4k.psync' and d['metrics'][0]['n'] > 0"
	expect_exit "--tune block.* with --io-device is refused" 2 "$NODEPERF" run --only io.randread.4k.psync $FAST \
		--tmpdir "$W/s5" --io-device "$RAW" --tune block.scheduler=none --out "$T/rawt.json"
	expect_exit "--io-device on a regular file is skipped" 0 "$NODEPERF" run --only io.randread.4k.psync $FAST \
		--tmpdir "$W/s5" --io-device "$W/raw.img" --out "$T/rawf.json"
	check "its reason: not a block device" grep -q "not a block device" "$T/rawf.json"
fi
if mkfs_mount mnt 16; then
	MDEV=$(findmnt -n -o SOURCE "$W/mnt")
	expect_exit "--io-device of a mounted device with --destructive" 0 "$NODEPERF" run --only 'io.randwrite.4k.psync' \
		$FAST --tmpdir "$W/s5" --io-device "$MDEV" --destructive --out "$T/rawm.json"
	pycheck "writes to a mounted device refused" "$T/rawm.json" "
sk = {s['bench']: s['reason'] for s in d['skipped']}
assert 'mounted' in sk.get('io.randwrite.4k.psync', ''), sk
assert not d['metrics']"
else
	fail "make a mounted ext4 to refuse"
fi

# --- file systems that cannot hold the test: tmpfs, read-only, full ---
mkdir -p "$W/tmpfs"
if mount -t tmpfs -o size=8m nodeperf-test-io "$W/tmpfs"; then
	MNTS="$W/tmpfs $MNTS"
	expect_exit "--io-dir on tmpfs: skipped" 0 "$NODEPERF" run --only io.randread.4k.psync $FAST \
		--tmpdir "$W/s5" --io-dir "$W/tmpfs" --out "$T/tmpfs.json"
	pycheck "the reason names tmpfs" "$T/tmpfs.json" "
sk = {s['bench']: s['reason'] for s in d['skipped']}
assert 'tmpfs' in sk.get('io.randread.4k.psync', ''), sk"
	check "nothing left on the tmpfs" no_leftovers "$W/tmpfs"
else
	fail "mount a tmpfs"
fi
if mkfs_mount ro 16 ro; then
	expect_exit "--io-dir on a read-only file system: skipped" 0 "$NODEPERF" run --only io.randread.4k.psync \
		$FAST --tmpdir "$W/s5" --io-dir "$W/ro" --out "$T/ro.json"
	pycheck "the reason says read-only" "$T/ro.json" "
sk = {s['bench']: s['reason'] for s in d['skipped']}
assert 'read-only' in sk.get('io.randread.4k.psync', ''), sk"
else
	fail "make a read-only ext4"
fi
if mkfs_mount full 32; then
	expect_exit "--io-dir on a file system too small for the file: skipped" 0 "$NODEPERF" run \
		--only 'io.*' $FAST --tmpdir "$W/s5" --io-dir "$W/full" --out "$T/full.json"
	pycheck "the reason says there is no space" "$T/full.json" "
sk = {s['bench']: s['reason'] for s in d['skipped']}
assert len(sk) == 8 and all('space' in r for r in sk.values()), sk"
	check "nothing left half-written on the full file system" sh -c \
		"[ -z \"\$(find '$W/full' -mindepth 1 ! -name lost+found | head -1)\" ]"
else
	fail "make a small ext4"
fi
# EACCES: root may write anywhere, so an unprivileged user is refused a root-only dir
if command -v setpriv >/dev/null; then
	chmod 755 "$W"
	mkdir -m 1777 "$W/pub"
	mkdir -m 700 "$W/priv"
	expect_exit "--io-dir the user may not write: skipped" 0 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NODEPERF" run --only io.randread.4k.psync $FAST --no-probes --tmpdir "$W/pub" --io-dir "$W/priv" \
		--out "$W/pub/eacces.json"
	pycheck "the reason says permission denied" "$W/pub/eacces.json" "
sk = {s['bench']: s['reason'] for s in d['skipped']}
assert 'ermission denied' in sk.get('io.randread.4k.psync', ''), sk"
	rm -f "$W/pub/eacces.json"
	check "nothing left by the refused user" no_leftovers "$W/pub"
	chmod 700 "$W"
else
	skip "EACCES" "setpriv is not installed"
fi
check "nothing left in the scratch dirs of the refused runs" no_leftovers "$W/s5"

# --- SIGINT while the benches run ---
mkdir "$W/s6"
"$NODEPERF" run --only 'io.*' --reps 50 --rep-time 0.2 --tmpdir "$W/s6" --out "$T/int.json" \
	--tune block.scheduler=none >"$T/int.out" 2>"$T/int.err" &
NPID=$!
has_loop() { losetup -a 2>/dev/null | grep -q "$W/s6/"; }
if settled has_loop; then
	sleep 0.3
	kill -INT $NPID
	wait $NPID
	rc=$?
	check "SIGINT: exit 130" test $rc -eq 130
	pycheck "SIGINT: a partial result is written" "$T/int.json" "assert d['run']['partial'] is True"
	check "nothing left after SIGINT (file, loop device)" settled no_leftovers "$W/s6"
else
	kill $NPID 2>/dev/null
	wait $NPID
	fail "SIGINT: the run never made its loop device" "$(head -c 300 "$T/int.err")"
fi

# --- SIGKILL: no handler runs; the kernel detaches the autoclear loop device when the fd closes ---
mkdir "$W/s7"
"$NODEPERF" run --only 'io.*' --reps 50 --rep-time 0.2 --tmpdir "$W/s7" --out "$T/kill.json" \
	--tune block.scheduler=none >/dev/null 2>&1 &
NPID=$!
has_loop7() { losetup -a 2>/dev/null | grep -q "$W/s7/"; }
no_loop7() { ! has_loop7; }
if settled has_loop7; then
	kill -KILL $NPID
	wait $NPID
	check "SIGKILL: the loop device detaches by itself" settled no_loop7
	check "SIGKILL: the file is left in a nodeperf-PID-* dir for \`nodeperf cleanup\`" sh -c \
		"ls -d '$W/s7'/nodeperf-$NPID-* >/dev/null"
	# and cleanup takes it, with the dead run's registry entry
	"$NODEPERF" cleanup >/dev/null 2>&1
	check "SIGKILL: one cleanup leaves nothing of the run" sh -c \
		"! ls -d '$W/s7'/nodeperf-$NPID-* 2>/dev/null && ! test -e /run/nodeperf/$NPID"
else
	kill -KILL $NPID 2>/dev/null
	wait $NPID
	fail "SIGKILL: the run never made its loop device"
fi
