"""Colloquial aliases: the words citizens use, linked to the words of the catalogue.

People ask about "sổ đỏ", "bằng lái" or "hộ khẩu"; procedure names say "giấy
chứng nhận quyền sử dụng đất", "giấy phép lái xe", "đăng ký thường trú". Lexical
retrieval cannot bridge that gap by itself, so an editable table
(``knowledge/data/aliases.yaml``, documented in its header) lists, for official
phrases that really occur in procedure names, the colloquial forms that mean them.

Two directions are served::

    >>> table = AliasTable.load()
    >>> [a.official for a in table.official_for_query("mất sổ đỏ thì làm sao")]
    ['cấp lại giấy chứng nhận do bị mất']
    >>> "sổ đỏ" in table.colloquial_for_name("Cấp đổi Giấy chứng nhận quyền sử dụng đất, ...")
    False
    >>> "đổi sổ đỏ" in table.colloquial_for_name("Cấp đổi Giấy chứng nhận quyền sử dụng đất, ...")
    True

* :meth:`AliasTable.official_for_query` expands a citizen's question;
* :meth:`AliasTable.colloquial_for_name` gives the words to index next to a name.

How matching works
------------------
Text is cut into whole words after :func:`nlu.text.normalize` (NFC, one tone
placement, lower case), so "hoà"/"hòa" and "SỔ ĐỎ"/"sổ đỏ" are the same and "sổ
đỏ" never matches inside "sổ đỏng". A phrase of two or more words typed wholly
**without** marks matches the accented phrase ("so do" finds "sổ đỏ"); otherwise
the words must match as typed, so "sơ đồ" does not find "sổ đỏ", and neither
does "sung" of "bổ sung" find "súng" nor "bao" of "bao nhiêu" find "bão": a
single bare word is too often another word.

When one matched phrase lies inside a longer matched phrase, only the longer one
counts: "cắt hộ khẩu" means removing a registration, not the "hộ khẩu" entry, and
"nhận con nuôi" is adoption, not "nhận con" (acknowledging paternity).

Lookup is a dictionary of phrases keyed by their unaccented words, so a query
costs one dictionary probe per (word, phrase length) pair starting at a word
that begins some phrase: a few microseconds for a typical question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from knowledge.datafiles import read_entries
from nlu.text import normalize, strip_diacritics

__all__ = ["DEFAULT_ALIASES_PATH", "Alias", "AliasTable", "PhraseIndex"]

#: The alias file shipped with the package.
DEFAULT_ALIASES_PATH = Path(__file__).with_name("data") / "aliases.yaml"

# A word is a run of letters/digits; everything else (spaces, commas, slashes,
# dashes) separates words, so "nhận cha, mẹ, con" is the words nhận/cha/mẹ/con.
_WORD = re.compile(r"\w+")


def phrase_words(text: str) -> tuple[str, ...]:
    """The normalised (accented, lower-case) whole words of ``text``."""
    return tuple(_WORD.findall(normalize(text, lower=True)))


def _phrase_key(text: str) -> str:
    """One spelling per phrase, used to detect duplicates ("Hoà" == "hòa")."""
    return " ".join(phrase_words(text))


def _checked_phrase(value: str, what: str) -> str:
    """Strip ``value`` and insist that it contains at least one word."""
    value = value.strip()
    if not phrase_words(value):
        raise ValueError(f"{what} must contain at least one word, got {value!r}")
    return value


class Alias(BaseModel):
    """One entry of the alias file: an official phrase and how citizens say it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    official: str
    """Phrase as written in procedure names, e.g. "giấy phép lái xe"."""
    colloquial: list[str]
    """What citizens say or type for it, e.g. ["bằng lái", "gplx"]."""
    note: str | None = None
    """A short fact worth telling the citizen (e.g. that household books are abolished)."""

    @field_validator("official")
    @classmethod
    def _official_is_a_phrase(cls, value: str) -> str:
        return _checked_phrase(value, "official")

    @field_validator("colloquial")
    @classmethod
    def _colloquial_are_phrases(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("colloquial must list at least one form")
        return [_checked_phrase(v, "each colloquial form") for v in values]

    @field_validator("note")
    @classmethod
    def _note_is_text_or_null(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("note must be null or non-empty text")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _no_repeats_within_entry(self) -> Alias:
        seen = {_phrase_key(self.official): "the official phrase"}
        for form in self.colloquial:
            key = _phrase_key(form)
            if key in seen:
                raise ValueError(f"colloquial form {form!r} repeats {seen[key]}")
            seen[key] = f"colloquial form {form!r}"
        return self


#: The fewest words (syllables) of a phrase that :meth:`PhraseIndex.search` lets spread out: shorter
#: ones match everyday words that happen to follow each other ("người [lớn tuổi] có [căn cước] công").
SPREAD_MIN_WORDS = 4


class _Match(NamedTuple):
    start: int  # first word
    end: int  # one past the last word
    entry: int  # index into AliasTable.entries


class PhraseIndex:
    """Whole-word phrase finder over normalised words.

    Phrases are stored under the tuple of their *unaccented* words, so a query
    typed with or without marks reaches the same bucket with one probe; each
    candidate then matches exactly, or, for a phrase of two or more words typed
    wholly without marks, by its unaccented words.
    """

    def __init__(self) -> None:
        self._phrases: dict[tuple[str, ...], list[tuple[tuple[str, ...], int]]] = {}
        # Longest phrase starting with each unaccented word: bounds the n-gram loop
        # and skips, in one probe, the many query words that start no phrase.
        self._longest_from: dict[str, int] = {}
        # Phrases of SPREAD_MIN_WORDS or more, by their first unaccented word, for `spread` matching.
        self._long_from: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], int]]] = {}

    def add(self, phrase: str, entry: int) -> None:
        words = phrase_words(phrase)
        bare = tuple(strip_diacritics(w) for w in words)
        self._phrases.setdefault(bare, []).append((words, entry))
        self._longest_from[bare[0]] = max(self._longest_from.get(bare[0], 0), len(bare))
        if len(words) >= SPREAD_MIN_WORDS:
            self._long_from.setdefault(bare[0], []).append((words, bare, entry))

    def search(self, text: str, *, maximal: bool = True, spread: int = 0) -> list[_Match]:
        """Maximal matches in ``text``, in text order (a longer match first where two start together).

        ``maximal=False`` keeps a match inside a longer one too: where phrases of different entries
        only mark that their entry applies ("lương hưu" in "đang hưởng lương hưu"), each must be found.
        ``spread`` lets a phrase of :data:`SPREAD_MIN_WORDS` or more words have up to that many other
        words between two of its own, as people say it: "thiệt hại nặng do đợt lũ" for "thiệt hại do lũ".
        """
        words = phrase_words(text)
        bare = tuple(strip_diacritics(w) for w in words)
        found = self.find(words, bare)
        if spread:
            found += self._find_spread(words, bare, spread)
        matches = [m for m in found if not _inside_longer(m, found)] if maximal else found
        return sorted(set(matches), key=lambda m: (m.start, -m.end))

    def _find_spread(self, words: tuple[str, ...], bare: tuple[str, ...], spread: int) -> list[_Match]:
        """Long phrases whose words occur in order, at most ``spread`` other words apart."""
        def same(i: int, word: str, bare_word: str) -> bool:  # as typed, or unaccented if typed so
            return words[i] == word or (words[i] == bare[i] and bare[i] == bare_word)

        found: list[_Match] = []
        for start, first in enumerate(bare):
            for own_words, own_bare, entry in self._long_from.get(first, ()):
                if not same(start, own_words[0], own_bare[0]):
                    continue
                last: int | None = start
                for word, bare_word in zip(own_words[1:], own_bare[1:]):
                    window = range(last + 1, min(last + 2 + spread, len(words)))
                    last = next((i for i in window if same(i, word, bare_word)), None)
                    if last is None:
                        break
                if last is not None:
                    found.append(_Match(start, last + 1, entry))
        return found

    def find(self, words: tuple[str, ...], bare: tuple[str, ...]) -> list[_Match]:
        """Every exact match, short ones inside longer ones too, in a text given as its words and their
        unaccented forms (:meth:`search` keeps the maximal ones)."""
        typed_bare = [w == b for w, b in zip(words, bare)]
        found: list[_Match] = []
        for start, first in enumerate(bare):
            longest = min(self._longest_from.get(first, 0), len(bare) - start)
            for length in range(1, longest + 1):
                end = start + length
                # Marks may be left out only by a phrase of 2+ words typed wholly without them
                # ("so do" for "sổ đỏ"). One bare word is too often another word: "sung" of
                # "bổ sung" is not "súng", "bao" of "bao nhiêu" is not "bão".
                loose = length > 1 and all(typed_bare[start:end])
                for own_words, entry in self._phrases.get(bare[start:end], ()):
                    if loose or words[start:end] == own_words:
                        found.append(_Match(start, end, entry))
        return found


def _inside_longer(match: _Match, matches: list[_Match]) -> bool:
    """Is ``match`` strictly contained in a longer match (the shadowing rule)?"""
    return any(
        other.start <= match.start and match.end <= other.end and other.end - other.start > match.end - match.start
        for other in matches
    )


class AliasTable:
    """The validated alias entries with precompiled matchers for both directions."""

    def __init__(self, entries: Iterable[Alias]) -> None:
        """Index ``entries``; raise :class:`ValueError` if a phrase is claimed twice.

        A phrase (official or colloquial, compared after normalisation) may
        belong to one entry only: otherwise a citizen's word would silently mean
        two procedures and editing one entry would change another's behaviour.
        """
        self._entries = tuple(entries)
        owners: dict[str, tuple[int, str]] = {}
        self._query_index = PhraseIndex()  # official and colloquial phrases
        self._name_index = PhraseIndex()  # official phrases only
        for number, alias in enumerate(self._entries):
            for phrase in (alias.official, *alias.colloquial):
                key = _phrase_key(phrase)
                if key in owners:
                    other, other_phrase = owners[key]
                    raise ValueError(
                        f"entry {number + 1} ({alias.official!r}): {phrase!r} is already used by "
                        f"entry {other + 1} ({self._entries[other].official!r}) as {other_phrase!r}"
                    )
                owners[key] = (number, phrase)
                self._query_index.add(phrase, number)
            self._name_index.add(alias.official, number)

    @classmethod
    def load(cls, path: Path | None = None) -> AliasTable:
        """Read and validate an alias file (default: :data:`DEFAULT_ALIASES_PATH`).

        Any problem with the content (YAML syntax, wrong shape, empty or
        duplicate phrases, unknown keys) raises :class:`ValueError` whose
        message starts with the file path and names the entry; a missing file
        raises :class:`FileNotFoundError` as usual.
        """
        path = path or DEFAULT_ALIASES_PATH
        entries = read_entries(path, Alias, label="official")
        try:
            return cls(entries)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc

    @property
    def entries(self) -> tuple[Alias, ...]:
        """All entries, in file order."""
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def official_for_query(self, text: str) -> list[Alias]:
        """Entries whose colloquial form or official phrase occurs as whole words in ``text``.

        Entries come in the order their phrases appear in the text, each once;
        a phrase inside a longer matched phrase does not count (see module doc).

        >>> [a.official for a in AliasTable.load().official_for_query("lay vo can giay gi")]
        ['kết hôn']
        """
        matches = self._query_index.search(text)
        return [self._entries[i] for i in dict.fromkeys(m.entry for m in matches)]

    def colloquial_for_name(self, name: str) -> list[str]:
        """Colloquial forms of the entries whose official phrase occurs in ``name``.

        Meant for indexing: store these words next to the procedure name so that
        a question in everyday words finds the procedure. Forms are returned in
        entry order of first appearance, without duplicates.
        """
        matches = self._name_index.search(name)
        entries = dict.fromkeys(m.entry for m in matches)
        return [form for i in entries for form in self._entries[i].colloquial]
