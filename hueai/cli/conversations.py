"""``hueai conversations``: stored conversations: a transcript, and deleting old ones (retention)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from hueai.cli.common import fail, runtime, schema_checked

app = typer.Typer(help="Stored conversations (transcripts, retention).", no_args_is_help=True)


@app.command("purge")
def purge(
    days: Annotated[Optional[int], typer.Option(min=1, help="older than this (default HUEAI_RETENTION_DAYS)")] = None,
) -> None:
    """Delete conversations untouched for DAYS days (HUEAI_RETENTION_DAYS): their messages and handoffs.

    Tickets and labelled feedback stay; conversations still with an operator stay.
    """
    from dialogue.conversations import ConversationStore

    rt = schema_checked(runtime())
    days = days or rt.settings.dialogue.retention_days
    if days is None:
        raise fail("no retention set: give --days or set HUEAI_RETENTION_DAYS")
    report = ConversationStore(rt.db).purge(days)
    typer.echo(f"deleted {report.conversations} conversations ({report.messages} messages) older than {days} days")


@app.command("show")
def show(session: Annotated[str, typer.Argument(help="the session id")]) -> None:
    """A conversation's transcript."""
    from dialogue.conversations import ConversationStore

    messages = ConversationStore(schema_checked(runtime()).db).transcript(session)
    if not messages:
        raise fail(f"no conversation {session!r}")
    for m in messages:
        who = m.operator or m.sender
        extra = f" [{m.intent}/{m.action}]" if m.direction == "out" and m.action else ""
        typer.echo(f"{m.id:>6} {m.created_at:%Y-%m-%d %H:%M:%S} {who}{extra}: {m.text}")
