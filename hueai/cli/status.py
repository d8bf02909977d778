"""``hueai status``: the application statuses the default status adapter answers ``check_status`` from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hueai.cli.common import fail, runtime, schema_checked

app = typer.Typer(help="Application statuses for the assistant's status look-up.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV with a header: code,status,updated_at,office")],
) -> None:
    """Load application statuses (the one-stop system's export); a later row of one code wins.

    Bad lines are listed with their number and reason; the rest are loaded, and the exit status is 2.
    """
    from dialogue.status import import_status_file

    rt = schema_checked(runtime())
    if not file.is_file():
        raise fail(f"no such file: {file}")
    try:
        report = import_status_file(rt.db, file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: {exc}") from None
    for problem in report.skipped:
        typer.echo(f"skipped {file}:{problem}", err=True)
    typer.echo(f"statuses from {file}: {report.added} added, {report.updated} updated, {len(report.skipped)} skipped")
    if report.skipped:
        raise typer.Exit(2)


@app.command("show")
def show(code: Annotated[str, typer.Argument(help="an application code, e.g. 000.00.21.H57-250312-0042")]) -> None:
    """What the assistant would answer for one application code."""
    from dialogue.status import TableStatusAdapter

    status = TableStatusAdapter(schema_checked(runtime()).db).lookup(code)
    if status is None:
        raise fail(f"no status for {code!r}")
    typer.echo(json.dumps(status.model_dump(mode="json"), ensure_ascii=False))
