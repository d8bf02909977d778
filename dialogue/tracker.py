"""What the assistant remembers of a conversation between turns: its tracker.

The tracker is stored as JSON on the conversation's row (:class:`dialogue.tables.ConversationRow`),
read at the start of every turn and written at its end in the same transaction,
so any server process continues any conversation. It holds only what the next
turn needs: the procedure being talked about, a question the assistant is
waiting for an answer to, a field report being collected, and counters.
Unknown keys (from a newer version) are ignored and a broken state starts afresh,
so the format can grow without a migration.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from knowledge.answers import Facet


class Option(BaseModel):
    """A procedure the assistant offers or talks about."""

    code: str
    name: str
    level: str | None = None


class Topic(BaseModel):
    """The procedure the conversation is about; follow-ups ("còn lệ phí thì sao?") answer about it."""

    code: str
    name: str
    level: str | None = None
    facet: Facet = Facet.overview  # the last facet answered
    siblings: list[Option] = Field(default_factory=list)  # near ties: other levels, "có yếu tố nước ngoài"
    question: str = ""  # the citizen's question that found it


PendingKind = Literal[
    "choose_procedure",  # "Có phải anh/chị hỏi về …?": options to pick from (or one to confirm)
    "which_procedure",  # a facet was asked with no procedure in sight: "anh/chị hỏi về thủ tục nào?"
    "status_code",  # waiting for an application code
    "report_what",  # field report: what happened
    "report_where",  # field report: where
    "report_phone",  # field report: a phone number (optional)
    "report_confirm",  # field report: all collected, waiting for yes/no
    "offer_handoff",  # "Anh/chị có muốn nói chuyện với nhân viên không?"
]


class Pending(BaseModel):
    """A question the assistant asked and the next message may answer."""

    kind: PendingKind
    options: list[Option] = Field(default_factory=list)
    facet: Facet = Facet.overview  # what to answer once the procedure is chosen
    attempts: int = 0  # re-asks so far (an application code is re-asked once)
    question: str = ""  # the citizen's question that led here


class ReportDraft(BaseModel):
    """A field report (phản ánh) being collected."""

    description: str = ""
    location: str = ""
    phone: str | None = None
    phone_asked: bool = False
    photo_url: str | None = None


class Tracker(BaseModel):
    topic: Topic | None = None
    pending: Pending | None = None
    report: ReportDraft | None = None
    ward: str | None = None  # the citizen's ward/commune, once said: place answers name its office
    failures: int = 0  # turns in a row the assistant did not understand
    handoff_offered: bool = False
    last_reply: str = ""  # as the channel worded it, to say again when the citizen did not catch it
    last_buttons: int = 0  # how many buttons it had: "9" under six of them picks none

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> Tracker:
        """The tracker stored as ``state``; a fresh one when there is none or it no longer validates."""
        try:
            return cls.model_validate(state or {})
        except ValidationError:
            return cls()

    def to_state(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)
