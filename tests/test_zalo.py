"""``POST /webhooks/zalo`` and replies through the stand-in for Zalo, served by real uvicorn servers on 127.0.0.1.

The app is the real one (router, lifespan, worker, outbox, token refresh); the dialogue is the
stand-in :class:`zalo_support.EchoAssistant` (``#<turn> <text>``), so what is checked is the
channel: signed events in, replies out, exactly once and in order, whatever Zalo answers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from zalo_support import APP_ID, OA_SECRET, make_app, new_standin, served_app, wait_until, zalo_settings

from channels.zalo.standin import EventSender, StandIn, serving
from channels.zalo.status import read_status
from channels.zalo.tables import ZaloEventRow, ZaloOutboxRow, ZaloUserRow
from core.storage import Database
from dialogue.conversations import ConversationStore
from dialogue.tables import MessageRow, TicketRow


@dataclass
class Rig:
    db: Database
    standin: StandIn
    sender: EventSender
    base: str
    app: object

    @property
    def channel(self):  # type: ignore[no-untyped-def]
        return self.app.state.zalo_channel  # type: ignore[attr-defined]

    def texts(self, user: str) -> list[str]:
        return [m.text for m in self.standin.messages(user)]

    def replies(self, user: str, count: int, timeout: float = 60) -> list[str]:
        return wait_until(lambda: (found := self.texts(user)) and len(found) >= count and found,
                          timeout=timeout, what=f"{count} replies to {user}")

    def events(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(ZaloEventRow)) or 0

    def outbox_idle(self) -> bool:
        with self.db.session() as session:
            return not session.scalar(select(func.count()).select_from(ZaloOutboxRow)
                                      .where(ZaloOutboxRow.state.in_(("pending", "sending"))))


def rig_for(database: Database, tmp_path: Path, **settings: object) -> Iterator[Rig]:
    standin = new_standin()
    with serving(standin) as zalo_base:
        config = zalo_settings(zalo_base, standin, **settings)
        app = make_app(database, tmp_path, config)
        with served_app(app) as base:
            sender = EventSender(f"{base}/webhooks/zalo", app_id=APP_ID, oa_secret=OA_SECRET)
            yield Rig(database, standin, sender, base, app)


@pytest.fixture()
def rig(database: Database, tmp_path: Path) -> Iterator[Rig]:
    yield from rig_for(database, tmp_path)


def test_a_conversation_goes_in_signed_and_comes_back_through_the_consultation_api(rig: Rig) -> None:
    assert rig.sender.post(rig.sender.follow("u1")).status_code == 200
    assert rig.replies("u1", 1) == ["#1 /greet"]
    response = rig.sender.post(rig.sender.text("u1", "menu"))
    assert response.status_code == 200 and response.json() == {"ok": True, "duplicate": False}
    rig.replies("u1", 2)
    menu = rig.standin.messages("u1")[1]
    assert menu.text == "#2 menu"
    assert [b["type"] for b in menu.buttons] == ["oa.query.hide"] * 3  # pressing one sends its payload, unseen
    assert menu.buttons[0] == {"title": "Lệ phí", "type": "oa.query.hide", "payload": "/ask_fee"}
    rig.sender.post(rig.sender.text("u1", "/ask_fee"))  # what Zalo sends when the button is pressed
    assert rig.replies("u1", 3)[2] == "#3 /ask_fee"
    transcript = ConversationStore(rig.db).transcript("zalo:u1")
    assert [(m.direction, m.text) for m in transcript][:2] == [("in", "/greet"), ("out", "#1 /greet")]
    # The stand-in has the third reply before the sender records it as sent: wait for the commit.
    wait_until(rig.outbox_idle, timeout=30, what="the outbox to settle")
    with rig.db.session() as session:
        assert set(session.scalars(select(ZaloEventRow.state)).all()) == {"done"}
        assert set(session.scalars(select(ZaloOutboxRow.state)).all()) == {"sent"}


def post_raw(rig: Rig, raw: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{rig.base}/webhooks/zalo", content=raw, headers=headers, timeout=10)


def test_bad_input_is_refused_with_no_side_effect(rig: Rig) -> None:
    event = rig.sender.text("u9", "xin chào")
    raw, headers = rig.sender.signed(event)
    cases = {
        "missing signature": (raw, {"Content-Type": "application/json"}, 401),
        "wrong signature": (raw, {**headers, "X-ZEvent-Signature": "mac=" + "0" * 64}, 401),
        "signed with another key": (*rig.sender.signed(event, secret="app-secret"), 401),
        "altered body": (raw.replace(b"xin", b"XIN"), headers, 401),
        "stale timestamp": (*rig.sender.signed({**event, "timestamp": str(int((time.time() - 4 * 3600) * 1000))}),
                            401),
        "future timestamp": (*rig.sender.signed({**event, "timestamp": str(int((time.time() + 3600) * 1000))}), 401),
        "no timestamp": (*rig.sender.signed({k: v for k, v in event.items() if k != "timestamp"}), 401),
        "another app": (*rig.sender.signed({**event, "app_id": "999"}), 401),
        "malformed JSON": (b'{"event_name": "user_send_text", ', headers, 400),
        "not an object": (b'["user_send_text"]', headers, 400),
        "not UTF-8": (b"\xff\xfe\x00", headers, 400),
        "deeply nested": (b'{"a":' * 100000 + b"1" + b"}" * 100000, headers, 413),
        "1 MB": (b'{"event_name":"user_send_text","pad":"' + b"x" * (1024 * 1024) + b'"}', headers, 413),
    }
    for name, (body, head, status) in cases.items():
        response = post_raw(rig, body, head)
        assert response.status_code == status, (name, response.text)
    assert rig.events() == 0 and rig.standin.messages() == []


def test_a_streamed_body_is_refused_as_soon_as_it_is_too_large(rig: Rig) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        for _ in range(64):
            yield b"x" * 32768

    response = httpx.post(f"{rig.base}/webhooks/zalo", content=chunks(), timeout=10)
    assert response.status_code == 413 and rig.events() == 0


def test_unknown_events_are_stored_and_ignored(rig: Rig) -> None:
    sticker = {**rig.sender.text("u2", ""), "event_name": "user_send_sticker"}
    echo = {**rig.sender.text("u2", "hi"), "event_name": "oa_send_text"}
    invented = {"event_name": "something_new", "app_id": APP_ID, "timestamp": str(int(time.time() * 1000))}
    for event in (sticker, echo, invented):
        assert rig.sender.post(event).status_code == 200
    with rig.db.session() as session:
        assert session.scalars(select(ZaloEventRow.state)).all() == ["ignored"] * 3
    rig.sender.post(rig.sender.text("u2", "after"))
    assert rig.replies("u2", 1) == ["#1 after"]  # nothing was answered for the three


def test_a_replayed_event_is_acknowledged_and_processed_once(rig: Rig) -> None:
    event = rig.sender.text("u3", "một lần thôi")
    responses = [rig.sender.post(event) for _ in range(3)]
    assert [r.status_code for r in responses] == [200] * 3
    assert [r.json()["duplicate"] for r in responses] == [False, True, True]
    rig.replies("u3", 1)
    rig.sender.post(event)  # and again after it was processed
    rig.sender.post(rig.sender.text("u3", "tiếp"))
    assert rig.replies("u3", 2) == ["#1 một lần thôi", "#2 tiếp"]
    assert rig.events() == 2


def test_replies_reach_zalo_once_it_recovers_from_500s_and_timeouts(database: Database, tmp_path: Path) -> None:
    for rig in rig_for(database, tmp_path, http_timeout_seconds=0.5):
        rig.standin.add_fault("error500", count=6)
        rig.standin.add_fault("hang_after", count=3, hang_seconds=1.5)  # delivered, but the answer never comes
        rig.standin.add_fault("hang_before", count=3, hang_seconds=1.5)  # nothing delivered, no answer
        rig.standin.add_fault("rate_limit", count=3)
        for user in ("a", "b", "c"):
            for i in range(4):
                assert rig.sender.post(rig.sender.text(user, f"{user}{i}")).status_code == 200
        for user in ("a", "b", "c"):
            assert rig.replies(user, 4) == [f"#{i + 1} {user}{i}" for i in range(4)]
        wait_until(rig.outbox_idle, what="the outbox to drain")
        for user in ("a", "b", "c"):  # exactly once, in order, even those whose answer was lost
            assert rig.texts(user) == [f"#{i + 1} {user}{i}" for i in range(4)]
        assert rig.standin.stats.conversation_calls > 0  # the lost answers were looked up, not resent blindly


def test_an_expired_token_mid_burst_is_refreshed_once_and_nothing_is_lost(rig: Rig) -> None:
    users = [f"t{i}" for i in range(8)]
    for user in users:
        rig.sender.post(rig.sender.text(user, "trước"))
    for user in users:
        rig.replies(user, 1)
    rig.standin.expire_access_tokens()
    for user in users:
        for i in range(3):
            rig.sender.post(rig.sender.text(user, f"sau {i}"))
    for user in users:
        assert rig.replies(user, 4) == ["#1 trước", "#2 sau 0", "#3 sau 1", "#4 sau 2"]
    assert rig.standin.stats.refreshes == 1
    assert rig.standin.stats.errors.get(-220, 0) >= 1
    wait_until(rig.outbox_idle)
    assert all(rig.texts(user) == ["#1 trước", "#2 sau 0", "#3 sau 1", "#4 sau 2"] for user in users)


def test_after_unfollow_nothing_more_is_sent_until_the_user_writes(rig: Rig) -> None:
    rig.sender.post(rig.sender.text("u4", "một"))
    rig.replies("u4", 1)
    rig.standin.add_fault("error500", seconds=2.0)  # the next replies wait in the outbox...
    rig.sender.post(rig.sender.text("u4", "hai"))
    wait_until(lambda: rig.channel.outbox.counts().get("pending", 0) + rig.channel.outbox.counts().get("sending", 0))
    rig.sender.post(rig.sender.unfollow("u4"))  # ...and are cancelled by the unfollow
    wait_until(lambda: rig.channel.outbox.counts().get("cancelled"), what="the reply to be cancelled")
    rig.standin.clear_faults()
    time.sleep(0.5)
    assert rig.texts("u4") == ["#1 một"]
    rig.sender.post(rig.sender.follow("u4"))
    assert rig.replies("u4", 2)[1] == "#3 /greet"


def test_zalos_refusals_are_recorded_and_shown_to_operators(rig: Rig) -> None:
    rig.standin.set_user("old", last_interaction_ms=int((time.time() - 8 * 86400) * 1000))
    rig.standin.set_user("gone", followed=False)
    rig.sender.post(rig.sender.text("old", "xin chào"))
    rig.sender.post(rig.sender.text("gone", "xin chào"))
    wait_until(lambda: rig.channel.outbox.counts().get("failed") == 2, what="two failures")
    status = read_status(rig.db, configured=True)
    kinds = {p.user_id: (p.kind, p.code) for p in status.problems}
    assert kinds == {"old": ("outside_window", -230), "gone": ("unfollowed", -213)}
    assert all(p.explained for p in status.problems)
    with rig.db.session() as session:
        assert session.scalar(select(ZaloUserRow.stopped).where(ZaloUserRow.user_id == "gone")) is True


def test_an_operators_reply_goes_out_through_the_outbox(rig: Rig) -> None:
    rig.sender.post(rig.sender.text("u5", "cho tôi gặp nhân viên"))
    rig.replies("u5", 1)
    store = ConversationStore(rig.db)
    store.operator_reply("zalo:u5", "Dạ, em là Lan, nhân viên hỗ trợ.", operator="lan")  # swept by the worker
    assert rig.replies("u5", 2)[1] == "Dạ, em là Lan, nhân viên hỗ trợ."
    long = "Dạ, hồ sơ gồm các giấy tờ sau. " * 120
    store.operator_reply("zalo:u5", long, operator="lan")
    parts = rig.replies("u5", 4)[2:]
    assert len(parts) == 2 and all(len(p) <= 2000 for p in parts)  # split, in order
    store.close_handoff("zalo:u5", operator="lan")
    assert "kết thúc" in rig.replies("u5", 5)[4]
    wait_until(rig.outbox_idle)
    assert len(rig.texts("u5")) == 5  # each once: the sweep and the desk's hook never both send


def test_the_desk_hook_queues_an_operators_reply_at_once(rig: Rig) -> None:
    import asyncio

    from channels.desk.store import DialogueDesk

    rig.sender.post(rig.sender.text("u6", "xin chào"))
    rig.replies("u6", 1)
    desk = DialogueDesk(rig.db)
    message = desk.operator_reply("zalo:u6", "Dạ, em nghe.", "lan")
    asyncio.run(rig.channel.deliver(message))
    assert rig.replies("u6", 2)[1] == "Dạ, em nghe."
    wait_until(rig.outbox_idle)
    assert len(rig.texts("u6")) == 2


def test_buttons_zalo_refuses_become_numbered_text_and_a_number_answers(database: Database, tmp_path: Path) -> None:
    for rig in rig_for(database, tmp_path):
        original = rig.standin._check_message

        def no_buttons(body):  # type: ignore[no-untyped-def]
            if isinstance(body, dict) and isinstance(body.get("message"), dict) and body["message"].get("attachment"):
                from channels.zalo.standin import _error

                return _error(-233, "message type is invalid or not support")
            return original(body)

        rig.standin._check_message = no_buttons  # type: ignore[method-assign]
        rig.sender.post(rig.sender.text("u7", "menu"))
        menu = rig.replies("u7", 1)[0]
        assert "1. Lệ phí" in menu and "3. Nơi nộp" in menu and rig.standin.messages("u7")[0].buttons == []
        rig.sender.post(rig.sender.text("u7", "2"))
        assert rig.replies("u7", 2)[1] == "#2 /ask_duration"


def test_photos_and_places_go_to_the_report_under_way(rig: Rig) -> None:
    rig.sender.post(rig.sender.image("u8", "https://zalo.example/photo-1.jpg"))  # no report yet: one starts
    assert rig.replies("u8", 1) == ["#1 /report_issue"]
    state = ConversationStore(rig.db).state("zalo:u8") or {}
    assert state["report"]["photo_url"] == "https://zalo.example/photo-1.jpg"
    rig.sender.post(rig.sender.location("u8", 16.4637, 107.5909))  # a report is under way: added to it
    assert "16.463700" in rig.replies("u8", 2)[1]
    state = ConversationStore(rig.db).state("zalo:u8") or {}
    assert "16.463700" in state["report"]["location"] and state["report"]["photo_url"].endswith("photo-1.jpg")
    rig.sender.post(rig.sender.image("u8", "https://zalo.example/photo-2.jpg"))
    assert "đính kèm" in rig.replies("u8", 3)[2]
    notes = [m.text for m in ConversationStore(rig.db).transcript("zalo:u8") if m.direction == "in"]
    assert notes[0].startswith("[Ảnh] https://zalo.example/photo-1.jpg") and notes[-1].startswith("[Ảnh]")
    with rig.db.session() as session:
        assert session.scalar(select(func.count()).select_from(TicketRow)) == 0
        assert session.scalar(select(func.count()).select_from(MessageRow)) == 7  # 3 + 2 + 2


def test_the_status_command_reports_token_queues_and_problems(rig: Rig, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    rig.standin.set_user("late", last_interaction_ms=1)
    rig.sender.post(rig.sender.text("late", "xin chào"))
    wait_until(lambda: rig.channel.outbox.counts().get("failed"))
    env = {**os.environ, "HUEAI_DATABASE_URL": rig.db.url, "HUEAI_DATA_DIR": str(tmp_path),
           "HUEAI_ZALO_APP_ID": APP_ID, "HUEAI_ZALO_OA_SECRET": OA_SECRET}

    def hueai(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hueai.cli", *args], env=env, capture_output=True, text=True,
                              timeout=120, cwd=Path(__file__).resolve().parents[1])

    result = hueai("zalo", "status", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["configured"] and report["token"]["present"] and report["token"]["expires_in_seconds"] > 0
    assert report["outbox"]["failed"] == 1 and report["problems"][0]["kind"] == "outside_window"
    assert report["events"] == {"done": 1}
    human = hueai("zalo", "status")
    assert human.returncode == 0 and "outside_window" in human.stdout and "token: expires" in human.stdout


def test_without_zalo_settings_the_webhook_says_so_and_stores_nothing(database: Database, tmp_path: Path) -> None:
    from zalo_support import echo_channel

    from channels.settings import ZaloSettings

    settings = ZaloSettings(app_id=None, oa_secret=None)
    app = make_app(database, tmp_path, settings, channel=echo_channel(database, settings))
    with served_app(app) as base:
        sender = EventSender(f"{base}/webhooks/zalo", app_id=APP_ID, oa_secret=OA_SECRET)
        assert sender.post(sender.text("u", "x")).status_code == 503
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ZaloEventRow)) == 0
