# faults.sh - the fault matrix: SIGKILL into each bench family and `profile tune`, then ONE
# `nodeperf cleanup` and nothing of that run left; cleanup touches nothing that is not
# nodeperf's; --all refuses live runs; no write follows a planted symlink; a full disk is
# named; hostile input is refused, not crashed on.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	skip "fault matrix" "needs root (namespaces, loop devices, cgroups, chown)"
	exit 0
fi

W=$(mktemp -d /var/tmp/np-faults-XXXXXX)	# not nodeperf-*: no cleanup takes it
CUSTOM=$W/scratch				# a --tmpdir outside /tmp and /var/tmp
mkdir -p "$CUSTOM"
BYSTANDERS=""
trap 'for b in $BYSTANDERS; do kill $b 2>/dev/null; done; umount "$W/full" 2>/dev/null; rm -rf "$W" "$T"' EXIT

# Everything run $1 could leave: netns, links, cgroups, mounts, loop devices, BPF
# programs, scratch dirs (also under the custom --tmpdir), its registry, its processes.
leftovers() {
	p=$1
	ip netns list 2>/dev/null | grep "^np-$p-" | sed 's/^/netns /'
	ls /sys/class/net | grep "^np-$p-" | sed 's/^/link /'
	find /sys/fs/cgroup -maxdepth 4 -type d -name "np-$p-*" 2>/dev/null | sed 's/^/cgroup /'
	grep -E "nodeperf-$p( |-)" /proc/self/mountinfo | sed 's/^/mount /'
	losetup -a 2>/dev/null | grep -E "nodeperf-$p-|np-$p-" | sed 's/^/loop /'
	bpftool prog show 2>/dev/null | grep -E "\($p\)" | sed 's/^/bpf /'
	ls -d /var/tmp/nodeperf-"$p"-* /tmp/nodeperf-"$p"-* "$CUSTOM"/nodeperf-"$p"-* 2>/dev/null | sed 's/^/dir /'
	[ -e "/run/nodeperf/$p" ] && echo "registry /run/nodeperf/$p"
	{
		grep -lz "^NODEPERF_RUN_OWNER=$p:" /proc/[0-9]*/environ
		grep -lz "nodeperf-$p-" /proc/[0-9]*/cmdline
	} 2>/dev/null | sed 's,^/proc/\([0-9]*\)/.*,\1,' | sort -u | while read -r q; do
		case " $$ $BYSTANDERS " in *" $q "*) continue ;; esac
		c=$(tr '\0' ' ' <"/proc/$q/cmdline" 2>/dev/null | head -c 120)
		# grep itself names the pattern; a process gone meanwhile is no leftover
		case $c in "" | grep*) continue ;; esac
		echo "process $q $c"
	done
	true
}
nothing_left() { [ -z "$(leftovers "$1")" ]; }
# gone PID: no such process, or a zombie that its new parent has not reaped yet
gone() { st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null); [ -z "$st" ] || [ "$st" = Z ]; }

# kill_at NAME TEXT DELAY ARGS...: `nodeperf ARGS` in the background, SIGKILL DELAY s after
# its stderr says TEXT; sets $pid. false when TEXT never came.
kill_at() {
	name=$1 text=$2 delay=$3
	shift 3
	: >"$T/run.err"
	"$NODEPERF" "$@" >/dev/null 2>"$T/run.err" &
	pid=$!
	if ! wait_attached $pid "$T/run.err" "$text"; then
		fail "$name: started" "$(tail -c 400 "$T/run.err")"
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		return 1
	fi
	sleep "$delay"
	if ! kill -KILL $pid 2>/dev/null; then
		fail "$name: the run ended before its SIGKILL" "$(tail -c 300 "$T/run.err")"
		wait $pid 2>/dev/null
		return 1
	fi
	wait $pid 2>/dev/null
	return 0
}

# one_cleanup NAME PID...: exactly one `nodeperf cleanup`, exit 0, then nothing of each PID left
one_cleanup() {
	name=$1
	shift
	"$NODEPERF" cleanup >"$T/clean.out" 2>"$T/clean.err"
	rc=$?
	check "$name: one cleanup, exit 0" test "$rc" -eq 0
	[ "$rc" -ne 0 ] && sed 's/^/    cleanup: /' "$T/clean.out" "$T/clean.err" | grep -v '^    cleanup: removed'
	for p in "$@"; do
		left=$(leftovers "$p")
		if [ -z "$left" ]; then
			pass "$name: nothing of run $p left after one cleanup"
		else
			fail "$name: left after one cleanup" "$left"
		fi
	done
}

# --- 1. the fault matrix ---
FAST="--reps 2 --rep-time 0.2"	# runs that finish
SLOW="--reps 3 --rep-time 0.5"	# runs that are killed: still running at the SIGKILL

# sched, with its probes (BPF programs die with the process); a `tail -f` of a file in the
# dead run's dir is someone else's and stays.
if kill_at "sched SIGKILL" "sched.wakeup.pipe: start" 0.2 run -v --only 'sched.*' $SLOW --out "$T/s.json"; then
	check "sched SIGKILL: its marked scratch dir is left (precondition)" \
		sh -c "ls /var/tmp/nodeperf-$pid-*/.nodeperf-owner >/dev/null 2>&1"
	d=$(ls -d /var/tmp/nodeperf-"$pid"-* 2>/dev/null | head -1)
	tail -f "$d/.nodeperf-owner" >/dev/null 2>&1 &
	tailpid=$!
	BYSTANDERS="$BYSTANDERS $tailpid"
	one_cleanup "sched SIGKILL" $pid
	check "sched SIGKILL: the tail -f of a file in the dead run's dir still runs" kill -0 $tailpid
	check "sched SIGKILL: cleanup did not name the tail -f" sh -c "! grep -q '^removed process $tailpid ' '$T/clean.out'"
	kill $tailpid 2>/dev/null
	wait $tailpid 2>/dev/null
fi

# net: two namespaces and a veth pair
if kill_at "net SIGKILL" "net.tcp_rr.veth: start" 0.3 run -v --only 'net.tcp_rr.veth' $SLOW --out "$T/n.json"; then
	check "net SIGKILL: its namespaces are left (precondition)" sh -c "ip netns list | grep -q '^np-$pid-'"
	one_cleanup "net SIGKILL" $pid
fi

# io on a loop device, scratch in a --tmpdir that no name sweep looks in: the registry has it
if kill_at "io SIGKILL" "io.randread.4k.psync: start" 0.5 run -v --only 'io.randread.4k.psync' $SLOW \
	--tmpdir "$CUSTOM" --out "$T/i.json"; then
	check "io SIGKILL: its scratch dir under --tmpdir is left (precondition)" \
		sh -c "ls -d '$CUSTOM'/nodeperf-$pid-* >/dev/null 2>&1"
	one_cleanup "io SIGKILL, --tmpdir elsewhere" $pid
fi

# containers: runc (a container, its cgroups, mounts), then containerd (daemon, shims, ctr)
if command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ]; then
	if kill_at "runc SIGKILL" "container.runc.lifecycle: start" 0.5 run -v --only 'container.runc.lifecycle' \
		--reps 5 --out "$T/c.json"; then
		one_cleanup "runc SIGKILL" $pid
	fi
else
	skip "runc SIGKILL" "runc is not installed"
fi
if command -v containerd >/dev/null 2>&1 && command -v ctr >/dev/null 2>&1; then
	if kill_at "containerd SIGKILL" "container.containerd.run: start" 2 run -v --only 'container.containerd.run' \
		--reps 3 --out "$T/d.json"; then
		sleep 0.5
		one_cleanup "containerd SIGKILL" $pid
	fi
else
	skip "containerd SIGKILL" "containerd or ctr is not installed"
fi

# profile tune: its child run must die with it (PR_SET_PDEATHSIG) or by the one cleanup,
# which kills processes first and then takes the namespaces.
: >"$T/tune.err"
"$NODEPERF" profile tune --workload latency --budget 60 --rep-time 0.3 --reps 5 \
	--try 'net.core.somaxconn=8192:net.tcp_rr.veth' -o "$T/tune.json" >/dev/null 2>"$T/tune.err" &
tpid=$!
child=""
i=0
while [ $i -lt 300 ] && kill -0 $tpid 2>/dev/null; do
	child=$(pgrep -P $tpid | head -1)
	[ -n "$child" ] && ip netns list | grep -q "^np-$child-" && break
	sleep 0.1
	i=$((i + 1))
done
if [ -n "$child" ] && ip netns list | grep -q "^np-$child-"; then
	kill -KILL $tpid
	wait $tpid 2>/dev/null
	one_cleanup "profile tune SIGKILL" $tpid $child
	check "profile tune SIGKILL: its child run is gone" gone $child
else
	fail "profile tune: its child run with namespaces did not start" "$(tail -c 400 "$T/tune.err")"
	kill -KILL $tpid 2>/dev/null
	wait $tpid 2>/dev/null
	[ -n "$child" ] && "$NODEPERF" cleanup >/dev/null 2>&1
fi

# A run left running by a dead tune (as before PR_SET_PDEATHSIG: it carries the dead tune's
# mark): one cleanup kills it, then takes its namespaces, in the same pass.
sh -c 'exit 0' &
deadtune=$!
wait $deadtune
: >"$T/orphan.err"
NODEPERF_RUN_OWNER="$deadtune:0" "$NODEPERF" run -v --only 'net.tcp_rr.veth' $SLOW --out "$T/o.json" \
	>/dev/null 2>"$T/orphan.err" &
orphan=$!
if wait_attached $orphan "$T/orphan.err" "net.tcp_rr.veth: start" && ip netns list | grep -q "^np-$orphan-"; then
	one_cleanup "a dead tune's orphaned run" $orphan
	check "a dead tune's orphaned run: killed by that cleanup" gone $orphan
else
	fail "a dead tune's orphaned run: started" "$(tail -c 300 "$T/orphan.err")"
	kill -KILL $orphan 2>/dev/null
fi
wait $orphan 2>/dev/null

# --- 2. cleanup acts on nodeperf's own only ---
sh -c 'exit 0' &
dead=$!
wait $dead
# another user's look-alike of a dead run's dir, even with a marker: theirs
mkdir "/tmp/nodeperf-$dead-other" "/var/tmp/nodeperf-$dead-other"
for d in "/tmp/nodeperf-$dead-other" "/var/tmp/nodeperf-$dead-other"; do
	echo "$dead 0" >"$d/.nodeperf-owner"
	chown -R nobody "$d"
done
# root's dir of that name without nodeperf's marker: not provably nodeperf's
mkdir "/var/tmp/nodeperf-$dead-unmarked"
echo data >"/var/tmp/nodeperf-$dead-unmarked/log"
tail -f "/var/tmp/nodeperf-$dead-unmarked/log" >/dev/null 2>&1 &
foreign=$!
BYSTANDERS="$BYSTANDERS $foreign"
expect_exit "cleanup with foreign look-alikes: exit 0" 0 "$NODEPERF" cleanup
check "another user's nodeperf-$dead-* dir in /tmp is left alone" test -d "/tmp/nodeperf-$dead-other"
check "another user's nodeperf-$dead-* dir in /var/tmp is left alone" test -d "/var/tmp/nodeperf-$dead-other"
check "an unmarked nodeperf-$dead-* dir is left alone" test -d "/var/tmp/nodeperf-$dead-unmarked"
check "a process naming a dead pid's dir, not started by nodeperf, is left alone" kill -0 $foreign
kill $foreign 2>/dev/null
wait $foreign 2>/dev/null
rm -rf "/tmp/nodeperf-$dead-other" "/var/tmp/nodeperf-$dead-other" "/var/tmp/nodeperf-$dead-unmarked"

# --- 3. two concurrent runs, cleanups (also --all) in between: they are left alone ---
: >"$T/a.err"
: >"$T/b.err"
"$NODEPERF" run -v --only 'net.udp_rr.veth' $FAST --out "$T/a.json" >/dev/null 2>"$T/a.err" &
apid=$!
"$NODEPERF" run -v --only 'sched.wakeup.futex' $FAST --tmpdir "$CUSTOM" --out "$T/b.json" >/dev/null 2>"$T/b.err" &
bpid=$!
check "concurrent: run A started" wait_attached $apid "$T/a.err" "net.udp_rr.veth: start"
check "concurrent: run B started" wait_attached $bpid "$T/b.err" "sched.wakeup.futex: start"
expect_exit "concurrent: cleanup between two live runs: exit 0" 0 "$NODEPERF" cleanup
check "concurrent: cleanup took nothing of theirs" sh -c "! grep -Eq 'np-($apid|$bpid)-|nodeperf-($apid|$bpid)-' '$T/out'"
expect_exit "concurrent: cleanup --all refuses live runs: exit 3" 3 "$NODEPERF" cleanup --all
check "concurrent: --all says why (the live run)" grep -q "left alone .*live nodeperf run $apid" "$T/out"
check "concurrent: --all removed nothing of theirs" sh -c "! grep -Eq '^removed .*(np-($apid|$bpid)-|nodeperf-($apid|$bpid)-)' '$T/out'"
wait $apid
arc=$?
wait $bpid
brc=$?
check "concurrent: run A exit 0" test "$arc" -eq 0
check "concurrent: run B exit 0" test "$brc" -eq 0
check "concurrent: both wrote their result" test -s "$T/a.json" -a -s "$T/b.json"
check "concurrent: nothing of run A left" nothing_left $apid
check "concurrent: nothing of run B left" nothing_left $bpid

# --- 4. writers: a planted symlink is never followed; a full disk is named ---
P=$TOP/tests/fixtures/profile
mkdir -p "$W/shared"
chmod 1777 "$W/shared"
echo precious >"$W/victim"
"$NODEPERF" profile generate --from "$P/result-azl.json" -o "$W/good.json" >/dev/null 2>&1
# the old temp name <out>.tmp.<pid>, planted for the next 400 pids by one process (that
# takes one pid of them), as another user would in a shared directory
plant() {
	$PY -c 'import os, sys
d, victim = sys.argv[1], sys.argv[2]
last = int(open("/proc/sys/kernel/ns_last_pid").read())
for pid in range(last + 1, last + 401):
    for name in ("out.json", "report.md", "snap.json"):
        try:
            os.symlink(victim, "%s/%s.tmp.%d" % (d, name, pid))
        except FileExistsError:
            pass' "$W/shared" "$W/victim"
}
plant
expect_exit "symlinks planted: profile emit -o: exit 0" 0 "$NODEPERF" profile emit "$W/good.json" -o "$W/shared/out.json"
plant
expect_exit "symlinks planted: compare -o: exit 0" 0 "$NODEPERF" compare "$TOP/tests/fixtures/compare/base.json" -- \
	"$TOP/tests/fixtures/compare/base.json" -o "$W/shared/report.md"
plant
expect_exit "symlinks planted: snapshot -o: exit 0" 0 "$NODEPERF" snapshot -o "$W/shared/snap.json"
check "symlinks planted: the victim is untouched" grep -qx precious "$W/victim"
check "symlinks planted: the outputs are regular files" \
	sh -c "test -f '$W/shared/out.json' -a ! -L '$W/shared/out.json' -a -f '$W/shared/report.md' -a ! -L '$W/shared/report.md'"
check "no temp file left beside the outputs" sh -c "! ls -A '$W/shared' | grep -v '[.]tmp[.][0-9]*$' | grep -q '[.]tmp[.]'"
# a symlink at the destination itself is replaced, not followed
ln -s "$W/victim" "$W/shared/dest.json"
expect_exit "a symlink at -o: exit 0" 0 "$NODEPERF" profile emit "$W/good.json" -o "$W/shared/dest.json"
check "a symlink at -o is replaced by the file" sh -c "test -f '$W/shared/dest.json' -a ! -L '$W/shared/dest.json'"
check "a symlink at -o: the victim is untouched" grep -qx precious "$W/victim"
mkdir "$W/elsewhere"
ln -s "$W/elsewhere" "$W/shared/tuned-dir"
expect_exit "a symlink at the tuned -o dir: exit 3" 3 "$NODEPERF" profile emit "$W/good.json" --format tuned \
	-o "$W/shared/tuned-dir"
check "a symlink at the tuned -o dir: nothing written through it" test ! -e "$W/elsewhere/tuned.conf"

# a full filesystem: "No space left on device", the old file kept
mkdir "$W/full"
if mount -t tmpfs -o size=64k np-faults "$W/full" 2>/dev/null; then
	echo old >"$W/full/out.json"
	dd if=/dev/zero of="$W/full/filler" bs=4k count=64 2>/dev/null
	expect_exit "full disk: profile emit -o: exit 3" 3 "$NODEPERF" profile emit "$W/good.json" -o "$W/full/out.json"
	check "full disk: the message says No space left on device" grep -q "out.json: No space left on device" "$T/err"
	check "full disk: the old file is kept" grep -qx old "$W/full/out.json"
	check "full disk: no temp file left" sh -c "! ls -A '$W/full' | grep -q tmp"
	umount "$W/full"
else
	skip "full disk" "cannot mount a tmpfs here"
fi

# --- 5. hostile input: refused with exit 2, never a crash or an endless read ---
cat >"$W/nodev.json" <<'EOF'
{"schema": "nodeperf/profile/v1", "name": "x", "workload": "general", "base": "node",
 "settings": [{"key": "block.scheduler", "value": "none", "scope": "block", "rule": "r", "reason": "x"}]}
EOF
expect_exit "a block setting without devices: emit --format tuned: exit 2" 2 \
	"$NODEPERF" profile emit "$W/nodev.json" --format tuned
check "a block setting without devices: the message says so" grep -q 'needs "devices"' "$T/err"
expect_exit "show /dev/zero: exit 2" 2 timeout 20 "$NODEPERF" show /dev/zero
check "show /dev/zero: File too large" grep -q "/dev/zero: File too large" "$T/err"
expect_exit "profile generate --from /dev/zero: exit 2" 2 timeout 20 "$NODEPERF" profile generate --from /dev/zero
