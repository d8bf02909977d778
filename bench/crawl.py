"""Crawl throughput on a loopback news site, politeness off: httpx + trafilatura next to Scrapy + trafilatura.

    python -m bench.crawl [--articles 600] [--words 400] [--skip-scrapy]

A generated site (:mod:`bench.monitor_site`, ``--articles`` pages of about
``--words`` syllables, with menus, related links and footers) is served by its own
process on 127.0.0.1; each candidate runs in its own process too, so that no two
share a GIL. Measured, for each candidate, with the same 32 connections and the
same extraction function (:func:`media_monitor.extract.extract_article`):

* **fetch only**: pages per second fetched (the HTTP stack alone);
* **fetch + extract**: pages per second fetched and extracted;

and then the monitor's own crawler end to end (``Crawler.run_once``: fetch,
decode, extract, de-duplicate, label when a post model is current, and store in
SQLite, one commit per stage), in pages per second. Each figure is wall-clock
pages/s and CPU seconds per page of the crawling process (the site's process
is not counted). Writes ``bench/results/crawl.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import REPO, write_result

CONCURRENCY = 32


def _serve(articles: int, words: int, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "bench.monitor_site", "--articles", str(articles),
                                "--words", str(words), "--port", str(port)], cwd=REPO, stdout=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.readline()  # "serving ..."
    return process


def _httpx_candidate(urls: list[str], extract: bool) -> dict:
    """Run in a child process: fetch (and extract) every URL with the monitor's Fetcher."""
    code = f"""
import asyncio, json, sys, time
from media_monitor.fetch import CrawlPolicy, Fetcher
from media_monitor.extract import extract_article
from media_monitor.encoding import decode_html
urls = json.load(open(sys.argv[1]))
async def main():
    stats = {{"pages": 0, "extracted": 0, "errors": 0}}
    queue = asyncio.Queue()
    for u in urls: queue.put_nowait(u)
    async with Fetcher(CrawlPolicy.impolite(concurrency={CONCURRENCY}, host_concurrency={CONCURRENCY})) as f:
        async def worker():
            while not queue.empty():
                url = queue.get_nowait()
                r = await f.fetch(url)
                if r.outcome.value != "ok":
                    stats["errors"] += 1; continue
                stats["pages"] += 1
                if {extract}:
                    extract_article(decode_html(r.body, r.content_type).text, url=url); stats["extracted"] += 1
        await asyncio.gather(*[worker() for _ in range({CONCURRENCY})])
    return stats
start, cpu = time.perf_counter(), time.process_time()
stats = asyncio.run(main())
seconds, cpu_seconds = round(time.perf_counter() - start, 3), round(time.process_time() - cpu, 3)
print(json.dumps({{**stats, "seconds": seconds, "cpu_seconds": cpu_seconds}}))
"""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(urls, handle)
    out = subprocess.run([sys.executable, "-c", code, handle.name], cwd=REPO, capture_output=True, text=True,
                         timeout=900)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _scrapy_candidate(urls: list[str], extract: bool) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(urls))
    args = [sys.executable, "-m", "bench.crawl_scrapy", handle.name] + ([] if extract else ["--no-extract"])
    out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pipeline(site: str, models: Path | None) -> dict:
    """The monitor's crawler end to end on a fresh SQLite database (in this process)."""
    import structlog

    from core.artifacts import current
    from core.storage import Database
    from hueai.db import upgrade
    from media_monitor.crawler import Crawler
    from media_monitor.fetch import CrawlPolicy
    from media_monitor.labelling import Labeller
    from media_monitor.settings import MonitorSettings
    from media_monitor.sources import SourceSpec, add_source

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.sqlite3")
        upgrade(db)
        add_source(db, SourceSpec(kind="sitemap", url=f"{site}/sitemap.xml"))
        model = current(models, "posts") if models else None
        labeller = Labeller.load(model) if model else None
        if labeller is not None:  # load lazily-built parts before the clock starts
            labeller.label([{"title": "Huế", "content": "Mưa lớn ở phường Vỹ Dạ"}])
        settings = MonitorSettings(max_articles_per_source=100_000)
        crawler = Crawler(db, settings, labeller=labeller,
                          policy=CrawlPolicy.impolite(concurrency=CONCURRENCY, host_concurrency=CONCURRENCY))
        crawler.index  # noqa: B018 (the empty index, built before the clock starts)
        start, cpu = time.perf_counter(), time.process_time()
        report = asyncio.run(crawler.run_once())
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        db.dispose()
    return {"pages": report.fetched - 1, "articles": report.articles, "errors": report.failed,
            "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
            "labelled_with": model.name if model else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-scrapy", action="store_true")
    args = parser.parse_args()
    console = Console(width=140)
    from hueai.settings import get_settings

    models = get_settings().models
    server = _serve(args.articles, args.words, args.port)
    site = f"http://127.0.0.1:{args.port}"
    try:
        sitemap = urllib.request.urlopen(f"{site}/sitemap.xml", timeout=30).read().decode()
        urls = [part.split("</loc>")[0] for part in sitemap.split("<loc>")[1:]]
        runs: dict[str, dict] = {}
        for name, run in (("httpx", _httpx_candidate), ("scrapy", _scrapy_candidate)):
            if name == "scrapy" and args.skip_scrapy:
                continue
            for extract in (False, True):
                label = f"{name} {'fetch + extract' if extract else 'fetch only'}"
                console.print(f"[dim]{label} …")
                runs[label] = run(urls, extract)
        console.print("[dim]monitor crawler end to end …")
        runs["monitor crawl --once (fetch, extract, dedupe, label, store)"] = _pipeline(site, models)
    finally:
        server.terminate()
        server.wait()

    table = Table(title=f"Crawl throughput: {len(urls)} article pages of ~{args.words} syllables on loopback, "
                        f"{CONCURRENCY} connections, politeness off")
    for column in ("candidate", "pages", "errors", "seconds", "pages/s", "CPU ms/page"):
        table.add_column(column, justify="left" if column == "candidate" else "right")
    for label, run in runs.items():
        run["pages_per_second"] = round(run["pages"] / run["seconds"], 1) if run["seconds"] else None
        run["cpu_ms_per_page"] = round(1000 * run["cpu_seconds"] / max(run["pages"], 1), 2)
        table.add_row(label, str(run["pages"]), str(run["errors"]), f"{run['seconds']:.2f}",
                      f"{run['pages_per_second']:.1f}", f"{run['cpu_ms_per_page']:.2f}")
    console.print(table)
    path = write_result("crawl", {"articles": len(urls), "words": args.words, "concurrency": CONCURRENCY,
                                  "runs": runs})
    console.print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
