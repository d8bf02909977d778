"""Polite HTTP fetching: robots.txt, per-host concurrency and delay, conditional GET, size and time limits.

>>> async with Fetcher(CrawlPolicy.from_settings(settings.monitor)) as fetcher:
...     result = await fetcher.fetch("https://baothuathienhue.vn/rss", etag='"abc"')
>>> result.outcome, result.status
('not_modified', 304)

One :class:`Fetcher` per crawl. It never retries by itself: it classifies each
answer (:class:`Outcome`) and the crawler records the retry time in the
database (``monitor_urls.next_attempt_at``), so a retry survives a crash and a
restart does not hammer a failing server. What is *polite* here:

* ``robots.txt`` is read once per host per crawl and obeyed for our
  User-Agent; its ``Crawl-delay`` raises the per-host delay. A robots.txt that
  answers 4xx allows everything (the convention); 5xx or no answer means "not
  now" for the whole host (``robots_unavailable``, retried later);
* at most ``host_concurrency`` requests to one host at a time, and
  ``host_delay`` seconds between the starts of two requests to it;
* ``Retry-After`` on 429/503 is honoured (capped at an hour);
* bodies are streamed and cut at ``max_bytes`` (a 50 MB "article" costs
  ``max_bytes`` of memory and is refused: ``too_large``), and every phase
  has a timeout;
* redirects are not followed here: the target becomes a URL of its own
  (``redirect``), so a redirect to a page already fetched costs no second
  fetch, and robots.txt is asked about the target too.
"""

from __future__ import annotations

import asyncio
import time
import urllib.robotparser
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from enum import Enum
from typing import Any

import httpx

from media_monitor.settings import MonitorSettings
from media_monitor.urls import BadUrl, canonical_url, host_of

_RETRY_AFTER_CAP = 3600.0


class Outcome(str, Enum):
    ok = "ok"  # 2xx with a body
    redirect = "redirect"  # 3xx with a Location: the crawler queues the target as a URL of its own
    not_modified = "not_modified"  # 304 to a conditional GET
    gone = "gone"  # 404, 410: do not try again
    refused = "refused"  # other 4xx, or not HTML/XML: do not try again
    retry = "retry"  # 429, 5xx, network error, timeout: try again later
    too_large = "too_large"  # the body passed max_bytes
    disallowed = "disallowed"  # robots.txt says no
    robots_unavailable = "robots_unavailable"  # robots.txt answered 5xx / not at all: try the host later
    cancelled = "cancelled"  # the crawl is stopping: not sent, the URL stays as it was


@dataclass(frozen=True)
class CrawlPolicy:
    user_agent: str = "hueai-monitor/0.1"
    host_concurrency: int = 2
    host_delay: float = 1.0
    concurrency: int = 16
    timeout: float = 20.0
    max_bytes: int = 5_000_000
    robots: bool = True

    @classmethod
    def from_settings(cls, settings: MonitorSettings) -> CrawlPolicy:
        return cls(user_agent=settings.user_agent, host_concurrency=settings.host_concurrency,
                   host_delay=settings.host_delay, concurrency=settings.concurrency, timeout=settings.timeout,
                   max_bytes=settings.max_bytes, robots=settings.robots)

    @classmethod
    def impolite(cls, **overrides: Any) -> CrawlPolicy:
        """No robots.txt, no delay, many connections: for benchmarks against our own loopback site only."""
        return cls(**{"host_concurrency": 32, "host_delay": 0.0, "concurrency": 32, "robots": False, **overrides})


@dataclass
class FetchResult:
    url: str
    outcome: Outcome
    status: int | None = None
    final_url: str | None = None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds, from the server
    headers_location: str | None = None
    error: str | None = None


@dataclass
class _Host:
    """Politeness state of one host: a semaphore for concurrency, the earliest next start, its robots rules."""

    slots: asyncio.Semaphore
    delay: float
    next_start: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_state: str | None = None  # None: not read yet; "ok"; "unavailable"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, _RETRY_AFTER_CAP))


class Fetcher:
    """An httpx client with the politeness of :class:`CrawlPolicy`; use as ``async with``."""

    def __init__(self, policy: CrawlPolicy, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self._hosts: dict[str, _Host] = {}
        # Set when the crawl stops: requests still waiting for a host's slot are not sent (they stay
        # pending in the database); those already sent finish.
        self.stopping = asyncio.Event()
        self._all = asyncio.Semaphore(policy.concurrency)
        limits = httpx.Limits(max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency)
        self.client = httpx.AsyncClient(
            headers={"User-Agent": policy.user_agent, "Accept": "text/html,application/xhtml+xml,application/xml,"
                     "application/rss+xml,application/atom+xml;q=0.9,*/*;q=0.5", "Accept-Language": "vi,en;q=0.5"},
            timeout=httpx.Timeout(policy.timeout), limits=limits, follow_redirects=False, transport=transport,
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def _host(self, host: str) -> _Host:
        if host not in self._hosts:
            self._hosts[host] = _Host(asyncio.Semaphore(self.policy.host_concurrency), self.policy.host_delay)
        return self._hosts[host]

    async def _polite_get(self, host: _Host, url: str, headers: dict[str, str]) -> FetchResult:
        """One GET under the host's concurrency slot and delay, the body read up to ``max_bytes``."""
        async with self._all, host.slots:
            if self.stopping.is_set():
                return FetchResult(url, Outcome.cancelled, error="the crawl is stopping")
            if host.delay > 0:
                async with host.lock:  # starts are spaced by `delay`, whatever the concurrency
                    wait = host.next_start - time.monotonic()
                    host.next_start = max(host.next_start, time.monotonic()) + host.delay
                if wait > 0:
                    await asyncio.sleep(wait)
                    if self.stopping.is_set():
                        return FetchResult(url, Outcome.cancelled, error="the crawl is stopping")
            try:
                async with self.client.stream("GET", url, headers=headers) as response:
                    result = FetchResult(url, Outcome.ok, response.status_code, str(response.url),
                                         content_type=response.headers.get("content-type"),
                                         etag=response.headers.get("etag"),
                                         last_modified=response.headers.get("last-modified"))
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.policy.max_bytes:
                        result.outcome, result.error = Outcome.too_large, f"Content-Length {declared} bytes"
                        return result
                    if response.status_code >= 300:
                        result.headers_location = response.headers.get("location")
                        result.retry_after = _retry_after(response.headers.get("retry-after"))
                        return result
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > self.policy.max_bytes:
                            result.outcome = Outcome.too_large
                            result.error = f"body longer than {self.policy.max_bytes} bytes"
                            return result
                        chunks.append(chunk)
                    result.body = b"".join(chunks)
                    return result
            except httpx.HTTPError as exc:
                return FetchResult(url, Outcome.retry, error=f"{type(exc).__name__}: {exc}"[:500])

    async def _robots(self, url: str, host: _Host) -> Outcome | None:
        """None when ``url`` may be fetched, else why not."""
        if not self.policy.robots:
            return None
        if host.robots_state is None:
            origin = url.split("/", 3)
            robots_url = "/".join(origin[:3]) + "/robots.txt"
            got = await self._polite_get(host, robots_url, {})
            parser = urllib.robotparser.RobotFileParser(robots_url)
            if got.outcome == Outcome.ok and got.status is not None and got.status < 300:
                parser.parse(got.body.decode("utf-8", "replace").splitlines())
                host.robots_state = "ok"
                delay = parser.crawl_delay(self.policy.user_agent)
                if delay:
                    host.delay = max(host.delay, min(float(delay), 60.0))
            elif got.status is not None and 400 <= got.status < 500:
                parser.allow_all = True
                host.robots_state = "ok"
            else:  # 5xx or unreachable: the site may be down or mid-deploy; come back later
                host.robots_state = "unavailable"
            host.robots = parser
        if host.robots_state == "unavailable":
            return Outcome.robots_unavailable
        assert host.robots is not None
        return None if host.robots.can_fetch(self.policy.user_agent, url) else Outcome.disallowed

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url`` politely (conditionally when validators are given) and classify the answer."""
        host = self._host(host_of(url))
        refused = await self._robots(url, host)
        if self.stopping.is_set():
            return FetchResult(url, Outcome.cancelled, error="the crawl is stopping")
        if refused is not None:
            return FetchResult(url, refused, error="robots.txt disallows it" if refused == Outcome.disallowed
                               else "robots.txt unavailable")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        result = await self._polite_get(host, url, headers)
        if result.outcome != Outcome.ok:
            return result
        status = result.status or 0
        if status in (301, 302, 303, 307, 308):
            location = result.headers_location
            try:
                result.final_url = canonical_url(location or "", url)
                result.outcome = Outcome.redirect
            except BadUrl:
                result.outcome, result.error = Outcome.refused, f"HTTP {status} to an unusable Location {location!r}"
        elif status == 304:
            result.outcome = Outcome.not_modified
        elif status in (404, 410):
            result.outcome, result.error = Outcome.gone, f"HTTP {status}"
        elif status == 429 or status >= 500:
            result.outcome, result.error = Outcome.retry, f"HTTP {status}"
        elif status >= 300:
            result.outcome, result.error = Outcome.refused, f"HTTP {status}"
        else:
            kind = (result.content_type or "").split(";")[0].strip().lower()
            if kind and not (kind.endswith(("html", "xml")) or kind.startswith("text/") or kind == "application/json"):
                result.outcome, result.error = Outcome.refused, f"not a page: {kind}"
        return result
