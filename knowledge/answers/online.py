"""Online submission: whether the record allows it, and through which system.

Availability comes from the channel table (a "Trực tuyến" row). The system is
the one the record names, in the steps, the channel descriptions or the
receiving address: "Hệ thống thông tin về đăng ký hộ kinh doanh", "Cổng thông
tin quốc gia về đăng ký doanh nghiệp", "Cổng thông tin điện tử của Cục Thuế",
"Hệ thống xử lý dữ liệu điện tử hải quan", "Ứng dụng định danh quốc gia", the
national portal... with the link the record gives right after the name, if any.
No system is assumed when the record names none.

A system name is found from its head ("Cổng dịch vụ công", "Cổng thông tin",
"Hệ thống thông tin", "Ứng dụng định danh", "Trang thông tin điện tử",
"VNeID") and runs on, word by word, until a word that cannot be part of a name
(a verb or a link word such as "hoặc", "để", "thì", "mà", "theo", a number, a
punctuation mark, a line break).
"""

from __future__ import annotations

import re

from knowledge.answers.duration import cell_text
from knowledge.answers.fee import contradicted, split_cell
from knowledge.answers.text import CHANNEL_LABELS, unique
from knowledge.records import Procedure, SubmissionChannel

ONLINE_YES = "Có thể nộp hồ sơ trực tuyến"
ONLINE_NO = "Thủ tục này chưa nhận hồ sơ trực tuyến"

_HEAD = re.compile(
    r"(?<!\w)(?:[Cc]ổng\s+(?:Dịch vụ công|dịch vụ công|DVC|thông tin|Thông tin)"
    r"|hệ thống dịch vụ công"
    r"|Hệ thống\s+(?:thông tin|xử lý|dịch vụ công|giải quyết|ứng dụng|quản lý|đăng ký|một cửa|điện tử|tiếp nhận"
    r"|khai báo)"
    r"|[Ứứ]ng dụng\s+(?:định danh|VNeID)|Trang\s+(?:thông tin|dịch vụ công)(?:\s+điện tử)?|VNeID)"
)
_TOKEN = re.compile(r"[ \t]+|[^\s,;.:()/“”\"]+|.", re.S)
#: Words a name never runs on through.
_STOP = frozenset(
    "hoặc và để thì theo khi nơi tại với được do trong hay đối bằng cho đã sau kể phải thực gửi nộp có kèm hướng "
    "trên lựa là này đó khác từ chọn truy sử nhận qua hoàn thanh mà không gặp trước thay trả tiếp văn đến ngay bị "
    "cũng như chưa chậm truyền chuyển dành tự đề những nếu phản thu".split()
)
_STOP_PAIRS = frozenset({"thông báo", "thông qua", "tiếp nhận", "cán bộ", "đăng nhập", "trả về", "người nộp",
                         "cập nhật", "xác nhận", "kiểm tra", "tự động", "xử lý", "quyết định", "phê duyệt", "lý do"})
_MAX_WORDS = 14
_LINK = re.compile(r"[ \t]*[:(]?\s*(https?://[^\s,;)“”]+|(?:www\.)?[\w-]+(?:\.[\w-]+)*\.gov\.vn(?:/[^\s,;)“”]*)?)")


def system_names(text: str) -> list[str]:
    """The systems named in ``text``, each with the link that follows it, if any."""
    out = []
    for m in _HEAD.finditer(text):
        tokens = _TOKEN.findall(text, m.end())
        end, count = m.end(), 0
        i = 0
        while i < len(tokens) and count < _MAX_WORDS:
            token = tokens[i]
            if token in (" ", "\t") or (token.isspace() and "\n" not in token):
                i += 1
                continue
            if not re.fullmatch(r"[^\s,;.:()/“”\"]+", token):
                break
            word = token.lower()
            following = next((t.lower() for t in tokens[i + 1 :] if not t.isspace()), "")
            if word in _STOP or word[0].isdigit() or f"{word} {following}" in _STOP_PAIRS:
                break
            end = text.index(token, end) + len(token)
            count += 1
            i += 1
        name = " ".join(text[m.start() : end].split())
        link = _LINK.match(text, end)
        out.append(f"{name} ({link.group(1).rstrip('.')})" if link else name)
    names = unique(out)
    # "Cổng dịch vụ công" adds nothing next to "Cổng dịch vụ công quốc gia".
    return [n for n in names if not any(o != n and o.lower().startswith(n.lower()) for o in names)]


def online_available(p: Procedure) -> bool:
    return any(c.channel is SubmissionChannel.online for c in p.channels)


def render(p: Procedure) -> tuple[list[str], bool]:
    if not p.channels:
        return [], False
    online = [c for c in p.channels if c.channel is SubmissionChannel.online]
    if not online:
        channels = ", ".join(dict.fromkeys(CHANNEL_LABELS[c.channel] for c in p.channels))
        return [f"{ONLINE_NO}; hình thức nộp: {channels}."], True
    # The steps first (where filing is described), then the channel's description, the address, and last the
    # fee explanation, which names systems to pay through as often as to file through.
    texts = [*p.steps, *(c.note or "" for c in online), p.address or "", *(c.fee or "" for c in online)]
    names = system_names("\n".join(texts))[:6]
    lines = [f"{ONLINE_YES} cho thủ tục này."]
    if names:
        lines.append("Nộp qua: " + "; ".join(names) + ".")
    else:
        lines.append("Hồ sơ không ghi tên hệ thống nộp trực tuyến; anh/chị có thể bắt đầu từ trang của thủ tục "
                     "(đường dẫn bên dưới).")
    c = online[0]
    label, explanation = split_cell(c.fee) if c.fee else (None, None)
    fee = label if label and not contradicted(label, explanation) else None  # a contradicted label needs its story
    facts = [x for x in (c.processing_time and f"thời hạn {cell_text(c.processing_time)}", fee and f"phí, lệ phí {fee}")
             if x]
    if facts:
        lines.append("Khi nộp trực tuyến, bảng trên Cổng ghi: " + "; ".join(facts) + ".")
    return lines, True
