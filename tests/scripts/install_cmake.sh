#!/bin/sh
# make install DESTDIR=<temp>/stage PREFIX=/opt/poolmalloc, then the staged tree is moved
# elsewhere (the CMake files must locate themselves) and the consumer project
# tests/install/CMakeLists.txt finds it with find_package(poolmalloc) through
# CMAKE_PREFIX_PATH: C and C++ programs on poolmalloc::poolmalloc and poolmalloc::static
# must build and print OK. make uninstall with the same DESTDIR must remove every file.
. tests/scripts/lib/common.sh
command -v cmake >/dev/null 2>&1 || skip "cmake is not installed"
command -v make >/dev/null 2>&1 || skip "make is not installed"
make_work
STAGE=$WORK/stage

pm_make() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s BUILD="$BUILD" \
        -o "$BUILD/libpoolmalloc.so" -o "$BUILD/libpoolmalloc.a" "$@" >"$WORK/make.log" 2>&1 ||
        { cat "$WORK/make.log"; fail "make $*"; }
}

pm_make install DESTDIR="$STAGE" PREFIX=/opt/poolmalloc
[ -f "$STAGE/opt/poolmalloc/lib/cmake/poolmalloc/poolmalloc-config.cmake" ] ||
    fail "DESTDIR install did not put the CMake config under $STAGE/opt/poolmalloc"
grep -q "^lib='/opt/poolmalloc/lib/libpoolmalloc.so'" "$STAGE/opt/poolmalloc/bin/poolmalloc-run" ||
    fail "the staged poolmalloc-run does not name /opt/poolmalloc/lib (DESTDIR leaked into it?)"
mv "$STAGE/opt/poolmalloc" "$WORK/moved" || fail "mv of the installed tree"

BLD=$WORK/build
cmake -S tests/install -B "$BLD" -DCMAKE_PREFIX_PATH="$WORK/moved" -DCMAKE_BUILD_TYPE=Release \
    >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; fail "cmake configure of tests/install"; }
grep -q "poolmalloc [0-9.]* in $WORK/moved/lib/cmake/poolmalloc" "$WORK/cmake.log" ||
    { cat "$WORK/cmake.log"; fail "find_package(poolmalloc) did not report the moved tree"; }
cmake --build "$BLD" >"$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log"; fail "build of the consumer project"; }

for prog in owns_shared owns_static arena_shared arena_static; do
    check_cmake_consumer "$BLD" "$prog"
done

mv "$WORK/moved" "$STAGE/opt/poolmalloc"
pm_make uninstall DESTDIR="$STAGE" PREFIX=/opt/poolmalloc
LEFT=$(find "$STAGE" -type f -o -type l)
[ -z "$LEFT" ] || fail "make uninstall left files behind: $LEFT"
echo "install_cmake: find_package(poolmalloc) on a moved DESTDIR tree; shared and static targets print OK"
