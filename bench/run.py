#!/usr/bin/env python3
"""Side-by-side benchmark runner: every benchmark under poolmalloc, jemalloc, mimalloc,
tcmalloc and glibc in one run, interleaved (each round runs every benchmark once under
each allocator, in a rotating order) so that drift on the machine hits all alike. Writes
bench/results/<stamp>-<mode>.{md,json,csv,svg}. Standard library only.

  bench/run.py [--quick] [--reps N] [--suites micro,workloads,instr,servers] [--only REGEX]
  bench/run.py --first     the first side-by-side: small pairs, batches, cross-thread
  bench/run.py --suites instr   instruction counts only (make bench-instr)"""
import argparse
import datetime
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pmbench import allocators, instr, machine, measure, micro, report, servers, stats  # noqa: E402
from pmbench import workloads as wl  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg):
    print(msg, flush=True)


def rotated(items, k):
    k %= len(items)
    return items[k:] + items[:k]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smaller parameters, fewer rounds")
    p.add_argument("--reps", type=int, help="rounds (default 3 quick, 5 full)")
    p.add_argument("--threads", type=int, default=4, help="threads in the threaded workloads")
    p.add_argument("--suites", default="micro,workloads,instr,servers",
                   help="servers: redis-server and PostgreSQL with the allocator preloaded into the server")
    p.add_argument("--only", help="regex: run only the workloads / micro benchmarks it matches")
    p.add_argument("--allocators", help="comma list, e.g. poolmalloc,jemalloc")
    p.add_argument("--first", action="store_true", help="the first side-by-side only; prints ratios")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    p.add_argument("--no-chart", action="store_true")
    return p.parse_args()


def run_timed(args, allocs, data):
    """The interleaved rounds over the micro suite and the workloads."""
    suites = args.suites.split(",")
    only = re.compile(args.only) if args.only else None
    ctx = wl.Context(args.build, args.threads, args.quick)
    tasks = []
    if "micro" in suites:
        micro_filter = micro.FIRST_FILTER if args.first else args.only
        tasks.append(("micro", micro_filter))
        data["micro"] = {"filter": micro_filter, "runs": {a.name: [] for a in allocs}, "failures": {}}
    if "workloads" in suites and not args.first:
        for w in wl.WORKLOADS:
            if only and not only.search(w.name):
                continue
            argv, stdin = w.argv(ctx, args.quick)  # also generates inputs, before any timing
            tasks.append(("workload", w))
            data["workloads"][w.name] = {"pattern": w.pattern, "what": w.what, "argv": argv,
                                         "stdin": stdin, "env": w.env,
                                         "runs": {a.name: [] for a in allocs}}
    if "servers" in suites and not args.first:
        for n in servers.ensure_installed(log):
            log(f"note: {n}")
            data["meta"]["notes"].append(n)
        sctx = servers.Context(args.build)
        for s in servers.SERVERS:
            if only and not only.search(s.name):
                continue
            tasks.append(("server", s))
            data["workloads"][s.name] = {"pattern": s.pattern, "what": s.what, "argv": [], "stdin": None,
                                         "env": {}, "params": s.quick if args.quick else s.full,
                                         "runs": {a.name: [] for a in allocs}}
            if s.skip_glibc and any(a.preload is None for a in allocs):
                data["meta"]["notes"].append(f"{s.name} not run under glibc: {s.skip_glibc}")
    timeout = 300 if args.quick else 900
    broken = set()  # (task, allocator) that failed once: not run again
    for rep in range(args.reps):
        for ti, (kind, task) in enumerate(tasks):
            for a in rotated(allocs, rep + ti):
                if kind == "micro":
                    if ("micro", a.name) in broken:
                        continue
                    times, res = micro.run(args.build, a, args.quick, task)
                    if res.ok:
                        data["micro"]["runs"][a.name].append(times)
                        log(f"[{rep + 1}/{args.reps}] {'micro':<16} {a.name:<10} {len(times)} benchmarks "
                            f"{res.wall:.1f} s")
                    else:
                        broken.add(("micro", a.name))
                        data["micro"]["failures"][a.name] = failure(res)
                        log(f"[{rep + 1}/{args.reps}] micro under {a.name} FAILED: {failure(res)}")
                    continue
                if (task.name, a.name) in broken:
                    continue
                if kind == "server":
                    if a.preload is None and task.skip_glibc:
                        continue
                    res = servers.run(sctx, task, a, args.quick)
                    entry = {"rc": res.rc, "wall": res.wall, "cpu": res.cpu, "maxrss_kib": res.maxrss_kib,
                             "metrics": res.metrics}
                    if res.rc != 0:
                        entry["error"] = res.error
                        broken.add((task.name, a.name))
                    data["workloads"][task.name]["runs"][a.name].append(entry)
                    status = f"  FAILED: {res.error}" if res.rc != 0 else ""
                    log(f"[{rep + 1}/{args.reps}] {task.name:<16} {a.name:<10} {res.wall:7.3f} s "
                        f"{res.maxrss_kib / 1024:8.1f} MiB (server){status}")
                    continue
                argv, stdin = task.argv(ctx, args.quick)
                env = a.env()
                env.update(task.env)
                res = measure.run(args.build, argv, env, a.preload, timeout, stdin_path=stdin)
                entry = {"rc": res.rc, "wall": res.wall, "cpu": res.cpu, "maxrss_kib": res.maxrss_kib,
                         "metrics": measure.metrics(res.stdout)}
                if not res.ok:
                    entry["error"] = failure(res)
                    broken.add((task.name, a.name))
                data["workloads"][task.name]["runs"][a.name].append(entry)
                status = "" if res.ok else f"  FAILED: {entry['error']}"
                log(f"[{rep + 1}/{args.reps}] {task.name:<16} {a.name:<10} {res.wall:7.3f} s "
                    f"{res.maxrss_kib / 1024:8.1f} MiB{status}")


def failure(res):
    what = "timed out" if res.rc == 124 else f"exit {res.rc}"
    tail = res.stderr.strip().splitlines()[-3:]
    return what + (": " + " | ".join(tail) if tail else "")


def run_instr(args, allocs, data):
    """Instruction counts, once per allocator (they are deterministic)."""
    data["instr"] = {"sizes": list(instr.SIZES), "modes": list(instr.MODES), "pairs": list(instr.PAIRS),
                     "counts": {}, "totals": {}, "failures": {}}
    for a in allocs:
        counts = {m: {} for m in instr.MODES}
        totals = {m: {} for m in instr.MODES}
        for mode in instr.MODES:
            for size in instr.SIZES:
                value, res = instr.per_pair(args.build, a, mode, size)
                if value is None:
                    data["instr"]["failures"][a.name] = f"{mode} {size} B: {failure(res)}"
                    break
                counts[mode][str(size)] = value["allocator"]
                totals[mode][str(size)] = value["total"]
        data["instr"]["counts"][a.name] = counts
        data["instr"]["totals"][a.name] = totals
        shown = " ".join(f"{s}:{counts['loop'].get(str(s)) or float('nan'):.0f}" for s in instr.SIZES)
        log(f"instr {a.name:<10} loop {shown}")


def print_first(data, allocs):
    """The first side-by-side: medians in ns and ratios to jemalloc, on stdout."""
    runs = data["micro"]["runs"]
    names = []
    for a in allocs:
        for r in runs.get(a.name, []):
            names += [n for n in r if n not in names]
    med = {a.name: {n: stats.median([r[n] for r in runs[a.name] if n in r]) for n in names}
           for a in allocs}
    base = allocators.BASELINE
    head = f"{'benchmark':<34}" + "".join(f"{a.name:>14}" for a in allocs)
    print("\nmedian ns per iteration (ratio to jemalloc; below 1 is faster)")
    print(head)
    for n in names:
        cells = []
        for a in allocs:
            v = med[a.name].get(n)
            r = stats.ratio(v, med.get(base, {}).get(n))
            cells.append(f"{v:8.1f} ({r:4.2f})" if v is not None and r is not None else f"{'-':>14}")
        print(f"{n:<34}" + "".join(f"{c:>14}" for c in cells))
    gm = []
    for a in allocs:
        g = stats.geomean([stats.ratio(med[a.name].get(n), med.get(base, {}).get(n)) for n in names])
        gm.append(f"{g:.2f}" if g else "-")
    print(f"{'geometric mean of ratios':<34}" + "".join(f"{c:>14}" for c in gm))
    for a, msg in data["micro"]["failures"].items():
        print(f"{a}: FAILED {msg}")


def main():
    args = parse_args()
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    if args.first:
        args.suites = "micro"
    smoke = [instr.binary(args.build), "loop", "64", "1000"]
    allocs, notes = allocators.discover(args.build, ROOT, smoke,
                                        args.allocators.split(",") if args.allocators else None)
    for n in notes:
        log(f"note: {n}")
    log("allocators: " + ", ".join(f"{a.name} ({a.version})" for a in allocs))
    started = time.time()
    mode = "quick" if args.quick else "full"
    data = {"meta": {"date": datetime.datetime.now().isoformat(timespec="seconds"), "mode": mode,
                     "reps": args.reps, "threads": args.threads, "command": " ".join(sys.argv),
                     "machine": machine.describe(), "load_before": machine.loadavg(), "notes": notes,
                     "allocators": [vars(a) for a in allocs]},
            "workloads": {}}
    suites = args.suites.split(",")
    if "micro" in suites or "workloads" in suites or "servers" in suites:
        run_timed(args, allocs, data)
    if "instr" in suites:
        run_instr(args, allocs, data)
    data["meta"]["load_after"] = machine.loadavg()
    data["meta"]["duration_s"] = round(time.time() - started, 1)
    if args.first:
        print_first(data, allocs)
        return 0
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = os.path.join(args.out, f"{stamp}-{mode}")
    paths = report.write(data, base, with_chart=not args.no_chart)
    log("\n" + report.standing_text(data))
    log("report: " + "  ".join(os.path.relpath(p) for p in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
