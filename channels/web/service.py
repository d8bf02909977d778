"""The web chat channel: checks, limits and orders a citizen's messages, runs the turn, shapes the reply.

>>> chat = WebChat(assistant=lambda: assistant, desk=lambda: desk, settings=WebChatSettings())
>>> reply = await chat.message(ChatRequest(session_id="k3J9x0aQ", text="đăng ký khai sinh"), ip="203.0.113.7")
>>> reply.sources[0].code
'1.001193'

Both ``POST /api/chat`` and ``/ws/chat`` go through :meth:`WebChat.message`,
so they share every rule:

* the body is at most ``max_body_bytes`` (413), JSON (400), of the right shape
  (422); the text is cleaned (:func:`channels.web.text.clean_text`), then must be
  non-empty and at most ``max_chars`` characters (422);
* one token per message from the session's and the client address's buckets (429,
  with ``retry_after``);
* one turn of a session at a time, in arrival order (:class:`SessionLocks`);
* the turn runs in a small thread pool (it reads and writes the database); a
  database that is unavailable is a 503 that tells the citizen the message was
  not taken, and nothing of the turn is kept (the dialogue writes a turn in one
  transaction, after which the reply is sent: persisted before acknowledged).

Every refusal is a :class:`ChatError` whose ``detail`` is a sentence for the
citizen, in Vietnamese, which the widget shows as it is.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import structlog
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from channels.desk import DeskMessage, OperatorDesk, UnknownConversation, UnknownMessage
from channels.settings import WebChatSettings
from channels.web.hub import Hub
from channels.web.limits import RateLimiter
from channels.web.messages import (
    ChatMessage,
    ChatReply,
    ChatRequest,
    FeedbackRequest,
    conversation_id,
)
from channels.web.ordering import SessionLocks
from channels.web.text import clean_text
from dialogue.assistant import DialogueUnavailable
from dialogue.turns import Assistant

log = structlog.get_logger(__name__)
M = TypeVar("M", bound=BaseModel)

UNAVAILABLE = ("Hệ thống đang tạm gián đoạn nên tin nhắn của anh/chị chưa được ghi nhận. "
               "Anh/chị vui lòng gửi lại sau ít phút.")
FAILED = "Xin lỗi, hệ thống gặp lỗi khi xử lý tin nhắn này. Anh/chị vui lòng thử lại."
#: Errors that mean "the database is not reachable right now", not "this message is wrong".
TRANSIENT: tuple[type[BaseException], ...] = (DBAPIError, PoolTimeout, TimeoutError, ConnectionError)


class ChatError(Exception):
    """A refused or failed message: an HTTP status, a sentence for the citizen, a machine-readable code."""

    def __init__(self, status: int, detail: str, *, code: str, retry_after: int | None = None,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code, self.retry_after, self.errors = status, detail, code, retry_after, errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.detail, "error": self.code}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if self.errors:
            body["errors"] = self.errors
        return body


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def read_json(raw: bytes | str, model: type[M], *, max_bytes: int) -> M:
    """``raw`` parsed into ``model``: 413 when too large, 400 when not JSON, 422 when not the right shape."""
    if len(raw) > max_bytes:
        raise ChatError(413, f"Tin nhắn quá lớn (tối đa {max_bytes // 1024} KB).", code="too_large")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # also UnicodeDecodeError: not UTF-8
        raise ChatError(400, "Dữ liệu gửi lên không phải JSON hợp lệ.", code="malformed_json") from None
    if not isinstance(data, dict):
        raise ChatError(422, "Dữ liệu gửi lên phải là một đối tượng JSON.", code="invalid")
    return validate(data, model)


def validate(data: dict[str, Any], model: type[M]) -> M:
    """``data`` as ``model``, or 422 with the fields at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        raise ChatError(422, "Dữ liệu gửi lên không hợp lệ.", code="invalid", errors=errors) from None


class WebChat:
    """The web channel of one server process: its limits, its per-session locks, its hub of open sockets."""

    def __init__(self, *, assistant: Callable[[], Assistant], desk: Callable[[], OperatorDesk],
                 settings: WebChatSettings, hub: Hub | None = None, threads: int = 4,
                 observe: Callable[[str, float], None] | None = None) -> None:
        """``observe(outcome, seconds)`` hears of every message: ``ok`` or the refusal's HTTP status."""
        self._assistant, self._desk, self.settings = assistant, desk, settings
        self.observe = observe or (lambda outcome, seconds: None)
        self.hub = hub or Hub()
        self.locks = SessionLocks()
        self.per_session = RateLimiter(settings.session_rate, settings.session_burst)
        self.per_ip = RateLimiter(settings.ip_rate, settings.ip_burst)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="hueai-chat")

    @property
    def desk(self) -> OperatorDesk:
        """The conversation store, as the channel and the operators' desk use it."""
        return self._desk()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the checks -----------------------------------------------------------------------------

    def text_of(self, request: ChatRequest) -> str:
        text = clean_text(request.text)
        if not text:
            raise ChatError(422, "Tin nhắn trống: anh/chị hãy nhập câu hỏi.", code="empty")
        if len(text) > self.settings.max_chars:
            raise ChatError(422, f"Tin nhắn dài quá {self.settings.max_chars} ký tự; anh/chị vui lòng viết ngắn "
                                 "gọn hơn hoặc chia thành nhiều tin.", code="too_long")
        return text

    def limit(self, session_id: str, ip: str) -> None:
        """Take a token from the address's and the session's buckets, or raise 429 (taking none)."""
        wait = max(self.per_ip.wait(ip), self.per_session.wait(session_id))
        if wait == 0:
            wait = max(self.per_ip.take(ip), self.per_session.take(session_id))
        if wait > 0:
            seconds = max(1, round(wait + 0.499))
            raise ChatError(429, f"Anh/chị gửi tin nhắn hơi nhanh. Vui lòng chờ {seconds} giây rồi gửi tiếp.",
                            code="rate_limited", retry_after=seconds)

    async def _run(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, partial(call, *args, **kwargs))
        except ChatError:
            raise
        except (UnknownConversation, UnknownMessage):
            raise
        except DialogueUnavailable as exc:  # the dialogue's own word for a database that failed mid-turn
            log.warning("chat.unavailable", error=str(exc))
            raise ChatError(503, exc.reply or UNAVAILABLE, code="unavailable", retry_after=5) from None
        except TRANSIENT as exc:
            log.warning("chat.unavailable", error=type(exc).__name__, detail=str(exc)[:200])
            raise ChatError(503, UNAVAILABLE, code="unavailable", retry_after=5) from None
        except Exception:
            log.exception("chat.failed")
            raise ChatError(500, FAILED, code="failed") from None

    # -- what the routes call -------------------------------------------------------------------

    async def message(self, request: ChatRequest, *, ip: str) -> ChatReply:
        """One citizen message in, the assistant's reply out (see the module's rules)."""
        started = time.perf_counter()
        try:
            reply = await self._message(request, ip=ip)
        except ChatError as exc:
            self.observe(str(exc.status), time.perf_counter() - started)
            raise
        self.observe("ok", time.perf_counter() - started)
        return reply

    async def _message(self, request: ChatRequest, *, ip: str) -> ChatReply:
        text = self.text_of(request)
        session_id = request.session_id or new_session_id()
        self.limit(session_id, ip)
        conversation = conversation_id(session_id)
        async with self.locks.hold(conversation):
            assistant = self._assistant()  # may raise ChatError(503) while the models load
            turn = await self._run(assistant.handle, conversation, text, channel="web")
        if turn.handoff:
            self.hub.to_staff({"type": "conversation", "session_id": conversation})
        return ChatReply.of(turn, session_id)

    async def feedback(self, request: FeedbackRequest, *, ip: str) -> None:
        """A citizen's 👍/👎 (and comment) on one of the assistant's answers in this session."""
        self.limit(request.session_id, ip)
        comment = clean_text(request.comment or "") or None
        try:
            await self._run(self._desk().record_feedback, conversation_id(request.session_id), request.message_id,
                            helpful=request.helpful, comment=comment)
        except (UnknownConversation, UnknownMessage):
            raise ChatError(404, "Không tìm thấy câu trả lời này trong cuộc trò chuyện.",
                            code="unknown_message") from None

    async def in_handoff(self, session_id: str) -> bool:
        """Whether the session's conversation is with a person now (False when that cannot be told)."""
        try:
            return bool(await self._run(self.desk.in_handoff, conversation_id(session_id)))
        except ChatError:
            return False

    async def messages_after(self, session_id: str, after: str | None, *, ip: str | None = None
                             ) -> list[ChatMessage]:
        """The session's outgoing messages after message ``after``: what a widget missed, or an operator wrote.
        With ``ip`` (a poll over HTTP) it takes a token from the address's bucket."""
        if ip is not None and (wait := self.per_ip.take(ip)) > 0:
            seconds = max(1, round(wait + 0.499))
            raise ChatError(429, f"Vui lòng chờ {seconds} giây.", code="rate_limited", retry_after=seconds)
        try:
            found = await self._run(self._desk().messages_after, conversation_id(session_id), after)
        except UnknownConversation:
            return []
        return [chat_message(m) for m in found if m.direction == "out"]

    async def deliver(self, message: DeskMessage, closed: bool = False) -> None:
        """The web channel's delivery of an operator's message (:class:`channels.desk.delivery.Deliveries`):
        pushed to the citizen's sockets open in this process; the others, and a polling widget, read it
        from the store."""
        event = {"type": "message", "message": chat_message(message).model_dump(mode="json")}
        self.hub.to_citizen(message.session_id, event)
        if closed:
            self.hub.to_citizen(message.session_id, {"type": "handoff", "active": False})


def chat_message(message: DeskMessage) -> ChatMessage:
    """A stored outgoing message as the widget shows it."""
    sender = "assistant" if message.sender == "citizen" else message.sender
    return ChatMessage(message_id=message.message_id, sender=sender, reply=message.text,  # type: ignore[arg-type]
                       sources=message.sources, quick_replies=message.quick_replies, created_at=message.created_at)
