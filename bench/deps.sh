#!/bin/sh
# Makes sure the peers and tools `make bench` needs are installed. As root, missing Debian
# packages are installed with apt-get (after one `apt-get update` if the first try fails);
# otherwise the exact command is printed and the script fails, which stops make.
# Usage: bench/deps.sh [chart]   ("chart" adds gnuplot for the ratio chart)
set -u
LIBDIR=/usr/lib/x86_64-linux-gnu
missing=""
need() { # need <package> <file that proves it is installed>
  [ -e "$2" ] || missing="$missing $1"
}
need libjemalloc2          "$LIBDIR/libjemalloc.so.2"
need libmimalloc2.0        "$LIBDIR/libmimalloc.so.2"
need libtcmalloc-minimal4  "$LIBDIR/libtcmalloc_minimal.so.4"
need libbenchmark-dev      /usr/include/benchmark/benchmark.h
need valgrind              /usr/bin/valgrind
need sqlite3               /usr/bin/sqlite3
need python3               /usr/bin/python3
[ "${1:-}" = chart ] && need gnuplot-nox /usr/bin/gnuplot

[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
  echo "bench: missing packages:$missing" >&2
  echo "bench: install them with:  sudo $cmd" >&2
  exit 1
fi
echo "bench: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $cmd >/dev/null; then
  apt-get update >/dev/null && $cmd >/dev/null || {
    echo "bench: '$cmd' failed; install the packages by hand" >&2; exit 1; }
fi
