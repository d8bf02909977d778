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
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from nlu.text.normalize import canonical_word, has_diacritics, strip_diacritics

__all__ = ["restore_diacritics"]

# Letter runs (with combining marks): the unit compared between input and output.
_SYLLABLE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


@cache
def _add_accents():  # type: ignore[no-untyped-def]
    from pyvi import ViUtils  # imported lazily: loads a CRF model (~0.6 s)

    return ViUtils.add_accents


def _with_case_of(restored: str, original: str) -> str:
    """Give ``restored`` (lower case) the upper/lower pattern of ``original``."""
    return "".join(r.upper() if o.isupper() else r.lower() for r, o in zip(restored, original, strict=True))


def restore_diacritics(text: str) -> str:
    """Add the most likely Vietnamese diacritics to the unaccented syllables of ``text``.

    >>> restore_diacritics("Thu tuc cap giay phep xay dung")
    'Thủ tục cấp giấy phép xây dựng'

    Spacing and punctuation are kept; the input is NFC-composed first.
    Text that is fully accented is returned unchanged (apart from NFC).
    """
    source = unicodedata.normalize("NFC", text)
    syllables = list(_SYLLABLE.finditer(source))
    if not any(not has_diacritics(m.group()) for m in syllables):
        return source
    # The model labels each character, so its output has the same length as its
    # (stripped, lower-cased) input: syllables line up by position.
    model_input = strip_diacritics(source).lower()
    restored = unicodedata.normalize("NFC", _add_accents()(model_input))
    if len(restored) != len(model_input):  # never seen; keep the input rather than guess
        return source
    pieces: list[str] = []
    position = 0
    for match in syllables:
        start, end = match.span()
        word = match.group()
        pieces.append(source[position:start])
        if has_diacritics(word) or len(word) != len(strip_diacritics(word)):
            pieces.append(word)
        else:
            pieces.append(canonical_word(_with_case_of(restored[start:end], word), lower=False))
        position = end
    pieces.append(source[position:])
    return "".join(pieces)
