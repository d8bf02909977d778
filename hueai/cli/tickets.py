"""``hueai tickets``: the field reports (phản ánh hiện trường) the assistant collected."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from hueai.cli.common import fail, runtime, schema_checked

app = typer.Typer(help="Field reports collected by the assistant.", no_args_is_help=True)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--since takes a date (YYYY-MM-DD) or a date and time, not {value!r}") from None
    if isinstance(parsed, date) and len(value) <= 10:
        parsed = datetime.combine(parsed.date(), time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@app.command("list")
def list_(
    since: Annotated[Optional[str], typer.Option(help="only tickets created on or after this date (UTC)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Tickets, oldest first."""
    from dialogue.tickets import list_tickets

    tickets = list_tickets(schema_checked(runtime()).db, since=_since(since))
    if as_json:
        for ticket in tickets:
            typer.echo(json.dumps(ticket.model_dump(mode="json"), ensure_ascii=False))
        return
    if not tickets:
        typer.echo("no tickets")
        return
    table = Table("mã", "lúc", "trạng thái", "kênh", "nội dung", "địa điểm", "điện thoại")
    for t in tickets:
        table.add_row(t.id, f"{t.created_at:%Y-%m-%d %H:%M}", t.status, t.channel, t.description, t.location,
                      t.phone or "")
    Console().print(table)


@app.command("export")
def export(
    out: Annotated[Optional[Path], typer.Option(help="file to write (default: stdout)")] = None,
    since: Annotated[Optional[str], typer.Option(help="only tickets created on or after this date (UTC)")] = None,
    format: Annotated[str, typer.Option(help="csv or jsonl")] = "csv",
) -> None:
    """Tickets as CSV (for a spreadsheet or the city's case system) or JSON Lines."""
    from dialogue.tickets import list_tickets, tickets_csv

    if format not in ("csv", "jsonl"):
        raise fail(f"--format is csv or jsonl, not {format!r}")
    tickets = list_tickets(schema_checked(runtime()).db, since=_since(since))
    if format == "csv":
        text = tickets_csv(tickets)
    else:
        text = "".join(json.dumps(t.model_dump(mode="json"), ensure_ascii=False) + "\n" for t in tickets)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(tickets)} tickets to {out}", err=True)
