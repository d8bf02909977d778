"""Parse ``can_cu_phap_ly``: the legal documents a procedure rests on.

A two-column table (Tên văn bản pháp lý | Mã văn bản) flattened without
separators::

    Tên văn bản pháp lýMã văn bảnLuật 60/2014/QH1360/2014/QH13Nghị định số
    123/2015/NĐ-CP ngày 15/11/2015 ... Luật Hộ tịch123/2015/NĐ-CPThông tư ...

Each row ends with the document number cell, glued to the next row's name.
Names often quote numbers too, but those are followed by a space or
punctuation ("... 123/2015/NĐ-CP ngày ..."), so a number counts as a row end
only when it ends the text or touches the next cell without a space.

The hard part is where a number stops: its issuer code is upper case
("TT-BTC", "NĐ-CP", "QH13") and the next row may start with a capital or an
all-caps title ("TT-BTCNghị định ...", "TT-BCAQUY ĐỊNH ..."). Codes are runs
of consonant initials, so we cut the code's last segment where the rest of
the letter run is a Vietnamese syllable of two letters or more ("Nghị",
"QUY", "sửa"), keeping at least two letters of code.
Hand-written because no library parses this flattened layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from knowledge.parsing.text import UPPER, clean
from knowledge.records import LegalDocument

HEADER = "Tên văn bản pháp lýMã văn bản"

# 123/2015/NĐ-CP, 66.7/2025/NQ-CP, 02/2014/TTLT-TANDTC-VKSNDTC, 60/2014/QH13,
# 01/VBHN-BTC, 171/QĐ-TTg, and bare "08/2026". Only the National Assembly's
# code carries digits, always two ("QH13"), so a number glued to a repeat of
# itself splits right: "60/2014/QH1360/2014/QH13" -> "...QH13" + "60/...".
_SEGMENT = rf"(?:[{UPPER}]*QH\d{{2}}|TTg|[{UPPER}]+)"
# A number starts after a non-digit, after a glued code ending in digits
# ("...QH13" + "54/2014/QH13") or after a glued year ("Luật Cư trú 2020" +
# "68/2020/QH14"): a serial never begins with a year plus more digits.
# An issuing unit may follow in brackets: "21/2007/TT-BCA(X13)".
_NUMBER = re.compile(
    rf"(?:(?<!\d)|(?<=QH\d\d)|(?<=(?:19|20)\d\d))(?!(?:19|20)\d{{3}})"
    rf"\d+(?:\.\d+)?/(?:(?:\d{{4}}/)?{_SEGMENT}(?:-{_SEGMENT})*(?:\([A-Z0-9]+\))?|\d{{4}})"
)
_DATE = re.compile(r"ngày\b")
_VOWELS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ"
# One Vietnamese syllable: optional onset, vowels, optional final consonant.
_SYLLABLE = re.compile(
    rf"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[{_VOWELS}]+(?:ch|ng|nh|[cmnpt])?", re.I
)
# A document-type word left glued to the end of a name when the number cell
# repeats it ("... Bộ Tư phápThông tư số" + "03/2023/TT-BTP").
_TRAILING_TYPE = re.compile(
    r"(?<=\S)(?:Thông tư liên tịch|Thông tư|Nghị định|Nghị quyết|Quyết định|Luật|Văn bản hợp nhất)(?: số)?\s*$"
)


def parse_legal_basis(text: str | None) -> list[LegalDocument]:
    """Rows of the legal-basis table; ``[]`` when empty or "no information"."""
    text = clean(text)
    if text is None:
        return []
    body = text.removeprefix(HEADER)
    documents = []
    pos = 0
    for start, end in _row_ends(body):
        name = clean(_TRAILING_TYPE.sub("", body[pos:start]))
        number = body[start:end]
        documents.append(LegalDocument(name=name or number, number=number))
        pos = end
    if tail := clean(body[pos:]):
        documents.append(LegalDocument(name=tail))
    return documents


def _row_ends(body: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each number cell that closes a row.

    A cell touches its neighbours: the name before it ("... Hộ tịch123/2015/
    NĐ-CP") or the next row after it ("...NĐ-CPThông tư ..."). A number with
    a space on both sides ("Thông tư số 66/2023/TT-BCA Sửa đổi ...") or a
    date glued after it ("53/2025/TT-BCAngày 01/7/2025") is quoted inside a
    name. So is one followed by the same number: the name quoting it right
    before the cell repeats it ("Luật 60/2014/QH1360/2014/QH13"), and so
    is the month/year tail of a date.
    """
    cells = [(m.start(), _trim_code(body, m.end())) for m in _NUMBER.finditer(body)]
    for i, (start, end) in enumerate(cells):
        following = cells[i + 1] if i + 1 < len(cells) else (0, 0)
        if following[0] == end and body[slice(*following)] == body[start:end]:
            continue  # a name that quotes the number right before its cell
        if body[start - 1 : start] == "/":
            continue  # the tail of a date, "ngày 26/01/2026..."
        glued_left = start > 0 and not body[start - 1].isspace() and body[start - 1] not in "(-"
        if end == len(body) or glued_left or body[end].isdigit():
            yield start, end
        elif not (body[end].isspace() or body[end] in ",;.)" or _DATE.match(body, end)):
            yield start, end


def _trim_code(body: str, end: int) -> int:
    """Where the code really ends when its letters run on into the next cell.

    "TT-BTCNghị" -> "TT-BTC", "TT-BCAQUY" -> "TT-BCA" (not "BCAQ" + "UY":
    the first cut that leaves a syllable wins), "NĐ-CPsửa" -> "NĐ-CP".
    A code's own tail is never a syllable of two letters or more, so codes
    such as "BNNPTNT" or "TANDTC" stay whole.
    """
    if not body[end - 1].isalpha():
        return end  # "QH13", "(X13)": the code ends with its digits
    word_end = end
    while word_end < len(body) and body[word_end].isalpha():
        word_end += 1
    segment_start = max(body.rfind("-", 0, end), body.rfind("/", 0, end)) + 1
    for cut in range(segment_start + 2, min(end, word_end - 1)):
        if _SYLLABLE.fullmatch(body, cut, word_end):
            return cut
    return end
