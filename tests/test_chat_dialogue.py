"""``POST /api/chat`` and ``/ws/chat`` over the real dialogue, knowledge index and NLU model (the whole
shared knowledge base, a small NLU model): what a citizen gets back, end to end."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from chat_support import UNLIMITED, serve
from sqlalchemy import select
from websockets.sync.client import connect

from core.artifacts import new_version_dir, set_current
from dialogue.conversations import ConversationStore
from dialogue.tables import FeedbackRow
from hueai.api import create_app
from hueai.runtime import Runtime
from hueai.settings import Settings
from knowledge.settings import KnowledgeSettings
from training.nlu import train_nlu

SMALL_NLU = Path(__file__).parent / "data" / "nlu_small.yml"


@pytest.fixture(scope="module")
def served(kb_db, kb_index, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path_factory.mktemp("chat"), database_url=kb_db.url, chat=UNLIMITED,
                        kb=KnowledgeSettings(dense_retrieval=False))
    version = new_version_dir(settings.models, "kb-index", "0" * 8)
    kb_index.save(version)
    set_current(settings.models, "kb-index", version)
    train_nlu(SMALL_NLU, models_dir=settings.models)
    runtime = Runtime(settings)
    with serve(create_app(runtime, watch_seconds=None)) as base:
        deadline = time.monotonic() + 120
        while httpx.get(f"{base}/healthz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)  # the models load in the background
        yield base


def chat(base: str, text: str, session_id: str) -> httpx.Response:
    return httpx.post(f"{base}/api/chat", json={"session_id": session_id, "text": text}, timeout=60)


def test_a_procedure_question_is_answered_from_the_record_with_its_source(served: str, kb_db) -> None:  # type: ignore[no-untyped-def]
    reply = chat(served, "đăng ký khai sinh cho con cần giấy tờ gì", "dialogue-session-1")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["reply"] and body["intent"]
    assert "1.001193" in [s["code"] for s in body["sources"]]
    assert all(s["name"] and (s["url"] is None or s["url"].startswith("https://")) for s in body["sources"])
    assert all({"title", "payload"} <= q.keys() for q in body["quick_replies"])
    helpful = httpx.post(f"{served}/api/chat/feedback", json={"session_id": "dialogue-session-1",
                                                             "message_id": body["message_id"], "helpful": False})
    assert helpful.status_code == 200
    with kb_db.session() as s:
        row = s.scalars(select(FeedbackRow).where(FeedbackRow.session_id == "web:dialogue-session-1")).one()
    assert row.question == "đăng ký khai sinh cho con cần giấy tờ gì" and row.answered_code == "1.001193"


def test_quick_replies_continue_the_conversation(served: str) -> None:
    first = chat(served, "đăng ký khai sinh cho con cần giấy tờ gì", "dialogue-session-2").json()
    for quick in first["quick_replies"][:2]:
        follow = chat(served, quick["payload"], "dialogue-session-2")
        assert follow.status_code == 200 and follow.json()["reply"]


def test_odd_messages_get_polite_answers_never_errors(served: str) -> None:
    for number, text in enumerate(["😀😀😀", "<script>alert(1)</script>", "?", "a" * 2000, "đ" * 1999 + "\n"]):
        reply = chat(served, text, f"dialogue-odd-{number:02d}")
        assert reply.status_code == 200, (text[:20], reply.text)
        assert reply.json()["reply"]
    assert chat(served, "a" * 5000, "dialogue-odd-99").status_code == 422
    metrics = httpx.get(f"{served}/metrics").text
    assert 'hueai_chat_messages_total{outcome="ok"}' in metrics and 'outcome="422"' in metrics
    assert "hueai_chat_turn_seconds_count" in metrics


def test_the_socket_speaks_to_the_same_dialogue(served: str, kb_db) -> None:  # type: ignore[no-untyped-def]
    with connect(served.replace("http://", "ws://") + "/ws/chat?session_id=dialogue-socket-1", open_timeout=10) as ws:
        while json.loads(ws.recv(timeout=10))["type"] != "ready":
            pass
        ws.send(json.dumps({"text": "đăng ký khai sinh cho con cần giấy tờ gì", "client_id": "a"}))
        frames = [json.loads(ws.recv(timeout=60)) for _ in range(2)]
    assert [f["type"] for f in frames] == ["typing", "reply"]
    assert "1.001193" in [s["code"] for s in frames[1]["sources"]]
    stored = ConversationStore(kb_db).transcript("web:dialogue-socket-1")
    assert [m.direction for m in stored] == ["in", "out"] and stored[1].id == frames[1]["message_id"]
