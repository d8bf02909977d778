"""What the desk shows and what it needs from the conversation store."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from dialogue.turns import QuickReply, Source

Sender = Literal["citizen", "assistant", "operator", "system"]


class UnknownConversation(LookupError):
    """No conversation has that id."""


class UnknownMessage(LookupError):
    """No message of that conversation has that id (or it is not an answer one can rate)."""


class NotHandedOver(ValueError):
    """The conversation is not with a person at the moment (nothing to reply to or close)."""


class DeskMessage(BaseModel):
    """One message of a transcript, in or out."""

    message_id: str
    session_id: str = Field(description="the conversation's id as stored, e.g. web:…")
    channel: str = Field(default="web", description="where the conversation takes place: web, zalo, voice")
    direction: Literal["in", "out"]
    sender: Sender
    text: str
    intent: str | None = None
    confidence: float | None = None
    sources: list[Source] = Field(default_factory=list)
    quick_replies: list[QuickReply] = Field(default_factory=list)
    action: str | None = None
    operator: str | None = None
    created_at: datetime


class HandedOver(BaseModel):
    """A conversation waiting for, or talking to, an operator."""

    session_id: str
    channel: str
    state: str = Field(description="waiting (nobody has answered yet) or active")
    reason: str = Field(description="request_human, emergency, not_understood, ...")
    urgent: bool = False
    operator: str | None = None
    since: datetime
    last_text: str | None = Field(default=None, description="the conversation's latest message")


class OperatorDesk(Protocol):
    """The conversation store as the desk and the channels use it (each call one transaction)."""

    def handed_over(self) -> list[HandedOver]:
        """Conversations with a person now, urgent ones first, then oldest first."""
        ...

    def in_handoff(self, session_id: str) -> bool:
        """Whether a person has (or is asked to take) the conversation now."""
        ...

    def transcript(self, session_id: str) -> list[DeskMessage]:
        """A conversation's messages in order; :class:`UnknownConversation` when there is none."""
        ...

    def messages_after(self, session_id: str, after: str | None) -> list[DeskMessage]:
        """The conversation's outgoing messages written after message ``after`` (all when None), in order."""
        ...

    def operator_reply(self, session_id: str, text: str, operator: str) -> DeskMessage:
        """Store an operator's reply (taking the handoff when it was waiting); :class:`NotHandedOver`."""
        ...

    def close_handoff(self, session_id: str, operator: str) -> list[DeskMessage]:
        """Give the conversation back to the assistant; the messages this wrote (a goodbye), if any."""
        ...

    def record_feedback(self, session_id: str, message_id: str, *, helpful: bool, comment: str | None = None,
                        correct_code: str | None = None, operator: str | None = None) -> None:
        """A 👍/👎 from the citizen, or an operator's correction with the right procedure's code;
        :class:`UnknownMessage` when the message is not an answer of this conversation."""
        ...
