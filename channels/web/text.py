"""A citizen's message as the channel accepts it: valid Unicode, no control or direction-override
characters, NFC, trimmed; empty and over-long messages refused with a reason in Vietnamese.

>>> clean_text("  đăng ký\\x00 khai sinh\\u202e  ")
'đăng ký khai sinh'

Emoji, zero-width joiners (which join emoji) and newlines stay.
"""

from __future__ import annotations

import re
import unicodedata

#: C0 controls but tab and newline, DEL, C1 controls, bidirectional overrides and isolates, BOM.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
#: A lone UTF-16 surrogate (JSON allows "\ud800"); no database can store it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    text = _SURROGATE.sub("\ufffd", text)
    text = _UNWANTED.sub("", unicodedata.normalize("NFC", text))
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
