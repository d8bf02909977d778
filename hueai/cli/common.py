"""What every command shares: the one-line failure, the runtime, the schema check."""

from __future__ import annotations

import typer

from core.storage import SchemaOutdated
from hueai import db
from hueai.logging import configure_logging
from hueai.runtime import Runtime
from hueai.settings import get_settings


def fail(reason: str, code: int = 2) -> typer.Exit:
    """Print a one-line reason on stderr and return the exit to raise."""
    typer.echo(f"error: {reason}", err=True)  # one line, never wrapped to a terminal's width
    return typer.Exit(code)


def runtime() -> Runtime:
    """The command's runtime, with logging configured from the settings."""
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    return Runtime(settings)


def schema_checked(rt: Runtime) -> Runtime:
    """``rt`` once its database is at the newest migration; else a one-line failure saying what to run."""
    try:
        db.require_current(rt.db)
    except SchemaOutdated as exc:
        raise fail(str(exc)) from None
    return rt
