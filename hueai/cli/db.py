"""``hueai db``: the database schema."""

from __future__ import annotations

from typing import Annotated

import typer

from hueai import db
from hueai.cli.common import runtime

app = typer.Typer(help="The database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply database migrations up to REVISION (default: the newest)."""
    db.upgrade(runtime().db, revision)
