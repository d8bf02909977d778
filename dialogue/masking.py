"""Phone and identity numbers masked, for logs and for questions kept as training data.

>>> mask_pii("gọi tui số 0914 123 456, cccd 046090001234")
'gọi tui số 09** *** *56, cccd 04********34'
>>> mask_pii("số tui là không chín một bốn một hai ba bốn năm sáu")
'số tui là ***'
>>> mask_pii("hồ sơ 000.00.21.H57-250312-0042")       # receipt codes are not personal: kept
'hồ sơ 000.00.21.H57-250312-0042'

What counts: a run of at least :data:`MIN_DIGITS` digits, possibly separated by
spaces, dots or dashes (mobile and landline numbers, 9-digit CMND and 12-digit
CCCD numbers, "+84 …"), and a run of as many number words read aloud. The first
two and last two digits stay, so an operator can still tell two numbers apart
in a log; receipt codes (``…H57-…``) are left alone, as the lookup needs them
and they name no one.
"""

from __future__ import annotations

import re

from nlu.text import normalize, strip_diacritics

MIN_DIGITS = 9

# Digits with single separators between them; a receipt code is recognised first and skipped.
_NUMBER = re.compile(r"(?<![\w.])\+?\d(?:[ .\-]?\d){%d,}(?![\w])" % (MIN_DIGITS - 1))
_RECEIPT = re.compile(r"\d{3}[.\s]?\d{2}[.\s]?\d{2}[.\s]?h\s?\d{2}\W{0,3}\d{6}\W{0,3}\d{4}", re.IGNORECASE)
# Number words read aloud (unaccented, as recognisers and typists drop marks).
_SPOKEN_DIGITS = {"khong", "mot", "mot", "hai", "ba", "bon", "tu", "nam", "lam", "sau", "bay", "bay", "tam", "chin",
                  "muoi", "linh", "le"}
_WORD = re.compile(r"\w+", re.UNICODE)


def _mask_digits(match: re.Match[str]) -> str:
    text = match.group()
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    keep = set(positions[:2] + positions[-2:])
    return "".join(ch if not ch.isdigit() or i in keep else "*" for i, ch in enumerate(text))


def _mask_spoken(text: str) -> str:
    words = list(_WORD.finditer(text))
    plain = [strip_diacritics(normalize(w.group())).lower() for w in words]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and plain[j] in _SPOKEN_DIGITS:
            j += 1
        if j - i >= MIN_DIGITS:
            spans.append((words[i].start(), words[j - 1].end()))
        i = max(j, i + 1)
    for start, end in reversed(spans):
        text = text[:start] + "***" + text[end:]
    return text


def mask_pii(text: str) -> str:
    """``text`` with phone and identity numbers masked (see the module docstring)."""
    if not text:
        return text
    receipts = [m.span() for m in _RECEIPT.finditer(text)]

    def replace(match: re.Match[str]) -> str:
        inside_receipt = any(a <= match.start() < b for a, b in receipts)
        return match.group() if inside_receipt else _mask_digits(match)

    return _mask_spoken(_NUMBER.sub(replace, text))


def mask_log_event(_logger: object, _method: str, event: dict) -> dict:
    """A structlog processor masking every string value of an event (add it to the logging chain).

    File paths (``path``, ``…_path``) are left as they are: they name the installation's own files,
    whose time stamps (``kb-index-20261203-201115-…``) would otherwise read as phone numbers.

    >>> mask_log_event(None, "info", {"event": "x", "caller": "0914123456", "path": "m/nlu-20261203-201117-94a0"})
    {'event': 'x', 'caller': '09******56', 'path': 'm/nlu-20261203-201117-94a0'}
    """
    return {key: mask_pii(value) if isinstance(value, str) and not _names_a_file(key) else value
            for key, value in event.items()}


def _names_a_file(key: str) -> bool:
    return key == "path" or key.endswith("_path")
