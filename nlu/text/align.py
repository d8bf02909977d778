"""Offset-preserving normalisation: every output character knows where it came from.

NLU works on normalised text, but users and logs need spans of the text the
citizen actually typed (to highlight "cccd" in "cho mình hỏi làm cccd ở đâu").
:func:`normalize_aligned` runs the same steps as :func:`~nlu.text.normalize`
(plus abbreviation expansion and, optionally, diacritic stripping) and returns an
:class:`Aligned`::

    >>> a = normalize_aligned("Làm  CCCD ở đâu")
    >>> a.text
    'làm căn cước công dân ở đâu'
    >>> a.span_to_original(4, 21)  # "căn cước công dân" comes from "CCCD"
    (5, 9)

Each step is itself an :class:`Aligned` relative to its own input; steps are
chained with :meth:`Aligned.then`, so adding a step never touches the others.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from nlu.text.abbreviations import abbreviation_spans
from nlu.text.normalize import canonical_word, clean, strip_diacritics

__all__ = ["Aligned", "normalize_aligned"]


@dataclass
class Aligned:
    """A derived text plus, per character, its source span in the original.

    ``offsets[i]`` is the index in the ORIGINAL text of the first source character
    of output character ``i``; ``ends[i]`` is the end (exclusive) of that source.
    For a character copied unchanged, ``ends[i] == offsets[i] + 1``; a composed
    character ("a" + U+0300 -> "à") spans 2 original characters; every character of
    an expansion ("không" from "ko") spans the whole abbreviation. ``ends`` may be
    omitted, which means "one source character each".
    """

    text: str
    offsets: list[int]
    ends: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.ends:
            self.ends = [o + 1 for o in self.offsets]
        if not len(self.text) == len(self.offsets) == len(self.ends):
            raise ValueError("text, offsets and ends must have the same length")

    @classmethod
    def identity(cls, text: str) -> Aligned:
        """``text`` aligned to itself."""
        return cls(text, list(range(len(text))))

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the half-open span ``[start, end)`` of :attr:`text` to the original.

        The result covers every original character that produced a character of the
        span. An empty span maps to an empty span at the corresponding position.
        Out-of-range indices are clamped, like slicing.
        """
        n = len(self.text)
        start, end = max(0, min(start, n)), max(0, min(end, n))
        if start >= end:
            if start < n:
                return self.offsets[start], self.offsets[start]
            last = self.ends[-1] if n else 0
            return last, last
        return min(self.offsets[start:end]), max(self.ends[start:end])

    def then(self, step: Aligned) -> Aligned:
        """Compose: ``step`` was computed from ``self.text``; map it to our original."""
        return Aligned(
            step.text,
            [self.offsets[o] for o in step.offsets],
            [self.ends[e - 1] for e in step.ends],
        )


class _Builder:
    """Accumulates output pieces with their source spans (in the step's input)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offsets: list[int] = []
        self.ends: list[int] = []

    def copy(self, piece: str, start: int) -> None:
        """``piece`` corresponds character by character to input[start:...]."""
        self.parts.append(piece)
        self.offsets.extend(range(start, start + len(piece)))
        self.ends.extend(range(start + 1, start + len(piece) + 1))

    def replace(self, piece: str, start: int, end: int) -> None:
        """Every character of ``piece`` comes from the whole input[start:end]."""
        self.parts.append(piece)
        self.offsets.extend([start] * len(piece))
        self.ends.extend([end] * len(piece))

    def build(self) -> Aligned:
        return Aligned("".join(self.parts), self.offsets, self.ends)


def _clean_step(text: str) -> Aligned:
    """Drop invisible characters, map look-alikes, whitespace -> space (1:1 or 1:0)."""
    cleaned = clean(text)
    if len(cleaned) == len(text):
        return Aligned.identity(cleaned)
    out = _Builder()
    for i, ch in enumerate(text):
        mapped = clean(ch)
        if mapped:
            out.copy(mapped, i)
    return out.build()


def _clusters(word: str) -> list[tuple[int, int]]:
    """Spans of (starter + following combining marks): what NFC turns into one char."""
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(word):
        if spans and unicodedata.combining(ch):
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def _nfc(piece: str, lower: bool) -> str:
    out = unicodedata.normalize("NFC", piece)
    return unicodedata.normalize("NFC", out.lower()) if lower else out


def _word_step(text: str, lower: bool) -> Aligned:
    """Collapse spaces and canonicalise each word (NFC, case, tone placement)."""
    out = _Builder()
    previous_end: int | None = None
    for match in re.finditer(r"[^ ]+", text):
        start, end = match.span()
        if previous_end is not None:
            out.replace(" ", previous_end, start)  # the whole whitespace run
        previous_end = end
        word = match.group()
        canon = canonical_word(word, lower)
        if canon == word:
            out.copy(canon, start)
            continue
        # Map output chars to input clusters. Moving a tone or changing case keeps
        # one char per cluster, so this is exact for Vietnamese; the rare scripts
        # where it is not (Hangul jamo, "İ".lower()) map to the whole word.
        clusters = _clusters(word)
        if len(canon) == len(clusters):
            sizes = [1] * len(clusters)
        else:
            sizes = [len(canonical_word(word[a:b], lower)) for a, b in clusters]
            if sum(sizes) != len(canon):
                # A cluster NFC cannot compose into one char ("a" + grave + circumflex
                # in a word left as typed): count its chars as NFC leaves them.
                sizes = [len(_nfc(word[a:b], lower)) for a, b in clusters]
        if sum(sizes) != len(canon):
            out.replace(canon, start, end)
            continue
        position = 0
        for (a, b), size in zip(clusters, sizes, strict=True):
            out.replace(canon[position : position + size], start + a, start + b)
            position += size
    return out.build()


def _expand_step(text: str) -> Aligned:
    """Replace abbreviations; each expansion maps to the abbreviation's span."""
    out = _Builder()
    position = 0
    for start, end, expansion in abbreviation_spans(text):
        out.copy(text[position:start], position)
        out.replace(expansion, start, end)
        position = end
    out.copy(text[position:], position)
    return out.build()


def _strip_step(text: str) -> Aligned:
    """Diacritic removal is 1:1 except for stray combining marks, which are dropped."""
    stripped = strip_diacritics(text)
    if len(stripped) == len(text):
        return Aligned.identity(stripped)
    out = _Builder()
    for i, ch in enumerate(text):
        out.copy(strip_diacritics(ch), i)
    return out.build()


def normalize_aligned(
    text: str, *, lower: bool = True, expand: bool = True, strip: bool = False
) -> Aligned:
    """Normalise ``text`` like :func:`~nlu.text.normalize`, keeping offsets.

    ``expand`` also expands abbreviations (:func:`~nlu.text.expand_abbreviations`),
    ``strip`` finally removes diacritics (:func:`~nlu.text.strip_diacritics`).
    With ``expand=False, strip=False`` the text equals ``normalize(text, lower=lower)``.
    """
    aligned = _clean_step(text)
    aligned = aligned.then(_word_step(aligned.text, lower))
    if expand:
        aligned = aligned.then(_expand_step(aligned.text))
    if strip:
        aligned = aligned.then(_strip_step(aligned.text))
    return aligned
