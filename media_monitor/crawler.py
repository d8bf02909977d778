"""The crawl loop: sources due -> entry pages -> article pages -> extract -> dedupe -> label, until done or stopped.

>>> crawler = Crawler(db, settings.monitor, labeller=Labeller.current(models_dir))
>>> report = asyncio.run(crawler.run_once())            # `hueai monitor crawl --once`
>>> asyncio.run(crawler.run_forever(stop_event))        # `hueai monitor crawl` (stop_event set on SIGTERM)

One pass (:meth:`Crawler.run_once`):

1. :func:`~media_monitor.pipeline.resume` finishes what a crash left (pages
   fetched but not extracted, articles not de-duplicated or labelled);
2. each source due is queued: its entry page becomes ``pending`` again (a
   conditional GET: a feed that did not change costs a 304), an export file is
   re-read (known posts are skipped);
3. workers take ``pending`` URLs whose time has come from the database, entry
   pages first, and run fetch -> extract -> dedupe -> label on each, each stage
   committing before the next; new article links join the queue;
4. when nothing is due but a retry is scheduled within the pass, it waits for
   it (``--once`` means "until every URL has an answer or spent its retries").

Stopping (``stop`` set, e.g. by SIGTERM) stops taking new URLs; URLs in flight
finish their stages and are stored. A URL that was being fetched when the
process was killed is still ``pending`` in the database and is fetched by the
next run: nothing fetched and stored is fetched again, nothing is lost.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from sqlalchemy import event

from core.storage import Database, utcnow
from media_monitor.connectors import export_connector
from media_monitor.dedup import NearDuplicateIndex
from media_monitor.fetch import CrawlPolicy, Fetcher
from media_monitor.labelling import Labeller
from media_monitor.pipeline import (
    RetryPolicy,
    aware,
    due_sources,
    due_urls,
    enqueue_entry,
    extract_stage,
    fetch_stage,
    import_posts,
    load_index,
    mark_crawled,
    next_retry_at,
    process_articles,
    resume,
)
from media_monitor.settings import MonitorSettings
from media_monitor.tables import SourceRow

log = structlog.get_logger(__name__)

#: In --once, a retry scheduled further ahead than this is left for the next crawl.
MAX_WAIT_IN_PASS = 120.0
#: Articles de-duplicated and labelled together (or fewer, when the fetches pause).
BATCH = 64


@dataclass
class CrawlReport:
    sources: int = 0
    fetched: int = 0  # URLs that got an answer this pass
    articles: int = 0  # new articles stored
    failed: int = 0
    states: dict[str, int] = field(default_factory=dict)
    imported: int = 0
    import_errors: list[str] = field(default_factory=list)
    resumed: int = 0
    seconds: float = 0.0
    stopped: bool = False


def relax_sqlite_sync(db: Database) -> None:
    """On SQLite, commit without waiting for the disk (``PRAGMA synchronous=NORMAL``) in this process.

    The crawler commits each stage of each page on its own (3–4 commits per
    page); with SQLite's default (FULL) each commit waits for an fsync, which
    on this machine cost a quarter of the crawl's time. In WAL mode, NORMAL
    still survives any crash of the *process* (SIGKILL included: what was
    committed is in the WAL file); only a power cut or kernel crash can drop the
    last commits, and those pages are simply fetched again. PostgreSQL is left
    alone (its own ``synchronous_commit`` is the operator's choice).
    """
    if db.engine.dialect.name != "sqlite":
        return

    def normal(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    if not event.contains(db.engine, "connect", normal):
        event.listen(db.engine, "connect", normal)
        db.engine.dispose()  # connections already pooled reopen with the pragma


class Crawler:
    """Runs passes over the sources of one database. ``labeller`` None stores articles unlabelled
    (``hueai monitor relabel`` labels them later)."""

    def __init__(self, db: Database, settings: MonitorSettings, *, labeller: Labeller | None,
                 policy: CrawlPolicy | None = None, transport: object | None = None) -> None:
        self.db = db
        if settings.sqlite_relaxed_sync:
            relax_sqlite_sync(db)
        self.settings = settings
        self.labeller = labeller
        self.policy = policy or CrawlPolicy.from_settings(settings)
        self.retry = RetryPolicy(settings.retries, settings.backoff)
        self.transport = transport
        self._index: NearDuplicateIndex | None = None
        self._new: list[int] = []  # extracted articles waiting for dedupe + label

    @property
    def index(self) -> NearDuplicateIndex:
        if self._index is None:
            self._index = load_index(self.db, self.settings.near_duplicate_threshold)
        return self._index

    # -- one URL through every stage ---------------------------------------------------------

    async def _one(self, fetcher: Fetcher, url_id: int, report: CrawlReport) -> None:
        """Fetch and extract one URL; a new article waits in ``_new`` for the batched stages."""
        state = await fetch_stage(self.db, fetcher, url_id, retry=self.retry,
                                  max_links=self.settings.max_articles_per_source)
        report.states[state] = report.states.get(state, 0) + 1
        if state != "pending":
            report.fetched += 1
        if state == "failed":
            report.failed += 1
        if state != "fetched":
            return
        article_id = extract_stage(self.db, url_id)
        if article_id is None:
            report.failed += 1
            return
        self._new.append(article_id)

    def _process_new(self, report: CrawlReport) -> None:
        """De-duplicate and label the articles extracted since the last call, in one transaction per stage:
        per article, these stages cost less than the commit that would store each alone."""
        ids, self._new = sorted(set(self._new)), []
        if ids:
            process_articles(self.db, self.index, self.labeller, ids, batch=BATCH)
            report.articles += len(ids)

    # -- sources -------------------------------------------------------------------------------

    def _import(self, source: SourceRow, report: CrawlReport) -> None:
        path = Path(source.url)
        if not path.is_file():
            report.import_errors.append(f"{source.name}: no such file {path}")
            return
        imported = import_posts(self.db, source, export_connector(path, source.name))
        process_articles(self.db, self.index, self.labeller, imported.article_ids)
        report.imported += imported.added
        report.import_errors += [f"{source.name}: line {n}: {reason}" for n, reason in imported.errors]

    async def run_once(self, *, stop: asyncio.Event | None = None, every: bool = True) -> CrawlReport:
        """One pass over the sources (all enabled ones, or only those due with ``every=False``)."""
        stop = stop or asyncio.Event()
        started = time.perf_counter()
        report = CrawlReport()
        report.resumed = resume(self.db, self.index, self.labeller)
        sources = due_sources(self.db, every=every)
        report.sources = len(sources)
        for source in sources:
            if source.kind == "import":
                self._import(source, report)
            else:
                enqueue_entry(self.db, source)
        in_flight: dict[asyncio.Task[None], int] = {}
        width = max(self.policy.concurrency * 2, 4)
        async with Fetcher(self.policy, transport=self.transport) as fetcher:  # type: ignore[arg-type]
            relay = asyncio.create_task(_relay(stop, fetcher.stopping))
            while True:
                if not stop.is_set() and len(in_flight) < width:
                    for url_id in due_urls(self.db, limit=width - len(in_flight), exclude=set(in_flight.values())):
                        in_flight[asyncio.create_task(self._one(fetcher, url_id, report))] = url_id
                if len(self._new) >= BATCH or not in_flight:
                    self._process_new(report)
                if not in_flight:
                    if stop.is_set():
                        break
                    retry_at = aware(next_retry_at(self.db))
                    wait = (retry_at - utcnow()).total_seconds() if retry_at is not None else None
                    if wait is None or wait > MAX_WAIT_IN_PASS:
                        break
                    await _sleep_or_stop(stop, max(wait, 0.05))
                    continue
                stopper = asyncio.create_task(stop.wait())
                done, _ = await asyncio.wait([*in_flight, stopper], return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                for task in done:
                    if task is stopper:
                        continue
                    in_flight.pop(task, None)
                    if (exc := task.exception()) is not None:  # a bug costs one URL, not the pass
                        log.error("monitor.url_failed", error=f"{type(exc).__name__}: {exc}")
                        report.failed += 1
            relay.cancel()
        self._process_new(report)
        mark_crawled(self.db, (s.id for s in sources))
        report.stopped = stop.is_set()
        report.seconds = round(time.perf_counter() - started, 2)
        log.info("monitor.crawl_pass", sources=report.sources, fetched=report.fetched, articles=report.articles,
                 failed=report.failed, seconds=report.seconds, stopped=report.stopped)
        return report

    async def run_forever(self, stop: asyncio.Event, *, tick: float = 5.0) -> list[CrawlReport]:
        """Crawl each source on its own interval until ``stop`` is set; in-flight work finishes first."""
        reports = []
        while not stop.is_set():
            if due_sources(self.db, every=False):
                reports.append(await self.run_once(stop=stop, every=False))
            await _sleep_or_stop(stop, tick)
        return reports


async def _relay(stop: asyncio.Event, stopping: asyncio.Event) -> None:
    await stop.wait()
    stopping.set()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass
