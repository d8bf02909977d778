"""Application status look-up (``check_status``): an adapter interface and the default, a local table.

The assistant asks a :class:`StatusAdapter` for the status of a receipt code
(``000.00.21.H57-250312-0042``, as :func:`nlu.entities.canonical_application_code`
writes it). The default :class:`TableStatusAdapter` reads the ``application_statuses``
table, which operators load from the one-stop system's CSV export::

    code,status,updated_at,office
    000.00.21.H57-250312-0042,Đã có kết quả,2025-03-20,UBND phường Thuận Hóa

with ``hueai status import FILE`` (:func:`import_statuses`). A production
adapter that asks the one-stop system directly implements the same one-method
protocol and is named by ``HUEAI_STATUS_ADAPTER=module:factory``.
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, field_validator
from sqlalchemy import select

from core.storage import Database, utcnow
from dialogue.tables import ApplicationStatusRow
from nlu.entities import canonical_application_code

CSV_COLUMNS = ("code", "status", "updated_at", "office")


class ApplicationStatus(BaseModel):
    """What the citizen is told about one application."""

    code: str
    status: str
    updated_at: datetime | None = None
    office: str | None = None


class StatusUnavailable(RuntimeError):
    """The status source could not be asked (the one-stop system is down): the assistant says so."""


class StatusAdapter(Protocol):
    def lookup(self, code: str) -> ApplicationStatus | None:
        """The status of ``code`` (canonical form), None when the source does not know it;
        :class:`StatusUnavailable` when the source cannot be asked."""
        ...


def canonical_code(code: str) -> str:
    return canonical_application_code(code.strip())


class TableStatusAdapter:
    """The default adapter: the ``application_statuses`` table that ``hueai status import`` loads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def lookup(self, code: str) -> ApplicationStatus | None:
        try:
            with self.db.session() as session:
                row = session.get(ApplicationStatusRow, canonical_code(code))
        except Exception as exc:  # the database, not the code, is at fault: say "try later", not "unknown"
            raise StatusUnavailable(str(exc)) from exc
        if row is None:
            return None
        return ApplicationStatus(code=row.code, status=row.status, updated_at=row.updated_at, office=row.office)


def adapter_from_setting(value: str, db: Database, settings: Any = None) -> StatusAdapter:
    """The adapter ``HUEAI_STATUS_ADAPTER`` names: ``table`` or ``package.module:factory`` (called with
    the database and the settings)."""
    if value in ("", "table"):
        return TableStatusAdapter(db)
    module_name, _, attribute = value.partition(":")
    if not attribute:
        raise ValueError(f"HUEAI_STATUS_ADAPTER must be `table` or `module:factory`, not {value!r}")
    factory: Callable[..., StatusAdapter] = getattr(importlib.import_module(module_name), attribute)
    return factory(db, settings)


# -- import ----------------------------------------------------------------------------------------
class StatusRecord(BaseModel):
    """One CSV row, validated."""

    code: str
    status: str
    updated_at: datetime | None = None
    office: str | None = None

    @field_validator("code")
    @classmethod
    def _canonical(cls, value: str) -> str:
        value = canonical_code(value)
        if not value:
            raise ValueError("empty code")
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("empty status")
        return value

    @field_validator("updated_at", mode="before")
    @classmethod
    def _when(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            text = value.strip()
            for layout in ("%d/%m/%Y %H:%M", "%d/%m/%Y"):  # the one-stop system's Vietnamese layouts
                try:
                    return datetime.strptime(text, layout).replace(tzinfo=timezone.utc)
                except ValueError:
                    pass
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime.combine(value, time(), tzinfo=timezone.utc)
        return value

    @field_validator("office")
    @classmethod
    def _office(cls, value: str | None) -> str | None:
        return value.strip() or None if value else None


@dataclass
class StatusImport:
    added: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)  # "line 7: reason"


def read_status_csv(text: str) -> tuple[list[StatusRecord], list[str]]:
    """The valid rows of a status CSV (header ``code,status,updated_at,office``) and a reason per bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("code", "status") if c not in header]
    if missing:
        raise ValueError(f"the CSV header lacks {', '.join(missing)} (expected {','.join(CSV_COLUMNS)})")
    records, problems = [], []
    for number, raw in enumerate(reader, 2):
        row = {(k or "").strip().lower(): (v or "") for k, v in raw.items() if k}
        try:
            records.append(StatusRecord(**{k: row.get(k) or None for k in CSV_COLUMNS}))
        except ValueError as exc:
            problems.append(f"line {number}: {_first_error(exc)}")
    return records, problems


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}"
    return str(exc)


def import_statuses(db: Database, records: Iterable[StatusRecord]) -> StatusImport:
    """Insert or update ``records`` (a later row of one code wins)."""
    report = StatusImport()
    latest = {r.code: r for r in records}
    with db.session() as session:
        existing = set(session.scalars(select(ApplicationStatusRow.code)
                                       .where(ApplicationStatusRow.code.in_(list(latest)))).all()) if latest else set()
        for code, record in latest.items():
            row = session.get(ApplicationStatusRow, code) if code in existing else None
            if row is None:
                session.add(ApplicationStatusRow(code=code, status=record.status, updated_at=record.updated_at,
                                                 office=record.office, imported_at=utcnow()))
                report.added += 1
            else:
                row.status, row.updated_at, row.office, row.imported_at = (record.status, record.updated_at,
                                                                           record.office, utcnow())
                report.updated += 1
    return report


def import_status_file(db: Database, path: Path) -> StatusImport:
    records, problems = read_status_csv(path.read_text(encoding="utf-8"))
    report = import_statuses(db, records)
    report.skipped.extend(problems)
    return report
