"""Dates in Vietnamese messages: "12/3", "ngày 5 tháng 6", "hôm qua", "thứ hai".

Patterns run on the text without diacritics (people type "hom qua" as often as
"hôm qua"), which has the same length as the normalised text, so spans map back
to the original. A leading "hôm", "ngày" or "bữa" belongs to the span
("nộp [hôm 12/3]") as the project's annotations do.

Values:

* a complete date ("12/3/2025", "ngày 5 tháng 6 năm 2025") -> ISO ``2025-03-12``;
* without ``reference_date``: a date without a year -> "12/3", a month -> "tháng 3",
  a relative expression -> its canonical wording ("hom qua" -> "hôm qua");
* with ``reference_date`` everything is resolved: days -> ``YYYY-MM-DD``, weeks ->
  ISO week ``YYYY-Www``, months -> ``YYYY-MM``. A weekday ("thứ hai") means the
  latest such day on or before the reference date, because callers mostly say when
  they already did something ("nộp hôm thứ hai"); with a week ("thứ hai tuần này",
  "tuần ni", "tuần trước", "tuần sau") it is that day of that week.

dateparser and similar libraries do not know Vietnamese relative expressions
("hôm kia", "bữa ni") and do not keep offsets, hence this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator

__all__ = ["find_dates"]

_PREFIX = r"(?:(?:hom|ngay|bua)\s+)?"
_END = r"(?![\w/])(?![.\-]\d)"
# "12/3" and "12/3/2025"; with "-" or "." only when a year follows, because
# "3-5 ngày" is a range and "1.5" a decimal.
_NUMERIC = re.compile(
    rf"(?<![\w./\-]){_PREFIX}(?P<d>\d{{1,2}})\s?/\s?(?P<m>\d{{1,2}})(?:\s?/\s?(?P<y>\d{{4}}|\d{{2}}))?{_END}"
    rf"|(?<![\w./\-]){_PREFIX}(?P<d2>\d{{1,2}})(?P<sep>[.\-])(?P<m2>\d{{1,2}})(?P=sep)(?P<y2>\d{{4}}){_END}"
)
_WORDS = re.compile(
    r"\b(?:(?:hom|bua|vao)\s+)?ngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})(?:\s+nam\s+(?P<y>\d{4}))?\b"
)
_MONTH = re.compile(r"\bthang\s+(?P<m>\d{1,2})(?:\s*(?:nam\s+|/)(?P<y>\d{4}))?\b(?!\s*(?:/|ngay))")

_WEEKDAYS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tu": 2, "4": 2, "nam": 3, "5": 3, "sau": 4, "6": 4, "bay": 5, "7": 5}
_WEEKDAY_NAMES = ["thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "chủ nhật"]
_WEEKDAY = re.compile(
    rf"\b{_PREFIX}(?:(?:thu\s+(?P<n>hai|ba|tu|nam|sau|bay|[2-7]))|(?P<cn>chu\s+nhat))\b(?:\s+(?P<rel>tuan\s+(?:truoc|roi|nay|ni|sau|toi)))?"
)

# Relative expressions: plain spelling -> (canonical wording, kind, offset).
_RELATIVE: dict[str, tuple[str, str, int]] = {
    "hom nay": ("hôm nay", "day", 0), "bua nay": ("hôm nay", "day", 0), "bua ni": ("hôm nay", "day", 0),
    "hom ni": ("hôm nay", "day", 0), "hom qua": ("hôm qua", "day", -1), "bua qua": ("hôm qua", "day", -1),
    "hom kia": ("hôm kia", "day", -2), "bua kia": ("hôm kia", "day", -2), "ngay mai": ("ngày mai", "day", 1),
    "mai": ("ngày mai", "day", 1), "ngay mot": ("ngày mốt", "day", 2),
    "tuan truoc": ("tuần trước", "week", -1), "tuan roi": ("tuần trước", "week", -1),
    "tuan nay": ("tuần này", "week", 0), "tuan sau": ("tuần sau", "week", 1), "tuan toi": ("tuần sau", "week", 1),
    "thang truoc": ("tháng trước", "month", -1), "thang roi": ("tháng trước", "month", -1),
    "thang nay": ("tháng này", "month", 0), "thang ni": ("tháng này", "month", 0),
    "thang sau": ("tháng sau", "month", 1), "thang toi": ("tháng sau", "month", 1),
    "nam ngoai": ("năm ngoái", "year", -1), "nam nay": ("năm nay", "year", 0),
}
# "mai" alone is also a name and, without diacritics, "mái" (roof: "ngập tới
# mái"); it counts as a date only after "sáng"/"chiều" ("ngày mai" is listed).
_RELATIVE_RE = re.compile(
    r"\b(?P<p>"
    + "|".join(sorted((re.escape(k) for k in _RELATIVE if k != "mai"), key=len, reverse=True))
    + r"|(?<=\bsang\s)mai|(?<=\bchieu\s)mai)\b"
)

Found = tuple[int, int, str]  # start, end (in the plain text), value


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _year(text: str | None, reference: dt.date | None) -> int | None:
    if text:
        return int(text) + (2000 if len(text) == 2 else 0)
    return reference.year if reference else None


def _day_month(d: int, m: int, y: str | None, reference: dt.date | None) -> str | None:
    if not (1 <= d <= 31 and 1 <= m <= 12):
        return None
    year = _year(y, reference)
    if year is None:
        return f"{d}/{m}"
    return _iso(year, m, d)


def _shift_month(date: dt.date, months: int) -> tuple[int, int]:
    index = date.year * 12 + date.month - 1 + months
    return index // 12, index % 12 + 1


def _relative(kind: str, offset: int, canonical: str, reference: dt.date | None) -> str:
    if reference is None:
        return canonical
    if kind == "day":
        return (reference + dt.timedelta(days=offset)).isoformat()
    if kind == "week":
        year, week, _ = (reference + dt.timedelta(weeks=offset)).isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        year, month = _shift_month(reference, offset)
        return f"{year}-{month:02d}"
    return str(reference.year + offset)


#: A counted noun before "thứ hai" makes it an ordinal, not a weekday: "con thứ hai" (the second child), "lần thứ
#: ba", "sinh viên năm thứ hai". "Ngày thứ hai" and "hôm thứ hai" stay Mondays.
_COUNTED = re.compile(r"\b(?:con|dua|be|chau|lan|nguoi|vo|chong|nam|lop|khoa|dot|ky|bai|cau|muc|dieu|khoan|tang|"
                      r"ban|thang)\s+$")
#: The week a weekday is in: "thứ hai tuần trước/này/sau" (None: the latest such day).
_WEEK_SHIFT = {"truoc": -1, "roi": -1, "nay": 0, "ni": 0, "sau": 1, "toi": 1}


def _weekday(m: re.Match[str], reference: dt.date | None) -> str | None:
    weekday = 6 if m.group("cn") else _WEEKDAYS[m.group("n")]
    rel = m.group("rel")
    if rel is None and not m.group("cn") and _COUNTED.search(m.string[:m.start()]):
        return None  # "con thứ hai": an ordinal
    shift = _WEEK_SHIFT.get(rel.split()[-1]) if rel else None
    if reference is None:
        name = _WEEKDAY_NAMES[weekday]
        return name + {-1: " tuần trước", 0: " tuần này", 1: " tuần sau"}.get(shift, "")  # type: ignore[arg-type]
    if shift is not None:
        monday = reference - dt.timedelta(days=reference.weekday()) + dt.timedelta(weeks=shift)
        return (monday + dt.timedelta(days=weekday)).isoformat()
    return (reference - dt.timedelta(days=(reference.weekday() - weekday) % 7)).isoformat()


def _matches(plain: str, reference: dt.date | None) -> Iterator[Found]:
    rules: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]]] = [
        (_NUMERIC, lambda m: _day_month(int(m.group("d") or m.group("d2")), int(m.group("m") or m.group("m2")),
                                        m.group("y") or m.group("y2"), reference)),
        (_WORDS, lambda m: _day_month(int(m.group("d")), int(m.group("m")), m.group("y"), reference)),
        (_MONTH, lambda m: _month(int(m.group("m")), m.group("y"), reference)),
        (_WEEKDAY, lambda m: _weekday(m, reference)),
        (_RELATIVE_RE, lambda m: _relative(*_RELATIVE[m.group("p")][1:], _RELATIVE[m.group("p")][0], reference)),
    ]
    for pattern, value_of in rules:
        for match in pattern.finditer(plain):
            value = value_of(match)
            if value is not None:
                yield match.start(), match.end(), value


def _month(m: int, y: str | None, reference: dt.date | None) -> str | None:
    if not 1 <= m <= 12:
        return None
    year = _year(y, reference)
    return f"tháng {m}" if year is None else f"{year}-{m:02d}"


def find_dates(plain: str, reference: dt.date | None = None) -> list[Found]:
    """Non-overlapping date mentions in ``plain`` (lower case, no diacritics).

    Where two patterns overlap ("ngày 5 tháng 6" also contains "tháng 6"), the
    longer match is kept.
    """
    found = sorted(_matches(plain, reference), key=lambda f: (-(f[1] - f[0]), f[0]))
    kept: list[Found] = []
    taken = bytearray(len(plain))  # characters already in a kept match
    for start, end, value in found:
        if not any(taken[start:end]):
            kept.append((start, end, value))
            taken[start:end] = b"\x01" * (end - start)
    return sorted(kept)
