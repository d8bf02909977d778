"""Persistence: SQLAlchemy 2 models, engine/session set-up and Alembic migrations.

SQLite (a file under the data directory) is the zero-setup default; PostgreSQL
is supported for production through ``HUEAI_DATABASE_URL``. The schema is only
ever changed by a migration in ``hueai/storage/migrations/versions``.
"""

from hueai.storage.db import Database
from hueai.storage.models import Base, ImportRun, ProcedureRow

__all__ = ["Base", "Database", "ImportRun", "ProcedureRow"]
