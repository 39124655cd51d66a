"""The Google Benchmark suite: one binary (build/bench/micro_bench, not linked with
poolmalloc) started under each allocator. Times are per benchmark iteration in ns: CPU
time for single-thread benchmarks (steadier on a shared machine), real time for the
cross-thread ones (marked /real_time), where the other thread's work counts."""
import json
import os

from . import measure

# The side-by-side the global-allocator issue asks for first (make bench-first).
FIRST_FILTER = (r"^BM_malloc_free/(16|64|256)$|^BM_batch_(lifo|fifo)/(100|1000)/64$"
                r"|^BM_cross_thread/(16|64)/")

_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def binary(build):
    return os.path.join(build, "bench", "micro_bench")


def run(build, allocator, quick, bench_filter=None, timeout=900):
    """Run the suite once under allocator: ({benchmark: ns per iteration}, measure.Run)."""
    argv = [binary(build), "--benchmark_format=json",
            f"--benchmark_min_time={0.02 if quick else 0.2}"]
    if bench_filter:
        argv.append(f"--benchmark_filter={bench_filter}")
    result = measure.run(build, argv, allocator.env(), allocator.preload, timeout)
    times = {}
    if result.ok and not result.stdout.strip() and "Failed to match" in result.stderr:
        return times, result  # the filter matched nothing here: not a failure
    if result.ok:
        try:
            data = json.loads(result.stdout)
        except json.JSONDecodeError:
            result.rc = -1000  # unreadable output counts as a failure
            return times, result
        for b in data.get("benchmarks", []):
            if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                continue
            scale = _UNIT_NS.get(b.get("time_unit", "ns"), 1.0)
            key = "real_time" if b["name"].endswith("/real_time") else "cpu_time"
            times[b["name"]] = b[key] * scale
    return times, result
