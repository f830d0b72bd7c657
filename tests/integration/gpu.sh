# gpu.sh - the gpu command and gpu.* benches against the fake driver (tests/fake/libcuda.c).
. "$(dirname "$0")/lib.sh"

FAKE=${NP_BUILD:-$TOP/build}/tests/fake/libcuda.so.1
FAKE_DLSYM=${NP_BUILD:-$TOP/build}/tests/fake/dlsym/libcuda.so.1
cd "$T" || exit 1

# No driver at all: every build says so, and run skips the GPU benches with the reason.
export NODEPERF_LIBCUDA=/nonexistent/libcuda.so.1
expect_exit "gpu --list without a driver" 0 "$NODEPERF" gpu --list
if grep -q "built without CUDA support" "$T/out"; then
	skip "gpu benches on the fake driver" "this nodeperf was built without CUDA support"
	exit 0
fi
check "--list says the driver library cannot be loaded" grep -q "cannot load /nonexistent/libcuda.so.1" "$T/out"
expect_exit "gpu without a driver exits 3" 3 "$NODEPERF" gpu --reps 1 --rep-time 0.01
check "... naming the library" grep -q "cannot load /nonexistent/libcuda.so.1" "$T/err"
expect_exit "run --only 'gpu.*' without a driver" 0 "$NODEPERF" run --only 'gpu.*' --reps 1 --rep-time 0.01 --out "$T/none.json"
pycheck "every gpu bench skipped with the reason" "$T/none.json" "
sk = {s['bench']: s['reason'] for s in d['skipped']}
names = [n for n in sk if n.startswith('gpu.')]
assert len(names) == 13, names
assert all('cannot load /nonexistent/libcuda.so.1' in sk[n] for n in names), sk
assert d['node']['gpu']['cuda'] is False and 'cannot load' in d['node']['gpu']['why'], d['node']['gpu']
assert not d['metrics']"
check "the skipped run validates against the schema" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/none.json"

if [ ! -r "$FAKE" ]; then
	skip "gpu benches on the fake driver" "$FAKE was not built (make test-fakes)"
	exit 0
fi
export NODEPERF_LIBCUDA="$FAKE"

# Driver errors: a clear message and exit 3; --list still answers (exit 0) and says why.
errcase() { # errcase WHAT MESSAGE ENV=VALUE...
	what=$1 msg=$2
	shift 2
	expect_exit "gpu with $what exits 3" 3 env "$@" "$NODEPERF" gpu --reps 1 --rep-time 0.01
	check "... saying: $msg" grep -qF "$msg" "$T/err"
	expect_exit "gpu --list --json with $what" 0 env "$@" "$NODEPERF" gpu --list --json
	pycheck "... cuda false with the reason" "$T/out" "
assert d['gpu']['cuda'] is False and '$msg' in d['gpu']['why'], d['gpu']"
}
errcase "cuInit failing" "cuInit failed: CUDA_ERROR_SYSTEM_DRIVER_MISMATCH" NP_FAKE_CUDA_MODE=init_fail
errcase "no device" "no CUDA device: cuInit: CUDA_ERROR_NO_DEVICE" NP_FAKE_CUDA_MODE=no_device
errcase "zero devices" "no CUDA device visible" NP_FAKE_CUDA_MODE=zero_devices
errcase "a missing entry point" "has no cuMemAlloc (ABI 3.2)" NP_FAKE_CUDA_MISSING=cuEventRecord,cuMemAlloc

# Inventory: through cuGetProcAddress, and through dlsym for a driver without it.
for lib in "$FAKE" "$FAKE_DLSYM"; do
	v=$(basename "$(dirname "$lib")")
	expect_exit "gpu --list --json ($v)" 0 env NODEPERF_LIBCUDA="$lib" NP_FAKE_CUDA_COUNT=2 "$NODEPERF" gpu --list --json
	pycheck "inventory of two fake H200s ($v)" "$T/out" "
g = d['gpu']
assert g['cuda'] is True and g['driver_version'] == '12.4' and g['devices'] == 2, g
cu = [x['cuda'] for x in d['gpus'] if 'cuda' in x]
assert [c['index'] for c in cu] == [0, 1], cu
c = cu[1]
assert c['name'] == 'NVIDIA H200' and c['busid'] == '0000:1c:00.0', c
assert c['uuid'] == 'GPU-b0b1b2b3-b4b5-b6b7-b8b9-babbbcbdbebf', c['uuid']
assert c['memory_bytes'] == 143771 * 1048576 and c['sm_count'] == 132, c
assert c['clock_khz'] == 1980000 and c['memory_clock_khz'] == 3201000, c
assert c['compute_capability'] == '9.0' and c['ecc'] is True and c['mig_profile'] is None, c
assert 'numa' in c and 'local_cpus' in c
s = g['sku']
assert s['series'] == 'ND H200 v5' and s['count'] == 2 and s['count_ok'] is False, s
assert s['h2d_floor_Bps'] == 48e9 and s['source'], s"
done
expect_exit "gpu --list (text)" 0 "$NODEPERF" gpu --list
check "... names the GPU, its bus id and the series" sh -c "grep -q 'NVIDIA H200  0000:1b:00.0' '$T/out' && grep -q 'SKU       ND H200 v5' '$T/out'"
expect_exit "gpu --list: an A100 40GB x8" 0 env NP_FAKE_CUDA_NAME=NVIDIA\ A100-SXM4-40GB NP_FAKE_CUDA_MEM_MIB=40536 \
	NP_FAKE_CUDA_COUNT=8 "$NODEPERF" gpu --list --json
pycheck "... is NDasr A100 v4 with its count" "$T/out" "
s = d['gpu']['sku']
assert s['series'] == 'NDasr A100 v4' and s['count'] == 8 and s['count_ok'] is True and s['h2d_floor_Bps'] == 21e9, s"
expect_exit "gpu --list: a MIG instance" 0 env NP_FAKE_CUDA_NAME="NVIDIA A100-SXM4-40GB MIG 1g.5gb" NP_FAKE_CUDA_MEM_MIB=4864 \
	"$NODEPERF" gpu --list --json
pycheck "... reports its MIG profile, no series" "$T/out" "
c = d['gpus'][-1]['cuda']
assert c['mig_profile'] == '1g.5gb', c
assert d['gpu']['sku']['series'] is None and 'A100' in d['gpu']['sku']['why'], d['gpu']"
expect_exit "snapshot --json with the fake driver" 0 "$NODEPERF" snapshot --json
check "the snapshot validates against the schema" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/out" /\$defs/snapshot
pycheck "... and carries node.gpu" "$T/out" "
assert d['node']['gpu']['cuda'] is True and d['node']['gpu']['sku']['series'] == 'ND H200 v5', d['node']['gpu']"

# Usage errors.
expect_exit "gpu --device x" 2 "$NODEPERF" gpu --device x
expect_exit "gpu --device 1 with one device" 2 "$NODEPERF" gpu --device 1 --reps 1 --rep-time 0.01
check "... says how many are visible" grep -q "1 CUDA device(s) visible" "$T/err"
expect_exit "gpu --list --reps 3" 2 "$NODEPERF" gpu --list --reps 3
expect_exit "gpu --help" 0 "$NODEPERF" gpu --help
expect_exit "list --json" 0 "$NODEPERF" list --json
pycheck "gpu benches are in standard and full, not quick" "$T/out" "
b = {x['name']: x['suites'] for x in d['benches'] if x['name'].startswith('gpu.')}
assert len(b) == 13 and all(v == ['standard', 'full'] for v in b.values()), b"

# The benches: the fake's copies take bytes / bandwidth on its virtual clock.
expect_exit "gpu (all benches, fake H200 at 55 GB/s pinned)" 0 "$NODEPERF" gpu --reps 3 --rep-time 0.02 --out "$T/r.json"
cp "$T/err" "$T/r.err"
check "the result validates against the schema" $PY "$TOP/tests/schema_check.py" "$SCHEMA" "$T/r.json"
pycheck "metrics, units and verdicts" "$T/r.json" "
ms = {m['name']: m for m in d['metrics']}
want = {'gpu.init': 'ns', 'gpu.alloc.1m': 'ns', 'gpu.alloc.1g': 'ns', 'gpu.h2d.pinned': 'B/s',
        'gpu.h2d.pageable': 'B/s', 'gpu.d2h.pinned': 'B/s', 'gpu.d2h.pageable': 'B/s', 'gpu.d2d': 'B/s',
        'gpu.launch': 'ns', 'gpu.launch.rate': 'ops/s', 'gpu.h2d.pinned.floor_ratio': 'ratio',
        'gpu.d2h.pinned.floor_ratio': 'ratio'}
for n, u in want.items():
    assert n in ms, (n, sorted(ms))
    m = ms[n]
    assert m['unit'] == u and m['better'] == ('lower' if u == 'ns' else 'higher'), m
    assert m['n'] >= 3 and 0 < m['min'] <= m['p50'] <= m['max'], m
for n, bw in (('gpu.h2d.pinned', 55e9), ('gpu.d2h.pinned', 55e9), ('gpu.h2d.pageable', 20e9), ('gpu.d2d', 2000e9)):
    assert abs(ms[n]['p50'] / bw - 1) < 0.01, (n, ms[n]['p50'])
    assert len(ms[n]['reps']['mean']) == 3
p = ms['gpu.h2d.pinned']['params']
assert p['bytes'] == 512 << 20 and p['copies_per_batch'] == 16 and p['spin_held'] is True and p['host'] == 'pinned', p
assert p['health']['verdict'] == 'pass' and p['health']['floor_Bps'] == 48e9 and p['health']['series'] == 'ND H200 v5', p
assert ms['gpu.h2d.pageable']['params']['spin_held'] is False and 'health' not in ms['gpu.h2d.pageable']['params']
assert abs(ms['gpu.h2d.pinned.floor_ratio']['p50'] - 55 / 48) < 0.01
assert ms['gpu.init']['params']['phases'].startswith('dlopen')
sk = {s['bench']: s['reason'] for s in d['skipped']}
assert 'two GPUs' in sk['gpu.p2p'], sk
assert 'NUMA' in sk['gpu.h2d.numa_local'] or 'topology' in sk['gpu.h2d.numa_local'], sk
assert d['node']['gpu']['sku']['series'] == 'ND H200 v5'"
check "the verdict is logged" grep -q "gpu.h2d.pinned: 55.0 GB/s against the ND H200 v5 floor of 48 GB/s: pass" "$T/r.err"

expect_exit "gpu with pinned copies at 49 GB/s" 0 env NP_FAKE_CUDA_PINNED_GBPS=49 "$NODEPERF" gpu --only 'gpu.*.pinned' --reps 3 --rep-time 0.02 --out "$T/warn.json"
pycheck "... warns (within 5% above the floor)" "$T/warn.json" "
ms = {m['name']: m for m in d['metrics']}
assert ms['gpu.h2d.pinned']['params']['health']['verdict'] == 'warn', ms['gpu.h2d.pinned']['params']"
expect_exit "gpu with pinned copies at 40 GB/s" 0 env NP_FAKE_CUDA_PINNED_GBPS=40 "$NODEPERF" gpu --only 'gpu.*.pinned' --reps 5 --rep-time 0.02 --out "$T/fail.json"
pycheck "... fails" "$T/fail.json" "
ms = {m['name']: m for m in d['metrics']}
assert ms['gpu.d2h.pinned']['params']['health']['verdict'] == 'fail'
assert ms['gpu.d2h.pinned.floor_ratio']['p50'] < 1"
expect_exit "gpu at 55 GB/s, 5 reps (baseline)" 0 "$NODEPERF" gpu --only 'gpu.*.pinned' --reps 5 --rep-time 0.02 --out "$T/ok.json"
expect_exit "compare: a candidate below the floor breaks the default limit" 1 "$NODEPERF" compare "$T/ok.json" -- "$T/fail.json"
check "... on gpu.*.floor_ratio" grep -q "gpu.h2d.pinned.floor_ratio.*limit broken" "$T/out"
expect_exit "compare: 55 -> 49 GB/s, above the floor, regresses the bandwidth (mean 5%)" 1 "$NODEPERF" compare "$T/ok.json" -- "$T/warn.json"
check "... on gpu.h2d.pinned, not on its floor" sh -c "grep -q '^gpu.h2d.pinned  *mean.*regressed' '$T/out' && ! grep -q 'limit broken' '$T/out'"
expect_exit "gpu at 55 GB/s again (A/A)" 0 "$NODEPERF" gpu --only 'gpu.*.pinned' --reps 5 --rep-time 0.02 --out "$T/ok2.json"
expect_exit "compare: A/A passes" 0 "$NODEPERF" compare "$T/ok.json" -- "$T/ok2.json"

expect_exit "gpu --only gpu.p2p with two peer GPUs" 0 env NP_FAKE_CUDA_COUNT=2 "$NODEPERF" gpu --only gpu.p2p --reps 2 --rep-time 0.02 --out "$T/p2p.json"
pycheck "... measures the peer copy against the P2P floor" "$T/p2p.json" "
m = [m for m in d['metrics'] if m['name'] == 'gpu.p2p'][0]
assert abs(m['p50'] / 300e9 - 1) < 0.01 and m['params']['peer'] == 1, m
assert m['params']['health']['verdict'] == 'fail' and m['params']['health']['floor_Bps'] == 335e9"
expect_exit "gpu --only gpu.p2p, two GPUs without peer access" 0 env NP_FAKE_CUDA_COUNT=2 NP_FAKE_CUDA_PEER=0 "$NODEPERF" gpu --only gpu.p2p --reps 2 --rep-time 0.02 --out "$T/nop2p.json"
pycheck "... is skipped with the reason" "$T/nop2p.json" "
assert d['skipped'] == [{'bench': 'gpu.p2p', 'reason': 'needs two GPUs that can access each other (2 visible)'}], d['skipped']"
expect_exit "gpu --device 1 of two" 0 env NP_FAKE_CUDA_COUNT=2 "$NODEPERF" gpu --device 1 --only gpu.launch --reps 2 --rep-time 0.02 --out "$T/dev1.json"
pycheck "... measures device 1" "$T/dev1.json" "
assert d['metrics'][0]['params']['device'] == 1 and d['metrics'][0]['params']['busid'] == '0000:1c:00.0', d['metrics'][0]['params']"

# A driver error inside a bench, and one during setup: exit 3, the driver's words in skipped.
expect_exit "cuMemcpyAsync failing" 3 env NP_FAKE_CUDA_FAIL=cuMemcpyAsync "$NODEPERF" gpu --only gpu.d2d --reps 2 --rep-time 0.02 --out "$T/err.json"
pycheck "... is in skipped" "$T/err.json" "
r = [s['reason'] for s in d['skipped'] if s['bench'] == 'gpu.d2d']
assert 'cuMemcpyAsync: CUDA_ERROR_UNKNOWN: unknown error' in r, r"
expect_exit "cuModuleLoadData failing" 3 env NP_FAKE_CUDA_FAIL=cuModuleLoadData "$NODEPERF" gpu --only 'gpu.launch*' --reps 2 --rep-time 0.02 --out "$T/setup.json"
pycheck "... skips the benches with the reason" "$T/setup.json" "
assert [s['reason'] for s in d['skipped']] == ['CUDA setup failed: cuModuleLoadData: CUDA_ERROR_UNKNOWN: unknown error'] * 2, d['skipped']"
expect_exit "run --only 'gpu.launch*' with the same failure exits 0" 0 env NP_FAKE_CUDA_FAIL=cuModuleLoadData "$NODEPERF" run --only 'gpu.launch*' --reps 2 --rep-time 0.02 --out "$T/setup2.json"
check "no temp result file left" sh -c "! ls '$T' | grep -q '\.tmp\.'"

# The embedded PTX assembles for the GPUs of the AKS series (when the toolkit's ptxas is here).
PTXAS=${CUDA_HOME:-/usr/local/cuda}/bin/ptxas
if [ -x "$PTXAS" ]; then
	$PY - "$TOP/gpu/gpu.c" "$T/np.ptx" <<'EOF'
import ast, re, sys
src = open(sys.argv[1]).read()
body = src[src.index("gpu_ptx[] ="):]
body = body[:body.index(";\n")]
open(sys.argv[2], "w").write("".join(ast.literal_eval(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', body)))
EOF
	for arch in sm_75 sm_80 sm_86 sm_89 sm_90; do
		check "the spin/empty PTX assembles for $arch" "$PTXAS" -arch=$arch "$T/np.ptx" -o "$T/np-$arch.cubin"
	done
else
	skip "PTX assembly" "no ptxas at $PTXAS"
fi
