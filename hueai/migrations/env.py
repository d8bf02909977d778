"""Alembic environment: runs the one migration history on the engine handed over by
:class:`core.storage.Migrations`. It imports every domain's tables, so that
``alembic revision --autogenerate`` sees the whole schema."""

from alembic import context

import knowledge.tables  # noqa: F401  (registers the knowledge base's tables)
from core.storage import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
