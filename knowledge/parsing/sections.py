"""Re-cut ``raw_text`` (the whole page as text) into its labelled sections.

Why: the crawler split each page at the *first* occurrence of every section
label, so a label quoted inside an earlier section shifts the fields. Example:
``bo-nong-nghiep-mt/2.002339`` has the words "Thành phần hồ sơ" inside its
steps, so its ``trinh_tu_thuc_hien`` stops mid-sentence and its
``thanh_phan_ho_so`` holds the rest of the steps instead of the documents.
Similar shifts hit ``co_quan_thuc_hien``, ``yeu_cau_dieu_kien``,
``can_cu_phap_ly`` and ``ket_qua_xu_ly`` in about 60 of the 1,479 records.

The page text always lists the labels in the same order, so we walk them
left to right and, where a label can also occur as ordinary words, accept
only an occurrence followed by what the real section starts with (its table
header). The portal's UI footer ("Từ khóa ... Chọn cơ quan thực hiện ...
Nộp hồ sơ") is cut off first so it never leaks into the last sections.
"""

from __future__ import annotations

import re
import unicodedata

#: (record key, label printed before that section on the page), page order.
LABELS: tuple[tuple[str, str], ...] = (
    ("ten_thu_tuc", "Tên thủ tục"),
    ("ma_thu_tuc", "Mã thủ tục"),
    ("so_quyet_dinh", "Số quyết định"),
    ("cap_thuc_hien", "Cấp thực hiện"),
    ("loai_thu_tuc", "Loại thủ tục"),
    ("linh_vuc", "Lĩnh vực"),
    ("doi_tuong_thuc_hien", "Đối tượng thực hiện"),
    ("co_quan_co_tham_quyen", "Cơ quan có thẩm quyền"),
    ("dia_chi_tiep_nhan", "Địa chỉ tiếp nhận HS"),
    ("co_quan_duoc_uy_quyen", "Cơ quan được ủy quyền"),
    ("co_quan_phoi_hop", "Cơ quan phối hợp"),
    ("thu_tuc_lien_quan", "Thủ tục hành chính liên quan"),
    ("trinh_tu_thuc_hien", "Trình Tự Thực Hiện"),
    ("cach_thuc_thuc_hien", "Cách Thức Thực Hiện"),
    ("thanh_phan_ho_so", "Thành phần hồ sơ"),
    ("can_cu_phap_ly", "Căn cứ pháp lý"),
    ("co_quan_thuc_hien", "Cơ quan thực hiện"),
    ("yeu_cau_dieu_kien", "Yêu cầu, điều kiện thực hiện"),
    ("ket_qua_xu_ly", "Kết quả xử lý"),
)

#: Labels that also occur as plain words, with what must follow the real one.
#: "Thành phần hồ sơ" needs no entry: it is searched only after the unique
#: "Cách Thức Thực Hiện" label, and the channel table never quotes it.
_MUST_FOLLOW = {
    "can_cu_phap_ly": re.compile(r"Tên văn bản pháp lý|Không có thông tin"),
}

#: The UI footer starts at the last "Từ khóa" (keywords box) on the page.
_FOOTER = "Từ khóa"


def split_page(raw_text: str) -> dict[str, str]:
    """Return ``{record key: section text}`` for every label found in order.

    A label that is missing (a handful of pages have no "Kết quả xử lý") is
    simply absent from the result, and the caller keeps the crawler's field.
    The footer is returned under the key ``"footer"``.
    """
    raw_text = unicodedata.normalize("NFC", raw_text)  # see text.clean
    cut = raw_text.rfind(_FOOTER)
    page, footer = (raw_text[:cut], raw_text[cut:]) if cut >= 0 else (raw_text, "")
    found: list[tuple[str, int, int]] = []  # (key, label start, content start)
    pos = 0
    for key, label in LABELS:
        start = _find_label(page, label, pos, _MUST_FOLLOW.get(key))
        if start < 0:
            continue
        found.append((key, start, start + len(label)))
        pos = start + len(label)
    sections = {}
    for i, (key, _, content_start) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(page)
        sections[key] = page[content_start:end]
    if footer:
        sections["footer"] = footer
    return sections


def _find_label(page: str, label: str, pos: int, must_follow: re.Pattern[str] | None) -> int:
    """Index of the first ``label`` at or after ``pos`` that fits, or -1."""
    start = page.find(label, pos)
    while must_follow is not None and start >= 0 and not must_follow.match(page, start + len(label)):
        start = page.find(label, start + 1)
    return start
