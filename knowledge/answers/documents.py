"""Documents (thành phần hồ sơ): the record's tables, their headings, notes apart.

The record's tables keep their own headings ("Giấy tờ phải nộp", "Trường hợp
ủy quyền thực hiện thủ tục thì ...") or none. Untitled tables come first: on
the portal they hold the main application form as often as not, and printed
after a titled table they would read as part of it. Each row is shown as
parsed (:class:`knowledge.records.RowKind`): a document with its copies and
form ("1 bản chính; mẫu: TK1.doc") and, when it is needed only in some case,
"tùy trường hợp"; a sub-heading as a plain line; a note (a "Lưu ý" table, a
row asking for no copy, "Ví dụ: ...") in a separate block at the end under
:data:`NOTES_TITLE`, so it is never read as something to bring.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from knowledge.records import Procedure, RequiredDocument, RowKind

NOTES_TITLE = "Lưu ý trong hồ sơ (không phải giấy tờ cần nộp):"
DOCUMENTS_TITLE = "Thành phần hồ sơ:"


class DocumentItem(BaseModel):
    """One row to bring (``kind`` "document") or a sub-heading inside a table (``kind`` "heading")."""

    name: str
    kind: str = RowKind.document.value
    copies: str | None = None  # "1 bản chính", "1 bản sao" (zero counts dropped)
    form: str | None = None  # template file(s)
    condition: str | None = None  # the case it is needed in, as the record words it


class DocumentSection(BaseModel):
    """One table of the record: its heading (None when untitled) and its rows."""

    heading: str | None = None
    items: list[DocumentItem]


def item_name(text: str) -> str:
    """A row's text without the record's own bullet ("- Giấy chứng sinh;"), so ours is the only one."""
    return text.lstrip("-–•+* \t").rstrip(" ;,").strip() or text


#: Longest document name in a short answer; longer ones are cut at the end of their first phrase.
BRIEF_NAME = 110


def short_name(name: str) -> str:
    """A document's name for chat and voice: up to its first full stop, semicolon or parenthesis, if that leaves
    a name; else its first words, cut with "…"."""
    cut = re.search(r"\.\s|;\s|\s\(", name)
    if cut and cut.start() >= 15:
        name = name[: cut.start()]
    name = name.rstrip(" .;,:")
    if len(name) > BRIEF_NAME:
        name = name[: name.rfind(" ", 0, BRIEF_NAME)] + "…"
    return name


def copies_text(copies: str | None) -> str | None:
    """ "0 bản chính,1 bản sao" -> "1 bản sao"; None when every count is zero."""
    if not copies:
        return None
    parts = [part.strip() for part in copies.split(",") if not re.match(r"\s*0\s", part)]
    return ", ".join(parts) or None


def sections_of(p: Procedure) -> tuple[list[DocumentSection], list[str]]:
    """The record's tables (untitled ones first) and its notes, in table order."""
    tables: dict[int, list[RequiredDocument]] = {}
    for doc in p.documents:
        tables.setdefault(doc.table, []).append(doc)
    ordered = sorted(tables.values(), key=lambda rows: rows[0].group is not None)  # stable: record order kept
    sections, notes = [], []
    for rows in ordered:
        items = []
        for doc in rows:
            if doc.kind is RowKind.note:
                notes.append(item_name(doc.name))
                continue
            items.append(DocumentItem(
                name=item_name(doc.name), kind=doc.kind.value, copies=copies_text(doc.copies),
                form=doc.form, condition=doc.condition,
            ))
        if items:
            sections.append(DocumentSection(heading=rows[0].group, items=items))
    return sections, notes


def heading_lines(heading: str) -> list[str]:
    """A table heading as lines: an introduction and a list in it go on lines of their own.

    "Người có thẩm quyền ... theo quy định sau đây: - Trường hợp ủy quyền cho cá nhân
    ..., phải có:" reads as the introduction, then the case the table is for.
    """
    parts = [part.strip() for part in re.split(r"(?<=:)\s+-\s+(?=\S)", heading) if part.strip()]
    return [f"{part.rstrip(':').rstrip()}:" for part in parts]


def item_line(item: DocumentItem) -> str:
    if item.kind == RowKind.heading.value:
        return item.name
    extra = [x for x in (item.copies, item.form and f"mẫu: {item.form}", item.condition and "tùy trường hợp") if x]
    return f"- {item.name}" + (f" ({'; '.join(extra)})" if extra else "")


def render(p: Procedure) -> tuple[list[str], bool, list[DocumentSection], list[str]]:
    sections, notes = sections_of(p)
    if not sections and not notes:
        return [], False, [], []
    lines = [DOCUMENTS_TITLE]
    for section in sections:
        if section.heading:
            lines.extend(heading_lines(section.heading))
        lines.extend(item_line(item) for item in section.items)
    if not sections:
        lines.append("Hồ sơ không nêu giấy tờ cụ thể nào; xem lưu ý dưới đây.")
    if notes:
        lines.append(NOTES_TITLE)
        lines.extend(f"• {note}" for note in notes)
    found = any(item.kind == RowKind.document.value for s in sections for item in s.items) or bool(notes)
    return lines, found, sections, notes


def brief_items(sections: list[DocumentSection], max_items: int) -> tuple[list[str], int, bool]:
    """The first documents to name in a short answer, how many others there are, and whether those are all
    needed only in some case.

    Documents needed in every case come first, in the order shown; those needed
    only in some case follow; sub-headings are skipped.
    """
    docs: dict[str, DocumentItem] = {}
    for item in (i for s in sections for i in s.items if i.kind == RowKind.document.value):
        docs.setdefault(short_name(item.name).lower(), item)  # the same form in several tables is named once
    chosen = [i for i in docs.values() if not i.condition] + [i for i in docs.values() if i.condition]
    picked, rest = chosen[:max_items], chosen[max_items:]
    return [short_name(i.name) for i in picked], len(rest), all(i.condition for i in rest)
