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

bench-arenas: $(ARENAS_BENCH)
	$(ARENAS_BENCH) $(if $(QUICK),--benchmark_min_time=0.05)
endif
