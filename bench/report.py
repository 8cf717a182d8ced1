"""bench/run's results as the Markdown tables of bench/README.md."""


def kb_mib(kb):
    return f"{kb / 1024:.1f}"


def markdown(res):
    out = []
    m = res["machine"]
    out.append(f"Machine: {m['cpu']}, {m['cpus']} CPUs, Linux {m['kernel']}; server on CPUs {m['server_cpus']}, "
               f"crawl on {m['crawl_cpus']}; corpus: {m['corpus']}; {res['runs']} runs, medians; {m['date']}.")
    probes = [p["ms"] for p in res.get("speed_probes", [])]
    if probes:
        spread = max(probes) / min(probes) - 1
        verdict = ("steady" if spread <= 0.10 else
                   "**not steady: the machine's speed changed during the run, so figures from before and after "
                   "the change do not compare; run it again**")
        out.append(f"Machine speed during the run (`sha256_body`, ms a pass, {len(probes)} probes between the "
                   f"runs): {min(probes):.2f} to {max(probes):.2f}, spread {100 * spread:.0f}%: {verdict}.")
    out.append("")
    c = res.get("corpus")
    if c:
        out.append(f"**CPU-bound: {c['urls']:,} corpus URLs over {res['hosts']} hosts** (`-c 64 --per-host 0`)")
        out.append("")
        out.append("| crawler | workers | wall s | pages/s | speedup | CPU s | CPU ms/page | supervisor CPU | "
                   "supervisor RSS MiB | worker RSS MiB (max) |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in c["crawl"]:
            note = " (shares the server's CPUs)" if r["shares_server_cpus"] else ""
            out.append(f"| crawl{note} | {r['workers']} | {r['wall_s']:.2f} | {r['pages_per_s']:,.0f} | "
                       f"{r['speedup']:.2f}x | {r['cpu_s']:.2f} | {r['cpu_ms_per_page']:.3f} | "
                       f"{100 * r['supervisor_cpu_share']:.1f}% | {kb_mib(r['supervisor_rss_kb'])} | "
                       f"{kb_mib(max(r['worker_rss_kb']))} |")
        p = c.get("peer")
        if p:
            out.append(f"| python peer (asyncio + aiohttp + lxml) | 1 loop | {p['wall_s']:.2f} | "
                       f"{p['pages_per_s']:,.0f} | | {p['cpu_s']:.2f} | {p['cpu_ms_per_page']:.3f} | | | "
                       f"{kb_mib(p['rss_kb'])} |")
        f = c.get("curl")
        if f:
            out.append(f"| curl --compressed --parallel (fetch only) | 1 process | {f['wall_s']:.2f} | "
                       f"{f['pages_per_s']:,.0f} | | {f['cpu_s']:.2f} | {f['cpu_ms_per_page']:.3f} | | | |")
        ind = c.get("independent")
        if ind:
            out.append(f"| {ind['processes']} independent crawl -w 1 (nothing shared) | {ind['processes']} x 1 | "
                       f"{ind['wall_s']:.2f} | {ind['pages_per_s']:,.0f} | | {ind['cpu_s']:.2f} | "
                       f"{ind['cpu_ms_per_page']:.3f} | | | |")
        out.append("")
        if ind:
            out.append(f"crawl -w {ind['processes']} vs {ind['processes']} independent crawl -w 1, same CPUs, same run: "
                       f"**{c['crawl_vs_independent']:.2f}x** pages/s (median of per-run ratios; process wall time, "
                       f"start included, on both sides).")
        if p:
            out.append(f"Single-core crawl vs the Python peer, same CPU, same run: **{c['crawl_vs_peer']:.2f}x** "
                       f"pages/s (median of per-run ratios).")
        if f:
            out.append(f"Single-core crawl vs curl, same CPU, same run: **{c['crawl_vs_curl']:.2f}x** pages/s "
                       f"(median of per-run ratios).")
        out.append("")
    mi = res.get("micro")
    if mi:
        out.append("**CPU-bound stages alone** (`crawl-micro`, one core, medians)")
        out.append("")
        out.append("| stage | pages/s | CPU ms/page | MB/s of HTML |")
        out.append("|---|---:|---:|---:|")
        for name, r in mi.items():
            out.append(f"| {name} | {r['pages_per_s']:,.0f} | {r['cpu_ms_per_page']:.3f} | {r['mb_per_s']:.1f} |")
        ms = {name: r["cpu_ms_per_page"] for name, r in mi.items()}
        if "extract_html/16384" in ms and "extract_libxml2/16384" in ms and "inflate" in ms:
            # The yardstick is plain zlib; crawl's own decoder (libdeflate) is faster.
            zlib = ms.get("inflate_zlib", ms["inflate"])
            out.append("")
            out.append(f"Extraction: crawl's tokenizer **{ms['extract_libxml2/16384'] / ms['extract_html/16384']:.2f}x** "
                       f"faster than libxml2 2.9.14, and **{ms['extract_html/16384'] / zlib:.2f}x** "
                       f"the time of inflating the same pages with plain zlib "
                       f"({ms['extract_html/16384'] / ms['inflate']:.2f}x crawl's gzip decoder).")
        if c and "page_pipeline" in ms:
            ratio = c["crawl"][0]["cpu_ms_per_page"] / ms["page_pipeline"]
            res["efficiency_ratio"] = ratio
            out.append("")
            out.append(f"End-to-end CPU per page (supervisor + worker + kernel, 1 worker) / inflate + SHA-256 + "
                       f"extract alone: **{ratio:.2f}x**.")
        out.append("")
    mem = res.get("memory")
    if mem:
        w = mem["concurrency_256"]
        out.append(f"**Memory**: at `-c 256` on the corpus, worker peak RSS "
                   f"{', '.join(kb_mib(k) + ' MiB' for k in w['worker_rss_kb'])}. Supervisor peak RSS: " +
                   ", ".join(f"{r['lines']:,} input lines {kb_mib(r['supervisor_rss_kb'])} MiB"
                             for r in mem["input"]) + ".")
        out.append("")
    d = res.get("delay")
    if d:
        out.append(f"**IO-bound: {res['delay_urls']:,} URLs of `/delay?ms=100`**")
        out.append("")
        out.append("| total concurrency | floor s | crawler | workers | wall s | vs floor |")
        out.append("|---:|---:|---|---:|---:|---:|")
        for row in d:
            for r in row["crawl"]:
                out.append(f"| {row['concurrency']} | {row['floor_s']:.1f} | crawl | {r['workers']} | "
                           f"{r['wall_s']:.2f} | {r['vs_floor']:.2f}x |")
            if row["peer"]:
                p = row["peer"]
                out.append(f"| {row['concurrency']} | {row['floor_s']:.1f} | python peer | 1 loop | "
                           f"{p['wall_s']:.2f} | {p['vs_floor']:.2f}x |")
        out.append("")
    w = res.get("warc")
    if w:
        out.append(f"**--warc: {w['urls']:,} corpus URLs, 1 worker** (`-c 64 --per-host 0`), each run side by side")
        out.append("")
        out.append("| run | pages/s | vs no --warc | CPU ms/page | WARC bytes/page | worker RSS MiB |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for r in w["levels"]:
            name = "no --warc" if r["level"] is None else f"--warc-gzip-level {r['level']}"
            size = "" if r["level"] is None else f"{r['warc_bytes'] / r['urls']:,.0f}"
            out.append(f"| {name} | {r['pages_per_s']:,.0f} | {r['vs_plain']:.3f} | {r['cpu_ms_per_page']:.3f} | "
                       f"{size} | {kb_mib(max(r['worker_rss_kb']))} |")
        out.append("")
    dn = res.get("dns")
    if dn:
        out.append(f"**DNS**: {dn['names']:,} distinct host names, a DNS server answering each query after 50 ms, "
                   f"concurrency {dn['concurrency']}: {dn['ok']:,} ok in **{dn['wall_s']:.2f} s** "
                   f"(one lookup at a time: {dn['serial_s']:.0f} s).")
        out.append("")
    rec = res.get("recursive")
    if rec:
        out.append(f"**Recursive crawl of the synthetic web: {rec['pages']:,} pages over {rec['hosts']:,} hosts** "
                   "(`--depth 12 --scope any -c 64 --per-host 4`), against a list crawl of the pages it fetched")
        out.append("")
        out.append("| workers | records | recursive pages/s | list pages/s | recursive / list | supervisor RSS MiB "
                   "(recursive) | supervisor RSS MiB (list) | URLs discovered | frontier bytes per URL |")
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rec["runs"]:
            out.append(f"| {r['workers']} | {r['recursive']['urls']:,} | {r['recursive']['pages_per_s']:,.0f} | "
                       f"{r['list']['pages_per_s']:,.0f} | {r['vs_list']:.2f}x | "
                       f"{kb_mib(r['recursive']['supervisor_rss_kb'])} | {kb_mib(r['list']['supervisor_rss_kb'])} | "
                       f"{r['discovered']:,} | {r['frontier_bytes_per_url']:.0f} |")
        out.append("")
    return "\n".join(out)
