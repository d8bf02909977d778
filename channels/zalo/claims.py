"""Claiming rows that several threads and server processes work through: one worker per row, in order per user.

Both queues (:mod:`channels.zalo.inbox`, :mod:`channels.zalo.outbox`) are tables whose rows
move through states. A worker *claims* a row by writing a fresh random ``claim_token`` and a
``claimed_until`` lease into it, and later completes it with a compare-and-set on that token:

1. ``SELECT`` a few candidates, oldest first, each the *first unfinished row of its user*
   (``NOT EXISTS`` an earlier unfinished row of the same user), so a user's messages are
   handled one at a time, in order, while different users proceed in parallel. On PostgreSQL
   the select is ``FOR UPDATE SKIP LOCKED``: workers skip each other's candidates instead of
   queueing behind them. (SQLite has no row locks; pysqlite starts its transaction at the first
   write, so the select holds nothing and the compare-and-set below decides.)
2. ``UPDATE … WHERE id = :id AND state = :seen_state AND claim_token IS :seen_token`` (what the
   select saw): exactly one worker's update matches; a worker that lost the race tries the next
   candidate.
3. A row whose lease ran out (its worker died, or hangs) is a candidate again, and is taken over
   with a new token; the old worker's completion then matches nothing and is dropped.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def new_token() -> str:
    return secrets.token_hex(16)


def same_token(column: Any, token: str | None) -> Any:
    """``column IS :token``, null-safe on both databases."""
    return column.is_(None) if token is None else column == token


def insert_ignoring_duplicates(session: Session, table: Table, values: dict[str, Any]) -> Any | None:
    """Insert one row unless a unique key is taken (``ON CONFLICT DO NOTHING``); the new row's primary key, or
    None when nothing was inserted."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = pg_insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite_insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the project supports the two above
        raise NotImplementedError(dialect)
    # RETURNING tells an inserted row from a skipped one on both (psycopg's rowcount is -1 here).
    key = next(iter(table.primary_key.columns))
    return session.execute(statement.returning(key)).scalar()



def upsert(session: Session, table: Table, values: dict[str, Any], *, update: dict[str, Any]) -> None:
    """Insert one row, or update ``update``'s columns of the row with the same primary key (one statement)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = pg_insert(table).values(**values)
    elif dialect == "sqlite":
        statement = sqlite_insert(table).values(**values)
    else:  # pragma: no cover
        raise NotImplementedError(dialect)
    keys = [column.name for column in table.primary_key.columns]
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=update))
