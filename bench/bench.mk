# Benchmarks (included by the Makefile). See docs/benchmarks.md.
#   make bench            every benchmark under poolmalloc, jemalloc, mimalloc, tcmalloc and
#                         glibc, interleaved; report in bench/results/ (QUICK=1: a few minutes)
#   make bench-first      the first side-by-side: small pairs, batches, two-thread
#                         producer/consumer (Google Benchmark), ratios to jemalloc on stdout
#   make bench-instr      instructions per malloc+free pair under callgrind, alone
#   make bench-scaling    larson, glibc-thread, xmalloc, rptest at 1..16 threads under each
#                         allocator; rewrites the "Thread scaling" section of docs/benchmarks.md
#                         (QUICK=1: about a minute; SCALING_ARGS passes options to the script)
#   (make bench-arenas, the scoped-arena benchmarks, lives in mk/arenas.mk)
# BENCH_ARGS passes more options to bench/run.py (see bench/run.py --help), e.g.
#   make bench QUICK=1 BENCH_ARGS='--only larson --allocators poolmalloc,jemalloc'
.PHONY: bench bench-first bench-instr bench-deps bench-build bench-scaling

BENCH_PY   ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
BENCH_DIR  := $(BUILD)/bench
# The benchmark programs are plain programs NOT linked with poolmalloc: the runner starts the
# same binary under each allocator. -fno-builtin-* and -fno-allocation-dce keep GCC from
# folding malloc/free or new/delete pairs away.
BENCH_NOFOLD := -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc \
                $(shell $(CXX) -fno-allocation-dce -E -x c++ /dev/null >/dev/null 2>&1 && \
                  echo -fno-allocation-dce)
BENCH_FLAGS  := -std=c++20 $(OPT) -g -Wall -Wextra -Werror -pthread $(BENCH_NOFOLD)

BENCH_MICRO_SRC := $(sort $(filter-out bench/micro/arenas_bench.cpp,$(wildcard bench/micro/*.cpp)))
BENCH_WL_SRC    := $(sort $(wildcard bench/workloads/*.cpp))
BENCH_WL_BIN    := $(patsubst bench/workloads/%.cpp,$(BENCH_DIR)/workloads/%,$(BENCH_WL_SRC))
BENCH_TOOLS     := $(BENCH_DIR)/pmrun $(BENCH_DIR)/instr_pair
BENCH_BINS      := $(BENCH_DIR)/micro_bench $(BENCH_TOOLS) $(BENCH_WL_BIN)
BENCH_SCALING_BINS := $(BENCH_TOOLS) $(addprefix $(BENCH_DIR)/workloads/,larson glibc_thread xmalloc rptest)
BENCH_RUN       := $(BENCH_PY) bench/run.py --build $(BUILD) $(if $(QUICK),--quick) $(BENCH_ARGS)

# Google Benchmark comes with the packages bench-deps installs: check them first, even under -j.
$(BENCH_DIR)/micro_bench: $(BENCH_MICRO_SRC) bench/micro/micro.hpp | bench-deps
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_FLAGS) $(BENCH_MICRO_SRC) -o $@ -lbenchmark_main -lbenchmark

$(BENCH_DIR)/workloads/%: bench/workloads/%.cpp bench/workloads/workload.hpp
	@mkdir -p $(dir $@)
	$(CXX) $(BENCH_FLAGS) $< -o $@

$(BENCH_DIR)/instr_pair: bench/instr/pair.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -fno-builtin -fno-plt $< -o $@

$(BENCH_DIR)/pmrun: bench/tools/pmrun.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(OPT) -Wall -Wextra -Werror $< -o $@

# Peers, valgrind, gnuplot: installed with apt-get as root, else the command is printed.
bench-deps:
	@sh bench/deps.sh chart

bench-build: $(BENCH_BINS)

bench: all bench-deps bench-build
	$(BENCH_RUN)

bench-first: all bench-deps $(BENCH_DIR)/micro_bench $(BENCH_TOOLS)
	$(BENCH_RUN) --first

bench-instr: all bench-deps $(BENCH_TOOLS)
	$(BENCH_RUN) --suites instr

bench-scaling: all bench-deps $(BENCH_SCALING_BINS)
	$(BENCH_PY) bench/tools/scaling.py --build $(BUILD) $(if $(QUICK),--quick) --doc docs/benchmarks.md $(SCALING_ARGS)
