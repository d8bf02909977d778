"""The knowledge base's tables. Change them only together with a migration in ``hueai/migrations``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.storage import Base, utcnow


class ProcedureRow(Base):
    """One administrative procedure: the parsed record plus its source text.

    ``data`` holds :class:`knowledge.records.Procedure` as JSON (which itself keeps
    the raw fields), so a parser improvement only needs a re-import, no migration.
    ``source_hash`` covers the record and the parser's version, so a re-import
    tells unchanged records from updated ones, and re-parses all of them when
    the parser changed.
    """

    __tablename__ = "procedures"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    ministry: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(128))
    field: Mapped[str | None] = mapped_column(String(256))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportRun(Base):
    """A record of one ``hueai kb import``: what changed and what was skipped, and why."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
