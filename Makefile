# wksjobs - the README's commands.  Everything builds with CMake into build/
# (and build-asan/ for the sanitizer run); `make deps` installs what is
# missing first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
DATA       ?= ./data
CLUSTER_DATA ?= ./data-cluster
# make soak's length in minutes (scripts/soak.sh's default, 20, when not given).
SOAK_MINUTES ?=
# make run's simulating worker fails this share of sub-jobs (0..1; run.sh's
# default, 0.25, when not given).
FAIL_RATE  ?=
JOBS       ?= 2
PREFIX     ?= /usr/local
DESTDIR    ?=
DEB_BUILD  ?= build-deb

.PHONY: all deps build run run-cluster soak test test-fast test-asan bench clean format fuzz \
	install deb test-package

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	@$(if $(FAIL_RATE),WKSJOBS_DEMO_FAIL_RATE=$(FAIL_RATE) )scripts/run.sh $(BUILD)/wksjobs $(DATA)

# Three nodes on a throwaway PostgreSQL behind HAProxy, two simulating
# workers and demo jobs (scripts/run-cluster.sh); Ctrl-C stops them all.
run-cluster: build
	@$(if $(FAIL_RATE),WKSJOBS_DEMO_FAIL_RATE=$(FAIL_RATE) )scripts/run-cluster.sh $(BUILD)/wksjobs $(CLUSTER_DATA)

# Create -> claim -> finish -> delete at half the peak rate against a
# cluster on PostgreSQL for SOAK_MINUTES (20), sampling sizes and claim
# p99 every 30 s into a CSV and a PNG (scripts/soak.sh); not in make test.
soak: build
	@WKSJOBS_BENCH_DEPS=1 scripts/deps.sh
	@$(if $(SOAK_MINUTES),SOAK_MINUTES=$(SOAK_MINUTES) )scripts/soak.sh $(BUILD)/wksjobs

# Every test, in the normal build and again under ASan+UBSan(+LSan).
test: build
	@WKSJOBS_PKG_DEPS=1 scripts/deps.sh
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWKSJOBS_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j$(JOBS)
	@if command -v clang >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=30; \
	else echo "clang not found: fuzzers skipped (make fuzz needs it)"; fi

# Every libFuzzer harness (fuzz/) for FUZZ_SECONDS each, one at a time,
# built with clang + ASan + UBSan; findings land in $(FUZZ_BUILD)/fuzz-artifacts.
fuzz:
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWKSJOBS_FUZZ=ON \
	    -DFUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS)
	cd $(FUZZ_BUILD) && ctest -L fuzz --output-on-failure -j1

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The binary, man pages, bash completion, example configuration and
# systemd unit under DESTDIR/PREFIX (what the package installs).
install: build
	@WKSJOBS_PKG_DEPS=1 scripts/deps.sh
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# $(DEB_BUILD)/wksjobs_<version>_<arch>.deb, checked by lintian and
# systemd-analyze (packaging/deb.sh).
deb: deps
	@WKSJOBS_PKG_DEPS=1 scripts/deps.sh
	@JOBS=$(JOBS) packaging/deb.sh $(DEB_BUILD)

# Install, upgrade, remove and purge the package in a Debian chroot made
# by debootstrap in a temporary directory (not part of make test).
test-package: deb
	@packaging/test-package.sh $(DEB_BUILD)

bench: build
	@WKSJOBS_BENCH_DEPS=1 scripts/deps.sh
	@bench/run.sh $(BUILD)/wksjobs

format:
	clang-format -i src/*.c src/*/*.c src/*/*.h tests/unit/*/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEB_BUILD)
