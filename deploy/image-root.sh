#!/bin/sh
# image-root.sh - stage the nodeperf image's file tree (what deploy/Containerfile copies).
# usage: deploy/image-root.sh STATIC_NODEPERF DEST   (DEST is emptied first)
#
# Layout (docs: README "Validating a node image on AKS"):
#   /opt/nodeperf/bin/nodeperf      the static binary: no loader, no shared library
#   /opt/nodeperf/rootfs/           busybox-static root filesystem for the container
#                                   bench's bundles (bin/busybox, bin/sh, bin/true)
#   /opt/nodeperf/bin/busybox       the same busybox, for `kubectl exec` debugging
#   /opt/nodeperf/glibc/            the glibc shared objects of the version the static
#                                   binary was linked with: a static binary's dlopen
#                                   (libcuda.so.1) must load exactly that glibc
#   /usr (empty)                    where the pod mounts the node's /usr read-only: the
#                                   node's own runc, its libraries, the NVIDIA driver
#   /bin /sbin /lib /lib64          symlinks into /usr (usrmerge, as on Ubuntu 22.04+
#                                   and Azure Linux), so the node's binaries find their
#                                   loader and libraries at the usual paths
set -eu
BIN=${1:?usage: image-root.sh STATIC_NODEPERF DEST}
DEST=${2:?usage: image-root.sh STATIC_NODEPERF DEST}
CC=${CC:-cc}

is_static() { # a static executable has no program interpreter and no dynamic section
	! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter' &&
		readelf -d "$1" 2>/dev/null | grep -q 'no dynamic section'
}

is_static "$BIN" || { echo "image-root: $BIN is not a static executable (make STATIC=1)" >&2; exit 1; }
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && is_static "$BUSYBOX" ||
	{ echo "image-root: no static busybox on PATH (install busybox-static)" >&2; exit 1; }

rm -rf "$DEST"
mkdir -p "$DEST/opt/nodeperf/bin" "$DEST/opt/nodeperf/rootfs/bin" "$DEST/opt/nodeperf/glibc" \
	"$DEST/usr" "$DEST/tmp" "$DEST/var/tmp" "$DEST/run" "$DEST/etc" "$DEST/proc" "$DEST/sys" "$DEST/dev" \
	"$DEST/results" "$DEST/io"
chmod 1777 "$DEST/tmp" "$DEST/var/tmp"
install -s -m 0755 "$BIN" "$DEST/opt/nodeperf/bin/nodeperf"  # stripped: -g info stays in the build
install -m 0755 "$BUSYBOX" "$DEST/opt/nodeperf/rootfs/bin/busybox"
ln -s busybox "$DEST/opt/nodeperf/rootfs/bin/sh"
ln -s busybox "$DEST/opt/nodeperf/rootfs/bin/true"
ln -s ../rootfs/bin/busybox "$DEST/opt/nodeperf/bin/busybox"
for d in bin sbin lib lib64; do
	ln -s "usr/$d" "$DEST/$d"
done

# The glibc the static binary was linked against, for its dlopen (core/dl.c).
for lib in ld-linux-x86-64.so.2 ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1; do
	p=$($CC -print-file-name=$lib)
	[ "$p" != "$lib" ] && [ -e "$p" ] || continue
	install -m 0755 "$(readlink -f "$p")" "$DEST/opt/nodeperf/glibc/$lib"
done
[ -e "$DEST/opt/nodeperf/glibc/libc.so.6" ] ||
	{ echo "image-root: cannot find this compiler's libc.so.6" >&2; exit 1; }
getconf GNU_LIBC_VERSION | sed 's/^glibc //' >"$DEST/opt/nodeperf/glibc/VERSION"
echo "image-root: staged $DEST (nodeperf $(du -k "$BIN" | cut -f1) KiB, glibc $(cat "$DEST/opt/nodeperf/glibc/VERSION"))"
