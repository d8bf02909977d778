"""Whole Zalo conversations with the real dialogue: the runtime's assistant (the whole shared knowledge base,
a small NLU model) answering signed events through the channel, replies taken from the stand-in for Zalo.

This is the app's own wiring (:func:`hueai.api.zalo.zalo_channel_of`): the runtime's assistant writing
through the channel's store, started by the app's lifespan once Zalo is configured.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from zalo_support import APP_ID, OA_SECRET, new_standin, wait_until, zalo_settings

from channels.zalo.standin import EventSender, StandIn, serving
from core.artifacts import new_version_dir, set_current
from dialogue.tables import TicketRow
from hueai.api import create_app
from hueai.runtime import Runtime
from hueai.settings import Settings
from knowledge.settings import KnowledgeSettings
from training.nlu import train_nlu

SMALL_NLU = Path(__file__).parent / "data" / "nlu_small.yml"  # the web chat's dialogue tests use it too


@dataclass
class Served:
    standin: StandIn
    sender: EventSender

    def say(self, user: str, event: dict, count: int) -> list[str]:
        """Post ``event``; the texts of ``user``'s replies once there are ``count`` of them."""
        assert self.sender.post(event).status_code == 200
        return wait_until(lambda: (found := [m.text for m in self.standin.messages(user)]) and len(found) >= count
                          and found, timeout=90, what=f"reply {count} to {user}")


@pytest.fixture(scope="module")
def served(kb_db, kb_index, tmp_path_factory) -> Iterator[Served]:  # type: ignore[no-untyped-def]
    from chat_support import serve

    standin = new_standin()
    with serving(standin) as zalo_base:
        settings = Settings(data_dir=tmp_path_factory.mktemp("zalo"), database_url=kb_db.url,
                            kb=KnowledgeSettings(dense_retrieval=False), zalo=zalo_settings(zalo_base, standin))
        version = new_version_dir(settings.models, "kb-index", "0" * 8)
        kb_index.save(version)
        set_current(settings.models, "kb-index", version)
        train_nlu(SMALL_NLU, models_dir=settings.models)
        with serve(create_app(Runtime(settings), watch_seconds=None)) as base:
            deadline = time.monotonic() + 120
            while httpx.get(f"{base}/healthz").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.1)  # the models load in the background; events wait, stored
            yield Served(standin, EventSender(f"{base}/webhooks/zalo", app_id=APP_ID, oa_secret=OA_SECRET))


def test_a_new_follower_is_greeted_with_what_the_assistant_can_do(served: Served) -> None:
    greeting = served.say("8000000000000000001", served.sender.follow("8000000000000000001"), 1)[0]
    assert "trợ lý ảo" in greeting and "**" not in greeting
    buttons = served.standin.messages("8000000000000000001")[0].buttons
    assert [b["payload"] for b in buttons] == ["/ask_procedure", "/check_status", "/report_issue"]
    assert all(b["type"] == "oa.query.hide" for b in buttons)


def test_a_question_is_answered_from_the_record_and_its_buttons_continue(served: Served) -> None:
    user = "8000000000000000002"
    answer = served.say(user, served.sender.text(user, "đăng ký khai sinh cho con cần giấy tờ gì"), 1)[0]
    assert "khai sinh" in answer.lower() and "dichvucong.gov.vn" in answer and len(answer) <= 2000
    buttons = served.standin.messages(user)[0].buttons
    assert buttons and len(buttons) <= 5
    follow = served.say(user, served.sender.text(user, buttons[0]["payload"]), 2)[1]  # what pressing one sends
    assert follow and follow != answer


def test_a_photo_and_a_place_make_a_field_report_with_both(served: Served,
                                                           kb_db) -> None:  # type: ignore[no-untyped-def]
    user = "8000000000000000003"
    photo = "https://zalo.example/via-he.jpg"
    asked = served.say(user, served.sender.image(user, photo), 1)[0]
    assert "phản ánh việc gì" in asked  # a report was started, with the photo kept
    # (the tests' small NLU model reads many complaints as emergencies; this one it does not)
    where = served.say(user, served.sender.text(user, "vỉa hè bị lấn chiếm"), 2)[1]
    assert "ở đâu" in where
    phone = served.say(user, served.sender.location(user, 16.4637, 107.5909), 3)[2]
    assert "số điện thoại" in phone  # the location answered "where?"
    confirm = served.say(user, served.sender.text(user, "/deny"), 4)[3]
    assert "16.463700" in confirm and "vỉa hè" in confirm
    created = served.say(user, served.sender.text(user, "/affirm"), 5)[4]
    assert "Mã phản ánh" in created
    with kb_db.session() as session:
        ticket = session.scalars(select(TicketRow).where(TicketRow.session_id == f"zalo:{user}")).one()
    assert ticket.photo_url == photo and "16.463700" in ticket.location and ticket.channel == "zalo"
    assert ticket.id in created
