"""One citizen's WebSocket (``/ws/chat``): messages in order, replies, and what operators write.

The connection runs three loops until the socket closes:

* **reader** - frames are handled one at a time, so a client that sends three
  messages without waiting gets three replies, in order; each message is
  answered ``typing`` at once and ``reply`` when the turn is done.
* **pusher** - events the :class:`~channels.web.hub.Hub` delivers in this process
  (an operator's reply, a closed handoff) are sent at once.
* **poller** - while the conversation is with a person, the store is asked every
  ``poll_seconds`` for outgoing messages after the last one sent, which brings
  replies written by another server process.

A message is never sent twice on one socket (ids already sent are remembered),
and a reconnecting widget passes ``after=<last message id it showed>`` to get
what it missed while it was away.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from starlette.websockets import WebSocket, WebSocketDisconnect

from channels.web.hub import OVERFLOW
from channels.web.messages import SESSION_ID, ChatMessage, ChatRequest, FeedbackRequest, conversation_id
from channels.web.service import ChatError, WebChat, new_session_id, read_json, validate
from core.aio import until_first_returns

SENT_REMEMBERED = 512


class Frame(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["message", "feedback", "ping"] = "message"


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """Browsers send ``Origin`` on a WebSocket handshake; other clients may not (allowed)."""
    return "*" in allowed or origin is None or origin in allowed


def _later(a: str | None, b: str) -> str:
    """The later of two message ids (numeric ids compare as numbers)."""
    if a is None:
        return b
    if a.isdigit() and b.isdigit():
        return a if int(a) > int(b) else b
    return b


class CitizenSocket:
    def __init__(self, websocket: WebSocket, chat: WebChat, *, ip: str) -> None:
        self.ws, self.chat, self.ip = websocket, chat, ip
        requested = websocket.query_params.get("session_id") or ""
        self.session_id = requested if re.fullmatch(SESSION_ID, requested) else new_session_id()
        after = websocket.query_params.get("after")
        self.last_id: str | None = after if after and len(after) <= 64 else None
        self.handoff = False
        self._send_lock = asyncio.Lock()
        self._sent: deque[str] = deque(maxlen=SENT_REMEMBERED)

    async def run(self) -> None:
        await self.ws.accept()
        self.handoff = await self.chat.in_handoff(self.session_id)
        await self._send({"type": "hello", "session_id": self.session_id, "handoff": self.handoff})
        if self.last_id is not None:
            await self._catch_up()
        elif self.handoff:  # no "after": what is stored already is not news; polling starts from here
            try:
                known = await self.chat.messages_after(self.session_id, None)
            except ChatError:
                known = []
            for message in known:
                self._sent.append(message.message_id)
                self.last_id = _later(self.last_id, message.message_id)
        await self._send({"type": "ready", "last_id": self.last_id})  # caught up: what follows is new
        with self.chat.hub.citizen(conversation_id(self.session_id)) as inbox:
            await until_first_returns(self._read(), self._push(inbox), self._poll())

    # -- sending --------------------------------------------------------------------------------

    async def _send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_json(frame)

    async def _deliver(self, message: ChatMessage) -> None:
        if message.message_id in self._sent:
            return
        self._sent.append(message.message_id)
        self.last_id = _later(self.last_id, message.message_id)
        await self._send({"type": "message", **message.model_dump(mode="json")})

    async def _catch_up(self) -> None:
        try:
            missed = await self.chat.messages_after(self.session_id, self.last_id)
        except ChatError:
            return  # the next poll tries again
        for message in missed:
            await self._deliver(message)

    # -- the three loops ------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            while True:
                received = await self.ws.receive()
                if received["type"] == "websocket.disconnect":
                    return
                raw = received.get("text")
                if raw is None:
                    raw = received.get("bytes") or b""
                await self._handle(raw)
        except WebSocketDisconnect:
            return

    async def _handle(self, raw: str | bytes) -> None:
        client_id = None
        try:
            frame = read_json(raw, Frame, max_bytes=self.chat.settings.max_body_bytes)
            data = frame.model_dump()
            if frame.type == "ping":
                await self._send({"type": "pong"})
            elif frame.type == "feedback":
                data["session_id"] = data.get("session_id") or self.session_id
                feedback = validate(data, FeedbackRequest)
                self._same_session(feedback.session_id)
                await self.chat.feedback(feedback, ip=self.ip)
                await self._send({"type": "feedback", "message_id": feedback.message_id, "ok": True})
            else:
                request = validate(data, ChatRequest)
                client_id = request.client_id
                self._same_session(request.session_id)
                request = request.model_copy(update={"session_id": self.session_id})
                self.chat.text_of(request)  # refuse empty and over-long text before showing "typing"
                await self._send({"type": "typing", "client_id": client_id})
                reply = await self.chat.message(request, ip=self.ip)
                self._sent.append(reply.message_id)
                self.last_id = _later(self.last_id, reply.message_id)
                self.handoff = reply.handoff
                await self._send({"type": "reply", **reply.model_dump(mode="json"), "client_id": client_id})
        except ChatError as exc:
            await self._send({"type": "error", "status": exc.status, **exc.body(), "client_id": client_id})

    def _same_session(self, session_id: str | None) -> None:
        if session_id is not None and session_id != self.session_id:
            raise ChatError(422, "Phiên trò chuyện không khớp với kết nối.", code="wrong_session")

    async def _push(self, inbox: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            event = await inbox.get()
            if event is OVERFLOW or event.get("type") == "overflow":
                await self.ws.close(code=1013)  # fell behind: the widget reconnects with after=
                return
            if event.get("type") == "message":
                await self._deliver(ChatMessage.model_validate(event["message"]))
            elif event.get("type") == "handoff":
                self.handoff = bool(event.get("active"))
                await self._send({"type": "handoff", "active": self.handoff})

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.chat.settings.poll_seconds)
            if self.handoff:
                await self._catch_up()

