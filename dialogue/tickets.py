"""Field reports (phản ánh hiện trường) the assistant collected: reading and exporting them.

The assistant creates a ticket when a citizen confirms a report
(:meth:`dialogue.conversations.TurnWriter.create_ticket`); ``hueai tickets list``
and the staff page read them here.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select

from core.storage import Database
from dialogue.tables import TicketRow

EXPORT_COLUMNS = ("id", "created_at", "status", "channel", "description", "location", "phone", "photo_url",
                  "session_id")


class Ticket(BaseModel):
    id: str
    created_at: datetime
    status: str
    channel: str
    description: str
    location: str
    phone: str | None = None
    photo_url: str | None = None
    session_id: str | None = None


def list_tickets(db: Database, *, since: datetime | None = None, status: str | None = None) -> list[Ticket]:
    """Tickets, oldest first; ``since`` keeps those created at or after it."""
    with db.session() as session:
        statement = select(TicketRow).order_by(TicketRow.created_at, TicketRow.id)
        if since is not None:
            statement = statement.where(TicketRow.created_at >= since)
        if status is not None:
            statement = statement.where(TicketRow.status == status)
        return [Ticket.model_validate(row, from_attributes=True) for row in session.scalars(statement).all()]


def get_ticket(db: Database, ticket_id: str) -> Ticket | None:
    with db.session() as session:
        row = session.get(TicketRow, ticket_id.strip().upper())
        return Ticket.model_validate(row, from_attributes=True) if row else None


def tickets_csv(tickets: list[Ticket]) -> str:
    """The tickets as CSV (UTF-8 with a header row; spreadsheet programs open it as is)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for ticket in tickets:
        row = ticket.model_dump(mode="json")
        writer.writerow({k: row.get(k) if row.get(k) is not None else "" for k in EXPORT_COLUMNS})
    return out.getvalue()
