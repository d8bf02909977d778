"""An article page -> title, text, published time, author, site name (trafilatura, plus the page's own times).

>>> article = extract_article(html, url="https://baothuathienhue.vn/thoi-su/lu-len-nhanh-a123.html")
>>> article.title, article.published_at, article.author, article.site_name
('Lũ lên nhanh ở Huế', datetime(2026, 11, 20, 8, 15, tzinfo=ZoneInfo('Asia/Ho_Chi_Minh')), 'Minh Anh', 'Báo …')

trafilatura keeps the article body and drops navigation, footers, related
links and comments. Its date comes from htmldate, which often keeps the day
only, so the page's own machine-readable times are read first
(``article:published_time``, ``itemprop="datePublished"``, JSON-LD
``datePublished``, ``<time datetime>``): they carry the hour and usually the
offset. A time without an offset is Huế's (``Asia/Ho_Chi_Minh``, UTC+7); a
date that is not a date, before 1990 or more than two days in the future is
dropped (``published_at`` None) rather than stored wrong. When the page gives
nothing, what the feed said about the entry (``hint``) is used.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.storage import utcnow
from media_monitor.urls import BadUrl, canonical_url, same_site

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_TEXT_CHARS = 40  # the shortest press article body taken: shorter is a page without one
_EARLIEST = datetime(1990, 1, 1, tzinfo=LOCAL_TZ)

_TIME_PATTERNS = [
    re.compile(r"""<meta[^>]+(?:property|name|itemprop)\s*=\s*["'](?:article:published_time|og:published_time|"""
               r"""datePublished|pubdate|publishdate|dc\.date\.issued|date)["'][^>]*>""", re.IGNORECASE),
    re.compile(r'''"datePublished"\s*:\s*"([^"]{6,40})"'''),
    re.compile(r"""<time[^>]+datetime\s*=\s*["']([^"']{6,40})["']""", re.IGNORECASE),
]
_CONTENT = re.compile(r"""content\s*=\s*["']([^"']{6,40})["']""", re.IGNORECASE)
_CANONICAL = re.compile(r"""<link[^>]+rel\s*=\s*["']canonical["'][^>]*>""", re.IGNORECASE)
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
# "20/11/2026 08:15", "20-11-2026", as Vietnamese sites print them.
_VN_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ ,T-]+(\d{1,2})[:hH](\d{2}))?")


class ExtractionError(ValueError):
    """The page has no article text to extract; the message says why."""


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    published_at: datetime | None
    author: str | None
    site_name: str | None
    canonical: str | None  # the page's rel=canonical, when on the same site


def parse_datetime(value: Any, *, now: datetime | None = None) -> datetime | None:
    """A timezone-aware datetime from ISO 8601 or "dd/mm/yyyy [hh:mm]" text; local time when no offset.

    None for anything that is not a plausible publication time (unparseable, before 1990, or more than
    two days ahead of ``now``).
    """
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif not isinstance(value, str) or not value.strip():
        return None
    else:
        text = value.strip()
        parsed = None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            if match := _VN_DATE.match(text):
                day, month, year, hour, minute = match.groups()
                try:
                    parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
                except ValueError:
                    return None
            else:
                try:
                    from email.utils import parsedate_to_datetime

                    parsed = parsedate_to_datetime(text)
                except (TypeError, ValueError, IndexError):
                    return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    latest = (now or utcnow()) + timedelta(days=2)
    if not _EARLIEST <= parsed <= latest:
        return None
    return parsed


def page_published_time(html: str) -> datetime | None:
    """The first plausible machine-readable publication time in the page's markup."""
    head = html[:300_000]
    for pattern in _TIME_PATTERNS:
        for match in pattern.finditer(head):
            raw = match.group(1) if pattern.groups else (_CONTENT.search(match.group(0)) or [None, None])[1]
            if raw and (parsed := parse_datetime(html_lib.unescape(raw))):
                return parsed
    return None


def page_canonical(html: str, url: str) -> str | None:
    """The page's ``<link rel="canonical">``, canonicalised, when it is on the same site as ``url``."""
    match = _CANONICAL.search(html[:300_000])
    href = _HREF.search(match.group(0)) if match else None
    if not href:
        return None
    try:
        canonical = canonical_url(html_lib.unescape(href.group(1)), url)
    except BadUrl:
        return None
    return canonical if same_site(canonical, url) else None


def _clean(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value[:limit] or None


def extract_article(html: str, *, url: str, hint: dict[str, Any] | None = None) -> Extracted:
    """Extract one article; :class:`ExtractionError` when the page holds no article text."""
    import trafilatura

    hint = hint or {}
    if not html or not html.strip():
        raise ExtractionError("empty page")
    try:
        document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                               include_tables=False, favor_precision=True,
                                               date_extraction_params={"extensive_search": True,
                                                                       "original_date": True,
                                                                       "outputformat": "%Y-%m-%dT%H:%M:%S"})
    except Exception as exc:  # trafilatura and lxml raise many kinds on broken markup
        raise ExtractionError(f"unreadable HTML: {type(exc).__name__}: {exc}"[:300]) from None
    text = (getattr(document, "text", None) or "").strip() if document is not None else ""
    title = _clean(getattr(document, "title", None), 1000) or _clean(hint.get("title"), 1000) or ""
    if title and text.startswith(title):  # trafilatura keeps the <h1> as the first line
        text = text[len(title):].lstrip()
    if len(text) < MIN_TEXT_CHARS:
        # What is left of a page without an article: a menu item, a "Trang chủ" breadcrumb.
        raise ExtractionError(f"no article text on the page ({len(text)} characters)")
    published = (page_published_time(html) or parse_datetime(getattr(document, "date", None))
                 or parse_datetime(hint.get("published")))
    return Extracted(
        title=title,
        text=text,
        published_at=published,
        author=_clean(getattr(document, "author", None), 200) or _clean(hint.get("author"), 200),
        site_name=_clean(getattr(document, "sitename", None), 200),
        canonical=page_canonical(html, url),
    )
