# poolmalloc build. `make` builds the libraries, `make test` builds and runs every test,
# `make bench` runs the side-by-side comparison (see bench/bench.mk).
CXX      ?= g++
CC       ?= gcc
# DEBUG=1: the invariant checks (PM_ASSERT, runtime/debug.hpp) on, less optimisation, its
# own build folder; `make test-debug` runs the unit and API suites against it.
ifeq ($(DEBUG),1)
BUILD    ?= build-debug
OPT      ?= -O1
DEBUG_FLAGS := -DPM_DEBUG
endif
BUILD    ?= build
OPT      ?= -O2

# Flags for the allocator itself: no exceptions or RTTI, hidden symbols, initial-exec TLS,
# and no builtin knowledge of malloc (GCC must not turn our own code into calls to it).
RT_FLAGS := -std=c++20 $(OPT) -g -fPIC -Wall -Wextra -Werror -Iinclude -Iruntime \
            -fno-exceptions -fno-rtti -fvisibility=hidden -fvisibility-inlines-hidden \
            -ftls-model=initial-exec -fno-plt -fno-builtin-malloc -fno-builtin-free \
            -fno-builtin-calloc -fno-builtin-realloc -fno-stack-protector \
            -fno-semantic-interposition $(DEBUG_FLAGS)
# The interpose layer throws std::bad_alloc from operator new, so it keeps exceptions.
IP_FLAGS := $(filter-out -fno-exceptions -fno-rtti,$(RT_FLAGS))
# Tests and benchmarks are ordinary C++ programs.
TEST_FLAGS := -std=c++20 $(OPT) -g -Wall -Wextra -Werror -Iinclude -pthread

RT_SRC  := $(sort $(wildcard runtime/*.cpp runtime/arenas/*.cpp))
RT_OBJ  := $(RT_SRC:%.cpp=$(BUILD)/obj/%.o)
IP_OBJ  := $(BUILD)/obj/interpose/interpose.o
HEADERS := $(wildcard include/*.h include/*.hpp runtime/*.hpp runtime/arenas/*.hpp)

SO  := $(BUILD)/libpoolmalloc.so
LIB := $(BUILD)/libpoolmalloc.a

.PHONY: all test clean check-unit check-api check-scripts test-asan test-tsan test-debug
all: $(SO) $(LIB)

# Each object depends on the headers it includes, as the compiler lists them (-MMD) in a
# .d file beside it; -MP keeps a removed header from breaking the build.
DEP_FLAGS := -MMD -MP

$(BUILD)/obj/runtime/%.o: runtime/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(RT_FLAGS) $(DEP_FLAGS) -c $< -o $@

$(IP_OBJ): interpose/interpose.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(IP_FLAGS) $(DEP_FLAGS) -c $< -o $@

-include $(RT_OBJ:.o=.d) $(IP_OBJ:.o=.d)
# An object built before the .d files existed depends on every header until it is rebuilt.
$(foreach o,$(RT_OBJ) $(IP_OBJ),$(if $(wildcard $(o:.o=.d)),,$(eval $(o): $(HEADERS))))

$(SO): $(RT_OBJ) $(IP_OBJ)
	$(CXX) -shared -o $@ $^ -Wl,-z,now -Wl,-soname,libpoolmalloc.so -pthread

$(LIB): $(RT_OBJ) $(IP_OBJ)
	@rm -f $@
	ar rcs $@ $^

# ---- tests -------------------------------------------------------------------------------
# tests/unit:  GoogleTest suites on the pm_ API only (also built with sanitizers).
# tests/api:   GoogleTest suites on the exported symbols (malloc, new, ...), linked statically.
# tests/programs: one program per file, run by the scripts (under LD_PRELOAD, linked, ...).
# tests/scripts:  shell checks; each exits 0 (pass), 77 (skipped, with the reason) or fails.
UNIT_SRC := $(sort $(wildcard tests/unit/*.cpp))
API_SRC  := $(sort $(wildcard tests/api/*.cpp))
PROG_SRC := $(sort $(wildcard tests/programs/*.c tests/programs/*.cpp))
PROGS    := $(patsubst tests/programs/%,$(BUILD)/tests/programs/%,$(basename $(PROG_SRC)))
GTEST    := -lgtest -lgtest_main -pthread

$(BUILD)/tests/unit_tests: $(UNIT_SRC) $(LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_FLAGS) $(UNIT_SRC) -o $@ $(LIB) $(GTEST)

$(BUILD)/tests/api_tests: $(API_SRC) $(LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_FLAGS) -fno-builtin $(API_SRC) -o $@ $(LIB) $(GTEST)

$(BUILD)/tests/programs/%: tests/programs/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Iinclude -fno-builtin -pthread $< -o $@

$(BUILD)/tests/programs/%: tests/programs/%.cpp $(HEADERS)
	@mkdir -p $(dir $@)
	$(CXX) $(TEST_FLAGS) -fno-builtin $< -o $@

check-unit: $(BUILD)/tests/unit_tests
	$(BUILD)/tests/unit_tests

check-api: $(BUILD)/tests/api_tests
	$(BUILD)/tests/api_tests

check-scripts: all $(PROGS)
	BUILD=$(BUILD) CC=$(CC) CXX=$(CXX) tests/run_scripts.sh

test: all
	$(MAKE) check-unit
	$(MAKE) check-api
	$(MAKE) check-scripts

# ---- sanitizer builds of the pm_ API tests (no interposition) ------------------------------
comma := ,
SAN_RT_FLAGS = $(filter-out -fno-exceptions -fno-rtti -fno-stack-protector,$(RT_FLAGS))
define sanitizer_build
$(BUILD)-$(1)/unit_tests: $(RT_SRC) $(UNIT_SRC) $(HEADERS)
	@rm -rf $(BUILD)-$(1)/obj && mkdir -p $(BUILD)-$(1)/obj
	cd $(BUILD)-$(1)/obj && for f in $(RT_SRC); do \
	  $(CXX) $$(SAN_RT_FLAGS:-I%=-I$(CURDIR)/%) -O1 $(2) -DPM_SANITIZER_BUILD -c $(CURDIR)/$$$$f \
	    -o $$$$(echo $$$$f | tr / _).o || exit 1; done
	$(CXX) $(TEST_FLAGS) -O1 $(2) -DPM_SANITIZER_BUILD $(UNIT_SRC) $(BUILD)-$(1)/obj/*.o -o $$@ $(GTEST)
endef
$(eval $(call sanitizer_build,asan,-fsanitize=address$(comma)undefined -fno-sanitize-recover=undefined))
$(eval $(call sanitizer_build,tsan,-fsanitize=thread))

test-asan: $(BUILD)-asan/unit_tests
	ASAN_OPTIONS=detect_leaks=0 $(BUILD)-asan/unit_tests

test-tsan: $(BUILD)-tsan/unit_tests
	$(BUILD)-tsan/unit_tests

# The unit and API suites with every PM_ASSERT on (make DEBUG=1 builds the same objects).
test-debug:
	$(MAKE) DEBUG=1 BUILD=$(BUILD)-debug check-unit check-api

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-debug

# Targets that other parts of the tree add (benchmarks, install, soak runs).
-include bench/bench.mk
-include $(sort $(wildcard mk/*.mk))
