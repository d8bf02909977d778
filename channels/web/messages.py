"""The web chat's wire format (``../shared/spec/interfaces.md``): what the widget sends and receives.

HTTP: ``POST /api/chat`` takes a :class:`ChatRequest` and answers a
:class:`ChatReply`; ``POST /api/chat/feedback`` takes a :class:`FeedbackRequest`;
``GET /api/chat/messages`` answers :class:`Messages` (the widget's poll when it
has no WebSocket, e.g. for an operator's reply).

WebSocket (``/ws/chat?session_id=…&after=…``): the client sends
``{"text", "client_id"?}`` (a :class:`ChatRequest`; ``session_id`` may be
repeated) or ``{"type": "feedback", …}`` or ``{"type": "ping"}``; the server
sends ``hello`` once, the messages after ``after``, ``ready``; then ``typing``, ``reply`` (a :class:`ChatReply` plus
``client_id``), ``message`` (an operator's or a missed message: a
:class:`ChatMessage`), ``feedback``, ``pong`` and ``error`` frames, each a JSON
object with a ``type``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dialogue.turns import QuickReply, Source, Turn
from nlu.results import ParsedEntity

#: A session id the widget makes (``crypto.randomUUID()``); 8 to 100 URL-safe characters.
SESSION_ID = r"^[A-Za-z0-9_-]{8,100}$"
#: Stored conversation ids of the web channel carry this prefix.
PREFIX = "web:"


def conversation_id(session_id: str) -> str:
    """The stored conversation of a web session id."""
    return PREFIX + session_id


def session_of(conversation: str) -> str:
    return conversation.removeprefix(PREFIX)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    session_id: str | None = Field(default=None, pattern=SESSION_ID,
                                   description="the widget's session; a new one is made when missing")
    text: str = Field(strict=True, description="the message, or a quick reply's payload")
    client_id: str | None = Field(default=None, max_length=64,
                                  description="echoed in the reply (WebSocket), to match replies to messages")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    session_id: str = Field(pattern=SESSION_ID)
    message_id: str = Field(max_length=64)
    helpful: bool = Field(strict=True)
    comment: str | None = Field(default=None, max_length=2000)

    @field_validator("message_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ChatReply(BaseModel):
    """The assistant's answer to one message."""

    session_id: str
    message_id: str
    reply: str = Field(description="markdown: **bold**, [links](https://…), lists")
    intent: str
    entities: list[ParsedEntity] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    quick_replies: list[QuickReply] = Field(default_factory=list)
    handoff: bool = False
    ticket_id: str | None = None
    sender: Literal["assistant", "operator"] = "assistant"

    @classmethod
    def of(cls, turn: Turn, session_id: str) -> "ChatReply":
        return cls(session_id=session_id, message_id=turn.message_id, reply=turn.reply, intent=turn.intent,
                   entities=turn.entities, sources=turn.sources, quick_replies=turn.quick_replies,
                   handoff=turn.handoff, ticket_id=turn.ticket_id)


class ChatMessage(BaseModel):
    """An outgoing message delivered outside a reply: an operator's answer, or one the widget missed."""

    message_id: str
    sender: Literal["assistant", "operator", "system"] = Field(description="system: a notice, e.g. the operator left")
    reply: str
    sources: list[Source] = Field(default_factory=list)
    quick_replies: list[QuickReply] = Field(default_factory=list)
    created_at: datetime


class Messages(BaseModel):
    session_id: str
    messages: list[ChatMessage]
