"""Import dichvucong.gov.vn procedure records into the knowledge base.

>>> report = import_records(db, Path("../shared/datasets/tthc-dvcqg/raw"))
>>> report.added, report.updated, report.unchanged, len(report.skipped)

A bad record (invalid JSON, missing code, unknown layout, a code seen twice)
is skipped and reported with its file and reason; the rest of the import goes
on. Re-importing is idempotent: a record whose source text did not change is
left alone, a changed one is updated in place.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from sqlalchemy import select

from core.storage import Database, utcnow
from knowledge.parsing import PARSER_VERSION, RecordError, parse_record, read_record_file, record_code
from knowledge.records import Procedure
from knowledge.tables import ImportRun, ProcedureRow

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SkippedRecord:
    path: str
    reason: str


@dataclass
class ImportReport:
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.added + self.updated + self.unchanged


def iter_record_files(path: Path) -> Iterator[Path]:
    """The JSON files under ``path`` (itself, if it is a file), in a stable order."""
    if path.is_file():
        yield path
    elif path.is_dir():
        yield from sorted(p for p in path.rglob("*.json") if p.is_file())
    else:
        raise FileNotFoundError(f"no such file or folder: {path}")


def read_procedures(path: Path) -> tuple[list[Procedure], list[SkippedRecord]]:
    """Every record under ``path`` parsed, without a database (tuning and measuring): the procedures in code
    order, and the records skipped with their reasons."""
    procedures: dict[str, Procedure] = {}
    skipped: list[SkippedRecord] = []
    for file in iter_record_files(path):
        try:
            procedure = parse_record(read_record_file(file), ministry=file.parent.name if file.parent != path else None)
        except RecordError as exc:
            skipped.append(SkippedRecord(str(file), str(exc)))
            continue
        if procedure.code in procedures:
            skipped.append(SkippedRecord(str(file), f"duplicate code {procedure.code}"))
            continue
        procedures[procedure.code] = procedure
    return [procedures[code] for code in sorted(procedures)], skipped


def source_hash(raw: dict) -> str:
    """What a stored procedure was parsed from: the record and the parser's version (a changed parser
    re-parses every record on the next import)."""
    canonical = json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{PARSER_VERSION}|{canonical}".encode("utf-8")).hexdigest()


def import_records(db: Database, path: Path) -> ImportReport:
    """Parse every record under ``path`` and upsert it; see the module docstring."""
    report = ImportReport(source=str(path))
    seen: dict[str, Path] = {}
    with db.session() as session:
        existing = {code: digest for code, digest in session.execute(select(ProcedureRow.code, ProcedureRow.source_hash))}
        for file in iter_record_files(path):
            try:
                raw = read_record_file(file)
                code = record_code(raw)
            except RecordError as exc:
                report.skipped.append(SkippedRecord(str(file), str(exc)))
                continue
            if code in seen:
                report.skipped.append(SkippedRecord(str(file), f"duplicate code {code}, first in {seen[code]}"))
                continue
            seen[code] = file
            digest = source_hash(raw)
            if existing.get(code) == digest:
                report.unchanged += 1  # parsed when it was stored, by this parser
                continue
            try:
                # The ministry is the record's folder in the portal export (bo-tu-phap/1.001193.json).
                procedure = parse_record(raw, ministry=file.parent.name if file.parent != path else None)
            except RecordError as exc:
                report.skipped.append(SkippedRecord(str(file), str(exc)))
                continue
            values = dict(
                name=procedure.name,
                ministry=procedure.ministry,
                level=procedure.level,
                field=procedure.field,
                data=procedure.model_dump(mode="json"),
                source_hash=digest,
                source_path=str(file),
            )
            if procedure.code not in existing:
                session.add(ProcedureRow(code=procedure.code, **values))
                report.added += 1
            else:
                row = session.get(ProcedureRow, procedure.code)
                assert row is not None
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = utcnow()
                report.updated += 1
        session.add(
            ImportRun(
                source=report.source,
                finished_at=utcnow(),
                added=report.added,
                updated=report.updated,
                unchanged=report.unchanged,
                skipped=[{"path": s.path, "reason": s.reason} for s in report.skipped],
            )
        )
    log.info("kb.import", source=report.source, added=report.added, updated=report.updated,
             unchanged=report.unchanged, skipped=len(report.skipped))
    return report
