# snapshot_against.sh - this node held against the built-in AKS references and against a reference file.
. "$(dirname "$0")/lib.sh"

for ref in ubuntu-22.04 ubuntu-24.04 azurelinux-3.0; do
	expect_exit "against $ref: exit 0" 0 "$NODEPERF" snapshot --against "$ref"
	check "against $ref: names the reference and its source" \
		sh -c "grep -q '^reference  $ref' '$T/out' && grep -q 'custom-node-configuration-reference.md' '$T/out'"
	check "against $ref: counts what differs" grep -qE "^[0-9]+ of [0-9]+ settings differ from $ref" "$T/out"
	expect_exit "against $ref --json" 0 "$NODEPERF" snapshot --against "$ref" --json
	cp "$T/out" "$T/$ref.json"
	pycheck "against $ref: built in as the file says, node values from /proc" "$T/$ref.json" "
import os
ref = json.load(open(os.environ['TOP'] + '/profiles/reference/$ref.json'))
assert d['reference'] == ref['name'] and d['source'] == ref['source'], 'stale build: the compiled-in reference differs'
items = {i['key']: i for i in d['items']}
for k, v in ref['sysctl'].items():
    assert items[k]['reference'] == v, (k, items[k])
    path = '/proc/sys/' + k.replace('.', '/')
    if os.path.exists(path):
        live = ' '.join(open(path).read().split())
        assert items[k]['node'] == live, (k, items[k], live)
        assert items[k]['differs'] == (live != v), items[k]
assert d['differ'] == sum(i['differs'] for i in d['items'])"
done

# a reference file whose every sysctl is this node's value: nothing differs there
$PY - "$TOP/profiles/reference/azurelinux-3.0.json" "$T/mine.json" <<'PY'
import json, os, sys
ref = json.load(open(sys.argv[1]))
ref['name'] = 'this-node'
for group in ('sysctl', 'sysctl_every_node'):
    for k in list(ref[group]):
        path = '/proc/sys/' + k.replace('.', '/')
        if os.path.exists(path):
            ref[group][k] = ' '.join(open(path).read().split())
        else:
            del ref[group][k]
del ref['sysctl_computed']
json.dump(ref, open(sys.argv[2], 'w'))
PY
expect_exit "against FILE.json" 0 "$NODEPERF" snapshot --against "$T/mine.json" --json
pycheck "against FILE.json: only identity and THP can differ" "$T/out" "
diff = [i['key'] for i in d['items'] if i['differs']]
assert set(diff) <= {'os', 'kernel.release', 'thp.enabled', 'thp.defrag'}, diff"

expect_exit "against an unknown name: exit 2" 2 "$NODEPERF" snapshot --against ubuntu-18.04
check "unknown name: lists the known ones" grep -q "no reference called 'ubuntu-18.04' (ubuntu-22.04, ubuntu-24.04, azurelinux-3.0" "$T/err"
printf '{"schema": "nodeperf/reference/v1",\n "name": 1}\n' >"$T/bad.json"
expect_exit "against a malformed file: exit 2" 2 "$NODEPERF" snapshot --against "$T/bad.json"
check "malformed file: says what" grep -q "needs a name and its source" "$T/err"
expect_exit "against with -o: refused" 2 "$NODEPERF" snapshot --against ubuntu-22.04 -o "$T/x.json"
