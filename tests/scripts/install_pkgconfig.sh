#!/bin/sh
# make install PREFIX=<temp>, then build tests/install/owns.c against the installed tree with
# pkg-config, linked with the shared library and with the archive; both must print OK
# (malloc is poolmalloc's). The installed poolmalloc-run must preload the installed library.
# make uninstall must then leave no file behind.
. tests/scripts/lib/common.sh
command -v pkg-config >/dev/null 2>&1 || skip "pkg-config is not installed"
command -v make >/dev/null 2>&1 || skip "make is not installed"
make_work
PREFIX=$WORK/prefix

# pm_make TARGET...: the install rules, without rebuilding the libraries under test and
# without the jobserver of a make that may be running this script.
pm_make() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s BUILD="$BUILD" \
        -o "$BUILD/libpoolmalloc.so" -o "$BUILD/libpoolmalloc.a" "$@" >"$WORK/make.log" 2>&1 ||
        { cat "$WORK/make.log"; fail "make $*"; }
}

pm_make install PREFIX="$PREFIX"
for f in lib/libpoolmalloc.so lib/libpoolmalloc.a include/poolmalloc.h include/poolmalloc.hpp \
         include/poolmalloc_arenas.h bin/poolmalloc-run lib/pkgconfig/poolmalloc.pc \
         lib/cmake/poolmalloc/poolmalloc-config.cmake \
         lib/cmake/poolmalloc/poolmalloc-config-version.cmake; do
    [ -f "$PREFIX/$f" ] || fail "make install did not install $f"
done
[ -x "$PREFIX/bin/poolmalloc-run" ] || fail "installed poolmalloc-run is not executable"

PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
export PKG_CONFIG_PATH
# pc ARGS...: pkg-config ARGS poolmalloc, blanks collapsed (pkgconf leaves a trailing one).
pc() {
    _pc=$(pkg-config "$@" poolmalloc) || fail "pkg-config $* poolmalloc failed"
    echo $_pc
}
pkg-config --exists poolmalloc || fail "pkg-config does not find poolmalloc in $PKG_CONFIG_PATH"
[ -n "$(pc --modversion)" ] || fail "pkg-config --modversion poolmalloc is empty"
[ "$(pc --cflags)" = "-I$PREFIX/include" ] || fail "pkg-config --cflags: '$(pc --cflags)'"
[ "$(pc --libs)" = "-L$PREFIX/lib -lpoolmalloc" ] || fail "pkg-config --libs: '$(pc --libs)'"
for want in -lpoolmalloc -lstdc++ -pthread; do
    case " $(pc --static --libs) " in
        *" $want "*) ;;
        *) fail "pkg-config --static --libs lacks $want: '$(pc --static --libs)'" ;;
    esac
done
[ "$(pc --variable=libdir)" = "$PREFIX/lib" ] || fail "libdir is '$(pc --variable=libdir)'"

CFLAGS="-std=c11 -O2 -Wall -Wextra -Werror -fno-builtin"
# Shared: linked with -lpoolmalloc, found at run time through LD_LIBRARY_PATH.
# shellcheck disable=SC2046  # pkg-config output is meant to be split into words
$CC $CFLAGS tests/install/owns.c $(pc --cflags --libs) -o "$WORK/owns_shared" ||
    fail "build of owns.c with pkg-config --cflags --libs poolmalloc failed"
readelf -d "$WORK/owns_shared" | grep -q 'NEEDED.*\[libpoolmalloc\.so\]' ||
    fail "owns_shared does not depend on libpoolmalloc.so"
OUT=$(env -u LD_PRELOAD LD_LIBRARY_PATH="$PREFIX/lib" timeout -k 2 10 "$WORK/owns_shared") ||
    fail "owns_shared (installed libpoolmalloc.so): exit status $? ($OUT)"
[ "$OUT" = OK ] || fail "owns_shared printed '$OUT'"

# Static: the archive by name (-l:libpoolmalloc.a) plus the private libraries.
LIBS=$(pc --static --libs | sed 's/-lpoolmalloc\b/-l:libpoolmalloc.a/')
# shellcheck disable=SC2086
$CC $CFLAGS tests/install/owns.c $(pc --cflags) $LIBS -o "$WORK/owns_static" ||
    fail "build of owns.c with the archive ($LIBS) failed"
! readelf -d "$WORK/owns_static" | grep -q 'libpoolmalloc\.so' ||
    fail "owns_static depends on libpoolmalloc.so although linked with the archive"
OUT=$(env -u LD_PRELOAD -u LD_LIBRARY_PATH timeout -k 2 10 "$WORK/owns_static") ||
    fail "owns_static (installed libpoolmalloc.a): exit status $? ($OUT)"
[ "$OUT" = OK ] || fail "owns_static printed '$OUT'"

# The installed launcher preloads the installed library.
[ "$(env -u LD_PRELOAD "$PREFIX/bin/poolmalloc-run" sh -c 'printf %s "$LD_PRELOAD"')" = \
  "$PREFIX/lib/libpoolmalloc.so" ] || fail "installed poolmalloc-run does not preload $PREFIX/lib"
if [ -x "$PROGS/launcher_probe" ]; then
    OUT=$(env -u LD_PRELOAD timeout -k 2 10 "$PREFIX/bin/poolmalloc-run" "$PROGS/launcher_probe") ||
        fail "launcher_probe under the installed poolmalloc-run: exit status $?"
    [ "$OUT" = "poolmalloc: yes" ] || fail "installed poolmalloc-run: probe printed '$OUT'"
fi

pm_make uninstall PREFIX="$PREFIX"
LEFT=$(find "$PREFIX" -type f -o -type l)
[ -z "$LEFT" ] || fail "make uninstall left files behind: $LEFT"
[ ! -e "$PREFIX/lib/cmake/poolmalloc" ] || fail "make uninstall left lib/cmake/poolmalloc"
echo "install_pkgconfig: shared and static builds through pkg-config print OK; uninstall is clean"
