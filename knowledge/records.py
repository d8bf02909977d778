"""The structured shape of one administrative procedure (thủ tục hành chính).

A :class:`Procedure` is what the importer builds from one dichvucong.gov.vn
JSON record and what retrieval and answers read. Every structured field keeps
the portal's raw text beside it (``raw``), so nothing the parser could not
understand is ever lost: answers fall back to the raw text.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field


class SubmissionChannel(str, Enum):
    """How an application can be submitted (Hình thức nộp)."""

    in_person = "truc_tiep"  # Trực tiếp
    online = "truc_tuyen"  # Trực tuyến
    postal = "buu_chinh"  # Dịch vụ bưu chính


class ChannelOption(BaseModel):
    """One row of ``cach_thuc_thuc_hien``: a channel with its time and fee."""

    channel: SubmissionChannel
    processing_time: str | None = None  # as printed, e.g. "5 Ngày làm việc"
    fee: str | None = None  # as printed, e.g. "Miễn phí", "800,000 Việt Nam Đồng"
    note: str | None = None  # the "Mô tả" column


class RowKind(str, Enum):
    """What a row of the documents table is: the portal puts explanations in the same table."""

    document = "document"  # a paper to bring, upload or show
    note = "note"  # an explanation: a "Lưu ý" table, a row with no copy to bring, "Ví dụ: ..."
    heading = "heading"  # a sub-heading inside a table, ending with ":" ("... hồ sơ gồm:")


class RequiredDocument(BaseModel):
    """One row of ``thanh_phan_ho_so``."""

    name: str
    form: str | None = None  # template file name, e.g. "Mẫu số 12.docx"
    copies: str | None = None  # e.g. "1 bản chính", "0 bản chính,1 bản sao"
    group: str | None = None  # heading such as "Giấy tờ phải nộp" / "Giấy tờ phải xuất trình"
    table: int = 0  # which table of the section the row is in (0 = the first), headed by ``group`` or not
    kind: RowKind = RowKind.document
    condition: str | None = None  # when the paper is needed only in a case: "nếu có", "Trường hợp ủy quyền ..."


class LegalDocument(BaseModel):
    """One row of ``can_cu_phap_ly``."""

    name: str
    number: str | None = None  # e.g. "123/2015/NĐ-CP"


class Procedure(BaseModel):
    """One procedure of the knowledge base, parsed into structure."""

    code: str = Field(description="ma_thu_tuc, e.g. '1.001193'")
    name: str
    url: str | None = None
    ministry: str | None = None  # source folder, e.g. "bo-tu-phap"
    decision: str | None = None  # so_quyet_dinh
    level: str | None = None  # cap_thuc_hien, e.g. "Cấp xã"
    kind: str | None = None  # loai_thu_tuc
    field: str | None = None  # linh_vuc
    applicants: str | None = None  # doi_tuong_thuc_hien
    agency: str | None = None  # co_quan_thuc_hien (or co_quan_co_tham_quyen)
    authority: str | None = None  # co_quan_co_tham_quyen: who decides (may differ from who receives the file)
    address: str | None = None  # dia_chi_tiep_nhan
    conditions: str | None = None  # yeu_cau_dieu_kien
    result: str | None = None  # ket_qua_xu_ly without portal UI text
    channels: list[ChannelOption] = Field(default_factory=list)
    documents: list[RequiredDocument] = Field(default_factory=list)
    legal_basis: list[LegalDocument] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    raw: dict[str, str] = Field(default_factory=dict, description="the record's original text fields")
    page_of: str | None = Field(
        default=None, description="the code whose portal page this record holds, when the crawl fetched another's"
    )
    parse_notes: list[str] = Field(
        default_factory=list, description="what the parser repaired or doubts, e.g. sections re-cut from raw_text"
    )

    @property
    def online_available(self) -> bool:
        return any(c.channel is SubmissionChannel.online for c in self.channels)
