"""Instruction counts per malloc+free pair under callgrind (deterministic). The tiny
program build/bench/instr_pair runs twice with different pair counts; the difference in
instructions over the difference in pairs cancels start-up and initialisation."""
import os
import re

from . import measure

SIZES = (16, 32, 64, 128, 256, 512, 1024)
MODES = ("loop", "batch")  # pair at once; 100 mallocs then 100 frees
PAIRS = (1000, 11000)  # both multiples of the batch of 100

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def binary(build):
    return os.path.join(build, "bench", "instr_pair")


def _count(build, allocator, mode, size, pairs):
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            binary(build), mode, str(size), str(pairs)]
    result = measure.run(build, argv, allocator.env(), allocator.preload, timeout=300)
    found = _COLLECTED.findall(result.stderr)
    if not result.ok or not found:
        return None, result
    return int(found[-1]), result


def per_pair(build, allocator, mode, size):
    """Instructions per pair, or (None, failing measure.Run)."""
    counts = []
    for pairs in PAIRS:
        count, result = _count(build, allocator, mode, size, pairs)
        if count is None:
            return None, result
        counts.append(count)
    return (counts[1] - counts[0]) / (PAIRS[1] - PAIRS[0]), None


def loop_overhead(build, allocator):
    """Instructions the measuring loop itself costs per pair (no calls)."""
    value, _ = per_pair(build, allocator, "empty", 16)
    return value
