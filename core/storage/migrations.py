"""The Alembic runner: apply, undo and check the migrations of one script folder.

The folder (``env.py`` + ``versions/``) belongs to the composition root, whose
environment imports every domain's tables; this runner only needs its path, so
the domains below never import the root.

>>> migrations = Migrations(Path("hueai/migrations"))
>>> migrations.upgrade(db)           # idempotent
>>> migrations.require_current(db)   # SchemaOutdated if not at head
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.storage.db import Database


class SchemaOutdated(RuntimeError):
    """The database is not at the newest migration; the message says which command fixes it."""


class Migrations:
    def __init__(self, script_location: Path) -> None:
        self.script_location = Path(script_location)

    def _config(self, db: Database) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.script_location))
        config.attributes["engine"] = db.engine
        return config

    def upgrade(self, db: Database, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` (idempotent)."""
        command.upgrade(self._config(db), revision)

    def downgrade(self, db: Database, revision: str) -> None:
        command.downgrade(self._config(db), revision)

    def heads(self) -> set[str]:
        return set(ScriptDirectory(str(self.script_location)).get_heads())

    def current(self, db: Database) -> set[str]:
        """The revisions the database is at (empty for a database never migrated)."""
        with db.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    def require_current(self, db: Database, fix: str = "hueai db upgrade") -> None:
        """Raise :class:`SchemaOutdated` unless the database is at the newest migration."""
        current, heads = self.current(db), self.heads()
        if current != heads:
            state = "has no schema" if not current else f"is at {', '.join(sorted(current))}"
            raise SchemaOutdated(f"the database {state}, not at {', '.join(sorted(heads))}: run `{fix}`")
