#!/bin/sh
# FetchContent: a consumer project (tests/fetchcontent) takes poolmalloc in with
# FetchContent_Declare + FetchContent_MakeAvailable, offline: once with SOURCE_DIR (the
# checkout as it is) and, where this is a git checkout, once with GIT_REPOSITORY file://
# of it at its HEAD commit. Each links a C program with poolmalloc::poolmalloc and with
# poolmalloc::static, which must print OK (their malloc is poolmalloc's: pm_owns).
. tests/scripts/lib/common.sh
command -v cmake >/dev/null 2>&1 || skip "cmake is not installed (apt-get install -y cmake)"
make_work
SRC=$(pwd)
# consume LABEL CMAKE-ARGS...: configure, build and run the consumer.
consume() {
    _label=$1; shift
    _bld=$WORK/$_label
    cmake -S tests/fetchcontent -B "$_bld" -DCMAKE_BUILD_TYPE=Release -DFETCHCONTENT_QUIET=OFF \
        -DFETCHCONTENT_BASE_DIR="$WORK/deps-$_label" "$@" >"$WORK/$_label.cmake.log" 2>&1 ||
        { cat "$WORK/$_label.cmake.log"; fail "$_label: cmake configure of tests/fetchcontent"; }
    cmake --build "$_bld" -j2 >"$WORK/$_label.build.log" 2>&1 ||
        { tail -30 "$WORK/$_label.build.log"; fail "$_label: build of the FetchContent consumer"; }
    for prog in owns_shared owns_static; do
        check_cmake_consumer "$_bld" "$prog"
    done
}
consume source_dir -DPOOLMALLOC_SOURCE="$SRC"
done="SOURCE_DIR"
if command -v git >/dev/null 2>&1 && TAG=$(git -C "$SRC" rev-parse --verify -q HEAD 2>/dev/null); then
    # no proxy or credential helper can matter: the URL is a local path
    GIT_TERMINAL_PROMPT=0 consume git -DPOOLMALLOC_GIT="file://$SRC" -DPOOLMALLOC_TAG="$TAG"
    done="$done and GIT_REPOSITORY file:// at HEAD"
fi
echo "cmake_fetchcontent: FetchContent consumer ($done), shared and static targets print OK"
exit 0
