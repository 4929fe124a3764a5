# tiersim — GNU Makefile.  See README.md; `make help` lists the targets.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
CC       ?= cc
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS     := gsl sqlite3 inih yaml-0.1 jansson libzstd
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O3 -g
# Link-time optimisation of the programs (tiersim, tierref, the benches):
# it inlines across modules (the data path, the resources, the models), 6%
# fewer instructions per request in bench/tiered_run (callgrind).  The
# objects are fat (machine code besides the LTO IR), so the unit tests link
# them as plain objects, without the link-time compile.  `make LTO=` skips it.
# GCC only: clang's LTO objects are bitcode, which a plain link cannot read.
ifeq ($(origin LTO),undefined)
LTO      := $(if $(shell $(CC) -v 2>&1 | grep '^gcc version'),-flto=auto -ffat-lto-objects)
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(LTO) -I. -DTIERSIM_VERSION='"$(VERSION)"' \
	     $(shell pkg-config --cflags $(PKGS) $(REF_PKGS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgsl -lgslcblas -lsqlite3 -linih -lyaml -ljansson -lzstd) -lm
TESTLIBS := -lcmocka
# The reference implementation (refimpl/) adds real I/O.
REF_PKGS := liburing libcurl openssl
REF_LIBS := $(shell pkg-config --libs $(REF_PKGS) 2>/dev/null || echo -luring -lcurl -lssl -lcrypto)

# Library: everything under sim/ (but the command), models/ and traces/.
LIB_SRC  := $(sort $(wildcard sim/*.c sim/policy/*.c models/*.c traces/*.c))
CLI_SRC  := $(sort $(wildcard sim/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
BENCH_SRC:= $(sort $(wildcard bench/*.c))
# Fuzz harnesses (tests/fuzz/fuzz_*.c; README, "Fuzzing").
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_COMMON := tests/fuzz/common.c

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/default_scenario.o
LIB      := $(BUILD)/libtiersim.a
TIERSIM  := $(BUILD)/tiersim
# refimpl/: a library of its own (real executor and backends) and tierref.
REF_SRC  := $(sort $(filter-out refimpl/tierref.c,$(wildcard refimpl/*.c)))
REF_OBJ  := $(REF_SRC:%.c=$(BUILD)/%.o)
REFLIB   := $(BUILD)/librefimpl.a
TIERREF  := $(if $(wildcard refimpl/tierref.c),$(BUILD)/tierref)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

# The sanitizer build of the unit suite lives in its own tree.
ASAN_BUILD := $(BUILD)/asan
# float-cast-overflow: not in gcc's `undefined` group, and a double too big
# for an integer is how a huge size or time in an input goes wrong.
SAN_FLAGS  := -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined,float-cast-overflow

.PHONY: all deps run test unit e2e asan fuzz-replay fuzz bench validate install clean help
.DEFAULT_GOAL := all

all: $(TIERSIM) $(TIERREF)

help:
	@echo "make            build $(TIERSIM) and $(TIERREF)"
	@echo "make run        install dependencies, build, run the default scenario"
	@echo "make test       install dependencies, run unit, end-to-end and sanitizer tests"
	@echo "make bench      run the benchmarks and print their figures"
	@echo "make validate   measure the hardware cases with tierref and predict them with tiersim"
	@echo "                (VALIDATE_RUNS, VALIDATE_CASES, VALIDATE_MIN_FREE, VALIDATE_SETTLE,"
	@echo "                VALIDATE_AZURITE_CPU: README, \"Calibration and the hardware rung\")"
	@echo "make fuzz       search each parser for crashing inputs with libFuzzer (clang)"
	@echo "                (FUZZ_SECONDS per harness, FUZZ_TARGETS: README, \"Fuzzing\")"
	@echo "make clean      remove $(BUILD)"
	@echo "make install    install under \$$DESTDIR\$$PREFIX (default $(PREFIX))"

deps:
	@sh scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	$(TIERSIM) run --out results.db

test: deps
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory asan
	@echo "make test: all suites passed"

unit: $(TESTS)
	@sh tests/run_unit.sh $(TESTS)

e2e: $(TIERSIM)
	@sh tests/run_e2e.sh $(TIERSIM)

asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CFLAGS="$(SAN_FLAGS)" LTO= \
		LDFLAGS="-fsanitize=address,undefined,float-cast-overflow" unit $(ASAN_BUILD)/tiersim
	@sh tests/run_asan_cli.sh $(ASAN_BUILD)/tiersim
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CFLAGS="$(SAN_FLAGS)" LTO= \
		LDFLAGS="-fsanitize=address,undefined,float-cast-overflow" fuzz-replay

# Every harness over its stored corpus, with driver.c for a main (the
# sanitizer build, through `make asan`).
fuzz-replay: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
	@sh tests/fuzz/replay.sh $(BUILD)/fuzz $(FUZZ_NAMES)

# (fuzz_workload.c includes fuzz_scenario.c, which includes run_tiered.c.)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(FUZZ_COMMON) $(wildcard tests/fuzz/*.h) \
		$(wildcard tests/fuzz/fuzz_scenario.c) sim/cli/run_tiered.c $(LIB) $(if $(REF_OBJ),$(REFLIB))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fno-lto $(LDFLAGS) -o $@ $< tests/fuzz/driver.c $(FUZZ_COMMON) \
		$(if $(REF_OBJ),$(REFLIB)) $(LIB) $(LDLIBS) $(REF_LIBS)

# The search itself: clang's libFuzzer, over a library built with its
# coverage hooks and the sanitizers, in a tree of its own.
FUZZ_BUILD   := $(BUILD)/libfuzzer
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_CFLAGS  := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined
fuzz:
	@sh tests/fuzz/search.sh --check "$(FUZZ_SECONDS)" $(FUZZ_TARGETS)
	@sh scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="$(FUZZ_CFLAGS)" LTO= \
		$(FUZZ_BUILD)/libtiersim.a $(if $(REF_OBJ),$(FUZZ_BUILD)/librefimpl.a)
	@for t in $(FUZZ_TARGETS); do \
		clang -std=c11 -D_GNU_SOURCE -I. $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
			$$(pkg-config --cflags $(PKGS) $(REF_PKGS) 2>/dev/null) \
			-o $(FUZZ_BUILD)/fuzz_$$t tests/fuzz/fuzz_$$t.c $(FUZZ_COMMON) \
			$(if $(REF_OBJ),$(FUZZ_BUILD)/librefimpl.a) $(FUZZ_BUILD)/libtiersim.a \
			$(LDLIBS) $(REF_LIBS) || exit 1; \
	done
	@sh tests/fuzz/search.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The hardware rung on this machine: scripts/validate.sh prints the tables.
validate: $(TIERSIM) $(TIERREF)
	@VALIDATE_RUNS=$(VALIDATE_RUNS) VALIDATE_CASES="$(VALIDATE_CASES)" VALIDATE_SETTLE=$(VALIDATE_SETTLE) VALIDATE_MIN_FREE=$(VALIDATE_MIN_FREE) VALIDATE_AZURITE_CPU=$(VALIDATE_AZURITE_CPU) sh scripts/validate.sh $(BUILD)

bench: $(BENCHES) $(TIERSIM)
	@sh bench/run.sh $(BUILD)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The bundled default scenario is compiled into the binary.
$(BUILD)/gen/default_scenario.c: scenarios/default.ini scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh tiersim_default_scenario $< > $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(TIERSIM): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LTO) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(REFLIB): $(REF_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# tierref prints tiersim's run summary and drives the same replay and jobs
# (sim/cli/run_tiered.c), so it links that file too.
$(BUILD)/tierref: $(BUILD)/refimpl/tierref.o $(BUILD)/sim/cli/run_tiered.o $(REFLIB) $(LIB)
	$(CC) $(CFLAGS) $(LTO) $(LDFLAGS) -o $@ $< $(BUILD)/sim/cli/run_tiered.o $(REFLIB) $(LIB) $(LDLIBS) $(REF_LIBS)

$(BUILD)/tests/%: tests/%.c $(LIB) $(if $(REF_OBJ),$(REFLIB))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fno-lto $(LDFLAGS) -o $@ $< $(if $(REF_OBJ),$(REFLIB)) $(LIB) $(LDLIBS) $(REF_LIBS) $(TESTLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB) $(if $(REF_OBJ),$(REFLIB))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(if $(REF_OBJ),$(REFLIB)) $(LIB) $(LDLIBS) $(REF_LIBS)

install: $(TIERSIM) $(TIERREF)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tiersim/scenarios
	install -m 755 $(TIERSIM) $(DESTDIR)$(PREFIX)/bin/tiersim
	$(if $(TIERREF),install -m 755 $(TIERREF) $(DESTDIR)$(PREFIX)/bin/tierref)
	install -d $(DESTDIR)$(PREFIX)/share/tiersim/scenarios/data
	install -m 644 scenarios/*.ini $(DESTDIR)$(PREFIX)/share/tiersim/scenarios/
	install -m 644 scenarios/data/* $(DESTDIR)$(PREFIX)/share/tiersim/scenarios/data/
	install -d $(DESTDIR)$(PREFIX)/share/tiersim/plots
	install -m 644 plots/*.gp $(DESTDIR)$(PREFIX)/share/tiersim/plots/

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(REF_OBJ:.o=.d) $(BUILD)/refimpl/tierref.d
