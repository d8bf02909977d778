"""An :class:`~dialogue.outcome.Outcome` worded for a channel.

========  ==========================================================================
web       markdown: bold titles, numbered options, the source as a link; up to 6 buttons
zalo      plain text within Zalo's 2,000 characters per message, at most 5 buttons
          (titles up to 100 characters), the link written out
voice     short sentences for the speech synthesiser: no links, no codes, numbers in
          words (:mod:`dialogue.speech`), options read as "số một, …"; no buttons
========  ==========================================================================

Zalo's limits are those of its Official Account messaging API (consultation text
messages carry at most 2,000 characters; a message's button list is kept to 5);
they are constants here, so a change on Zalo's side is one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.types import Channel
from dialogue.outcome import Outcome, Say, ShowAnswer
from dialogue.responses import QuickReplySpec, Responses
from dialogue.speech import shorten, speakable, spell
from dialogue.tracker import Option
from dialogue.understanding import levels_of
from dialogue.turns import QuickReply
from knowledge.answers import PORTAL, Answer, Facet
from knowledge.answers.place import LOCAL_OFFICES


@dataclass(frozen=True)
class Limits:
    max_chars: int | None
    max_buttons: int
    brief_items: int  # points of an answer shown before "xem đầy đủ"


LIMITS: dict[str, Limits] = {
    "web": Limits(max_chars=None, max_buttons=6, brief_items=5),
    "zalo": Limits(max_chars=2000, max_buttons=5, brief_items=3),
    "voice": Limits(max_chars=700, max_buttons=0, brief_items=2),
}
#: Characters of a procedure's name read out as an option on the phone.
VOICE_OPTION_CHARS = 90
#: Items read when the caller asks for the rest ("đọc tiếp"); the reply is still cut at ``max_chars``.
VOICE_FULL_ITEMS = 12
#: Values read out letter by letter and digit by digit on the phone.
SPELLED = frozenset({"ticket_id", "code"})


class Renderer:
    def __init__(self, responses: Responses) -> None:
        self.responses = responses

    def render(self, outcome: Outcome, channel: Channel | str) -> tuple[str, list[QuickReply]]:
        limits = LIMITS.get(channel, LIMITS["web"])
        pieces = [piece for piece in (self.part(part, channel) for part in outcome.parts) if piece.strip()]
        if channel == "voice":
            # Each piece a sentence of its own, or the synthesiser runs "… mười nghìn đồng Lưu ý …" together.
            said = " ".join(p if p.rstrip()[-1:] in ".?!:," else p.rstrip() + "." for p in pieces)
            text = shorten(speakable(said), limits.max_chars or 10_000)
        else:
            text = "\n\n".join(pieces)
            if channel == "zalo":
                text = text.replace("**", "")
            if limits.max_chars is not None:
                text = shorten(text, limits.max_chars)
        return text, self.buttons(outcome, limits)

    def buttons(self, outcome: Outcome, limits: Limits) -> list[QuickReply]:
        specs: list[QuickReplySpec] = list(outcome.quick_replies)
        for part in outcome.parts:
            if isinstance(part, Say):
                specs.extend(self.responses.quick_replies(part.template))
        seen: set[str] = set()
        out = []
        for spec in specs:
            if spec.payload in seen:
                continue
            seen.add(spec.payload)
            out.append(QuickReply(title=spec.title, payload=spec.payload))
        return out[: limits.max_buttons]

    # -- parts --------------------------------------------------------------------------------------
    def part(self, part: Say | ShowAnswer, channel: str) -> str:
        if isinstance(part, ShowAnswer):
            return self.answer(part.answer, channel, full=part.full)
        values = {name: self.value(name, value, channel) for name, value in part.values.items()}
        return self.responses.text(part.template, channel, **values)

    def value(self, name: str, value: Any, channel: str) -> str:
        if isinstance(value, Say):
            return self.part(value, channel)
        if isinstance(value, Sequence) and not isinstance(value, str):
            if value and all(isinstance(v, Option) for v in value):
                return self.options(value, channel)  # type: ignore[arg-type]
            return "".join(self.value(name, v, channel) for v in value)
        if isinstance(value, Facet):
            return self.responses.labels.facet_questions[value]
        if channel == "voice" and name in SPELLED and isinstance(value, str):
            return spell(value)
        return "" if value is None else str(value)

    def options(self, options: Sequence[Option], channel: str) -> str:
        if channel == "voice":
            # Heard, "Cấp lại thẻ căn cước" and "… (thực hiện tại cấp tỉnh)" sound alike: the levels are said
            # instead; other names are cut to what a caller can hold in mind.
            levels = levels_of(options)
            named = ([f"làm ở {self.responses.labels.levels.get(level or '', level or '')}" for level in levels]
                     if levels else [shorten(o.name, VOICE_OPTION_CHARS) for o in options])
            return "; ".join(f"số {i}, {name}" for i, name in enumerate(named, 1))
        bold = "**" if channel == "web" else ""
        return "\n".join(f"{i}. {bold}{o.name}{bold}" for i, o in enumerate(options, 1))

    def answer(self, answer: Answer, channel: str, *, full: bool) -> str:
        """An extractive answer: the record's words, the procedure's name and code, the portal link."""
        limits = LIMITS.get(channel, LIMITS["web"])
        url = answer.url or PORTAL
        if channel == "voice":
            if answer.facet in (Facet.fee, Facet.duration) and not full:
                lines = [line.replace(", xem dưới)", ")") for line in answer.headline()]  # nothing is "below"
            else:  # "đọc tiếp" (full) reads the rest of a list, as far as a call's reply goes
                lines = [line for line in answer.brief(VOICE_FULL_ITEMS if full else limits.brief_items).splitlines()
                         [1:-1] if not line.startswith("(còn ")]  # "(còn 4 ý nữa)" is for a screen
            local = next((point for point in answer.points if point.startswith(LOCAL_OFFICES)), None)
            if answer.facet is Facet.place and local and local not in lines:
                lines.insert(0, local)  # the ward's office first; the record's quotes are long to hear
            return "\n".join([answer.name, *lines])  # lines, so that speakable() drops their bullets
        if full:
            body = answer.points
        else:
            body = answer.brief(limits.brief_items).splitlines()[1:-1]  # the title and link are laid out below
        if channel == "web":
            return "\n".join([f"**{answer.title}**", *body, f"[{self.responses.labels.source_link}]({url})"])
        link = f"{self.responses.labels.source_link}: {url}"
        text = "\n".join(body)
        if limits.max_chars is not None:
            # Cut the body, never the title or the link: the whole answer stays one tap away.
            text = shorten(text, max(limits.max_chars - len(answer.title) - len(link) - 400, 200))
        return "\n".join([answer.title, text, link])

