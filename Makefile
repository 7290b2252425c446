# loghaul — one top-level GNU Makefile.
#
#   make               all binaries into build/bin
#   make test          install missing deps, build, run every test (Criterion)
#   make check         the same minus the slow suites (SLOW_SUITES): < 1 min
#   make test-asan     the same tests under AddressSanitizer + UBSan
#   make test-tsan     the tests of the threaded code under ThreadSanitizer
#   make demo          simulated routers, the whole pipeline, live alerts
#   make fuzz          each fuzz target for FUZZ_SECONDS (libFuzzer, clang)
#   make clean
#
# WERROR=1 turns warnings into errors (CI sets it). V=1 shows full commands.

PKG_CONFIG ?= pkg-config
PKGS       := libssh libzmq libpcre2-8 msgpack yaml-0.1 libcurl libmicrohttpd
TEST_PKGS  := criterion
FIXTURES   ?= $(CURDIR)/tests/fixtures/real
FUZZ_SECONDS ?= 60

CC       ?= cc
OPT      ?= -O2
BUILD    ?= build
WARN     := -std=c11 -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
	    -Wmissing-declarations -Wshadow -Wpointer-arith -Wcast-qual \
	    -Wsign-compare -Werror=implicit-function-declaration
ifeq ($(WERROR),1)
WARN     += -Werror
endif
ifneq ($(SANITIZER),)
SANFLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

# A missing library is named before anything compiles (pkgcheck), not left
# to a confusing compiler error; scripts/install-deps knows its package.
PKG_MISSING := $(shell for m in $(PKGS); do $(PKG_CONFIG) --exists $$m || echo $$m; done)
TEST_PKG_MISSING := $(shell for m in $(TEST_PKGS); do $(PKG_CONFIG) --exists $$m || echo $$m; done)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) 2>/dev/null)

CPPFLAGS += -D_GNU_SOURCE -I. -MMD -MP
ALL_CFLAGS = $(WARN) $(OPT) -g $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lm -lpthread
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Entry points are the *main.c files; everything else in a directory goes
# into that directory's library so tests can link it.
COMMON_SRC    := $(wildcard common/*.c)
COLLECTOR_SRC := $(filter-out %main.c,$(wildcard collector/*.c))
ANALYZER_SRC  := $(filter-out %main.c,$(wildcard analyzer/*.c))
ALERTS_SRC    := $(filter-out %main.c,$(wildcard analyzer/alerts/*.c))
DEVSIM_SRC    := $(wildcard tests/devsim/*.c)
# TEST_GLOB narrows the test binary to some files while developing.
TEST_SRC      := $(wildcard $(or $(TEST_GLOB),tests/unit/*.c tests/integration/*.c) tests/support/*.c)
FUZZ_SRC      := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBCOMMON    := $(BUILD)/libcommon.a
LIBCOLLECTOR := $(BUILD)/libcollector.a
LIBANALYZER  := $(BUILD)/libanalyzer.a
LIBALERTS    := $(BUILD)/libalerts.a

BINS := $(if $(wildcard collector/main.c),$(BUILD)/bin/loghaul-collector) \
	$(if $(wildcard analyzer/main.c),$(BUILD)/bin/loghaul-analyzer) \
	$(if $(wildcard analyzer/alerts/main.c),$(BUILD)/bin/loghaul-alerts) \
	$(if $(wildcard collector/ctl_main.c),$(BUILD)/bin/loghaulctl) \
	$(if $(DEVSIM_SRC),$(BUILD)/bin/devsim)
TESTBIN := $(BUILD)/bin/loghaul-tests

.SECONDARY:
.PHONY: all deps test check test-asan test-tsan test-valgrind soak fuzz fuzz-build clean demo
all: $(BINS)

deps:
	@scripts/install-deps

.PHONY: pkgcheck testpkgcheck
pkgcheck:
	@$(if $(PKG_MISSING),scripts/install-deps --check $(PKG_MISSING))
testpkgcheck:
	@$(if $(TEST_PKG_MISSING),scripts/install-deps --check $(TEST_PKG_MISSING))

$(BUILD)/obj/%.o: %.c | pkgcheck
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(TEST_CFLAGS_$(findstring tests/,$<)) -c -o $@ $<

TEST_CFLAGS_tests/ = $(TEST_CFLAGS)
$(call obj,$(TEST_SRC)): | testpkgcheck

$(LIBCOMMON): $(call obj,$(COMMON_SRC))
$(LIBCOLLECTOR): $(call obj,$(COLLECTOR_SRC))
$(LIBANALYZER): $(call obj,$(ANALYZER_SRC))
$(LIBALERTS): $(call obj,$(ALERTS_SRC))
$(LIBCOMMON) $(LIBCOLLECTOR) $(LIBANALYZER) $(LIBALERTS):
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^ $(if $^,,--)

define link
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS_ALL) $(1)
endef

$(BUILD)/bin/loghaul-collector: $(call obj,collector/main.c) $(LIBCOLLECTOR) $(LIBCOMMON)
	$(call link)
$(BUILD)/bin/loghaul-analyzer: $(call obj,analyzer/main.c) $(LIBANALYZER) $(LIBCOMMON)
	$(call link)
# The alert stage is its own program: it links its library and common/ only.
$(BUILD)/bin/loghaul-alerts: $(call obj,analyzer/alerts/main.c) $(LIBALERTS) $(LIBCOMMON)
	$(call link)
$(BUILD)/bin/loghaulctl: $(call obj,collector/ctl_main.c) $(LIBCOMMON)
	$(call link)
$(BUILD)/bin/devsim: $(call obj,$(DEVSIM_SRC)) $(LIBCOMMON)
	$(call link)
$(TESTBIN): $(call obj,$(TEST_SRC)) $(LIBCOLLECTOR) $(LIBANALYZER) $(LIBALERTS) $(LIBCOMMON)
	$(call link,$(TEST_LIBS))

# Tests find the binaries, fixtures and sources through the environment.
TEST_ENV = LOGHAUL_BIN=$(abspath $(BUILD)/bin) LOGHAUL_FIXTURES=$(FIXTURES) \
	   LOGHAUL_SRC=$(CURDIR) \
	   LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
CRITERION_ARGS ?= --jobs 2

test: deps
	$(MAKE) --no-print-directory $(BINS) $(TESTBIN)
	$(TEST_ENV) $(TESTBIN) $(CRITERION_ARGS)
	@if [ -n "$(FUZZ_SRC)" ]; then $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(or $(FUZZ_SMOKE),10); fi

# The edit-compile-test loop: every suite but these, which run whole
# pipelines, crash and restart daemons or wait out real timeouts (10 s to
# 150 s each; all of them together are most of make test's minutes).
# Under a minute on two cores; make test stays the full suite.
SLOW_SUITES := pipeline collector_crash collector_killpoints devsim netns \
	hostile_device hostile_peer collector collector_faults collector_incremental \
	devsim_iftable collector_snapshot reconcile
empty :=
space := $(empty) $(empty)
check: deps
	$(MAKE) --no-print-directory $(BINS) $(TESTBIN)
	$(TEST_ENV) $(TESTBIN) --filter '!($(subst $(space),|,$(strip $(SLOW_SUITES))))/*' $(CRITERION_ARGS)

test-asan: deps
	$(MAKE) --no-print-directory BUILD=build-asan SANITIZER=address,undefined OPT=-O1 \
		FUZZ_SRC= test

# The threads under ThreadSanitizer: the daemons are built with
# -fsanitize=thread into build-tsan/bin (the collector's resolver threads of
# getaddrinfo_a and its pthread_once, the alert stage's Alertmanager and
# webhook senders, the ZAP thread, libmicrohttpd's metrics thread, devsim's
# session threads) and the tests of TSAN_TESTS run them. The test binary
# itself is built without: Criterion cannot start under TSan (BoxFort maps
# its arena at random fixed addresses inside TSan's shadow range; Criterion
# issue #274), so code the tests run in-process is not checked here. Every
# report goes to build-tsan/reports/tsan.PID (log_path) and fails the
# target, whether or not a test noticed. tests/tsan.supp holds only races
# inside uninstrumented third-party libraries, each with the reason.
TSAN_BUILD   := build-tsan
TSAN_REPORTS := $(abspath $(TSAN_BUILD))/reports
TSAN_TESTS   ?= tests/integration/test_collector.c \
	tests/integration/test_alertmanager.c tests/integration/test_alerts_daemon.c \
	tests/integration/test_pipeline.c
test-tsan: deps
	$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) SANITIZER=thread OPT=-O1 \
		$(patsubst $(BUILD)/%,$(TSAN_BUILD)/%,$(BINS))
	$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD)/criterion \
		TEST_GLOB='$(TSAN_TESTS)' $(TSAN_BUILD)/criterion/bin/loghaul-tests
	rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	LOGHAUL_BIN=$(abspath $(TSAN_BUILD))/bin LOGHAUL_FIXTURES=$(FIXTURES) \
	LOGHAUL_SRC=$(CURDIR) TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp \
	log_path=$(TSAN_REPORTS)/tsan second_deadlock_stack=1 $(TSAN_OPTIONS)" \
		$(TSAN_BUILD)/criterion/bin/loghaul-tests $(CRITERION_ARGS); rc=$$?; \
	if grep -qsE '^(WARNING|ERROR|FATAL): ThreadSanitizer' $(TSAN_REPORTS)/tsan.*; then \
		cat $(TSAN_REPORTS)/tsan.*; \
		echo "test-tsan: ThreadSanitizer reports above ($(TSAN_REPORTS))"; exit 1; \
	fi; exit $$rc

# The daemons under valgrind in a short real pipeline:
# any memory error or definite leak fails (scripts/test-valgrind).
test-valgrind: deps
	$(MAKE) --no-print-directory $(BINS)
	scripts/test-valgrind $(abspath $(BUILD)/bin)

# The load test, minutes, not in CI: SOAK_SECONDS (default 900: the
# alert stage's late-event history fills for 10 minutes, so flatness is
# judged after that), SOAK_DEVICES (default 500); RSS series and slopes,
# loss, duplicates, alert latency (scripts/soak).
SOAK_SECONDS ?= 900
SOAK_DEVICES ?= 500
soak: deps
	$(MAKE) --no-print-directory $(BINS)
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_DEVICES=$(SOAK_DEVICES) scripts/soak $(abspath $(BUILD)/bin)

# libFuzzer targets: each links the libraries rebuilt with clang + sanitizers.
FUZZ_BUILD := build-fuzz
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/bin/%,$(FUZZ_SRC))
fuzz-build:
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 \
		SANITIZER=fuzzer-no-link,address,undefined \
		$(FUZZ_BUILD)/libcommon.a $(FUZZ_BUILD)/libcollector.a $(FUZZ_BUILD)/libanalyzer.a \
		$(FUZZ_BUILD)/libalerts.a $(FUZZ_BINS)
$(FUZZ_BUILD)/bin/%: $(FUZZ_BUILD)/obj/tests/fuzz/%.o $(FUZZ_BUILD)/libcollector.a $(FUZZ_BUILD)/libanalyzer.a \
		$(FUZZ_BUILD)/libalerts.a $(FUZZ_BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZLD  $@")
	$(Q)clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS_ALL)
fuzz: fuzz-build
	@scripts/run-fuzz $(FUZZ_BUILD)/bin $(FUZZ_SECONDS) $(FIXTURES)

# The README's first command: simulated routers, the whole pipeline, live alerts.
demo: deps
	$(MAKE) --no-print-directory $(BINS)
	LOGHAUL_BIN=$(abspath $(BUILD)/bin) scripts/demo

clean:
	rm -rf $(BUILD) build build-asan build-fuzz build-tsan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Benchmarks: each tests/bench/bench_*.c is a program in
# $(BUILD)/bin, linked with the other tests/bench/*.c and the libraries.
# `make bench` runs them all beside their peers (scripts/bench): one table,
# results/bench.md and results/bench.json. Not a test; takes about 5 min.
BENCH_SRC  := $(wildcard tests/bench/bench_*.c)
BENCH_LIB  := $(filter-out $(BENCH_SRC),$(wildcard tests/bench/*.c))
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bin/%,$(BENCH_SRC))
$(BENCH_BINS): $(BUILD)/bin/%: $(BUILD)/obj/tests/bench/%.o $(call obj,$(BENCH_LIB)) \
		$(LIBCOLLECTOR) $(LIBANALYZER) $(LIBALERTS) $(LIBCOMMON)
	$(call link)
.PHONY: bench
bench: deps
	@scripts/install-deps --bench
	$(MAKE) --no-print-directory $(BINS) $(BENCH_BINS)
	BUILD=$(BUILD) LOGHAUL_BIN=$(abspath $(BUILD)/bin) scripts/bench
