#!/bin/sh
# The top-level CMakeLists.txt: a consumer project (tests/subdir) takes the checkout in with
# add_subdirectory() and links a C program with poolmalloc::poolmalloc and with
# poolmalloc::static; both must print OK (their malloc is poolmalloc's: pm_owns), the
# shared one needing libpoolmalloc.so and the static one not. The CMake-built libraries
# must export the same symbols as the Makefile's.
. tests/scripts/lib/common.sh
command -v cmake >/dev/null 2>&1 || skip "cmake is not installed (apt-get install -y cmake)"
make_work
SRC=$(pwd)
BLD=$WORK/build
cmake -S tests/subdir -B "$BLD" -DPOOLMALLOC_SOURCE="$SRC" -DCMAKE_BUILD_TYPE=Release \
    >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; fail "cmake configure of tests/subdir"; }
cmake --build "$BLD" -j2 >"$WORK/build.log" 2>&1 ||
    { tail -30 "$WORK/build.log"; fail "build of the add_subdirectory consumer"; }
for prog in owns_shared owns_static; do
    check_cmake_consumer "$BLD" "$prog"
done
SO=$(find "$BLD" -name libpoolmalloc.so | head -1)
[ -n "$SO" ] || fail "the CMake build made no libpoolmalloc.so"
exports() { nm -D --defined-only "$1" | awk '$2 ~ /[TWiV]/ {print $3}' | sort; }
exports "$BUILD/libpoolmalloc.so" >"$WORK/make.syms"
exports "$SO" >"$WORK/cmake.syms"
diff "$WORK/make.syms" "$WORK/cmake.syms" >"$WORK/syms.diff" ||
    { cat "$WORK/syms.diff"; fail "the CMake and make libraries export different symbols"; }
echo "cmake_subdir: add_subdirectory consumer, shared and static targets print OK; same exports as make"
exit 0
