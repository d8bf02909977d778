"""Duration (thời hạn giải quyết): the time cells, their descriptions and the steps.

The portal's "Thời gian" column holds "5 Ngày làm việc", "8 Giờ", free text
("Không phải trả kết quả cho người nộp thuế") or a bare number ("1") with no
unit. A bare number is shown as printed and said to have no unit: the portal
does not say whether it means days, working days or hours, and the steps often
say something else ("03 ngày làm việc", "trong ngày làm việc tiếp theo").

Limits that depend on the case are in the description column, in the steps
(``trinh_tu_thuc_hien``) and in the notes of the documents table ("Lưu ý"):
every clause there that states a time ("Trong thời
hạn 07 ngày làm việc kể từ ...", "không quá 05 ngày", "nếu tiếp nhận hồ sơ sau
15 giờ ... trong ngày làm việc tiếp theo") is quoted in the record's words.
"""

from __future__ import annotations

import re

from knowledge.answers.text import CHANNEL_LABELS, channel_names, clauses, quote, shorten, unique
from knowledge.records import Procedure, RowKind

_UNIT = r"(?:ngày làm việc|ngày|giờ làm việc|giờ|tháng|phút|tuần)"
_NUMBER_WORD = r"(?:một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)"
#: A stated time: "03 ngày làm việc", "01 (một) ngày", "15 giờ", "không quá mười ngày",
#: "trong ngày làm việc tiếp theo", "trả trong ngày". A date ("ngày 15 tháng 11") is not one.
TIME = re.compile(
    rf"(?<![\w/.,])(?<!ngày )(?<!tháng )(?<!năm )\d+(?:[.,]\d+)?\s*(?:\([^()]{{1,20}}\)\s*)?{_UNIT}(?!\w)"
    rf"|(?<!\w)(?:trong|ngay trong|trả trong)\s+(?:cùng\s+)?(?:ngày làm việc|ngày)(?!\s*\d)"
    rf"(?:\s+(?:tiếp theo|kế tiếp))?(?!\w)"
    rf"|(?<!\w)(?:không quá|tối đa|trong vòng|trong thời hạn|trong thời gian)\s+{_NUMBER_WORD}\s+{_UNIT}(?!\w)",
    re.I,
)
_BARE = re.compile(r"\d+(?:[.,]\d+)?")

#: At most this many clauses of the steps are quoted; the rest are counted.
MAX_STEP_QUOTES = 8


def time_quotes(texts: list[str | None]) -> list[str]:
    """Every clause of ``texts`` that states a time, shortened around its first time."""
    out = []
    for clause in clauses(texts):
        matches = list(TIME.finditer(clause))
        if matches:
            out.append(shorten(clause, matches[0].start(), matches[-1].end()))
    return unique(out)


def is_bare(value: str) -> bool:
    """A time cell that is only a number ("1"): the portal gives no unit."""
    return bool(_BARE.fullmatch(value.strip()))


def cell_text(value: str) -> str:
    """A time cell as shown: a bare number is quoted and said to have no unit."""
    return f"“{value.strip()}” (không ghi đơn vị)" if is_bare(value) else value


def render(p: Procedure) -> tuple[list[str], bool]:
    lines: list[str] = []
    timed = [c for c in p.channels if c.processing_time]
    values = {c.processing_time for c in timed}
    if len(values) == 1 and len(timed) == len(p.channels):
        value = timed[0].processing_time
        if is_bare(value):
            lines.append(f"Thời hạn giải quyết: Cổng ghi “{value.strip()}” cho mọi hình thức nộp, không ghi đơn vị "
                         "(ngày hay giờ).")
        else:
            lines.append(f"Thời hạn giải quyết: {value} (mọi hình thức nộp).")
    elif timed:
        lines.append("Thời hạn giải quyết theo hình thức nộp:")
        groups: dict[str, list[str]] = {}
        for c in timed:
            groups.setdefault(c.processing_time, []).append(CHANNEL_LABELS[c.channel])
        for value, names in groups.items():
            lines.append(f"- {', '.join(dict.fromkeys(names))}: {cell_text(value)}")
        if untimed := [c for c in p.channels if not c.processing_time]:
            lines.append(f"- {channel_names(untimed)}: Cổng không ghi")
    notes = time_quotes([c.note for c in p.channels])
    if notes:
        lines.append("Mô tả trên Cổng:")
        lines.extend(f"- {quote(n)}" for n in notes)
    steps = time_quotes(p.steps)
    if steps:
        lines.append("Các mốc thời gian trong trình tự thực hiện:")
        lines.extend(f"- {quote(s)}" for s in steps[:MAX_STEP_QUOTES])
        if len(steps) > MAX_STEP_QUOTES:
            lines.append(f"- và {len(steps) - MAX_STEP_QUOTES} mốc khác (xem trình tự thực hiện).")
    document_notes = [q for q in time_quotes([d.name for d in p.documents if d.kind is RowKind.note]) if q not in steps]
    if document_notes:
        lines.append("Lưu ý trong thành phần hồ sơ:")
        lines.extend(f"- {quote(n)}" for n in document_notes[:MAX_STEP_QUOTES])
    if any(is_bare(c.processing_time) for c in timed) and not (notes or steps or document_notes):
        lines.append("Hồ sơ không nói rõ con số này tính theo ngày hay giờ; vui lòng hỏi nơi tiếp nhận hồ sơ.")
    return lines, bool(lines)
