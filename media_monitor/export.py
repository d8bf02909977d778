"""The IOC export: one row per story, its other sources listed, filtered and paged by an opaque cursor.

>>> page = export_page(db, ExportQuery(status="unverified", since=datetime(2026, 11, 1, tzinfo=UTC)))
>>> page.items[0].duplicates          # the same story on other sites
[Duplicate(id=42, source='Báo Tuổi Trẻ', url='https://tuoitre.vn/...', published_at=...)]
>>> export_page(db, ExportQuery(cursor=page.next_cursor))   # the next page

A story syndicated by ten sites is exported once, as its first stored article
(``id``), with the nine others in ``duplicates``; ``include_duplicates=true``
lists them as rows too. Irrelevant and spam posts are left out unless asked for
(``relevant=false``/``any``, ``spam=true``/``any``); articles not labelled yet
are not exported. Rows come in ascending ``id`` order, so a client that keeps
``next_cursor`` sees every new story exactly once, however many arrive between
two calls: follow ``next_cursor`` to the last page (null), then poll later
with that page's ``resume_cursor``. Times are ISO 8601 in Huế's time (+07:00).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select

from core.storage import Database
from media_monitor.extract import LOCAL_TZ
from media_monitor.pipeline import aware
from media_monitor.tables import ArticleRow, SourceRow

Tristate = Literal["true", "false", "any"]


class ExportQuery(BaseModel):
    status: Literal["unverified", "verified", "spam"] | None = None
    since: datetime | None = Field(default=None, description="published (or, undated, stored) at or after")
    sentiment_l1: Literal["positive", "neutral", "negative"] | None = None
    relevant: Tristate = "true"
    spam: Tristate = "false"
    include_duplicates: bool = False
    cursor: str | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class Duplicate(BaseModel):
    id: int
    source: str | None
    url: str | None
    published_at: datetime | None


class ExportedArticle(BaseModel):
    id: int
    title: str
    content: str
    source: str | None
    url: str | None
    published_at: datetime | None
    author: str | None
    sentiment_l1: str | None
    sentiment_l1_confidence: float | None
    sentiment_l2: list[str]
    sentiment_l2_confidence: dict[str, float | None]
    relevant: bool | None
    relevant_confidence: float | None
    spam: bool | None
    spam_confidence: float | None
    places: list[str]
    model_version: str | None
    status: str
    verified_at: datetime | None
    story_id: int | None
    duplicates: list[Duplicate]


class ExportPage(BaseModel):
    items: list[ExportedArticle]
    next_cursor: str | None = Field(description="the next page; null on the last page")
    resume_cursor: str | None = Field(description="where to ask again later for stories stored since (polling)")


class BadCursor(ValueError):
    """The cursor was not made by this API."""


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"a:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split(":", 1)
        if kind != "a" or not value.isdigit():
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise BadCursor("invalid cursor: pass back the next_cursor of a previous page") from None


def _local(value: datetime | None) -> datetime | None:
    value = aware(value)
    return value.astimezone(LOCAL_TZ) if value is not None else None


def _source_name(article: ArticleRow, sources: dict[int, SourceRow]) -> str | None:
    source = sources.get(article.source_id)
    if source is not None and source.kind == "import":
        return article.site_name or source.name  # the platform the export names ("facebook"), else the file
    return article.site_name or (source.name if source else None)


def export_page(db: Database, query: ExportQuery) -> ExportPage:
    """One page of the export (see the module docstring)."""
    after = decode_cursor(query.cursor) if query.cursor else 0
    condition = [ArticleRow.id > after, ArticleRow.stage == "labelled"]
    if not query.include_duplicates:
        condition.append(ArticleRow.story_id == ArticleRow.id)
    if query.status:
        condition.append(ArticleRow.status == query.status)
    if query.sentiment_l1:
        condition.append(ArticleRow.sentiment_l1 == query.sentiment_l1)
    if query.relevant != "any":
        condition.append(ArticleRow.relevant.is_(query.relevant == "true"))
    if query.spam != "any":
        condition.append(ArticleRow.spam.is_(query.spam == "true"))
    if query.since is not None:
        since = query.since if query.since.tzinfo else query.since.replace(tzinfo=LOCAL_TZ)
        since = since.astimezone(UTC)
        condition.append(((ArticleRow.published_at.is_not(None)) & (ArticleRow.published_at >= since))
                         | ((ArticleRow.published_at.is_(None)) & (ArticleRow.created_at >= since)))
    with db.session() as session:
        rows = list(session.scalars(select(ArticleRow).where(*condition).order_by(ArticleRow.id)
                                    .limit(query.limit + 1)))
        more = len(rows) > query.limit
        rows = rows[:query.limit]
        stories = {r.story_id for r in rows if r.story_id is not None}
        members = list(session.scalars(select(ArticleRow).where(ArticleRow.story_id.in_(stories))
                                       .order_by(ArticleRow.id))) if stories else []
        source_ids = {r.source_id for r in rows} | {m.source_id for m in members}
        sources = {s.id: s for s in session.scalars(select(SourceRow).where(SourceRow.id.in_(source_ids)))}
    by_story: dict[int, list[ArticleRow]] = {}
    for member in members:
        by_story.setdefault(member.story_id, []).append(member)  # type: ignore[arg-type]
    items = []
    for row in rows:
        l2 = row.sentiment_l2 or []
        items.append(ExportedArticle(
            id=row.id, title=row.title, content=row.content, source=_source_name(row, sources), url=row.url,
            published_at=_local(row.published_at), author=row.author, sentiment_l1=row.sentiment_l1,
            sentiment_l1_confidence=row.sentiment_l1_confidence, sentiment_l2=[x["label"] for x in l2],
            sentiment_l2_confidence={x["label"]: x.get("confidence") for x in l2}, relevant=row.relevant,
            relevant_confidence=row.relevant_confidence, spam=row.spam, spam_confidence=row.spam_confidence,
            places=row.places or [], model_version=row.model_version, status=row.status,
            verified_at=_local(row.verified_at), story_id=row.story_id,
            duplicates=[Duplicate(id=m.id, source=_source_name(m, sources), url=m.url,
                                  published_at=_local(m.published_at))
                        for m in by_story.get(row.story_id, []) if m.id != row.id],  # type: ignore[arg-type]
        ))
    resume = encode_cursor(rows[-1].id) if rows else query.cursor
    return ExportPage(items=items, next_cursor=resume if more else None, resume_cursor=resume)
