# mem.sh - the mem benches in a short mode: plausible fault costs and bandwidths, THP honoured or skipped with a reason.
. "$(dirname "$0")/lib.sh"

expect_exit "run mem.*" 0 "$NODEPERF" run --only 'mem.*' --reps 3 --rep-time 0.05 --no-probes --out "$T/mem.json"
THP=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
pycheck "mem: plausible values, params say what was measured" "$T/mem.json" "
m = {x['name']: x for x in d['metrics']}
thp = '''$THP'''
nh = m['mem.fault.2m.nohuge']
assert nh['unit'] == 'ns' and 1e3 < nh['p50'] < 1e9, nh['p50']      # 512 faults: 1 us .. 1 s
assert nh['params']['huge_backed_fraction'] == 0, nh['params']
bw = m['mem.bw.read.nohuge']
assert bw['unit'] == 'B/s' and 1e8 < bw['mean'] < 1e12 and len(bw['reps']['mean']) == 3, bw['mean']
if '[never]' in thp or not thp:
    assert 'mem.fault.2m.thp' not in m
    assert any(s['bench'] == 'mem.fault.2m.thp' and 'THP' in s['reason'] for s in d['skipped']), d['skipped']
else:
    t = m['mem.fault.2m.thp']
    assert 0 <= t['params']['huge_backed_fraction'] <= 1 and t['params']['advice'] == 'MADV_HUGEPAGE', t['params']
    assert 1e3 < t['p50'] < 1e9, t['p50']"
