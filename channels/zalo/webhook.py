"""``POST /webhooks/zalo`` apart from HTTP: check an event, store it, say whether Zalo may consider it delivered.

The checks, in order; each refusal has no side effect at all (nothing is stored, nothing runs):

=====  =========================================================================================
413    the body is larger than ``HUEAI_ZALO_MAX_BODY_BYTES`` (the route refuses it before
       reading further)
400    the body is not a JSON object with an ``event_name``
401    no ``X-ZEvent-Signature``, no ``timestamp`` to check it with, a signature that does not
       match (:mod:`channels.zalo.signature`), an ``app_id`` that is not ours, or a timestamp
       more than ``HUEAI_ZALO_MAX_EVENT_AGE_SECONDS`` old or ``…_MAX_CLOCK_SKEW_SECONDS`` ahead
503    the channel is not configured (no app id or OA secret), or the database is unavailable:
       Zalo retries later, and nothing was acknowledged that was not stored
=====  =========================================================================================

Then the raw event is stored (:meth:`channels.zalo.inbox.Inbox.store`, the events of concurrent
requests committed together by :class:`channels.zalo.inbox.GroupWriter`), or found stored already
(a retry or a replay: ``duplicate``), and only then is it acknowledged with 200. The
work it asks for happens in the background (:mod:`channels.zalo.worker`), so the answer takes
one insert, well within Zalo's two seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from channels.settings import ZaloSettings
from channels.zalo.events import parse_event
from channels.zalo.inbox import GroupWriter, Inbox, Stored
from channels.zalo.signature import verify

log = structlog.get_logger(__name__)


class WebhookRefused(Exception):
    """An event that is not taken: the HTTP status and a short machine-readable reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Accepted:
    event_id: int | None
    event_name: str
    duplicate: bool
    ignored: bool


class Intake:
    def __init__(self, inbox: Inbox, settings: ZaloSettings, *, clock: Callable[[], float] = time.time) -> None:
        self.inbox = inbox
        self.writer = GroupWriter(inbox)
        self.settings = settings
        self.clock = clock

    def receive(self, raw: bytes, signature: str | None) -> Accepted:
        """Check and store one event (see the module docstring); :class:`WebhookRefused` when it is refused."""
        settings = self.settings
        if not settings.configured:
            raise WebhookRefused(503, "not_configured")
        if len(raw) > settings.max_body_bytes:
            raise WebhookRefused(413, "too_large")
        try:
            event = parse_event(raw)
        except (ValueError, ValidationError, RecursionError):
            raise WebhookRefused(400, "malformed") from None
        if not signature or event.timestamp is None:
            raise WebhookRefused(401, "unsigned")
        assert settings.app_id is not None and settings.oa_secret is not None
        if not verify(signature, app_id=settings.app_id, raw_body=raw, timestamp=event.timestamp,
                      oa_secret=settings.oa_secret.get_secret_value()):
            raise WebhookRefused(401, "bad_signature")
        if event.app_id is not None and event.app_id != settings.app_id:
            raise WebhookRefused(401, "wrong_app")
        stamp = event.timestamp_ms
        now_ms = self.clock() * 1000
        if (stamp is None or stamp < now_ms - settings.max_event_age_seconds * 1000
                or stamp > now_ms + settings.max_clock_skew_seconds * 1000):
            raise WebhookRefused(401, "stale")
        try:
            stored: Stored = self.writer.store(event, raw)
        except (OperationalError, DBAPIError, PoolTimeout, TimeoutError) as exc:
            log.error("zalo.webhook_store_failed", error=type(exc).__name__)
            raise WebhookRefused(503, "unavailable") from None
        if stored.duplicate:
            log.info("zalo.webhook_duplicate", name=event.event_name, event_id=stored.id)
        return Accepted(event_id=stored.id, event_name=event.event_name, duplicate=stored.duplicate,
                        ignored=stored.ignored)
