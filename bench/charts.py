#!/usr/bin/env python3
"""SVG charts of bench/run's results, drawn with gnuplot (bench/run installs gnuplot-nox through
scripts/install-deps; without gnuplot the charts are skipped with a message).

  pages_per_s.svg  pages/s of each crawler on the corpus on one core, side by side
  scaling.svg      crawl's pages/s against its number of workers, with the 0.9·N target

bench/run draws them after a run; `bench/charts.py RESULTS.json OUT_DIR` draws them again from a
results.json brought back from another machine.
"""
import os
import shutil
import subprocess
import tempfile


def _plot(script, rows, out_dir):
    """Runs gnuplot on `script` with the data rows in $data; returns an error message or None."""
    with tempfile.NamedTemporaryFile("w", suffix=".gp", delete=False) as f:
        f.write("$data << EOD\n")
        for row in rows:
            f.write(" ".join(f'"{v}"' if isinstance(v, str) else f"{v}" for v in row) + "\n")
        f.write("EOD\n")
        f.write(script)
        path = f.name
    try:
        done = subprocess.run(["gnuplot", path], cwd=out_dir, capture_output=True, text=True)
        return None if done.returncode == 0 else done.stderr.strip()[-300:]
    finally:
        os.unlink(path)


_HEADER = """set terminal svg size 760,380 dynamic font "sans,13" background rgb "white"
set border 3
set xtics nomirror
set ytics nomirror
set grid ytics lc rgb "#dddddd"
set yrange [0:*]
"""


def _pages_per_s(corpus, out_dir):
    rows = [("crawl (1 worker)", corpus["crawl"][0]["pages_per_s"])]
    if corpus.get("curl"):
        rows.append(("curl (fetch only)", corpus["curl"]["pages_per_s"]))
    if corpus.get("peer"):
        rows.append(("Python peer", corpus["peer"]["pages_per_s"]))
    script = _HEADER + f"""set output "pages_per_s.svg"
set title "{corpus['urls']:,} corpus URLs, one core, medians"
set ylabel "pages/s"
set style fill solid 0.85 border -1
set boxwidth 0.6
set offsets 0.5, 0.5, 0, 0
plot $data using 0:2:xtic(1) with boxes lc rgb "#3b6fb6" notitle, \\
     $data using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.8 notitle
"""
    return _plot(script, rows, out_dir)


def _scaling(corpus, out_dir, cpus):
    runs = corpus["crawl"]
    base = runs[0]["pages_per_s"]
    independent = corpus.get("independent")
    rows = [(r["workers"], r["pages_per_s"],
             independent["pages_per_s"] if independent and independent["processes"] == r["workers"] else float("nan"))
            for r in runs]
    extra = (", \\\n     $data using 1:3 with points pt 5 ps 1.2 lc rgb \"#d9822b\" "
             "title \"N independent crawls of 1 worker\"") if independent else ""
    script = _HEADER + f"""set output "scaling.svg"
set title "crawl on the corpus, {cpus} CPUs: pages/s against workers"
set xlabel "workers"
set ylabel "pages/s"
set xtics 1
set xrange [0.5:{len(runs) + 0.5}]
set key left top
plot $data using 1:2 with linespoints lw 2 pt 7 lc rgb "#3b6fb6" title "crawl", \\
     $data using 1:(0.9 * $1 * {base}) with lines dt 2 lc rgb "#888888" title "target: 0.9 × N × 1 worker"{extra}
"""
    return _plot(script, rows, out_dir)


def draw(results, out_dir, log):
    """Draws the charts of `results` (bench/run's results.json) into out_dir."""
    corpus = results.get("corpus")
    if not corpus:
        return
    if not shutil.which("gnuplot"):
        log("gnuplot not installed: no charts (apt-get install gnuplot-nox)")
        return
    cpus = results.get("machine", {}).get("cpus", "?")
    for name, draw_one in (("pages_per_s.svg", _pages_per_s),
                           ("scaling.svg", lambda c, o: _scaling(c, o, cpus))):
        error = draw_one(corpus, out_dir)
        log(f"gnuplot failed on {name}: {error}" if error else f"wrote {out_dir}/{name}")


if __name__ == "__main__":
    import json
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: bench/charts.py RESULTS.json OUT_DIR")
    with open(sys.argv[1]) as f:
        draw(json.load(f), sys.argv[2], lambda message: print(f"charts: {message}", file=sys.stderr))
