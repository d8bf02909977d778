"""Parse ``thanh_phan_ho_so``: the documents an applicant must bring.

The portal prints one or more tables, each under an optional heading::

    * Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng<rows>
    * Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượng<rows>
    --Tên giấy tờMẫu đơn, tờ khaiSố lượng<rows>          ("--" = no heading)

and each row is three cells glued together: the document's name, optional
template file names, and the quantity, e.g.::

    Tờ khai đề nghị cấp hộ chiếu (mẫu TK01)TK01.docx1 bản chính

There is no separator and no library for this, so it is hand-written:

* The quantity cell ("1 bản chính", "0 bản chính,1 bản sao") always ends a
  row, so rows are cut after it. The portal prints it with a single digit
  and glues it to the next row; prose quoting "01 bản sao giấy khai sinh"
  has a leading zero or continues with a space and lowercase word, and is
  not taken as a row end.
* Template names end in .doc/.docx/.pdf/.xls(x); where one starts is found
  from the glue between the name cell and the file cell (see
  :func:`_split_form`).
* Text between the last row of a table and the next header is the next
  table's heading (``group``); ``table`` numbers the tables, so rows of an
  untitled table are never mistaken for the previous table's.
* The portal puts explanations in the same tables, so each row gets a
  ``kind`` (see :func:`_kind`): a note (a table headed "Lưu ý", a row that
  asks for no copy at all, "0 bản chính", or that starts with "Lưu ý:" /
  "Ví dụ:"), a sub-heading (a row ending with ":", "... hồ sơ gồm:"), else a
  document. A document needed only in some case gets that case, verbatim,
  as ``condition`` ("Trường hợp trẻ em bị bỏ rơi", "nếu có").
"""

from __future__ import annotations

import re

from knowledge.parsing.text import LOWER, UPPER, clean, one_line
from knowledge.records import RequiredDocument, RowKind

HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"

_QUANTITY = re.compile(
    r"(?<!\b0)\d [Bb]ản (?:chính|sao)(?:, ?\d [Bb]ản (?:chính|sao))*"
    rf"(?=$|\S|\s+[^\s{LOWER}(])"
)
FILE = re.compile(rf"\.(?i:docx?|pdf|xlsx?|rar|zip)(?![{LOWER}])")
# Where a file cell can start right after the name cell, with no space:
# a template word touching the text before it ("quy địnhvăn bản đề nghị.docx",
# "NĐ-CPMẫu số 06.docx"), else a case change or punctuation touching a letter
# ("khoáng sảnMau 35.docx", "(nếu có);Mau02-DS(BHYT).doc", "bản.1.MuCT01.doc").
_KEYWORD_GLUE = re.compile(r"(?<=[^\s(/“\"])(?=(?i:mẫu|mau|mus(?=\d)|(?:văn bản|phụ lục|phu luc|tờ khai|đơn|don)\b))")
_CASE_GLUE = re.compile(rf"(?<=[{LOWER}])(?=[{UPPER}])|(?<=[.;:)])(?=[^\W\d_]|\d{{1,3}}[-. ]?[^\W\d_])")
# Portal file names may carry a number prefix: "(mẫu NA17)101-Mau A17.doc".
_NUMBER_PREFIX = re.compile(r"(?<=[^\s\d/])\d{1,3}[-.]$")
_GROUP_DECORATION = " *-:\n"
# A table of explanations: "* Lưu ý:", "Ghi chú".
_NOTE_TABLE = re.compile(r"(?:lưu ý|chú ý|ghi chú)\b", re.I)
# A row that explains rather than names a paper: "*Lưu ý: ...", "Ví dụ: ...".
_NOTE_ROW = re.compile(r"[-+*•\s]*(?:lưu ý|chú ý|ghi chú|ví dụ)\s*:", re.I)
# An enumerator in front of a row: "- ", "+ ", "a) ", "(ii) ", "2.1. ".
_ENUMERATOR = r"[-+*•\s]*(?:\(?(?:[a-zđ]|[ivx]+|\d+(?:\.\d+)*)[.)]\s*)?"
# Rows that name no paper: a pointer elsewhere ("Thực hiện theo quy định ...", "Hồ sơ như nêu
# tại nội dung 1a, 1b", "... thì việc ủy quyền thực hiện theo quy định tại mục (ii)."), a
# statement of liability ("Người ủy quyền ... chịu trách nhiệm trước pháp luật ..."), a case
# that needs nothing ("Trường hợp ... đã có ... thì không phải tải lên") or that only allows a
# kind of copy ("Trường hợp không quy định rõ bản chính thì có thể nộp bản sao hợp lệ").
_NO_PAPER = (
    re.compile(rf"{_ENUMERATOR}(?:thực hiện|hồ sơ như|như)\b", re.I),
    re.compile(r"(?:theo quy định tại|như nêu tại|như quy định tại)\s+(?:mục|nội dung)\s+[\w().,\s]{1,30}\.?$", re.I),
    re.compile(
        rf"{_ENUMERATOR}(?:người|tổ chức|cá nhân|cơ quan|doanh nghiệp|tổ hợp tác)\b[^.;:]*\bchịu trách nhiệm", re.I
    ),
    re.compile(rf"{_ENUMERATOR}(?:trường hợp|nếu)\b[^.;]*?thì\s+(?:[^.;]{{0,40}}\s)?không (?:phải|cần)\b", re.I),
    re.compile(
        rf"{_ENUMERATOR}(?:trường hợp|nếu)\b[^.;]*?thì\s+(?:[^.;]{{0,40}}\s)?(?:có thể|được)\s+(?:nộp|sử dụng)\s+"
        r"(?:bản sao|bản chính|bản chụp|bản điện tử)",
        re.I,
    ),
)
# A row asking for no copy usually explains; one that starts by naming a paper is still one
# ("Giấy tờ có giá trị chứng minh thông tin về cư trú ...", "Thông tin vụ/việc").
_PAPER_START = re.compile(
    rf"{_ENUMERATOR}(?:giấy|bản sao|bản chính|tờ khai|văn bản|đơn|hộ chiếu|thẻ|sổ|hợp đồng|quyết định|phiếu|"
    r"biên bản|chứng chỉ|chứng từ|ảnh|danh sách|báo cáo|bản vẽ|sơ đồ|bản khai|thông tin)\b",
    re.I,
)
# "Trường hợp trẻ em bị bỏ rơi thì ...", "Đối với người nước ngoài: ...", "Nếu ..., ...".
_CONDITION_START = re.compile(rf"{_ENUMERATOR}((?:trường hợp|nếu)\b[^.;:]*?)(?=\s+(?:thì|phải)\b|\s*[,:])", re.I)
# "... (nếu có)", "... trong trường hợp ủy quyền thực hiện việc đăng ký".
_CONDITION_INSIDE = re.compile(r"\(?\b(nếu có)\b\)?|\b((?:trong|đối với) trường hợp [^.;()]*[^.;()\s])", re.I)


def parse_documents(text: str | None) -> list[RequiredDocument]:
    """All rows of all tables, each tagged with its table's heading."""
    text = clean(text)
    if text is None or HEADER not in text:
        return []
    documents = []
    chunks = text.split(HEADER)
    group = _group_name(chunks[0])
    for table, chunk in enumerate(chunks[1:]):
        pos = 0
        for m in _QUANTITY.finditer(chunk):
            row = chunk[pos : m.start()]
            pos = m.end()
            name, form = _split_form(row)
            if name:
                kind = _kind(name, m.group(0), group)
                condition = _condition(name) if kind is RowKind.document else None
                documents.append(RequiredDocument(name=name, form=form, copies=m.group(0), group=group, table=table,
                                                  kind=kind, condition=condition))
        group = _group_name(chunk[pos:])  # the heading of the next table
    return documents


def _kind(name: str, copies: str, group: str | None) -> RowKind:
    """Document, note or sub-heading (see the module docstring)."""
    if group and _NOTE_TABLE.match(group.lstrip(_GROUP_DECORATION)):
        return RowKind.note
    if name.rstrip().endswith(":"):
        return RowKind.heading
    if _NOTE_ROW.match(name) or any(p.search(name) if p.pattern.startswith("(?:theo") else p.match(name)
                                    for p in _NO_PAPER):
        return RowKind.note
    if not re.search(r"[1-9]", copies) and not _PAPER_START.match(name):
        return RowKind.note
    return RowKind.document


def _condition(name: str) -> str | None:
    """The case a document is needed in, as the record words it, or None."""
    if m := _CONDITION_START.match(name):
        return one_line(m.group(1))
    if m := _CONDITION_INSIDE.search(name):
        return one_line(m.group(1) or m.group(2))
    return None


def _group_name(text: str) -> str | None:
    """ "* Giấy tờ phải nộp:" -> "Giấy tờ phải nộp"; "--" -> None."""
    return one_line(text.strip(_GROUP_DECORATION))


def _split_form(row: str) -> tuple[str | None, str | None]:
    """Split a row's text into (name, template file names).

    The file cell is the tail of the row that ends with a file extension.
    It starts at the last template word glued to the text before it (the
    nearest to the file); failing that, at the first case or punctuation
    glue of the row's last clause (after the last ". " / "; " / newline),
    the first because file names mix cases themselves
    ("MuCT01banhnhkmtheoThngts53.doc"). Several files are joined by "; ".
    """
    files = list(FILE.finditer(row))
    if not files or files[-1].end() != len(row):
        return clean(row), None
    first_file = files[0].start()
    keyword_glues = list(_KEYWORD_GLUE.finditer(row, 0, first_file))
    if keyword_glues:
        glue = keyword_glues[-1]
    else:
        clause = max(row.rfind(sep, 0, first_file) for sep in (". ", "; ", "\n")) + 1
        glue = _CASE_GLUE.search(row, clause, first_file)
    if glue is None:
        return clean(row), None
    cut = glue.start()
    if prefix := _NUMBER_PREFIX.search(row, 0, cut):
        cut = prefix.start()
    name, form = row[:cut], row[cut:]
    parts, pos = [], 0
    for f in FILE.finditer(form):
        parts.append(form[pos : f.end()].strip())
        pos = f.end()
    return clean(name) or clean(form), "; ".join(parts)
