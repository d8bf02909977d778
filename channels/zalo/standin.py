"""A local stand-in for Zalo's OpenAPI and OAuth hosts, and a client that sends Zalo's signed webhook events.

Point ``HUEAI_ZALO_API_BASE`` and ``HUEAI_ZALO_OAUTH_BASE`` at it (one server plays both hosts)::

    python -m channels.zalo.standin --port 8900 --app-id 1234 --app-secret s3cret
    HUEAI_ZALO_API_BASE=http://127.0.0.1:8900 HUEAI_ZALO_OAUTH_BASE=http://127.0.0.1:8900 hueai serve

It follows the published contract; what it does not model (billing, quotas per package, other
message types) it does not pretend to. Tests and the benchmark drive it in-process
(:class:`StandIn`) and inject faults: 500s, hanging calls (before or after the message is
recorded, i.e. a timeout that did or did not deliver), rate limits, expired access tokens.

**The contract, endpoint by endpoint** (as the sources below state it):

``POST /v3.0/oa/message/cs`` (consultation message)
    Header ``access_token: <OA access token>`` (a bare header; no ``Authorization``). JSON body
    ``{"recipient": {"user_id": "<id>"}, "message": {"text": "...", "attachment": {"type":
    "template", "payload": {"buttons": [{"title", "type", "payload"}]}}}}``; ``text`` at most
    2,000 characters; at most 5 buttons, ``title`` at most 100 characters, types ``oa.open.url``
    (payload ``{"url"}``), ``oa.query.show``/``oa.query.hide`` (payload a string of at most
    1,000 characters), ``oa.open.sms``, ``oa.open.phone``. Answer: HTTP 200 with
    ``{"data": {"message_id": "...", "user_id": "...", "quota": {...}}, "error": 0,
    "message": "Success"}``; errors also come with HTTP 200: ``{"error": <code>, "message": ...}``.
``GET /v2.0/oa/conversation?data={"user_id","offset","count"}``
    Header ``access_token``; ``count`` at most 10. ``data`` is a list, newest first, of
    ``{"src": 0|1, "time": <ms>, "type": "text", "message": "...", "message_id", "from_id",
    "to_id"}`` (``src`` 0: sent by the OA; 1: by the user).
``POST /v4/oa/access_token`` (OAuth v4, the OAuth host)
    Header ``secret_key: <app secret>``; form ``refresh_token``, ``app_id``,
    ``grant_type=refresh_token``. Answer ``{"access_token", "refresh_token", "expires_in":
    "90000", "refresh_token_expires_in": "7776000"}`` (strings): the access token lives 25
    hours, the refresh token 3 months and **once**: it is dead after this call. Errors (HTTP
    200): ``{"error": -14xxx, "error_name", "error_description", "error_reason", "ref_doc"}``:
    -14002 invalid app id, -14004 invalid secret key, -14014 invalid refresh token, -14018
    invalid grant type.
Webhook events (sent by :class:`EventSender` to ``POST /webhooks/zalo``)
    JSON with string ids and a string ``timestamp`` in milliseconds; header
    ``X-ZEvent-Signature: mac=<sha256 hex of app_id + body + timestamp + OA secret key>``
    (a plain digest, not an HMAC); Zalo wants a 200 within 2 seconds and retries otherwise.

**Error codes used** (OA API error table): -216 access token invalid, -220 access token expired
or removed, -201 parameter invalid, -210 parameter exceeds its limit, -213 user has not followed
the OA, -230 user has not interacted with the OA in the past 7 days, -32 the OA reached its
limit of API calls.

**Sources.** Zalo's own pages (developers.zalo.me, rendered in the browser; the same text is
served at ``docs.zaloplatforms.com/docs/OA/...`` and ``stc-developers.zdn.vn/docs/v2/...``):
``official-account/tin-nhan/tin-tu-van/...`` (consultation messages, 2,000 characters),
``official-account/phu-luc/cau-truc-cua-tham-so-buttons`` (five buttons, 1,000-character query
payloads), ``official-account/phu-luc/ma-loi`` (error codes), ``official-account/bat-dau/
xac-thuc-va-uy-quyen-cho-ung-dung-new`` (OAuth v4: ``secret_key`` header, form fields,
``expires_in`` "90000", single-use refresh tokens valid 3 months), the webhook pages
(``X-ZEvent-Signature``, 2-second answer, retries at 30 s, 5, 15, 30 min, 1 h, event payloads
for ``user_send_text``/``image``/``location``, ``follow``/``unfollow``). They were read through
public material that quotes them: a Zalo integration specification compiled from those pages in
a public GitHub repository (its §§4–5 on OAuth and the OA API, §13 on webhooks, §14 on error
codes), articles at hainh.me ("Zalo API – PHP webhook") on the signature's four parts and the
OA (not app) secret key, hexasync.vn on refreshing with ``secret_key``/``grant_type``/25 hours,
the button-type guide of the ``@warriorteam/redai-zalo-sdk`` package (title 100, payload 1,000
characters), and integration tests of public projects recording Zalo's live OAuth error bodies
(``-14014 "Invalid refresh token."``). Where they disagree (some community code puts the OA id
first in the signature), the published order above is followed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from channels.zalo.signature import header_value

MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_TITLE = 100
MAX_QUERY_PAYLOAD = 1000
BUTTON_TYPES = frozenset({"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.sms", "oa.open.phone"})
ACCESS_SECONDS = 90000
REFRESH_SECONDS = 90 * 86400
WINDOW_MS = 7 * 86400 * 1000


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message})


def _oauth_error(code: int, name: str, description: str = "") -> JSONResponse:
    return JSONResponse({"error": code, "error_name": name, "error_description": description, "error_reason": "",
                         "ref_doc": "https://developers.zalo.me/docs/official-account/bat-dau/"
                                    "xac-thuc-va-uy-quyen-cho-ung-dung-new"})


def _message_id() -> str:
    return secrets.token_hex(10)


@dataclass
class Delivered:
    """A message the OA sent, as the stand-in recorded it."""

    message_id: str
    user_id: str
    text: str
    buttons: list[dict[str, Any]]
    time_ms: int
    received_at: float  # time.monotonic() when recorded (for the benchmark)


@dataclass
class Fault:
    """What the next calls to the OpenAPI host meet: ``error500``, ``hang_before`` (no answer, nothing
    recorded), ``hang_after`` (recorded, then no answer), ``rate_limit`` (-32). For ``count`` calls (None:
    every call) until ``until`` (a ``time.monotonic()``; None: no end)."""

    mode: str
    count: int | None = None
    until: float | None = None
    hang_seconds: float = 30.0


@dataclass
class User:
    followed: bool = True
    last_interaction_ms: int | None = None  # None: interacted just now


@dataclass
class Stats:
    send_calls: int = 0
    conversation_calls: int = 0
    refresh_calls: int = 0
    refreshes: int = 0
    errors: dict[int, int] = field(default_factory=dict)


class StandIn:
    """The stand-in's state and its ASGI app (:attr:`app`). Thread-safe; tests read and change it directly."""

    def __init__(self, *, app_id: str = "1234567890", app_secret: str = "app-secret", oa_id: str = "388613280878808645"
                 ) -> None:
        self.app_id, self.app_secret, self.oa_id = app_id, app_secret, oa_id
        self.lock = threading.Lock()
        self.access: dict[str, float] = {}  # access token -> expiry (time.time())
        self.refresh: set[str] = set()  # unused refresh tokens
        self.delivered: list[Delivered] = []
        self.users: dict[str, User] = {}
        self.faults: list[Fault] = []
        self.stats = Stats()
        self.app = self._build()

    # -- what tests do ---------------------------------------------------------------------------------
    def issue_tokens(self, *, access_seconds: float = ACCESS_SECONDS) -> tuple[str, str]:
        """A fresh pair, as if an administrator had just authorised the app for the OA."""
        with self.lock:
            access, refresh = "AT-" + secrets.token_urlsafe(24), "RT-" + secrets.token_urlsafe(24)
            self.access[access] = time.time() + access_seconds
            self.refresh.add(refresh)
            return access, refresh

    def expire_access_tokens(self) -> None:
        """Every access token issued so far expires now (Zalo then answers -220)."""
        with self.lock:
            for token in self.access:
                self.access[token] = 0.0

    def add_fault(self, mode: str, *, count: int | None = None, seconds: float | None = None,
                  hang_seconds: float = 30.0) -> None:
        with self.lock:
            self.faults.append(Fault(mode, count, time.monotonic() + seconds if seconds is not None else None,
                                     hang_seconds))

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def set_user(self, user_id: str, *, followed: bool = True, last_interaction_ms: int | None = None) -> None:
        with self.lock:
            self.users[user_id] = User(followed, last_interaction_ms)

    def messages(self, user_id: str | None = None) -> list[Delivered]:
        with self.lock:
            return [m for m in self.delivered if user_id is None or m.user_id == user_id]

    # -- faults --------------------------------------------------------------------------------------------
    def _fault(self) -> Fault | None:
        with self.lock:
            now = time.monotonic()
            self.faults = [f for f in self.faults if (f.count is None or f.count > 0) and (f.until is None
                                                                                             or f.until > now)]
            if not self.faults:
                return None
            fault = self.faults[0]
            if fault.count is not None:
                fault.count -= 1
            return fault

    def _count_error(self, code: int) -> None:
        self.stats.errors[code] = self.stats.errors.get(code, 0) + 1

    # -- the app ---------------------------------------------------------------------------------------------
    def _build(self) -> FastAPI:
        app = FastAPI(title="Zalo stand-in", docs_url=None, redoc_url=None, openapi_url=None)

        @app.post("/v3.0/oa/message/cs")
        async def send(request: Request) -> JSONResponse:
            with self.lock:
                self.stats.send_calls += 1
            fault = self._fault()
            if fault is not None and fault.mode == "error500":
                return JSONResponse({"error": -1, "message": "Internal Server Error"}, status_code=500)
            if fault is not None and fault.mode == "hang_before":
                await asyncio.sleep(fault.hang_seconds)
                return _error(-200, "Send message failed")
            if fault is not None and fault.mode == "rate_limit":
                return _error(-32, "Your OA reached limit call api")
            problem = self._token_problem(request.headers.get("access_token"))
            if problem is not None:
                return problem
            try:
                body = json.loads(await request.body())
            except ValueError:
                return _error(-201, "body is invalid!")
            checked = self._check_message(body)
            if isinstance(checked, JSONResponse):
                return checked
            user_id, text, buttons = checked
            user = self.users.get(user_id, User())
            if not user.followed:
                return _error(-213, "User has not followed OA")
            now_ms = int(time.time() * 1000)
            if user.last_interaction_ms is not None and now_ms - user.last_interaction_ms > WINDOW_MS:
                return _error(-230, "User has not interacted with the OA in the past 7 days")
            delivered = Delivered(_message_id(), user_id, text, buttons, now_ms, time.monotonic())
            with self.lock:
                self.delivered.append(delivered)
            if fault is not None and fault.mode == "hang_after":
                await asyncio.sleep(fault.hang_seconds)
            return JSONResponse({"data": {"message_id": delivered.message_id, "user_id": user_id,
                                          "quota": {"quota_type": "reply", "remain": "7", "total": "8"}},
                                 "error": 0, "message": "Success"})

        @app.get("/v2.0/oa/conversation")
        async def conversation(request: Request) -> JSONResponse:
            with self.lock:
                self.stats.conversation_calls += 1
            problem = self._token_problem(request.headers.get("access_token"))
            if problem is not None:
                return problem
            try:
                data = json.loads(request.query_params.get("data", ""))
                user_id, offset, count = str(data["user_id"]), int(data.get("offset", 0)), int(data.get("count", 5))
            except (ValueError, KeyError, TypeError):
                return _error(-201, "data is invalid!")
            if count > 10 or count < 1 or offset < 0:
                return _error(-210, "Parameter exceeds allowable limit")
            with self.lock:
                mine = [m for m in self.delivered if m.user_id == user_id]
            page = list(reversed(mine))[offset:offset + count]
            return JSONResponse({"data": [{"src": 0, "time": m.time_ms, "type": "text", "message": m.text,
                                           "message_id": m.message_id, "from_id": self.oa_id, "to_id": user_id}
                                          for m in page], "error": 0, "message": "Success"})

        @app.post("/v4/oa/access_token")
        async def access_token(request: Request) -> JSONResponse:
            with self.lock:
                self.stats.refresh_calls += 1
            # application/x-www-form-urlencoded, read by hand (no multipart parser needed)
            form = {key: values[0] for key, values in parse_qs((await request.body()).decode("utf-8", "replace"),
                                                                keep_blank_values=True).items()}
            if str(form.get("app_id", "")) != self.app_id:
                return _oauth_error(-14002, "Invalid appId")
            if request.headers.get("secret_key") != self.app_secret:
                return _oauth_error(-14004, "Invalid secret key")
            if form.get("grant_type") != "refresh_token":
                return _oauth_error(-14018, "Invalid grant type")
            with self.lock:
                old = str(form.get("refresh_token", ""))
                if old not in self.refresh:
                    return _oauth_error(-14014, "Invalid refresh token.", "Refresh token is invalid")
                self.refresh.discard(old)  # single use
                access, refresh = "AT-" + secrets.token_urlsafe(24), "RT-" + secrets.token_urlsafe(24)
                self.access[access] = time.time() + ACCESS_SECONDS
                self.refresh.add(refresh)
                self.stats.refreshes += 1
            return JSONResponse({"access_token": access, "refresh_token": refresh, "expires_in": str(ACCESS_SECONDS),
                                 "refresh_token_expires_in": str(REFRESH_SECONDS)})

        # -- control, for manual runs (tests change the object directly) --------------------------------
        @app.post("/_standin/tokens")
        async def new_tokens() -> JSONResponse:
            access, refresh = self.issue_tokens()
            return JSONResponse({"access_token": access, "refresh_token": refresh})

        @app.post("/_standin/expire")
        async def expire() -> JSONResponse:
            self.expire_access_tokens()
            return JSONResponse({"ok": True})

        @app.post("/_standin/faults")
        async def faults(request: Request) -> JSONResponse:
            body = await request.json()
            self.add_fault(str(body.get("mode", "error500")), count=body.get("count"), seconds=body.get("seconds"),
                           hang_seconds=float(body.get("hang_seconds", 30.0)))
            return JSONResponse({"ok": True})

        @app.get("/_standin/messages")
        async def messages() -> JSONResponse:
            return JSONResponse([{"message_id": m.message_id, "user_id": m.user_id, "text": m.text,
                                  "buttons": m.buttons, "time": m.time_ms} for m in self.messages()])

        return app

    def _token_problem(self, token: str | None) -> JSONResponse | None:
        with self.lock:
            expiry = self.access.get(token or "")
            if expiry is None:
                self._count_error(-216)
                return _error(-216, "Access token is invalid")
            if expiry <= time.time():
                self._count_error(-220)
                return _error(-220, "access_token is expired or removed")
        return None

    @staticmethod
    def _check_message(body: Any) -> tuple[str, str, list[dict[str, Any]]] | JSONResponse:
        if not isinstance(body, dict):
            return _error(-201, "body is invalid!")
        recipient, message = body.get("recipient"), body.get("message")
        if not isinstance(recipient, dict) or not isinstance(recipient.get("user_id"), str) or not recipient["user_id"]:
            return _error(-201, "recipient.user_id is invalid!")
        if not isinstance(message, dict):
            return _error(-201, "message is invalid!")
        text = message.get("text")
        attachment = message.get("attachment")
        if attachment is None and (not isinstance(text, str) or not text):
            return _error(-201, "message.text is invalid!")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
            return _error(-210, "Parameter exceeds allowable limit")
        buttons: list[dict[str, Any]] = []
        if attachment is not None:
            if not isinstance(attachment, dict) or attachment.get("type") != "template":
                return _error(-233, "message type is invalid or not support")
            payload = attachment.get("payload")
            buttons = payload.get("buttons") if isinstance(payload, dict) else None  # type: ignore[assignment]
            if not isinstance(buttons, list) or not buttons:
                return _error(-201, "attachment.payload.buttons is invalid!")
            if len(buttons) > MAX_BUTTONS:
                return _error(-210, "Parameter exceeds allowable limit")
            for button in buttons:
                if not isinstance(button, dict) or button.get("type") not in BUTTON_TYPES:
                    return _error(-201, "buttons.type is invalid!")
                title = button.get("title")
                if not isinstance(title, str) or not title or len(title) > MAX_TITLE:
                    return _error(-210, "Parameter exceeds allowable limit")
                if button["type"] in ("oa.query.show", "oa.query.hide"):
                    value = button.get("payload")
                    if not isinstance(value, str) or not value or len(value) > MAX_QUERY_PAYLOAD:
                        return _error(-201, "buttons.payload is invalid!")
        return recipient["user_id"], text or "", buttons


# -- the other direction: Zalo's webhook calls ------------------------------------------------------------


class EventSender:
    """Builds Zalo's webhook events, signs them as Zalo does, and posts them to a webhook URL.

    >>> sender = EventSender("http://127.0.0.1:8000/webhooks/zalo", app_id="1234", oa_secret="oa-secret")
    >>> sender.post(sender.text("2468458835296117922", "đăng ký khai sinh"))
    """

    def __init__(self, url: str, *, app_id: str, oa_secret: str, oa_id: str = "388613280878808645",
                 client: httpx.Client | None = None) -> None:
        self.url, self.app_id, self.oa_secret, self.oa_id = url, app_id, oa_secret, oa_id
        self.client = client or httpx.Client(timeout=10)
        self._counter = 0
        self._lock = threading.Lock()

    def _timestamp(self) -> str:
        return str(int(time.time() * 1000))

    def _msg_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"{secrets.token_hex(8)}{self._counter:04x}"

    def _from_user(self, name: str, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
        return {"app_id": self.app_id, "user_id_by_app": "9" + user_id[-17:], "event_name": name,
                "timestamp": self._timestamp(), "sender": {"id": user_id}, "recipient": {"id": self.oa_id},
                "message": message}

    def text(self, user_id: str, text: str, *, msg_id: str | None = None) -> dict[str, Any]:
        return self._from_user("user_send_text", user_id, {"msg_id": msg_id or self._msg_id(), "text": text})

    def image(self, user_id: str, url: str) -> dict[str, Any]:
        return self._from_user("user_send_image", user_id, {
            "msg_id": self._msg_id(), "attachments": [{"type": "image", "payload": {"thumbnail": url, "url": url}}]})

    def location(self, user_id: str, latitude: float, longitude: float) -> dict[str, Any]:
        return self._from_user("user_send_location", user_id, {
            "msg_id": self._msg_id(), "attachments": [{"type": "location", "payload": {
                "coordinates": {"latitude": str(latitude), "longitude": str(longitude)}}}]})

    def follow(self, user_id: str, *, name: str = "follow") -> dict[str, Any]:
        return {"oa_id": self.oa_id, "follower": {"id": user_id}, "user_id_by_app": "9" + user_id[-17:],
                "event_name": name, "source": "oa_profile", "app_id": self.app_id, "timestamp": self._timestamp()}

    def unfollow(self, user_id: str) -> dict[str, Any]:
        return self.follow(user_id, name="unfollow")

    def signed(self, event: dict[str, Any], *, secret: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers Zalo would send (``secret`` to sign with another key)."""
        raw = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        signature = header_value(self.app_id, raw, str(event.get("timestamp", "")), secret or self.oa_secret)
        return raw, {"Content-Type": "application/json", "X-ZEvent-Signature": signature}

    def post(self, event: dict[str, Any]) -> httpx.Response:
        raw, headers = self.signed(event)
        return self.client.post(self.url, content=raw, headers=headers)


@contextmanager
def serving(standin: StandIn, port: int = 0) -> Iterator[str]:
    """Serve ``standin`` on a loopback port in a thread; yields its base URL."""
    import socket

    import uvicorn

    if not port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(standin.app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True, name="zalo-standin")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("the Zalo stand-in did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


def main() -> None:  # pragma: no cover - a manual tool
    parser = argparse.ArgumentParser(description="A local stand-in for Zalo's OpenAPI and OAuth hosts.")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--app-id", default="1234567890")
    parser.add_argument("--app-secret", default="app-secret")
    args = parser.parse_args()
    standin = StandIn(app_id=args.app_id, app_secret=args.app_secret)
    access, refresh = standin.issue_tokens()
    print(f"HUEAI_ZALO_API_BASE=http://127.0.0.1:{args.port} HUEAI_ZALO_OAUTH_BASE=http://127.0.0.1:{args.port}")
    print(f"HUEAI_ZALO_APP_ID={args.app_id} HUEAI_ZALO_APP_SECRET={args.app_secret}")
    print(f"HUEAI_ZALO_ACCESS_TOKEN={access} HUEAI_ZALO_REFRESH_TOKEN={refresh}")
    import uvicorn

    uvicorn.run(standin.app, host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":  # pragma: no cover
    main()
