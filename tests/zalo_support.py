"""What the Zalo tests share: settings pointed at the stand-in, a stand-in assistant, a served app, waiting.

:class:`EchoAssistant` answers every message through the real conversation store (so through the
channel's :class:`~channels.zalo.store.OutboxStore`): ``#<turn> <text>``, numbered per session from
the tracker state, so a reply shows which message it answers and in which order. ``menu`` gets
three quick replies; ``/report_issue`` starts a field report the way the dialogue does (a draft and
a pending "what happened?").

Run as a script (``python tests/zalo_support.py serve --db URL --port N --zalo-json '{...}'``) it
serves the app with this assistant in a process of its own, for the tests that kill the server.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script
    sys.path.insert(0, str(REPO))

from fastapi import FastAPI  # noqa: E402

from channels.settings import ZaloSettings  # noqa: E402
from channels.zalo.channel import ZaloChannel  # noqa: E402
from channels.zalo.standin import StandIn  # noqa: E402
from channels.zalo.store import OutboxStore  # noqa: E402
from core.storage import Database  # noqa: E402
from core.types import Channel  # noqa: E402
from dialogue.conversations import ConversationStore  # noqa: E402
from dialogue.tracker import Pending, ReportDraft, Tracker  # noqa: E402
from dialogue.turns import QuickReply, Turn  # noqa: E402

APP_ID = "3608465248940903967"
APP_SECRET = "app-secret-for-tests"
OA_SECRET = "oa-secret-for-tests"
MENU = [QuickReply(title="Lệ phí", payload="/ask_fee"), QuickReply(title="Thời gian", payload="/ask_duration"),
        QuickReply(title="Nơi nộp", payload="/ask_place")]


def zalo_settings(base: str, standin: StandIn, **overrides: Any) -> ZaloSettings:
    """Settings for a test: the stand-in's hosts, its fresh tokens, short waits everywhere."""
    access, refresh = standin.issue_tokens()
    values: dict[str, Any] = dict(
        app_id=APP_ID, app_secret=APP_SECRET, oa_secret=OA_SECRET, access_token=access, refresh_token=refresh,
        api_base=base, oauth_base=base, poll_seconds=0.05, lease_seconds=2.0, retry_base_seconds=0.05,
        retry_max_seconds=0.4, http_timeout_seconds=1.0, give_up_after_seconds=120, reconcile_skew_seconds=5)
    values.update(overrides)
    return ZaloSettings(**values)


def new_standin() -> StandIn:
    return StandIn(app_id=APP_ID, app_secret=APP_SECRET)


class EchoAssistant:
    """A stand-in :class:`dialogue.turns.Assistant` over a given store (see the module docstring)."""

    def __init__(self, store: ConversationStore) -> None:
        self.store = store

    def handle(self, session_id: str, text: str, *, channel: Channel) -> Turn:
        with self.store.turn(session_id, channel) as turn:
            question = turn.add_message("in", "citizen", text)
            if turn.handoff_state == "active":
                return Turn(session_id=session_id, message_id=str(question), reply="", intent="to_operator",
                            confidence=1.0, handoff=True, action="to_operator")
            number = int(turn.state.get("n", 0)) + 1
            state = dict(turn.state, n=number)
            quick = MENU if text == "menu" else []
            if text == "/report_issue":
                tracker = Tracker.from_state(state)
                tracker.report, tracker.pending = ReportDraft(), Pending(kind="report_what")
                state = {**tracker.to_state(), "n": number}
            turn.state = state
            reply = f"#{number} {text}"
            answer = turn.add_message("out", "assistant", reply, reply_to=question, intent="echo", confidence=1.0,
                                      quick_replies=[q.model_dump() for q in quick], action="echo")
        return Turn(session_id=session_id, message_id=str(answer), reply=reply, intent="echo", confidence=1.0,
                    quick_replies=quick, action="echo")


def echo_channel(db: Database, settings: ZaloSettings) -> ZaloChannel:
    assistants: dict[int, EchoAssistant] = {}

    def assistant(store: OutboxStore) -> EchoAssistant:
        return assistants.setdefault(id(store), EchoAssistant(store))

    return ZaloChannel(db, settings, assistant=assistant)  # type: ignore[arg-type]


def make_app(db: Database, tmp: Path, settings: ZaloSettings, channel: ZaloChannel | None = None) -> FastAPI:
    """The real app over ``db`` with the Zalo channel answered by :class:`EchoAssistant` (or ``channel``)."""
    from hueai.api import create_app
    from hueai.runtime import Runtime
    from hueai.settings import Settings

    runtime = Runtime(Settings(data_dir=tmp, database_url=db.url, zalo=settings))
    app = create_app(runtime, watch_seconds=None)
    app.state.zalo_channel = channel or echo_channel(db, settings)
    return app


def wait_until(check: Callable[[], Any], *, timeout: float = 60.0, every: float = 0.05, what: str = "") -> Any:
    """Poll ``check`` until it returns something true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(every)


@contextmanager
def served_app(app: FastAPI) -> Iterator[str]:
    from chat_support import serve  # the web chat tests' loopback server

    with serve(app) as base:
        yield base


def main() -> None:
    """``serve --db URL --port N --zalo-json JSON --data-dir DIR``: the app with :class:`EchoAssistant`,
    until killed (``DIR``, the test's own folder, is left for the test to remove)."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--zalo-json", required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    db = Database(args.db)
    settings = ZaloSettings(**json.loads(args.zalo_json))
    app = make_app(db, args.data_dir, settings)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
