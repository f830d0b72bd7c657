#!/bin/sh
# guest.sh - PID 1 inside a vmtest VM (after tests/vm/init): pure cgroup v2,
# the kernel's own modules, the virtio disk at /var/tmp, then the integration
# test subset, every line on the serial console. Powers the VM off at the end.
# Kernel command line: np.top=REPO np.build=DIR np.kdir=KERNEL-PKG-DIR np.tests="a b c"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"; }
TOP=$(arg np.top) NP_BUILD=$(arg np.build) KDIR=$(arg np.kdir)
TESTS=$(arg np.tests | tr , ' ')
NODEPERF=$NP_BUILD/nodeperf
export TOP NP_BUILD NODEPERF
say() { echo "VMTEST: $*"; }
off() { sync; echo o >/proc/sysrq-trigger 2>/dev/null; poweroff -f; }
trap off EXIT

t0=$(cut -d' ' -f1 /proc/uptime)
kv=$(uname -r)
# the guest kernel's modules from the package, read over 9p: modprobe -d (kmod
# handles .ko.xz), for us and for the kernel's own requests (veth, bridge, overlay...)
if [ -d "$KDIR/lib/modules/$kv" ]; then
	mkdir -p /run/np-bin
	printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$KDIR" >/run/np-bin/modprobe
	chmod 0755 /run/np-bin/modprobe
	echo /run/np-bin/modprobe >/proc/sys/kernel/modprobe
	export PATH=/run/np-bin:$PATH
else
	say "no modules for $kv in $KDIR"
fi
# pure cgroup v2: cgroup_no_v1=all on the command line, the unified hierarchy here
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
ctrls=$(cat /sys/fs/cgroup/cgroup.controllers)
for c in $ctrls; do echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; done
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
# no debugfs: as on the host, probes mount tracefs themselves (and cleanup is tested on that)
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue 2>/dev/null
ln -sf /proc/self/fd /dev/fd 2>/dev/null
ip link set lo up
hostname vmtest
# the virtio disk: ext4 at /var/tmp, nodeperf's default scratch dir (io benches, loop images)
if [ -b /dev/vda ]; then
	modprobe ext4
	mkfs.ext4 -q -F /dev/vda >/dev/null 2>&1 && mount /dev/vda /var/tmp && chmod 1777 /var/tmp || say "virtio disk: mkfs/mount failed"
fi
v1=$(grep -c ' cgroup ' /proc/mounts)
echo
say "kernel $kv"
say "cgroup2 $(stat -fc %T /sys/fs/cgroup) controllers: $ctrls; v1 hierarchies mounted: $v1"
say "btf $(test -r /sys/kernel/btf/vmlinux && echo yes || echo no)"
say "disk $(awk '$2=="/var/tmp"{print $1, $3}' /proc/mounts)"

# VMTEST_CMD (debugging): that command instead of the tests
if [ -n "$(arg np.cmd)" ]; then
	say "BEGIN cmd"
	(cd "$TOP" && sh "$(arg np.cmd)") 2>&1
	say "END cmd rc=$?"
	exit 0
fi
# a warm page cache for what every test runs (9p reads under emulation are slow)
cat "$NODEPERF" >/dev/null
python3 -c 'import json, socket, ctypes, threading, subprocess' 2>/dev/null
# the modules the benches use (the kernel asks for others through np-bin/modprobe)
for m in loop veth bridge overlay; do modprobe -q $m || say "modprobe $m failed"; done

# probe rungs as the build's own `list` reports them
say "BEGIN list"
"$NODEPERF" list 2>&1
say "END list"

pass=0 fail=0 skip=0
log=/tmp/vmtest-log
for t in $TESTS; do
	f=$TOP/tests/integration/$t.sh
	[ -f "$f" ] || { say "no test $t"; fail=$((fail + 1)); continue; }
	s=$(cut -d' ' -f1 /proc/uptime)
	say "BEGIN test $t"
	(cd "$TOP" && timeout -k 10 900 sh "$f") >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^PASS: ' "$log") f_=$(grep -c '^FAIL: ' "$log") k=$(grep -c '^SKIP: ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f_" -eq 0 ]; then
		echo "FAIL: $t exited $rc without naming a failed test"
		f_=1
	fi
	pass=$((pass + p)) fail=$((fail + f_)) skip=$((skip + k))
	e=$(cut -d' ' -f1 /proc/uptime)
	say "END test $t rc=$rc pass=$p fail=$f_ skip=$k secs=$(echo "$e - $s" | bc)"
done

# which benches run here and which skip (and why): one short rep of the quick suite
if [ -n "$(arg np.suite)" ]; then
	say "BEGIN suite"
	# bounded: under emulation the container benches alone take minutes; SIGINT keeps what finished
	timeout -s INT -k 30 "${NP_SUITE_TIMEOUT:-300}" "$NODEPERF" run --suite quick --reps 1 --rep-time 0.05 --no-probes \
		--out /tmp/suite.json >/tmp/suite.out 2>&1
	say "suite rc=$?"
	python3 -c "
import json
d = json.load(open('/tmp/suite.json'))
for m in d['metrics']: print('VMTEST: ran', m['name'])
for s in d['skipped']: print('VMTEST: skipped', s['bench'], '::', s['reason'])
print('VMTEST: suite partial', bool(d.get('partial')))
" 2>&1 || tail -5 /tmp/suite.out
	say "END suite"
fi
# what the snapshot records here (cgroup v2 and the runtimes)
"$NODEPERF" snapshot 2>&1 | grep -E '^(kernel|containers) ' | sed 's/^/VMTEST: snapshot /'
# leftovers inside the VM after everything: cgroups, netns, mounts, loop devices, processes
say "leftovers cgroups: $(find /sys/fs/cgroup -mindepth 1 -type d | grep -c .) netns: $(ip netns list 2>/dev/null | grep -c .) links: $(ip -o link | grep -vc ' lo:') loops: $(losetup -a | grep -c .) np-mounts: $(grep -c nodeperf /proc/self/mountinfo) scratch: $(ls -d /var/tmp/nodeperf-* 2>/dev/null | grep -c .) bpf-progs: $(bpftool prog show 2>/dev/null | grep -c '^[0-9]*: ')"
find /sys/fs/cgroup -mindepth 1 -type d | sed 's/^/VMTEST: leftover cgroup /'
e=$(cut -d' ' -f1 /proc/uptime)
say "TOTAL pass=$pass fail=$fail skip=$skip secs=$(echo "$e - $t0" | bc)"
