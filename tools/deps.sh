#!/bin/sh
# deps.sh - install nodeperf's build and runtime dependencies with the node's
# package manager (apt, tdnf or dnf), skipping what is already present.
set -eu

APT_PKGS="build-essential pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libzstd-dev
libhwloc-dev hwloc libjansson-dev liburing-dev libcmocka-dev python3 python3-jsonschema
iproute2 procps util-linux time bc cppcheck clang-tidy libxml2-utils python3-yaml
fio sockperf iperf3 runc crun busybox-static containerd podman libclang-rt-dev
qemu-system-x86 qemu-utils cpio kmod xz-utils zstd e2fsprogs"
RPM_PKGS="gcc make pkgconf-pkg-config clang llvm bpftool libbpf-devel elfutils-libelf-devel zlib-devel
libzstd-devel hwloc-devel hwloc jansson-devel liburing-devel libcmocka-devel python3 python3-jsonschema
iproute procps-ng util-linux libxml2 python3-pyyaml
fio sockperf iperf3 runc crun busybox containerd podman"
# Wanted, not required: headless Chromium renders compare's HTML report in its test, which
# skips (saying so) without it. Large (~350 MB installed); only a snap on recent Ubuntu.
OPT_APT="chromium"

if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi

if command -v apt-get >/dev/null 2>&1; then
	missing=""
	for p in $APT_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	opt=""
	for p in $OPT_APT; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || opt="$opt $p"
	done
	if [ -z "$missing$opt" ]; then
		echo "deps: all present (apt)"
		exit 0
	fi
	$SUDO apt-get update -qq
	if [ -n "$missing" ]; then
		echo "deps: installing with apt-get:$missing"
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
	for p in $opt; do
		echo "deps: installing with apt-get: $p (optional)"
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null ||
			echo "deps: $p could not be installed; the tests that need it will skip" >&2
	done
elif command -v tdnf >/dev/null 2>&1 || command -v dnf >/dev/null 2>&1; then
	pm=$(command -v tdnf >/dev/null 2>&1 && echo tdnf || echo dnf)
	missing=""
	for p in $RPM_PKGS; do
		rpm -q "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		echo "deps: all present ($pm)"
		exit 0
	fi
	echo "deps: installing with $pm:$missing"
	# shellcheck disable=SC2086
	$SUDO $pm install -y $missing
else
	echo "deps: no apt-get, tdnf or dnf on this node; install by hand: $APT_PKGS" >&2
	exit 1
fi
