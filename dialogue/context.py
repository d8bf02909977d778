"""What one turn knows while the policy decides: the message read every way it is needed, and the tracker.

The flows (:mod:`dialogue.procedures`, :mod:`dialogue.reports`, :mod:`dialogue.status_flow`)
receive a :class:`Context`; they read the message and change ``ctx.tracker``, and
ask for side effects (a handoff, a ticket) through :class:`Effects`, which the
turn's open transaction provides.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from core.types import Channel
from dialogue.tracker import Tracker
from dialogue.understanding import Qualifiers, facet_from_words, levels_asked, qualifiers, residual, says_no_facet
from knowledge.index.results import SearchResponse
from nlu.results import ParsedEntity, ParseResult
from nlu.text import has_diacritics

#: Entities that are not part of what a question is about (removed before looking for content words).
CIRCUMSTANCES = ("location", "date", "phone_number", "application_code")


class Effects(Protocol):
    """Side effects a turn may ask for; all happen in the turn's transaction (see :class:`TurnWriter`)."""

    def open_handoff(self, reason: str, *, urgent: bool = False) -> int: ...

    def cancel_handoff(self) -> bool: ...

    def create_ticket(self, *, description: str, location: str, phone: str | None = None,
                      photo_url: str | None = None) -> str: ...


@dataclass(frozen=True)
class Command:
    """A quick reply's payload: ``/name`` and an optional argument (``/choose 1.001193``)."""

    name: str
    argument: str = ""

    @classmethod
    def read(cls, text: str) -> Command | None:
        match = re.fullmatch(r"\s*/([a-z_]+)(?:\s+(\S.*?))?\s*", text)
        return cls(match.group(1), (match.group(2) or "").strip()) if match else None


@dataclass
class Context:
    text: str
    parse: ParseResult
    channel: Channel
    tracker: Tracker
    handoff_state: str | None
    search: Callable[[str], SearchResponse]  # bound to the channel, memoised for the turn
    restore: Callable[[str], str] | None = None
    command: Command | None = None

    @property
    def intent(self) -> str:
        if self.command is not None:
            return self.command.name
        return self.parse.intent.name

    @property
    def confidence(self) -> float:
        return 1.0 if self.command is not None else self.parse.intent.confidence

    @cached_property
    def restored(self) -> bool:
        return self.restore is not None and not has_diacritics(self.text)

    @cached_property
    def view(self) -> str:
        """The message with its diacritics restored when it was typed without (same length, same offsets)."""
        if self.restored and self.restore is not None:
            restored = self.restore(self.text)
            if len(restored) == len(self.text):
                return restored
        return self.text

    def entities(self, name: str) -> list[ParsedEntity]:
        return [e for e in self.parse.entities if e.entity == name]

    def entity(self, name: str) -> str | None:
        found = self.entities(name)
        return found[0].value if found else None

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """Where the circumstances (a place, a date, a phone number, a receipt code) are in the text."""
        return [(e.start, e.end) for e in self.parse.entities if e.entity in CIRCUMSTANCES]

    @cached_property
    def residual(self) -> list[str]:
        """Words beyond follow-up words and circumstances (see :func:`dialogue.understanding.residual`)."""
        return residual(self.view, self.spans, restored=self.restored and self.view != self.text)

    @cached_property
    def names_no_facet(self) -> bool:
        """No word beyond the procedure the NLU found asks a facet: "đăng ký xe máy" asks for the procedure as
        a whole, though the intent model reads "ask_place" into it (0.68; its "đk xe máy ở đâu" examples)."""
        named = [(e.start, e.end) for e in self.entities("procedure")]
        return facet_from_words(self.view) is None and says_no_facet(_blanked(self.view, named))

    @cached_property
    def question(self) -> str:
        """The message as searched: without the places it names ("thị xã Hương Thủy" is no irrigation works,
        "phường An Cựu" no procedure), unless that leaves less than two words."""
        kept = _blanked(self.text, [(e.start, e.end) for e in self.entities("location")]).split()
        return " ".join(kept) if len(kept) >= 2 else self.text

    @cached_property
    def bare(self) -> str:
        """The message without its circumstances: "phường Thuận Hóa" names a place, not a level."""
        return _blanked(self.view, self.spans)

    @cached_property
    def qualifiers(self) -> Qualifiers:
        return qualifiers(self.bare)

    @cached_property
    def levels(self) -> list[str]:
        return levels_asked(self.bare)


def _blanked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with ``spans`` replaced by spaces (the offsets of the rest stay as they were)."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    return text
