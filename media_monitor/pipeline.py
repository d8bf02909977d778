"""The pipeline's stages: each a function of one item, its state in the database, safe to run again.

=============  ==============================  ===========================================
stage          item -> state it moves          re-running it
=============  ==============================  ===========================================
fetch          URL ``pending`` -> ``fetched``    does nothing unless the URL is ``pending``
               (article) or ``done`` (entry
               page: its links queued)
extract        URL ``fetched`` -> ``done``,      does nothing unless ``fetched``
               article ``new``
dedupe         article ``new`` -> ``deduped``    does nothing unless ``new``
               (story and signature stored)
label          article ``deduped`` ->            relabels only when asked (``relabel``)
               ``labelled``
store          every stage commits its own       -
               result before the next starts
export         read by ``GET /api/monitor/...``  -
=============  ==============================  ===========================================

Because each stage reads its input from the database and commits its output in
one transaction, a crash (even SIGKILL) between or inside stages loses only the
work in flight: on restart :func:`resume` finds URLs still ``pending`` or
``fetched`` and articles still ``new`` or ``deduped`` and finishes them; no
article is stored twice (canonical URLs and ``(source, external id)`` are
unique). A task engine could run the same functions on several machines, one
item per task; only :class:`~media_monitor.dedup.NearDuplicateIndex` is
in-process (see :mod:`media_monitor.dedup`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from datasketch import MinHash
from sqlalchemy import or_, select, update

from core.storage import Database, utcnow
from media_monitor.connectors import Connector, SocialPost
from media_monitor.dedup import NearDuplicateIndex, content_hash, from_bytes, signature, to_bytes
from media_monitor.discover import Discovered, DiscoveryError, Link, feed_links, listing_links, sitemap_links
from media_monitor.encoding import decode_html
from media_monitor.extract import ExtractionError, extract_article
from media_monitor.fetch import Fetcher, FetchResult, Outcome
from media_monitor.labelling import Labeller, Labels
from media_monitor.tables import ArticleRow, SourceRow, UrlRow
from media_monitor.urls import BadUrl, canonical_url, host_of

log = structlog.get_logger(__name__)

ENTRY_ROLE = {"rss": "feed", "page": "listing", "sitemap": "sitemap"}
FINISHED = ("done", "failed", "gone", "skipped")


def as_utc(value: datetime | None) -> datetime | None:
    """``value`` in UTC, as every time is stored (SQLite keeps no offset, so a +07:00 time would be misread)."""
    return value.astimezone(UTC) if value is not None else None


def aware(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 3
    backoff: float = 2.0

    def delay(self, attempts: int, retry_after: float | None) -> float:
        return max(retry_after or 0.0, self.backoff * 2 ** max(attempts - 1, 0))


# --- sources -> entry URLs ---------------------------------------------------------------------


def enqueue_entry(db: Database, source: SourceRow) -> int:
    """Queue a source's entry page for this crawl (kept validators make it a conditional GET); its URL id."""
    with db.session() as session:
        row = session.scalars(select(UrlRow).where(UrlRow.url == source.url)).first()
        if row is None:
            row = UrlRow(url=source.url, host=host_of(source.url), source_id=source.id,
                         role=ENTRY_ROLE[source.kind], state="pending", attempts=0)
            session.add(row)
        elif row.state in FINISHED:
            row.state, row.attempts, row.next_attempt_at, row.error = "pending", 0, None, None
        session.flush()
        return row.id


def _queue_links(session, source_id: int, links: Iterable[Link], role: str, limit: int) -> int:  # type: ignore[no-untyped-def]
    """Insert the links not known yet as ``pending`` URLs; how many were new."""
    wanted: dict[str, Link] = {}
    for link in links:
        if len(wanted) >= limit:
            break
        wanted.setdefault(link.url, link)
    if not wanted:
        return 0
    known = set(session.scalars(select(UrlRow.url).where(UrlRow.url.in_(list(wanted)))))
    new = [link for url, link in wanted.items() if url not in known]
    for link in new:
        session.add(UrlRow(url=link.url, host=host_of(link.url), source_id=source_id, role=role, state="pending",
                           attempts=0, hint=link.hint or None))
    return len(new)


# --- fetch -------------------------------------------------------------------------------------


def _discover(row: UrlRow, source: SourceRow, result: FetchResult) -> Discovered:
    base = result.final_url or row.url
    if row.role == "feed":
        return feed_links(result.body, base)
    if row.role == "listing":
        return listing_links(result.body, base, source.selector or "a", result.content_type)
    return sitemap_links(result.body, base)


async def fetch_stage(db: Database, fetcher: Fetcher, url_id: int, *, retry: RetryPolicy = RetryPolicy(),
                      max_links: int = 200) -> str:
    """Fetch one ``pending`` URL and record what happened; returns the URL's new state."""
    with db.session() as session:
        row = session.get(UrlRow, url_id)
        if row is None or row.state != "pending":
            return row.state if row is not None else "missing"
        url, role = row.url, row.role
        validators = (row.etag, row.last_modified) if role != "article" else (None, None)
    result = await fetcher.fetch(url, etag=validators[0], last_modified=validators[1])
    if result.outcome == Outcome.cancelled:  # never sent: left pending for the next run
        return "pending"
    now = utcnow()
    with db.session() as session:
        row = session.get(UrlRow, url_id)
        if row is None or row.state != "pending":  # another worker got there first
            return row.state if row is not None else "missing"
        source = session.get(SourceRow, row.source_id)
        row.status, row.error = result.status, result.error
        if result.outcome == Outcome.ok:
            row.fetched_at, row.attempts = now, row.attempts + 1
            row.final_url = result.final_url if result.final_url != url else None
            row.etag, row.last_modified = result.etag, result.last_modified
            if role == "article":
                decoded = decode_html(result.body, result.content_type)
                row.body, row.charset, row.state = decoded.text, decoded.charset, "fetched"
            else:
                try:
                    found = _discover(row, source, result)
                except DiscoveryError as exc:
                    row.state, row.error = "failed", str(exc)
                    if source is not None:
                        source.last_error = f"{url}: {exc}"
                    return row.state
                new = _queue_links(session, row.source_id, found.articles, "article", max_links)
                new += _queue_links(session, row.source_id, (Link(u) for u in found.sitemaps), "sitemap", max_links)
                row.state = "done"
                if source is not None:
                    source.last_error = None
                log.info("monitor.entry_read", url=url, links=len(found.articles), new=new)
        elif result.outcome == Outcome.redirect:
            target = result.final_url or ""
            known = session.scalars(select(UrlRow).where(UrlRow.url == target)).first()
            if known is None:
                session.add(UrlRow(url=target, host=host_of(target), source_id=row.source_id, role=role,
                                   state="pending", attempts=0, hint=row.hint))
            elif role != "article" and known.state in FINISHED:  # an entry page is read again every crawl
                known.state, known.attempts, known.next_attempt_at = "pending", 0, None
            row.state, row.final_url, row.fetched_at = "done", target, now
            row.error = f"redirects to {target}" + (" (known)" if known is not None else "")
        elif result.outcome == Outcome.not_modified:
            row.state, row.fetched_at = "done", now
        elif result.outcome == Outcome.gone:
            row.state = "gone"
        elif result.outcome == Outcome.disallowed:
            row.state = "skipped"
        elif result.outcome in (Outcome.retry, Outcome.robots_unavailable):
            row.attempts += 1
            if row.attempts > retry.retries:
                row.state = "failed"
            else:
                row.next_attempt_at = now + timedelta(seconds=retry.delay(row.attempts, result.retry_after))
        else:  # refused, too_large
            row.state = "failed"
        if row.state == "failed" and role != "article" and source is not None:
            source.last_error = f"{url}: {row.error}"
        return row.state


# --- extract -----------------------------------------------------------------------------------


def extract_stage(db: Database, url_id: int) -> int | None:
    """Turn one ``fetched`` article page into an article (``new``); its id, or None when there is no article.

    The article's URL is the page's own canonical link (same site), else where redirects ended; a page
    whose canonical URL another article already has is the same page, not a second article.
    """
    with db.session() as session:
        row = session.get(UrlRow, url_id)
        if row is None:
            return None
        if row.state != "fetched":
            return session.scalars(select(ArticleRow.id).where(ArticleRow.url_id == url_id)).first()
        try:
            extracted = extract_article(row.body or "", url=row.final_url or row.url, hint=row.hint)
        except ExtractionError as exc:
            row.state, row.error = "failed", str(exc)
            return None
        try:
            article_url = extracted.canonical or (canonical_url(row.final_url) if row.final_url else row.url)
        except BadUrl:
            article_url = row.url
        same = session.scalars(select(ArticleRow.id).where(ArticleRow.url == article_url)).first()
        row.state = "done"
        if same is not None:
            row.error = f"the same page as article {same}"
            return same
        article = ArticleRow(source_id=row.source_id, url_id=row.id, url=article_url, title=extracted.title,
                             content=extracted.text, published_at=as_utc(extracted.published_at),
                             author=extracted.author, site_name=extracted.site_name, stage="new",
                             content_sha256=content_hash(extracted.title, extracted.text))
        session.add(article)
        session.flush()
        return article.id


# --- dedupe ------------------------------------------------------------------------------------


def load_index(db: Database, threshold: float) -> NearDuplicateIndex:
    """The near-duplicate index over every de-duplicated article's stored signature."""
    index = NearDuplicateIndex(threshold)
    with db.session() as session:
        rows = session.execute(select(ArticleRow.id, ArticleRow.minhash).where(
            ArticleRow.stage != "new", ArticleRow.minhash.is_not(None)).order_by(ArticleRow.id))
        index.add_many((article_id, from_bytes(blob)) for article_id, blob in rows)
    return index


def _dedupe(session, index: NearDuplicateIndex, article: ArticleRow) -> MinHash | None:  # type: ignore[no-untyped-def]
    """Give ``article`` (stage ``new``) its story inside ``session``; its signature (None: no text)."""
    exact = session.execute(
        select(ArticleRow.id, ArticleRow.story_id).where(
            ArticleRow.content_sha256 == article.content_sha256, ArticleRow.id != article.id,
            ArticleRow.stage != "new").order_by(ArticleRow.id).limit(1)).first()
    minhash = signature(article.content or article.title)
    if exact is not None:
        article.story_id, article.similarity = exact.story_id or exact.id, 1.0
    elif minhash is not None and (match := index.match(minhash, exclude=article.id)) is not None:
        story = session.scalars(select(ArticleRow.story_id).where(ArticleRow.id == match.article_id)).first()
        article.story_id, article.similarity = story or match.article_id, round(match.similarity, 4)
    else:
        article.story_id, article.similarity = article.id, None
    article.minhash = to_bytes(minhash) if minhash is not None else None
    article.stage, article.updated_at = "deduped", utcnow()
    return minhash


def dedupe_stage(db: Database, index: NearDuplicateIndex, article_id: int) -> int | None:
    """Give one ``new`` article its story: an exact copy's, a near duplicate's, or its own; the story id."""
    return dedupe_many(db, index, [article_id]).get(article_id)


def dedupe_many(db: Database, index: NearDuplicateIndex, article_ids: Sequence[int]) -> dict[int, int | None]:
    """:func:`dedupe_stage` for several articles in one transaction (in id order, so within the batch the
    earlier article founds the story); ``{article id: story id}``."""
    stories: dict[int, int | None] = {}
    with db.session() as session:
        articles = list(session.scalars(select(ArticleRow).where(ArticleRow.id.in_(list(article_ids)))
                                        .order_by(ArticleRow.id)))
        for article in articles:
            if article.stage == "new":
                minhash = _dedupe(session, index, article)
                session.flush()  # the next article's exact-copy query sees this one
                if minhash is not None:
                    # In the index at once, for the rest of the batch. Should the commit fail, the
                    # articles stay "new" and are done again (adding an id twice is a no-op).
                    index.add(article.id, minhash)
            stories[article.id] = article.story_id
    return stories


# --- label -------------------------------------------------------------------------------------


def _apply(article: ArticleRow, labels: Labels, now: datetime) -> None:
    article.relevant, article.relevant_confidence = labels.relevant, labels.relevant_confidence
    article.spam, article.spam_confidence = labels.spam, labels.spam_confidence
    article.sentiment_l1, article.sentiment_l1_confidence = labels.sentiment_l1, labels.sentiment_l1_confidence
    article.sentiment_l2, article.places = labels.sentiment_l2, labels.places
    article.model_version, article.labelled_at, article.updated_at = labels.model_version, now, now
    article.stage = "labelled"


def label_stage(db: Database, labeller: Labeller, article_ids: Sequence[int], *, relabel: bool = False) -> int:
    """Label the given ``deduped`` articles (and ``labelled`` ones when ``relabel``), in one batch; how many."""
    stages = ("deduped", "labelled") if relabel else ("deduped",)
    with db.session() as session:
        articles = list(session.scalars(select(ArticleRow).where(ArticleRow.id.in_(list(article_ids)),
                                                                 ArticleRow.stage.in_(stages))))
        if not articles:
            return 0
        sources = {s.id: s for s in session.scalars(select(SourceRow).where(
            SourceRow.id.in_({a.source_id for a in articles})))}
        labels = labeller.label([{"title": a.title, "content": a.content,
                                  "source": "social" if sources[a.source_id].kind == "import" else "press"}
                                 for a in articles])
        now = utcnow()
        for article, label in zip(articles, labels):
            _apply(article, label, now)
        return len(articles)


def relabel(db: Database, labeller: Labeller, *, before_model: str | None = None, batch: int = 256) -> int:
    """Re-label stored articles made by another model version (or only by versions older than
    ``before_model``: version names sort by their time stamp); how many were re-labelled."""
    total = 0
    last_id = 0
    while True:
        with db.session() as session:
            condition = (ArticleRow.model_version < before_model if before_model
                         else or_(ArticleRow.model_version.is_(None), ArticleRow.model_version != labeller.version))
            ids = list(session.scalars(select(ArticleRow.id).where(
                ArticleRow.id > last_id, ArticleRow.stage.in_(("deduped", "labelled")), condition,
            ).order_by(ArticleRow.id).limit(batch)))
        if not ids:
            return total
        total += label_stage(db, labeller, ids, relabel=True)
        last_id = ids[-1]


# --- imports -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0  # posts of this source with this id were imported before
    errors: list[tuple[int, str]] = field(default_factory=list)  # (record number, reason)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)


def import_posts(db: Database, source: SourceRow, connector: Connector, *, batch: int = 500) -> ImportReport:
    """Store the connector's posts as ``new`` articles of ``source`` (committed per batch); bad records are
    reported with their numbers and the rest imported. De-duplication and labelling follow (see
    :func:`process_articles`)."""
    report = ImportReport()
    pending: list[SocialPost] = []

    def flush() -> None:
        if not pending:
            return
        with db.session() as session:
            known = set(session.scalars(select(ArticleRow.external_id).where(
                ArticleRow.source_id == source.id, ArticleRow.external_id.in_([p.id for p in pending]))))
            rows = []
            for post in pending:
                if post.id in known:  # imported before, or twice in this file
                    report.already += 1
                    continue
                known.add(post.id)
                rows.append(ArticleRow(source_id=source.id, external_id=post.id, url=post.url, author=post.author,
                                       site_name=post.source, title=post.title, content=post.content,
                                       published_at=as_utc(post.published_at), stage="new",
                                       content_sha256=content_hash(post.title, post.content)))
            session.add_all(rows)
            session.flush()
            report.article_ids.extend(r.id for r in rows)
            report.added += len(rows)
        pending.clear()

    for item in connector.posts():
        if item.post is None:
            report.errors.append((item.number, item.error or "unreadable"))
            continue
        if item.post.date_warning:
            report.warnings.append((item.number, item.post.date_warning))
        pending.append(item.post)
        if len(pending) >= batch:
            flush()
    flush()
    return report


def process_articles(db: Database, index: NearDuplicateIndex, labeller: Labeller | None,
                     article_ids: Sequence[int], *, batch: int = 256) -> None:
    """De-duplicate, then label (when a labeller is given), the given articles, in order."""
    for start in range(0, len(article_ids), batch):
        dedupe_many(db, index, article_ids[start:start + batch])
    if labeller is not None:
        for start in range(0, len(article_ids), batch):
            label_stage(db, labeller, article_ids[start:start + batch])


def unfinished(db: Database) -> tuple[list[int], list[int], list[int]]:
    """What a crash left: URLs ``fetched`` but not extracted, articles ``new``, articles ``deduped``."""
    with db.session() as session:
        fetched = list(session.scalars(select(UrlRow.id).where(UrlRow.state == "fetched").order_by(UrlRow.id)))
        new = list(session.scalars(select(ArticleRow.id).where(ArticleRow.stage == "new").order_by(ArticleRow.id)))
        deduped = list(session.scalars(select(ArticleRow.id).where(ArticleRow.stage == "deduped")
                                       .order_by(ArticleRow.id)))
    return fetched, new, deduped


def resume(db: Database, index: NearDuplicateIndex, labeller: Labeller | None) -> int:
    """Finish the stages a crash interrupted (extract, dedupe, label); how many items were finished."""
    fetched, _, _ = unfinished(db)
    for url_id in fetched:
        extract_stage(db, url_id)
    _, new, deduped = unfinished(db)
    process_articles(db, index, None, new)
    if labeller is not None:
        ids = deduped + new
        for start in range(0, len(ids), 256):
            label_stage(db, labeller, ids[start:start + 256])
    return len(fetched) + len(new) + len(deduped)


def due_urls(db: Database, *, limit: int, exclude: set[int], now: datetime | None = None) -> list[int]:
    """``pending`` URLs whose retry time has come, entry pages first, oldest first."""
    now = now or utcnow()
    with db.session() as session:
        query = (select(UrlRow.id, UrlRow.role).where(
            UrlRow.state == "pending", or_(UrlRow.next_attempt_at.is_(None), UrlRow.next_attempt_at <= now))
            .order_by((UrlRow.role == "article").asc(), UrlRow.id).limit(limit + len(exclude)))
        return [i for i, _ in session.execute(query) if i not in exclude][:limit]


def next_retry_at(db: Database) -> datetime | None:
    with db.session() as session:
        return session.scalars(select(UrlRow.next_attempt_at).where(
            UrlRow.state == "pending", UrlRow.next_attempt_at.is_not(None)).order_by(UrlRow.next_attempt_at)
            .limit(1)).first()


def mark_crawled(db: Database, source_ids: Iterable[int], when: datetime | None = None) -> None:
    ids = list(source_ids)
    if ids:
        with db.session() as session:
            session.execute(update(SourceRow).where(SourceRow.id.in_(ids)).values(last_crawled_at=when or utcnow()))


def due_sources(db: Database, *, now: datetime | None = None, every: bool = False) -> list[SourceRow]:
    """Enabled sources whose interval has passed since their last crawl (all enabled ones with ``every``)."""
    now = now or utcnow()
    with db.session() as session:
        rows = list(session.scalars(select(SourceRow).where(SourceRow.enabled.is_(True)).order_by(SourceRow.id)))
    if every:
        return rows
    out = []
    for row in rows:
        last = row.last_crawled_at
        last = aware(last)
        if last is None or last + timedelta(seconds=row.interval_s) <= now:
            out.append(row)
    return out


__all__ = ["ImportReport", "RetryPolicy", "dedupe_stage", "due_sources", "due_urls", "enqueue_entry",
           "dedupe_many", "extract_stage", "fetch_stage", "import_posts", "label_stage", "load_index", "mark_crawled",
           "next_retry_at", "process_articles", "relabel", "resume", "unfinished"]
