"""Turning text into index terms.

Both documents and queries go through the same steps, so a citizen typing
"lam giay khai sinh" meets "Thủ tục đăng ký khai sinh":

1. :func:`nlu.text.normalize` (NFC, one tone-mark style, lower case) and
   abbreviation expansion ("dk" → "đăng ký", "cccd" → "căn cước công dân");
2. split into syllables (Vietnamese writes one syllable per space-separated
   unit, so syllables are the robust unit for unaccented and misspelt input
   where a word segmenter guesses badly);
3. terms are the syllables plus adjacent syllable pairs ("khai_sinh"), which
   recovers most of what word segmentation would give and rewards phrase order.

Every text yields two term lists: accented and unaccented. The unaccented list
is what input without diacritics can match; the accented one adds precision
("xe" vs "xé") when the query does carry diacritics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.text import expand_abbreviations, has_diacritics, normalize, strip_diacritics

_SYLLABLE = re.compile(r"\w+")


@dataclass(frozen=True)
class Terms:
    accented: list[str]
    unaccented: list[str]
    has_diacritics: bool


def syllables(text: str) -> list[str]:
    return _SYLLABLE.findall(text)


def with_bigrams(sylls: list[str]) -> list[str]:
    return sylls + [f"{a}_{b}" for a, b in zip(sylls, sylls[1:])]


def analysis_form(text: str) -> str:
    """``text`` normalised with abbreviations expanded: what :func:`terms_of` reads."""
    return normalize(expand_abbreviations(normalize(text)))


def terms_of(form: str) -> Terms:
    """Index terms, in both forms, of text already in :func:`analysis_form`."""
    sylls = syllables(form)
    plain = [strip_diacritics(s) for s in sylls]
    return Terms(with_bigrams(sylls), with_bigrams(plain), has_diacritics(form))


def analyze(text: str) -> Terms:
    """Index terms of ``text`` in both forms (documents and queries alike)."""
    return terms_of(analysis_form(text))
