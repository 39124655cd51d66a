# Scoped arenas (runtime/arenas/, include/poolmalloc.hpp, include/poolmalloc_arenas.h).
#   make bench-arenas   builds $(BUILD)/bench/arenas_bench (linked with libpoolmalloc.a) and
#                       runs it: arenas against std::pmr resources and malloc, same patterns.
# bench/bench.mk may define the same target; this rule is the fallback when it does not, so
# the two never give make two recipes for one target.
ifeq ($(shell grep -qs '^bench-arenas:' bench/bench.mk && echo yes),)
.PHONY: bench-arenas
ARENAS_BENCH := $(BUILD)/bench/arenas_bench

$(ARENAS_BENCH): bench/micro/arenas_bench.cpp $(LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_FLAGS) -fno-builtin-malloc -fno-builtin-free $< -o $@ $(LIB) \
	  -lbenchmark -lbenchmark_main -pthread

# Best of REPS runs of each benchmark (10 of 0.2 s; QUICK=1: 3 of 0.05 s), then the ratios per
# pattern. The runs of all benchmarks are interleaved at random, so that a change in the
# machine's load (a shared host) falls on the arena and on its rivals alike.
REPS ?= $(if $(QUICK),3,10)
bench-arenas: $(ARENAS_BENCH)
	$(ARENAS_BENCH) --benchmark_repetitions=$(REPS) --benchmark_enable_random_interleaving=true \
	  --benchmark_min_time=$(if $(QUICK),0.05,0.2) \
	  --benchmark_out=$(BUILD)/bench/arenas.json --benchmark_out_format=json
	python3 bench/arenas_ratios.py $(BUILD)/bench/arenas.json
endif
