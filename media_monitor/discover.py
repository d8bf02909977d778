"""Article links from a source's entry page: an RSS/Atom feed, a listing page (CSS selector) or a sitemap.

>>> links = feed_links(body, base_url="https://baothuathienhue.vn/rss/thoi-su.rss")
>>> links[0].url, links[0].hint["title"]

Each function is pure (bytes in, links out) and raises :class:`DiscoveryError`
with a one-line reason when the page is not what its source says it is (a
malformed feed with no entries, a listing whose selector matches nothing is
*not* an error: it may be an empty day). What a feed says about an entry (title,
published time, author) travels with the link as ``hint``: extraction prefers
the page itself, and falls back on the hint.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from media_monitor.encoding import decode_html
from media_monitor.urls import BadUrl, canonical_url


class DiscoveryError(ValueError):
    """The entry page could not be read as its source's kind; the message says why."""


@dataclass(frozen=True)
class Link:
    url: str  # canonical
    hint: dict[str, Any] = field(default_factory=dict)


@dataclass
class Discovered:
    articles: list[Link] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # nested sitemaps of a sitemap index
    skipped: int = 0  # links that were not http(s) URLs


def _add(out: Discovered, url: str | None, base: str, hint: dict[str, Any] | None = None) -> None:
    if not url or not url.strip():  # an empty link would resolve to the entry page itself
        out.skipped += 1
        return
    try:
        out.articles.append(Link(canonical_url(url or "", base), hint or {}))
    except BadUrl:
        out.skipped += 1


def feed_links(body: bytes, base_url: str) -> Discovered:
    """The entries of an RSS or Atom feed (feedparser copes with most malformations)."""
    import feedparser

    parsed = feedparser.parse(body)
    if not parsed.entries:
        if parsed.get("bozo"):
            reason = str(parsed.get("bozo_exception", "unreadable"))[:200]
            raise DiscoveryError(f"not a readable feed: {reason}")
        if not parsed.get("version"):  # HTML, JSON, ...: feedparser recognised no RSS or Atom
            raise DiscoveryError("not an RSS or Atom feed")
    out = Discovered()
    for entry in parsed.entries:
        hint: dict[str, Any] = {}
        if entry.get("title"):
            hint["title"] = str(entry["title"])[:1000]
        if entry.get("author"):
            hint["author"] = str(entry["author"])[:200]
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if stamp:  # feedparser gives UTC struct_time
            try:
                hint["published"] = datetime.fromtimestamp(calendar.timegm(stamp), UTC).isoformat()
            except (OverflowError, ValueError, TypeError):
                pass
        if entry.get("summary"):
            hint["summary"] = str(entry["summary"])[:2000]
        _add(out, entry.get("link") or entry.get("id"), base_url, hint)
    if parsed.get("bozo") and not out.articles:  # broken XML that gave nothing usable
        reason = str(parsed.get("bozo_exception", "unreadable"))[:200]
        raise DiscoveryError(f"not a readable feed: {reason}")
    return out


def listing_links(body: bytes, base_url: str, selector: str, content_type: str | None = None) -> Discovered:
    """The ``href`` of every element ``selector`` matches (an ``<a>``, or the first ``<a>`` inside it)."""
    import lxml.html
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        select = CSSSelector(selector)
    except SelectorError as exc:
        raise DiscoveryError(f"bad CSS selector {selector!r}: {exc}") from None
    text = decode_html(body, content_type).text
    if not text.strip():
        raise DiscoveryError("empty page")
    try:
        root = lxml.html.fromstring(text)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise DiscoveryError(f"not HTML: {exc}") from None
    out = Discovered()
    seen: set[str] = set()
    for element in select(root):
        anchor = element if element.tag == "a" else next(iter(element.iter("a")), None)
        href = anchor.get("href") if anchor is not None else None
        if not href or href in seen:
            continue
        seen.add(href)
        title = " ".join(anchor.text_content().split()) if anchor is not None else ""
        _add(out, href, base_url, {"title": title[:1000]} if title else None)
    return out


def sitemap_links(body: bytes, base_url: str) -> Discovered:
    """``<url><loc>`` entries (with ``<lastmod>`` and Google News titles as hints) and nested ``<sitemap>``s."""
    from lxml import etree

    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                                                             huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"not a sitemap: {exc}") from None
    if root is None:
        raise DiscoveryError("not a sitemap: empty document")
    out = Discovered()
    local = etree.QName(root).localname
    if local not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"not a sitemap: root element <{local}>")
    for node in root:
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        fields = {etree.QName(child).localname: (child.text or "").strip() for child in node.iter()
                  if isinstance(child.tag, str)}
        if name == "sitemap" and fields.get("loc"):
            try:
                out.sitemaps.append(canonical_url(fields["loc"], base_url))
            except BadUrl:
                out.skipped += 1
        elif name == "url":
            hint = {}
            if fields.get("title"):  # <news:title>
                hint["title"] = fields["title"][:1000]
            if fields.get("publication_date") or fields.get("lastmod"):
                hint["published"] = fields.get("publication_date") or fields["lastmod"]
            _add(out, fields.get("loc"), base_url, hint)
    return out
