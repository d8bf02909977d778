"""Turn one dichvucong.gov.vn JSON record into a :class:`Procedure`.

Where the text comes from: every section is re-cut from ``raw_text`` (see
:mod:`knowledge.parsing.sections`) because the crawler's own fields are
shifted in some records; the crawler's field is used only when the page text
lacks that section. Each recovery is written to ``Procedure.parse_notes``.

What ``Procedure.raw`` keeps: every non-empty string field of the record,
verbatim, *including* ``raw_text``. Answers fall back to it when a table
could not be parsed, and it is the only copy of what the parser dropped on
purpose (the result's "Mô tả" box, headings without a table).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from knowledge.parsing.channels import parse_channels
from knowledge.parsing.documents import parse_documents
from knowledge.parsing.errors import RecordError
from knowledge.parsing.legal import parse_legal_basis
from knowledge.parsing.result import parse_result
from knowledge.parsing.sections import split_page
from knowledge.parsing.steps import parse_steps
from knowledge.parsing.text import clean, one_line
from knowledge.records import Procedure

#: Sections whose crawler field may be shifted and is re-cut from raw_text.
_RECUT = (
    "trinh_tu_thuc_hien",
    "cach_thuc_thuc_hien",
    "thanh_phan_ho_so",
    "can_cu_phap_ly",
    "co_quan_thuc_hien",
    "yeu_cau_dieu_kien",
    "ket_qua_xu_ly",
)


def read_record_file(path: Path) -> dict[str, Any]:
    """Load one record file; any unreadable content becomes a RecordError."""
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise RecordError(f"not UTF-8: undecodable byte at offset {e.start}") from e
    except json.JSONDecodeError as e:
        raise RecordError(f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from e
    if not isinstance(data, dict):
        raise RecordError(f"not a JSON object but a {type(data).__name__}")
    return data


def record_code(raw: dict[str, Any]) -> str:
    """The record's procedure code (``ma_thu_tuc``); RecordError when it is missing or blank."""
    if not isinstance(raw, dict):
        raise RecordError(f"not a JSON object but a {type(raw).__name__}")
    return _required(raw, "ma_thu_tuc")


def parse_record(raw: dict[str, Any], *, ministry: str | None = None) -> Procedure:
    """Parse one record (as loaded by :func:`read_record_file`).

    Raises RecordError when the code or name is missing or blank, when the
    record is not a mapping, or when a table has a layout we do not know.
    """
    code = record_code(raw)
    name = _required(raw, "ten_thu_tuc")
    fields, notes, page_of = _sections(raw, code)

    def text(key: str) -> str | None:
        return one_line(fields.get(key))

    return Procedure(
        code=code,
        name=name,
        url=text("detail_url"),
        ministry=ministry,
        decision=text("so_quyet_dinh"),
        level=text("cap_thuc_hien"),
        kind=text("loai_thu_tuc"),
        field=text("linh_vuc"),
        applicants=text("doi_tuong_thuc_hien"),
        agency=text("co_quan_thuc_hien") or text("co_quan_co_tham_quyen"),
        authority=text("co_quan_co_tham_quyen"),
        address=clean(fields.get("dia_chi_tiep_nhan")),
        conditions=clean(fields.get("yeu_cau_dieu_kien")),
        result=parse_result(fields.get("ket_qua_xu_ly")),
        channels=parse_channels(fields.get("cach_thuc_thuc_hien")),
        documents=parse_documents(fields.get("thanh_phan_ho_so")),
        legal_basis=parse_legal_basis(fields.get("can_cu_phap_ly")),
        steps=parse_steps(fields.get("trinh_tu_thuc_hien")),
        raw={k: v for k, v in raw.items() if isinstance(v, str) and v.strip()},
        parse_notes=notes,
        page_of=page_of,
    )


def _required(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"missing {key}")
    return " ".join(value.split())


def _sections(raw: dict[str, Any], code: str) -> tuple[dict[str, str], list[str], str | None]:
    """The record's string fields, with shifted sections replaced from raw_text.

    Also returns the code of the procedure whose page ``raw_text`` is, when it is not this one's.
    """
    fields = {k: v for k, v in raw.items() if isinstance(v, str)}
    notes = []
    page = fields.get("raw_text")
    if not page:
        return fields, notes, None
    sections = split_page(page)
    page_code = clean(sections.get("ma_thu_tuc"))
    page_of = page_code if page_code and page_code != code else None
    if page_of:
        notes.append(f"raw_text is the page of {page_code}, not {code}: the crawl fetched another procedure")
    for key in _RECUT:
        section = sections.get(key)
        if section is None:
            continue
        if _comparable(key, section) != _comparable(key, fields.get(key)):
            notes.append(f"{key} re-cut from raw_text")
        fields[key] = section
    return fields, notes, page_of


def _comparable(key: str, text: str | None) -> str | None:
    """A section as far as parsing sees it (the result's UI text is noise)."""
    return parse_result(text) if key == "ket_qua_xu_ly" else clean(text)
