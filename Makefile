# afsim - build, test, benchmark, install.
#
#   make                 build ./afsim (build/ holds objects)
#   make check           build and run the unit tests (Check) and the CLI tests
#                        (tests/cli_*.sh: the command line, --help, the man
#                        page, make install, every command in the docs)
#   make determinism     trace hash of the reference sequence: gcc/clang x -O0/-O2
#   make bench           benchmarks, printing figures; QUICK=1: small sizes,
#                        seconds in all (CI: every program builds and runs)
#   make asan            build and test with AddressSanitizer + UBSan in build-asan/
#   make fuzz            fuzz the scenario loader (libFuzzer, clang) for FUZZ_SECONDS;
#                        FUZZ_TARGET=proto: the rig protocol codec
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
LIBS = $(SDL_LIBS) $(SQLITE_LIBS) $(YAML_LIBS) -lm

ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)

LIB_SRCS   := $(sort $(wildcard engine/*.c models/*.c sim/*.c db/*.c viz/*.c hil/*.c))
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

.PHONY: all check determinism bench asan fuzz install uninstall clean deps
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

# Every bench/*.c is a program of its own.
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBAFSIM)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# CK_RUN_SUITE=name runs one suite; CK_VERBOSITY=verbose lists every test.
# The CLI tests get the binary under test and the build folder (BUILD, for
# the ones that call make themselves, so that they reuse this build); all of
# them run, and the failed ones are named at the end.
check: $(BUILD)/afsim $(BUILD)/tests/runner
	$(BUILD)/tests/runner
	@failed=""; for t in $(CLI_TESTS); do echo "== $$t"; \
		AFSIM=$(BUILD)/afsim BUILD=$(BUILD) sh $$t || failed="$$failed $$t"; done; \
		[ -z "$$failed" ] || { echo "FAILED:$$failed"; exit 1; }

determinism:
	sh tests/determinism.sh

# QUICK=1: bench/bench_quick.h's small sizes (AFSIM_BENCH_QUICK).
bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $(if $(QUICK),AFSIM_BENCH_QUICK=$(QUICK)) $$b || exit 1; done

asan:
	CK_TIMEOUT_MULTIPLIER=4 $(MAKE) BUILD=build-asan OPT="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check

# Fuzz the scenario loader with libFuzzer (clang) for FUZZ_SECONDS, the
# library's scenarios as seed corpus; crashes land in build-fuzz/.
# FUZZ_TARGET=proto fuzzes the rig protocol codec instead (tests/fuzz/proto/
# as seed corpus).
FUZZ_SECONDS ?= 60
FUZZ_TARGET ?= scenario
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libafsim.a
ifeq ($(FUZZ_TARGET),proto)
	mkdir -p build-fuzz/corpus-proto
	cp tests/fuzz/proto/* build-fuzz/corpus-proto/
	clang $(BASE_CFLAGS) $(FUZZ_FLAGS) -o build-fuzz/fuzz_proto tests/fuzz/fuzz_proto.c \
		build-fuzz/libafsim.a $(LIBS)
	cd build-fuzz && ./fuzz_proto -max_total_time=$(FUZZ_SECONDS) -max_len=1024 corpus-proto
else
	mkdir -p build-fuzz/corpus
	cp scenarios/*/*.yaml build-fuzz/corpus/
	clang $(BASE_CFLAGS) $(FUZZ_FLAGS) -o build-fuzz/fuzz_scenario tests/fuzz/fuzz_scenario.c \
		build-fuzz/libafsim.a $(LIBS)
	cd build-fuzz && ./fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -max_len=4096 corpus
endif

# The docs keep README.md's layout (README.md beside docs/), so its links
# hold; the scenario library keeps its folders (a trace CSV beside its
# scenario).
SCENARIO_FILES := $(sort $(shell find scenarios -type f \( -name '*.yaml' -o -name '*.csv' -o -name '*.md' \)))
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
	rm -rf build build-asan build-det build-fuzz afsim

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
