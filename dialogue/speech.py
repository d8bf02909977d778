"""Text for the hotline's speech synthesiser: numbers written as they are spoken, no links or symbols.

>>> speakable("Lệ phí: 50.000 đồng; nộp trước 15/3/2025, gọi 114.")
'Lệ phí: năm mươi nghìn đồng, nộp trước ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi lăm, gọi một một bốn.'
>>> number_words(1_250_005)
'một triệu hai trăm năm mươi nghìn không trăm linh năm'

Amounts and small numbers are read as numbers; phone numbers, codes (receipt codes such as
000.00.21.H57-250312-0042 included) and the three-digit emergency numbers (113, 114, 115)
digit by digit, as people say them; "14:30" as "mười bốn giờ ba mươi phút".
"""

from __future__ import annotations

import re

_UNITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
_SCALES = ["", "nghìn", "triệu", "tỷ"]


def _three(n: int, full: bool) -> str:
    """0-999; ``full``: a group after a larger one, so "không trăm" and "linh" are said."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    out: list[str] = []
    if hundreds or full:
        out += [_UNITS[hundreds], "trăm"]
    if tens == 0:
        if units and (hundreds or full):
            out += ["linh", _UNITS[units]]
        elif units:
            out.append(_UNITS[units])
        return " ".join(out)
    if tens == 1:
        out.append("mười")
    else:
        out += [_UNITS[tens], "mươi"]
    if units == 1 and tens > 1:
        out.append("mốt")
    elif units == 5:
        out.append("lăm")
    elif units:
        out.append(_UNITS[units])
    return " ".join(out)


def number_words(n: int) -> str:
    """A non-negative integer in Vietnamese words (up to the billions, then the billions repeat)."""
    if n == 0:
        return "không"
    if n >= 1000 ** 4:
        high, low = divmod(n, 1000 ** 3)
        return f"{number_words(high)} tỷ" + (f" {number_words_group(low)}" if low else "")
    groups: list[int] = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        leading = index == len(groups) - 1
        words.append(_three(group, full=not leading))
        if _SCALES[index]:
            words.append(_SCALES[index])
    return " ".join(words)


def number_words_group(n: int) -> str:
    text = number_words(n)
    return text if n >= 100 else f"không trăm {text}" if n >= 10 else f"không trăm linh {text}"


def digits_words(digits: str) -> str:
    return " ".join(_UNITS[int(d)] for d in digits if d.isdecimal())  # "²" is a digit int() cannot read


_URL = re.compile(r"https?://\S+")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_CODE_NOTE = re.compile(r"\s*\(mã [^)]*\)")
_DATE = re.compile(r"(\bngày\s+)?\b(\d{1,2})/(\d{1,2})(?:/(\d{4}))?\b")
_SPOKEN_DATE = re.compile(r"\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s+năm\s+(\d{4}))?\b")
# A legal document's number ("Thông tư số 12/2025/TT-BCA"): its number and year, not "mười hai hoặc …".
_DOCUMENT_NUMBER = re.compile(r"\b(\d{1,4})/(\d{4})/[A-ZĐ][\wĐđ]*(?:-[\wĐđ]+)*")
_TIME = re.compile(r"\b([01]?\d|2[0-3])(?::|h)([0-5]\d)\b")
_RECEIPT = re.compile(r"\b\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}\b", re.IGNORECASE)
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_AMOUNT = re.compile(r"\b\d{1,3}(?:[.,]\d{3})+\b")
_NUMBER = re.compile(r"\b\d+\b")
_CURRENCY = re.compile(r"\b(?:Việt Nam Đồng|Việt Nam đồng|VNĐ|VND|vnđ|đ)\b")


def _say_number(match: re.Match[str]) -> str:
    digits = match.group()
    if digits.startswith("0") and len(digits) > 1 or len(digits) >= 5 or digits in {"113", "114", "115"}:
        return digits_words(digits)
    return number_words(int(digits))


def _say_percent(match: re.Match[str]) -> str:
    whole, _, fraction = match.group(1).replace(",", ".").partition(".")
    spoken = number_words(int(whole)) + (f" phẩy {digits_words(fraction)}" if fraction else "")
    return f"{spoken} phần trăm"


def _say_date(match: re.Match[str]) -> str:
    _, day, month, year = match.groups()
    if not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
        return match.group()
    text = f"ngày {number_words(int(day))} tháng {number_words(int(month))}"
    return text + (f" năm {number_words(int(year))}" if year else "")


def _say_spoken_date(match: re.Match[str]) -> str:
    day, month, year = match.groups()
    text = f"ngày {number_words(int(day))} tháng {number_words(int(month))}"
    return text + (f" năm {number_words(int(year))}" if year else "")


def _say_document_number(match: re.Match[str]) -> str:
    return f"{number_words(int(match.group(1)))} năm {number_words(int(match.group(2)))}"


def _say_time(match: re.Match[str]) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    return f"{number_words(hours)} giờ" + (f" {number_words(minutes)} phút" if minutes else "")


def speakable(text: str) -> str:
    """``text`` as the speech synthesiser should read it (see the module docstring)."""
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _CODE_NOTE.sub("", text)
    text = re.sub(r"ghi “(\d+)”", r"ghi con số \1", text)  # "Cổng ghi năm" would be heard as "the portal writes year"
    text = text.replace("**", "").replace("“", "").replace("”", "").replace('"', "").replace("…", "")
    text = re.sub(r"^\s*[-•*]\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"\s*\n+\s*", ". ", text.strip())
    text = _DOCUMENT_NUMBER.sub(_say_document_number, text)
    text = text.replace(";", ",").replace("/", " hoặc ") if "/" in text and not _DATE.search(text) else \
        text.replace(";", ",")
    text = _RECEIPT.sub(lambda m: spell(m.group()), text)
    text = _DATE.sub(_say_date, text)
    text = _SPOKEN_DATE.sub(_say_spoken_date, text)
    text = _TIME.sub(_say_time, text)
    text = _PERCENT.sub(_say_percent, text)
    text = _AMOUNT.sub(lambda m: number_words(int(re.sub(r"[.,]", "", m.group()))), text)
    text = _NUMBER.sub(_say_number, text)
    text = _CURRENCY.sub("đồng", text)
    text = re.sub(r"\.\s*\.", ".", text)
    text = re.sub(r":\s*\.", ":", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut at the last sentence end before ``limit`` characters (or at a word, with an ellipsis)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end > limit // 2:
        return cut[: end + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…" if " " in cut else cut


def spell(code: str) -> str:
    """A code read out: letters one by one, digit groups digit by digit ("PA-251203-7K3Q" ->
    "P A, hai năm một hai không ba, bảy K ba Q")."""
    groups = [g for g in re.split(r"[-./\s]+", code) if g]
    return ", ".join(" ".join(_UNITS[int(ch)] if ch.isdecimal() else ch.upper() for ch in group) for group in groups)
