"""The background work of one server process: threads that process stored events and deliver the outbox.

=============  =================================================================================
threads        do
=============  =================================================================================
inbound (N)    claim a stored event (:meth:`Inbox.claim`), run its turn (:mod:`.processor`).
               ``HUEAI_ZALO_WORKERS``: 1 on SQLite (it has one writer at a time anyway), 4 on
               PostgreSQL
senders (M)    claim an outbox row (:meth:`Outbox.claim`), deliver it (:mod:`.delivery`).
               ``HUEAI_ZALO_SENDERS``, default 4: sends to different users overlap
housekeeping   every ``poll_seconds``: queue operators' replies (:meth:`Outbox.sweep`); every
               minute: refresh the access token ahead of its expiry
=============  =================================================================================

A webhook that stores an event wakes the inbound threads, and a processed event wakes the
senders, so work done in this process starts at once; work stored by another server process is
found by polling every ``poll_seconds``. Any number of processes may run this side by side on one
database: claims decide who does what (:mod:`channels.zalo.claims`). Errors are retried with a
backoff; an event that keeps failing is set aside after ``max_event_attempts``.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import structlog
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from channels.zalo.delivery import Deliverer
from channels.zalo.inbox import ClaimedEvent, Inbox, LostClaim
from channels.zalo.outbox import Outbox
from channels.zalo.processor import EventProcessor, NotReady
from channels.zalo.tokens import TokenStore, TokenUnavailable
from core.storage import utcnow
from dialogue.assistant import DialogueUnavailable

log = structlog.get_logger(__name__)
#: Errors that mean "the database (or the dialogue's store) is unavailable right now", not "this event is bad".
TRANSIENT: tuple[type[BaseException], ...] = (OperationalError, DBAPIError, PoolTimeout, ConnectionError, NotReady,
                                              DialogueUnavailable)
#: How far back the first sweep of a process looks for operators' replies not queued yet.
FIRST_SWEEP = timedelta(hours=48)


class ZaloWorker:
    def __init__(self, *, inbox: Inbox, outbox: Outbox, processor: EventProcessor, deliverer: Deliverer,
                 tokens: TokenStore, workers: int = 1, senders: int = 4, poll_seconds: float = 1.0,
                 retry_base_seconds: float = 2.0, retry_max_seconds: float = 300.0,
                 max_event_attempts: int = 5) -> None:
        self.inbox, self.outbox = inbox, outbox
        self.processor, self.deliverer, self.tokens = processor, deliverer, tokens
        self.workers, self.senders = workers, senders
        self.poll = poll_seconds
        self.base, self.max = retry_base_seconds, retry_max_seconds
        self.max_event_attempts = max_event_attempts
        self._stop = threading.Event()
        self._inbound = threading.Condition()
        self._outbound = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._swept_at = utcnow() - FIRST_SWEEP

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for number in range(self.workers):
            self._spawn(self._inbound_loop, f"hueai-zalo-in-{number}")
        for number in range(self.senders):
            self._spawn(self._outbound_loop, f"hueai-zalo-out-{number}")
        self._spawn(self._housekeeping, "hueai-zalo-housekeeping")
        log.info("zalo.worker_started", workers=self.workers, senders=self.senders)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Let each thread finish the event or send it is on, then return (claims left behind expire)."""
        self._stop.set()
        self.wake_inbound()
        self.wake_outbound()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        self._threads = []

    def wake_inbound(self) -> None:
        with self._inbound:
            self._inbound.notify_all()

    def wake_outbound(self) -> None:
        with self._outbound:
            self._outbound.notify_all()

    def _wait(self, condition: threading.Condition, seconds: float) -> None:
        with condition:
            if not self._stop.is_set():
                condition.wait(seconds)

    # -- events ---------------------------------------------------------------------------------------
    def _inbound_loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.process_one()
            except Exception:  # never let the thread die: log, wait, go on
                log.exception("zalo.inbound_loop_failed")
                worked = False
            if not worked:
                self._wait(self._inbound, self.poll)

    def process_one(self) -> bool:
        """Process one due event, if any (and if the assistant can answer); True when one was taken."""
        if not self.processor.ready():
            return False
        try:
            claimed = self.inbox.claim()
        except TRANSIENT as exc:
            log.warning("zalo.claim_failed", error=type(exc).__name__)
            return False
        if claimed is None:
            return False
        self._process(claimed)
        self.wake_outbound()
        return True

    def _process(self, claimed: ClaimedEvent) -> None:
        try:
            self.processor.process(claimed)
        except LostClaim:
            log.warning("zalo.event_taken_over", event_id=claimed.id)
        except Exception as exc:
            delay = min(self.max, self.base * 2 ** max(claimed.attempts - 1, 0)) * (0.5 + 0.5 * random.random())
            error = f"{type(exc).__name__}: {exc}"[:500]
            try:
                if isinstance(exc, TRANSIENT):
                    log.warning("zalo.event_retry", event_id=claimed.id, error=error)
                    self.inbox.retry(claimed, error, delay=delay)
                elif claimed.attempts >= self.max_event_attempts:
                    log.error("zalo.event_failed", event_id=claimed.id, name=claimed.event_name, error=error)
                    self.inbox.fail(claimed, error)
                else:
                    log.exception("zalo.event_error", event_id=claimed.id, name=claimed.event_name)
                    self.inbox.retry(claimed, error, delay=delay)
            except TRANSIENT:
                log.warning("zalo.event_release_failed", event_id=claimed.id)  # its lease runs out by itself

    # -- the outbox -------------------------------------------------------------------------------------
    def _outbound_loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.deliver_one()
            except Exception:
                log.exception("zalo.outbound_loop_failed")
                worked = False
            if not worked:
                self._wait(self._outbound, self.poll)

    def deliver_one(self) -> bool:
        try:
            claimed = self.outbox.claim()
        except TRANSIENT as exc:
            log.warning("zalo.claim_failed", error=type(exc).__name__)
            return False
        if claimed is None:
            return False
        self.deliverer.deliver(claimed)
        return True

    # -- housekeeping -------------------------------------------------------------------------------------
    def _housekeeping(self) -> None:
        checked_token = 0.0
        while not self._stop.is_set():
            try:
                self.sweep()
            except TRANSIENT as exc:
                log.warning("zalo.sweep_failed", error=type(exc).__name__)
            except Exception:
                log.exception("zalo.sweep_failed")
            if time.monotonic() - checked_token >= 60:
                checked_token = time.monotonic()
                try:
                    if self.tokens.due():
                        self.tokens.refresh(None)
                except TokenUnavailable as exc:
                    log.warning("zalo.token_refresh_postponed", reason=str(exc))
                except Exception:
                    log.exception("zalo.token_check_failed")
            self._stop.wait(self.poll)

    def sweep(self) -> int:
        """Queue operators' replies not queued yet (those written since the last sweep, with a margin)."""
        started = utcnow()
        added = self.outbox.sweep(self._swept_at - timedelta(seconds=max(self.poll * 5, 60)))
        self._swept_at = started
        if added:
            log.info("zalo.swept", added=added)
            self.wake_outbound()
        return added
