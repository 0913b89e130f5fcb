# wksjobs - the README's commands.  Everything builds with CMake into build/
# (and build-asan/ for the sanitizer run); `make deps` installs what is
# missing first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
DATA       ?= ./data
JOBS       ?= 2

.PHONY: all deps build run test test-fast test-asan bench clean format

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	@scripts/run.sh $(BUILD)/wksjobs $(DATA)

# Every test, in the normal build and again under ASan+UBSan(+LSan).
test: build
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DWKSJOBS_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j$(JOBS)

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build
	@WKSJOBS_BENCH_DEPS=1 scripts/deps.sh
	@bench/run.sh $(BUILD)/wksjobs

format:
	clang-format -i src/*.c src/*/*.c src/*/*.h tests/unit/*/*.c

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
