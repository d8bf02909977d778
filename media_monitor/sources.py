"""The sources staff configure: feeds, listing pages, sitemaps and social-media export files.

>>> add_source(db, SourceSpec(kind="rss", url="https://baothuathienhue.vn/rss/thoi-su.rss"))
>>> add_source(db, SourceSpec(kind="page", url="https://tuoitre.vn/thua-thien-hue.htm",
...                           selector="h3.box-title-text a", name="Tuổi Trẻ – Huế"))
>>> seed_sources(db, Path("monitor-sources.yaml"))   # a YAML list of the same fields

=========  =====================================  ====================================
kind       ``url``                                 articles found by
=========  =====================================  ====================================
rss        an RSS 2.0 / Atom feed                  its entries' links
page       a news listing page                     ``selector`` (CSS) over its links
sitemap    a sitemap or sitemap index (XML)        ``<url><loc>`` (indexes followed)
import     a JSONL or CSV export file (a path)     :mod:`media_monitor.connectors`
=========  =====================================  ====================================

Each source has its own ``interval_s`` (how often ``hueai monitor crawl``
visits it; default ``HUEAI_MONITOR_INTERVAL``) and can be disabled without
losing its articles.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select

from core.storage import Database
from media_monitor.tables import SourceRow
from media_monitor.urls import BadUrl, canonical_url, host_of


class SourceKind(str, Enum):
    rss = "rss"
    page = "page"
    sitemap = "sitemap"
    import_ = "import"


class SourceError(ValueError):
    """A source cannot be added or found; the message says why."""


class SourceSpec(BaseModel):
    """What staff give to add a source (the CLI's arguments, one entry of a seed file)."""

    model_config = ConfigDict(extra="forbid")

    kind: SourceKind
    url: str = Field(min_length=1, max_length=2000, description="feed/page/sitemap URL, or the export file's path")
    name: str | None = Field(default=None, max_length=200)
    selector: str | None = Field(default=None, max_length=500, description="CSS selector of article links (page)")
    interval_s: int | None = Field(default=None, ge=10, description="seconds between crawls (default: settings)")

    @model_validator(mode="after")
    def _check(self) -> SourceSpec:
        if self.kind == SourceKind.import_:
            self.url = str(Path(self.url).expanduser().resolve())
        else:
            try:
                self.url = canonical_url(self.url)
            except BadUrl as exc:
                raise ValueError(str(exc)) from None
        if self.kind == SourceKind.page and not self.selector:
            raise ValueError("a listing page needs --selector, the CSS selector of its article links")
        if self.kind != SourceKind.page and self.selector:
            raise ValueError(f"--selector is for listing pages, not {self.kind.value} sources")
        if not self.name:
            is_file = self.kind == SourceKind.import_
            self.name = Path(self.url).name if is_file else f"{host_of(self.url)} ({self.kind.value})"
        return self


def add_source(db: Database, spec: SourceSpec, *, default_interval: int = 900) -> SourceRow:
    """Store a new source; :class:`SourceError` when its name or URL is taken."""
    with db.session() as session:
        clash = session.scalars(select(SourceRow).where((SourceRow.name == spec.name) | (SourceRow.url == spec.url))
                                ).first()
        if clash is not None:
            what = "name" if clash.name == spec.name else "URL"
            raise SourceError(f"a source with this {what} exists already: #{clash.id} {clash.name}")
        row = SourceRow(name=spec.name, kind=spec.kind.value, url=spec.url, selector=spec.selector,
                        interval_s=spec.interval_s or default_interval, enabled=True)
        session.add(row)
        session.flush()
        return row


def list_sources(db: Database) -> list[SourceRow]:
    with db.session() as session:
        return list(session.scalars(select(SourceRow).order_by(SourceRow.id)))


def find_source(db: Database, ref: str) -> SourceRow:
    """A source by id or name; :class:`SourceError` when none matches."""
    with db.session() as session:
        row = session.get(SourceRow, int(ref)) if ref.isdigit() else None
        row = row or session.scalars(select(SourceRow).where(SourceRow.name == ref)).first()
        if row is None:
            raise SourceError(f"no source {ref!r} (see `hueai monitor sources list`)")
        return row


def set_enabled(db: Database, ref: str, enabled: bool) -> SourceRow:
    row = find_source(db, ref)
    with db.session() as session:
        stored = session.get(SourceRow, row.id)
        assert stored is not None
        stored.enabled = enabled
        return stored


def load_seed_file(path: Path) -> list[SourceSpec]:
    """The sources of a YAML seed file (a list of :class:`SourceSpec` fields); SourceError names a bad entry."""
    try:
        data: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: unreadable ({exc})") from None
    entries = data.get("sources") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise SourceError(f"{path}: expected a list of sources (or a 'sources:' list)")
    specs = []
    for number, entry in enumerate(entries, 1):
        try:
            specs.append(SourceSpec.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise SourceError(f"{path}: source {number}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return specs


def seed_sources(db: Database, path: Path, *, default_interval: int = 900) -> tuple[int, int]:
    """Add the seed file's sources that are not there yet (by URL): ``(added, already there)``."""
    added = present = 0
    known = {row.url for row in list_sources(db)}
    for spec in load_seed_file(path):
        if spec.url in known:
            present += 1
            continue
        add_source(db, spec, default_interval=default_interval)
        known.add(spec.url)
        added += 1
    return added, present
