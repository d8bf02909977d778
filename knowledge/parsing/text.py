"""Small text helpers shared by the field parsers."""

from __future__ import annotations

import re
import unicodedata

#: Vietnamese letters by case, for regex classes: ranges such as "À-Ỹ" mix
#: both cases in Unicode, so the alphabet is spelled out.
LOWER = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệfghiìíỉĩịjklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvwxyỳýỷỹỵz"
UPPER = LOWER.upper()

#: What the portal prints in an empty cell or section.
NO_INFO = "Không có thông tin"

_SPACES = re.compile(r"[ \t\u00a0\u200b\u200e\ufeff]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def clean(text: str | None) -> str | None:
    """Tidy one cell or section: collapse spaces, strip, map "no info" to None.

    Newlines survive (as single ``\\n``) because lists and paragraphs inside a
    cell are meaningful; runs of spaces, tabs and invisible marks do not.
    Text is composed to NFC first: about a quarter of the records spell some
    letters decomposed ("a" + U+0302 + U+0303 for "ẫ"), which no pattern
    written with ordinary Vietnamese letters would match.
    """
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text)
    text = _BLANK_LINES.sub("\n", _SPACES.sub(" ", text)).strip()
    if not text or text == NO_INFO:
        return None
    return text


def one_line(text: str | None) -> str | None:
    """Like :func:`clean`, but for short values that should read as one line."""
    text = clean(text)
    return None if text is None else text.replace("\n", " ")
