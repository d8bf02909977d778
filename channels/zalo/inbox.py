"""Stored webhook events: written before Zalo is answered, then worked through in the background.

:meth:`Inbox.store` is the whole of what the webhook does after checking the signature: one
insert of the raw event (ignored when its key is already there: Zalo retries an event it did
not see acknowledged in two seconds, with the same body). Events the channel does not act on
are stored as ``ignored``. The worker then :meth:`~Inbox.claim`\\ s pending events, one per user
at a time and in the order they arrived (:mod:`channels.zalo.claims`), and each is completed
**in the same transaction as the conversation turn it produced** (:meth:`Inbox.complete_in`),
so a crash leaves an event either not processed at all or processed with its reply stored.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from channels.zalo.claims import insert_ignoring_duplicates, new_token, same_token
from channels.zalo.events import ZaloEvent
from channels.zalo.tables import ZaloEventRow
from channels.zalo.tokens import aware
from core.storage import Database, utcnow

UNFINISHED = ("pending", "processing")


class LostClaim(RuntimeError):
    """The event was taken over by another worker (this worker's lease ran out): its work is dropped."""


@dataclass(frozen=True)
class Stored:
    id: int | None
    duplicate: bool
    ignored: bool


@dataclass(frozen=True)
class ClaimedEvent:
    id: int
    token: str
    event_name: str
    user_id: str
    raw: str
    attempts: int
    received_at: datetime


class Inbox:
    def __init__(self, db: Database, *, lease_seconds: float = 30.0) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease_seconds)

    # -- the webhook's one write ---------------------------------------------------------------------
    def store(self, event: ZaloEvent, raw: bytes) -> Stored:
        """Keep the event as received; ``duplicate`` when an event with its key is stored already."""
        return self.store_many([(event, raw)])[0]

    def store_many(self, events: Sequence[tuple[ZaloEvent, bytes]]) -> list[Stored]:
        """:meth:`store` for several events in one transaction (one commit: see :class:`GroupWriter`)."""
        now = utcnow()
        out = []
        with self.db.session() as session:
            for event, raw in events:
                ignored = not event.handled or event.user_id is None
                key = event.key(raw)
                inserted = insert_ignoring_duplicates(session, ZaloEventRow.__table__, dict(
                    event_key=key, event_name=event.event_name[:64], user_id=event.user_id,
                    msg_id=(event.msg_id or None), timestamp_ms=event.timestamp_ms,
                    raw=raw.decode("utf-8", "replace"), state="ignored" if ignored else "pending", attempts=0,
                    received_at=now, processed_at=now if ignored else None))
                found = inserted if inserted is not None else session.scalar(
                    select(ZaloEventRow.id).where(ZaloEventRow.event_key == key))
                out.append(Stored(id=found, duplicate=inserted is None, ignored=ignored))
        return out

    # -- claiming --------------------------------------------------------------------------------------
    def claim(self, *, batch: int = 4) -> ClaimedEvent | None:
        """The next event to process (the first unfinished event of its user), claimed; None when none is due.

        Events left by a dead worker are looked for first (few, by their lease), then pending ones in arrival
        order, walking the ``(state, id)`` index so a long queue is not sorted on every claim."""
        now = utcnow()
        earlier = aliased(ZaloEventRow)
        first_of_user = ~exists().where(earlier.user_id == ZaloEventRow.user_id, earlier.id < ZaloEventRow.id,
                                        earlier.state.in_(UNFINISHED))
        abandoned = and_(ZaloEventRow.state == "processing", ZaloEventRow.claimed_until < now)
        pending = and_(ZaloEventRow.state == "pending",
                       or_(ZaloEventRow.next_attempt_at.is_(None), ZaloEventRow.next_attempt_at <= now))
        with self.db.session() as session:
            for due in (abandoned, pending):
                candidates = session.execute(
                    select(ZaloEventRow.id, ZaloEventRow.state, ZaloEventRow.claim_token)
                    .where(due, first_of_user).order_by(ZaloEventRow.id).limit(batch)
                    .with_for_update(skip_locked=True)).all()
                for candidate in candidates:
                    token = new_token()
                    result = session.execute(
                        update(ZaloEventRow)
                        .where(ZaloEventRow.id == candidate.id, ZaloEventRow.state == candidate.state,
                               same_token(ZaloEventRow.claim_token, candidate.claim_token))
                        .values(state="processing", claim_token=token, claimed_until=now + self.lease,
                                attempts=ZaloEventRow.attempts + 1))
                    if result.rowcount == 1:
                        row = session.get(ZaloEventRow, candidate.id)
                        assert row is not None and row.user_id is not None
                        return ClaimedEvent(id=row.id, token=token, event_name=row.event_name, user_id=row.user_id,
                                            raw=row.raw, attempts=row.attempts,
                                            received_at=aware(row.received_at) or now)
        return None

    # -- completing ------------------------------------------------------------------------------------
    def complete_in(self, session: Session, event_id: int, token: str, *, state: str = "done") -> None:
        """Mark the event processed inside the caller's transaction; :class:`LostClaim` when it is no longer
        this claim's (the transaction must then roll back)."""
        result = session.execute(
            update(ZaloEventRow)
            .where(ZaloEventRow.id == event_id, ZaloEventRow.claim_token == token,
                   ZaloEventRow.state == "processing")
            .values(state=state, processed_at=utcnow(), claim_token=None, claimed_until=None, error=None))
        if result.rowcount != 1:
            raise LostClaim(f"event {event_id} was taken over")

    def complete(self, claimed: ClaimedEvent, *, state: str = "done") -> None:
        with self.db.session() as session:
            self.complete_in(session, claimed.id, claimed.token, state=state)

    def retry(self, claimed: ClaimedEvent, error: str, *, delay: float) -> None:
        """Put the event back, to be tried again after ``delay`` seconds (its user's later events wait)."""
        with self.db.session() as session:
            session.execute(
                update(ZaloEventRow)
                .where(ZaloEventRow.id == claimed.id, ZaloEventRow.claim_token == claimed.token)
                .values(state="pending", claim_token=None, claimed_until=None, error=error[:2000],
                        next_attempt_at=utcnow() + timedelta(seconds=delay)))

    def fail(self, claimed: ClaimedEvent, error: str) -> None:
        """Set the event aside for good (its user's later events go on); ``hueai zalo status`` lists it."""
        with self.db.session() as session:
            session.execute(
                update(ZaloEventRow)
                .where(ZaloEventRow.id == claimed.id, ZaloEventRow.claim_token == claimed.token)
                .values(state="failed", claim_token=None, claimed_until=None, error=error[:2000],
                        processed_at=utcnow()))

    # -- reading -----------------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self.db.session() as session:
            rows = session.execute(select(ZaloEventRow.state, func.count()).group_by(ZaloEventRow.state)).all()
        return {state: count for state, count in rows}


class GroupWriter:
    """The webhook's writes, grouped: one writer thread commits the events of concurrent requests together.

    Under a burst, a request per event each committing its own insert means a disk sync per event
    and, on SQLite, dozens of threads waiting for its one write lock (its busy handler polls, so a
    waiter can starve past its timeout while others keep winning). Here each request hands its event
    to a queue and waits; the writer takes everything queued (up to ``max_batch``), stores it in one
    transaction (:meth:`Inbox.store_many`) and wakes the requests: every event is still committed
    before its request is answered, with one commit for the lot.
    """

    def __init__(self, inbox: Inbox, *, max_batch: int = 64) -> None:
        self.inbox = inbox
        self.max_batch = max_batch
        self._queue: queue.Queue[tuple[ZaloEvent, bytes, Future[Stored]]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def store(self, event: ZaloEvent, raw: bytes, *, timeout: float = 10.0) -> Stored:
        """Store one event (committed when this returns); re-raises the database's error."""
        future: Future[Stored] = Future()
        self._ensure_thread()
        self._queue.put((event, raw, future))
        return future.result(timeout)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="hueai-zalo-intake", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                results = self.inbox.store_many([(event, raw) for event, raw, _ in batch])
            except BaseException as exc:  # the database failed: every request of the batch hears it
                for _, _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, _, future), result in zip(batch, results):
                future.set_result(result)
