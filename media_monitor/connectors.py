"""Social posts from outside the open web: the connector interface, and the JSONL/CSV export connectors.

Facebook pages and groups, YouTube, TikTok and forums need platform
credentials (an app review, a business account, a partner API) that the IOC
holds and this code does not. So a platform is reached through a **connector**:
anything with a ``name`` and a ``posts()`` method yielding :class:`Item`\\ s —
one per post, or one per unreadable record, numbered, so that a bad record is
reported and the rest still imported::

    class FacebookPageConnector:
        name = "facebook:ubndthanhphohue"
        def __init__(self, token: str, page_id: str) -> None: ...
        def posts(self) -> Iterator[Item]:
            for number, raw in enumerate(graph_api_pages(...), 1):
                try:
                    yield Item(number, SocialPost(id=raw["id"], source="facebook", url=raw["permalink_url"],
                                                  author=raw["from"]["name"], published_at=raw["created_time"],
                                                  title="", content=raw.get("message", "")))
                except (KeyError, ValidationError) as exc:
                    yield Item(number, error=str(exc))

and handed to :func:`media_monitor.pipeline.import_posts`, which stores, de-duplicates
and labels the posts exactly as crawled articles. Until such connectors exist, staff
export posts with the platform's own tools (or a listening service) into the
**export format** that :class:`JsonlExport` and :class:`CsvExport` read: one post per
JSON line, or a CSV file with a header row, with the fields of :class:`SocialPost`
(``id``, ``source``, ``url``, ``author``, ``published_at``, ``title``, ``content``).
Re-importing a file is safe: a post is identified by its source and ``id``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from media_monitor.extract import parse_datetime
from media_monitor.urls import BadUrl, canonical_url

MAX_CONTENT = 100_000


class SocialPost(BaseModel):
    """One post in the export format. ``title`` or ``content`` must have text."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=200)
    source: str | None = Field(default=None, max_length=100, description="facebook, youtube, tiktok, forum, ...")
    url: str | None = None
    author: str | None = Field(default=None, max_length=200)
    published_at: datetime | None = None
    title: str = Field(default="", max_length=2000)
    content: str = Field(default="", max_length=MAX_CONTENT)
    date_warning: str | None = Field(default=None, exclude=True)

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="before")
    @classmethod
    def _dates_and_urls(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        optional = ("url", "author", "source", "published_at")  # an empty CSV cell means "not given"
        data = {k: (None if v == "" and k in optional else v) for k, v in data.items()}
        raw = data.get("published_at")
        if raw is not None:
            parsed = parse_datetime(raw)
            # A bad date costs the date, not the post: it is imported undated and the line reported.
            data["published_at"] = parsed
            if parsed is None:
                data["date_warning"] = f"invalid published_at {str(raw)[:40]!r} (imported without a date)"
        if data.get("url"):
            try:
                data["url"] = canonical_url(str(data["url"]))
            except BadUrl:
                data["url"] = None
        return data

    @model_validator(mode="after")
    def _has_text(self) -> SocialPost:
        if not (self.title or self.content):
            raise ValueError("no title and no content")
        return self


@dataclass(frozen=True)
class Item:
    """A connector's answer for one record: a post, or why record ``number`` could not be read."""

    number: int
    post: SocialPost | None = None
    error: str | None = None


class Connector(Protocol):
    """Where posts come from. ``name`` becomes the source's name; ``posts()`` may be called again later
    (re-reading is safe: posts are keyed by source and id)."""

    name: str

    def posts(self) -> Iterator[Item]: ...


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


@dataclass
class JsonlExport:
    """A JSON Lines export file: one post object per line; blank lines are ignored."""

    path: Path
    name: str = field(default="")

    def __post_init__(self) -> None:
        self.name = self.name or self.path.name

    def posts(self) -> Iterator[Item]:
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    yield Item(number, error=f"not UTF-8 (byte {exc.start})")
                    continue
                except json.JSONDecodeError as exc:
                    yield Item(number, error=f"not valid JSON: {exc.msg} (column {exc.colno})")
                    continue
                if not isinstance(record, dict):
                    yield Item(number, error="not a JSON object")
                    continue
                try:
                    yield Item(number, SocialPost.model_validate(record))
                except ValidationError as exc:
                    yield Item(number, error=_reason(exc))


@dataclass
class CsvExport:
    """A CSV export file with a header row naming the fields (UTF-8, with or without a BOM)."""

    path: Path
    name: str = field(default="")

    def __post_init__(self) -> None:
        self.name = self.name or self.path.name

    def posts(self) -> Iterator[Item]:
        try:
            text = self.path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield Item(1, error=f"not UTF-8 (byte {exc.start}); export the file as UTF-8")
            return
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames or "id" not in reader.fieldnames:
            yield Item(1, error="the header row has no 'id' column")
            return
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Item(reader.line_num, error=f"broken CSV: {exc}")
                return
            if None in row:
                yield Item(reader.line_num, error="more cells than header columns")
                continue
            try:
                yield Item(reader.line_num, SocialPost.model_validate(row))
            except ValidationError as exc:
                yield Item(reader.line_num, error=_reason(exc))


def export_connector(path: Path, name: str | None = None) -> Connector:
    """The connector for an export file, by its suffix (``.jsonl``/``.json``/``.ndjson`` or ``.csv``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return JsonlExport(path, name or "")
    if suffix == ".csv":
        return CsvExport(path, name or "")
    raise ValueError(f"{path}: unknown export format {suffix!r} (expected .jsonl or .csv)")
