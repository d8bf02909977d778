"""Alembic environment: runs the one migration history on the engine handed over by
:class:`core.storage.Migrations`. It imports every domain's tables, so that
``alembic revision --autogenerate`` sees the whole schema."""

from alembic import context

import channels.zalo.tables  # noqa: F401  (registers the Zalo channel's tables: events, outbox, tokens, users)
import core.accounts.tables  # noqa: F401  (registers the staff accounts' tables)
import dialogue.tables  # noqa: F401  (registers the dialogue's tables: conversations, tickets, ...)
import knowledge.tables  # noqa: F401  (registers the knowledge base's tables)
import media_monitor.tables  # noqa: F401  (registers the press monitor's tables)
import voice.tables  # noqa: F401  (registers the callbot's tables: calls, call turns)
from core.storage import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
