"""Reading and writing procedures in the database."""

from __future__ import annotations

from sqlalchemy import select

from core.storage import Database
from knowledge.records import Procedure
from knowledge.tables import ProcedureRow


def load_procedures(db: Database) -> list[Procedure]:
    """Every procedure in the knowledge base, ordered by code (a stable order for indexing)."""
    with db.session() as session:
        rows = session.scalars(select(ProcedureRow).order_by(ProcedureRow.code)).all()
        return [Procedure.model_validate(row.data) for row in rows]


def get_procedure(db: Database, code: str) -> Procedure | None:
    with db.session() as session:
        row = session.get(ProcedureRow, code.strip())
        return Procedure.model_validate(row.data) if row else None
