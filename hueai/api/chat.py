"""The web chat over HTTP and WebSocket, the widget's files and its demo page.

========================  =====================================================
route                     does
========================  =====================================================
``POST /api/chat``        ``{"session_id","text"}`` → the assistant's reply
``POST /api/chat/feedback``  👍/👎 (and a comment) on one reply
``GET /api/chat/messages``   ``?session_id=&after=``: outgoing messages after one id
``GET /ws/chat``          the same over a WebSocket (see :mod:`channels.web.socket`)
``GET /widget.js``, ``GET /widget.css``  the embeddable widget (no build step, no CDN)
``GET /``                 the demo page
========================  =====================================================

The channel's rules live in :class:`channels.web.WebChat`; this module only
reads requests (with a size limit: 413 before the body is read past it),
answers CORS for pages on other sites (``HUEAI_CHAT_ALLOWED_ORIGINS``), and
builds the one ``WebChat`` of the app on first use, over ``runtime.assistant``
and the dialogue's conversation store.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from prometheus_client import Counter, Histogram

from channels.desk.store import DialogueDesk
from channels.web import STATIC, ChatError, WebChat
from channels.web.messages import SESSION_ID, ChatRequest, FeedbackRequest, Messages
from channels.web.service import read_json
from channels.web.socket import CitizenSocket, origin_allowed
from dialogue.turns import Assistant
from hueai.api.bodies import BodyTooLarge, read_bounded
from hueai.api.metrics import REGISTRY
from hueai.runtime import ModelMissing, Runtime

router = APIRouter(tags=["chat"])

CHAT_TURNS = Counter("hueai_chat_messages_total", "Chat messages (HTTP and WebSocket) by outcome: ok or an HTTP status",
                     ["outcome"], registry=REGISTRY)
CHAT_TURN_SECONDS = Histogram("hueai_chat_turn_seconds", "Chat turn latency, as the channel sees it",
                              buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5), registry=REGISTRY)
LOADING = "Trợ lý ảo đang khởi động. Anh/chị vui lòng thử lại sau vài giây."


def web_chat_of(app: Any) -> WebChat:
    """The app's one :class:`WebChat` (made on first use; tests may put their own in ``app.state.web_chat``)."""
    chat = getattr(app.state, "web_chat", None)
    if chat is None:
        runtime: Runtime = app.state.runtime
        desk = DialogueDesk(runtime.db)
        settings = runtime.settings.chat
        threads = settings.threads or (4 if runtime.db.engine.dialect.name == "sqlite" else 8)
        chat = WebChat(assistant=lambda: _assistant(runtime), desk=lambda: desk, settings=settings, threads=threads,
                       observe=_observe)
        app.state.web_chat = chat
    return chat


def _observe(outcome: str, seconds: float) -> None:
    CHAT_TURNS.labels(outcome).inc()
    if outcome == "ok":
        CHAT_TURN_SECONDS.observe(seconds)


async def get_web_chat(request: Request) -> WebChat:
    return web_chat_of(request.app)


def _assistant(runtime: Runtime) -> Assistant:
    if not runtime.loaded:
        raise ChatError(503, LOADING, code="loading", retry_after=5)
    try:
        return runtime.assistant  # type: ignore[attr-defined,no-any-return]
    except ModelMissing:
        raise ChatError(503, LOADING, code="loading", retry_after=30) from None


def client_ip(request: Request | WebSocket) -> str:
    """The client's address (behind a proxy: run uvicorn with ``--proxy-headers --forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


def _cors(request: Request, chat: WebChat) -> dict[str, str]:
    allowed, origin = chat.settings.allowed_origins, request.headers.get("origin")
    if "*" in allowed:
        return {"Access-Control-Allow-Origin": "*"}
    if origin and origin in allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def _error(exc: ChatError, headers: dict[str, str]) -> JSONResponse:
    if exc.retry_after is not None:
        headers = {**headers, "Retry-After": str(exc.retry_after)}
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it is known to pass ``limit`` bytes."""
    try:
        return await read_bounded(request, limit)
    except BodyTooLarge:
        raise ChatError(413, f"Tin nhắn quá lớn (tối đa {limit // 1024} KB).", code="too_large") from None


@router.options("/api/chat", include_in_schema=False)
@router.options("/api/chat/feedback", include_in_schema=False)
@router.options("/api/chat/messages", include_in_schema=False)
async def preflight(request: Request, chat: Annotated[WebChat, Depends(get_web_chat)]) -> Response:
    """CORS preflight for pages that embed the widget on another site."""
    headers = _cors(request, chat)
    if headers:
        headers |= {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}
    return Response(status_code=204, headers=headers)


@router.post("/api/chat", response_model=None)
async def chat_message(request: Request, chat: Annotated[WebChat, Depends(get_web_chat)]) -> JSONResponse:
    """``{"session_id","text"}`` → ``{"message_id","reply","intent","entities","sources","quick_replies",
    "handoff","ticket_id"}`` (``../shared/spec/interfaces.md``). Errors: ``{"detail","error"}`` with 400
    (not JSON), 413 (too large), 422 (empty, too long, wrong shape), 429 (too fast; ``Retry-After``),
    503 (the database or the models are not available; nothing was kept)."""
    headers = _cors(request, chat)
    try:
        body = await _body(request, chat.settings.max_body_bytes)
        request_ = read_json(body, ChatRequest, max_bytes=chat.settings.max_body_bytes)
    except ChatError as exc:  # never reached the channel: counted here
        chat.observe(str(exc.status), 0.0)
        return _error(exc, headers)
    try:
        reply = await chat.message(request_, ip=client_ip(request))
    except ChatError as exc:
        return _error(exc, headers)
    return JSONResponse(reply.model_dump(mode="json"), headers=headers)


@router.post("/api/chat/feedback", response_model=None)
async def chat_feedback(request: Request, chat: Annotated[WebChat, Depends(get_web_chat)]) -> JSONResponse:
    """``{"session_id","message_id","helpful"[,"comment"]}`` → ``{"ok": true}``; 404 for a message that is
    not one of this session's replies."""
    headers = _cors(request, chat)
    try:
        body = await _body(request, chat.settings.max_body_bytes)
        await chat.feedback(read_json(body, FeedbackRequest, max_bytes=chat.settings.max_body_bytes),
                            ip=client_ip(request))
    except ChatError as exc:
        return _error(exc, headers)
    return JSONResponse({"ok": True}, headers=headers)


@router.get("/api/chat/messages", response_model=Messages)
async def chat_messages(
    request: Request,
    chat: Annotated[WebChat, Depends(get_web_chat)],
    session_id: Annotated[str, Query(pattern=SESSION_ID)],
    after: Annotated[str | None, Query(pattern=r"^[0-9]{1,19}$")] = None,
) -> JSONResponse:
    """The session's outgoing messages after message ``after``: the widget polls this for an operator's
    replies when it has no WebSocket."""
    headers = _cors(request, chat)
    try:
        messages = await chat.messages_after(session_id, after, ip=client_ip(request))
    except ChatError as exc:
        return _error(exc, headers)
    return JSONResponse(Messages(session_id=session_id, messages=messages).model_dump(mode="json"), headers=headers)


@router.websocket("/ws/chat")
async def chat_socket(websocket: WebSocket) -> None:
    """The widget's connection: ``?session_id=…&after=<last message id shown>`` (see :mod:`channels.web.socket`)."""
    chat = web_chat_of(websocket.app)
    if not origin_allowed(websocket.headers.get("origin"), chat.settings.allowed_origins):
        await websocket.close(code=1008)
        return
    await CitizenSocket(websocket, chat, ip=client_ip(websocket)).run()


def _static(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})


@router.get("/widget.js", include_in_schema=False)
def widget_js() -> FileResponse:
    """The widget: ``<script src="https://…/widget.js" defer></script>`` on any page."""
    response = _static("widget.js", "text/javascript; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@router.get("/widget.css", include_in_schema=False)
def widget_css() -> FileResponse:
    response = _static("widget.css", "text/css; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@router.get("/", include_in_schema=False)
def demo_page() -> FileResponse:
    """A page of the city portal's kind with the widget on it."""
    return FileResponse(STATIC / "demo.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})
