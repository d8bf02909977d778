"""Parse ``cach_thuc_thuc_hien``: how to submit, how long it takes, what it costs.

The portal shows a four-column HTML table (Hình thức nộp | Thời gian |
Phí, lệ phí | Mô tả); the crawler kept only its text, with no separator
between cells, e.g.::

    Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việcMiễn phí
    Trực tuyến1800,000 Việt Nam Đồng(Lệ phí ...)Nộp qua Cổng DVC ...

No library can re-split such text, so this is a small hand-written scanner:

* A row starts at a channel name *glued* to the next cell ("Trực tiếp5 ...").
  The same words inside a description are followed by a space or a colon
  ("Trực tiếp: nộp hồ sơ tại ..."), which is how the two are told apart.
* Inside a row, the time comes first ("5 Ngày làm việc", a bare "1",
  "Không có thông tin", or free text such as "Không quy định"), then the fee
  ("Miễn phí", "Không có thông tin", "800,000 Việt Nam Đồng", optionally
  followed by a parenthesised explanation), and the rest is the description.
* A bare time glued to an amount ("120 VNĐ") is ambiguous; the portal's
  bare times are single digits in every such record (the notes confirm
  "20.000 vnđ/tờ khai"), so the first digit is the time.
"""

from __future__ import annotations

import re

from knowledge.parsing.errors import RecordError
from knowledge.parsing.text import NO_INFO, clean
from knowledge.records import ChannelOption, SubmissionChannel

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"

_CHANNELS = {
    "Trực tiếp": SubmissionChannel.in_person,
    "Trực tuyến": SubmissionChannel.online,
    "Dịch vụ bưu chính": SubmissionChannel.postal,
}
# Glued to a letter or digit: a new row, not a mention inside a description.
_ROW_START = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=\w)")

_UNIT = r"(?:Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Tuần|Phút)"
_AMOUNT = r"\d[\d.,]*\s?(?:Việt Nam Đồng|VNĐ|VND|USD|EUR|Đồng|đồng)"
_FEE_START = rf"(?:Miễn phí|{NO_INFO}|(?:Lệ phí|Phí)\s*:\s*{_AMOUNT}|{_AMOUNT})"

_TIME = re.compile(
    rf"{NO_INFO}"  # no time given
    rf"|\d+(?:[.,]\d+)?\s?{_UNIT}"  # "5 Ngày làm việc", "8 Giờ"
    rf"|\d+(?=Miễn phí|{NO_INFO}|$)"  # bare number before the fee: "1Miễn phí"
    rf"|\d(?=\d)"  # bare digit glued to an amount: "1" + "20 VNĐ"
    rf"|.+?(?={_FEE_START})",  # free text: "Không quy định", "Không phải trả ..."
    re.S,
)
_FEE = re.compile(_FEE_START)


def parse_channels(text: str | None) -> list[ChannelOption]:
    """Rows of the channel table; ``[]`` when the section is empty.

    Raises :class:`RecordError` when there is text but neither the table
    header nor a single channel row, i.e. a layout we do not know.
    """
    text = clean(text)
    if text is None:
        return []
    body = text.removeprefix(HEADER)
    if not body.strip():
        return []  # a header over an empty table
    starts = list(_ROW_START.finditer(body))
    if not starts:
        raise RecordError("unknown layout of cach_thuc_thuc_hien")
    rows = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        rows.append(_parse_row(_CHANNELS[m.group(1)], body[m.end() : end]))
    return rows


def _parse_row(channel: SubmissionChannel, cells: str) -> ChannelOption:
    """Split the glued cells after a channel name into time, fee and note."""
    time = None
    pos = 0
    m = _TIME.match(cells)
    if m:
        time, pos = m.group(0), m.end()
    fee = None
    m = _FEE.match(cells, pos)
    if m:
        # An explanation "(...)" belongs to a real fee, not to "no information".
        pos = m.end() if m.group(0) == NO_INFO else _skip_parenthesis(cells, m.end())
        fee = cells[m.start() : pos]
    return ChannelOption(
        channel=channel,
        processing_time=clean(time),
        fee=clean(fee),
        note=clean(cells[pos:]),
    )


def _skip_parenthesis(text: str, pos: int) -> int:
    """End of a balanced "(...)" starting at ``pos`` (the fee's explanation).

    Explanations nest parentheses ("((áp dụng ... 64/2025/TT-BTC))"), so a
    regex cannot find their end; an unclosed one runs to the end of the row.
    """
    if not text.startswith("(", pos):
        return pos
    depth = 0
    for i in range(pos, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)
