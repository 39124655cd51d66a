"""The workload programs and their fixed parameters (full run and QUICK run). Each
workload is timed as a whole process and its peak RSS taken from wait4; "metric" lines it
prints (RSS after each phase, say) are kept too."""
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bench/
DEBIAN_PYTHON = "/usr/bin/python3"


@dataclass
class Workload:
    name: str
    pattern: str  # the well-known benchmark it follows
    what: str  # one line for the report
    full: List[str]  # argv after the program (parameters), full run
    quick: List[str]  # the same, QUICK run
    program: str = ""  # build/bench/workloads/<program>; default: name
    env: Dict[str, str] = field(default_factory=dict)
    command: Optional[Callable] = None  # (ctx, params) -> (argv, stdin path) for real programs

    def argv(self, ctx, quick):
        params = self.quick if quick else self.full
        if self.command:
            return self.command(ctx, params)
        prog = os.path.join(ctx.build, "bench", "workloads", self.program or self.name)
        return [prog] + [p.format(threads=ctx.threads) for p in params], None


class Context:
    """Where binaries and generated inputs live, and the thread count of the run."""

    def __init__(self, build, threads, quick):
        self.build = build
        self.threads = threads
        self.quick = quick
        self.gen = os.path.join(build, "bench", "gen")
        os.makedirs(self.gen, exist_ok=True)


def _gxx(ctx, params):
    units = int(params[0])
    src = os.path.join(ctx.gen, f"big{units}.cpp")
    if not os.path.exists(src):
        subprocess.run([sys.executable, os.path.join(HERE, "tools", "gen_cxx.py"), str(units), src],
                       check=True)
    cxx = shutil.which("g++") or "g++"
    return [cxx, "-std=c++20", "-O1", "-c", src, "-o", os.devnull], None


def _python(ctx, params):
    return [DEBIAN_PYTHON, os.path.join(HERE, "workloads", "python_workload.py"), params[0]], None


def _sqlite(ctx, params):
    return (["sqlite3", ":memory:", "-cmd", f".parameter set @n {params[0]}"],
            os.path.join(HERE, "workloads", "sqlite.sql"))


T = "threads={threads}"
WORKLOADS = [
    Workload("larson", "larson", "server churn: blocks outlive their thread, freed by later threads",
             [T, "slots=4000", "ops=250000", "gens=40"], [T, "slots=4000", "ops=200000", "gens=20"]),
    Workload("larson-sized", "larson", "the same with C++ sized delete",
             [T, "slots=4000", "ops=250000", "gens=40", "sized=1"],
             [T, "slots=4000", "ops=200000", "gens=20", "sized=1"], program="larson"),
    Workload("larson-16", "larson", "larson with 16 threads: peak RSS of many thread heaps",
             ["threads=16", "slots=2000", "ops=60000", "gens=30"], ["threads=16", "slots=2000", "ops=40000", "gens=10"],
             program="larson"),
    Workload("rptest", "rpmalloc rptest", "2 threads, 16 B..16 KiB blocks, large live sets, 10% freed by the other thread",
             ["threads=2", "live=16384", "ops=200000", "loops=20"], ["threads=2", "live=16384", "ops=100000", "loops=8"]),
    Workload("alloc-test", "allocator tester", "256K slots: free a random one, refill up to 1 KiB (log-uniform), touch it",
             ["threads=1", "steps=20000000"], ["threads=1", "steps=4000000"], program="alloc_test"),
    Workload("alloc-test-2", "allocator tester", "the same with 2 threads, the slots split between them",
             ["threads=2", "steps=10000000"], ["threads=2", "steps=2000000"], program="alloc_test"),
    Workload("xmalloc", "xmalloc-test", "producer threads pass batches to consumer threads",
             ["producers=2", "consumers=2", "batches=100000"], ["producers=2", "consumers=2", "batches=40000"]),
    Workload("cache-thrash", "cache-thrash", "active false sharing: small objects written hard",
             [T, "mode=active", "iterations=1500000"], [T, "mode=active", "iterations=300000"],
             program="false_sharing"),
    Workload("cache-scratch", "cache-scratch", "passive false sharing: objects freed by another thread",
             [T, "mode=passive", "iterations=1500000"], [T, "mode=passive", "iterations=300000"],
             program="false_sharing"),
    Workload("glibc-thread", "bench-malloc-thread", "threads replace random-size blocks in a fixed working set",
             [T, "steps=10000000"], [T, "steps=2000000"], program="glibc_thread"),
    Workload("glibc-simple", "bench-malloc-simple", "single thread: small batches allocated then freed",
             ["rounds=400"], ["rounds=100"], program="glibc_simple"),
    Workload("glibc-simple-mt", "bench-malloc-simple", "the same with an idle second thread alive",
             ["rounds=400", "idle_thread=1"], ["rounds=100", "idle_thread=1"], program="glibc_simple"),
    Workload("mstress", "mstress", "mixed sizes up to 4 MiB, blocks cross threads, threads re-created",
             [T, "rounds=60"], [T, "rounds=10"]),
    Workload("malloc-large", "malloc-large", "about 2 MiB blocks, 16 alive, every page touched",
             ["steps=60000"], ["steps=10000"], program="malloc_large"),
    Workload("huge-replace", "huge blocks", "20 blocks of 5-25 MiB alive, one replaced per step, zero-filled",
             ["steps=400"], ["steps=120"], program="huge_replace"),
    Workload("frag", "fragmentation", "small / thinned / large / freed phases; RSS after each",
             ["cycles=4", "small=1000000", "large_mib=128"], ["cycles=3", "small=500000", "large_mib=64"]),
    Workload("g++", "real program", "g++ -O1 compiling a generated translation unit",
             ["12"], ["2"], command=_gxx),
    Workload("python3", "real program", "python3 object churn and JSON (PYTHONMALLOC=malloc)",
             ["60000"], ["20000"], env={"PYTHONMALLOC": "malloc"}, command=_python),
    Workload("sqlite3", "real program", "sqlite3 in-memory table: insert, index, query, update",
             ["400000"], ["100000"], command=_sqlite),
]
