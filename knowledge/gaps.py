"""Topics citizens ask about that the knowledge base does not hold.

The knowledge base is the national portal's catalogue as the project holds it:
1,479 procedures, without some that citizens of Huế ask about every day (the
driving test, a restaurant's food-safety certificate, unemployment benefit, an
employee's pension). Asked about one of those, retrieval still finds the
nearest procedure, and it is often a confident neighbour: "Cấp giấy phép cho
trung tâm sát hạch lái xe loại 3" for "thi bằng lái xe máy ở đâu". The ranking's
features cannot tell such a neighbour from the right answer (see
:mod:`training.kb_confidence`); an operator who knows the catalogue can.

So an editable table (``knowledge/data/gaps.yaml``, documented in its header)
names those topics and the words that ask for them. A question that asks for
one gets no answer and a reason naming the topic, so the assistant can say what
it does not have and offer a person instead of answering the neighbour::

    >>> GapTable.load().find("e 17t mún thi bằng lái xe máy thì đk ở đâu").topic
    'sát hạch, cấp giấy phép lái xe lần đầu'

Matching is :class:`~knowledge.aliases.PhraseIndex`'s: whole words, either tone
style, and phrases of two or more words also without marks; the question is
read as typed and with its abbreviations and teencode expanded ("đk", "bhxh").
An entry matches when one of its ``asked`` phrases occurs, one of its ``with`` phrases too (when
it has any), and none of its ``unless`` phrases, which name what the base does
hold ("trung tâm sát hạch"). A test checks each topic against the catalogue:
when a procedure for it is imported, its entry must go.

A topic is often only the story around what a citizen asks ("con tui xuất ngũ về,
muốn đăng ký thường trú lại"). A question names what it asks for last, so a phrase
of ``knowledge/data/held.yaml`` (a procedure the base holds: "đăng ký thường trú")
said after every topic phrase, or before "để" and a topic ("làm hộ chiếu để xin
visa"), keeps the question from being turned away: retrieval and its confidence gate
decide it. Said first, it is the story ("đăng ký tạm trú rồi, muốn vào danh sách cử tri").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.aliases import PhraseIndex, phrase_words
from knowledge.datafiles import read_entries
from knowledge.index.analysis import analysis_form

__all__ = ["DEFAULT_GAPS_PATH", "DEFAULT_HELD_PATH", "Gap", "GapTable", "Held"]

DEFAULT_GAPS_PATH = Path(__file__).with_name("data") / "gaps.yaml"
DEFAULT_HELD_PATH = Path(__file__).with_name("data") / "held.yaml"
_PURPOSE = "để"  # "làm hộ chiếu để xin visa": what comes before it is what is asked
# Typed without marks, "để" is "de", which is also "đề" of "đề nghị" ("xác nhận ..., de nghi xoa an tich").
_PLAIN_PURPOSE, _NOT_PURPOSE_AFTER = "de", "nghi"

#: Other words allowed between two words of a long `asked` or `unless` phrase ("sửa tên trên bằng tốt
#: nghiệp" asks for "sửa bằng tốt nghiệp"); see :meth:`~knowledge.aliases.PhraseIndex.search`.
PHRASE_SPREAD = 2


def _says_purpose(words: Sequence[str]) -> bool:
    """Whether ``words`` hold "để" (or, without marks, a "de" that does not open "đề nghị")."""
    following = [*words[1:], None]
    return _PURPOSE in words or any(word == _PLAIN_PURPOSE and after != _NOT_PURPOSE_AFTER
                                    for word, after in zip(words, following))


def _with_words(value: str | list[str]) -> str | list[str]:
    """``value``, a phrase or a list of them, once each phrase is known to contain words."""
    for phrase in [value] if isinstance(value, str) else value:
        if not phrase.strip():
            raise ValueError("phrases must contain words")
    return value


class Gap(BaseModel):
    """A topic the knowledge base lacks and the words that ask for it."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    topic: str = Field(description='what is missing, as the assistant names it: "… chưa có thủ tục về {topic}"')
    asked: list[str] = Field(min_length=1, description="phrases that ask for the topic")
    with_: list[str] = Field(default_factory=list, alias="with",
                             description="when given, one of these must occur too")
    unless: list[str] = Field(default_factory=list, description="phrases that mean a procedure the base holds")

    _no_empty_phrases = field_validator("topic", "asked", "with_", "unless", mode="after")(_with_words)


class Held(BaseModel):
    """Phrases that ask for a procedure the knowledge base holds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    procedure: str = Field(description="what the base holds, for the reader of the file")
    phrases: list[str] = Field(min_length=1)

    _no_empty_phrases = field_validator("phrases", mode="after")(_with_words)


class GapTable:
    """The validated entries with one phrase index per role, and the phrases of what the base holds."""

    def __init__(self, gaps: list[Gap], held: list[Held] | None = None) -> None:
        self.gaps = tuple(gaps)
        self._asked, self._with, self._unless = PhraseIndex(), PhraseIndex(), PhraseIndex()
        for number, gap in enumerate(self.gaps):
            for index, phrases in ((self._asked, gap.asked), (self._with, gap.with_), (self._unless, gap.unless)):
                for phrase in phrases:
                    index.add(phrase, number)
        self._held = PhraseIndex()
        for number, entry in enumerate(held or []):
            for phrase in entry.phrases:
                self._held.add(phrase, number)

    @classmethod
    def load(cls, path: Path | None = None, held: Path | None = None) -> GapTable:
        """Read and validate a gaps file (default: :data:`DEFAULT_GAPS_PATH`) and the phrases of what the
        base holds (default: :data:`DEFAULT_HELD_PATH`); :class:`ValueError` naming the file and the entry
        for a broken one."""
        gaps = read_entries(path or DEFAULT_GAPS_PATH, Gap, label="topic", allow_empty=True)  # none: it lacks nothing
        return cls(gaps, read_entries(held or DEFAULT_HELD_PATH, Held, label="procedure", allow_empty=True))

    def find(self, text: str) -> Gap | None:
        """The first entry ``text`` asks for, or None.

        The text is read as typed and with its abbreviations and teencode expanded ("e mún đk khuyến
        mại" asks for "đăng ký khuyến mại"); a phrase found in either counts.
        """
        forms = dict.fromkeys((text, analysis_form(text)))
        # Every entry's own phrases count, even inside another entry's longer one.
        with_ = {m.entry for form in forms for m in self._with.search(form, maximal=False)}
        unless = {m.entry for form in forms for m in self._unless.search(form, maximal=False, spread=PHRASE_SPREAD)}

        def applies(number: int) -> bool:
            return (not self.gaps[number].with_ or number in with_) and number not in unless

        # Only the entries that apply: an entry its `unless` rules out does not claim a held phrase as its own.
        found = {form: [m for m in self._asked.search(form, spread=PHRASE_SPREAD) if applies(m.entry)]
                 for form in forms}
        asked = [m.entry for matches in found.values() for m in matches]
        if not asked or any(self._asks_for_held(form, matches) for form, matches in found.items()):
            return None
        return self.gaps[asked[0]]

    def _asks_for_held(self, form: str, asked: list) -> bool:
        """Whether ``form`` asks for a procedure the base holds rather than for the topics it mentions:
        a held phrase outside the topic phrases, after the last of them or before "để" and one."""
        if not asked:
            return False
        words = phrase_words(form)
        for held in self._held.search(form, maximal=False):
            if any(held.start < m.end and m.start < held.end for m in asked):
                continue  # "cấp hộ chiếu" across "hộ chiếu công vụ": the topic's own words
            later = [m for m in asked if m.start >= held.end]
            if not later or _says_purpose(words[held.end:later[0].start]):
                return True
        return False
