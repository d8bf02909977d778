"""The operators' desk (``/staff``): sign-in, the live list of handed-over conversations, replies.

==========================================================  ==========================================
route                                                       does
==========================================================  ==========================================
``GET /staff/login``, ``POST /staff/login``                 the sign-in form (double-submit CSRF cookie)
``POST /staff/logout``                                      sign out (the session's CSRF token)
``GET /staff``                                              the desk page (operators and admins)
``GET /staff/api/handoffs``                                 handed-over conversations, JSON
``GET /staff/api/conversations/{id}``                       a conversation's transcript
``POST /staff/api/conversations/{id}/reply``                ``{"text"}``: answer the citizen
``POST /staff/api/conversations/{id}/close``                give the conversation back to the assistant
``POST /staff/api/conversations/{id}/messages/{mid}/correction``  ``{"correct_code","comment"?}``
``GET /staff/api/procedures?q=``                            procedures to pick the right one from
``GET /staff/api/calls?before=&transferred=&limit=``        hotline calls, newest first (``voice.store``)
``GET /staff/api/calls/{id}``                               a call with its turns
``GET /staff/ws``                                           live list updates (WebSocket)
==========================================================  ==========================================

**Sessions.** A successful sign-in (:class:`core.accounts.Accounts`) sets the
``hueai_staff`` cookie: HttpOnly, ``SameSite=Strict``, path ``/staff``, and
``Secure`` when the request came over https (or ``HUEAI_STAFF_COOKIE_SECURE``).
**CSRF.** Every state-changing request carries the session's token (the
``X-CSRF-Token`` header from the page's ``<meta name="csrf-token">``, or a
``csrf`` form field) and, when the browser sends one, an ``Origin`` of this
host; the sign-in form, which has no session yet, uses a double-submit cookie.
The WebSocket checks the cookie and the ``Origin``. **Throttling** of sign-ins
is the accounts' own (per name and per address, in the database).
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Path, Query, Request, WebSocket
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from channels.desk import OperatorDesk, UnknownConversation, UnknownMessage
from channels.desk.delivery import Deliveries
from channels.desk.pages import STATIC, desk_page, login_page, message_page
from channels.web import ChatError
from channels.web.hub import Hub
from channels.web.service import read_json
from channels.web.text import clean_text
from core.accounts import Accounts, InvalidCredentials, SignInThrottled, StaffSession
from core.aio import until_first_returns
from hueai.api.bodies import BodyTooLarge, read_bounded
from hueai.api.chat import client_ip, web_chat_of
from knowledge.store import get_procedure
from voice.store import CallStore, CallSummary

router = APIRouter(prefix="/staff", tags=["staff"])
SESSION_COOKIE = "hueai_staff"
LOGIN_COOKIE = "hueai_login"
MAX_FORM_BYTES = 8 * 1024
MAX_REPLY_CHARS = 2000
PROCEDURE_CODE = re.compile(r"^[0-9]\.[0-9]{6}$")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
DESK_ROLES = ("operator",)  # and admins, who hold every role


@dataclass
class StaffDesk:
    """What the staff routes work with, one per app (tests may put their own in ``app.state.staff_desk``)."""

    accounts: Accounts
    desk: OperatorDesk
    deliveries: Deliveries
    hub: Hub
    poll_seconds: float
    calls: CallStore


def staff_desk_of(app: Any) -> StaffDesk:
    found = getattr(app.state, "staff_desk", None)
    if found is None:
        runtime = app.state.runtime
        chat = web_chat_of(app)
        deliveries = Deliveries()
        deliveries.register("web", chat.deliver)
        found = StaffDesk(accounts=Accounts(runtime.db, runtime.settings.staff), desk=chat.desk, deliveries=deliveries,
                          hub=chat.hub, poll_seconds=max(chat.settings.poll_seconds, 0.05),
                          calls=CallStore(runtime.db))
        app.state.staff_desk = found
    return found


async def get_staff_desk(request: Request) -> StaffDesk:
    return staff_desk_of(request.app)


Desk = Annotated[StaffDesk, Depends(get_staff_desk)]


# -- cookies, CSRF, who is asking ---------------------------------------------------------------


def _secure(request: Request, desk: StaffDesk) -> bool:
    configured = desk.accounts.settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


def _set_cookie(response: Response, request: Request, desk: StaffDesk, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/staff", httponly=True, samesite="strict",
                        secure=_secure(request, desk))


def _same_origin(origin: str | None, host: str | None) -> bool:
    """Whether a browser's ``Origin`` names this host (no ``Origin``: not a cross-site browser request)."""
    if origin is None:
        return True
    return bool(host) and urlsplit(origin).netloc == host


def _html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


async def _session(request: Request | WebSocket, desk: StaffDesk) -> StaffSession | None:
    return await run_in_threadpool(desk.accounts.session, request.cookies.get(SESSION_COOKIE))


class StaffRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


async def _operator(request: Request, desk: StaffDesk, *, writing: bool) -> StaffSession:
    """The signed-in operator (401, 403), and for a write a valid CSRF token and origin (403)."""
    session = await _session(request, desk)
    if session is None:
        raise StaffRefused(401, "Phiên đăng nhập đã hết; vui lòng đăng nhập lại.")
    if not session.user.may(*DESK_ROLES):
        raise StaffRefused(403, "Tài khoản này không có quyền dùng bàn hỗ trợ.")
    if writing:
        token = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(token.encode(), session.csrf_token.encode()) or not _same_origin(
                request.headers.get("origin"), request.headers.get("host")):
            raise StaffRefused(403, "Yêu cầu không hợp lệ (CSRF); vui lòng tải lại trang.")
    return session


def _refused(exc: StaffRefused | ChatError) -> JSONResponse:
    detail = exc.detail
    return JSONResponse({"detail": detail}, status_code=exc.status, headers={"Cache-Control": "no-store"})


async def _bounded_body(request: Request) -> bytes:
    """The request's body, read no further than :data:`MAX_FORM_BYTES` (413 beyond)."""
    try:
        return await read_bounded(request, MAX_FORM_BYTES)
    except BodyTooLarge:
        raise StaffRefused(413, "Dữ liệu gửi lên quá lớn.") from None


async def _form(request: Request) -> dict[str, str]:
    body = await _bounded_body(request)
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        raise StaffRefused(400, "Dữ liệu gửi lên không hợp lệ.") from None
    return {key: values[0] for key, values in fields.items()}


# -- signing in and out -------------------------------------------------------------------------


def _login_form(request: Request, desk: StaffDesk, *, status: int = 200, name: str = "", error: str | None = None,
                headers: dict[str, str] | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = _html(login_page(csrf=token, name=name, error=error), status, headers)
    _set_cookie(response, request, desk, LOGIN_COOKIE, token, 3600)
    return response


@router.get("/login", include_in_schema=False)
async def login_form(request: Request, desk: Desk) -> Response:
    if await _session(request, desk) is not None:
        return RedirectResponse("/staff", status_code=303)
    return _login_form(request, desk)


@router.post("/login", include_in_schema=False)
async def login(request: Request, desk: Desk) -> Response:
    try:
        form = await _form(request)
    except StaffRefused as exc:
        return _login_form(request, desk, status=exc.status, error=exc.detail)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    given = form.get("csrf", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()) or not _same_origin(
            request.headers.get("origin"), request.headers.get("host")):
        return _login_form(request, desk, status=403, error="Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.")
    name, password = form.get("name", "")[:64], form.get("password", "")
    try:
        signed = await run_in_threadpool(desk.accounts.sign_in, name, password, ip=client_ip(request))
    except SignInThrottled as exc:
        minutes = max(1, round(exc.retry_after / 60))
        return _login_form(request, desk, status=429, name=name, headers={"Retry-After": str(exc.retry_after)},
                           error=f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau khoảng {minutes} phút.")
    except InvalidCredentials:
        return _login_form(request, desk, status=401, name=name, error="Sai tên đăng nhập hoặc mật khẩu.")
    response = RedirectResponse("/staff", status_code=303)
    _set_cookie(response, request, desk, SESSION_COOKIE, signed.token, int(desk.accounts.settings.session_hours * 3600))
    response.delete_cookie(LOGIN_COOKIE, path="/staff")
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, desk: Desk) -> Response:
    session = await _session(request, desk)
    response = RedirectResponse("/staff/login", status_code=303)
    if session is not None:
        try:
            form = await _form(request)
        except StaffRefused as exc:
            return _html(message_page("Không đăng xuất được", exc.detail, href="/staff", link="Quay lại"), exc.status)
        if not hmac.compare_digest(form.get("csrf", "").encode(), session.csrf_token.encode()):
            return _html(message_page("Không đăng xuất được", "Yêu cầu không hợp lệ; vui lòng tải lại trang.",
                                      href="/staff", link="Quay lại"), 403)
        await run_in_threadpool(desk.accounts.sign_out, request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/staff")
    return response


# -- the desk page ------------------------------------------------------------------------------


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
async def desk_page_route(request: Request, desk: Desk) -> Response:
    session = await _session(request, desk)
    if session is None:
        return RedirectResponse("/staff/login", status_code=303)
    if not session.user.may(*DESK_ROLES):
        return _html(message_page("Không có quyền", "Tài khoản này không có quyền dùng bàn hỗ trợ trực tuyến.",
                                  href="/staff/login", link="Đăng nhập bằng tài khoản khác"), 403)
    handoffs = await run_in_threadpool(desk.desk.handed_over)
    return _html(desk_page(name=session.user.name, role=session.user.role, csrf=session.csrf_token,
                           handoffs=handoffs))


@router.get("/static/{name}", include_in_schema=False)
def staff_static(name: Annotated[str, Path(pattern=r"^staff\.(js|css)$")]) -> FileResponse:
    media = "text/javascript; charset=utf-8" if name.endswith(".js") else "text/css; charset=utf-8"
    return FileResponse(STATIC / name, media_type=media, headers={"Cache-Control": "no-cache",
                                                                  "X-Content-Type-Options": "nosniff"})


# -- the desk's JSON API ------------------------------------------------------------------------

ConversationId = Annotated[str, Path(min_length=1, max_length=128)]


@router.get("/api/handoffs")
async def handoffs(request: Request, desk: Desk) -> JSONResponse:
    """Conversations waiting for or talking to an operator, urgent first."""
    try:
        await _operator(request, desk, writing=False)
    except StaffRefused as exc:
        return _refused(exc)
    items = await run_in_threadpool(desk.desk.handed_over)
    return JSONResponse([h.model_dump(mode="json") for h in items], headers={"Cache-Control": "no-store"})


@router.get("/api/conversations/{session_id}")
async def conversation(request: Request, desk: Desk, session_id: ConversationId) -> JSONResponse:
    """A conversation's transcript, oldest message first."""
    try:
        await _operator(request, desk, writing=False)
        messages = await run_in_threadpool(desk.desk.transcript, session_id)
    except StaffRefused as exc:
        return _refused(exc)
    except UnknownConversation:
        return JSONResponse({"detail": "Không có cuộc trò chuyện này."}, status_code=404)
    return JSONResponse({"session_id": session_id, "messages": [m.model_dump(mode="json") for m in messages]},
                        headers={"Cache-Control": "no-store"})


async def _json(request: Request) -> dict[str, Any]:
    body = await _bounded_body(request)
    return read_json(body, _Object, max_bytes=MAX_FORM_BYTES).model_dump()


class _Object(BaseModel):
    """Any JSON object (the routes read their few fields themselves)."""

    model_config = ConfigDict(extra="allow")


@router.get("/api/procedures")
async def procedures(request: Request, desk: Desk, q: Annotated[str, Query(max_length=500)] = "") -> JSONResponse:
    """Procedures to pick the right one from: a code typed as it is, else the index's best guesses
    (ungated: an operator chooses, so low-confidence candidates are shown too)."""
    try:
        await _operator(request, desk, writing=False)
    except StaffRefused as exc:
        return _refused(exc)
    q = q.strip()
    if not q:
        return JSONResponse({"results": []})
    if PROCEDURE_CODE.match(q):
        found = await run_in_threadpool(get_procedure, request.app.state.runtime.db, q)
        if found is not None:
            return JSONResponse({"results": [{"code": found.code, "name": found.name}]})
    try:
        index = request.app.state.runtime.index
        response = index.search(q, k=8, gate=False)
    except Exception as exc:  # no index yet, or a query the index refuses
        return JSONResponse({"results": [], "detail": str(exc)})
    return JSONResponse({"results": [{"code": h.code, "name": h.name} for h in response.results]})


@router.post("/api/conversations/{session_id}/reply")
async def reply(request: Request, desk: Desk, session_id: ConversationId) -> JSONResponse:
    """``{"text"}``: store the operator's reply, then deliver it to the citizen on their channel."""
    try:
        session = await _operator(request, desk, writing=True)
        body = await _json(request)
        text = clean_text(body["text"]) if isinstance(body.get("text"), str) else ""
        if not text or len(text) > MAX_REPLY_CHARS:
            raise StaffRefused(422, f"Câu trả lời cần từ 1 đến {MAX_REPLY_CHARS} ký tự.")
        message = await run_in_threadpool(desk.desk.operator_reply, session_id, text, session.user.name)
    except (StaffRefused, ChatError) as exc:
        return _refused(exc)
    except UnknownConversation:
        return JSONResponse({"detail": "Không có cuộc trò chuyện này."}, status_code=404)
    delivered = await desk.deliveries.deliver(message.channel, message)
    desk.hub.to_staff({"type": "conversation", "session_id": session_id})
    return JSONResponse({**message.model_dump(mode="json"), "delivered": delivered})


@router.post("/api/conversations/{session_id}/close")
async def close(request: Request, desk: Desk, session_id: ConversationId) -> JSONResponse:
    """Give the conversation back to the assistant (the citizen is told so)."""
    try:
        session = await _operator(request, desk, writing=True)
        written = await run_in_threadpool(desk.desk.close_handoff, session_id, session.user.name)
    except StaffRefused as exc:
        return _refused(exc)
    except UnknownConversation:
        return JSONResponse({"detail": "Không có cuộc trò chuyện này."}, status_code=404)
    for message in written:
        await desk.deliveries.deliver(message.channel, message, closed=True)
    desk.hub.to_staff({"type": "conversation", "session_id": session_id})
    return JSONResponse({"closed": bool(written)})


@router.post("/api/conversations/{session_id}/messages/{message_id}/correction")
async def correction(request: Request, desk: Desk, session_id: ConversationId,
                     message_id: Annotated[str, Path(pattern=r"^[0-9]{1,19}$")]) -> JSONResponse:
    """``{"correct_code","comment"?}``: the answer was wrong, this procedure was right (stored as feedback,
    which ``hueai kb feedback export`` turns into a calibration question)."""
    try:
        session = await _operator(request, desk, writing=True)
        body = await _json(request)
        code = body.get("correct_code")
        if not isinstance(code, str) or not code.strip() or len(code) > 32:
            raise StaffRefused(422, "Cần mã thủ tục đúng (correct_code).")
        code = code.strip()
        procedure = await run_in_threadpool(get_procedure, request.app.state.runtime.db, code)
        if procedure is None:
            raise StaffRefused(422, f"Không có thủ tục mã {code} trong cơ sở tri thức.")
        comment = body.get("comment")
        comment = (clean_text(comment)[:500] or None) if isinstance(comment, str) else None
        await run_in_threadpool(lambda: desk.desk.record_feedback(
            session_id, message_id, helpful=False, comment=comment, correct_code=code, operator=session.user.name))
    except (StaffRefused, ChatError) as exc:
        return _refused(exc)
    except (UnknownMessage, UnknownConversation):
        return JSONResponse({"detail": "Không có câu trả lời này trong cuộc trò chuyện."}, status_code=404)
    return JSONResponse({"ok": True, "correct_code": code, "name": procedure.name})


# -- hotline calls (the callbot writes them; channels may not import voice, so they are served here) ---------

CallId = Annotated[str, Path(min_length=1, max_length=64)]


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands times back without their zone (they are UTC); the page would read a bare time as local."""
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _call_json(call: CallSummary) -> dict[str, Any]:
    return call.model_copy(update={"started_at": _utc(call.started_at), "ended_at": _utc(call.ended_at)}).model_dump(
        mode="json")


@router.get("/api/calls")
async def calls(request: Request, desk: Desk, before: Annotated[datetime | None, Query()] = None,
                transferred: Annotated[bool | None, Query()] = None,
                limit: Annotated[int, Query(ge=1, le=200)] = 50) -> JSONResponse:
    """Hotline calls, newest first, those in progress included; ``before`` pages (the last ``started_at``
    seen), ``transferred`` keeps only the calls handed to an operator (``false``: only the others)."""
    try:
        await _operator(request, desk, writing=False)
    except StaffRefused as exc:
        return _refused(exc)
    if before is not None and before.tzinfo is not None:  # SQLite compares the stored UTC text
        before = before.astimezone(timezone.utc)
    items = await run_in_threadpool(lambda: desk.calls.list_calls(limit=limit, before=before, transferred=transferred))
    return JSONResponse([_call_json(c) for c in items], headers={"Cache-Control": "no-store"})


@router.get("/api/calls/{call_id}")
async def call(request: Request, desk: Desk, call_id: CallId) -> JSONResponse:
    """A call with its turns: transcripts, keys, replies, intents, per-stage latency."""
    try:
        await _operator(request, desk, writing=False)
    except StaffRefused as exc:
        return _refused(exc)
    found = await run_in_threadpool(desk.calls.call, call_id)
    if found is None:
        return JSONResponse({"detail": "Không có cuộc gọi này."}, status_code=404)
    found = found.model_copy(update={"transcript": [t.model_copy(update={"at": _utc(t.at)}) for t in found.transcript]})
    return JSONResponse(_call_json(found), headers={"Cache-Control": "no-store"})


# -- live updates -------------------------------------------------------------------------------

#: A signed-in desk re-checks its session this often (signed out or disabled: the socket closes).
RECHECK_SECONDS = 30.0


@router.websocket("/ws")
async def desk_socket(websocket: WebSocket) -> None:
    """Sends ``{"type": "handoffs", "items": [...]}`` whenever the list changes, and
    ``{"type": "conversation", "session_id"}`` when a conversation got a new message here.
    Closes with 4401 when the session ends, 4403 for an account without the operator role."""
    desk = staff_desk_of(websocket.app)
    if not _same_origin(websocket.headers.get("origin"), websocket.headers.get("host")):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    session = await _session(websocket, desk)
    if session is None or not session.user.may(*DESK_ROLES):
        await websocket.close(code=4401 if session is None else 4403)
        return
    token = websocket.cookies.get(SESSION_COOKIE)

    async def drain() -> None:  # the desk sends nothing that matters; this notices the socket closing
        try:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        except WebSocketDisconnect:
            return

    async def updates(inbox: asyncio.Queue[dict[str, Any]]) -> None:
        last: list[Any] | None = None
        loop = asyncio.get_running_loop()
        checked = loop.time()
        while True:
            items = [h.model_dump(mode="json") for h in await run_in_threadpool(desk.desk.handed_over)]
            if items != last:
                await websocket.send_json({"type": "handoffs", "items": items})
                last = items
            try:
                event = await asyncio.wait_for(inbox.get(), timeout=desk.poll_seconds)
            except asyncio.TimeoutError:
                event = None
            if event is not None and event.get("type") == "conversation":
                await websocket.send_json(event)
            if loop.time() - checked > RECHECK_SECONDS:
                checked = loop.time()
                if await run_in_threadpool(desk.accounts.session, token) is None:
                    await websocket.close(code=4401)
                    return

    with desk.hub.staff() as inbox:
        await until_first_returns(drain(), updates(inbox))
