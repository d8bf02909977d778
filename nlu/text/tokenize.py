"""Word segmentation with offsets into the text the user typed.

Vietnamese writes one *syllable* per space-separated unit; words are often two
or more syllables ("đăng ký", "khai sinh", "thành phố"). Splitting on spaces
would turn "giấy khai sinh" into three unrelated units, so we ask a statistical
segmenter, then map its words back to the original string::

    >>> [t.text for t in tokenize("Đăng ký  khai sinh ở Huế?")]
    ['Đăng ký', 'khai sinh', 'ở', 'Huế', '?']

Two segmenters ship with our dependencies; ``bench/text_layer.py`` measures both
on 30 hand-segmented hotline sentences (numbers from ``python -m bench.text_layer``,
CPU, see ``bench/results/text_layer.json``):

===========  =======  ===============  ==============
backend      word F1  ms per sentence  import (cold)
===========  =======  ===============  ==============
underthesea  0.954    0.23             1.7 s
pyvi         0.939    0.07             0.95 s
===========  =======  ===============  ==============

The default is **underthesea**: it segments better, and both are far below a
millisecond per sentence, so speed does not decide anything for a chat hotline
(pyvi also has had no release since 2020). ``backend="pyvi"`` stays available.

Segmenters re-space punctuation and join syllables with "_" or " ", so their
output is not a substring of the input. We run them on the normalised text (see
:func:`~nlu.text.normalize_aligned`), find each word's syllables back in it, and
map that span to the original. Anything a segmenter drops or mangles is kept as
extra whitespace-separated tokens, so no input character is ever lost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from nlu.text.align import normalize_aligned

__all__ = ["DEFAULT_BACKEND", "Backend", "Token", "tokenize"]

Backend = Literal["pyvi", "underthesea"]
DEFAULT_BACKEND: Backend = "underthesea"  # chosen by measurement, see module docstring

_SYLLABLE_SEPARATORS = re.compile(r"[ _]+")


@dataclass(frozen=True)
class Token:
    """A word: its normalised surface form and its span in the ORIGINAL input.

    ``text`` is NFC with canonical tone placement and single spaces between
    syllables, case kept (``"Đăng ký"``). ``original[start:end]`` is what the user
    typed for it, which may differ in spacing, composition or tone style.
    """

    text: str
    start: int
    end: int


@cache
def _pyvi():  # type: ignore[no-untyped-def]
    from pyvi import ViTokenizer  # imported lazily: loading the model takes ~0.6 s

    return ViTokenizer


@cache
def _underthesea():  # type: ignore[no-untyped-def]
    from underthesea import word_tokenize  # lazily: ~1.6 s to import

    return word_tokenize


def segment(text: str, backend: Backend = DEFAULT_BACKEND) -> list[str]:
    """Raw segmenter output: words whose syllables are joined by "_" (pyvi) or " "."""
    if backend == "pyvi":
        return _pyvi().tokenize(text).split()
    if backend == "underthesea":
        return _underthesea()(text)
    raise ValueError(f"unknown backend {backend!r}")


def _locate(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Spans of ``words`` in ``text``, searched in order; unmatched words are skipped."""
    spans: list[tuple[int, int]] = []
    position = 0
    for word in words:
        syllables = [s for s in _SYLLABLE_SEPARATORS.split(word) if s]
        if not syllables:
            continue
        start = text.find(syllables[0], position)
        if start < 0:
            continue
        end = start + len(syllables[0])
        for syllable in syllables[1:]:
            found = text.find(syllable, end)
            # Only spaces/underscores may separate syllables of one word.
            if found < 0 or _SYLLABLE_SEPARATORS.fullmatch(text, end, found) is None:
                break
            end = found + len(syllable)
        # A segmenter may split a letter from a combining mark that NFC could not
        # compose onto it ("ạ" + U+0300); a word never ends or starts inside a letter.
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        while start > position and unicodedata.combining(text[start]):
            start -= 1
        spans.append((start, end))
        position = end
    return spans


def _fill_gaps(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Add whitespace-separated tokens for any text no span covers."""
    filled: list[tuple[int, int]] = []
    position = 0
    for start, end in [*spans, (len(text), len(text))]:
        filled += [(position + m.start(), position + m.end()) for m in re.finditer(r"[^ ]+", text[position:start])]
        if start < end:
            filled.append((start, end))
        position = end
    return filled


_LETTER_OR_MARK = re.compile(r"[^\W\d_]|[\u0300-\u036f]")


def _join_split_syllables(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge touching spans whose boundary falls inside a run of letters.

    Normalisation places the tone mark over a whole letter run, so a run cut in
    two ("0IÀA" segmented as "0I" + "ÀA") would give tokens whose text no longer
    matches what the user typed for them: a word never ends inside a syllable.
    """
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if (
            joined
            and joined[-1][1] == start
            and 0 < start < len(text)
            and _LETTER_OR_MARK.match(text, start - 1)
            and _LETTER_OR_MARK.match(text, start)
        ):
            start = joined.pop()[0]
        joined.append((start, end))
    return joined


def tokenize(text: str, *, backend: Backend = DEFAULT_BACKEND) -> list[Token]:
    """Segment ``text`` into words; offsets point into ``text`` itself.

    Input may be messy (several spaces, decomposed Unicode, old-style tones,
    zero-width characters): segmentation runs on the normalised form and every
    token is mapped back. Abbreviations are *not* expanded here, so each token
    stays a faithful view of the input; expand first if you need that.
    """
    aligned = normalize_aligned(text, lower=False, expand=False)
    if not aligned.text:
        return []
    located = _locate(aligned.text, segment(aligned.text, backend))
    spans = _join_split_syllables(aligned.text, _fill_gaps(aligned.text, located))
    tokens: list[Token] = []
    previous: tuple[int, int] | None = None  # the last token's span in the normalised text
    for start, end in spans:
        original_start, original_end = aligned.span_to_original(start, end)
        if tokens and original_start < tokens[-1].end and previous is not None:
            # Two words inside one input chunk that maps back only as a whole (rare
            # scripts, marks NFC cannot compose): they become one token, never two
            # overlapping ones.
            start = previous[0]
            original_start = tokens.pop().start
            original_end = max(original_end, aligned.span_to_original(start, end)[1])
        tokens.append(Token(aligned.text[start:end], original_start, original_end))
        previous = (start, end)
    return tokens
