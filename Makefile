# afsim - build, test, benchmark, install.
#
#   make                 build ./afsim (build/ holds objects)
#   make check           build and run the unit tests (Check) and the CLI tests
#   make determinism     trace hash of the reference sequence: gcc/clang x -O0/-O2
#   make bench           benchmarks, printing figures
#   make bench-peer      afsim's frames against the numpy/scipy peer (bench/peer/)
#   make asan            build and test with AddressSanitizer + UBSan in build-asan/
#   make fuzz            fuzz the scenario loader and the field log reader (libFuzzer,
#                        clang) for FUZZ_SECONDS each; make fuzz-fieldlog: the reader only
#   make install PREFIX=/usr/local DESTDIR=
#   make deps            install the Debian packages the build needs
#   make clean
#
# Variables: CC, OPT (-O2), BUILD (build), WERROR (1 = warnings are errors).

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
LIBS = $(SDL_LIBS) $(SQLITE_LIBS) $(YAML_LIBS) -lm

ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)

LIB_SRCS   := $(sort $(wildcard engine/*.c models/*.c sim/*.c db/*.c viz/*.c field/*.c))
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

.PHONY: all check determinism bench bench-peer asan fuzz fuzz-fieldlog install uninstall clean deps
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

$(BUILD)/tests/refseq: $(BUILD)/tests/refseq.o $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Writes field logs for tests/cli_replay.sh (until `afsim run --record`).
$(BUILD)/tests/mkfieldlog: $(BUILD)/tests/mkfieldlog.o $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Every bench/*.c is a program of its own.
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# CK_RUN_SUITE=name runs one suite; CK_VERBOSITY=verbose lists every test.
check: $(BUILD)/afsim $(BUILD)/tests/runner $(BUILD)/tests/mkfieldlog $(BUILD)/bench/peer/frames
	$(BUILD)/tests/runner
	@for t in $(CLI_TESTS); do echo "== $$t"; AFSIM=$(BUILD)/afsim sh $$t || exit 1; done

determinism:
	sh tests/determinism.sh

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done

# The peer needs Debian's python3-numpy and python3-scipy (setup.sh), which
# live with the system's python3, not with a python3 earlier on PATH.
PEER_PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
bench-peer: $(BUILD)/bench/peer/frames
	$(PEER_PYTHON) bench/peer/peer.py $(BUILD)/bench/peer/frames

asan:
	CK_TIMEOUT_MULTIPLIER=4 $(MAKE) BUILD=build-asan OPT="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check

# Fuzz the scenario loader with libFuzzer (clang) for FUZZ_SECONDS, the
# library's scenarios as seed corpus; crashes land in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libafsim.a
	mkdir -p build-fuzz/corpus
	cp scenarios/*/*.yaml build-fuzz/corpus/
	clang $(BASE_CFLAGS) $(FUZZ_FLAGS) -o build-fuzz/fuzz_scenario tests/fuzz/fuzz_scenario.c \
		build-fuzz/libafsim.a $(LIBS)
	cd build-fuzz && ./fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -max_len=4096 corpus
	$(MAKE) fuzz-fieldlog

# Fuzz the field log reader and replay (tests/fuzz/fuzz_fieldlog.c) for
# FUZZ_SECONDS, small logs of the simulated rig as seed corpus (the first
# byte of an input selects checksum repair and replay: 0x03 both).
fuzz-fieldlog: $(BUILD)/tests/mkfieldlog
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libafsim.a
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

install: afsim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/afsim
	install -m 0755 afsim $(DESTDIR)$(PREFIX)/bin/afsim
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/afsim/README.md

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/afsim
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/afsim

# Debian packages the build and the tests need (root, or sudo): setup.sh
# holds the list.
deps:
	sh setup.sh

clean:
	rm -rf build build-asan build-det build-fuzz afsim

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
