"""Place: the office that receives the file, then who carries out and who decides.

Where a citizen goes is most often written in the steps ("nộp hồ sơ tại Trung
tâm Phục vụ hành chính công", "gửi hồ sơ đến Cơ quan đăng ký kinh doanh cấp
xã"), sometimes in the channel descriptions ("Nộp hồ sơ trực tiếp tại Công an
cấp xã") or the receiving address (``dia_chi_tiep_nhan``); the agency fields
name who carries the procedure out (``co_quan_thuc_hien``) and who decides
(``co_quan_co_tham_quyen``, often "Chủ tịch UBND cấp tỉnh", which is not where
the file goes). The answer leads with the offices the steps send the file to,
each case kept, quoted in the record's words, then the agency fields, labelled
for what they are.

When the record sends the file to a commune's People's Committee or to a
public administration service centre, the offices file
(:mod:`knowledge.answers.offices`) names Huế's own: the citizen's ward when
known, else the city's centre and a pointer to the 40 wards and communes.
"""

from __future__ import annotations

import re

from knowledge.answers.offices import Offices, default_offices
from knowledge.answers.text import CHANNEL_LABELS, clauses, quote, shorten, unique
from knowledge.records import Procedure

#: The head of an office's name.
OFFICE = (
    r"(?:Ủy ban nhân dân|Uỷ ban nhân dân|Ủy ban Nhân dân|UBND|Chủ tịch|Sở|Phòng|Cục|Chi cục|Công an|Trung tâm|TTPVHCC|"
    r"Bộ phận|Văn phòng|Chi nhánh|[Cc]ơ quan|Tòa án|Toà án|Cảng vụ|Ban [Qq]uản lý|Thuế|Hải quan|Bảo hiểm xã hội|BHXH|"
    r"Kho bạc|Tổ chức dịch vụ|Cơ sở giáo dục|[Đđ]ơn vị|Bộ|Ngân hàng|Viện|Hội đồng|Đội|Trạm|Ban|Bưu điện|Giám đốc|"
    r"doanh nghiệp cung ứng dịch vụ bưu chính|(?i:bộ phận (?:một cửa|tiếp nhận)))"
)
_OFFICE = re.compile(rf"(?<!\w){OFFICE}(?!\w)")
_VERB = r"(?i:nộp|gửi|trình báo|khai báo|đến trực tiếp|liên hệ|tiếp nhận|nhận hồ sơ|chuyển)"
_VERBS = re.compile(rf"(?<!\w){_VERB}\b")
#: Where the file goes: "nộp hồ sơ ... tại|đến|cho <office>"; a clause headed "Tại <office>"; a clause
#: whose subject is the office that receives or prepares the file ("Cơ quan BHXH tiếp nhận hồ sơ",
#: "Uỷ ban nhân dân cấp xã lập hồ sơ ...").
_SUBMIT = re.compile(
    rf"{_VERB}\b[^.;]{{0,200}}?"
    rf"\b(?i:tại|đến|cho|về|lên|tới|ở)\s+(?i:trụ sở\s+|các\s+|một trong các\s+)?({OFFICE}(?!\w))"
    rf"|^(?i:tại|nộp tại)\s+({OFFICE}(?!\w))"
    rf"|^({OFFICE}(?!\w))[^.;]{{0,80}}?\b(?i:tiếp nhận|nhận|lập)\s+(?:hồ sơ|đơn|tờ khai)"
)
#: What is sent between offices rather than filed: "gửi thông báo về Cơ quan thuế", "gửi Kết quả thẩm định cho Sở ...".
_NOT_A_FILE = re.compile(
    r"\w*\s+(?:\w+\s+)?(?:thông báo|kết quả|quyết định|giấy chứng nhận|thông tin|dữ liệu|văn bản trả lời|ý kiến)", re.I
)
MAX_QUOTES = 8

_COMMUNE = re.compile(r"(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(?:cấp xã|xã, phường|xã|phường)", re.I)
#: A service centre and the level written after it: "Trung tâm Phục vụ hành chính công cấp tỉnh",
#: "TTPVHCC cấp tỉnh, xã", "Trung tâm Phục vụ hành chính công có thẩm quyền".
_CENTRE = re.compile(
    r"(?:Trung tâm (?:Phục vụ )?hành chính công|TTPVHCC)((?:\s+cấp)?\s+(?:tỉnh|xã)(?:,\s*xã)?|\s+của tỉnh)?", re.I
)


#: Filing first, then receiving, then forwarding between offices.
_RANKS = ((re.compile(r"^(?:tại|nộp tại)\b|\b(?:nộp|gửi|trình báo|khai báo|đến trực tiếp|liên hệ)\b", re.I), 0),
          (re.compile(r"\b(?:tiếp nhận|nhận|lập)\b", re.I), 1))


def _last_verb(clause: str, m: re.Match[str]) -> int:
    """Where the last verb before the office starts ("... cấp Giấy chứng nhận và gửi thông báo về Cơ quan thuế")."""
    verbs = list(_VERBS.finditer(clause, m.start(), m.start(1)))
    return verbs[-1].start() if verbs else m.start()


def _rank(match: re.Match[str]) -> int:
    return next((rank for pattern, rank in _RANKS if pattern.search(match.group(0))), 2)


def submission(p: Procedure) -> list[str]:
    """Quotes of the clauses of the steps that say where the file goes: filing first, forwarding last."""
    quotes = []
    for clause in clauses(p.steps):
        matches = list(_SUBMIT.finditer(clause))
        if not matches:
            continue
        # The verb's object decides: "gửi thông báo về Cơ quan thuế" sends no file.
        matches = [m for m in matches if not (m.group(1) and _NOT_A_FILE.match(clause, _last_verb(clause, m)))]
        if not matches:
            continue
        if clause.endswith(":") and len(clause) < 80:
            continue  # "Cơ quan tiếp nhận hồ sơ thực hiện:" introduces a list, says nothing by itself
        best = min(matches, key=_rank)
        # A clause that starts with an office ("Uỷ ban nhân dân cấp xã lập hồ sơ ... trình UBND cấp tỉnh") keeps it.
        start = 0 if _OFFICE.match(clause) and best.start() < 120 else best.start()
        quotes.append((_rank(best), shorten(clause, start, best.end())))
    return unique(q for _, q in sorted(quotes, key=lambda rq: rq[0]))


def _channel_places(p: Procedure) -> list[str]:
    out = []
    for c in p.channels:
        for clause in clauses([c.note]):
            m = _OFFICE.search(clause)
            if m and re.search(r"\b(?:tại|đến|cho|ở)\b", clause[: m.start()] or "tại", re.I):
                out.append(f"{CHANNEL_LABELS[c.channel]}: {quote(shorten(clause, m.start(), m.end()))}")
    return unique(out)


#: Starts the line naming Huế's own offices (the citizen's ward's committee when known): what a caller
#: needs first, so the hotline speaks it before the record's quotes (:mod:`dialogue.render`).
LOCAL_OFFICES = "Tại Huế: "


def local_offices(text: str, ward: str | None, offices: Offices) -> list[str]:
    """Huế's own offices for what the record names generically.

    A service centre at commune level names the citizen's ward's centre when the
    offices file has one; any other (provincial, or level not said) names the
    city's centre. "Ủy ban nhân dân cấp xã" names the citizen's ward's committee,
    or asks for the ward when it is not known.
    """
    out = []
    found = offices.ward(ward)
    for m in _CENTRE.finditer(text):
        level = (m.group(1) or "").lower()
        if "xã" in level and found and found.service_centre:
            out.append(found.service_centre.label())
        if "tỉnh" in level or "xã" not in level:
            out.append(offices.service_centre.label())
    if _COMMUNE.search(text):
        if found:
            out.append(found.committee.label())
        else:
            out.append(f"Ủy ban nhân dân phường, xã nơi anh/chị làm thủ tục ({offices.city} có "
                       f"{len(offices.wards)} phường, xã; cho biết phường, xã để được chỉ đúng nơi)")
    return unique(out)


def _field(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else None
    return None if not value or value == "Không có thông tin" else value


def render(p: Procedure, *, ward: str | None = None, offices: Offices | None = None) -> tuple[list[str], bool]:
    lines: list[str] = []
    quotes = submission(p)
    if quotes:
        lines.append("Nơi nộp, nhận hồ sơ theo trình tự thực hiện:")
        lines.extend(f"- {quote(q)}" for q in quotes[:MAX_QUOTES])
    channel_places = _channel_places(p)
    if channel_places:
        lines.append("Theo bảng hình thức nộp:")
        lines.extend(f"- {x}" for x in channel_places)
    authority, delegated = (_field(p.authority or p.raw.get("co_quan_co_tham_quyen")),
                            _field(p.raw.get("co_quan_duoc_uy_quyen")))
    for label, value in (
        ("Địa chỉ tiếp nhận hồ sơ", p.address),
        ("Cơ quan thực hiện", p.agency),
        ("Cơ quan có thẩm quyền quyết định", authority if authority != p.agency else None),
        ("Cơ quan được ủy quyền", delegated),
    ):
        if value and value.strip():
            lines.append(f"{label}: {' '.join(value.split()).rstrip('.')}.")
    found = bool(lines)
    text = "\n".join([*quotes, p.agency or "", p.address or "", *channel_places])
    local = local_offices(text, ward, offices or default_offices())
    if local:
        lines.append(LOCAL_OFFICES + "; ".join(local) + ".")
    if p.channels:
        lines.append("Hình thức nộp: " + ", ".join(dict.fromkeys(CHANNEL_LABELS[c.channel] for c in p.channels)) + ".")
    return lines, found
