"""Extractive answers: one facet of a procedure rendered from its official record.

Nothing here is generated: every sentence is a fixed frame around text taken
from the record (document names, fees, processing times as printed on the
portal). When the record has no structured value for a facet, the answer says
so and points to the portal page rather than guessing.

>>> answer = render_answer(procedure, Facet.fee)
>>> print(answer.text)
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel

from knowledge.records import ChannelOption, Procedure, SubmissionChannel

PORTAL_SEARCH = "https://dichvucong.gov.vn"
CHANNEL_LABELS = {
    SubmissionChannel.in_person: "Trực tiếp",
    SubmissionChannel.online: "Trực tuyến",
    SubmissionChannel.postal: "Qua bưu chính",
}


class Facet(str, Enum):
    overview = "overview"
    documents = "documents"
    fee = "fee"
    duration = "duration"
    place = "place"
    online = "online"


class Answer(BaseModel):
    code: str
    name: str
    url: str | None
    facet: Facet
    text: str
    found: bool  # False when the record holds nothing for this facet


def render_answer(p: Procedure, facet: Facet) -> Answer:
    if p.page_of:
        # The portal export holds another procedure's page under this code: its details are not this one's.
        lines, found = [f"Bản ghi của thủ tục này trên Cổng Dịch vụ công bị lỗi (chứa trang của thủ tục {p.page_of}); "
                         "vui lòng xem trực tiếp trang thủ tục hoặc hỏi bộ phận một cửa."], False
    else:
        lines, found = _RENDERERS[facet](p)
    header = f"{p.name} (mã {p.code})"
    footer = f"Nguồn: {p.url or PORTAL_SEARCH}"
    return Answer(code=p.code, name=p.name, url=p.url, facet=facet, text="\n".join([header, *lines, footer]), found=found)


def _missing(what: str) -> tuple[list[str], bool]:
    return [f"Hồ sơ thủ tục trên Cổng Dịch vụ công không ghi {what}; vui lòng xem trang thủ tục hoặc hỏi bộ phận một cửa."], False


def _per_channel(p: Procedure, attr: str, label: str) -> list[str]:
    rows = [(CHANNEL_LABELS[c.channel], _with_unit(attr, getattr(c, attr))) for c in p.channels if getattr(c, attr)]
    values = {value for _, value in rows}
    if len(values) == 1 and len(rows) == len(p.channels):
        return [f"{label}: {rows[0][1]} (mọi hình thức nộp)."]
    return [f"- {channel}: {value}" for channel, value in rows]


def _item(text: str) -> str:
    """A list item without the record's own bullet ("- Giấy chứng sinh"), so ours is the only one."""
    return text.lstrip("-–•+* \t").strip() or text


def _with_unit(attr: str, value: str) -> str:
    # The portal's "Thời gian" column holds either "5 Ngày làm việc" or a bare "5", which it means as days.
    return f"{value} ngày" if attr == "processing_time" and value.strip().isdigit() else value


def _labelled(*pairs: tuple[str, str | None]) -> list[str]:
    """``"Label: value."`` lines for the values the record has."""
    return [f"{label}: {value}." for label, value in pairs if value]


def _overview(p: Procedure) -> tuple[list[str], bool]:
    lines = _labelled(("Cấp thực hiện", p.level), ("Lĩnh vực", p.field), ("Đối tượng", p.applicants),
                      ("Cơ quan thực hiện", p.agency))
    if p.steps:
        lines.append("Trình tự thực hiện:")
        lines.extend(f"{i}. {_item(step)}" for i, step in enumerate(p.steps, 1))
    if p.result:
        lines.append(f"Kết quả: {p.result}.")
    return (lines, True) if lines else _missing("trình tự thực hiện")


def _documents(p: Procedure) -> tuple[list[str], bool]:
    if not p.documents:
        return _missing("thành phần hồ sơ")
    lines = ["Thành phần hồ sơ:"]
    group = None
    for doc in p.documents:
        if doc.group and doc.group != group:
            group = doc.group
            lines.append(f"{group}:")
        extra = ", ".join(x for x in (doc.copies, f"mẫu {doc.form}" if doc.form else None) if x)
        lines.append(f"- {_item(doc.name)}" + (f" ({extra})" if extra else ""))
    return lines, True


def _fee(p: Procedure) -> tuple[list[str], bool]:
    lines = _per_channel(p, "fee", "Phí, lệ phí")
    return (lines, True) if lines else _missing("phí, lệ phí")


def _duration(p: Procedure) -> tuple[list[str], bool]:
    lines = _per_channel(p, "processing_time", "Thời hạn giải quyết")
    return (lines, True) if lines else _missing("thời hạn giải quyết")


def _place(p: Procedure) -> tuple[list[str], bool]:
    lines = _labelled(("Cơ quan thực hiện", p.agency), ("Địa chỉ tiếp nhận", p.address))
    channels = [CHANNEL_LABELS[c.channel] for c in p.channels]
    if channels:
        lines.append("Hình thức nộp: " + ", ".join(channels) + ".")
    notes = _channel_notes(p.channels)
    lines.extend(notes)
    return (lines, True) if lines else _missing("nơi tiếp nhận hồ sơ")


def _online(p: Procedure) -> tuple[list[str], bool]:
    online = [c for c in p.channels if c.channel is SubmissionChannel.online]
    if not p.channels:
        return _missing("hình thức nộp hồ sơ")
    if not online:
        return ["Thủ tục này chưa nhận hồ sơ trực tuyến; hình thức nộp: "
                + ", ".join(CHANNEL_LABELS[c.channel] for c in p.channels) + "."], True
    lines = ["Có thể nộp hồ sơ trực tuyến qua Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)."]
    lines.extend(_channel_notes(online))
    return lines, True


def _channel_notes(channels: list[ChannelOption]) -> list[str]:
    seen: list[str] = []
    for c in channels:
        if c.note and c.note not in seen:
            seen.append(c.note)
    return [f"Ghi chú: {note}" for note in seen]


_RENDERERS = {
    Facet.overview: _overview,
    Facet.documents: _documents,
    Facet.fee: _fee,
    Facet.duration: _duration,
    Facet.place: _place,
    Facet.online: _online,
}
