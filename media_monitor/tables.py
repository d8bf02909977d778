"""The press monitor's tables. Change them only together with a migration in ``hueai/migrations``.

Three tables carry the whole pipeline, so that every stage can be re-run from
what the database holds (a crash loses at most the work in flight):

* ``monitor_sources``: what staff configured (a feed, a listing page, a sitemap,
  an export file), its interval, and when it was last crawled;
* ``monitor_urls``: the crawl frontier and each URL's fetch state (pending,
  fetched, extracted, failed, ...), its validators for conditional GET (ETag,
  Last-Modified), retry schedule and, for article pages, the decoded HTML that
  extraction reads;
* ``monitor_articles``: one row per article or social post, with the stage it
  has reached (``new`` -> ``deduped`` -> ``labelled``), its story (the first
  article of the same story: itself when it is the first), its labels with their
  confidences and the model version that made them, and the staff status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.storage import Base, utcnow


class SourceRow(Base):
    """A source staff configured: ``kind`` is ``rss`` (RSS/Atom), ``page`` (a listing page whose article
    links ``selector`` picks), ``sitemap`` or ``import`` (a JSONL/CSV export file, ``url`` is its path)."""

    __tablename__ = "monitor_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    selector: Mapped[str | None] = mapped_column(Text)
    interval_s: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_crawled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class UrlRow(Base):
    """One canonical URL the crawler knows, and where its fetch stands.

    ``role``: ``feed``, ``listing``, ``sitemap`` (entry points, re-fetched every
    crawl of their source with a conditional GET) or ``article`` (fetched once).
    ``state``: ``pending`` (to fetch, at ``next_attempt_at`` or later),
    ``fetched`` (body stored, not yet extracted), ``done`` (extracted, or an
    entry point read), ``failed`` (retries spent or refused), ``gone`` (404/410),
    ``skipped`` (robots.txt disallows it).
    """

    __tablename__ = "monitor_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    host: Mapped[str] = mapped_column(String(255))
    source_id: Mapped[int] = mapped_column(ForeignKey("monitor_sources.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    charset: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str | None] = mapped_column(Text)
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    hint: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the feed said: title, published, author
    error: Mapped[str | None] = mapped_column(Text)
    discovered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_monitor_urls_state_role", "state", "role"),)


class ArticleRow(Base):
    """An article or social post, its story, its labels and its staff status."""

    __tablename__ = "monitor_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("monitor_sources.id", ondelete="CASCADE"))
    url_id: Mapped[int | None] = mapped_column(ForeignKey("monitor_urls.id", ondelete="SET NULL"), unique=True)
    url: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200))
    site_name: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    content_sha256: Mapped[str] = mapped_column(String(64))
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    story_id: Mapped[int | None] = mapped_column(Integer)
    similarity: Mapped[float | None] = mapped_column(Float)  # estimated Jaccard to the story's first article
    stage: Mapped[str] = mapped_column(String(12), default="new")
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    relevant_confidence: Mapped[float | None] = mapped_column(Float)
    spam: Mapped[bool | None] = mapped_column(Boolean)
    spam_confidence: Mapped[float | None] = mapped_column(Float)
    sentiment_l1: Mapped[str | None] = mapped_column(String(16))
    sentiment_l1_confidence: Mapped[float | None] = mapped_column(Float)
    sentiment_l2: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # [{"label", "confidence"}]
    places: Mapped[list[str] | None] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(200))
    labelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="unverified")
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_monitor_articles_source_external"),
        Index("ix_monitor_articles_url", "url"),
        Index("ix_monitor_articles_content_sha256", "content_sha256"),
        Index("ix_monitor_articles_story_id", "story_id"),
        Index("ix_monitor_articles_stage", "stage"),
        Index("ix_monitor_articles_model_version", "model_version"),
    )
