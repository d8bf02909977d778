"""The callbot's tables: one row per call, one per turn. Change them only together with a migration in
``hueai/migrations`` (``0006_calls.py`` created them).

A call row is written when the call is answered (so the staff page lists calls in progress) and
completed when it ends; a turn row when the assistant has answered a turn (its first audio
packet sent). The caller's number is never stored in clear: ``caller`` holds it masked
("09******56"), ``caller_hash`` a SHA-256 of it, enough to count repeat callers. The dialogue's
own transcript of the call is in ``conversations``/``messages`` under ``session_id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.storage import Base, utcnow


class CallRow(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the caller channel's ARI id
    session_id: Mapped[str] = mapped_column(String(128), index=True)  # the dialogue's session ("voice-…")
    caller: Mapped[str] = mapped_column(String(32))  # masked
    caller_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(16))  # "speech" | "dtmf" (no ASR model: the keypad menu)
    media_format: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(String(32))  # caller_hangup, transferred, silence, ...
    transfer_reason: Mapped[str | None] = mapped_column(String(32))  # emergency, request_human, dtmf, ...
    turns: Mapped[int] = mapped_column(Integer, default=0)
    recording: Mapped[str | None] = mapped_column(Text)  # path of the WAV file, while it is kept
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # media counters at the end


class CallTurnRow(Base):
    __tablename__ = "call_turns"
    __table_args__ = (Index("ix_call_turns_call_id_index", "call_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64), ForeignKey("calls.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(16))  # "speech" | "dtmf" | "system" (greeting, prompts)
    transcript: Mapped[str | None] = mapped_column(Text)  # what the recogniser heard
    keys: Mapped[str | None] = mapped_column(String(64))  # what the caller keyed
    reply: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    barge_in: Mapped[bool] = mapped_column(Boolean, default=False)  # the caller interrupted this reply
    latency_ms: Mapped[dict[str, float] | None] = mapped_column(JSON)  # per stage, see voice.timing
