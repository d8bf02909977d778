"""Bytes of a web page -> text, for Vietnamese sites that do not always say their encoding truthfully.

>>> decode_html(body, content_type="text/html; charset=ISO-8859-1")
Decoded(text='<html>… Thừa Thiên Huế …', charset='utf-8', declared='iso-8859-1')

Order of evidence, strongest first:

1. a byte-order mark;
2. **valid UTF-8 with non-ASCII bytes is UTF-8**, whatever the header or
   ``<meta>`` claims: text in a legacy single-byte encoding almost never forms
   valid multi-byte UTF-8 sequences by chance, while "UTF-8 served as
   ISO-8859-1" is the commonest lie on the web (a server default);
3. the declared charset (HTTP header, then ``<meta charset>`` / ``http-equiv``
   in the first 4 KB) when the bytes decode under it;
4. a legacy page: Windows-1258 (Vietnamese Windows, which writes tones as
   combining marks, hence the NFC below) against the declared or guessed
   single-byte encoding, and ``charset_normalizer``'s guess, scored by how
   Vietnamese the result looks. ISO-8859-1/Windows-1252 labels on a Vietnamese
   page are usually Windows-1258 text: the same bytes decode without error
   under both, so only the letters can tell.

The text is NFC-normalised, so "ế" decoded as "ê" + U+0301 from Windows-1258
is the same string as "ế" from UTF-8.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# Letters only Vietnamese uses (or uses far more than any other language written in Latin script).
_VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
                  "ĂÂĐÊÔƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ")
# What a wrong single-byte decoding of Vietnamese leaves behind.
_MOJIBAKE = set("ÃÂÐÞþ¤¦¨¬¯°±²³´µ¶·¸¹º¼½¾¿×÷\ufffd") | {chr(c) for c in range(0x80, 0xA0)}
_SINGLE_BYTE = {"iso8859-1", "cp1252", "ascii", "latin-1", "iso8859-15"}


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str  # the codec actually used (Python's name)
    declared: str | None  # what the header or the page claimed


def _codec(name: str | bytes | None) -> str | None:
    """Python's codec name for a charset label, or None when unknown. ``windows-874`` -> ``cp874`` etc."""
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def _score(text: str) -> float:
    """How Vietnamese ``text`` looks: Vietnamese letters minus mojibake, per 1,000 characters."""
    sample = text[:200_000]
    good = sum(ch in _VIETNAMESE for ch in sample)
    bad = sum(ch in _MOJIBAKE for ch in sample)
    return 1000 * (good - 3 * bad) / max(len(sample), 1)


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset the HTTP header names, else the one the page's ``<meta>`` names (as a codec name)."""
    if content_type and (match := _HEADER.search(content_type)):
        if codec := _codec(match.group(1)):
            return codec
    if match := _META.search(body[:4096]):
        return _codec(match.group(1))
    return None


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page's bytes (see the module docstring for the evidence used, in order)."""
    declared = declared_charset(body, content_type)
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            text = body.decode(codec, "replace").lstrip("\ufeff")
            return Decoded(unicodedata.normalize("NFC", text), codec, declared)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if declared in (None, "utf-8") or not body.isascii():
            return Decoded(unicodedata.normalize("NFC", text), "utf-8", declared)
    if body.isascii():
        return Decoded(body.decode("ascii"), declared or "ascii", declared)
    candidates: list[str] = []
    if declared and declared != "utf-8":
        candidates.append(declared)
    candidates.append("cp1258")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None and (guess := _codec(best.encoding)):
            candidates.append(guess)
    except Exception:  # a guesser failure must not lose the page; the other candidates remain
        pass
    scored: list[tuple[float, int, str, str]] = []
    for rank, codec in enumerate(dict.fromkeys(candidates)):
        try:
            text = unicodedata.normalize("NFC", body.decode(codec))
        except (UnicodeDecodeError, LookupError):
            continue
        # The declared charset wins ties, except a Latin-1 family label on a page that reads
        # better as Vietnamese Windows.
        bonus = 0.5 if rank == 0 and declared not in _SINGLE_BYTE else 0.0
        scored.append((_score(text) + bonus, -rank, codec, text))
    if not scored:
        return Decoded(unicodedata.normalize("NFC", body.decode("utf-8", "replace")), "utf-8", declared)
    _, _, codec, text = max(scored)
    return Decoded(text, codec, declared)
