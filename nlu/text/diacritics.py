"""Diacritic restoration: "dang ky khai sinh o dau" -> "đăng ký khai sinh ở đâu".

Many citizens type without marks (old phones, foreign keyboards, haste). Without
them "ban" could be "bán, bạn, bản, bàn, bận..."; intent models trained on
accented text see unknown words. :func:`restore_diacritics` asks pyvi's
character-level CRF (``ViUtils.add_accents``, model shipped inside the pyvi wheel)
for the most likely marks. Accuracy is measured in ``bench/text_layer.py``.

The model is used through a thin wrapper that fixes its rough edges:

* it is fed lower-case text (its features are case-sensitive and it was trained
  on lower case: "THU TUC" comes back as "Thủ TỨC"), and the caller's case is
  re-applied character by character;
* syllables the user already accented are kept as typed; the model only fills
  in unaccented ones (it would otherwise turn "Huế" into "Hưế");
* output is :func:`~nlu.text.normalize`-style NFC with canonical tone placement.

A restorer trained on the project's own text does much better on our domain
(``bench/text_layer.py``: about 0.99 of the syllables of procedure names against
pyvi's 0.71). It is a file, trained by ``python -m training.diacritics``, that the
caller loads once and passes in::

    restorer = NgramRestorer.load("var/models/diacritics.json.gz")  # nlu.text.restorer
    restore_diacritics("dang ky tam tru", restorer=restorer)        # 'đăng ký tạm trú'

pyvi stays the default so that this module never reads a trained file by itself.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

from nlu.text.normalize import canonical_word

if TYPE_CHECKING:
    from nlu.text.restorer import NgramRestorer

__all__ = ["restore_diacritics"]

# Letter runs (with combining marks): the unit compared between input and output.
_SYLLABLE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
# The longest Vietnamese syllable has 7 letters ("nghiêng"). Longer runs are not
# Vietnamese, and the CRF's features grow with the square of a word's length.
_MAX_SYLLABLE = 7
_SENTENCE_END = frozenset(".!?")


@cache
def _add_accents():  # type: ignore[no-untyped-def]
    from pyvi import ViUtils  # imported lazily: loads a CRF model (~0.6 s)

    return ViUtils.add_accents


def _with_case_of(restored: str, original: str) -> str:
    """Give ``restored`` (lower case) the upper/lower pattern of ``original``."""
    return "".join(r.upper() if o.isupper() else r.lower() for r, o in zip(restored, original, strict=True))


def _restorable(word: str) -> bool:
    """An unaccented run of ASCII letters short enough to be a syllable."""
    return len(word) <= _MAX_SYLLABLE and word.isascii() and word.isalpha()


def restore_diacritics(text: str, restorer: NgramRestorer | None = None) -> str:
    """Add the most likely Vietnamese diacritics to the unaccented syllables of ``text``.

    >>> restore_diacritics("toi muon dang ky khai sinh")
    'tôi muốn đăng ký khai sinh'

    Spacing, punctuation and anything that is not an unaccented Vietnamese-looking
    syllable are kept exactly; the input is NFC-composed first. With ``restorer``
    (a fitted or loaded :class:`~nlu.text.restorer.NgramRestorer`) that model
    does the work; without it, pyvi's CRF.
    """
    if restorer is not None:
        return restorer.predict(text)
    source = unicodedata.normalize("NFC", text)
    syllables = list(_SYLLABLE.finditer(source))
    if not any(_restorable(m.group()) for m in syllables):
        return source
    # The model sees one lower-case word per syllable, plus sentence-ending
    # punctuation (its features stop at ".!?"). Other words become a neutral "x".
    parts: list[str] = []
    where: list[int] = []  # index in `parts` of each syllable
    previous_end = 0
    for match in syllables:
        gap = source[previous_end : match.start()]
        if parts and (end_mark := next((c for c in gap if c in _SENTENCE_END), None)):
            parts.append(end_mark)
        word = match.group()
        where.append(len(parts))
        parts.append(word.lower() if _restorable(word) else "x")
        previous_end = match.end()
    model_input = " ".join(parts)
    restored = unicodedata.normalize("NFC", _add_accents()(model_input))
    if len(restored) != len(model_input):  # the model labels characters 1:1; never seen otherwise
        return source
    starts = [0]
    for part in parts:
        starts.append(starts[-1] + len(part) + 1)

    pieces: list[str] = []
    previous_end = 0
    for match, index in zip(syllables, where, strict=True):
        word = match.group()
        pieces.append(source[previous_end : match.start()])
        if _restorable(word):
            guess = restored[starts[index] : starts[index] + len(word)]
            pieces.append(canonical_word(_with_case_of(guess, word), lower=False))
        else:
            pieces.append(word)
        previous_end = match.end()
    pieces.append(source[previous_end:])
    return "".join(pieces)
