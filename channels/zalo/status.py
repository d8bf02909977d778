"""What ``hueai zalo status`` reports: the token, the queues, the latest delivery problems.

Read from the database alone, so it works from any machine that can reach it, while servers run.
The same report is what operators need when a citizen says "I got no answer on Zalo":
:func:`problems` lists the replies that failed or are being retried, newest first, with the
reason in words (:data:`channels.zalo.errors.EXPLAINED`), optionally for one conversation.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from channels.zalo.errors import EXPLAINED, Kind
from channels.zalo.tables import ZaloEventRow, ZaloOutboxRow
from channels.zalo.tokens import aware, read_state
from core.storage import Database, utcnow


class TokenReport(BaseModel):
    present: bool
    access_expires_at: datetime | None
    expires_in_seconds: float | None
    refreshed_at: datetime | None
    refresh_count: int
    refreshing: bool
    alert: str | None
    alert_at: datetime | None


class Problem(BaseModel):
    """A reply that failed for good, or is waiting to be tried again."""

    row: int
    state: str
    user_id: str
    session_id: str
    message_id: int
    kind: str | None
    code: int | None
    error: str | None
    explained: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None


class ZaloStatus(BaseModel):
    configured: bool
    token: TokenReport
    events: dict[str, int] = Field(description="stored webhook events by state")
    outbox: dict[str, int] = Field(description="outgoing messages by state")
    outbox_depth: int = Field(description="messages still to deliver (pending or being sent)")
    oldest_pending_seconds: float | None
    problems: list[Problem]


def problems(db: Database, *, limit: int = 10, session_id: str | None = None) -> list[Problem]:
    """The latest failed or retrying replies (for operators), newest first."""
    with db.session() as session:
        statement = select(ZaloOutboxRow).where(
            (ZaloOutboxRow.state == "failed") | ((ZaloOutboxRow.state == "pending") & ZaloOutboxRow.error.is_not(None)))
        if session_id is not None:
            statement = statement.where(ZaloOutboxRow.session_id == session_id)
        rows = session.scalars(statement.order_by(ZaloOutboxRow.updated_at.desc()).limit(limit)).all()
    out = []
    for row in rows:
        try:
            explained = EXPLAINED[Kind(row.error_kind)] if row.error_kind else None
        except ValueError:
            explained = "not delivered within HUEAI_ZALO_GIVE_UP_AFTER_SECONDS" if row.error_kind == "gave_up" else None
        out.append(Problem(row=row.id, state=row.state, user_id=row.user_id, session_id=row.session_id,
                           message_id=row.message_id, kind=row.error_kind, code=row.error_code, error=row.error,
                           explained=explained, attempts=row.attempts, created_at=aware(row.created_at),
                           updated_at=aware(row.updated_at),
                           next_attempt_at=aware(row.next_attempt_at) if row.state == "pending" else None))
    return out


def read_status(db: Database, *, configured: bool, errors: int = 10) -> ZaloStatus:
    now = utcnow()
    token = read_state(db)
    with db.session() as session:
        events = dict(session.execute(select(ZaloEventRow.state, func.count()).group_by(ZaloEventRow.state)).all())
        outbox = dict(session.execute(select(ZaloOutboxRow.state, func.count()).group_by(ZaloOutboxRow.state)).all())
        oldest = session.scalar(select(func.min(ZaloOutboxRow.created_at))
                                .where(ZaloOutboxRow.state.in_(("pending", "sending"))))
    oldest_at = aware(oldest)
    return ZaloStatus(
        configured=configured,
        token=TokenReport(present=token.present, access_expires_at=token.access_expires_at,
                          expires_in_seconds=(token.access_expires_at - now).total_seconds()
                          if token.access_expires_at else None,
                          refreshed_at=token.refreshed_at, refresh_count=token.refresh_count,
                          refreshing=token.refreshing, alert=token.alert, alert_at=token.alert_at),
        events=events, outbox=outbox, outbox_depth=outbox.get("pending", 0) + outbox.get("sending", 0),
        oldest_pending_seconds=(now - oldest_at).total_seconds() if oldest_at else None,
        problems=problems(db, limit=errors),
    )
