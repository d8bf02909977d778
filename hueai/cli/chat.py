"""``hueai chat``: talk to the assistant in the terminal (the same dialogue as the web chat, Zalo and the hotline)."""

from __future__ import annotations

import uuid
from typing import Annotated, Optional

import typer

from core.types import Channel
from hueai.cli.common import fail, runtime, schema_checked
from hueai.logging import configure_logging
from hueai.runtime import ModelMissing

HELP = ("Gõ câu hỏi rồi Enter; gõ số của một nút (1, 2, …) để bấm nút đó; /quit để thoát. "
        "Type a question; a button's number presses it; /quit ends.")


def chat(
    channel: Annotated[Channel, typer.Option(help="render replies as this channel does")] = "web",
    session: Annotated[Optional[str], typer.Option(help="continue this session id (default: a new one)")] = None,
    debug: Annotated[bool, typer.Option(help="also print intent, action and per-stage latency")] = False,
) -> None:
    """Talk to the assistant: each reply is printed with its sources (code, name, link) and its buttons."""
    rt = schema_checked(runtime())
    if not debug:  # the conversation, not the per-turn log lines, belongs on this terminal
        configure_logging("WARNING", json=rt.settings.log_json)
    try:
        assistant = rt.assistant
    except ModelMissing as exc:
        raise fail(str(exc)) from None
    session_id = session or f"cli-{uuid.uuid4().hex[:12]}"
    typer.echo(f"phiên {session_id} ({channel}). {HELP}")
    buttons: list[tuple[str, str]] = []
    while True:
        try:
            text = input("bạn> ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            break
        if text.strip() in ("/quit", "/exit", "/q"):
            break
        if text.strip().isdigit() and 1 <= int(text.strip()) <= len(buttons):
            text = buttons[int(text.strip()) - 1][1]
        turn = assistant.handle(session_id, text, channel=channel)
        typer.echo(f"trợ lý> {turn.reply}" if turn.reply else "trợ lý> (tin nhắn đã chuyển cho nhân viên)")
        for source in turn.sources:
            typer.echo(f"  nguồn: {source.code} · {source.name} · {source.url or ''}")
        if turn.ticket_id:
            typer.echo(f"  mã phản ánh: {turn.ticket_id}")
        if turn.handoff:
            typer.echo("  (cuộc trò chuyện đang chờ/đang có nhân viên hỗ trợ)")
        buttons = [(q.title, q.payload) for q in turn.quick_replies]
        for number, (title, payload) in enumerate(buttons, 1):
            typer.echo(f"  [{number}] {title}  ({payload})")
        if debug:
            typer.echo(f"  intent={turn.intent} ({turn.confidence:.2f}) action={turn.action} "
                       f"latency={turn.latency_ms}")
