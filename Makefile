# afsim - build, test, benchmark, install.
#
#   make                 build ./afsim (build/ holds objects)
#   make check           build and run the unit tests (Check) and the CLI tests
#                        (tests/cli_*.sh: the command line, --help, the man
#                        page, make install, every command in the docs)
#   make determinism     trace hash of the reference sequence: gcc/clang x -O0/-O2
#   make layering        what each folder may include (docs/architecture.md)
#   make bench           benchmarks, printing figures; QUICK=1: small sizes,
#                        seconds in all (CI: every program builds and runs)
#   make bench-peer      afsim's frames against the numpy/scipy peer (bench/peer/)
#   make asan            build and test with AddressSanitizer + UBSan in build-asan/
#   make coverage        make check built with --coverage in build-cov/, then gcov's
#                        line and branch coverage of engine/ and the error returns
#                        of engine/ that never ran (tests/coverage.sh)
#   make fuzz            fuzz the scenario loader, the rig protocol codec and the field
#                        log reader (libFuzzer, clang) for FUZZ_SECONDS each; one of them:
#                        make fuzz-scenario | fuzz-proto | fuzz-fieldlog
#   make install PREFIX=/usr/local DESTDIR=
#                        PREFIX/bin/afsim, PREFIX/share/man/man1/afsim.1, the
#                        scenario library in PREFIX/share/afsim/scenarios, the
#                        docs in PREFIX/share/doc/afsim
#   make deps            install the Debian packages the build needs
#   make clean
#
# Variables: CC, OPT (-O2), BUILD (build), WERROR (1 = warnings are errors),
# QUICK (bench), FUZZ_SECONDS and FUZZ_TARGET (fuzz).

CC      ?= cc
OPT     ?= -O2
BUILD   ?= build
WERROR  ?= 1
PREFIX  ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config

WARN = -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes \
       -Wmissing-prototypes -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif

# -ffp-contract=off: no fused multiply-add, so every compiler and level
# rounds the same way (determinism, docs/design.md §3).
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
              -ffp-contract=off -fno-fast-math -g $(OPT) $(WARN) -I. -MMD -MP $(YAML_CFLAGS) $(SDL_CFLAGS)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)
YAML_CFLAGS  := $(shell $(PKG_CONFIG) --cflags yaml-0.1 2>/dev/null)
YAML_LIBS    := $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null || echo -lyaml)
SQLITE_LIBS  := $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null || echo -lsqlite3)
SDL_CFLAGS   := $(shell $(PKG_CONFIG) --cflags sdl2 SDL2_ttf SDL2_image 2>/dev/null)
SDL_LIBS     := $(shell $(PKG_CONFIG) --libs sdl2 SDL2_ttf SDL2_image 2>/dev/null || echo -lSDL2_ttf -lSDL2_image -lSDL2)
# Aravis (GenICam cameras, hil/genicam.c and hil/gvcam.c only).  Its
# pkg-config file needs libusb-1.0's, so fall back on glib's when that one is
# missing.  The include folders go in as -isystem so that glib's headers are
# held to their own warnings, not ours; only the Aravis objects see them.
ARAVIS_CFLAGS := $(shell $(PKG_CONFIG) --cflags aravis-0.8 2>/dev/null || \
		   echo -I/usr/include/aravis-0.8 $$($(PKG_CONFIG) --cflags gio-2.0 2>/dev/null))
ARAVIS_LIBS   := $(shell $(PKG_CONFIG) --libs aravis-0.8 2>/dev/null || \
		   echo -laravis-0.8 -lgio-2.0 -lgobject-2.0 -lglib-2.0)
ARAVIS_ISYSTEM := $(patsubst -I%,-isystem %,$(ARAVIS_CFLAGS))
LIBS = $(SDL_LIBS) $(SQLITE_LIBS) $(YAML_LIBS) $(ARAVIS_LIBS) -lm

ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)

LIB_SRCS   := $(sort $(wildcard kernel/*.c engine/*.c models/*.c sim/*.c db/*.c viz/*.c field/*.c hil/*.c))
CLI_SRCS   := $(sort $(wildcard cli/*.c))
TEST_SRCS  := $(sort $(wildcard tests/test_*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
CLI_TESTS  := $(sort $(wildcard tests/cli_*.sh))

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS   := $(CLI_SRCS:%.c=$(BUILD)/%.o)
TEST_OBJS  := $(TEST_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/tests/runner.o
BENCH_BINS := $(BENCH_SRCS:%.c=$(BUILD)/%)

LIBAFSIM = $(BUILD)/libafsim.a

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(CLI_OBJS): ALL_CFLAGS += -DAFSIM_VERSION='"$(VERSION)"'
# The command-line objects are rebuilt when the version changes (a stamp
# rewritten only when it differs), so every part of one build says the same.
.DEFAULT_GOAL := all
$(CLI_OBJS): $(BUILD)/version.stamp
_ := $(shell mkdir -p $(BUILD) && { echo '$(VERSION)' | cmp -s - $(BUILD)/version.stamp || \
	echo '$(VERSION)' > $(BUILD)/version.stamp; })

.PHONY: all check determinism layering bench bench-peer asan coverage fuzz fuzz-lib fuzz-scenario fuzz-proto fuzz-fieldlog install uninstall clean deps
all: afsim

afsim: $(BUILD)/afsim
	cp $< $@

$(BUILD)/afsim: $(CLI_OBJS) $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(LIBAFSIM): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

ARAVIS_OBJS = $(BUILD)/hil/genicam.o $(BUILD)/hil/genicam_link.o $(BUILD)/hil/gvcam.o
$(ARAVIS_OBJS): ALL_CFLAGS += $(ARAVIS_ISYSTEM)

# The test runner registers every suite that tests/test_*.c defines; the list
# is generated so that adding a suite is adding a file.
$(BUILD)/tests/suites.h: $(TEST_SRCS)
	@mkdir -p $(dir $@)
	sed -n 's/^Suite \*\([a-z0-9_]*_suite\)(void)$$/X(\1)/p' $(TEST_SRCS) > $@.tmp
	mv $@.tmp $@

$(BUILD)/tests/runner.o: tests/runner.c $(BUILD)/tests/suites.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Wno-missing-prototypes -I$(BUILD)/tests -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(BUILD)/tests/runner: $(TEST_OBJS) $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o $@ $^ $(CHECK_LIBS) $(LIBS)

# Writes the field logs `afsim run --record` cannot (pixels of the last
# operations only, no clock stamps): tests/cli_replay.sh, the fuzz corpus.
$(BUILD)/tests/mkfieldlog: $(BUILD)/tests/mkfieldlog.o $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The GenICam driver as a command, for tests/cli_genicam.sh.
$(BUILD)/tests/genicam_probe: $(BUILD)/tests/genicam_probe.o $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Every bench/*.c is a program of its own.
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# CK_RUN_SUITE=name runs one suite; CK_VERBOSITY=verbose lists every test;
# AFSIM_SUITES_SKIP="a b" leaves suites out, CLI_SKIP="tests/x.sh" scripts.
# The CLI tests get the binary under test and the build folder (BUILD, for
# the ones that call make themselves, so that they reuse this build); all of
# them run, and the failed ones are named at the end.
# The scripts that drive a rig (the emulator, a fake camera) in real time
# run in a lane of their own beside the others, which are CPU-bound.
CLI_RUN = $(filter-out $(CLI_SKIP),$(CLI_TESTS))
CLI_REALTIME = $(addprefix tests/cli_,$(addsuffix .sh,field genicam hil hil_genicam merge_valid rig validate))
# cli_field compares a rig run in real time with its simulation around a
# thermal step: it runs alone, after the lanes, with the machine to itself.
CLI_SERIAL = tests/cli_field.sh
check: $(BUILD)/afsim $(BUILD)/tests/runner $(BUILD)/tests/mkfieldlog $(BUILD)/tests/genicam_probe \
       $(BUILD)/bench/peer/frames
	@echo "the Check suites, in two runners at once (AFSIM_SUITES: tests/runner.c)"; \
	AFSIM_SUITES=0/2 $(BUILD)/tests/runner > $(BUILD)/tests/runner-0.log 2>&1 & p0=$$!; \
	AFSIM_SUITES=1/2 $(BUILD)/tests/runner > $(BUILD)/tests/runner-1.log 2>&1; r1=$$?; \
	wait $$p0; r0=$$?; cat $(BUILD)/tests/runner-0.log $(BUILD)/tests/runner-1.log; \
	[ $$r0 = 0 ] && [ $$r1 = 0 ]
	@echo "the CLI scripts, in two lanes: those on a rig in real time, the rest"; \
	mkdir -p $(BUILD)/tests/cli; \
	lane() { for t in "$$@"; do n=$$(basename $$t .sh); \
		AFSIM=$(BUILD)/afsim BUILD=$(BUILD) GENICAM_PROBE=$(BUILD)/tests/genicam_probe \
		sh $$t > $(BUILD)/tests/cli/$$n.log 2>&1; echo $$? > $(BUILD)/tests/cli/$$n.rc; done; }; \
	lane $(filter-out $(CLI_SERIAL),$(filter $(CLI_REALTIME),$(CLI_RUN))) & p=$$!; \
	lane $(filter-out $(CLI_REALTIME) $(CLI_SERIAL),$(CLI_RUN)); wait $$p; \
	lane $(filter $(CLI_SERIAL),$(CLI_RUN)); \
	failed=""; for t in $(CLI_RUN); do n=$$(basename $$t .sh); echo "== $$t"; \
		cat $(BUILD)/tests/cli/$$n.log; [ "$$(cat $(BUILD)/tests/cli/$$n.rc)" = 0 ] || failed="$$failed $$t"; \
		done; [ -z "$$failed" ] || { echo "FAILED:$$failed"; exit 1; }

determinism:
	sh tests/determinism.sh

# The include layering of docs/architecture.md (make check runs it too,
# through tests/cli_layering.sh).
layering:
	sh tests/layering.sh

# QUICK=1: bench/bench_quick.h's small sizes (AFSIM_BENCH_QUICK).
bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $(if $(QUICK),AFSIM_BENCH_QUICK=$(QUICK)) $$b || exit 1; done

# The peer needs Debian's python3-numpy and python3-scipy (setup.sh), which
# live with the system's python3, not with a python3 earlier on PATH.
PEER_PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
bench-peer: $(BUILD)/bench/peer/frames
	$(PEER_PYTHON) bench/peer/peer.py $(BUILD)/bench/peer/frames

# Under the sanitizers, the Check suites without what reruns the scenario
# library or loops over hundreds of whole runs (the allocation- and
# HAL-failure loops, the writer's and shrink's library runs), and none of
# the CLI scripts: three times slower there, they would take CI past its
# 20 minutes.  make check runs them all; make asan CLI_SKIP= ASAN_CLI_SKIP=
# runs the scripts under the sanitizers too.
ASAN_SUITES_SKIP = alloc_fail hal_anomaly scenario_write shrink
ASAN_CLI_SKIP = $(CLI_TESTS)
asan:
	AFSIM_SANITIZED=1 CK_TIMEOUT_MULTIPLIER=4 AFSIM_SUITES_SKIP="$(ASAN_SUITES_SKIP)" \
	$(MAKE) BUILD=build-asan OPT="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		CLI_SKIP="$(ASAN_CLI_SKIP)" check

# WERROR=0: -O0 warns otherwise than -O2 (format truncation), and the
# figures are the point here.  They are printed whatever the check's
# outcome; the target fails when the check does.  Old counts are cleared
# first, so the figures are those of this run.
coverage:
	@mkdir -p build-cov && find build-cov -name '*.gcda' -delete
	@rc=0; CK_TIMEOUT_MULTIPLIER=6 $(MAKE) BUILD=build-cov OPT="-O0 --coverage" LDFLAGS="--coverage" WERROR=0 check || rc=$$?; \
		echo "== coverage of engine/ over make check"; sh tests/coverage.sh build-cov engine; exit $$rc

# Fuzz the scenario loader with libFuzzer (clang) for FUZZ_SECONDS, the
# library's scenarios as seed corpus; crashes land in build-fuzz/.
# FUZZ_TARGET=proto fuzzes the rig protocol codec instead (tests/fuzz/proto/
# as seed corpus).
FUZZ_SECONDS ?= 60
FUZZ_TARGET ?= scenario
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz: fuzz-scenario fuzz-proto fuzz-fieldlog

fuzz-lib:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libafsim.a

fuzz-scenario: fuzz-lib
	mkdir -p build-fuzz/corpus
	cp scenarios/*/*.yaml build-fuzz/corpus/
	clang $(BASE_CFLAGS) $(FUZZ_FLAGS) -o build-fuzz/fuzz_scenario tests/fuzz/fuzz_scenario.c \
		build-fuzz/libafsim.a $(LIBS)
	cd build-fuzz && ./fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -max_len=4096 corpus

# The rig protocol codec (tests/fuzz/fuzz_proto.c): replies, frame headers,
# greetings; tests/fuzz/proto/ is the seed corpus.
fuzz-proto: fuzz-lib
	mkdir -p build-fuzz/corpus-proto
	cp tests/fuzz/proto/* build-fuzz/corpus-proto/
	clang $(BASE_CFLAGS) $(FUZZ_FLAGS) -o build-fuzz/fuzz_proto tests/fuzz/fuzz_proto.c \
		build-fuzz/libafsim.a $(LIBS)
	cd build-fuzz && ./fuzz_proto -max_total_time=$(FUZZ_SECONDS) -max_len=1024 corpus-proto

# Fuzz the field log reader and replay (tests/fuzz/fuzz_fieldlog.c) for
# FUZZ_SECONDS, small logs of the simulated rig as seed corpus (the first
# byte of an input selects checksum repair and replay: 0x03 both).
fuzz-fieldlog: $(BUILD)/tests/mkfieldlog fuzz-lib
	mkdir -p build-fuzz/corpus-fieldlog
	$(BUILD)/tests/mkfieldlog build-fuzz/seed.aflog --handoffs 1 --no-calibrate --no-autofocus --keep-last 1 --ring-bytes 0 > /dev/null
	(printf '\003'; cat build-fuzz/seed.aflog) > build-fuzz/corpus-fieldlog/nopixels
	$(BUILD)/tests/mkfieldlog build-fuzz/seed.aflog --handoffs 1 --no-calibrate --no-autofocus --faults > /dev/null
	(printf '\003'; cat build-fuzz/seed.aflog) > build-fuzz/corpus-fieldlog/pixels
	$(BUILD)/tests/mkfieldlog build-fuzz/seed.aflog --handoffs 2 --no-calibrate --no-autofocus --keep-last 1 > /dev/null
	(printf '\003'; cat build-fuzz/seed.aflog) > build-fuzz/corpus-fieldlog/held
	clang $(BASE_CFLAGS) $(FUZZ_FLAGS) -o build-fuzz/fuzz_fieldlog tests/fuzz/fuzz_fieldlog.c \
		build-fuzz/libafsim.a $(LIBS)
	cd build-fuzz && ./fuzz_fieldlog -max_total_time=$(FUZZ_SECONDS) -max_len=262144 corpus-fieldlog

# The docs keep README.md's layout (README.md beside docs/), so its links
# hold; the scenario library keeps its folders (a trace CSV beside its
# scenario).
SCENARIO_FILES := $(sort $(shell find scenarios -type f \( -name '*.yaml' -o -name '*.csv' -o -name '*.md' -o -name '*.aflog' \)))
DOC_FILES      := $(sort $(wildcard docs/*.md docs/*.png))
SHARE = $(DESTDIR)$(PREFIX)/share
install: $(BUILD)/afsim
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE)/man/man1 $(SHARE)/doc/afsim/docs
	install -m 0755 $(BUILD)/afsim $(DESTDIR)$(PREFIX)/bin/afsim
	install -m 0644 docs/afsim.1 $(SHARE)/man/man1/afsim.1
	install -m 0644 README.md $(SHARE)/doc/afsim/README.md
	install -m 0644 $(DOC_FILES) $(SHARE)/doc/afsim/docs/
	for f in $(SCENARIO_FILES); do \
		install -d "$(SHARE)/afsim/$$(dirname "$$f")" && \
		install -m 0644 "$$f" "$(SHARE)/afsim/$$f" || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/afsim $(SHARE)/man/man1/afsim.1
	rm -rf $(SHARE)/doc/afsim $(SHARE)/afsim

# Debian packages the build and the tests need (root, or sudo): setup.sh
# holds the list.
deps:
	sh setup.sh

clean:
	rm -rf build build-asan build-cov build-det build-fuzz afsim

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
