#!/bin/sh
# perl under LD_PRELOAD: a hash/sort/string workload prints the same digest as on glibc's
# malloc, and malloc binds to libpoolmalloc.so.
. tests/scripts/lib/common.sh
command -v perl >/dev/null 2>&1 || skip "perl is not installed"
make_work
cat >"$WORK/work.pl" <<'PLEOF'
use strict; use warnings; use Digest::MD5 qw(md5_hex);
my %h;
for my $i (0 .. 150000) { $h{sprintf("k%07d", ($i * 7919) % 1000003)} = [$i, "v" x ($i % 50)]; }
delete $h{sprintf("k%07d", ($_ * 7919) % 1000003)} for grep { $_ % 3 == 0 } 0 .. 150000;
my @keys = sort { $h{$a}[0] <=> $h{$b}[0] } keys %h;
my $s = join(",", map { "$_=" . length($h{$_}[1]) } @keys);
my @words = sort split /,/, $s;
print scalar(@keys), " ", length($s), " ", md5_hex($s), " ", md5_hex(join("", @words[0 .. 999])), "\n";
PLEOF
compare_runs "perl hash/sort workload" 120 perl "$WORK/work.pl"
check_bindings "perl" "perl" perl -e 'my @a = map { "x" x $_ } 1 .. 100; print scalar(@a), "\n"'
