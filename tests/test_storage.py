"""Migrations and the importer against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import inspect, select

from core.storage import Database
from hueai.db import downgrade, upgrade
from knowledge.tables import ImportRun
from knowledge.importer import import_records
from knowledge.store import get_procedure, load_procedures

KNOWN = ("bo-tu-phap/1.001193.json", "bo-cong-an/1.004222.json", "bo-tu-phap/2.000806.json")


def small_export(tthc_raw: Path, target: Path) -> Path:
    for rel in KNOWN:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tthc_raw / rel, target / rel)
    return target


def test_migrations_create_and_drop_the_schema(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {"procedures", "import_runs", "alembic_version"} <= tables
    downgrade(database, "base")
    assert not {"procedures", "import_runs"} & set(inspect(database.engine).get_table_names())
    upgrade(database)
    upgrade(database)  # idempotent
    assert "procedures" in inspect(database.engine).get_table_names()


def test_import_is_idempotent_and_updates_changed_records(database: Database, tthc_raw: Path, tmp_path: Path) -> None:
    export = small_export(tthc_raw, tmp_path / "export")
    first = import_records(database, export)
    assert (first.added, first.updated, first.unchanged, first.skipped) == (3, 0, 0, [])
    again = import_records(database, export)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert len(load_procedures(database)) == 3

    record_path = export / "bo-tu-phap/1.001193.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["ten_thu_tuc"] = "Thủ tục đăng ký khai sinh (tên đã sửa)"
    record_path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    changed = import_records(database, export)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 2)
    updated = get_procedure(database, "1.001193")
    assert updated is not None and updated.name.endswith("(tên đã sửa)")
    assert updated.ministry == "bo-tu-phap"
    with database.session() as s:
        assert len(s.scalars(select(ImportRun)).all()) == 3


def test_bad_records_are_skipped_with_file_and_reason(database: Database, tthc_raw: Path, tmp_path: Path) -> None:
    export = small_export(tthc_raw, tmp_path / "export")
    (export / "broken.json").write_text('{"ma_thu_tuc": "9.9", ', encoding="utf-8")
    (export / "nocode.json").write_text(json.dumps({"ten_thu_tuc": "Không có mã"}), encoding="utf-8")
    (export / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (export / "list.json").write_text("[1, 2]", encoding="utf-8")
    duplicate = export / "copy" / "1.001193.json"
    duplicate.parent.mkdir()
    shutil.copy(export / "bo-tu-phap/1.001193.json", duplicate)

    report = import_records(database, export)
    assert report.added == 3
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.json", "nocode.json", "binary.json", "list.json", "1.001193.json"}
    assert "duplicate code 1.001193" in reasons["1.001193.json"]
    assert all(reason for reason in reasons.values())
    assert [p.code for p in load_procedures(database)] == sorted(["1.001193", "1.004222", "2.000806"])
    with database.session() as s:
        run = s.scalars(select(ImportRun)).one()
        assert len(run.skipped) == 5
