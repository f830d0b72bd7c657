#!/bin/sh
# fetch.sh - fetch Debian kernel packages for the VM tests into the cache, verified.
# usage: tests/vm/fetch.sh CACHE KERNEL...   (KERNEL: 5.10, 6.1 or 6.12)
# Prints "KERNEL DIR" per kernel: DIR/boot/vmlinuz-*, DIR/lib/modules/*.
# Uses the machine's own Debian mirror (from its apt sources) with a temporary
# sources list and lists dir under CACHE: the machine's apt configuration is untouched.
set -eu
C=$1
shift
mkdir -p "$C/lists/partial" "$C/debs" "$C/apt-archives/partial"

srcs() { for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -r "$f" ] && cat "$f"; done; true; }
mirror=""
for u in $(srcs | sed -n -e 's/^URIs:[[:space:]]*//p' \
	-e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\(https\{0,1\}:[^[:space:]]*\).*/\2/p'); do
	case $u in *debian-security*) ;; */debian | */debian/) mirror=${u%/}; break ;; esac
done
[ -n "$mirror" ] || { echo "vmtest: no Debian mirror in /etc/apt/sources.list*" >&2; exit 3; }
KR=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$C/sources.list" <<S
deb [signed-by=$KR] $mirror bullseye main
deb [signed-by=$KR] $mirror bookworm main
deb [signed-by=$KR] $mirror bookworm-backports main
S
APT="-o Dir::Etc::sourcelist=$C/sources.list -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=$C/lists
 -o Dir::Cache::archives=$C/apt-archives -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root"
# refresh the index at most once a day
if [ -z "$(find "$C/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	# shellcheck disable=SC2086
	apt-get $APT -qq update >&2 || { echo "vmtest: apt-get update of $C/sources.list failed" >&2; exit 3; }
fi

# newest package of a name pattern in a suite's index
pick() { # pick REGEX SUITE-HINT
	# shellcheck disable=SC2086
	apt-cache $APT pkgnames linux-image- 2>/dev/null | grep -E "^$1\$" | sort -V | tail -1
}
for k in "$@"; do
	case $k in
	5.10) pkg=$(pick 'linux-image-5\.10\.0-[0-9]+-amd64-unsigned') ;;
	6.1) pkg=$(pick 'linux-image-6\.1\.0-[0-9]+-amd64-unsigned') ;;
	6.12) pkg=$(pick 'linux-image-6\.12\.[0-9.+a-z]*-amd64-unsigned') ;;
	*) echo "vmtest: unknown kernel $k (5.10, 6.1, 6.12)" >&2; exit 2 ;;
	esac
	[ -n "$pkg" ] || { echo "vmtest: no package for kernel $k in $mirror" >&2; exit 3; }
	# shellcheck disable=SC2086
	ver=$(apt-cache $APT show "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -1)
	# shellcheck disable=SC2086
	sha=$(apt-cache $APT show "$pkg=$ver" | sed -n 's/^SHA256: //p' | head -1)
	deb=$C/debs/${pkg}_$(echo "$ver" | tr : %)_amd64.deb
	if [ ! -f "$deb" ] || [ "$(sha256sum <"$deb" | cut -d' ' -f1)" != "$sha" ]; then
		rm -f "$deb"
		echo "vmtest: downloading $pkg $ver" >&2
		# shellcheck disable=SC2086
		(cd "$C/debs" && apt-get $APT -qq download "$pkg=$ver" >&2)
		got=$(sha256sum <"$deb" | cut -d' ' -f1)
		[ "$got" = "$sha" ] || { echo "vmtest: $deb: sha256 $got, the index says $sha" >&2; rm -f "$deb"; exit 3; }
	fi
	echo "$sha  $(basename "$deb")" >"$deb.sha256"
	dir=$C/k/$pkg-$ver
	if [ ! -f "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir"
		touch "$dir/.done"
	fi
	# Debian's packages leave modules.dep to their postinst
	for m in "$dir"/lib/modules/*/; do
		[ -f "$m/modules.dep" ] || depmod -b "$dir" "$(basename "$m")"
	done
	echo "$k $dir"
done
