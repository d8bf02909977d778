"""The conversation store: sessions, messages, handoffs, feedback, and what channels and operators call.

Everything a channel or the staff tool needs besides :meth:`Assistant.handle`
is a method of :class:`ConversationStore` (build one per process from the
database; it holds no state of its own, so any number of processes share it)::

    store = ConversationStore(db)
    store.handoffs()                                   # handed-over conversations, with transcripts
    store.accept_handoff("web-abc", operator="lan")    # an operator takes one (optional: replying takes it too)
    mid = store.operator_reply("web-abc", "Dạ, em là Lan ...", operator="lan")   # stored as an outgoing message
    store.messages_after("web-abc", after=last_seen)   # what the channel has not delivered yet (poll this)
    store.close_handoff("web-abc", operator="lan")     # the assistant answers again
    store.record_feedback(mid, helpful=False, comment="sai thủ tục", session_id="web-abc")
    store.record_feedback(mid, helpful=False, correct_code="1.001193", operator="lan")   # a correction

Message ids are strings (``Turn.message_id``) of increasing integers: within a
session, a later message always has a larger id, so "after id N" never skips one.

**Order and locking.** Every write to a session (a citizen's turn, an operator's
reply, closing a handoff) runs in one transaction that first locks the session's
row: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the transaction's first
statement is a write, which takes the database's write lock (other writers wait,
up to the driver's busy timeout). So two messages of one session, even sent to
two server processes at once, are processed one after the other, and a turn is
either stored whole (both messages, the new tracker state, a ticket) or not at all.

**While a person handles the conversation.** A handoff is ``waiting`` until an
operator accepts it or replies (``active``), then ``closed``. While it is
``active`` the assistant does not answer: a citizen's message is stored and its
:class:`~dialogue.turns.Turn` has an empty ``reply``, ``action="to_operator"`` and the
citizen's own message id, so a channel shows nothing and the operator sees the message
in the transcript. An emergency is still answered with the safety guidance.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.storage import Database, utcnow
from dialogue.masking import mask_pii
from dialogue.tables import ConversationRow, FeedbackRow, HandoffRow, MessageRow, TicketRow

HandoffState = Literal["waiting", "active", "closed"]
OPEN_HANDOFF: tuple[str, ...] = ("waiting", "active")
#: What the citizen sees when an operator closes the conversation (then the assistant answers again).
CLOSED_NOTICE = "Dạ, nhân viên đã kết thúc phần hỗ trợ. Em là trợ lý ảo, anh/chị cần gì thêm cứ nhắn cho em ạ."


class UnknownSession(LookupError):
    """No conversation has this session id."""


class UnknownMessage(LookupError):
    """No message has this id (or it belongs to another session)."""


class MessageView(BaseModel):
    """One message of a transcript, as the staff page and the channels read it."""

    id: str
    session_id: str
    direction: Literal["in", "out"]
    sender: Literal["citizen", "assistant", "operator", "system"]
    channel: str
    text: str
    intent: str | None = None
    confidence: float | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)
    quick_replies: list[dict[str, Any]] = Field(default_factory=list)
    action: str | None = None
    operator: str | None = None
    created_at: datetime


class HandoffView(BaseModel):
    """A handed-over conversation: the request, its state, and the transcript (oldest message first)."""

    id: int
    session_id: str
    channel: str
    state: HandoffState
    reason: str
    urgent: bool
    operator: str | None
    created_at: datetime
    accepted_at: datetime | None
    messages: list[MessageView] = Field(default_factory=list)


class FeedbackView(BaseModel):
    id: int
    message_id: str | None
    session_id: str
    helpful: bool | None
    comment: str | None
    correct_code: str | None
    question: str | None
    answered_code: str | None
    channel: str
    given_by: Literal["citizen", "operator"]
    operator: str | None
    created_at: datetime


class PurgeReport(BaseModel):
    conversations: int
    messages: int


def _message_view(row: MessageRow) -> MessageView:
    return MessageView(
        id=str(row.id), session_id=row.session_id, direction=row.direction, sender=row.sender,  # type: ignore[arg-type]
        channel=row.channel, text=row.text, intent=row.intent, confidence=row.confidence,
        sources=row.sources or [], quick_replies=row.quick_replies or [], action=row.action,
        operator=row.operator, created_at=row.created_at,
    )


def _handoff_view(row: HandoffRow, channel: str, messages: list[MessageView]) -> HandoffView:
    return HandoffView(id=row.id, session_id=row.session_id, channel=channel, state=row.state,  # type: ignore[arg-type]
                       reason=row.reason, urgent=row.urgent, operator=row.operator, created_at=row.created_at,
                       accepted_at=row.accepted_at, messages=messages)


def _message_id(value: str | int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UnknownMessage(f"no message {value!r}") from None


def new_ticket_id(now: datetime | None = None) -> str:
    """A ticket id a citizen can read out: ``PA-251203-7K3Q`` (phản ánh, date, 4 random characters).

    Random rather than a counter, so two server processes never need to agree on the next number;
    the alphabet leaves out characters read alike (0/O, 1/I/L).
    """
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    now = now or utcnow()
    return f"PA-{now:%y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(4))


class TurnWriter:
    """The open transaction of one turn: the locked session row and what the turn writes.

    Given by :meth:`ConversationStore.turn`; the assistant reads :attr:`state`, adds the
    turn's messages, maybe a handoff or a ticket, and sets :attr:`state` before it closes.
    """

    def __init__(self, session: Session, row: ConversationRow, created: bool) -> None:
        self.session = session
        self.row = row
        self.created = created  # the first turn of this session
        self.state: dict[str, Any] = dict(row.state or {})

    @property
    def session_id(self) -> str:
        return self.row.id

    @property
    def handoff_state(self) -> str | None:
        return self.row.handoff_state

    def add_message(self, direction: str, sender: str, text: str, **fields: Any) -> int:
        row = MessageRow(session_id=self.row.id, direction=direction, sender=sender,
                         channel=fields.pop("channel", self.row.channel), text=text, **fields)
        self.session.add(row)
        self.session.flush()  # the id, for the reply's message_id
        return row.id

    def open_handoff(self, reason: str, *, urgent: bool = False) -> int:
        """Ask for a person (no second request while one is open; an urgent one upgrades it)."""
        current = self.session.scalars(
            select(HandoffRow).where(HandoffRow.session_id == self.row.id, HandoffRow.state.in_(OPEN_HANDOFF))
        ).first()
        if current is not None:
            current.urgent = current.urgent or urgent
            return current.id
        row = HandoffRow(session_id=self.row.id, state="waiting", reason=reason, urgent=urgent)
        self.session.add(row)
        self.row.handoff_state = "waiting"
        self.session.flush()
        return row.id

    def cancel_handoff(self) -> bool:
        """The citizen no longer wants a person (only while nobody has taken the conversation)."""
        rows = self.session.scalars(
            select(HandoffRow).where(HandoffRow.session_id == self.row.id, HandoffRow.state == "waiting")
        ).all()
        for row in rows:
            row.state, row.closed_at = "closed", utcnow()
        if rows:
            self.row.handoff_state = None
        return bool(rows)

    def create_ticket(self, *, description: str, location: str, phone: str | None = None,
                      photo_url: str | None = None) -> str:
        for _ in range(5):  # a clash of the random part is rare; try another
            ticket_id = new_ticket_id()
            if self.session.get(TicketRow, ticket_id) is None:
                break
        self.session.add(TicketRow(id=ticket_id, session_id=self.row.id, channel=self.row.channel,
                                   description=description, location=location, phone=phone, photo_url=photo_url,
                                   status="new"))
        self.session.flush()
        return ticket_id


class ConversationStore:
    """Conversations in one database (see the module docstring for what is offered and how it is ordered)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the per-session lock ------------------------------------------------------
    def _lock(self, session: Session, session_id: str, channel: str | None, *, create: bool) -> tuple[
            ConversationRow | None, bool]:
        """Lock ``session_id``'s row for this transaction (creating it when ``create``); None if absent."""
        dialect = session.get_bind().dialect.name
        created = False
        if create:
            values = {"id": session_id, "channel": channel or "web", "state": {}, "turns": 0,
                      "created_at": utcnow(), "updated_at": utcnow()}
            if dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                result = session.execute(pg_insert(ConversationRow).values(**values).on_conflict_do_nothing())
            elif dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                # The first statement of the transaction is a write: it takes SQLite's write lock.
                result = session.execute(sqlite_insert(ConversationRow).values(**values).on_conflict_do_nothing())
            else:  # another database: no lock guarantee beyond its own isolation
                result = None
                if session.get(ConversationRow, session_id) is None:
                    session.add(ConversationRow(**values))
                    session.flush()
                    created = True
            if result is not None:
                created = bool(result.rowcount)
        elif dialect == "sqlite":
            # Take the write lock before reading, as above (a read first could see a state that is stale
            # by the time this transaction writes).
            session.execute(update(ConversationRow).where(ConversationRow.id == session_id)
                            .values(updated_at=ConversationRow.updated_at))
        statement = select(ConversationRow).where(ConversationRow.id == session_id)
        if dialect == "postgresql":
            statement = statement.with_for_update()
        row = session.execute(statement.execution_options(populate_existing=True)).scalar_one_or_none()
        return row, created

    @contextmanager
    def turn(self, session_id: str, channel: str) -> Iterator[TurnWriter]:
        """One turn of ``session_id``, serialised with every other write to it; committed when the block ends."""
        with self.db.session() as session:
            row, created = self._lock(session, session_id, channel, create=True)
            assert row is not None
            writer = TurnWriter(session, row, created)
            yield writer
            row.state = writer.state
            row.turns = (row.turns or 0) + 1
            row.updated_at = utcnow()

    # -- reading ---------------------------------------------------------------------
    def exists(self, session_id: str) -> bool:
        with self.db.session() as session:
            return session.get(ConversationRow, session_id) is not None

    def state(self, session_id: str) -> dict[str, Any] | None:
        """The tracker state of a session as stored (None for an unknown session)."""
        with self.db.session() as session:
            row = session.get(ConversationRow, session_id)
            return dict(row.state) if row else None

    def transcript(self, session_id: str, *, limit: int | None = None) -> list[MessageView]:
        """A session's messages, oldest first (the last ``limit`` when given)."""
        with self.db.session() as session:
            statement = select(MessageRow).where(MessageRow.session_id == session_id).order_by(MessageRow.id.desc())
            if limit is not None:
                statement = statement.limit(limit)
            return [_message_view(row) for row in reversed(session.scalars(statement).all())]

    def messages_after(self, session_id: str, after: str | int | None = None, *,
                       direction: Literal["in", "out"] | None = "out") -> list[MessageView]:
        """A session's messages with an id above ``after`` (all when None), oldest first.

        The web channel polls this with the last id it delivered to push operator replies (and the notice
        that the operator closed the conversation) over its WebSocket.
        """
        with self.db.session() as session:
            statement = select(MessageRow).where(MessageRow.session_id == session_id)
            if after is not None:
                statement = statement.where(MessageRow.id > _message_id(after))
            if direction is not None:
                statement = statement.where(MessageRow.direction == direction)
            return [_message_view(row) for row in session.scalars(statement.order_by(MessageRow.id)).all()]

    def handoffs(self, states: Sequence[HandoffState] = OPEN_HANDOFF, *, transcript: int | None = 50,
                 since: datetime | None = None) -> list[HandoffView]:
        """Handoffs in ``states`` (waiting and active by default), urgent ones first, then oldest first,
        each with the last ``transcript`` messages of its conversation (None: all; 0: none)."""
        with self.db.session() as session:
            statement = (select(HandoffRow, ConversationRow.channel)
                         .join(ConversationRow, ConversationRow.id == HandoffRow.session_id)
                         .where(HandoffRow.state.in_(tuple(states))))
            if since is not None:
                statement = statement.where(HandoffRow.created_at >= since)
            rows = session.execute(statement.order_by(HandoffRow.urgent.desc(), HandoffRow.id)).all()
        return [_handoff_view(handoff, channel, self.transcript(handoff.session_id, limit=transcript)
                              if transcript != 0 else []) for handoff, channel in rows]

    def handoff(self, session_id: str) -> HandoffView | None:
        """The open handoff of a session, with its whole transcript (None when there is none)."""
        with self.db.session() as session:
            row = session.scalars(select(HandoffRow).where(HandoffRow.session_id == session_id,
                                                           HandoffRow.state.in_(OPEN_HANDOFF))).first()
            channel = session.scalar(select(ConversationRow.channel).where(ConversationRow.id == session_id))
        if row is None:
            return None
        return _handoff_view(row, channel or "web", self.transcript(session_id))

    # -- operators ---------------------------------------------------------------------
    def _lock_existing(self, session: Session, session_id: str) -> ConversationRow:
        """Lock ``session_id``'s row for this transaction, or :class:`UnknownSession`."""
        conversation, _ = self._lock(session, session_id, None, create=False)
        if conversation is None:
            raise UnknownSession(f"no conversation {session_id!r}")
        return conversation

    def _open_handoff_row(self, session: Session, session_id: str) -> HandoffRow | None:
        return session.scalars(select(HandoffRow).where(HandoffRow.session_id == session_id,
                                                        HandoffRow.state.in_(OPEN_HANDOFF))).first()

    def accept_handoff(self, session_id: str, operator: str) -> HandoffView:
        """``operator`` takes the conversation: the assistant stops answering it until it is closed.

        A conversation nobody asked a person for gets a handoff now (an operator may step in on their own).
        """
        with self.db.session() as session:
            conversation = self._lock_existing(session, session_id)
            row = self._open_handoff_row(session, session_id)
            if row is None:
                row = HandoffRow(session_id=session_id, state="waiting", reason="operator", urgent=False)
                session.add(row)
            if row.state == "waiting":
                row.state, row.accepted_at = "active", utcnow()
            row.operator = operator
            conversation.handoff_state = "active"
            conversation.updated_at = utcnow()
        view = self.handoff(session_id)
        assert view is not None
        return view

    def operator_reply(self, session_id: str, text: str, operator: str) -> str:
        """Store an operator's reply as an outgoing message of the session; return its message id.

        The channel delivers it (the web channel by polling :meth:`messages_after`). Replying takes the
        conversation (see :meth:`accept_handoff`) when it is not already taken.
        """
        text = text.strip()
        if not text:
            raise ValueError("an empty reply")
        with self.db.session() as session:
            conversation = self._lock_existing(session, session_id)
            row = self._open_handoff_row(session, session_id)
            if row is None:
                row = HandoffRow(session_id=session_id, state="active", reason="operator", urgent=False,
                                 accepted_at=utcnow(), operator=operator)
                session.add(row)
            elif row.state == "waiting":
                row.state, row.accepted_at, row.operator = "active", utcnow(), operator
            conversation.handoff_state = "active"
            conversation.updated_at = utcnow()
            message = MessageRow(session_id=session_id, direction="out", sender="operator",
                                 channel=conversation.channel, text=text, operator=operator, action="operator_reply")
            session.add(message)
            session.flush()
            return str(message.id)

    def close_handoff(self, session_id: str, operator: str | None = None, *, notice: str | None = CLOSED_NOTICE
                      ) -> bool:
        """Close the session's open handoff: the assistant answers again. ``notice`` (None: nothing) is stored
        as an outgoing message for the channel to deliver. False when there was no open handoff."""
        with self.db.session() as session:
            conversation = self._lock_existing(session, session_id)
            rows = session.scalars(select(HandoffRow).where(HandoffRow.session_id == session_id,
                                                            HandoffRow.state.in_(OPEN_HANDOFF))).all()
            for row in rows:
                row.state, row.closed_at = "closed", utcnow()
                row.operator = row.operator or operator
            conversation.handoff_state = None
            # The assistant starts afresh: no half-asked question survives a person's conversation.
            state = dict(conversation.state or {})
            for key in ("pending", "failures"):
                state.pop(key, None)
            conversation.state = state
            conversation.updated_at = utcnow()
            if rows and notice:
                session.add(MessageRow(session_id=session_id, direction="out", sender="system",
                                       channel=conversation.channel, text=notice, operator=operator,
                                       action="handoff_closed"))
            return bool(rows)

    def attach_photo(self, session_id: str, url: str, *, within_minutes: int = 60) -> str | None:
        """A photo the citizen sent (Zalo): kept with the field report being collected (filed with it), else
        added to the session's latest ticket when it was filed within ``within_minutes``. Returns ``"draft"``,
        the ticket's id, or None when there is no report to attach it to."""
        with self.db.session() as session:
            conversation, _ = self._lock(session, session_id, None, create=False)
            if conversation is None:
                return None
            state = dict(conversation.state or {})
            if isinstance(state.get("report"), dict):
                state["report"] = {**state["report"], "photo_url": url}
                conversation.state = state
                return "draft"
            since = utcnow() - timedelta(minutes=within_minutes)
            ticket = session.scalars(select(TicketRow).where(TicketRow.session_id == session_id,
                                                             TicketRow.created_at >= since)
                                     .order_by(TicketRow.created_at.desc())).first()
            if ticket is None:
                return None
            ticket.photo_url = url
            return ticket.id

    # -- feedback ------------------------------------------------------------------------
    def record_feedback(self, message_id: str | int, helpful: bool | None, comment: str | None = None,
                        correct_code: str | None = None, *, session_id: str | None = None,
                        operator: str | None = None) -> int:
        """A 👍/👎 (``helpful``) on an outgoing message, with an optional comment, or an operator's correction
        (``correct_code``: the procedure that should have answered). Returns the feedback's id.

        ``session_id``, when given (the public feedback endpoint), must be the message's session, so a citizen
        can only rate their own conversation. The question the message answered is copied (masked) so the
        label outlives the conversation (:mod:`dialogue.feedback` exports it for calibration).
        """
        mid = _message_id(message_id)
        with self.db.session() as session:
            message = session.get(MessageRow, mid)
            if message is None or message.direction != "out" or (session_id is not None
                                                                  and message.session_id != session_id):
                raise UnknownMessage(f"no reply {message_id!r}" + (f" in session {session_id!r}" if session_id else ""))
            question = session.get(MessageRow, message.reply_to) if message.reply_to else None
            answered = (message.sources or [{}])[0].get("code") if message.sources else None
            row = FeedbackRow(
                message_id=mid, session_id=message.session_id, helpful=helpful,
                comment=(comment or "").strip()[:2000] or None, correct_code=(correct_code or "").strip() or None,
                question=mask_pii(question.text) if question is not None else None, answered_code=answered,
                channel=message.channel, given_by="operator" if operator else "citizen", operator=operator,
            )
            session.add(row)
            session.flush()
            return row.id

    def feedback(self, *, since: datetime | None = None) -> list[FeedbackView]:
        with self.db.session() as session:
            statement = select(FeedbackRow).order_by(FeedbackRow.id)
            if since is not None:
                statement = statement.where(FeedbackRow.created_at >= since)
            return [FeedbackView(id=r.id, message_id=str(r.message_id) if r.message_id else None,
                                 session_id=r.session_id, helpful=r.helpful, comment=r.comment,
                                 correct_code=r.correct_code, question=r.question, answered_code=r.answered_code,
                                 channel=r.channel, given_by=r.given_by, operator=r.operator,  # type: ignore[arg-type]
                                 created_at=r.created_at)
                    for r in session.scalars(statement).all()]

    # -- retention -------------------------------------------------------------------------
    def purge(self, older_than_days: int, *, now: datetime | None = None) -> PurgeReport:
        """Delete conversations untouched for ``older_than_days`` days, with their messages and handoffs.

        Conversations with an open handoff stay. Tickets stay (their ``session_id`` is cleared) and so
        does feedback (it keeps its masked question), as both are city records rather than chat.
        """
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        with self.db.session() as session:
            old = select(ConversationRow.id).where(ConversationRow.updated_at < cutoff,
                                                   ConversationRow.handoff_state.is_(None))
            ids = list(session.scalars(old).all())
            if not ids:
                return PurgeReport(conversations=0, messages=0)
            messages = 0
            for start in range(0, len(ids), 500):  # bounded IN lists
                chunk = ids[start:start + 500]
                message_ids = select(MessageRow.id).where(MessageRow.session_id.in_(chunk))
                session.execute(update(FeedbackRow).where(FeedbackRow.message_id.in_(message_ids))
                                .values(message_id=None))
                session.execute(update(TicketRow).where(TicketRow.session_id.in_(chunk)).values(session_id=None))
                messages += session.scalar(select(func.count()).select_from(MessageRow)
                                           .where(MessageRow.session_id.in_(chunk))) or 0
                session.execute(delete(MessageRow).where(MessageRow.session_id.in_(chunk)))
                session.execute(delete(HandoffRow).where(HandoffRow.session_id.in_(chunk)))
                session.execute(delete(ConversationRow).where(ConversationRow.id.in_(chunk)))
            return PurgeReport(conversations=len(ids), messages=messages)
