"""Instruction counts per malloc+free pair under callgrind (deterministic). The tiny
program build/bench/instr_pair runs twice with different pair counts; the difference in
instructions over the difference in pairs cancels start-up and initialisation. The
harness's own instructions (its loop and the call instructions, all in main: the program
is built with -fno-plt) are read from callgrind_annotate and taken off, so the figure is
what malloc and free themselves execute."""
import os
import re
import subprocess
import tempfile

from . import measure

SIZES = (16, 32, 64, 128, 256, 512, 1024)
MODES = ("loop", "batch")  # pair at once; 100 mallocs then 100 frees
PAIRS = (1000, 11000)  # both multiples of the batch of 100

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
_MAIN = re.compile(r"^\s*([\d,]+)\s.*pair\.c:main\b", re.M)


def binary(build):
    return os.path.join(build, "bench", "instr_pair")


def _count(build, allocator, mode, size, pairs):
    """(total instructions, instructions in the harness's main) or (None, None, failed Run)."""
    with tempfile.NamedTemporaryFile(prefix="callgrind.") as out:
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}",
                binary(build), mode, str(size), str(pairs)]
        result = measure.run(build, argv, allocator.env(), allocator.preload, timeout=300)
        found = _COLLECTED.findall(result.stderr)
        if not result.ok or not found:
            return None, None, result
        ann = subprocess.run(["callgrind_annotate", "--threshold=100", out.name],
                             capture_output=True, text=True, check=False).stdout
        main = _MAIN.search(ann)
        return int(found[-1]), int(main.group(1).replace(",", "")) if main else None, result


def per_pair(build, allocator, mode, size):
    """({"allocator": instructions in malloc+free, "total": with the harness}, None) per
    pair, or (None, the failing measure.Run)."""
    totals, mains = [], []
    for pairs in PAIRS:
        total, main, result = _count(build, allocator, mode, size, pairs)
        if total is None:
            return None, result
        totals.append(total)
        mains.append(main)
    span = PAIRS[1] - PAIRS[0]
    total = (totals[1] - totals[0]) / span
    harness = (mains[1] - mains[0]) / span if None not in mains else None
    return {"allocator": total - harness if harness is not None else None, "total": total}, None
