"""Clean ``ket_qua_xu_ly``: what the applicant receives at the end.

The section is one or more result names, each followed by its catalogue code
("Giấy khai sinhMã: KQ.G15.000031"), and the crawler often kept the portal's
UI after it ("Từ khóa...Mô tả...Chọn cơ quan thực hiện...Nộp hồ sơ"). We drop
the UI text and the codes and keep the names, one per line. A code ends
where the next name begins, i.e. at the first capital followed by a small
letter ("KQ.G12.001333Thành phần ..." -> "KQ.G12.001333").
"""

from __future__ import annotations

import re

from knowledge.parsing.text import LOWER, UPPER, clean

_UI_START = re.compile(r"Từ khóa|Chọn cơ quan thực hiện")
_CODE = re.compile(rf"Mã:\s*\S*?(?=[{UPPER}][{LOWER}]|\s|$)")


def parse_result(text: str | None) -> str | None:
    """Result names joined by newlines, or None when there are none."""
    if not text:
        return None
    ui = _UI_START.search(text)
    if ui:
        text = text[: ui.start()]
    names = [clean(part) for part in _CODE.split(text)]
    return clean("\n".join(name for name in names if name))
