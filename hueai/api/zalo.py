"""The Zalo Official Account webhook, and the channel's background worker in the app's lifespan.

========================  =====================================================
route                     does
========================  =====================================================
``POST /webhooks/zalo``   Zalo's events: checked, stored, acknowledged
                          (see :mod:`channels.zalo.webhook` for every status)
========================  =====================================================

The one :class:`channels.zalo.channel.ZaloChannel` of the app is built on first use over the
runtime's database and settings; its assistant is the runtime's (:attr:`Runtime.assistant`)
writing through the channel's store (:func:`channels.zalo.store.with_store`), so turns, the
event's completion and the queued reply share one transaction. Tests may put their own channel
in ``app.state.zalo_channel``. :func:`start` and :func:`stop` run the worker from the app's
lifespan; the worker is started only when Zalo is configured (``HUEAI_ZALO_APP_ID`` and
``HUEAI_ZALO_OA_SECRET``).

The staff desk delivers an operator's reply on Zalo by calling :meth:`ZaloChannel.deliver`
(register it as the ``"zalo"`` delivery); without that, the worker's sweep queues it within
``HUEAI_ZALO_POLL_SECONDS``.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Histogram
from starlette.concurrency import run_in_threadpool

from channels.zalo.channel import ZaloChannel
from channels.zalo.store import OutboxStore, with_store
from channels.zalo.webhook import WebhookRefused
from dialogue.turns import Assistant
from hueai.api.bodies import BodyTooLarge, read_bounded
from hueai.api.metrics import REGISTRY
from hueai.runtime import ModelMissing, Runtime

log = structlog.get_logger(__name__)
router = APIRouter(tags=["zalo"])

WEBHOOK_EVENTS = Counter("hueai_zalo_webhook_total", "Zalo webhook calls by outcome (stored, duplicate, ignored, "
                         "or the refusal's reason)", ["outcome"], registry=REGISTRY)
WEBHOOK_SECONDS = Histogram("hueai_zalo_webhook_seconds", "Time to acknowledge a Zalo event",
                            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0), registry=REGISTRY)
DELIVERIES = Counter("hueai_zalo_deliveries_total", "Zalo replies by outcome: sent, retry, failed, gave_up",
                     ["outcome"], registry=REGISTRY)
DELIVERY_SECONDS = Histogram("hueai_zalo_reply_seconds", "From a reply being queued to Zalo accepting it",
                             buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600, 3600), registry=REGISTRY)


def _observe(outcome: str, seconds: float) -> None:
    DELIVERIES.labels(outcome).inc()
    if outcome == "sent":
        DELIVERY_SECONDS.observe(seconds)


def _assistant_for(runtime: Runtime) -> Any:
    """``store -> assistant``: the runtime's current assistant writing through ``store``; None while loading."""
    cache: dict[int, Assistant] = {}

    def assistant(store: OutboxStore) -> Assistant | None:
        if not runtime.loaded:
            return None
        try:
            base = runtime.assistant
        except ModelMissing:
            return None
        key = id(base)
        if key not in cache:  # a reload built a new assistant: wrap that one
            cache.clear()
            cache[key] = with_store(base, store)
        return cache[key]

    return assistant


def zalo_channel_of(app: Any) -> ZaloChannel:
    """The app's one :class:`ZaloChannel` (made on first use)."""
    channel = getattr(app.state, "zalo_channel", None)
    if channel is None:
        runtime: Runtime = app.state.runtime
        channel = ZaloChannel(runtime.db, runtime.settings.zalo, assistant=_assistant_for(runtime), observe=_observe)
        app.state.zalo_channel = channel
    return channel


def start(app: Any) -> None:
    """Start the channel's worker (from the app's lifespan) when Zalo is configured; otherwise build nothing."""
    channel = getattr(app.state, "zalo_channel", None)
    if channel is None:
        if not app.state.runtime.settings.zalo.configured:
            return
        channel = zalo_channel_of(app)
    if channel.settings.configured:
        channel.start()


def stop(app: Any) -> None:
    channel = getattr(app.state, "zalo_channel", None)
    if channel is not None:
        channel.stop()


async def _body(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it is known to pass ``limit`` bytes."""
    try:
        return await read_bounded(request, limit)
    except BodyTooLarge:
        raise WebhookRefused(413, "too_large") from None


@router.post("/webhooks/zalo")
async def zalo_webhook(request: Request) -> JSONResponse:
    """Zalo's webhook: 200 once the event is stored (or was already); 400, 401, 413, 503 otherwise, with
    nothing stored. The event is processed in the background."""
    started = time.perf_counter()
    channel = zalo_channel_of(request.app)
    try:
        raw = await _body(request, channel.settings.max_body_bytes)
        accepted = await run_in_threadpool(channel.intake.receive, raw, request.headers.get("x-zevent-signature"))
    except WebhookRefused as exc:
        WEBHOOK_EVENTS.labels(exc.reason).inc()
        if exc.status == 401:
            log.warning("zalo.webhook_refused", reason=exc.reason, client=request.client.host if request.client else "")
        return JSONResponse({"error": exc.reason}, status_code=exc.status)
    outcome = "duplicate" if accepted.duplicate else "ignored" if accepted.ignored else "stored"
    WEBHOOK_EVENTS.labels(outcome).inc()
    WEBHOOK_SECONDS.observe(time.perf_counter() - started)
    if outcome == "stored":
        channel.wake()
    retry = request.headers.get("num_retry") or request.headers.get("num-retry")
    if retry:
        log.info("zalo.webhook_retry", num_retry=retry, name=accepted.event_name, duplicate=accepted.duplicate)
    return JSONResponse({"ok": True, "duplicate": accepted.duplicate})
