"""Text as the synthesiser should say it: the last step before text-to-speech.

The dialogue already words the voice channel's replies for the ear
(:func:`dialogue.speech.speakable`: money, numbers, dates, times and receipt codes in words,
links and markdown dropped). Prompts written here, menu items and anything else the callbot
says go through :func:`for_speech`, which applies :func:`~dialogue.speech.speakable` (it is
idempotent on text already worded) and then what only matters to a synthesiser:

* acronyms written in capitals are expanded (UBND -> Ủy ban nhân dân, CCCD -> căn cước công
  dân): the NLU's abbreviation table (``nlu/data/abbreviations.tsv``) first, then
  :data:`SPOKEN_ACRONYMS`; lower-case teencode is left alone, replies never contain it;
* symbols a synthesiser would spell out or skip are written as words or as pauses.

>>> for_speech("Mang CCCD đến UBND phường trước 16:30, lệ phí 30.000 đồng.")
'Mang căn cước công dân đến Ủy ban nhân dân phường trước mười sáu giờ ba mươi phút, lệ phí ba mươi nghìn đồng.'
"""

from __future__ import annotations

import re
from functools import lru_cache

from dialogue.speech import speakable
from nlu.text.abbreviations import load_abbreviations

#: Acronyms the NLU's table does not hold (it is written for what citizens type).
SPOKEN_ACRONYMS: dict[str, str] = {
    "dvc": "dịch vụ công",
    "dvcqg": "Cổng dịch vụ công quốc gia",
    "qsdđ": "quyền sử dụng đất",
    "tthc": "thủ tục hành chính",
    "ttpvhcc": "Trung tâm Phục vụ hành chính công",
    "vneid": "vê en e ai đi",
    "csgt": "cảnh sát giao thông",
    "pccc": "phòng cháy chữa cháy",
    "stt": "số thứ tự",
    "sđt": "số điện thoại",
    "ioc": "trung tâm giám sát điều hành",
}
_ACRONYM = re.compile(r"\b(?:TP\.|[A-ZĐ][A-ZĐa-z]*[A-ZĐ])(?![\w])")
_GLUED_CURRENCY = re.compile(r"(\d)(đ|vnđ|VNĐ|VND|đồng)\b")
_SYMBOLS = [
    (re.compile(r"\s*&\s*"), " và "),
    (re.compile(r"\s*\+\s*"), " cộng "),
    (re.compile(r"(?<=\s)[-–—](?=\s)"), ","),
    (re.compile(r"[#*_`>|~^]"), " "),
    (re.compile(r"\bm2\b|m²"), " mét vuông"),
    (re.compile(r"\bkm\b"), "ki lô mét"),
]


@lru_cache(maxsize=1)
def _acronyms() -> dict[str, str]:
    table = {key: value for key, value in load_abbreviations().items() if len(key.rstrip(".")) >= 2}
    table.update(SPOKEN_ACRONYMS)
    return table


def expand_acronyms(text: str) -> str:
    table = _acronyms()

    def replace(match: re.Match[str]) -> str:
        word = match.group()
        expansion = table.get(word.lower()) or table.get(word.lower().rstrip("."))
        if expansion is None:
            return word
        return expansion[0].upper() + expansion[1:] if expansion.split()[0].lower() in {
            "ủy", "hội", "trung", "cổng"} else expansion

    return _ACRONYM.sub(replace, text)


def for_speech(text: str) -> str:
    """``text`` ready for the synthesiser (see the module docstring)."""
    text = speakable(_GLUED_CURRENCY.sub(r"\1 \2", text))
    text = expand_acronyms(text)
    for pattern, words in _SYMBOLS:
        text = pattern.sub(words, text)
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def sentences(text: str, max_chars: int = 220) -> list[str]:
    """``text`` cut into sentences (at . ? ! and, for long ones, at commas), for speaking one at a time:
    the first sentence can play while the next is being synthesised."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.?!])\s+", text.strip()):
        while len(sentence) > max_chars:
            cut = sentence.rfind(", ", 0, max_chars)
            cut = cut if cut > max_chars // 3 else sentence.rfind(" ", 0, max_chars)
            if cut <= 0:
                break
            out.append(sentence[: cut + 1].strip())
            sentence = sentence[cut + 1:].strip()
        if sentence:
            out.append(sentence)
    return out
