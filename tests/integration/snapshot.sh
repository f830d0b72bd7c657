# snapshot.sh - the node snapshot: schema-valid, with topology and the curated sysctls.
. "$(dirname "$0")/lib.sh"

expect_exit "snapshot --json: exit 0" 0 "$NODEPERF" snapshot --json
cp "$T/out" "$T/snap.json"
check "snapshot --json matches the node/config schema" \
	$PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/snap.json" '/$defs/snapshot'
pycheck "snapshot has the topology" "$T/snap.json" "
t = d['node']['topology']
assert t['pus'] >= 1 and t['cores'] >= 1 and t['packages'] >= 1, t
assert len(t['numa_nodes']) >= 1 and t['numa_nodes'][0]['memory_bytes'] > 0, t['numa_nodes']
assert any(c['level'] >= 1 for c in t['caches']), t['caches']"
pycheck "snapshot identity" "$T/snap.json" "
import os
n = d['node']
assert n['hostname'] == os.uname().nodename, n['hostname']
assert n['kernel']['release'] == os.uname().release
assert n['kernel']['btf'] == os.path.exists('/sys/kernel/btf/vmlinux')
assert n['os']['id'] and n['cpu']['count'] >= 1"
pycheck "snapshot config" "$T/snap.json" "
c = d['config']
assert len(c['sysctl']) >= 50, len(c['sysctl'])
assert c['sysctl']['net.core.somaxconn'] == open('/proc/sys/net/core/somaxconn').read().strip()
assert c['cgroup'] in ('v1', 'v2', 'hybrid'), c['cgroup']
assert 'runc' in c['runtimes']"
expect_exit "snapshot human output" 0 "$NODEPERF" snapshot
check "human output names the kernel" grep -q "$(uname -r)" "$T/out"
check "human output fits a screen" test "$(wc -l <"$T/out")" -le 45
expect_exit "snapshot -o FILE" 0 "$NODEPERF" snapshot -o "$T/s2.json"
pycheck "snapshot -o wrote JSON" "$T/s2.json" "assert 'node' in d and 'config' in d"
check "snapshot -o left no temp file" sh -c "! ls '$T' | grep -q '\.tmp\.'"
