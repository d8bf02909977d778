"""The operators' desk over HTTP and WebSocket on a real server: accounts from the CLI, sign-in with CSRF
and throttling, the live list, replies that reach the citizen's socket, closing, corrections, the hotline's calls."""

from __future__ import annotations

import json
import re
from contextlib import closing
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from chat_support import make_app, serve
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from core.accounts import Accounts, StaffSettings
from core.storage import Database
from dialogue.conversations import ConversationStore
from dialogue.tables import FeedbackRow
from knowledge.records import Procedure
from knowledge.tables import ProcedureRow
from voice.store import CallStore

PASSWORD = "mật khẩu của Lan 2026"
CITIZEN = "citizen-session-01"


@pytest.fixture
def base(database: Database, tmp_path: Path) -> Iterator[str]:
    accounts = Accounts(database)
    accounts.add_user("lan", PASSWORD, role="operator")
    accounts.add_user("minh", PASSWORD, role="verifier")
    with database.session() as s:
        s.add(ProcedureRow(code="1.001193", name="Thủ tục đăng ký khai sinh", source_hash="test",
                           data=Procedure(code="1.001193", name="Thủ tục đăng ký khai sinh").model_dump(mode="json")))
    with serve(make_app(database, tmp_path, staff=StaffSettings(login_max_failures_per_name=3))) as url:
        yield url


def sign_in(base: str, name: str = "lan", password: str = PASSWORD) -> tuple[httpx.Client, str]:
    """A client signed in as ``name`` and the page's CSRF token."""
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/staff/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    signed = client.post("/staff/login", data={"name": name, "password": password, "csrf": csrf})
    assert signed.status_code == 303 and signed.headers["location"] == "/staff", signed.text
    page = client.get("/staff")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    return client, token.group(1) if token else ""


def ask(base: str, text: str, session_id: str = CITIZEN) -> dict:
    return httpx.post(f"{base}/api/chat", json={"session_id": session_id, "text": text}, timeout=30).json()


def ws(base: str, path: str, **headers: str):  # type: ignore[no-untyped-def]
    return connect(base.replace("http://", "ws://") + path, open_timeout=10, additional_headers=headers)


def next_frame(socket, kind: str) -> dict:  # type: ignore[no-untyped-def]
    for _ in range(50):
        frame = json.loads(socket.recv(timeout=10))
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


# -- accounts from the command line -------------------------------------------------------------


def test_users_add_reads_the_password_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from hueai.cli import app
    from hueai.settings import get_settings

    monkeypatch.setenv("HUEAI_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    runner = CliRunner()

    def hueai(*args: str, stdin: str = "") -> tuple[int, str]:
        result = runner.invoke(app, list(args), input=stdin)
        return result.exit_code, result.output

    try:
        code, out = hueai("users", "add", "lan", "--role", "operator", stdin=PASSWORD + "\n")
        assert code == 2 and "hueai db upgrade" in out
        assert hueai("db", "upgrade")[0] == 0
        code, out = hueai("users", "add", "Lan", "--role", "operator", stdin=PASSWORD + "\n")
        assert code == 0 and "added lan (operator)" in out, out
        for args, stdin, reason in ((("lan", "--role", "admin"), PASSWORD, "exists"),
                                    (("minh", "--role", "operator"), "ngắn", "at least 10"),
                                    (("minh", "--role", "operator"), "", "no password"),
                                    (("minh", "--role", "boss"), PASSWORD, "")):
            code, out = hueai("users", "add", *args, stdin=stdin + ("\n" if stdin else ""))
            assert code == 2 and reason in out, out
        assert hueai("users", "list")[1].split() == ["lan", "operator", "active"]
        assert hueai("users", "disable", "lan")[0] == 0
        assert hueai("users", "list")[1].split() == ["lan", "operator", "disabled"]
        assert hueai("users", "disable", "nobody")[0] == 2
    finally:
        get_settings.cache_clear()
    assert PASSWORD.encode() not in (tmp_path / "hueai.sqlite3").read_bytes()


# -- signing in ---------------------------------------------------------------------------------


def test_sign_in_sets_a_strict_httponly_session_cookie(base: str) -> None:
    with httpx.Client(base_url=base) as client:
        first = client.get("/staff")
        assert first.status_code == 303 and first.headers["location"] == "/staff/login"
        form = client.get("/staff/login")
        assert form.status_code == 200 and "Đăng nhập" in form.text
        assert form.headers["content-security-policy"].startswith("default-src 'self'")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        signed = client.post("/staff/login", data={"name": "lan", "password": PASSWORD, "csrf": csrf})
    cookie = signed.headers["set-cookie"]
    assert signed.status_code == 303 and "hueai_staff=" in cookie
    for flag in ("HttpOnly", "Path=/staff", "SameSite=strict"):
        assert flag.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http on loopback


def test_sign_in_needs_the_forms_csrf_token(base: str) -> None:
    with httpx.Client(base_url=base) as client:
        client.get("/staff/login")
        forged = client.post("/staff/login", data={"name": "lan", "password": PASSWORD, "csrf": "guess"})
        assert forged.status_code == 403 and "hueai_staff" not in forged.headers.get("set-cookie", "")
    no_cookie = httpx.post(f"{base}/staff/login", data={"name": "lan", "password": PASSWORD, "csrf": "x"})
    assert no_cookie.status_code == 403


def test_wrong_passwords_are_refused_then_throttled(base: str) -> None:
    with httpx.Client(base_url=base) as client:
        for _ in range(3):
            form = client.get("/staff/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
            wrong = client.post("/staff/login", data={"name": "lan", "password": "sai mật khẩu", "csrf": csrf})
            assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
        form = client.get("/staff/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        throttled = client.post("/staff/login", data={"name": "lan", "password": PASSWORD, "csrf": csrf})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
    assert "quá nhiều lần" in throttled.text


def test_a_verifier_may_sign_in_but_not_use_the_desk(base: str) -> None:
    client, token = sign_in(base, "minh")
    with closing(client):
        assert client.get("/staff").status_code == 403 and token == ""
        assert client.get("/staff/api/handoffs").status_code == 403


def test_secure_cookies_when_configured(database: Database, tmp_path: Path) -> None:
    Accounts(database).add_user("lan", PASSWORD, role="admin")
    with serve(make_app(database, tmp_path, staff=StaffSettings(cookie_secure=True))) as base:
        with httpx.Client(base_url=base) as client:
            form = client.get("/staff/login")
            assert "secure" in form.headers["set-cookie"].lower()
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
            client.cookies.set("hueai_login", csrf)
            signed = client.post("/staff/login", data={"name": "lan", "password": PASSWORD, "csrf": csrf})
    assert signed.status_code == 303 and "secure" in signed.headers["set-cookie"].lower()


# -- the desk -----------------------------------------------------------------------------------


def test_handed_over_conversations_are_listed_as_text(base: str) -> None:
    ask(base, "cho tôi gặp nhân viên <script>alert(1)</script>")
    ask(base, "đăng ký khai sinh", session_id="not-handed-over-1")
    client, csrf = sign_in(base)
    with closing(client):
        page = client.get("/staff")
        assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
        assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert f'data-session="web:{CITIZEN}"' in page.text and "not-handed-over-1" not in page.text
        listed = client.get("/staff/api/handoffs").json()
        assert [(h["session_id"], h["state"], h["reason"], h["channel"]) for h in listed] == [
            (f"web:{CITIZEN}", "waiting", "request_human", "web")]
        transcript = client.get(f"/staff/api/conversations/web:{CITIZEN}").json()["messages"]
        assert [m["sender"] for m in transcript] == ["citizen", "assistant"]
        assert client.get("/staff/api/conversations/web:nobody").status_code == 404
    assert httpx.get(f"{base}/staff/api/handoffs").status_code == 401


def test_writes_need_the_csrf_token_and_this_origin(base: str, database: Database) -> None:
    ask(base, "cho tôi gặp nhân viên")
    client, csrf = sign_in(base)
    url = f"/staff/api/conversations/web:{CITIZEN}/reply"
    with closing(client):
        assert client.post(url, json={"text": "chào anh"}).status_code == 403
        assert client.post(url, json={"text": "chào anh"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
        cross = client.post(url, json={"text": "chào anh"}, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
        assert cross.status_code == 403
        assert client.post(url, json={"text": "  "}, headers={"X-CSRF-Token": csrf}).status_code == 422
        assert client.post(url, content=b"{oops", headers={"X-CSRF-Token": csrf}).status_code == 400
    assert [m.sender for m in ConversationStore(database).transcript(f"web:{CITIZEN}")] == ["citizen", "assistant"]


def test_an_operator_reply_reaches_the_citizens_socket_and_closing_returns_to_the_assistant(
        base: str, database: Database) -> None:
    client, csrf = sign_in(base)
    with closing(client), ws(base, f"/ws/chat?session_id={CITIZEN}") as citizen:
        next_frame(citizen, "ready")
        citizen.send(json.dumps({"text": "tôi muốn gặp nhân viên"}))
        assert next_frame(citizen, "reply")["handoff"] is True
        sent = client.post(f"/staff/api/conversations/web:{CITIZEN}/reply", json={"text": "Dạ, em là Lan <b>đây</b>."},
                           headers={"X-CSRF-Token": csrf, "Origin": base})
        assert sent.status_code == 200 and sent.json()["delivered"] is True
        pushed = next_frame(citizen, "message")
        assert (pushed["sender"], pushed["reply"], pushed["message_id"]) == (
            "operator", "Dạ, em là Lan <b>đây</b>.", sent.json()["message_id"])
        citizen.send(json.dumps({"text": "em ơi cho hỏi lệ phí"}))
        assert next_frame(citizen, "reply")["reply"] == ""  # the operator answers, not the assistant
        listed = client.get("/staff/api/handoffs").json()
        assert listed[0]["state"] == "active" and listed[0]["operator"] == "lan"
        assert listed[0]["last_text"] == "em ơi cho hỏi lệ phí"
        closed = client.post(f"/staff/api/conversations/web:{CITIZEN}/close", headers={"X-CSRF-Token": csrf})
        assert closed.json() == {"closed": True}
        assert next_frame(citizen, "message")["sender"] == "system"
        assert next_frame(citizen, "handoff") == {"type": "handoff", "active": False}
        citizen.send(json.dumps({"text": "lệ phí khai sinh"}))
        back = next_frame(citizen, "reply")
        assert back["reply"].startswith("#") and back["handoff"] is False
        assert client.get("/staff/api/handoffs").json() == []
    senders = [m.sender for m in ConversationStore(database).transcript(f"web:{CITIZEN}")]
    assert senders == ["citizen", "assistant", "operator", "citizen", "system", "citizen", "assistant"]


def test_an_operator_corrects_a_wrong_answer_with_the_right_procedure(base: str, database: Database) -> None:
    answer = ask(base, "làm giấy khai sinh cho con")
    client, csrf = sign_in(base)
    url = f"/staff/api/conversations/web:{CITIZEN}/messages/{answer['message_id']}/correction"
    headers = {"X-CSRF-Token": csrf}
    with closing(client):
        assert client.get("/staff/api/procedures", params={"q": "1.001193"}).json()["results"] == [
            {"code": "1.001193", "name": "Thủ tục đăng ký khai sinh"}]
        unknown = client.post(url, json={"correct_code": "9.999999"}, headers=headers)
        assert unknown.status_code == 422 and "9.999999" in unknown.json()["detail"]
        assert client.post(url, json={}, headers=headers).status_code == 422
        elsewhere = f"/staff/api/conversations/web:other-session-9/messages/{answer['message_id']}/correction"
        assert client.post(elsewhere, json={"correct_code": "1.001193"}, headers=headers).status_code == 404
        saved = client.post(url, json={"correct_code": "1.001193", "comment": "đúng ra là khai sinh"}, headers=headers)
        assert saved.status_code == 200 and saved.json()["name"] == "Thủ tục đăng ký khai sinh"
    with database.session() as s:
        row = s.scalars(select(FeedbackRow)).one()
    assert (row.helpful, row.correct_code, row.given_by, row.operator, row.question) == (
        False, "1.001193", "operator", "lan", "làm giấy khai sinh cho con")


def test_the_desk_socket_lists_handoffs_live_for_signed_in_operators_only(base: str) -> None:
    client, _ = sign_in(base)
    cookie = f"hueai_staff={client.cookies.get('hueai_staff')}"
    with pytest.raises(InvalidStatus):
        ws(base, "/staff/ws", Cookie=cookie, Origin="https://evil.example").__enter__()
    with ws(base, "/staff/ws", Origin=base) as anonymous:
        with pytest.raises(ConnectionClosed) as closed:
            anonymous.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    with closing(client), ws(base, "/staff/ws", Cookie=cookie, Origin=base) as desk:
        assert next_frame(desk, "handoffs")["items"] == []
        ask(base, "cho tôi gặp nhân viên")
        changed = next_frame(desk, "handoffs")
        assert [i["session_id"] for i in changed["items"]] == [f"web:{CITIZEN}"]
        page = client.get("/staff").text
        client.post("/staff/logout", data={"csrf": re.search(r'csrf-token" content="([^"]+)"', page).group(1)})  # type: ignore[union-attr]
        assert client.get("/staff").status_code == 303  # signed out: back to the sign-in page


# -- the hotline's calls ------------------------------------------------------------------------

TRANSFERRED, IN_PROGRESS = "1712345678.1", "1712345678.2"


def zoned(iso: str) -> bool:
    """Whether a time says its zone (the page would read a bare one as the browser's local time)."""
    return datetime.fromisoformat(iso).utcoffset() is not None


def test_signed_in_operators_see_the_hotlines_calls_with_masked_numbers(base: str, database: Database) -> None:
    calls = CallStore(database)
    calls.start(TRANSFERRED, session_id=f"voice-{TRANSFERRED}", caller="0905123456", mode="speech",
                media_format="slin16")
    calls.add_turn(TRANSFERRED, index=1, source="system", reply="Xin chào, đây là trợ lý tự động.")
    calls.add_turn(TRANSFERRED, index=2, source="speech", transcript="cho tôi gặp nhân viên",
                   reply="Dạ, em chuyển máy cho nhân viên.", intent="request_human", action="handoff",
                   latency_ms={"end_of_turn": 420.0, "asr": 180.5, "total": 900.0, "overhead": 40.0})
    calls.end(TRANSFERRED, reason="transferred", transfer_reason="request_human")
    calls.start(IN_PROGRESS, session_id=f"voice-{IN_PROGRESS}", caller="+84 234 3822 111", mode="dtmf",
                media_format="ulaw")
    for path in ("/staff/api/calls", f"/staff/api/calls/{TRANSFERRED}"):
        assert httpx.get(base + path).status_code == 401
    client, _ = sign_in(base)
    with closing(client):
        assert 'id="tab-calls"' in client.get("/staff").text
        response = client.get("/staff/api/calls")
        assert response.headers["cache-control"] == "no-store"
        # Not the timestamps: "…T11:37:20.382218Z" once held "3822" by chance.
        without_times = re.sub(r'"\w+_at":"[^"]*"', "", response.text)
        assert "0905123456" not in without_times and "3822" not in without_times
        listed = response.json()
        assert [(c["id"], c["caller"], c["mode"], c["ended_at"], c["transfer_reason"], c["turns"]) for c in listed] == [
            (IN_PROGRESS, "84********11", "dtmf", None, None, 0),
            (TRANSFERRED, "09******56", "speech", listed[1]["ended_at"], "request_human", 2)]
        assert all(zoned(c["started_at"]) for c in listed) and zoned(listed[1]["ended_at"])
        assert [c["id"] for c in client.get("/staff/api/calls", params={"transferred": "true"}).json()] == [TRANSFERRED]
        assert [c["id"] for c in client.get("/staff/api/calls", params={"transferred": "false"}).json()] == [IN_PROGRESS]
        older = client.get("/staff/api/calls", params={"before": listed[0]["started_at"]}).json()
        assert [c["id"] for c in older] == [TRANSFERRED]
        assert [c["id"] for c in client.get("/staff/api/calls", params={"limit": 1}).json()] == [IN_PROGRESS]
        assert client.get("/staff/api/calls", params={"before": "hôm qua"}).status_code == 422
        detail = client.get(f"/staff/api/calls/{TRANSFERRED}").json()
        assert (detail["caller"], detail["end_reason"], detail["transfer_reason"]) == (
            "09******56", "transferred", "request_human")
        assert [(t["index"], t["source"], t["transcript"], t["intent"]) for t in detail["transcript"]] == [
            (1, "system", None, None), (2, "speech", "cho tôi gặp nhân viên", "request_human")]
        assert detail["transcript"][1]["latency_ms"]["asr"] == 180.5
        assert zoned(detail["transcript"][1]["at"])
        missing = client.get("/staff/api/calls/1712345678.9")
        assert missing.status_code == 404 and missing.json()["detail"] == "Không có cuộc gọi này."
    verifier, _ = sign_in(base, "minh")
    with closing(verifier):
        assert verifier.get("/staff/api/calls").status_code == 403
