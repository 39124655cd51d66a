#!/bin/sh
# g++ -O1 under LD_PRELOAD (the driver, cc1plus, as and ld all run preloaded) compiles a
# generated file to the same symbols as on glibc's malloc; the linked program prints the same
# output; malloc binds to libpoolmalloc.so in the compiler.
. tests/scripts/lib/common.sh
GXX=${CXX:-g++}
command -v "$GXX" >/dev/null 2>&1 || skip "$GXX is not installed"
make_work
# a generated file: many template instantiations and containers keep cc1plus allocating
{
    echo '#include <cstdio>'
    echo '#include <map>'
    echo '#include <string>'
    echo '#include <vector>'
    echo '#include <algorithm>'
    echo 'template <int N> struct F { static long v(long x) { return F<N - 1>::v(x * 3 + N) % 1000003; } };'
    echo 'template <> struct F<0> { static long v(long x) { return x; } };'
    i=0
    while [ $i -lt 60 ]; do
        echo "long f$i(long x) { std::map<std::string, long> m; for (long k = 0; k < x; k++) m[std::to_string(k * $i)] = F<$((i % 40 + 1))>::v(k); long s = 0; for (auto &p : m) s += p.second; return s; }"
        i=$((i + 1))
    done
    echo 'int main() { long s = 0;'
    i=0
    while [ $i -lt 60 ]; do echo "  s += f$i($((i + 5)));"; i=$((i + 1)); done
    echo '  std::vector<long> v; for (long k = 0; k < 1000; k++) v.push_back((k * 7919) % 1009);'
    printf '%s\n' '  std::sort(v.begin(), v.end()); std::printf("%ld %ld %ld\n", s, v[0], v[999]); }'
} >"$WORK/gen.cpp"

# compile_and_run: object symbols, then the program's output
cat >"$WORK/build.sh" <<SHEOF
set -e
cd "\$RUNDIR"
$GXX -O1 -c "$WORK/gen.cpp" -o gen.o
nm -C gen.o
$GXX gen.o -o gen
./gen
SHEOF
compare_runs "g++ -O1 compile" 120 sh "$WORK/build.sh"
grep -q ' T main' "$WORK/pm.out" || fail "g++: no main in the object's symbols"
check_bindings "g++ (cc1plus)" "cc1plus" sh -c "echo 'int x;' | $GXX -x c++ -c -o /dev/null -"
