"""The Scrapy candidate of ``python -m bench.crawl``: the same pages, fetched by Scrapy, extracted the same way.

    python -m bench.crawl_scrapy URLS_FILE [--no-extract]     # prints one JSON line of measurements

Run in its own process by the benchmark (Twisted's reactor cannot be restarted
in a process, and the two candidates must not share a GIL).
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from media_monitor.extract import ExtractionError, extract_article

    urls = [line.strip() for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    extract = "--no-extract" not in sys.argv
    stats = {"pages": 0, "extracted": 0, "errors": 0}

    class Pages(scrapy.Spider):
        name = "pages"
        custom_settings = {"CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "DOWNLOAD_DELAY": 0,
                           "ROBOTSTXT_OBEY": False, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "ERROR",
                           "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "RETRY_ENABLED": False,
                           "DOWNLOAD_MAXSIZE": 5_000_000}

        async def start(self):  # type: ignore[no-untyped-def]
            for url in urls:
                yield scrapy.Request(url, callback=self.parse, errback=self.failed)

        def parse(self, response):  # type: ignore[no-untyped-def]
            stats["pages"] += 1
            if extract:
                try:
                    extract_article(response.text, url=response.url)
                    stats["extracted"] += 1
                except ExtractionError:
                    stats["errors"] += 1

        def failed(self, failure):  # type: ignore[no-untyped-def]
            stats["errors"] += 1

    process = CrawlerProcess(settings={"LOG_LEVEL": "ERROR"})
    process.crawl(Pages).addErrback(lambda failure: print(failure, file=sys.stderr))
    start, cpu = time.perf_counter(), time.process_time()
    process.start()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({**stats, "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3)}))


if __name__ == "__main__":
    main()
