"""The dialogue's tables. Change them only together with a migration in ``hueai/migrations``
(``0002_dialogue.py`` created them).

A conversation row is also the per-session lock: every turn of a session starts by
writing to its row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the first write
takes the database's write lock), so two messages of one session, sent at once to two
server processes, are processed one after the other and each sees the other's state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.storage import Base, utcnow


class ConversationRow(Base):
    """One session (a web widget's session id, a Zalo user, a call): its tracker and handoff state.

    ``state`` is :class:`dialogue.tracker.Tracker` as JSON, so the tracker can grow
    fields without a migration. ``handoff_state`` mirrors the open handoff (``waiting``,
    ``active``) or is null, so the staff page can list handed-over conversations cheaply.
    """

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    handoff_state: Mapped[str | None] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class MessageRow(Base):
    """One message in (from the citizen) or out (from the assistant or an operator).

    The integer id orders a session's messages; channels read a session's outgoing
    messages "after id N" to deliver operator replies. Outgoing assistant messages keep
    what the turn decided (intent, confidence, sources, action, per-stage latency) for
    the staff page, feedback and measurement.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_session_id_id", "session_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(128), ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    sender: Mapped[str] = mapped_column(String(16))  # "citizen" | "assistant" | "operator"
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    entities: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    sources: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    quick_replies: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    action: Mapped[str | None] = mapped_column(String(64))
    latency_ms: Mapped[dict[str, float] | None] = mapped_column(JSON)
    reply_to: Mapped[int | None] = mapped_column(Integer)
    operator: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffRow(Base):
    """A request for a person: ``waiting`` until an operator takes it (``active``), then ``closed``."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(32))  # request_human | emergency | not_understood
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    operator: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TicketRow(Base):
    """A field report (phản ánh hiện trường) with the id the citizen can quote.

    It outlives the conversation it came from (retention nulls ``session_id``): the
    report is city business, the chat around it is not.
    """

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str | None] = mapped_column(
        String(128), ForeignKey("conversations.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    photo_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class FeedbackRow(Base):
    """A 👍/👎 on an answer, or an operator's correction ("the right procedure was X").

    ``question`` (the citizen's message the answer replied to, with phone and identity
    numbers masked) and ``answered_code`` are copied here, so the labelled question
    survives the retention that deletes its conversation; it becomes a calibration
    question in ``hueai kb feedback export``.
    """

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[str] = mapped_column(String(128))
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    correct_code: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str | None] = mapped_column(Text)
    answered_code: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    given_by: Mapped[str] = mapped_column(String(16))  # "citizen" | "operator"
    operator: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApplicationStatusRow(Base):
    """One application's status, as loaded by ``hueai status import FILE`` for the default adapter."""

    __tablename__ = "application_statuses"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    office: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
