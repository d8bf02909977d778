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

from hueai.storage import Database, ImportRun, ProcedureRow
from hueai.storage.models import utcnow
from knowledge.parsing import RecordError, parse_record, read_record_file

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


def source_hash(raw: dict) -> str:
    canonical = json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def import_records(db: Database, path: Path) -> ImportReport:
    """Parse every record under ``path`` and upsert it; see the module docstring."""
    report = ImportReport(source=str(path))
    seen: dict[str, Path] = {}
    with db.session() as session:
        existing = {code: digest for code, digest in session.execute(select(ProcedureRow.code, ProcedureRow.source_hash))}
        for file in iter_record_files(path):
            try:
                raw = read_record_file(file)
                # The ministry is the record's folder in the portal export (bo-tu-phap/1.001193.json).
                ministry = file.parent.name if file.parent != path else None
                procedure = parse_record(raw, ministry=ministry)
            except RecordError as exc:
                report.skipped.append(SkippedRecord(str(file), str(exc)))
                continue
            if procedure.code in seen:
                report.skipped.append(SkippedRecord(str(file), f"duplicate code {procedure.code}, first in {seen[procedure.code]}"))
                continue
            seen[procedure.code] = file
            digest = source_hash(raw)
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
            elif existing[procedure.code] != digest:
                row = session.get(ProcedureRow, procedure.code)
                assert row is not None
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = utcnow()
                report.updated += 1
            else:
                report.unchanged += 1
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
