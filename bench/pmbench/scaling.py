"""Thread scaling: the thread-heavy workloads at 1, 2, 4, 8 and 16 threads under each
allocator. The total work of a workload is the same at every thread count (it is split
between the threads), so on a machine with enough cores the ideal time falls as 1/threads
and then stays flat; per-thread live sets stay the same, so peak RSS grows with threads."""
from dataclasses import dataclass
from typing import Callable, Dict, List

from . import stats
from .allocators import BASELINE, PEERS


@dataclass
class Scaled:
    name: str
    program: str
    what: str
    work: Dict[str, int]  # total work, "quick" and "full"
    params: Callable  # (threads, total work) -> argv after the program


def _larson(n, w):
    return [f"threads={n}", "slots=2000", "gens=10", f"ops={max(1, w // (n * 10))}"]


def _glibc(n, w):
    return [f"threads={n}", "slots=1024", f"steps={max(1, w // n)}"]


def _xmalloc(n, w):
    # producers and consumers together make n threads (at n=1: one of each)
    p = max(1, n // 2)
    c = max(1, n - p)
    return [f"producers={p}", f"consumers={c}", f"batches={max(1, w // p)}"]


def _rptest(n, w):
    return [f"threads={n}", "live=4096", "loops=8", f"ops={max(1, w // (n * 8))}"]


SCALED: List[Scaled] = [
    Scaled("larson", "larson", "replacement pairs, 2000 live blocks per thread, 10 thread generations",
           {"quick": 4_000_000, "full": 24_000_000}, _larson),
    Scaled("glibc-thread", "glibc_thread", "replacement steps, 1024 live blocks per thread",
           {"quick": 4_000_000, "full": 24_000_000}, _glibc),
    Scaled("xmalloc", "xmalloc", "batches of 64 blocks, half the threads produce, half consume (1 thread: one of each)",
           {"quick": 60_000, "full": 250_000}, _xmalloc),
    Scaled("rptest", "rptest", "replacements, 4096 live blocks per thread, 10% handed to the next thread",
           {"quick": 1_600_000, "full": 8_000_000}, _rptest),
]


def summarize(runs, names, threads, workloads):
    """{workload: {threads: {allocator: {"time", "rss_kib", "error"}}}} from the raw runs."""
    out = {}
    for w in workloads:
        out[w] = {}
        for n in threads:
            row = {}
            for a in names:
                rs = runs.get(w, {}).get(str(n), {}).get(a, [])
                ok = [r for r in rs if r["rc"] == 0]
                bad = [r for r in rs if r["rc"] != 0]
                row[a] = {"time": stats.median([r["wall"] for r in ok]) if ok and not bad else None,
                          "rss_kib": stats.median([r["maxrss_kib"] for r in ok]) if ok and not bad else None,
                          "error": bad[0].get("error") if bad else None}
            out[w][str(n)] = row
    return out


def markdown(table, names, threads, meta):
    """The scaling tables: time with peak RSS, and poolmalloc against the best peer."""
    load = " / ".join(" ".join(f"{x:.1f}" for x in l) for l in meta.get("load", []) if l) or "?"
    lines = [f"Machine: {meta['machine']}, load average before / after {load}; {meta['mode']} run, "
             f"median of {meta['reps']} interleaved round(s), {meta['date']}. Each cell: wall seconds / peak RSS in MiB. The total work of a "
             "workload is the same at every thread count.", ""]
    lines.append("| workload | threads | " + " | ".join(names) + " | poolmalloc / fastest peer (time); / smallest peer (RSS) |")
    lines.append("|---|---|" + "---|" * len(names) + "---|")
    for w, per in table.items():
        for n in threads:
            row = per[str(n)]
            cells = []
            for a in names:
                c = row[a]
                if c["time"] is None:
                    cells.append("FAIL" if c["error"] else "-")
                else:
                    cells.append(f"{c['time']:.3f} / {c['rss_kib'] / 1024:.0f}")
            pm = row.get("poolmalloc", {})
            peers = [(row[p]["time"], p) for p in PEERS if p in row and row[p]["time"] is not None]
            ratio = "-"
            if pm.get("time") and peers:
                bt, bp = min(peers)
                best_rss = min(row[p]["rss_kib"] for _, p in peers)
                ratio = f"{pm['time'] / bt:.2f} ({bp}); {pm['rss_kib'] / best_rss:.2f}"
            lines.append(f"| {w} | {n} | " + " | ".join(cells) + f" | {ratio} |")
    gm = []
    for a in names:
        rs = [per[str(n)][a]["time"] / per[str(n)][BASELINE]["time"] for per in table.values() for n in threads
              if BASELINE in per[str(n)] and per[str(n)][a]["time"] and per[str(n)][BASELINE]["time"]]
        g = stats.geomean(rs)
        gm.append("-" if g is None else f"{g:.2f}")
    lines.append("| **geometric mean time / jemalloc** | | " + " | ".join(gm) + " | |")
    fails = [(w, n, a, per[str(n)][a]["error"]) for w, per in table.items() for n in threads for a in names
             if per[str(n)][a]["error"]]
    if fails:
        lines += [""] + [f"- {w} at {n} threads under {a}: {e}" for w, n, a, e in fails]
    return "\n".join(lines)


def update_doc(path, body, heading="## Thread scaling"):
    """Replace the section under heading (up to the next level-2 heading) with body."""
    with open(path) as f:
        text = f.read()
    intro = ("`make bench-scaling` runs the thread-heavy workloads (larson, glibc bench-malloc-thread, "
             "xmalloc, rptest) at 1, 2, 4, 8 and 16 threads under each allocator and rewrites this section; "
             "`bench/tools/scaling_device.sh` does the same on a larger machine and prints the table. "
             "On a machine with fewer cores than threads, the threads share the cores: the figures then "
             "show the cost of oversubscription, not scaling.")
    section = f"{heading}\n\n{intro}\n\n{body}\n"
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        nxt = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[nxt:] if nxt >= 0 else "")
    with open(path, "w") as f:
        f.write(text)
