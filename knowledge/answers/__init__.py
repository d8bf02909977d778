"""Extractive answers: one facet of a procedure rendered from its official record.

Nothing here is generated: every sentence is a fixed frame around text taken
from the record (document names, fees, times, offices as printed on the
portal), and every answer carries the record's code, name and a link to its
page on the national portal, so a citizen can check. Each facet reads
everything the record says about it, the table cells, their description
column and the steps, and keeps every case the record distinguishes, in its
own words and units; when cells contradict each other or the steps, the
answer says both. When the record has nothing, the answer says so.

>>> answer = render_answer(procedure, Facet.fee)
>>> print(answer.text)                     # the full answer, for the web page and ``hueai kb show``
>>> print(answer.brief(max_items=3))       # a short one for chat and voice

One module per facet: :mod:`.documents`, :mod:`.fee`, :mod:`.duration`,
:mod:`.place` (with Huế's own offices from :mod:`.offices`), :mod:`.online`.

For chat and voice, :meth:`Answer.brief` keeps the title, the first
``max_items`` points (for documents: the documents needed in every case first,
then "và N giấy tờ khác") and the link; the full text stays one click (or one
key press) away. ``Answer.points`` holds the body lines and, for documents,
``Answer.sections`` / ``Answer.notes`` the structure, for channels that lay
answers out themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from knowledge.answers import documents, duration, fee, online, place
from knowledge.answers.documents import DOCUMENTS_TITLE, NOTES_TITLE, DocumentItem, DocumentSection
from knowledge.answers.offices import Offices, Ward, default_offices
from knowledge.answers.online import ONLINE_NO, ONLINE_YES
from knowledge.answers.text import CHANNEL_LABELS
from knowledge.parsing.sections import split_page
from knowledge.records import Procedure

#: Huế's clock: fee periods end at midnight there, whatever the server's time zone.
HUE_TIME = ZoneInfo("Asia/Ho_Chi_Minh")

__all__ = [
    "CHANNEL_LABELS", "DOCUMENTS_TITLE", "NOTES_TITLE", "ONLINE_NO", "ONLINE_YES", "PORTAL", "SOURCE_LABEL", "Answer",
    "DocumentItem", "DocumentSection", "Facet", "Offices", "Ward", "default_offices", "headline", "render_answer",
]

PORTAL = "https://dichvucong.gov.vn"
SOURCE_LABEL = "Nguồn"  # then the record's page; no office or system name here, so it never stands in for one


class Facet(str, Enum):
    overview = "overview"
    documents = "documents"
    fee = "fee"
    duration = "duration"
    place = "place"
    online = "online"


class Answer(BaseModel):
    """One facet of one procedure, ready to show.

    ``text`` is the full answer: a title line with the procedure's name and
    code, the body (``points``, one line each), and a source line with the
    record's link. ``found`` is False when the record states nothing for the
    facet (then the body says so).
    """

    code: str
    name: str
    url: str | None
    facet: Facet
    text: str
    found: bool  # False when the record holds nothing for this facet
    title: str = ""  # "Thủ tục đăng ký khai sinh (mã 1.001193)"
    points: list[str] = Field(default_factory=list)  # the body, one line each, most important first
    source: str = ""  # "Nguồn: https://dichvucong.gov.vn/thu-tuc-hanh-chinh/..."
    sections: list[DocumentSection] = Field(default_factory=list)  # documents: the record's tables
    notes: list[str] = Field(default_factory=list)  # documents: rows that explain, not documents

    def headline(self) -> list[str]:
        """The essential lines of a fee or a time (see :func:`headline`): what the phone reads, and what two
        levels of one procedure are compared by."""
        return headline(self.points)

    def brief(self, max_items: int = 3) -> str:
        """A short answer for chat and voice, with the link to the full one.

        Documents: the first ``max_items`` documents (those needed in every
        case first, each cut to its first phrase), then "và N giấy tờ khác".
        Other facets: the first ``max_items`` lines of the body (never ending
        on a heading without its lines), then how many more there are.
        Layout: the first line is :attr:`title`, the last "Xem đầy đủ: <link>".
        """
        if self.facet is Facet.documents and self.sections:
            names, rest, conditional = documents.brief_items(self.sections, max_items)
            body = "Hồ sơ gồm: " + "; ".join(names)
            if rest:
                body += f"; và {rest} giấy tờ khác" + (" (tùy trường hợp)." if conditional else ".")
            else:
                body += "."
            if self.notes:
                body += f" Hồ sơ có {len(self.notes)} lưu ý kèm theo."
        else:
            shown = self.points[:max_items]
            while len(shown) > 1 and shown[-1].endswith(":"):
                shown = shown[:-1]  # a heading without its lines says nothing
            body = "\n".join(shown)
            if len(self.points) > len(shown):
                body += f"\n(còn {len(self.points) - len(shown)} ý nữa)"
        return "\n".join([self.title, body, f"Xem đầy đủ: {self.url or PORTAL}"])


def headline(points: Sequence[str]) -> list[str]:
    """What a caller hears of a fee or a time: the amount for every way of submitting (the first line, and the
    list under it when it is a heading) and the notes that change it ("Đang áp dụng …", "Lưu ý: …"), not the
    record's explanations and quotes, which the screen shows."""
    if not points:
        return []
    lines = [points[0]]
    rest = list(points[1:])
    while points[0].endswith(":") and rest and rest[0].startswith("- "):
        lines.append(rest.pop(0))
    if "theo phần giải thích" in points[0]:  # the amounts are in the explanation: "Mức thu: 135.000 đồng/lần"
        lines.extend([line for line in rest if line.startswith("- Mức thu")][:2])
    if "không ghi đơn vị" in points[0] and len(rest) >= 2 and rest[1].startswith("- "):
        lines.extend(rest[:2])  # a bare "1": the steps' own words say what it means ("trong ngày", "tối đa một ngày")
    worked = any("(đến hết" in line for line in lines)  # the rate today is said already, beside the record's
    lines.extend(line for line in rest if line.startswith("Lưu ý:") or line.startswith("Đang áp dụng") and not worked)
    return lines


def render_answer(p: Procedure, facet: Facet, *, ward: str | None = None, offices: Offices | None = None,
                  today: date | None = None) -> Answer:
    """Render one facet of ``p`` from its record.

    ``ward``: the citizen's ward or commune in Huế ("phường Thuận Hóa"), if
    known; place answers then name its People's Committee. ``offices``: the
    offices file to use (default: ``knowledge/data/offices.yaml``). ``today``:
    the date fee periods are read against (default: today in Huế).
    """
    sections: list[DocumentSection] = []
    notes: list[str] = []
    if p.page_of and not _same_name_page(p):
        # The portal export holds another procedure's page under this code: its details are not this one's.
        lines, found = [f"Bản ghi của thủ tục này trên Cổng Dịch vụ công bị lỗi (chứa trang của thủ tục {p.page_of}); "
                        "vui lòng xem trực tiếp trang thủ tục hoặc hỏi bộ phận một cửa."], False
    elif facet is Facet.documents:
        lines, found, sections, notes = documents.render(p)
    elif facet is Facet.place:
        lines, found = place.render(p, ward=ward, offices=offices)
    elif facet is Facet.fee:
        lines, found = fee.render(p, today=today or datetime.now(HUE_TIME).date())
    else:
        lines, found = _RENDERERS[facet](p)
    if not lines:
        lines = [_MISSING[facet]]
    if p.page_of and _same_name_page(p):
        lines.append(f"Lưu ý: trang của thủ tục này trên Cổng Dịch vụ công ghi mã {p.page_of}; nội dung trên lấy từ "
                     "trang đó (cùng tên thủ tục).")
    title = f"{p.name} (mã {p.code})"
    source = f"{SOURCE_LABEL}: {p.url or PORTAL}"
    return Answer(code=p.code, name=p.name, url=p.url, facet=facet, text="\n".join([title, *lines, source]),
                  found=found, title=title, points=lines, source=source, sections=sections, notes=notes)


def _same_name_page(p: Procedure) -> bool:
    """Whether the page held under this code (another code's) carries this procedure's own name.

    Several records share one portal page that prints a different code; when the
    page's name is the record's name, the page does describe this procedure.
    """
    page = split_page(p.raw.get("raw_text", ""))
    return " ".join((page.get("ten_thu_tuc") or "").split()).lower() == " ".join(p.name.split()).lower()


def _labelled(*pairs: tuple[str, str | None]) -> list[str]:
    return [f"{label}: {value}." for label, value in pairs if value]


def _overview(p: Procedure) -> tuple[list[str], bool]:
    lines = _labelled(("Cấp thực hiện", p.level), ("Lĩnh vực", p.field), ("Đối tượng", p.applicants),
                      ("Cơ quan thực hiện", p.agency))
    if p.steps:
        lines.append("Trình tự thực hiện:")
        lines.extend(f"{i}. {documents.item_name(step)}" for i, step in enumerate(p.steps, 1))
    if p.result:
        lines.append(f"Kết quả: {p.result}.")
    return lines, bool(lines)


def _missing(what: str) -> str:
    return (f"Hồ sơ thủ tục trên Cổng Dịch vụ công không ghi {what}; "
            "vui lòng xem trang thủ tục hoặc hỏi bộ phận một cửa.")


_RENDERERS = {
    Facet.overview: _overview,
    Facet.duration: duration.render,
    Facet.online: online.render,
}
_MISSING = {
    Facet.overview: _missing("trình tự thực hiện"),
    Facet.documents: _missing("thành phần hồ sơ"),
    Facet.fee: _missing("phí, lệ phí"),
    Facet.duration: _missing("thời hạn giải quyết"),
    Facet.place: _missing("nơi tiếp nhận hồ sơ"),
    Facet.online: _missing("hình thức nộp hồ sơ"),
}
