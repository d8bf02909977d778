"""Syllables with offsets: the unit every entity extractor works on.

Vietnamese puts a space between syllables, and entities start and end at
syllable boundaries ("[phường Vĩnh Ninh]", "[0914 123 456]"), so the extractors
need syllables, not words. Statistical word segmentation
(:func:`nlu.text.tokenize`, underthesea) adds about 0.25 ms per message and
sometimes joins a syllable of an entity to its neighbour ("ở_Kim"); a regular
expression over the normalised text is exact for this purpose and costs a few
microseconds. Splitting: runs of letters/digits (``\\w+``) and single
punctuation marks, so "000.00.21.H57-250312" gives ``000 . 00 . 21 . h57 - 250312``.

:func:`prepare` does the normalisation once per message and keeps three aligned
views that the extractors share: the normalised text (lower case, canonical tones,
no abbreviation expansion so that every character still maps to what was typed),
the same without diacritics (character for character), and the syllables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.text import Aligned, normalize_aligned, strip_diacritics

__all__ = ["Prepared", "Syllable", "prepare"]

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Syllable:
    """``text``: normalised, lower case; ``plain``: the same without diacritics;
    ``start``/``end``: its span in the ORIGINAL message."""

    text: str
    plain: str
    start: int
    end: int


@dataclass(frozen=True)
class Prepared:
    """One message, normalised once for all extractors.

    ``normalized`` and ``plain`` have the same length; ``aligned`` maps a span of
    either back to ``original``.
    """

    original: str
    aligned: Aligned
    plain: str
    syllables: tuple[Syllable, ...]

    @property
    def normalized(self) -> str:
        return self.aligned.text

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """A span of the normalised text as a span of the original message."""
        return self.aligned.span_to_original(start, end)


def _plain(text: str) -> str:
    stripped = strip_diacritics(text)
    if len(stripped) == len(text):
        return stripped
    # A combining mark attached to nothing (after a space) is dropped by
    # strip_diacritics; keep a placeholder so that offsets stay 1:1.
    return "".join(strip_diacritics(ch) or " " for ch in text)


def prepare(text: str) -> Prepared:
    """Normalise ``text`` and split it into syllables (see the module docstring)."""
    aligned = normalize_aligned(text, lower=True, expand=False)
    plain = _plain(aligned.text)
    syllables = []
    for match in _TOKEN.finditer(aligned.text):
        a, b = match.span()
        start, end = aligned.span_to_original(a, b)
        syllables.append(Syllable(match.group(), plain[a:b], start, end))
    return Prepared(text, aligned, plain, tuple(syllables))
