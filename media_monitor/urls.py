"""Canonical URLs: one spelling per page, so that nothing is fetched or stored twice.

>>> canonical_url("HTTPS://Tuoitre.VN:443/tin-moi/../thoi-su/bai-1.htm?utm_source=fb&b=2&a=1#binh-luan")
'https://tuoitre.vn/thoi-su/bai-1.htm?a=1&b=2'

What changes: scheme and host lower-cased (IDN hosts to punycode), the default
port dropped, ``.``/``..`` path segments resolved, percent-escapes upper-cased
and unreserved characters unescaped, tracking parameters dropped (``utm_*``,
``fbclid``, ``gclid``, ``zarsrc`` — Zalo's —, ...), the remaining query sorted,
the fragment dropped (``#binh-luan`` is the same page). What does not: the
path's case and trailing slash (servers may treat them differently), and the
other query parameters (``?id=123`` names the article on many CMSs). A page's
own ``<link rel="canonical">`` wins over all of this when it is on the same
site (:func:`same_site`).
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

MAX_URL_LENGTH = 2000

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|zarsrc|igshid|mc_cid|mc_eid|_ga|ref_src|"
                       r"vnesrc|vn_source|vn_medium|vn_campaign|vn_term|vn_content)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class BadUrl(ValueError):
    """Not an absolute http(s) URL we can fetch; the message says why."""


def _clean_path(path: str) -> str:
    if not path:
        return "/"
    # Unescape what needs no escaping, escape what must be, so "%7e", "~" and "%7E" meet.
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~")
    resolved = posixpath.normpath(path)
    if path.endswith("/") and not resolved.endswith("/"):
        resolved += "/"
    if resolved.startswith("//"):  # normpath keeps a leading "//"
        resolved = "/" + resolved.lstrip("/")
    return resolved if resolved != "." else "/"


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical form of ``url`` (resolved against ``base`` first); :class:`BadUrl` if it is unusable."""
    url = (url or "").strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadUrl(f"{url[:200]!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadUrl(f"{url[:200]!r}: not an http(s) URL")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BadUrl(f"{url[:200]!r}: no host")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise BadUrl(f"{url[:200]!r}: invalid host name") from None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    out = urlunsplit((scheme, netloc, _clean_path(parts.path), urlencode(sorted(query), doseq=True), ""))
    if len(out) > MAX_URL_LENGTH:
        raise BadUrl(f"URL longer than {MAX_URL_LENGTH} characters")
    return out


def host_of(url: str) -> str:
    """``host[:port]`` of a canonical URL: the unit of politeness (robots.txt, delay, concurrency)."""
    return urlsplit(url).netloc


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on the same registrable-ish site (``www.`` and sub-domains ignored)."""
    def root(url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        labels = host.split(".")
        # "baothuathienhue.vn", "tuoitre.vn", "x.com.vn": keep three labels under a two-part suffix.
        keep = 3 if len(labels) >= 3 and labels[-2] in ("com", "net", "org", "gov", "edu") else 2
        return ".".join(labels[-keep:])
    return root(a) == root(b)
