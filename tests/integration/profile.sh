# profile.sh - profile generate/emit/verify/tune with the real binary: sysctl -p and verify inside a test netns.
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures/profile
NS=np-$$-prof
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$T"' EXIT

# --- generate: every format, skipped rules with reasons ---
for f in sysctl json aks; do
	expect_exit "generate --format $f" 0 "$NODEPERF" profile generate --from "$FIX/result-azl.json" \
		--workload throughput --format $f -o "$T/p.$f"
done
expect_exit "generate --format tuned -o DIR" 0 "$NODEPERF" profile generate --from "$FIX/result-azl.json" \
	--workload latency --format tuned -o "$T/tuned-latency"
check "tuned: DIR/tuned.conf with [main] and [sysctl]" \
	sh -c "grep -q '^\[main\]' '$T/tuned-latency/tuned.conf' && grep -q '^net.core.somaxconn=>16384' '$T/tuned-latency/tuned.conf'"
check "no temp files left next to the outputs" sh -c "! ls -A '$T' '$T/tuned-latency' | grep -q '[.]tmp[.]'"
pycheck "json: settings carry reason, scope and evidence" "$T/p.json" "
assert d['schema'] == 'nodeperf/profile/v1' and d['workload'] == 'throughput'
keys = {s['key']: s for s in d['settings']}
s = keys['net.core.rmem_max']
assert s['current'] == '212992' and s['evidence']['metric'] == 'net.tcp_stream.veth', s
assert all(x['reason'] and x['evidence']['source'] for x in d['settings'])
assert keys['transparent_hugepage.enabled']['evidence']['verdict'] == 'improved'"
pycheck "aks: only linuxOSConfig fields" "$T/p.aks" "
assert set(d) <= {'transparentHugePageEnabled', 'transparentHugePageDefrag', 'sysctls'}, d
assert d['sysctls']['netCoreRmemMax'] == 16777216, d"

expect_exit "generate without the metrics: exit 0" 0 "$NODEPERF" profile generate \
	--from "$FIX/result-sched-only.json" --workload throughput -o "$T/skip.json"
check "skipped rules printed with the reason" \
	grep -q "skipped rule net.buffers: the result has no net.tcp_stream.\* metric (its bench was skipped: no veth support" "$T/err"
pycheck "skipped rules in the JSON" "$T/skip.json" "
sk = {s['rule']: s['reason'] for s in d['skipped']}
assert d['settings'] == [] and 'no net.tcp_crr.* metric' in sk['net.connect-burst'], sk"

expect_exit "generate: unknown workload" 2 "$NODEPERF" profile generate --from "$FIX/result-azl.json" --workload fast
expect_exit "generate: unreadable result" 2 "$NODEPERF" profile generate --from "$T/nope.json"
expect_exit "generate: unknown base" 2 "$NODEPERF" profile generate --from "$FIX/result-azl.json" --base ubuntu-18.04

# --- AKS: an out-of-range value is refused, naming field and range ---
$PY - "$T/p.json" "$T/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for s in d['settings']:
    if s['key'] == 'net.core.rmem_max':
        s['value'] = '268435456'
json.dump(d, open(sys.argv[2], 'w'))
PY
expect_exit "emit aks: out of range refused" 2 "$NODEPERF" profile emit "$T/bad.json" --format aks -o "$T/bad.aks"
check "the message names field, sysctl and range" \
	grep -q "netCoreRmemMax (net.core.rmem_max) = 268435456 is outside the range AKS accepts: 212992-134217728" "$T/err"
check "nothing written" sh -c "! ls '$T' | grep -q 'bad.aks'"
expect_exit "emit aks: in range" 0 "$NODEPERF" profile emit "$T/p.json" --format aks
check "emit aks: what AKS cannot express, and where it goes" \
	grep -q "not expressible in linuxOSConfig: net.ipv4.tcp_rmem=4096 131072 16777216 (net.buffers) -> per network namespace" "$T/err"

# --- sysctl -p and verify inside a test netns ---
if ! command -v sysctl >/dev/null || ! ip netns add "$NS" 2>/dev/null; then
	skip "sysctl -p in a netns" "no sysctl(8) or cannot create a network namespace"
else
	# the per-namespace settings only: a global one written from a netns could reach the host
	$PY - "$T/p.json" "$T/netns.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['settings'] = [s for s in d['settings'] if s['scope'] == 'netns']
json.dump(d, open(sys.argv[2], 'w'))
PY
	host_before=$(cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/tcp_rmem)
	expect_exit "emit sysctl of the netns settings" 0 "$NODEPERF" profile emit "$T/netns.json" --format sysctl -o "$T/netns.conf"
	check "the sysctl.d file has net.* keys" grep -q '^net.ipv4.tcp_rmem = 4096 131072 16777216$' "$T/netns.conf"
	expect_exit "verify in a fresh netns fails first (exit 1)" 1 ip netns exec "$NS" "$NODEPERF" profile verify "$T/netns.json"
	expect_exit "the real sysctl -p accepts the file in the netns" 0 ip netns exec "$NS" sysctl -p "$T/netns.conf"
	check "sysctl -p printed what it set" grep -q 'net.core.somaxconn = 16384' "$T/out"
	expect_exit "verify passes after applying (exit 0)" 0 ip netns exec "$NS" "$NODEPERF" profile verify "$T/netns.json"
	check "verify lists each setting ok" sh -c "grep -c '^ok ' '$T/out' | grep -qx 4"
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_rmem="4096 65536 4194304"
	expect_exit "verify fails after a drift (exit 1)" 1 ip netns exec "$NS" "$NODEPERF" profile verify "$T/netns.json"
	check "verify names the drifted setting" grep -q '^MISMATCH  *net.ipv4.tcp_rmem .*4096 65536 4194304' "$T/out"
	expect_exit "verify --json" 1 ip netns exec "$NS" "$NODEPERF" profile verify "$T/netns.json" --json
	pycheck "verify --json: one mismatch" "$T/out" "
assert d['mismatch'] == 1 and d['pass'] is False and d['ok'] == 3, d"
	check "the host's own values untouched" test "$host_before" = "$(cat /proc/sys/net/core/somaxconn /proc/sys/net/ipv4/tcp_rmem)"
	ip netns del "$NS"
fi
# a setting this node lacks: missing, unless --ignore-missing
$PY - "$T/missing.json" <<'PY'
import json, sys
json.dump({'schema': 'nodeperf/profile/v1', 'name': 'm', 'workload': 'general', 'settings': [
    {'key': 'net.nodeperf.no_such_key', 'value': '1', 'scope': 'global'}]}, open(sys.argv[1], 'w'))
PY
expect_exit "verify: a missing setting fails" 1 "$NODEPERF" profile verify "$T/missing.json"
expect_exit "verify --ignore-missing passes" 0 "$NODEPERF" profile verify "$T/missing.json" --ignore-missing
printf '{"schema": "nodeperf/profile/v1", "name": "x",\n "workload": 3}\n' >"$T/broken.json"
expect_exit "verify: a malformed profile is exit 2" 2 "$NODEPERF" profile verify "$T/broken.json"
printf '{"schema": "nodeperf/profile/v1",\n "name": ' >"$T/trunc.json"
expect_exit "verify: truncated JSON is exit 2" 2 "$NODEPERF" profile verify "$T/trunc.json"
check "truncated JSON: file, line and column" grep -q "trunc.json:2:[0-9]*:" "$T/err"

# --- tune: the gate decides; the budget holds; nothing left behind ---
"$NODEPERF" profile tune --workload latency --budget 60 --reps 5 --rep-time 0.05 \
	--try 'net.core.somaxconn=8192:sched.ctxswitch' -o "$T/tune.json" >"$T/out" 2>"$T/err" &
pid=$!
wait $pid
rc=$?
check "tune: exit 0" test $rc -eq 0
pycheck "tune: kept only with significant evidence, else dropped with compare's reason" "$T/tune.json" "
assert d['from'] == 'tune'
for s in d['settings']:
    assert s['evidence']['verdict'] == 'improved' and s['evidence']['p'] < 0.05, s
if not d['settings']:
    r = d['skipped'][0]['reason']
    assert any(w in r for w in ('unchanged', 'noisy', 'regressed', 'improved')), r"
check "tune: a decision table on stderr" grep -q "^net.core.somaxconn=8192 *\(KEPT\|dropped\)" "$T/err"
check "tune: its scratch dir is gone" sh -c "! ls -d /var/tmp/nodeperf-$pid-* 2>/dev/null"
expect_exit "tune: a budget too small tries nothing" 0 "$NODEPERF" profile tune --workload latency --budget 1 \
	--try 'net.core.somaxconn=8192:sched.ctxswitch'
check "tune: says what was not tried and why" grep -q "not tried: about .* s more would pass the budget of 1 s" "$T/err"
"$NODEPERF" profile tune --workload latency --budget 60 --rep-time 0.5 \
	--try 'net.core.somaxconn=8192:sched.*' -o "$T/int.json" >"$T/out" 2>"$T/err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
check "tune: SIGINT ends it with 130" test $rc -eq 130
pycheck "tune: interrupted: the profile says so" "$T/int.json" "
assert d['settings'] == [] and 'interrupted' in d['skipped'][0]['reason'], d"
check "tune: SIGINT leaves no scratch dir (its runs' are inside)" sh -c "! ls -d /var/tmp/nodeperf-$pid-* 2>/dev/null"
expect_exit "tune: built-in candidates of a class" 0 "$NODEPERF" profile tune --workload gpu --budget 5
check "tune gpu: says there is no sandboxed candidate" grep -q "no sandboxed candidate for the gpu class" "$T/out"
expect_exit "tune: --workload is required" 2 "$NODEPERF" profile tune
expect_exit "tune: bad --try" 2 "$NODEPERF" profile tune --workload latency --try nonsense

# on the io benches' own loop device, when this build has them
if "$NODEPERF" list | grep -q '^io.randread.4k.psync '; then
	"$NODEPERF" profile tune --workload latency --budget 120 --reps 5 --rep-time 0.2 \
		--try 'block.scheduler=none:io.randread.4k.psync::block.scheduler=mq-deadline' \
		-o "$T/tune-io.json" >"$T/out" 2>"$T/err" &
	pid=$!
	wait $pid
	rc=$?
	check "tune io: exit 0" test $rc -eq 0
	pycheck "tune io: a setting with significant evidence, or an honest 'none helped'" "$T/tune-io.json" "
if d['settings']:
    s = d['settings'][0]
    assert s['key'] == 'block.scheduler' and s['evidence']['p'] < 0.05 and s['evidence']['verdict'] == 'improved', s
    assert s['evidence']['metric'].startswith('io.randread.4k.psync'), s
else:
    r = d['skipped'][0]['reason']
    assert 'block.scheduler=none: ' in r and any(w in r for w in ('unchanged', 'noisy', 'regressed')), r"
	sed -n 's/^/    tune io: /p' "$T/err" | tail -3
	# the runs' loop devices were backed by files inside tune's scratch dir
	check "tune io: no loop device or scratch dir of ours left" \
		sh -c "! losetup -a | grep -q 'nodeperf-$pid-' && ! ls -d /var/tmp/nodeperf-$pid-* 2>/dev/null"
else
	skip "tune on a loop device" "this build has no io.randread.4k.psync bench yet"
fi
