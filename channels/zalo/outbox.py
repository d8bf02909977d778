"""The outbox: every message for a Zalo user is a row first, and is sent from the row.

**Enqueued with the turn.** The rows of a reply are written in the transaction that stores the
conversation turn (:mod:`channels.zalo.store`), each with its idempotency key
``msg:<conversation message id>:<part>`` (unique: a reply is never enqueued twice). Messages
that are not turns (an operator's reply from the staff desk, the notice that the operator
closed the conversation) are enqueued by :meth:`Outbox.sweep`, which finds the Zalo
conversations' outgoing messages that have no row yet, or at once by the desk's delivery hook.

**Delivered one at a time per user, in order** (:mod:`channels.zalo.claims`): a row is claimed
only when every earlier row of its user is finished. The claimed row is sent by
:mod:`channels.zalo.delivery`, then completed here:

=============  ==================================================================================
:meth:`sent`   ``sent``, with Zalo's ``message_id``
:meth:`retry`  back to ``pending`` after a backoff: ``base · 2^(attempts-1)``, at most ``max``,
               times a random factor in [0.5, 1] (jitter, so retries after an outage do not all
               arrive at once), at least the ``Retry-After`` Zalo gave; ``uncertain`` when the
               send may have gone through (then it is looked up before it is sent again)
:meth:`fail`   ``failed`` for good: Zalo refused it (outside the reply window, unfollowed, ...),
               or it was not delivered within ``give_up_after`` (given up)
=============  ==================================================================================

A row is never sent again once ``sent``, and a row that may have been sent (its sender died,
or the call timed out) is checked against Zalo's conversation first; together that is what
makes "never sent twice for one key" hold across crashes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from channels.zalo.claims import insert_ignoring_duplicates, new_token, same_token, upsert
from channels.zalo.errors import Failure
from channels.zalo.render import render, request
from channels.zalo.tables import ZaloOutboxRow, ZaloUserRow
from channels.zalo.tokens import aware
from core.storage import Database, utcnow
from dialogue.tables import ConversationRow, MessageRow

UNFINISHED = ("pending", "sending")
SESSION_PREFIX = "zalo:"


def session_id_of(user_id: str) -> str:
    """The conversation id of a Zalo user (``zalo:<user id>``): no other channel can name it."""
    return SESSION_PREFIX + user_id


def user_id_of(session_id: str) -> str | None:
    return session_id[len(SESSION_PREFIX):] if session_id.startswith(SESSION_PREFIX) else None


@dataclass(frozen=True)
class ClaimedReply:
    id: int
    token: str
    user_id: str
    session_id: str
    message_id: int
    part: int
    last_part: bool
    payload: dict[str, Any]
    options: list[str] | None
    attempts: int
    created_at: datetime
    #: Set when an earlier attempt may have reached Zalo: look for it from this time before sending.
    check_since: datetime | None
    #: The user unfollowed (and has not written since): the row is to be cancelled, not sent.
    stopped: bool = False


class Outbox:
    def __init__(self, db: Database, *, buttons: bool = True, lease_seconds: float = 30.0,
                 retry_base_seconds: float = 2.0, retry_max_seconds: float = 300.0,
                 give_up_after_seconds: float = 6 * 3600, jitter: Callable[[], float] = random.random) -> None:
        self.db = db
        self.buttons = buttons
        self.lease = timedelta(seconds=lease_seconds)
        self.base, self.max = retry_base_seconds, retry_max_seconds
        self.give_up_after = timedelta(seconds=give_up_after_seconds)
        self.jitter = jitter

    # -- enqueuing -----------------------------------------------------------------------------------
    def enqueue_in(self, session: Session, *, user_id: str, session_id: str, message_id: int, text: str,
                   quick_replies: Sequence[dict[str, Any]] | None = None) -> int:
        """The Zalo messages of one stored outgoing message, as rows of the caller's transaction (rows that
        exist already are left alone). A user who unfollowed gets them as ``cancelled``. Returns rows added."""
        stopped = bool(session.scalar(select(ZaloUserRow.stopped).where(ZaloUserRow.user_id == user_id)))
        parts = render(text, quick_replies, buttons=self.buttons)
        now = utcnow()
        added = 0
        for number, part in enumerate(parts):
            added += insert_ignoring_duplicates(session, ZaloOutboxRow.__table__, dict(
                idempotency_key=f"msg:{message_id}:{number}", user_id=user_id, session_id=session_id,
                message_id=message_id, part=number, last_part=number == len(parts) - 1,
                payload=request(user_id, part), options=part.options,
                state="cancelled" if stopped else "pending", attempts=0, next_attempt_at=now, uncertain=False,
                error_kind="unfollowed" if stopped else None, created_at=now, updated_at=now)) is not None
        return added

    def enqueue_messages(self, message_ids: Sequence[int]) -> int:
        """Enqueue stored outgoing messages of Zalo conversations by id (the desk's delivery hook)."""
        if not message_ids:
            return 0
        with self.db.session() as session:
            rows = session.execute(select(MessageRow.id, MessageRow.session_id, MessageRow.text,
                                          MessageRow.quick_replies, MessageRow.direction)
                                   .where(MessageRow.id.in_(list(message_ids)))).all()
            added = 0
            for row in rows:
                user_id = user_id_of(row.session_id)
                if user_id and row.direction == "out":
                    added += self.enqueue_in(session, user_id=user_id, session_id=row.session_id,
                                             message_id=row.id, text=row.text, quick_replies=row.quick_replies)
            return added

    def sweep(self, since: datetime, *, limit: int = 500) -> int:
        """Enqueue the outgoing messages of Zalo conversations written since ``since`` that have no row yet:
        an operator's replies and closing notices (the assistant's replies are enqueued with their turn, so
        they are never looked for here). Returns rows added."""
        with self.db.session() as session:
            missing = ~exists().where(ZaloOutboxRow.message_id == MessageRow.id)
            rows = session.execute(
                select(MessageRow.id, MessageRow.session_id, MessageRow.text, MessageRow.quick_replies)
                .join(ConversationRow, ConversationRow.id == MessageRow.session_id)
                .where(ConversationRow.channel == "zalo", ConversationRow.updated_at >= since,
                       MessageRow.direction == "out", MessageRow.sender.in_(("operator", "system")),
                       MessageRow.created_at >= since, missing)
                .order_by(MessageRow.id).limit(limit)).all()
            added = 0
            for row in rows:
                user_id = user_id_of(row.session_id)
                if user_id:
                    added += self.enqueue_in(session, user_id=user_id, session_id=row.session_id,
                                             message_id=row.id, text=row.text, quick_replies=row.quick_replies)
            return added

    def cancel_user_in(self, session: Session, user_id: str, *, reason: str = "unfollowed") -> int:
        """Cancel a user's undelivered rows (not one being sent right now)."""
        result = session.execute(
            update(ZaloOutboxRow).where(ZaloOutboxRow.user_id == user_id, ZaloOutboxRow.state == "pending")
            .values(state="cancelled", error_kind=reason, updated_at=utcnow()))
        return result.rowcount or 0

    # -- claiming ------------------------------------------------------------------------------------------
    def claim(self, *, batch: int = 4) -> ClaimedReply | None:
        """The next row to send (its user's first unfinished one, due now), claimed; None when none is due.

        Rows left ``sending`` by a dead sender are looked for first (few, by their lease), then pending ones
        in the order they were queued (the ``(state, id)`` index: a long queue is not sorted on every claim)."""
        now = utcnow()
        earlier = aliased(ZaloOutboxRow)
        first_of_user = ~exists().where(
            earlier.user_id == ZaloOutboxRow.user_id, earlier.state.in_(UNFINISHED),
            or_(earlier.message_id < ZaloOutboxRow.message_id,
                and_(earlier.message_id == ZaloOutboxRow.message_id, earlier.part < ZaloOutboxRow.part)))
        abandoned = and_(ZaloOutboxRow.state == "sending", ZaloOutboxRow.claimed_until < now)
        pending = and_(ZaloOutboxRow.state == "pending", ZaloOutboxRow.next_attempt_at <= now)
        with self.db.session() as session:
            for due in (abandoned, pending):
                candidates = session.execute(
                    select(ZaloOutboxRow.id, ZaloOutboxRow.state, ZaloOutboxRow.claim_token,
                           ZaloOutboxRow.uncertain, ZaloOutboxRow.attempt_started_at)
                    .where(due, first_of_user).order_by(ZaloOutboxRow.id).limit(batch)
                    .with_for_update(skip_locked=True)).all()
                for candidate in candidates:
                    claimed = self._take(session, candidate, now)
                    if claimed is not None:
                        return claimed
        return None

    def _take(self, session: Session, candidate: Any, now: datetime) -> ClaimedReply | None:
        token = new_token()
        result = session.execute(
            update(ZaloOutboxRow)
            .where(ZaloOutboxRow.id == candidate.id, ZaloOutboxRow.state == candidate.state,
                   same_token(ZaloOutboxRow.claim_token, candidate.claim_token))
            .values(state="sending", claim_token=token, claimed_until=now + self.lease,
                    attempts=ZaloOutboxRow.attempts + 1, attempt_started_at=now, uncertain=True, updated_at=now))
        if result.rowcount != 1:
            return None
        row = session.get(ZaloOutboxRow, candidate.id)
        assert row is not None
        stopped = bool(session.scalar(select(ZaloUserRow.stopped).where(ZaloUserRow.user_id == row.user_id)))
        maybe_sent = candidate.state == "sending" or bool(candidate.uncertain)
        return ClaimedReply(
            id=row.id, token=token, user_id=row.user_id, session_id=row.session_id, message_id=row.message_id,
            part=row.part, last_part=row.last_part, payload=dict(row.payload),
            options=list(row.options) if row.options else None, attempts=row.attempts,
            created_at=aware(row.created_at) or now, stopped=stopped,
            check_since=(aware(candidate.attempt_started_at) or aware(row.created_at)) if maybe_sent else None)

    # -- completing ----------------------------------------------------------------------------------------
    def _complete(self, claimed: ClaimedReply, **values: Any) -> bool:
        values.setdefault("updated_at", utcnow())
        with self.db.session() as session:
            result = session.execute(update(ZaloOutboxRow)
                                     .where(ZaloOutboxRow.id == claimed.id, ZaloOutboxRow.claim_token == claimed.token)
                                     .values(claim_token=None, claimed_until=None, **values))
            return result.rowcount == 1

    def sent(self, claimed: ClaimedReply, zalo_message_id: str) -> bool:
        """The row reached Zalo; False when the claim was lost meanwhile (the other worker records it)."""
        return self._complete(claimed, state="sent", zalo_message_id=zalo_message_id[:64], sent_at=utcnow(),
                              uncertain=False, error_kind=None, error_code=None, error=None)

    def rewrite(self, claimed: ClaimedReply, payload: dict[str, Any], options: list[str] | None) -> ClaimedReply:
        """Replace the row's body (buttons Zalo refused, as numbered text); the claim stays."""
        with self.db.session() as session:
            session.execute(update(ZaloOutboxRow)
                            .where(ZaloOutboxRow.id == claimed.id, ZaloOutboxRow.claim_token == claimed.token)
                            .values(payload=payload, options=options, updated_at=utcnow()))
        return ClaimedReply(**{**claimed.__dict__, "payload": payload, "options": options})

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        delay = min(self.max, self.base * 2 ** max(attempts - 1, 0))
        delay *= 0.5 + 0.5 * self.jitter()
        return max(delay, retry_after or 0.0)

    def retry(self, claimed: ClaimedReply, failure: Failure) -> bool:
        """Back to ``pending`` after a backoff (``uncertain`` if the message may have been sent)."""
        delay = self.backoff(claimed.attempts, failure.retry_after)
        return self._complete(claimed, state="pending", next_attempt_at=utcnow() + timedelta(seconds=delay),
                              uncertain=failure.uncertain, error_kind=failure.kind.value, error_code=failure.code,
                              error=failure.describe())

    def fail(self, claimed: ClaimedReply, failure: Failure, *, gave_up: bool = False) -> bool:
        """``failed`` for good (kept, with why, for ``hueai zalo status``)."""
        kind = "gave_up" if gave_up else failure.kind.value
        text = (f"given up after {claimed.attempts} attempts; last: " if gave_up else "") + failure.describe()
        return self._complete(claimed, state="failed", uncertain=False, error_kind=kind, error_code=failure.code,
                              error=text[:2000])

    def cancel(self, claimed: ClaimedReply, reason: str = "unfollowed") -> bool:
        """``cancelled``: the user unfollowed while the row waited (nothing more is sent to them)."""
        return self._complete(claimed, state="cancelled", uncertain=False, error_kind=reason)

    def given_up(self, claimed: ClaimedReply) -> bool:
        return utcnow() - claimed.created_at >= self.give_up_after

    def attributed(self, zalo_message_ids: Sequence[str]) -> set[str]:
        """Which of Zalo's message ids are already recorded as some row's delivery."""
        if not zalo_message_ids:
            return set()
        with self.db.session() as session:
            return set(session.scalars(select(ZaloOutboxRow.zalo_message_id)
                                       .where(ZaloOutboxRow.zalo_message_id.in_(list(zalo_message_ids)))).all())

    def stop_user(self, user_id: str, reason: str = "unfollowed") -> int:
        """The user cannot be reached (Zalo said they unfollowed): send them nothing more until they write."""
        with self.db.session() as session:
            mark_stopped_in(session, user_id, True)
            return self.cancel_user_in(session, user_id, reason=reason)

    # -- reading -------------------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self.db.session() as session:
            rows = session.execute(select(ZaloOutboxRow.state, func.count()).group_by(ZaloOutboxRow.state)).all()
        return {state: count for state, count in rows}


def mark_stopped_in(session: Session, user_id: str, stopped: bool, *, inbound_at: datetime | None = None) -> None:
    """Record whether the channel may send to ``user_id`` (and when they last wrote) in the caller's transaction."""
    values: dict[str, Any] = {"stopped": stopped, "updated_at": utcnow()}
    if inbound_at is not None:
        values["last_inbound_at"] = inbound_at
    upsert(session, ZaloUserRow.__table__, {"user_id": user_id, **values}, update=values)


def options_of(db: Database, user_id: str) -> list[str] | None:
    """The payloads of the numbered options in the last message shown to the user (None: it had none), which a
    bare number from the user answers."""
    with db.session() as session:
        options = session.scalar(
            select(ZaloOutboxRow.options)
            .where(ZaloOutboxRow.user_id == user_id, ZaloOutboxRow.last_part.is_(True),
                   ZaloOutboxRow.state.in_(("sending", "sent")))
            .order_by(ZaloOutboxRow.message_id.desc()).limit(1))
    return list(options) if options else None
