# gpu_nocuda.sh - a build without cuda.h (CUDA_HOME=/nonexistent) links, and says it has no CUDA support.
. "$(dirname "$0")/lib.sh"

B=${NP_BUILD:-$TOP/build}
case $(basename "$B") in
build) ;;
*)
	skip "build without cuda.h" "made from the plain build dir only, not $(basename "$B")"
	exit 0
	;;
esac
if ! command -v make >/dev/null; then
	skip "build without cuda.h" "no make"
	exit 0
fi
# Reuse the plain build's objects; only gpu/ depends on cuda.h, so only gpu/ is rebuilt.
cp -a "$B" "$T/b" && rm -f "$T"/b/gpu/*.o "$T"/b/gpu/*.d "$T/b/libnodeperf.a"
if make -s -C "$TOP" CUDA_HOME=/nonexistent BUILD="$T/b" BIN="$T/b/nodeperf" "$T/b/nodeperf" >"$T/make.log" 2>&1; then
	pass "make CUDA_HOME=/nonexistent builds nodeperf"
else
	fail "make CUDA_HOME=/nonexistent builds nodeperf" "$(tail -5 "$T/make.log")"
	exit 0
fi
check "gpu/ was compiled without NP_HAVE_CUDA" sh -c "nm '$T/b/gpu/cuda.o' >'$T/nm' && ! grep -q ' gpu_cu\$' '$T/nm' && grep -q gpu_cuda_open '$T/nm'"
NP=$T/b/nodeperf
# even with a driver library at hand: this binary cannot use it
export NODEPERF_LIBCUDA="$B/tests/fake/libcuda.so.1"
cd "$T" || exit 1
expect_exit "gpu exits 3" 3 "$NP" gpu
check "... saying it was built without CUDA support" grep -q "built without CUDA support" "$T/err"
expect_exit "gpu --list" 0 "$NP" gpu --list --json
pycheck "... says so in node.gpu" "$T/out" "
assert d['gpu']['cuda'] is False and 'built without CUDA support' in d['gpu']['why'], d['gpu']"
expect_exit "run --only 'gpu.*'" 0 "$NP" run --only 'gpu.*' --reps 1 --rep-time 0.01 --out "$T/r.json"
pycheck "every gpu bench skipped: built without CUDA support" "$T/r.json" "
sk = [s for s in d['skipped'] if s['bench'].startswith('gpu.')]
assert len(sk) == 13 and all('built without CUDA support' in s['reason'] for s in sk), sk"
