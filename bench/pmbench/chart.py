"""The ratio chart: workload time and peak RSS as ratios to jemalloc, one bar per
allocator, drawn by gnuplot (Debian's gnuplot-nox) as SVG. Skipped when gnuplot is absent."""
import os
import shutil
import subprocess
import tempfile

COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#7f7f7f", "#9467bd"]


def _data_file(s, key, names):
    lines = []  # no header line: gnuplot would draw it as an empty cluster
    for w, row in s["workloads"].items():
        vals = [row[a][key] for a in names]
        lines.append(f'"{w}" ' + " ".join("NaN" if v is None else f"{v:.4f}" for v in vals))
    return "\n".join(lines) + "\n"


def write(data, path):
    s = data["summary"]
    gnuplot = shutil.which("gnuplot")
    if not gnuplot or not s.get("workloads"):
        return False
    names = s["allocators"]
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for key in ("ratio_jemalloc", "rss_ratio_jemalloc"):
            files[key] = os.path.join(tmp, key + ".dat")
            with open(files[key], "w") as f:
                f.write(_data_file(s, key, names))
        plots = []
        for key, title in (("ratio_jemalloc", "time / jemalloc (lower is better)"),
                           ("rss_ratio_jemalloc", "peak RSS / jemalloc (lower is better)")):
            cols = ", ".join(
                f"'{files[key]}' using {i + 2}:xtic(1) title '{a}' lc rgb '{COLORS[i % len(COLORS)]}'"
                for i, a in enumerate(names))
            plots.append(f"set title '{title}'\nplot {cols}, 1 notitle dt 2 lc rgb 'black'\n")
        count = len(s["workloads"])
        script = f"""set terminal svg size 1200,900 dynamic font 'sans,11'
set output '{path}'
set xrange [-0.5:{count - 0.5}]
set multiplot layout 2,1
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 noborder
set logscale y 2
set yrange [0.125:16]
set grid ytics
set key top left horizontal
set xtics rotate by -30
""" + "".join(plots) + "unset multiplot\n"
        res = subprocess.run([gnuplot], input=script, text=True, capture_output=True, check=False)
        if res.returncode != 0:
            print("chart: gnuplot failed: " + res.stderr.strip()[-300:])
            return False
    return True
