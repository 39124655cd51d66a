"""Turns the raw runs into medians, ratios, geometric means and the standing against the
project's targets. Ratios are allocator / jemalloc and allocator / best peer, where the
best peer is the fastest of jemalloc, mimalloc and tcmalloc on that benchmark (for a
peer, the best of the other two peers)."""
from . import stats
from .allocators import BASELINE, PEERS

TARGET_PEER_RATIO = 1.25  # no workload slower than this times the best peer
TARGET_INSTR = 40  # instructions per small malloc+free pair
SUBJECT = "poolmalloc"


def _best_peer(values, name):
    """(best peer name, its value) among the peers other than name, or (None, None)."""
    cands = [(v, p) for p, v in values.items() if p in PEERS and p != name and v is not None]
    if not cands:
        return None, None
    v, p = min(cands)
    return p, v


def _workloads(data, names):
    out = {}
    for w, info in data.get("workloads", {}).items():
        row = {}
        for a in names:
            runs = info["runs"].get(a, [])
            ok = [r for r in runs if r["rc"] == 0]
            failed = [r for r in runs if r["rc"] != 0]
            metrics = {}
            for r in ok:
                for k, v in r["metrics"].items():
                    metrics.setdefault(k, []).append(v)
            row[a] = {
                "time": stats.median([r["wall"] for r in ok]) if ok and not failed else None,
                "cpu": stats.median([r["cpu"] for r in ok]) if ok else None,
                "rss_kib": stats.median([r["maxrss_kib"] for r in ok]) if ok and not failed else None,
                "spread": stats.spread([r["wall"] for r in ok]),
                "runs": len(ok),
                "error": failed[0].get("error") if failed else None,
                "metrics": {k: stats.median(v) for k, v in metrics.items()},
            }
        times = {a: row[a]["time"] for a in names}
        for a in names:
            cell = row[a]
            cell["ratio_jemalloc"] = stats.ratio(cell["time"], times.get(BASELINE))
            peer, best = _best_peer(times, a)
            cell["best_peer"] = peer
            cell["ratio_best_peer"] = stats.ratio(cell["time"], best)
            cell["rss_ratio_jemalloc"] = stats.ratio(cell["rss_kib"], row.get(BASELINE, {}).get("rss_kib"))
        out[w] = row
    return out


def _micro(data, names):
    micro = data.get("micro")
    if not micro:
        return None
    bench_names = []
    for a in names:
        for r in micro["runs"].get(a, []):
            bench_names += [n for n in r if n not in bench_names]
    table = {}
    for n in bench_names:
        row = {}
        for a in names:
            vals = [r[n] for r in micro["runs"].get(a, []) if n in r]
            row[a] = {"ns": stats.median(vals), "spread": stats.spread(vals), "runs": len(vals)}
        ns = {a: row[a]["ns"] for a in names}
        for a in names:
            row[a]["ratio_jemalloc"] = stats.ratio(ns[a], ns.get(BASELINE))
            peer, best = _best_peer(ns, a)
            row[a]["ratio_best_peer"] = stats.ratio(ns[a], best)
        table[n] = row
    return table


def _geomeans(table, names, key):
    return {a: stats.geomean([row[a][key] for row in table.values() if row[a].get(key)]) for a in names}


def _targets(work, micro_table, instr, names):
    """The four targets, each {"goal", "value", "met" (True/False/None), "detail"}."""
    t = []
    if SUBJECT not in names:
        return [{"goal": g, "value": "not measured", "met": None, "detail": "poolmalloc did not run"}
                for g in _GOALS]
    peers = [p for p in PEERS if p in names]
    failed = [w for w, row in work.items() if row[SUBJECT]["time"] is None]
    # Workloads where poolmalloc and every peer have a time: the common ground.
    common = [w for w, row in work.items() if all(row[a]["time"] is not None for a in peers + [SUBJECT])]

    def gm(a, key="time"):
        return stats.geomean([work[w][a][key] / work[w][BASELINE][key] for w in common]) \
            if BASELINE in names and common else None

    if work:
        pm = gm(SUBJECT)
        peer_gm = {p: gm(p) for p in peers}
        best = min((v, p) for p, v in peer_gm.items() if v) if any(peer_gm.values()) else (None, None)
        met = None if pm is None or best[0] is None else (pm <= best[0] and not failed)
        detail = ", ".join(f"{p} {v:.3f}" for p, v in peer_gm.items() if v)
        if failed:
            detail += f"; poolmalloc failed: {', '.join(failed)}"
        t.append({"goal": _GOALS[0], "value": f"{pm:.3f}" if pm else "-", "met": met,
                  "detail": f"geomean time ratio to jemalloc over {len(common)} workloads; peers: {detail}"})
        ratios = {w: work[w][SUBJECT]["ratio_best_peer"] for w in work if work[w][SUBJECT]["ratio_best_peer"]}
        over = sorted((r, w) for w, r in ratios.items() if r > TARGET_PEER_RATIO)
        worst = max(((r, w) for w, r in ratios.items()), default=(None, None))
        t.append({"goal": _GOALS[1], "value": f"{worst[0]:.2f} ({worst[1]})" if worst[0] else "-",
                  "met": None if not ratios else (not over and not failed),
                  "detail": ("over: " + ", ".join(f"{w} {r:.2f}" for r, w in reversed(over))) if over
                  else ("failed: " + ", ".join(failed) if failed else "all workloads within")})
        rss = gm(SUBJECT, "rss_kib")
        t.append({"goal": _GOALS[2], "value": f"{rss:.3f}" if rss else "-",
                  "met": None if rss is None else rss <= 1.0 and not failed,
                  "detail": f"geomean peak RSS ratio to jemalloc over {len(common)} workloads"})
    else:
        t += [{"goal": g, "value": "not measured", "met": None, "detail": "workloads not run"} for g in _GOALS[:3]]
    counts = (instr or {}).get("counts", {}).get(SUBJECT)
    if counts and any(v is not None for per in counts.values() for v in per.values()):
        worst = max((v, m, s) for m, per in counts.items() for s, v in per.items() if v is not None)
        loop_worst = max((v for v in counts.get("loop", {}).values() if v is not None), default=None)
        t.append({"goal": _GOALS[3], "value": f"{worst[0]:.1f} ({worst[1]}, {worst[2]} B)",
                  "met": worst[0] <= TARGET_INSTR,
                  "detail": f"instructions in malloc+free, worst over 16..1024 B, loop and batch; "
                            f"worst in loop alone: {loop_worst:.1f}"})
    else:
        t.append({"goal": _GOALS[3], "value": "not measured", "met": None, "detail": "instr not run"})
    return t


_GOALS = [
    "geomean workload time at or below the best of jemalloc, mimalloc, tcmalloc",
    f"no workload slower than {TARGET_PEER_RATIO}x the best peer",
    "geomean peak RSS at or below jemalloc's",
    f"at most {TARGET_INSTR} instructions per small malloc+free pair",
]


def summarize(data):
    names = [a["name"] for a in data["meta"]["allocators"]]
    work = _workloads(data, names)
    micro_table = _micro(data, names)
    out = {"allocators": names, "workloads": work, "micro": micro_table}
    if work:
        out["workload_geomean_time_jemalloc"] = _geomeans(work, names, "ratio_jemalloc")
        out["workload_geomean_time_best_peer"] = _geomeans(work, names, "ratio_best_peer")
        out["workload_geomean_rss_jemalloc"] = _geomeans(work, names, "rss_ratio_jemalloc")
    if micro_table:
        out["micro_geomean_jemalloc"] = _geomeans(micro_table, names, "ratio_jemalloc")
        out["micro_geomean_best_peer"] = _geomeans(micro_table, names, "ratio_best_peer")
    out["targets"] = _targets(work, micro_table, data.get("instr"), names)
    return out
