"""The chat's HTTP and WebSocket edge under generated input (hypothesis, bounded): whatever arrives, the
answer is a JSON object with a status the interface names, never a 5xx, and the socket stays open."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from chat_support import make_app, serve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from core.storage import Database
from hueai.db import upgrade

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
SESSION = "fuzz-session-0001"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("fuzz")
    db = Database(f"sqlite:///{tmp / 'fuzz.sqlite3'}")
    upgrade(db)
    with serve(make_app(db, tmp)) as url:
        yield url
    db.dispose()


@pytest.fixture(scope="module")
def http(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


def answered(response: httpx.Response, allowed: set[int]) -> dict:
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    body = response.json()
    assert isinstance(body, dict)
    if response.status_code != 200:
        assert isinstance(body["detail"], str) and body["detail"]
    return body


@FUZZ
@given(body=st.binary(max_size=3000))
def test_any_bytes(http: httpx.Client, body: bytes) -> None:
    answered(http.post("/api/chat", content=body, headers={"content-type": "application/json"}), {200, 400, 422})


@FUZZ
@given(value=json_values)
def test_any_json(http: httpx.Client, value: object) -> None:
    body, headers = json.dumps(value).encode(), {"content-type": "application/json"}
    answered(http.post("/api/chat", content=body, headers=headers), {200, 422})
    answered(http.post("/api/chat/feedback", content=body, headers=headers), {200, 404, 422})


@FUZZ
@given(text=st.text(max_size=2500))
def test_any_text(http: httpx.Client, text: str) -> None:
    body = answered(http.post("/api/chat", json={"session_id": SESSION, "text": text}), {200, 422})
    if "message_id" in body:
        assert body["reply"].startswith("#") and body["session_id"] == SESSION


@FUZZ
@given(session_id=st.text(max_size=120), after=st.text(max_size=30))
def test_any_poll(http: httpx.Client, session_id: str, after: str) -> None:
    response = http.get("/api/chat/messages", params={"session_id": session_id, "after": after})
    assert response.status_code in {200, 422} and isinstance(response.json(), dict)


def test_any_frames_over_one_socket(base: str) -> None:
    with connect(base.replace("http://", "ws://") + f"/ws/chat?session_id={SESSION}", open_timeout=10) as ws:
        while json.loads(ws.recv(timeout=10))["type"] != "ready":
            pass

        @FUZZ
        @given(frame=st.one_of(st.text(max_size=500), json_values.map(json.dumps), st.binary(max_size=200)))
        def one_frame(frame: str | bytes) -> None:
            ws.send(frame)
            while True:  # typing frames come before a reply
                answer = json.loads(ws.recv(timeout=30))
                if answer["type"] != "typing":
                    break
            assert answer["type"] in {"reply", "error", "pong", "feedback"}, answer
            if answer["type"] == "error":
                assert answer["status"] in {400, 404, 413, 422} and answer["detail"]

        one_frame()
        ws.send(json.dumps({"text": "còn sống không"}))
        while (answer := json.loads(ws.recv(timeout=30)))["type"] == "typing":
            pass
        assert answer["type"] == "reply"
