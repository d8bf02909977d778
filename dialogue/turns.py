"""What one turn of a conversation returns: the contract between the dialogue and every channel.

The web chat (``POST /api/chat``, ``/ws/chat``), Zalo and the callbot all send a
citizen's message to :meth:`Assistant.handle` and deliver the :class:`Turn` it
returns, already rendered for their channel (markdown and buttons on the web,
plain text within Zalo's limits, short speakable sentences on the phone).
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from core.types import Channel
from nlu.results import ParsedEntity


class Source(BaseModel):
    """The official record an answer was taken from."""

    code: str
    name: str
    url: str | None = None


class QuickReply(BaseModel):
    """A button; pressing it sends ``payload`` as the next message's text."""

    title: str
    payload: str


class Turn(BaseModel):
    """The assistant's answer to one message, as ``POST /api/chat`` returns it (``../shared/spec/interfaces.md``)."""

    session_id: str
    message_id: str = Field(description="the id of the reply, for feedback")
    reply: str = Field(description="rendered for the channel the message came from")
    intent: str
    confidence: float
    entities: list[ParsedEntity] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    quick_replies: list[QuickReply] = Field(default_factory=list)
    handoff: bool = Field(default=False, description="the conversation is now with (or waiting for) a person")
    ticket_id: str | None = Field(default=None, description="a field report made in this turn")
    action: str = Field(default="", description="what the assistant did: answer_documents, ask_choice, handoff, ...")
    latency_ms: dict[str, float] = Field(default_factory=dict, description="per stage: parse, search, policy, store")


class Assistant(Protocol):
    """The assistant one channel talks to; conversations persist, so any process may continue any session."""

    def handle(self, session_id: str, text: str, *, channel: Channel) -> Turn: ...
