# fuzz.sh - each libFuzzer harness of tests/fuzz/ briefly (FUZZ_SECONDS, default 15 s each):
# no crash, no ASan/UBSan report. `make fuzz` is the long run. Built into its own dir.
. "$(dirname "$0")/lib.sh"

secs=${FUZZ_SECONDS:-15}
CLANG=${CLANG:-clang}
# beside the test build (build/fuzz, build-asan/fuzz), never in the build's own objects
FB=${NP_BUILD:-$TOP/build}/fuzz

if ! command -v "$CLANG" >/dev/null 2>&1; then
	skip "fuzz" "$CLANG is not installed (make deps installs clang)"
	exit 0
fi
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$T/probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$T/probe" "$T/probe.c" >"$T/err" 2>&1; then
	skip "fuzz" "$CLANG cannot link -fsanitize=fuzzer (libFuzzer's runtime, Debian: libclang-rt-14-dev): $(head -c 200 "$T/err")"
	exit 0
fi

if ! make -s -C "$TOP" FUZZ_BUILD="$FB" fuzz-bins >"$T/build.log" 2>&1; then
	fail "fuzz: the harnesses build" "$(tail -c 1500 "$T/build.log")"
	exit 0
fi
pass "fuzz: the harnesses build with clang, ASan and UBSan"

for t in result thresholds profile reference collect; do
	# a scratch corpus: the seeds stay as they are in the repository
	mkdir -p "$T/corpus-$t" "$T/art-$t"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$FB/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$T/art-$t/" "$T/corpus-$t" "$TOP/tests/fuzz/corpus/$t" >"$T/log-$t" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/log-$t")
	cov=$(grep -o 'cov: [0-9]*' "$T/log-$t" | tail -1)
	if [ "$rc" -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$T/log-$t"; then
		pass "fuzz_$t: ${secs} s, ${execs:-?} runs, ${cov:-cov ?}, no crash, no sanitizer report"
	else
		fail "fuzz_$t: exit $rc" "$(grep -E 'ERROR|runtime error|SUMMARY|#[0-9] ' "$T/log-$t" | head -12)"
		ls "$T/art-$t" | sed 's/^/    input: /'
		for a in "$T/art-$t"/*; do
			[ -f "$a" ] && echo "    $(basename "$a"): $(head -c 300 "$a" | od -c | head -5 | tr '\n' ' ')"
		done
	fi
done
