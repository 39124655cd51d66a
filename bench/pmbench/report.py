"""Writes a run's report: Markdown (for people), JSON (everything, raw runs included), CSV
(one row per benchmark, allocator and metric) and the ratio chart beside them."""
import csv
import json
import os

from . import chart, summary


def _f(v, fmt="{:.3g}"):
    return "-" if v is None else fmt.format(v)


def _status(met):
    return {True: "**met**", False: "**missed**", None: "not measured"}[met]


def standing_text(data):
    """The targets as plain lines (printed at the end of `make bench`)."""
    s = data.get("summary") or summary.summarize(data)
    lines = ["poolmalloc against the targets:"]
    for t in s["targets"]:
        state = {True: "MET", False: "MISSED", None: "n/a"}[t["met"]]
        lines.append(f"  [{state:>6}] {t['goal']}: {t['value']}")
    return "\n".join(lines)


def _header(data, names):
    m = data["meta"]
    mc = m["machine"]
    out = [f"# poolmalloc benchmark report, {m['date']} ({m['mode']} run)", "",
           f"- Machine: {mc['cpu']}, {mc['nproc']} CPUs (nproc), {mc['mem_gib']} GiB, "
           f"kernel {mc['kernel']}, {mc['glibc']}",
           f"- Load average before / after: {_load(m.get('load_before'))} / {_load(m.get('load_after'))}"
           " (other work on the machine shows up as noise)",
           f"- Rounds: {m['reps']} (medians of those), threads in threaded workloads: {m['threads']}, "
           f"duration {m.get('duration_s', '?')} s",
           f"- Command: `{m['command']}`", "- Allocators:"]
    for a in m["allocators"]:
        how = f"LD_PRELOAD={a['preload']}" if a["preload"] else "no preload"
        out.append(f"  - {a['name']}: {a['version']} ({how})")
    for n in m.get("notes", []):
        out.append(f"- Note: {n}")
    return out


def _ns(v):
    return f"{v:,.0f}" if v >= 1000 else f"{v:.1f}"


def _load(l):
    return "?" if not l else " ".join(f"{x:.2f}" for x in l)


def _targets(s):
    out = ["", "## Standing against the targets", "", "| target | poolmalloc | status | detail |",
           "|---|---|---|---|"]
    for t in s["targets"]:
        out.append(f"| {t['goal']} | {t['value']} | {_status(t['met'])} | {t['detail']} |")
    return out


def _table(title, names, rows, cell, note=None, geo=None, first="workload"):
    out = ["", title, ""]
    if note:
        out += [note, ""]
    out.append(f"| {first} | " + " | ".join(names) + " |")
    out.append("|---|" + "---|" * len(names))
    for name, row in rows:
        out.append(f"| {name} | " + " | ".join(cell(row[a]) for a in names) + " |")
    if geo:
        out.append("| **geometric mean** | " + " | ".join(f"**{_f(geo.get(a), '{:.3f}')}**" for a in names) + " |")
    return out


def _workload_sections(data, s, names):
    work = s["workloads"]
    rows = list(work.items())
    out = ["", "## Workloads", "", "| workload | pattern | what |", "|---|---|---|"]
    for w, info in data["workloads"].items():
        out.append(f"| {w} | {info['pattern']} | {info['what']} |")

    def time_cell(c):
        if c["time"] is None:
            return "FAIL" if c["error"] else "-"
        return f"{c['time']:.3f} ({_f(c['ratio_jemalloc'], '{:.2f}')})"

    out += _table("### Time: median seconds (ratio to jemalloc)", names, rows, time_cell,
                  "Wall time of the whole process. Below 1 is faster than jemalloc.",
                  s["workload_geomean_time_jemalloc"])
    out += _table("### Time: ratio to the best peer", names, rows,
                  lambda c: _f(c["ratio_best_peer"], "{:.2f}"),
                  "Best peer: the fastest of jemalloc, mimalloc and tcmalloc on that workload "
                  "(for a peer, the faster of the other two). Above 1.25 misses the target.",
                  s["workload_geomean_time_best_peer"])

    def rss_cell(c):
        if c["rss_kib"] is None:
            return "FAIL" if c["error"] else "-"
        return f"{c['rss_kib'] / 1024:.1f} ({_f(c['rss_ratio_jemalloc'], '{:.2f}')})"

    out += _table("### Peak RSS: median MiB (ratio to jemalloc)", names, rows, rss_cell,
                  "ru_maxrss of the process and the children it waited for.",
                  s["workload_geomean_rss_jemalloc"])
    phases = [(w, row) for w, row in rows if any(k.startswith("rss_") for a in names for k in row[a]["metrics"])]
    for w, row in phases:
        keys = []
        for a in names:
            keys += [k for k in row[a]["metrics"] if k.startswith("rss_") and k not in keys]
        prow = [(k[4:], {a: row[a]["metrics"].get(k) for a in names}) for k in keys]
        out += _table(f"### Memory return ({w}): RSS in MiB after each phase of the last cycle", names, prow,
                      lambda v: _f(None if v is None else v / 1024, "{:.1f}"),
                      "Read from /proc/self/statm right after the phase, with no pause: an allocator "
                      "that returns memory after a delay shows it later.", first="phase")
    served = [(w, row) for w, row in rows if data["workloads"][w]["pattern"] == "real server"]
    if served:
        def thr_cell(c):
            m = c["metrics"]
            v = m.get("requests_per_s", m.get("tps"))
            return "-" if v is None else f"{v:,.0f}"
        out += _table("### Servers: throughput (redis: requests/s over the whole fixed run; postgres: pgbench tps)",
                      names, served, thr_cell,
                      "The allocator is preloaded into the server only (checked in /proc/PID/maps). Peak RSS "
                      "above is the server's: VmHWM of redis-server; for PostgreSQL the peak summed PSS of the "
                      "postmaster and its backends, sampled every 0.2 s.")
    spread = [(w, row) for w, row in rows]
    out += _table("### Noise: spread of the timed runs, (max - min) / median", names, spread,
                  lambda c: f"{100 * c['spread']:.0f}%" if c["runs"] > 1 else "-")
    fails = [(w, a, row[a]["error"]) for w, row in rows for a in names if row[a]["error"]]
    if fails:
        out += ["", "### Failures", ""] + [f"- {w} under {a}: {e}" for w, a, e in fails]
    return out


def _micro_section(data, s, names):
    rows = list(s["micro"].items())
    out = _table("## Micro benchmarks: median ns per iteration (ratio to jemalloc)", names, rows,
                 lambda c: "-" if c["ns"] is None else f"{_ns(c['ns'])} ({_f(c['ratio_jemalloc'], '{:.2f}')})",
                 "Google Benchmark, the same binary under each allocator. CPU time per iteration "
                 "(real time for /real_time). An iteration is one pair, or one batch for batch_*.",
                 s["micro_geomean_jemalloc"], first="benchmark")
    for a, msg in data["micro"].get("failures", {}).items():
        out.append(f"- micro under {a} FAILED: {msg}")
    return out


def _instr_section(data, names):
    ins = data["instr"]
    out = ["", "## Instructions per malloc+free pair (callgrind)", "",
           f"Deterministic: (Ir at {ins['pairs'][1]} pairs - Ir at {ins['pairs'][0]} pairs) / "
           f"{ins['pairs'][1] - ins['pairs'][0]}, less the test program's own instructions (its loop and "
           "the calls), so what malloc and free execute, slow paths included in proportion. In brackets: "
           "the whole pair with the caller's loop and calls. loop: malloc then free at once; batch: "
           "100 mallocs, then 100 frees newest first.", "",
           "| size | mode | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for mode in ins["modes"]:
        for size in ins["sizes"]:
            cells = []
            for a in names:
                v = ins["counts"].get(a, {}).get(mode, {}).get(str(size))
                t = ins.get("totals", {}).get(a, {}).get(mode, {}).get(str(size))
                cells.append(f"{_f(v, '{:.1f}')} ({_f(t, '{:.0f}')})")
            out.append(f"| {size} | {mode} | " + " | ".join(cells) + " |")
    for a, msg in ins.get("failures", {}).items():
        out.append(f"- {a} FAILED: {msg}")
    return out


def markdown(data, chart_name):
    s = data["summary"]
    names = s["allocators"]
    out = _header(data, names) + _targets(s)
    if chart_name:
        out += ["", f"![time and peak RSS ratios to jemalloc]({chart_name})"]
    if data.get("workloads"):
        out += _workload_sections(data, s, names)
    if s.get("micro"):
        out += _micro_section(data, s, names)
    if data.get("instr"):
        out += _instr_section(data, names)
    out += ["", "How to read this report and what each benchmark does: docs/benchmarks.md.", ""]
    return "\n".join(out)


def _csv_rows(data):
    s = data["summary"]
    for w, row in s["workloads"].items():
        for a, c in row.items():
            yield ["workload", w, a, "time_s", c["time"], c["ratio_jemalloc"], c["ratio_best_peer"], c["runs"]]
            yield ["workload", w, a, "peak_rss_kib", c["rss_kib"], c["rss_ratio_jemalloc"], None, c["runs"]]
            for k, v in c["metrics"].items():
                yield ["workload", w, a, k, v, None, None, c["runs"]]
    for n, row in (s.get("micro") or {}).items():
        for a, c in row.items():
            yield ["micro", n, a, "ns_per_iter", c["ns"], c["ratio_jemalloc"], c["ratio_best_peer"], c["runs"]]
    ins = data.get("instr")
    if ins:
        for a, per in ins["counts"].items():
            for mode, sizes in per.items():
                for size, v in sizes.items():
                    yield ["instr", f"{mode}/{size}", a, "instructions_per_pair", v, None, None, 1]


def write(data, base, with_chart=True):
    """Write base.md, base.json, base.csv and base.svg; return the paths written."""
    data["summary"] = summary.summarize(data)
    paths = []
    chart_path = base + ".svg"
    made = chart.write(data, chart_path) if with_chart else False
    if made:
        paths.append(chart_path)
    with open(base + ".json", "w") as f:
        json.dump(data, f, indent=1)
    paths.append(base + ".json")
    with open(base + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["suite", "benchmark", "allocator", "metric", "median", "ratio_to_jemalloc",
                    "ratio_to_best_peer", "runs"])
        for r in _csv_rows(data):
            w.writerow(["" if v is None else (f"{v:.6g}" if isinstance(v, float) else v) for v in r])
    paths.append(base + ".csv")
    with open(base + ".md", "w") as f:
        f.write(markdown(data, os.path.basename(chart_path) if made else None))
    paths.insert(0, base + ".md")
    return paths
