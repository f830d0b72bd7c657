# nodeperf - the only build entry point. `make help` lists the targets.

PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc
CLANG     ?= clang
BPFTOOL   ?= bpftool
LLVM_STRIP ?= llvm-strip
CUDA_HOME ?= /usr/local/cuda
STATIC    ?= 0
VMLINUX_H ?=
PKG_CONFIG ?= pkg-config
BIN       ?= nodeperf

VERSION := 0.1.0
PKGS    := libbpf hwloc jansson zlib liburing
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS   ?= -O2 -g
NPFLAGS  := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DNP_VERSION=\"$(VERSION)\" \
	    -I. -I$(BUILD) $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) -MMD -MP
LDLIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpthread -lm -ldl

ifeq ($(STATIC),1)
# Debian ships no libudev.a; hwloc only asks udev for disk serial numbers and
# falls back to sysfs, so the static binary links a shim that reports no udev.
LDFLAGS  += -static
LDLIBS   := $(filter-out -ludev,$(shell $(PKG_CONFIG) --static --libs $(PKGS))) -lzstd -lpthread -lm -ldl
STATIC_OBJS := $(BUILD)/core/static_udev.o
endif

BPF_SRCS  := $(wildcard probes/*.bpf.c)
SKELS     := $(BPF_SRCS:probes/%.bpf.c=$(BUILD)/probes/%.skel.h)
LIB_SRCS  := $(filter-out probes/%.bpf.c core/static_udev.c,\
		$(wildcard core/*.c results/*.c bench/*.c probes/*.c profiles/*.c gpu/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ  := $(BUILD)/nodeperf.o

# GPU: gpu/ is compiled against cuda.h when CUDA_HOME has it and then loads
# libcuda.so.1 at run time; without the header `nodeperf gpu` says so.
ifneq ($(wildcard $(CUDA_HOME)/include/cuda.h),)
GPU_CFLAGS := -DNP_HAVE_CUDA -I$(CUDA_HOME)/include
endif
$(BUILD)/gpu/%.o: NPFLAGS += $(GPU_CFLAGS)
# The fake driver the tests load through NODEPERF_LIBCUDA: a GPA build
# (cuGetProcAddress only) and a dlsym build (exported versioned names only).
FAKE_CUDA := $(BUILD)/tests/fake/libcuda.so.1 $(BUILD)/tests/fake/dlsym/libcuda.so.1
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)

# the skeletons embed the objects: keep them for bpftool and debugging
.SECONDARY: $(BPF_SRCS:probes/%.bpf.c=$(BUILD)/probes/%.bpf.o)

.PHONY: all deps test unit-bins test-fakes run install uninstall asan check clean help baseline vmlinux bench-self gate-quality image vmtest vmtest-clean fuzz fuzz-bins
.DEFAULT_GOAL := all

all: $(BIN)

help:
	@echo "make            build ./nodeperf"
	@echo "make deps       install build and runtime dependencies (apt, tdnf or dnf)"
	@echo "make test       deps + build + unit and integration tests"
	@echo "make run        deps + build + ./nodeperf run --suite quick (results/runs/)"
	@echo "make install    install to \$$(DESTDIR)\$$(PREFIX)/bin (PREFIX=$(PREFIX))"
	@echo "make STATIC=1   link a static binary"
	@echo "make asan       build with ASan+UBSan into build-asan/ and run the tests"
	@echo "make fuzz       libFuzzer on every parser (tests/fuzz/), FUZZ_TIME=$(FUZZ_TIME) s each, in $(FUZZ_BUILD)/"
	@echo "make check      cppcheck and clang-tidy"
	@echo "make bench-self benchmarks of nodeperf itself (bench/self/), printing figures"
	@echo "make gate-quality  A/A false regressions and injected-slowdown detection of compare"
	@echo "make vmtest     boot Debian's 5.10/6.1/6.12 kernels under qemu (cgroup v2 only) and run the tests inside (VMTEST_KERNELS=...)"
	@echo "make vmtest-clean  remove the vmtest kernel cache ($(VMTEST_CACHE))"
	@echo "make image      the static binary in a FROM scratch image, tagged IMAGE=$(IMAGE) (podman)"

deps:
	@sh tools/deps.sh

$(BIN): $(MAIN_OBJ) $(BUILD)/libnodeperf.a $(STATIC_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libnodeperf.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c | $(SKELS) $(BUILD)/syscall_names.h
	@mkdir -p $(dir $@)
	$(CC) $(NPFLAGS) $(CFLAGS) -c -o $@ $<

# --- BPF pipeline: vmlinux.h -> clang -target bpf -> bpftool gen skeleton ---
$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
ifneq ($(VMLINUX_H),)
	@test -r "$(VMLINUX_H)" || { echo "error: VMLINUX_H=$(VMLINUX_H) is not a readable file" >&2; exit 1; }
	cp "$(VMLINUX_H)" $@
else
	@test -r /sys/kernel/btf/vmlinux || { echo "error: /sys/kernel/btf/vmlinux is missing (kernel built without CONFIG_DEBUG_INFO_BTF);" \
		"generate vmlinux.h on a machine with BTF and pass VMLINUX_H=path/to/vmlinux.h" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@
endif

$(BUILD)/probes/%.bpf.o: probes/%.bpf.c $(BUILD)/vmlinux.h $(wildcard probes/*.h) core/hist_scheme.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I. -I$(BUILD) -Wall -Werror -c $< -o $@
	$(LLVM_STRIP) -g $@   # DWARF off, BTF (needed for CO-RE) stays

$(BUILD)/probes/%.skel.h: $(BUILD)/probes/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(notdir $(basename $(basename $<))) > $@.tmp && mv $@.tmp $@

vmlinux: $(BUILD)/vmlinux.h

# data compiled in with .incbin, which -MMD cannot see
$(BUILD)/results/thresholds.o: results/thresholds.default
$(BUILD)/profiles/reference.o: $(wildcard profiles/reference/*.json)
$(BUILD)/gpu/skus.o: gpu/skus.json

# syscall names for syslat, from this architecture's own headers
$(BUILD)/syscall_names.h:
	@mkdir -p $(BUILD)
	echo '#include <sys/syscall.h>' | $(CC) -dM -E - | \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/[\2] = "\1",/p' > $@.tmp && mv $@.tmp $@

# --- benchmarks of nodeperf itself: figures, not pass/fail ---
$(BUILD)/bench/self/hist_record: bench/self/hist_record.c core/hist.c core/hist.h
	@mkdir -p $(dir $@)
	$(CC) $(NPFLAGS) $(CFLAGS) -o $@ bench/self/hist_record.c core/hist.c -lm

bench-self: all $(BUILD)/bench/self/hist_record
	$(BUILD)/bench/self/hist_record
	sh bench/self/sched-suite ./$(BIN)
	sh bench/self/snapshot-cost ./$(BIN)
	sh bench/self/probe-cost ./$(BIN)
	sh bench/self/bpf-floor
	sh bench/self/net-vs-sockperf ./$(BIN)
	sh bench/self/io-vs-fio ./$(BIN)
	sh bench/self/container-vs-shell ./$(BIN)

# minutes: 10 A/A pairs and 10 pairs with a real injected slowdown
gate-quality: all
	sh bench/self/gate-quality ./$(BIN)

# --- container image (deploy/): the static binary in a FROM scratch image ---
IMAGE          ?= nodeperf:$(VERSION)
PODMAN         ?= podman
STATIC_BUILD   ?= build-static
# This CI machine: hybrid cgroups, which podman's systemd manager and crun
# refuse, and rlimits root here cannot raise (podman asks for more nproc and
# nofile than the hard limits): lower, explicit ones work. The build runs no
# command, so the ulimits only matter to a RUN someone adds; --layers=false:
# no intermediate images left in the store (nothing to cache in one COPY).
PODMAN_FLAGS   ?= --cgroup-manager=cgroupfs --runtime runc
PODMAN_ULIMITS ?= --ulimit nofile=16384:16384 --ulimit nproc=16384:16384

image:
	@$(MAKE) --no-print-directory STATIC=1 BUILD=$(STATIC_BUILD) BIN=$(STATIC_BUILD)/nodeperf all
	sh deploy/image-root.sh $(STATIC_BUILD)/nodeperf $(STATIC_BUILD)/image
	$(PODMAN) $(PODMAN_FLAGS) build --layers=false $(PODMAN_ULIMITS) --build-arg VERSION=$(VERSION) \
		-f deploy/Containerfile -t $(IMAGE) $(STATIC_BUILD)/image

# --- tests ---
$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libnodeperf.a
	@mkdir -p $(dir $@)
	$(CC) $(NPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libnodeperf.a $(LDLIBS) -lcmocka

unit-bins: $(UNIT_BINS) test-fakes

test-fakes: $(FAKE_CUDA)

$(BUILD)/tests/fake/libcuda.so.1: tests/fake/libcuda.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(CFLAGS) -fPIC -shared -Wl,-soname,libcuda.so.1 -o $@ $<

$(BUILD)/tests/fake/dlsym/libcuda.so.1: tests/fake/libcuda.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DFAKE_DLSYM_ONLY $(CFLAGS) -fPIC -shared -Wl,-soname,libcuda.so.1 -o $@ $<

test: deps
	@$(MAKE) --no-print-directory all unit-bins
	@sh tests/run.sh $(BUILD) ./nodeperf

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p results/runs
	./nodeperf run --suite quick --out results/runs/nodeperf-$$(hostname)-$$(date -u +%Y%m%dT%H%M%SZ).json

baseline: all
	@mkdir -p results/baselines
	$(abspath $(BIN)) run --suite standard --label "$${LABEL:?set LABEL=os-version, e.g. LABEL=ubuntu-22.04}" \
		--out results/baselines/$${LABEL}-$$(hostname).json

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/nodeperf
	install -m 0755 nodeperf $(DESTDIR)$(PREFIX)/bin/nodeperf
	install -m 0644 docs/result-schema.json $(DESTDIR)$(PREFIX)/share/nodeperf/result-schema.json

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/nodeperf $(DESTDIR)$(PREFIX)/share/nodeperf/result-schema.json

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/nodeperf \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" all unit-bins
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run.sh build-asan build-asan/nodeperf

# --- fuzzing (tests/fuzz/): clang's libFuzzer with ASan+UBSan, the parsers built apart ---
# The library objects of $(BUILD) are gcc's without sanitizers: the sources the
# harnesses need are compiled again with clang into $(FUZZ_BUILD). `make test`
# runs each target briefly (tests/integration/fuzz.sh); `make fuzz` runs each
# for FUZZ_TIME seconds, its corpus growing in $(FUZZ_BUILD)/corpus/TARGET.
FUZZ_BUILD   ?= build-fuzz
FUZZ_TIME    ?= 1800
FUZZ_TARGETS := result thresholds profile reference collect
FUZZ_FLAGS   := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -I$(FUZZ_BUILD) -g -O1 \
		-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS    := core/util.c core/disturb.c core/log.c core/stats.c core/hist.c core/cli.c core/sandbox.c \
		results/result.c results/thresholds.c results/collect.c \
		profiles/profile.c profiles/emit_aks.c profiles/emit_json.c profiles/emit_sysctl.c \
		profiles/emit_tuned.c profiles/verify.c profiles/reference.c
FUZZ_OBJS    := $(FUZZ_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null) -c -o $@ $<

$(FUZZ_BUILD)/obj/results/thresholds.o: results/thresholds.default
$(FUZZ_BUILD)/obj/profiles/reference.o: $(wildcard profiles/reference/*.json)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null) -lm

fuzz-bins: $(FUZZ_BINS)

fuzz: fuzz-bins
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t; \
		echo "fuzz_$$t: $(FUZZ_TIME) s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# --- kernels other than the host's: Debian's, booted under qemu (tests/vm/, docs/kernels.md) ---
VMTEST_KERNELS ?= 5.10 6.1 6.12
VMTEST_BUILD   ?= build-vm
VMTEST_CACHE   ?= /var/cache/nodeperf-vmtest
export VMTEST_CACHE

vmtest: deps
	@$(MAKE) --no-print-directory BUILD=$(VMTEST_BUILD) BIN=$(VMTEST_BUILD)/nodeperf all
	VMTEST_SUITE=1 VMTEST_REPORT=docs/kernels.md sh tests/vm/vmtest.sh $(VMTEST_BUILD) $(VMTEST_KERNELS)

vmtest-clean:
	rm -rf $(VMTEST_CACHE)

check:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --suppress=missingIncludeSystem -I. -D__linux__ $(shell $(PKG_CONFIG) --cflags-only-I jansson hwloc) \
		$(LIB_SRCS) nodeperf.c
	@# table.c only includes bpftool's generated skeletons, whose open() the analyzer misreads as a leak
	clang-tidy --quiet $(filter-out probes/table.c,$(LIB_SRCS)) nodeperf.c -- $(NPFLAGS) $(GPU_CFLAGS)

clean:
	rm -rf $(BUILD) build-asan $(STATIC_BUILD) $(FUZZ_BUILD) nodeperf

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
