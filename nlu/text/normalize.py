"""Normalisation: one spelling for every way of typing the same Vietnamese text.

Citizens type on phones, PCs with three different Vietnamese keyboards (Telex,
VNI, Unikey in "precomposed" or "decomposed" mode) and paste from PDFs. The same
word can arrive as different code points::

    "hoà"  (U+00E0, old-style tone)      "hòa" (new placement)
    "hòa"  (o + U+0300 combining, NFD)   "HÒA" (caps)
    "Ðà"   (U+00D0 Icelandic eth, looks like Đ)

:func:`normalize` maps all of them to ``"hòa"`` / ``"đà"`` so that lookups,
indexes and models see one form. It is deliberately *lossless for meaning*: no
abbreviation expansion or diacritic removal happens here (see
:mod:`nlu.text.abbreviations` and :func:`strip_diacritics`).

Usage::

    >>> from nlu.text import normalize, strip_diacritics
    >>> normalize("  Thủ tục  HOÀ giải\u200b ")
    'thủ tục hòa giải'
    >>> strip_diacritics("Đăng ký khai sinh")
    'Dang ky khai sinh'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from nlu.text.tones import canonical_syllable

__all__ = ["normalize", "strip_diacritics", "has_diacritics"]

# Characters that look like Vietnamese letters/punctuation but are not. Typed by
# keyboards with the wrong layout or produced by PDF extraction.
_LOOKALIKES = {
    "\u00d0": "\u0110",  # Ð Latin capital eth -> Đ
    "\u00f0": "\u0111",  # ð Latin small eth -> đ
    "\u0189": "\u0110",  # Ɖ African D -> Đ
    "\u0256": "\u0111",  # ɖ d with tail -> đ
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
}


class _CleanTable(dict[int, str | None]):
    """``str.translate`` table, filled lazily: drops invisible characters
    (zero-width spaces, BOM, soft hyphen, control bytes), turns every kind of
    whitespace into a plain space and fixes look-alikes. ``__missing__`` makes it
    cover all of Unicode while storing only the characters actually seen."""

    def __missing__(self, codepoint: int) -> str | None:
        ch = chr(codepoint)
        value: str | None
        if ch in _LOOKALIKES:
            value = _LOOKALIKES[ch]
        elif ch.isspace():
            value = " "
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            value = None  # control, format (U+200B, U+FEFF, U+00AD...), lone surrogate
        else:
            value = ch
        self[codepoint] = value
        return value


_CLEAN = _CleanTable()

# A run of letters plus the combining marks that may sit on them: the unit that
# gets its tone re-placed. Digits and punctuation separate runs ("hoà," -> "hoà").
_LETTER_RUN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


def clean(text: str) -> str:
    """Drop invisible characters, map look-alikes, turn all whitespace into spaces.

    One input character gives zero or one output character; this is the property
    :mod:`nlu.text.align` relies on to keep offsets.
    """
    return text.translate(_CLEAN)


@lru_cache(maxsize=131072)
def canonical_word(word: str, lower: bool = True) -> str:
    """Normalise one whitespace-free chunk: NFC, optional lower-case, tone placement."""
    out = unicodedata.normalize("NFC", word)
    if lower:
        out = unicodedata.normalize("NFC", out.lower())
    out = _LETTER_RUN.sub(lambda m: canonical_syllable(m.group()), out)
    return unicodedata.normalize("NFC", out)


def normalize(text: str, *, lower: bool = True) -> str:
    """Return the canonical form of ``text``.

    Steps, in order:

    1. drop zero-width and control characters, map look-alikes (``Ð`` -> ``Đ``);
    2. collapse every run of whitespace (tabs, newlines, NBSP...) to one space and
       trim both ends;
    3. per word: Unicode NFC (so decomposed input composes), lower-case when
       ``lower`` is true, and move the tone mark to its canonical vowel
       (``hoà`` -> ``hòa``, ``thuỷ`` -> ``thủy``, ``qúy`` -> ``quý``; see
       :mod:`nlu.text.tones`).

    The result is idempotent: ``normalize(normalize(x)) == normalize(x)``.
    Word results are cached, so throughput on real text is dominated by
    ``str.translate`` and ``str.split``.
    """
    return " ".join(canonical_word(w, lower) for w in clean(text).split(" ") if w)


# đ/Đ have no Unicode decomposition, and neither do their look-alikes.
_D_LETTERS = {"đ": "d", "Đ": "D", "\u00d0": "D", "\u00f0": "d", "\u0189": "D", "\u0256": "d"}


class _StripTable(dict[int, str | None]):
    """Lazy ``str.translate`` table for :func:`strip_diacritics`."""

    def __missing__(self, codepoint: int) -> str | None:
        ch = chr(codepoint)
        value: str | None = ch
        if ch in _D_LETTERS:
            value = _D_LETTERS[ch]
        elif "\u0300" <= ch <= "\u036f":
            value = None  # a combining mark that did not compose with anything
        else:
            decomposed = unicodedata.normalize("NFD", ch)
            base, marks = decomposed[0], decomposed[1:]
            # Only strip marks from the Combining Diacritical Marks block, so other
            # scripts (Hangul jamo, Devanagari vowel signs) are left intact.
            if marks and all("\u0300" <= m <= "\u036f" for m in marks):
                value = base
        self[codepoint] = value
        return value


_STRIP = _StripTable()


def strip_diacritics(text: str) -> str:
    """Remove tone and vowel-quality marks: ``"Đường Lê Lợi"`` -> ``"Duong Le Loi"``.

    The input is NFC-composed first, so decomposed text works too.

    **Length-preserving:** for NFC input, output character ``i`` is input
    character ``i`` without its marks (one character -> one character), so
    offsets computed on the stripped text are valid on the original. The single
    exception is a combining mark that is not attached to any letter (a stray
    U+0301 after a space); it *is* a diacritic, so it is removed.
    """
    return unicodedata.normalize("NFC", text).translate(_STRIP)


def has_diacritics(text: str) -> bool:
    """True if ``text`` contains any Vietnamese tone/vowel mark or ``đ``.

    Use it to decide whether input needs :func:`~nlu.text.restore_diacritics`:
    ``has_diacritics("dang ky khai sinh")`` is ``False``.
    """
    nfc = unicodedata.normalize("NFC", text)
    return nfc.translate(_STRIP) != nfc
