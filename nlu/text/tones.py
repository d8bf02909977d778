"""Canonical tone-mark placement for one Vietnamese syllable.

Vietnamese writes a *tone* (one of five marks: huyền ``à``, sắc ``á``, hỏi ``ả``,
ngã ``ã``, nặng ``ạ``) on top of a syllable that may already carry *vowel-quality*
marks (``â ă ê ô ơ ư``). Where the tone goes is a matter of orthographic style, and
both styles are everywhere in real text::

    hòa / hoà     thủy / thuỷ     khỏe / khoẻ     quý / qúy

To a computer these are different strings, so a search for "hòa" misses "hoà".
We pick ONE placement: the style that dominates our knowledge base
(``hóa`` 5257 vs ``hoá`` 718, ``thủy`` 4262 vs ``thuỷ`` 165). Linguists call it the
"old" style, some style guides the "new" one; the examples above are what matter.

No library we have does this (Unicode normalisation keeps the mark wherever the
writer put it; pyvi/underthesea do not re-place tones), so it is hand-written here,
following the rules every Vietnamese schoolchild learns:

1. ``qu`` and ``gi`` (before another vowel) are onsets: their ``u``/``i`` never
   carries the tone (``quý``, ``giữ``; but ``gì`` has only one vowel).
2. A vowel with a quality mark takes the tone; in ``ươ``/``uơ`` the last one
   (``người``, ``thuở``).
3. Otherwise, if a consonant follows the vowels, the last vowel (``hoàn``, ``quýt``).
4. Otherwise (open syllable): the middle of three vowels (``ngoài``, ``khuỷu``),
   the first of two (``hóa``, ``thủy``, ``mùa``, ``tài``), or the only one.

Anything that does not look like a Vietnamese syllable (several vowel groups,
foreign letters, two tones, a tone on a consonant, a quality mark Vietnamese does
not write such as the ``î`` or ``ñ`` of other languages) is returned unchanged:
``café`` stays ``café``, ``ÎÑ`` stays ``ÎÑ``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["canonical_syllable"]

#: The five tone marks, as combining characters (NFD form).
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
#: Vowel-quality marks: circumflex (â ê ô), breve (ă), horn (ơ ư).
QUALITY_MARKS = frozenset("\u0302\u0306\u031b")

_VOWELS = frozenset("aeiouy")
#: The vowel-quality marks each vowel may carry in Vietnamese: â ê ô, ă, ơ ư.
_QUALITY_OF = {"a": frozenset("\u0302\u0306"), "e": frozenset("\u0302"), "o": frozenset("\u0302\u031b"),
               "u": frozenset("\u031b")}
# Letters that may appear in a Vietnamese syllable (plus f, j, w, z for loanwords
# and teencode, which then simply never match the vowel rules badly).
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzđ")


@lru_cache(maxsize=65536)
def canonical_syllable(syllable: str) -> str:
    """Return ``syllable`` (NFC) with its tone mark moved to the canonical vowel.

    Case is preserved (``"HOÀ"`` -> ``"HÒA"``). The function is pure and cached:
    a text has only a few thousand distinct syllables, so after warm-up the cost
    per word is one dictionary lookup.

    >>> canonical_syllable("hoà"), canonical_syllable("thuỷ"), canonical_syllable("qúy")
    ('hòa', 'thủy', 'quý')
    """
    # Work on (base letter, [combining marks]) clusters of the decomposed form.
    clusters: list[tuple[str, list[str]]] = []
    for ch in unicodedata.normalize("NFD", syllable):
        if clusters and unicodedata.combining(ch):
            clusters[-1][1].append(ch)
        else:
            clusters.append((ch, []))

    tones = [m for _, marks in clusters for m in marks if m in TONE_MARKS]
    if len(tones) != 1:
        return syllable  # nothing to move, or not Vietnamese (two tones)
    bases = [base.lower() for base, _ in clusters]
    if any(b not in _LETTERS for b in bases):
        return syllable
    for base, marks in clusters:
        quality = [m for m in marks if m not in TONE_MARKS]
        # Only the quality marks Vietnamese writes, at most one per vowel, and a
        # tone only on a vowel: "ñ" or "î" belong to other languages.
        if len(quality) > 1 or any(m not in _QUALITY_OF.get(base.lower(), ()) for m in quality):
            return syllable
        if len(quality) < len(marks) and base.lower() not in _VOWELS:
            return syllable

    vowel_idx = [i for i, b in enumerate(bases) if b in _VOWELS]
    if not vowel_idx or vowel_idx[-1] - vowel_idx[0] + 1 != len(vowel_idx):
        return syllable  # no vowel, or several vowel groups: not one syllable
    start, end = vowel_idx[0], vowel_idx[-1] + 1

    # Rule 1: the u of "qu" and the i of "gi" belong to the onset.
    if end - start > 1 and start > 0 and bases[start - 1] == "q" and bases[start] == "u":
        start += 1
    elif end - start > 1 and start == 1 and bases[0] == "g" and bases[1] == "i":
        start += 1

    position = _tone_position(clusters, start, end)
    if position is None:
        return syllable

    pieces = []
    for i, (base, marks) in enumerate(clusters):
        kept = [m for m in marks if m not in TONE_MARKS]
        if i == position:
            kept.append(tones[0])
        pieces.append(base + "".join(kept))
    return unicodedata.normalize("NFC", "".join(pieces))


def _tone_position(clusters: list[tuple[str, list[str]]], start: int, end: int) -> int | None:
    """Index of the cluster that should carry the tone (rules 2-4), or None."""
    marked = [i for i in range(start, end) if any(m in QUALITY_MARKS for m in clusters[i][1])]
    if marked:
        return marked[-1]
    if end < len(clusters):  # a final consonant follows the vowels
        return end - 1
    length = end - start
    if length == 1 or length == 2:
        return start
    if length == 3:
        return start + 1
    return None
