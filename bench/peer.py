#!/usr/bin/python3
"""The seed design as a peer: one asyncio event loop, aiohttp for HTTP, lxml (libxml2) for HTML.

Fetches every URL of a list with a bounded number in flight, inflates (aiohttp does it),
parses each HTML page with lxml and extracts what crawl extracts (title, description,
canonical, lang, base, distinct resolved http(s) links, SHA-256 of the body), writing one JSON
line per URL. Debian packages: python3-aiohttp, python3-lxml.

    bench/peer.py [--concurrency N] [--per-host N] [-o FILE] URLS_FILE
Prints on stderr: "peer: N URLs in S s (P pages/s), ok K, peak RSS R kB".
"""
import argparse
import asyncio
import hashlib
import json
import sys
import time
from urllib.parse import urldefrag, urljoin

import aiohttp
import lxml.html


def extract(body, url):
    doc = lxml.html.document_fromstring(body)
    info = {"title": None, "description": None, "canonical": None, "lang": doc.get("lang")}
    titles = doc.xpath("//title")
    if titles:
        info["title"] = " ".join((titles[0].text_content() or "").split())
    for meta in doc.xpath("//meta[@name]"):
        if meta.get("name", "").strip().lower() == "description":
            info["description"] = " ".join((meta.get("content") or "").split())
            break
    base = url
    bases = doc.xpath("//base[@href]")
    if bases:
        base = urljoin(url, bases[0].get("href").strip())
    for link in doc.xpath("//link[@rel][@href]"):
        if "canonical" in link.get("rel").lower().split():
            info["canonical"] = urljoin(base, link.get("href").strip())
            break
    links = set()
    for a in doc.xpath("//a[@href]|//area[@href]"):
        href = a.get("href").strip().replace("\t", "").replace("\n", "").replace("\r", "")
        if href.startswith(("javascript:", "mailto:", "data:", "tel:")):
            continue
        resolved = urldefrag(urljoin(base, href))[0]
        if resolved.startswith(("http://", "https://")):
            links.add(resolved)
    info["links_count"] = len(links)
    return info


async def fetch(session, seq, url, limit, out):
    record = {"seq": seq, "url": url, "status": None, "ok": False, "error": None}
    async with limit:
        try:
            async with session.get(url, headers={"Accept-Encoding": "gzip, deflate"}) as response:
                body = await response.read()
                record["status"] = response.status
                record["ok"] = 200 <= response.status < 300
                record["body_bytes"] = len(body)
                record["hash"] = "sha256:" + hashlib.sha256(body).hexdigest()
                if response.content_type in ("text/html", "application/xhtml+xml") and body:
                    record.update(extract(body, str(response.url)))
        except Exception as e:  # one record per URL, whatever happened
            record["error"] = {"class": type(e).__name__, "message": str(e)}
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record["ok"]


async def crawl(urls, concurrency, per_host, out):
    limit = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_host, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=True) as session:
        # A bounded set of tasks in flight, fed from the list, so memory does not grow with it.
        pending = set()
        ok = 0
        for seq, url in urls:
            if len(pending) >= concurrency * 2:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                ok += sum(t.result() for t in done)
            pending.add(asyncio.ensure_future(fetch(session, seq, url, limit, out)))
        if pending:
            done, _ = await asyncio.wait(pending)
            ok += sum(t.result() for t in done)
        return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=0, help="0 = no cap")
    parser.add_argument("-o", "--output", default="-")
    parser.add_argument("urls")
    args = parser.parse_args()
    with open(args.urls) as f:
        urls = [(n, line.strip()) for n, line in enumerate(f, 1) if line.strip() and not line.startswith("#")]
    out = sys.stdout if args.output == "-" else open(args.output, "w")
    start = time.monotonic()
    ok = asyncio.run(crawl(urls, args.concurrency, args.per_host, out))
    wall = time.monotonic() - start
    out.flush()
    print(f"peer: {len(urls)} URLs in {wall:.2f} s ({len(urls) / wall:.1f} pages/s), ok {ok}, "
          f"peak RSS {peak_rss_kb()} kB", file=sys.stderr)


def peak_rss_kb():
    # VmHWM is this address space's own peak (ru_maxrss would include whatever forked us).
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()
