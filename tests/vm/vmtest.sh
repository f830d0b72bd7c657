#!/bin/sh
# vmtest.sh - boot Debian's 5.10, 6.1 and 6.12 kernels under qemu (pure cgroup v2,
# the host's root read-only over 9p, tmpfs for writes, a virtio disk) and run the
# integration test subset inside each; print the matrix, exit 1 on any FAIL.
# usage: tests/vm/vmtest.sh BUILD_DIR [KERNEL...]
# env: VMTEST_CACHE (default /var/cache/nodeperf-vmtest: the only thing kept),
#      VMTEST_TESTS (comma list of tests/integration names), VMTEST_TIMEOUT (s per VM),
#      VMTEST_REPORT (markdown file to write the matrix to), VMTEST_SUITE=1 (bench matrix),
#      VMTEST_ACCEL (qemu -accel, default tcg; tcg,thread=single: one host thread),
#      VMTEST_CMD (debugging: a shell command to run in the guest instead of the tests).
set -u
export PATH="$PATH:/usr/sbin:/sbin"
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
BUILD=$(cd "${1:?usage: vmtest.sh BUILD_DIR [KERNEL...]}" && pwd) || exit 2
shift
[ $# -gt 0 ] || set -- 5.10 6.1 6.12
CACHE=${VMTEST_CACHE:-/var/cache/nodeperf-vmtest}
TESTS=${VMTEST_TESTS:-probe_runqlat,probe_syslat,probe_softirq,probe_biolat,probe_tcprtt,probe_tcpconnlat,probe_ctrlife,run_sched,net,io,container,interrupt,snapshot}
TMO=${VMTEST_TIMEOUT:-900}
[ -x "$BUILD/nodeperf" ] || { echo "vmtest: $BUILD/nodeperf is not built" >&2; exit 2; }
for t in qemu-system-x86_64 qemu-img cpio busybox depmod; do
	command -v $t >/dev/null || { echo "vmtest: $t is missing (make deps)" >&2; exit 3; }
done

W=$(mktemp -d /tmp/nodeperf-vmtest-XXXXXX)
QPID=""
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	rm -rf "$W" "${RUNDIR:-/nonexistent}"
	[ -n "${VMTEST_CMD:-}" ] && rm -f "$CACHE/cmd.sh"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

list=$(nice -n 19 sh tests/vm/fetch.sh "$CACHE" "$@") || exit 3
# the binary the VMs run: a copy the guests read over 9p, safe from rebuilds during the run
RUNDIR=$CACHE/run-$$
mkdir -p "$RUNDIR"
cp "$BUILD/nodeperf" "$RUNDIR/nodeperf"

# initramfs: static busybox, init, the modules the 9p root needs (deps from modules.dep)
mkinitrd() { # mkinitrd KDIR KVER OUT
	r=$W/initrd.$2
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/mods" "$r/proc" "$r/sys" "$r/dev"
	cp /bin/busybox "$r/bin/busybox"
	cp tests/vm/init "$r/init"
	chmod 0755 "$r/init"
	md=$1/lib/modules/$2
	: >"$r/modules.order"
	want="virtio_pci virtio_blk 9pnet_virtio 9p"
	# dependency order: each module after what it depends on
	add() {
		local line d path name
		line=$(grep -E "(^|/)$1\.ko(\.[a-z]+)?:" "$md/modules.dep" | head -1)
		[ -n "$line" ] || return 0 # built in
		for d in ${line#*:}; do add "$(basename "$d" | sed 's/\.ko.*//')"; done
		path=${line%%:*}
		name=$(basename "$path" | sed 's/\.ko.*//').ko
		grep -qx "$name" "$r/modules.order" && return 0
		case $path in
		*.xz) xz -dc "$md/$path" >"$r/mods/$name" ;;
		*.zst) zstd -qdc "$md/$path" >"$r/mods/$name" ;;
		*) cp "$md/$path" "$r/mods/$name" ;;
		esac
		echo "$name" >>"$r/modules.order"
	}
	for m in $want; do add "$m"; done
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$3"
}

fails=0
CMDARG=""
if [ -n "${VMTEST_CMD:-}" ]; then
	printf '%s\n' "$VMTEST_CMD" >"$CACHE/cmd.sh"
	CMDARG="np.cmd=$CACHE/cmd.sh"
fi
for k in "$@"; do
	kdir=$(echo "$list" | awk -v k="$k" '$1==k{print $2}')
	vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -1)
	kver=${vmlinuz##*/vmlinuz-}
	mkinitrd "$kdir" "$kver" "$W/initrd-$k.gz"
	qemu-img create -q -f raw "$W/disk-$k.img" 2G
	echo "vmtest: booting $kver under qemu (tcg), tests: $TESTS" >&2
	start=$(date +%s)
	nice -n 19 timeout -k 10 "$TMO" qemu-system-x86_64 -machine q35 -accel "${VMTEST_ACCEL:-tcg}" -cpu max -m 3G -smp 2 \
		-nographic -no-reboot -nodefaults -serial stdio -device virtio-rng-pci \
		-kernel "$vmlinuz" -initrd "$W/initrd-$k.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 np.guest=$TOP/tests/vm/guest.sh np.top=$TOP np.build=$RUNDIR np.kdir=$kdir np.tests=$TESTS ${VMTEST_SUITE:+np.suite=1} $CMDARG" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-drive file="$W/disk-$k.img",format=raw,if=virtio,cache=unsafe \
		</dev/null >"$W/console-$k.log" 2>&1 &
	QPID=$!
	wait $QPID
	qrc=$?
	QPID=""
	end=$(date +%s)
	tr -d '\r' <"$W/console-$k.log" >"$CACHE/console-$k.log"
	echo "VMTEST: host qemu rc=$qrc wall=$((end - start))" >>"$CACHE/console-$k.log"
	rm -f "$W/disk-$k.img"
	grep -E '^(FAIL: |VMTEST: (TOTAL|END test|kernel|cgroup2|VMTEST-FATAL))' "$CACHE/console-$k.log" | sed "s/^/[$k] /"
	grep -q '^VMTEST: TOTAL .* fail=0 ' "$CACHE/console-$k.log" || fails=$((fails + 1))
done
python3 tests/vm/matrix.py "$CACHE" "$@" ${VMTEST_REPORT:+--out "$VMTEST_REPORT"}
[ "$fails" -eq 0 ]
