"""Persistence: one database per process, the declarative base of every table, migrations.

SQLite (a file under the data directory) is the zero-setup default; PostgreSQL is
supported for production through ``HUEAI_DATABASE_URL``. Each domain declares its
own tables next to its code (``knowledge/tables.py``, ...) on :class:`Base`; the
schema changes only through a migration of the one linear Alembic history that
the composition root owns (``hueai/migrations``) and runs with :class:`Migrations`.
"""

from core.storage.db import Base, Database, utcnow
from core.storage.migrations import Migrations, SchemaOutdated

__all__ = ["Base", "Database", "Migrations", "SchemaOutdated", "utcnow"]
