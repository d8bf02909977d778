"""The web chat over HTTP and WebSocket, served by a real uvicorn server on 127.0.0.1.

The assistant is a stand-in (``chat_support.EchoAssistant``) that writes through the real
conversation store, so storage, ordering and faults are the real ones, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from chat_support import QUICK, SOURCE, UNLIMITED, EchoAssistant, make_app, serve
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from channels.settings import WebChatSettings
from core.storage import Database
from dialogue.conversations import ConversationStore
from dialogue.tables import FeedbackRow, MessageRow
from dialogue.turns import Turn

SESSION = "sess-0001-abcdef"


@pytest.fixture
def base(database: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    with serve(make_app(database, tmp_path)) as url:
        yield url


def chat(base: str, text: str, session_id: str = SESSION, **extra: object) -> httpx.Response:
    return httpx.post(f"{base}/api/chat", json={"session_id": session_id, "text": text, **extra}, timeout=30)


def ws_url(base: str, session_id: str = SESSION, after: str | None = None) -> str:
    url = base.replace("http://", "ws://") + f"/ws/chat?session_id={session_id}"
    return url + (f"&after={after}" if after else "")


def frames_until(ws, kind: str, limit: int = 20) -> list[dict]:  # type: ignore[no-untyped-def]
    """Frames received up to and including the first of ``kind`` (bounded: 10 s each, ``limit`` frames)."""
    seen = []
    for _ in range(limit):
        frame = json.loads(ws.recv(timeout=10))
        seen.append(frame)
        if frame["type"] == kind:
            return seen
    raise AssertionError(f"no {kind!r} frame in {seen}")


# -- POST /api/chat -----------------------------------------------------------------------------


def test_a_reply_carries_every_field_of_the_interface(base: str, database: Database) -> None:
    reply = chat(base, "làm giấy khai sinh cho con")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert {"message_id", "reply", "intent", "entities", "sources", "quick_replies", "handoff", "ticket_id"} <= body.keys()
    assert body["session_id"] == SESSION and body["reply"].startswith("#1 ") and body["intent"] == "echo"
    assert body["sources"] == [SOURCE.model_dump()] and body["quick_replies"] == [QUICK.model_dump()]
    assert body["handoff"] is False and body["ticket_id"] is None
    # a quick reply is answered by sending its payload as the next text
    follow = chat(base, body["quick_replies"][0]["payload"]).json()
    assert follow["reply"].startswith("#2 ") and QUICK.payload in follow["reply"]
    assert int(follow["message_id"]) > int(body["message_id"])
    stored = ConversationStore(database).transcript("web:" + SESSION)
    assert [(m.direction, m.text[:2]) for m in stored] == [("in", "là"), ("out", "#1"), ("in", "lệ"), ("out", "#2")]


def test_a_missing_session_id_gets_a_new_one(base: str) -> None:
    body = httpx.post(f"{base}/api/chat", json={"text": "xin chào"}).json()
    assert len(body["session_id"]) >= 16 and body["reply"].startswith("#1 ")


def test_feedback_is_stored_for_the_sessions_own_replies_only(base: str, database: Database) -> None:
    answer = chat(base, "khai sinh").json()
    other = chat(base, "khai tử", session_id="another-session-1").json()
    ok = httpx.post(f"{base}/api/chat/feedback",
                    json={"session_id": SESSION, "message_id": answer["message_id"], "helpful": False,
                          "comment": "chưa đúng thủ tục"})
    assert ok.status_code == 200 and ok.json() == {"ok": True}
    assert httpx.post(f"{base}/api/chat/feedback", json={"session_id": SESSION, "message_id": answer["message_id"],
                                                          "helpful": True}).status_code == 200
    for wrong in ({"session_id": SESSION, "message_id": other["message_id"], "helpful": True},  # not this session's
                  {"session_id": SESSION, "message_id": "999999", "helpful": True},
                  {"session_id": SESSION, "message_id": "not-a-number", "helpful": True}):
        refused = httpx.post(f"{base}/api/chat/feedback", json=wrong)
        assert refused.status_code == 404 and refused.json()["detail"]
    assert httpx.post(f"{base}/api/chat/feedback", json={"session_id": SESSION, "message_id": "1",
                                                          "helpful": "yes"}).status_code == 422
    with database.session() as s:
        rows = s.scalars(select(FeedbackRow).order_by(FeedbackRow.id)).all()
    assert [(r.helpful, r.comment, r.given_by, r.answered_code) for r in rows] == [
        (False, "chưa đúng thủ tục", "citizen", "1.001193"), (True, None, "citizen", "1.001193")]


def test_bad_bodies_get_clear_errors_and_nothing_is_stored(base: str, database: Database) -> None:
    url = f"{base}/api/chat"
    too_big = httpx.post(url, content=b'{"text": "' + b"a" * 40_000 + b'"}', headers={"content-type": "application/json"})
    assert too_big.status_code == 413 and too_big.json()["error"] == "too_large"

    def chunked():  # no Content-Length: refused while reading
        yield b'{"session_id": "sess-0001-abcdef", "text": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    assert httpx.post(url, content=chunked(), headers={"content-type": "application/json"}).status_code == 413
    for body in (b"{not json", b"", b"\xff\xfe\x00", b'{"text": "abc"', b"[" * 5000 + b"]" * 5000):
        malformed = httpx.post(url, content=body, headers={"content-type": "application/json"})
        assert malformed.status_code == 400, body[:20]
        assert malformed.json()["error"] == "malformed_json" and malformed.json()["detail"]
    for body in ([1, 2], "text", {"session_id": SESSION}, {"session_id": SESSION, "text": 42},
                 {"session_id": "short", "text": "x"}, {"session_id": "bad id with spaces", "text": "x"}):
        wrong = httpx.post(url, json=body)
        assert wrong.status_code == 422 and wrong.json()["detail"], body
    for text in ("", "   \n\t ", "\x00\x01\u202e"):
        empty = chat(base, text)
        assert empty.status_code == 422 and empty.json()["error"] == "empty"
    long = chat(base, "a" * 5000)
    assert long.status_code == 422 and long.json()["error"] == "too_long" and "2000" in long.json()["detail"]
    assert not ConversationStore(database).exists("web:" + SESSION)


def test_odd_but_valid_messages_are_answered(base: str) -> None:
    assert chat(base, "a" * UNLIMITED.max_chars).status_code == 200
    emoji = chat(base, "👍🏽😀🇻🇳👨‍👩‍👧")
    assert emoji.status_code == 200 and "👨‍👩‍👧" in emoji.json()["reply"]
    script = chat(base, "<script>alert('x')</script>")
    assert script.status_code == 200 and "<script>alert('x')</script>" in script.json()["reply"]  # escaping is the page's job
    lone = httpx.post(f"{base}/api/chat", content=b'{"session_id": "sess-0001-abcdef", "text": "a\\ud800b"}',
                      headers={"content-type": "application/json"})
    assert lone.status_code == 200 and "a\ufffdb" in lone.json()["reply"]


def test_two_messages_of_one_session_at_once_are_processed_one_after_the_other(database: Database,
                                                                              tmp_path: Path) -> None:
    inside = threading.Barrier(2, timeout=2)

    def pause() -> None:  # the first turn waits here for a second one to arrive; with ordering it never does
        try:
            inside.wait()
        except threading.BrokenBarrierError:
            pass

    with serve(make_app(database, tmp_path, assistant=EchoAssistant(database, pause=pause))) as base:
        with ThreadPoolExecutor(4) as pool:
            replies = list(pool.map(lambda text: chat(base, text), ["một", "hai", "ba", "bốn"]))
    assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
    assert sorted(r.json()["reply"][:2] for r in replies) == ["#1", "#2", "#3", "#4"]
    stored = ConversationStore(database).transcript("web:" + SESSION)
    assert [m.direction for m in stored] == ["in", "out"] * 4
    assert [m.text[:2] for m in stored if m.direction == "out"] == ["#1", "#2", "#3", "#4"]


def test_a_database_that_is_briefly_unavailable_is_a_clear_503_and_nothing_is_half_written(
        database: Database, tmp_path: Path) -> None:
    failing = threading.Event()

    def fail_on_the_reply(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # the citizen's message is already written in this transaction; the reply's insert fails
        if failing.is_set() and statement.startswith("INSERT INTO messages") and "assistant" in str(parameters):
            raise OperationalError(statement, parameters, ConnectionError("server closed the connection"))

    event.listen(database.engine, "before_cursor_execute", fail_on_the_reply)
    try:
        with serve(make_app(database, tmp_path)) as base:
            assert chat(base, "trước khi lỗi").status_code == 200
            failing.set()
            down = chat(base, "trong lúc lỗi")
            assert down.status_code == 503 and down.headers["retry-after"]
            assert down.json()["error"] == "unavailable" and "chưa được ghi nhận" in down.json()["detail"]
            failing.clear()
            after = chat(base, "sau khi hết lỗi")
            assert after.status_code == 200 and after.json()["reply"].startswith("#2 ")
    finally:
        event.remove(database.engine, "before_cursor_execute", fail_on_the_reply)
    texts = [m.text for m in ConversationStore(database).transcript("web:" + SESSION) if m.direction == "in"]
    assert texts == ["trước khi lỗi", "sau khi hết lỗi"]
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(MessageRow)) == 4


def test_an_assistant_that_fails_is_a_500_with_a_sentence_not_a_traceback(database: Database, tmp_path: Path) -> None:
    class Broken:
        def handle(self, session_id: str, text: str, *, channel: str) -> Turn:
            raise KeyError("boom")

    with serve(make_app(database, tmp_path, assistant=Broken())) as base:
        failed = chat(base, "xin chào")
    assert failed.status_code == 500 and failed.json()["error"] == "failed" and "boom" not in failed.text


def test_rate_limits_per_session_and_per_address(database: Database, tmp_path: Path) -> None:
    limits = WebChatSettings(session_rate=0.001, session_burst=3, ip_rate=0.001, ip_burst=5)
    with serve(make_app(database, tmp_path, chat=limits)) as base:
        assert [chat(base, "câu hỏi").status_code for _ in range(3)] == [200, 200, 200]
        limited = chat(base, "câu hỏi")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"] == "rate_limited" and "chờ" in limited.json()["detail"]
        assert [chat(base, "x", session_id=f"other-session-{i}").status_code for i in range(3)] == [200, 200, 429]
        feedback = httpx.post(f"{base}/api/chat/feedback", json={"session_id": "third-session", "message_id": "1",
                                                                 "helpful": True})
        assert feedback.status_code == 429


def test_cors_answers_allowed_pages_only(database: Database, tmp_path: Path) -> None:
    limits = WebChatSettings(session_rate=0, ip_rate=0, allowed_origins=["https://hue.gov.vn"])
    with serve(make_app(database, tmp_path, chat=limits)) as base:
        allowed = httpx.options(f"{base}/api/chat", headers={"Origin": "https://hue.gov.vn",
                                                             "Access-Control-Request-Method": "POST"})
        assert allowed.status_code == 204 and allowed.headers["access-control-allow-origin"] == "https://hue.gov.vn"
        other = httpx.post(f"{base}/api/chat", json={"session_id": SESSION, "text": "x"},
                           headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        with pytest.raises(InvalidStatus):
            connect(ws_url(base), origin="https://evil.example", open_timeout=10)  # type: ignore[arg-type]
        with connect(ws_url(base), origin="https://hue.gov.vn", open_timeout=10) as ws:  # type: ignore[arg-type]
            assert frames_until(ws, "ready")[0]["type"] == "hello"


def test_the_widget_and_the_demo_page_are_served(base: str) -> None:
    js = httpx.get(f"{base}/widget.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert ".innerHTML" not in js.text and "insertAdjacentHTML" not in js.text and "textContent" in js.text
    assert httpx.get(f"{base}/widget.css").headers["content-type"].startswith("text/css")
    page = httpx.get(f"{base}/")
    assert page.status_code == 200 and '<script src="/widget.js"' in page.text and 'lang="vi"' in page.text


# -- the WebSocket ------------------------------------------------------------------------------


def test_the_socket_answers_in_order_with_typing_first(base: str) -> None:
    with connect(ws_url(base), open_timeout=10) as ws:
        hello = frames_until(ws, "ready")
        assert hello[0] == {"type": "hello", "session_id": SESSION, "handoff": False}
        for number, text in enumerate(["một", "hai", "ba"]):  # sent without waiting
            ws.send(json.dumps({"text": text, "client_id": f"c{number}"}))
        frames = []
        while len([f for f in frames if f["type"] == "reply"]) < 3:
            frames.extend(frames_until(ws, "reply"))
    replies = [f for f in frames if f["type"] == "reply"]
    assert [(r["client_id"], r["reply"][:2]) for r in replies] == [("c0", "#1"), ("c1", "#2"), ("c2", "#3")]
    assert frames[0] == {"type": "typing", "client_id": "c0"}
    assert {"message_id", "reply", "intent", "entities", "sources", "quick_replies", "handoff", "ticket_id"} <= replies[0].keys()


def test_the_socket_refuses_bad_frames_and_stays_open(base: str) -> None:
    with connect(ws_url(base), open_timeout=10) as ws:
        frames_until(ws, "ready")
        ws.send("{not json")
        assert json.loads(ws.recv(timeout=10))["status"] == 400
        ws.send(json.dumps({"text": "x" * 40_000}))
        assert json.loads(ws.recv(timeout=10))["status"] == 413
        ws.send(json.dumps({"text": "   ", "client_id": "e"}))
        assert json.loads(ws.recv(timeout=10)) | {"detail": ""} == {
            "type": "error", "status": 422, "error": "empty", "detail": "", "client_id": "e"}
        ws.send(json.dumps({"text": "x", "session_id": "someone-elses-session"}))
        assert json.loads(ws.recv(timeout=10))["error"] == "wrong_session"
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}
        ws.send(json.dumps({"text": "vẫn trả lời"}))
        assert frames_until(ws, "reply")[-1]["reply"].startswith("#1 ")


def test_feedback_over_the_socket(base: str, database: Database) -> None:
    with connect(ws_url(base), open_timeout=10) as ws:
        frames_until(ws, "ready")
        ws.send(json.dumps({"text": "khai sinh"}))
        answer = frames_until(ws, "reply")[-1]
        ws.send(json.dumps({"type": "feedback", "message_id": answer["message_id"], "helpful": True}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "feedback", "message_id": answer["message_id"], "ok": True}
        ws.send(json.dumps({"type": "feedback", "message_id": "424242", "helpful": True}))
        assert json.loads(ws.recv(timeout=10))["status"] == 404
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(FeedbackRow)) == 1


def test_an_operators_reply_reaches_an_open_socket_and_a_reconnecting_one(base: str, database: Database) -> None:
    store = ConversationStore(database)
    with connect(ws_url(base), open_timeout=10) as ws:
        frames_until(ws, "ready")
        ws.send(json.dumps({"text": "cho tôi gặp nhân viên"}))
        handed = frames_until(ws, "reply")[-1]
        assert handed["handoff"] is True
        # written by "another server process": the socket finds it by polling the store
        written = store.operator_reply("web:" + SESSION, "Dạ, em là Lan, em nghe đây ạ.", operator="lan")
        pushed = frames_until(ws, "message")[-1]
        assert (pushed["message_id"], pushed["sender"], pushed["reply"]) == (written, "operator",
                                                                             "Dạ, em là Lan, em nghe đây ạ.")
        ws.send(json.dumps({"text": "tôi cần hỏi về sổ đỏ"}))  # for the operator now: nothing to show
        quiet = frames_until(ws, "reply")[-1]
        assert quiet["reply"] == "" and quiet["handoff"] is True
    later = store.operator_reply("web:" + SESSION, "Anh/chị mang theo giấy tờ nhà đất nhé.", operator="lan")
    store.close_handoff("web:" + SESSION, operator="lan")
    with connect(ws_url(base, after=written), open_timeout=10) as ws:
        frames = frames_until(ws, "ready")
    missed = [f for f in frames if f["type"] == "message"]
    assert [f["message_id"] for f in missed][0] == later and [f["sender"] for f in missed] == ["operator", "system"]
    polled = httpx.get(f"{base}/api/chat/messages", params={"session_id": SESSION, "after": written}).json()
    assert [m["message_id"] for m in polled["messages"]] == [f["message_id"] for f in missed]
    assert httpx.get(f"{base}/api/chat/messages", params={"session_id": SESSION, "after": "x"}).status_code == 422


def test_a_socket_without_a_valid_session_id_gets_a_new_one(base: str) -> None:
    with connect(base.replace("http://", "ws://") + "/ws/chat?session_id=%3Cscript%3E", open_timeout=10) as ws:
        hello = frames_until(ws, "ready")[0]
    assert hello["type"] == "hello" and hello["session_id"] != "<script>" and len(hello["session_id"]) >= 16


def test_fifty_sessions_at_once_each_answered_once_in_order(base: str, database: Database) -> None:
    """A bounded smoke of the concurrency bench/chat.py measures: 50 sessions x 4 turns over HTTP."""
    def session(number: int) -> list[str]:
        with httpx.Client(base_url=base, timeout=60) as http:
            return [http.post("/api/chat", json={"session_id": f"load-session-{number:03d}", "text": f"câu {i}"})
                    .json()["reply"][:2] for i in range(4)]

    started = time.monotonic()
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(session, range(50)))
    assert time.monotonic() - started < 300  # bounded, not a speed test
    assert all(a == ["#1", "#2", "#3", "#4"] for a in answers)
    store = ConversationStore(database)
    for number in (0, 17, 49):
        stored = store.transcript(f"web:load-session-{number:03d}")
        assert [m.text for m in stored if m.direction == "in"] == [f"câu {i}" for i in range(4)]
