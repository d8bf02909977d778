"""The project's migration history and the one database of a process.

Migrations run in ``hueai setup`` and ``hueai db upgrade`` only; servers and
read-only commands call :func:`require_current` and refuse to start on an
out-of-date database with a one-line message saying what to run.
"""

from __future__ import annotations

from pathlib import Path

from core.storage import Database, Migrations

MIGRATIONS = Migrations(Path(__file__).resolve().parent / "migrations")


def upgrade(db: Database, revision: str = "head") -> None:
    MIGRATIONS.upgrade(db, revision)


def downgrade(db: Database, revision: str) -> None:
    MIGRATIONS.downgrade(db, revision)


def require_current(db: Database) -> None:
    """Raise :class:`core.storage.SchemaOutdated` unless ``db`` is at the newest migration."""
    MIGRATIONS.require_current(db)
