"""What the web chat, widget and staff tests share: a real uvicorn server on 127.0.0.1 over a test database,
and a stand-in assistant that talks through the real conversation store.

The stand-in (:class:`EchoAssistant`) numbers each turn of a session from the tracker state
(``#1 …``, ``#2 …``), so a reply shows which turn it was; it opens a handoff when the text asks
for "nhân viên", and while an operator has the conversation it stores the message and answers
nothing, as the dialogue does.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from channels.desk.store import DialogueDesk
from channels.settings import WebChatSettings
from channels.web import WebChat
from core.storage import Database
from core.types import Channel
from dialogue.conversations import ConversationStore
from dialogue.turns import QuickReply, Source, Turn
from hueai.api import create_app
from hueai.runtime import Runtime
from hueai.settings import Settings

SOURCE = Source(code="1.001193", name="Thủ tục đăng ký khai sinh",
                url="https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193")
QUICK = QuickReply(title="Lệ phí bao nhiêu?", payload="lệ phí đăng ký khai sinh bao nhiêu")
#: Chat limits for tests that are not about limits: none.
UNLIMITED = WebChatSettings(session_rate=0, ip_rate=0, poll_seconds=0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EchoAssistant:
    """A stand-in :class:`dialogue.turns.Assistant` over the real store (one transaction per turn)."""

    def __init__(self, db: Database, *, pause: Callable[[], None] | None = None) -> None:
        self.store = ConversationStore(db)
        self.pause = pause  # called inside the turn's transaction, to widen races in tests

    def handle(self, session_id: str, text: str, *, channel: Channel) -> Turn:
        with self.store.turn(session_id, channel) as turn:
            question = turn.add_message("in", "citizen", text)
            if turn.handoff_state == "active":
                return Turn(session_id=session_id, message_id=str(question), reply="", intent="to_operator",
                            confidence=1.0, handoff=True, action="to_operator")
            number = int(turn.state.get("n", 0)) + 1
            if self.pause:
                self.pause()
            turn.state["n"] = number
            handoff = "nhân viên" in text
            if handoff:
                turn.open_handoff("request_human")
            reply = (f"#{number} Anh/chị vừa hỏi: **{text}**\n"
                     "- mục một\n- xem [cổng dịch vụ công](https://dichvucong.gov.vn)")
            answer = turn.add_message("out", "assistant", reply, reply_to=question, intent="echo", confidence=1.0,
                                      sources=[SOURCE.model_dump()], quick_replies=[QUICK.model_dump()],
                                      action="answer_overview")
        return Turn(session_id=session_id, message_id=str(answer), reply=reply, intent="echo", confidence=1.0,
                    sources=[SOURCE], quick_replies=[QUICK], handoff=handoff, action="answer_overview")


def make_app(db: Database, tmp: Path, *, assistant: object | None = None,
             chat: WebChatSettings = UNLIMITED, **settings: object) -> FastAPI:
    """The real app over ``db``, its web chat answered by ``assistant`` (default :class:`EchoAssistant`)."""
    runtime = Runtime(Settings(data_dir=tmp, database_url=db.url, chat=chat, **settings))  # type: ignore[arg-type]
    app = create_app(runtime, watch_seconds=None)
    helper = assistant or EchoAssistant(db)
    desk = DialogueDesk(db)
    app.state.web_chat = WebChat(assistant=lambda: helper, desk=lambda: desk, settings=chat)  # type: ignore[arg-type,return-value]
    return app


@contextmanager
def serve(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a loopback port (a free one by default); yields the base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/widget.js", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    else:
        raise RuntimeError("the test server did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(10)
