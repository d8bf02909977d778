"""What the policy decides for one turn, before it is worded for a channel.

An :class:`Outcome` lists what to say (:class:`Say` a template, :class:`ShowAnswer`
an extractive answer), the buttons, the sources, and what the turn did
(``action``). :mod:`dialogue.render` words it for the web, Zalo or the phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogue.responses import QuickReplySpec
from dialogue.turns import Source
from knowledge.answers import Answer


@dataclass(frozen=True)
class Say:
    """A template of ``responses.yaml`` with its values (lists of options are laid out per channel)."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ShowAnswer:
    """An extractive answer: its brief form, or all of it (``full``)."""

    answer: Answer
    full: bool = False


Part = Say | ShowAnswer


@dataclass
class Outcome:
    action: str
    parts: list[Part] = field(default_factory=list)
    quick_replies: list[QuickReplySpec] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    intent: str | None = None  # the intent the turn acted on, when not the NLU's (a button's command)
    procedure: str | None = None  # the procedure answered, offered or asked about (stories check it)
    handoff: bool = False  # the conversation is with (or waiting for) a person after this turn
    ticket_id: str | None = None
    failed: bool = False  # the assistant did not understand (counts towards offering a person)

    @property
    def templates(self) -> list[str]:
        return [part.template for part in self.parts if isinstance(part, Say)]
