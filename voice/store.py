"""Calls, stored and read back: what the callbot writes and what the staff page reads.

The read side is the small API the staff page calls (it lives in ``channels``; nothing here
knows about HTTP)::

    store = CallStore(db)
    page = store.list_calls(limit=50)                 # newest first, calls in progress included
    page = store.list_calls(limit=50, before=page[-1].started_at, transferred=True)
    call = store.call("1712345678.42")                 # one call with its turns, or None

Every value is already safe to show to an operator: caller numbers are masked.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update

from core.storage import Database, utcnow
from voice.tables import CallRow, CallTurnRow


def mask_number(number: str | None) -> str:
    """A caller number for logs and the staff page: the first two and last two digits kept."""
    digits = re.sub(r"\D", "", number or "")
    if not digits:
        return "unknown"
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]


def number_hash(number: str | None) -> str | None:
    digits = re.sub(r"\D", "", number or "")
    return hashlib.sha256(digits.encode()).hexdigest() if digits else None


class CallTurnView(BaseModel):
    index: int
    at: datetime
    source: str
    transcript: str | None
    keys: str | None
    reply: str
    intent: str | None
    action: str | None
    barge_in: bool
    latency_ms: dict[str, float] | None


class CallSummary(BaseModel):
    id: str
    session_id: str
    caller: str
    mode: str
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    transfer_reason: str | None
    turns: int
    recording: bool

    @property
    def in_progress(self) -> bool:
        return self.ended_at is None


class CallDetail(CallSummary):
    media_format: str
    stats: dict[str, Any] | None
    transcript: list[CallTurnView]


def _summary(row: CallRow) -> dict[str, Any]:
    return dict(id=row.id, session_id=row.session_id, caller=row.caller, mode=row.mode, started_at=row.started_at,
                ended_at=row.ended_at, end_reason=row.end_reason, transfer_reason=row.transfer_reason,
                turns=row.turns, recording=bool(row.recording))


class CallStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- written by the callbot -------------------------------------------------------------------------
    def start(self, call_id: str, *, session_id: str, caller: str | None, mode: str, media_format: str) -> None:
        with self.db.session() as session:
            session.add(CallRow(id=call_id, session_id=session_id, caller=mask_number(caller),
                                caller_hash=number_hash(caller), mode=mode, media_format=media_format,
                                started_at=utcnow(), turns=0))

    def add_turn(self, call_id: str, *, index: int, source: str, reply: str, transcript: str | None = None,
                 keys: str | None = None, intent: str | None = None, action: str | None = None,
                 barge_in: bool = False, latency_ms: dict[str, float] | None = None) -> None:
        with self.db.session() as session:
            session.add(CallTurnRow(call_id=call_id, index=index, at=utcnow(), source=source, transcript=transcript,
                                    keys=keys, reply=reply, intent=intent, action=action, barge_in=barge_in,
                                    latency_ms=latency_ms))
            session.execute(update(CallRow).where(CallRow.id == call_id).values(turns=CallRow.turns + 1))

    def end(self, call_id: str, *, reason: str, transfer_reason: str | None = None, recording: str | None = None,
            stats: dict[str, Any] | None = None) -> None:
        with self.db.session() as session:
            session.execute(update(CallRow).where(CallRow.id == call_id).values(
                ended_at=utcnow(), end_reason=reason, transfer_reason=transfer_reason, recording=recording,
                stats=stats))

    def expire_recordings(self, older_than_days: int, *, now: datetime | None = None) -> int:
        """Delete recordings of calls that started more than ``older_than_days`` ago; returns how many."""
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        removed = 0
        with self.db.session() as session:
            rows = session.scalars(select(CallRow).where(CallRow.recording.is_not(None),
                                                         CallRow.started_at < cutoff)).all()
            for row in rows:
                Path(row.recording or "").unlink(missing_ok=True)
                row.recording = None
                removed += 1
        return removed

    # -- read by the staff page ---------------------------------------------------------------------------
    def list_calls(self, *, limit: int = 50, before: datetime | None = None, transferred: bool | None = None,
                   in_progress: bool | None = None) -> list[CallSummary]:
        """Calls, newest first; ``before`` pages (pass the last ``started_at`` seen)."""
        query = select(CallRow).order_by(CallRow.started_at.desc(), CallRow.id.desc()).limit(max(1, min(limit, 500)))
        if before is not None:
            query = query.where(CallRow.started_at < before)
        if transferred is not None:
            query = query.where(CallRow.transfer_reason.is_not(None) if transferred
                                else CallRow.transfer_reason.is_(None))
        if in_progress is not None:
            query = query.where(CallRow.ended_at.is_(None) if in_progress else CallRow.ended_at.is_not(None))
        with self.db.session() as session:
            return [CallSummary(**_summary(row)) for row in session.scalars(query)]

    def call(self, call_id: str) -> CallDetail | None:
        with self.db.session() as session:
            row = session.get(CallRow, call_id)
            if row is None:
                return None
            turns = session.scalars(select(CallTurnRow).where(CallTurnRow.call_id == call_id)
                                    .order_by(CallTurnRow.index, CallTurnRow.id)).all()
            return CallDetail(**_summary(row), media_format=row.media_format, stats=row.stats, transcript=[
                CallTurnView(index=t.index, at=t.at, source=t.source, transcript=t.transcript, keys=t.keys,
                             reply=t.reply, intent=t.intent, action=t.action, barge_in=t.barge_in,
                             latency_ms=t.latency_ms) for t in turns])
