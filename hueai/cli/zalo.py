"""``hueai zalo``: the Zalo Official Account channel, as operators check it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from hueai.cli.common import runtime, schema_checked

app = typer.Typer(help="The Zalo Official Account channel.", no_args_is_help=True)


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if value else "—"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, rest = divmod(int(seconds), 3600)
    return f"{sign}{hours}h{rest // 60:02d}m" if hours else f"{sign}{rest // 60}m{rest % 60:02d}s"


@app.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
    errors: Annotated[int, typer.Option(min=0, max=200, help="how many of the latest problems to list")] = 10,
) -> None:
    """Token expiry, outbox depth, inbound backlog and the last delivery errors."""
    from channels.zalo.status import read_status

    rt = schema_checked(runtime())
    report = read_status(rt.db, configured=rt.settings.zalo.configured, errors=errors)
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False))
        return
    out = Console()
    token = report.token
    out.print(f"configured: {'yes' if report.configured else 'no (HUEAI_ZALO_APP_ID and HUEAI_ZALO_OA_SECRET)'}")
    if not token.present:
        out.print("token: none (set HUEAI_ZALO_ACCESS_TOKEN and HUEAI_ZALO_REFRESH_TOKEN)")
    else:
        out.print(f"token: expires {_when(token.access_expires_at)} (in {_duration(token.expires_in_seconds)}), "
                  f"refreshed {token.refresh_count} times, last {_when(token.refreshed_at)}"
                  + (" — refreshing now" if token.refreshing else ""))
    if token.alert:
        out.print(f"[bold red]ALERT[/] {_when(token.alert_at)}: {token.alert}")
    out.print(f"outbox: {report.outbox_depth} to deliver (oldest {_duration(report.oldest_pending_seconds)}); "
              + ", ".join(f"{k} {v}" for k, v in sorted(report.outbox.items())))
    out.print("events: " + (", ".join(f"{k} {v}" for k, v in sorted(report.events.items())) or "none"))
    if report.problems:
        out.print(f"latest delivery problems ({len(report.problems)}):")
    if not report.problems:
        out.print("no delivery problems")
    for p in report.problems:  # one line each, newest first
        retry = f", next try {_when(p.next_attempt_at)}" if p.next_attempt_at else ""
        typer.echo(f"  {_when(p.updated_at)}  reply {p.row} ({p.session_id}, message {p.message_id}) {p.state}: "
                   f"{p.kind or '?'} {p.code if p.code is not None else ''} after {p.attempts} attempt(s){retry} "
                   f"— {p.explained or p.error or ''}")
