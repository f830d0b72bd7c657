#!/bin/sh
# deploy_image.sh - `make image`, then inside it, with the DaemonSet's security context and mounts:
# snapshot, probe runqlat, a short sched run whose result leaves through the log markers into collect.
. "$(dirname "$0")/lib.sh"

command -v podman >/dev/null 2>&1 || { skip deploy_image "podman is not installed"; exit 0; }
[ "$(id -u)" = 0 ] || { skip deploy_image "needs root (privileged podman)"; exit 0; }
[ -r /sys/kernel/btf/vmlinux ] || { skip deploy_image "no BTF: the probes cannot load"; exit 0; }

IMG=localhost/np-$$-image:test
CTR=np-$$-run
# the Makefile's podman flags for this CI machine, the same for run as for build
PODMAN="podman --cgroup-manager=cgroupfs --runtime runc"
ULIMITS="--ulimit nofile=16384:16384 --ulimit nproc=16384:16384"
# no podman bridge network: netavark would set the host's net.ipv4.ip_forward to 1 and leave it
NONET="--network none"
FORWARD=$(cat /proc/sys/net/ipv4/ip_forward)
cleanup() {
	$PODMAN rm -f -t 0 "$CTR" >/dev/null 2>&1
	[ -n "$KEEP" ] || $PODMAN rmi -f "$IMG" >/dev/null 2>&1
	[ -n "$KEEP" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# build-static/ like build/: incremental after the first time
if ! make -C "$TOP" --no-print-directory image IMAGE="$IMG" >"$T/build.log" 2>&1; then
	fail "make image" "$(tail -5 "$T/build.log")"
	exit 0
fi
pass "make image builds $IMG"
grep -q 'statically linked applications requires at runtime' "$T/build.log" &&
	echo "    note: the static link warns about dlopen (hwloc plugins, libcuda): core/dl.c handles libcuda"

# The image holds the static binary and nothing that could load a shared library for it.
$PODMAN image save "$IMG" -o "$T/image.tar" >/dev/null 2>&1
size=$(du -k "$T/image.tar" | cut -f1)
rm -f "$T/image.tar"
[ "$size" -lt 20000 ] && pass "image is small ($size KiB)" || fail "image size" "$size KiB"

# Bare FROM scratch: no /usr from the node, no mounts, no privileges.
out=$($PODMAN run --rm $ULIMITS $NONET "$IMG" version 2>&1)
case $out in "nodeperf "*) pass "static binary runs in the bare image: $out" ;; *) fail "bare image version" "$out" ;; esac
out=$($PODMAN run --rm $ULIMITS $NONET --entrypoint /opt/nodeperf/bin/busybox "$IMG" ls /usr 2>&1)
[ -z "$out" ] && pass "bare image: /usr is empty (no loader, no libraries)" || fail "bare image /usr" "$out"

# libcuda from the static binary: a stand-in driver library (needs libc and libm) loaded by
# core/dl.c in a static program, in the bare image and with the node's /usr mounted.
mkdir -p "$T/dl"
if cc -O2 -shared -fPIC -Wl,-soname,libnpfake.so.1 -o "$T/dl/libnpfake.so.1" "$TOP/tests/deploy/fakelib.c" -lm &&
	cc -O2 -static -D_GNU_SOURCE -I"$TOP" -o "$T/dl/dlcheck" "$TOP/tests/deploy/dlcheck.c" "$TOP/core/dl.c" \
		"$TOP/core/util.c" "$TOP/core/log.c" 2>"$T/dl.err"; then
	DL="--rm $ULIMITS $NONET -v $T/dl:/t:ro -e NODEPERF_LIB_DIRS=/t --entrypoint /t/dlcheck"
	# shellcheck disable=SC2086
	out=$($PODMAN run $DL "$IMG" libnpfake.so.1 2>&1)
	case $out in "static /opt/nodeperf/glibc/libc.so.6 $(getconf GNU_LIBC_VERSION | sed 's/glibc //') 42")
		pass "static dlopen in the bare image binds the library to the bundled glibc" ;;
	*) fail "static dlopen in the bare image" "$out" ;; esac
	# shellcheck disable=SC2086
	out=$($PODMAN run $DL -v /usr:/usr:ro "$IMG" libnpfake.so.1 2>&1)
	case $out in "static /opt/nodeperf/glibc/libc.so.6 "*)
		pass "with the node's /usr mounted, still the bundled glibc (not the node's)" ;;
	*) fail "static dlopen with the node's /usr" "$out" ;; esac
	# shellcheck disable=SC2086
	out=$($PODMAN run $DL -e NODEPERF_GLIBC_DIR= "$IMG" libnpfake.so.1 2>&1)
	case $out in "refused: this static nodeperf (glibc "*"the node has none found"*)
		pass "without a glibc of its version the static binary refuses, saying why" ;;
	*) fail "static dlopen without glibc" "$out" ;; esac
else
	fail "build the dlopen check" "$(head -c 300 "$T/dl.err")"
fi

# The DaemonSet's pod as podman flags (tests/deploy/podman_args.py), the I/O hostPath on a scratch dir.
mkdir -p "$T/io" "$T/logs"
$PY "$TOP/tests/deploy/podman_args.py" "$TOP/deploy/daemonset.yaml" np-test-node /var/lib/nodeperf/io="$T/io" >"$T/args" ||
	{ fail "manifest to podman flags"; exit 0; }
FLAGS=$(sed '/^--$/,$d' "$T/args" | tr '\n' ' ')
# the manifest's args, word by word (none has a space)
ARGS=$(sed '1,/^--$/d' "$T/args" | tr '\n' ' ')
echo "    podman flags from deploy/daemonset.yaml: $FLAGS"

# shellcheck disable=SC2086
$PODMAN run --rm $ULIMITS $FLAGS "$IMG" snapshot --json >"$T/snap.json" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && pycheck "snapshot in the pod" "$T/snap.json" '
assert d["node"]["kernel"]["btf"] is True, "no BTF seen"
assert d["config"]["runtimes"]["runc"], "the node runc (host /usr) not found"
assert d["node"]["os"]["id"], "no os-release (host /usr/lib/os-release)"' ||
	fail "snapshot in the pod" "exit $rc: $(head -c 300 "$T/err")"

# shellcheck disable=SC2086
$PODMAN run --rm $ULIMITS $FLAGS "$IMG" probe runqlat --duration 1 >"$T/probe.out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && grep -q '[0-9]' "$T/probe.out" && pass "probe runqlat --duration 1 in the pod" ||
	fail "probe runqlat in the pod" "exit $rc: $(head -c 300 "$T/err")"

# The precise-capability variant (deploy/caps-patch.yaml): snapshot and a probe still work.
$PY "$TOP/tests/deploy/podman_args.py" "$TOP/deploy/daemonset.yaml" np-test-node --patch "$TOP/deploy/caps-patch.yaml" \
	/var/lib/nodeperf/io="$T/io" >"$T/capargs" || fail "caps variant to podman flags"
CAPFLAGS=$(sed '/^--$/,$d' "$T/capargs" | tr '\n' ' ')
case $CAPFLAGS in *--privileged*) fail "caps variant is not privileged" "$CAPFLAGS" ;; esac
# shellcheck disable=SC2086
$PODMAN run --rm $ULIMITS $CAPFLAGS "$IMG" snapshot >/dev/null 2>"$T/err" &&
	pass "snapshot with only CAP_BPF/PERFMON/SYS_ADMIN/NET_ADMIN" || fail "snapshot with caps" "$(head -c 300 "$T/err")"
# shellcheck disable=SC2086
$PODMAN run --rm $ULIMITS $CAPFLAGS "$IMG" probe runqlat --duration 1 >"$T/probe.out" 2>"$T/err" &&
	pass "probe runqlat with only CAP_BPF/PERFMON/SYS_ADMIN/NET_ADMIN" ||
	fail "probe runqlat with caps" "$(head -c 300 "$T/err")"

# The DaemonSet's own command (suite, --log-markers, --hold) narrowed to a short sched run.
# shellcheck disable=SC2086
$PODMAN run -d --name "$CTR" $ULIMITS $FLAGS "$IMG" $ARGS --only 'sched.*' --reps 3 --rep-time 0.2 >/dev/null 2>"$T/err" ||
	{ fail "start the DaemonSet's command" "$(head -c 300 "$T/err")"; exit 0; }
i=0
until $PODMAN logs "$CTR" 2>/dev/null | grep -q '^==== nodeperf-result-end v1'; do
	i=$((i + 1))
	if [ $i -gt 120 ] || [ "$($PODMAN inspect -f '{{.State.Running}}' "$CTR")" != true ]; then
		fail "run in the pod printed its end marker" "$($PODMAN logs "$CTR" 2>&1 | tail -5)"
		exit 0
	fi
	sleep 1
done
pass "run --log-markers in the pod printed the result between markers"
sleep 1
[ "$($PODMAN inspect -f '{{.State.Running}}' "$CTR")" = true ] && pass "--hold keeps the pod running after the run" ||
	fail "--hold" "the container exited"
t0=$(date +%s)
$PODMAN stop -t 20 "$CTR" >/dev/null 2>&1
t1=$(date +%s)
code=$($PODMAN inspect -f '{{.State.ExitCode}}' "$CTR")
[ "$code" = 0 ] && [ $((t1 - t0)) -lt 10 ] && pass "SIGTERM ends the hold: exit 0 in $((t1 - t0)) s" ||
	fail "SIGTERM ends the hold" "exit $code after $((t1 - t0)) s"
# what `kubectl logs` shows: stdout and stderr of the container, together
$PODMAN logs "$CTR" >"$T/logs/np-test-node.log" 2>&1
$PODMAN rm -f "$CTR" >/dev/null 2>&1

expect_exit "collect takes the result from the real container log" 0 \
	"$NODEPERF" collect --logs "$T/logs" -o "$T/pool"
pycheck "the collected result is the pod's sched run" "$T/pool/np-test-node.json" '
names = [m["name"] for m in d["metrics"]]
assert names and all(n.startswith("sched.") for n in names), names
assert d["run"]["label"] == "__POOL__", d["run"]["label"]
assert all(len(m["reps"]["p50"]) == 3 for m in d["metrics"]), "reps"'
python_ok=$($PY -c 'import json,sys; import jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print("ok")' \
	"$T/pool/np-test-node.json" "$SCHEMA" 2>&1)
[ "$python_ok" = ok ] && pass "collected result validates against the schema" || fail "schema" "$python_ok"

# nothing of this run left: the container is gone, and the image after the trap
$PODMAN ps -a --format '{{.Names}}' | grep -q "^$CTR\$" && fail "container removed" || pass "container removed"
[ -n "$KEEP" ] && exit 0
$PODMAN rmi -f "$IMG" >/dev/null 2>&1
$PODMAN image exists "$IMG" && fail "image removed" || pass "image removed"
check "the host's net.ipv4.ip_forward is as it was ($FORWARD)" test "$(cat /proc/sys/net/ipv4/ip_forward)" = "$FORWARD"
