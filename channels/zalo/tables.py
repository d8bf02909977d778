"""The Zalo channel's tables. Change them only together with a migration in ``hueai/migrations``
(``0005_zalo.py`` created them).

Four tables, each a small state machine that several server processes share safely:

``zalo_events``   every webhook event as received (the raw body), stored before Zalo gets its 200;
                  ``pending`` → ``processing`` (claimed, with a lease) → ``done``, or ``ignored`` (an event
                  the assistant does not act on) or ``failed`` (set aside after repeated errors).
``zalo_outbox``   every message to send, one row per Zalo message, keyed by an idempotency key
                  (``msg:<conversation message id>:<part>``); ``pending`` → ``sending`` → ``sent``, or
                  ``failed`` (Zalo refused it for good, or it was given up) or ``cancelled`` (unfollowed).
``zalo_tokens``   the OA's access and refresh tokens (one row), with the lease of the one process that
                  refreshes them.
``zalo_users``    what the channel remembers of a Zalo user: whether we may still send (``stopped`` after
                  an unfollow), and when they last wrote.

Rows are claimed with a random ``claim_token`` and a ``claimed_until`` lease; the work a claim does is
committed only if the token is still the row's own (compare-and-set), so a worker whose lease ran out
and was taken over can never complete the same work a second time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.storage import Base, utcnow


class ZaloEventRow(Base):
    """One webhook event, exactly as Zalo sent it (``raw``), and how far its processing got."""

    __tablename__ = "zalo_events"
    __table_args__ = (
        Index("ix_zalo_events_state_id", "state", "id"),
        Index("ix_zalo_events_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_key: Mapped[str] = mapped_column(String(160), unique=True)  # msg:<msg_id>, else a digest
    event_name: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))  # the citizen (sender or follower)
    msg_id: Mapped[str | None] = mapped_column(String(128))
    timestamp_ms: Mapped[int | None] = mapped_column(BigInteger)  # Zalo's own timestamp of the event
    raw: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # pending | processing | done | ignored | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ZaloOutboxRow(Base):
    """One message to one Zalo user: the request body to POST, and its delivery state.

    A user's rows are delivered one at a time in ``(message_id, part)`` order: a row is claimed only
    when every earlier row of the same user is finished. ``uncertain`` is set while a send is in
    flight; a row found ``uncertain`` later (its sender died, or the call timed out) is first looked
    up in Zalo's conversation with the user, so it is sent again only if it never arrived.
    """

    __tablename__ = "zalo_outbox"
    __table_args__ = (
        Index("ix_zalo_outbox_user_order", "user_id", "message_id", "part"),
        Index("ix_zalo_outbox_state_id", "state", "id"),
        Index("ix_zalo_outbox_message_id", "message_id"),
        Index("ix_zalo_outbox_zalo_message_id", "zalo_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    user_id: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[int] = mapped_column(Integer)  # the conversation message it delivers
    part: Mapped[int] = mapped_column(Integer, default=0)
    last_part: Mapped[bool] = mapped_column(Boolean, default=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the body of POST /v3.0/oa/message/cs
    options: Mapped[list[str] | None] = mapped_column(JSON)  # payloads of numbered options, when numbered
    state: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempt_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    zalo_message_id: Mapped[str | None] = mapped_column(String(64))
    error_kind: Mapped[str | None] = mapped_column(String(32))  # outside_window, quota, unfollowed, ...
    error_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ZaloTokenRow(Base):
    """The OA's token pair (``id = "oa"``). ``version`` grows with every change, so a process that read
    an old pair cannot refresh with a refresh token that is already spent."""

    __tablename__ = "zalo_tokens"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refresh_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=0)
    seed_hash: Mapped[str | None] = mapped_column(String(64))  # of the configured refresh token it came from
    refreshing_by: Mapped[str | None] = mapped_column(String(32))
    refreshing_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refresh_count: Mapped[int] = mapped_column(Integer, default=0)
    alert: Mapped[str | None] = mapped_column(Text)  # why sending is blocked until a person acts
    alert_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ZaloUserRow(Base):
    """A Zalo user the channel has heard from."""

    __tablename__ = "zalo_users"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)  # unfollowed: send nothing more
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
