"""The words of a question that ask for a facet of a procedure rather than name it.

"Đăng ký khai sinh cho con cần chuẩn bị hồ sơ gì ạ" names the procedure in its
first five words; "cần chuẩn bị hồ sơ gì" asks for its documents. Ranked as content,
such phrases pull towards the names that hold their words ("… cho người đã có hồ sơ,
giấy tờ cá nhân"), and they dilute what the dense encoder reads. The search reads a
question without them (:func:`without_facet_phrases`); which facet was asked is the
dialogue's business, read from the whole message.

Measured on the development sets, means over seeds 13-15 of the served recipe,
answered recall@5: the long tail gained most (set D 0.811 -> 0.827, set F 0.753 ->
0.782: its letters end in "hồ sơ gồm những gì và thời hạn giải quyết là bao lâu"),
set B 0.878 -> 0.888, the others and correct no-answer within 0.002. Tried and not
kept: a letter's and a chat's formulae as well ("kính gửi quý cơ quan", "xin hỏi",
"cho em hỏi", "trân trọng cảm ơn"): set D +0.008, set F unchanged, correct
no-answer 0.866 -> 0.859.

>>> without_facet_phrases("Đăng ký khai sinh cho con cần chuẩn bị hồ sơ gì ạ?")
'Đăng ký khai sinh cho con'
>>> without_facet_phrases("e mún đk khai sinh cho con thì cần hs j ạ")  # found expanded, cut as typed
'e mún đk khai sinh cho con'

The phrases are written by hand: no library knows how Vietnamese citizens ask for
fees, durations and places.
"""

from __future__ import annotations

import re

from nlu.text import has_diacritics, normalize_aligned, strip_diacritics

__all__ = ["MONEY", "without_facet_phrases"]

#: "tiền" asks what it costs, unless it is part of what the procedure is about: a criminal record
#: ("giấy không tiền án tiền sự"), a survivor's allowance, land-use fees, rent, compensation.
MONEY = r"tiền(?! án| sự| tuất| sử dụng| thuê| điện| nước| lương| hỗ trợ| bồi thường| phạt| trợ cấp)"

_PHRASES = [
    r"(?:thì |thế |vậy )?(?:cần |phải )?(?:chuẩn bị |mang theo |mang |nộp |làm )?(?:những |các |cái )?"
    r"(?:hồ sơ|giấy tờ|giấy má|thủ tục|hs)(?: gồm)?(?: những)? (?:gì|chi|j|nào|ra sao)",
    r"(?:cần|phải) (?:chuẩn bị |mang theo |mang )?(?:những )?(?:gì|chi|j)",
    r"thành phần hồ sơ(?: gồm(?: những)?(?: gì)?)?",
    rf"(?:có )?(?:mất |tốn |đóng |nộp )?(?:lệ phí|phí|{MONEY})(?: gì| chi| j)?(?: là)?(?: bao nhiêu| bn| mấy| nhiêu)?"
    r"(?: tiền)?(?: không| ko| k)?",
    r"(?:hết|tốn|mất) (?:bao nhiêu|bn|mấy|nhiêu)(?: tiền)?",
    r"(?:là )?(?:bao nhiêu|bn) tiền|là bao nhiêu",
    r"(?:mất |trong |khoảng )?(?:bao lâu|mấy ngày|bao nhiêu ngày|mấy bữa)(?: thì)?(?: có| xong)?(?: kết quả)?",
    r"thời gian (?:giải quyết|bao lâu)",
    r"(?:thì )?(?:nộp |làm |lên |đi |đến )?(?:hồ sơ )?(?:ở|tại) (?:đâu|mô|chỗ nào|nơi nào)",
    r"(?:thì )?(?:nộp|làm|lên|đi) (?:đâu|mô)",
    r"cơ quan nào",
    r"(?:có )?(?:nộp |làm |đăng ký )?(?:hồ sơ )?(?:online|onl|trực tuyến|qua mạng|trên mạng)(?: được| đc)?"
    r"(?: không| ko| k)?",
]
_ACCENTED = re.compile(r"\b(?:" + "|".join(_PHRASES) + r")\b")
# Typed without marks, "so" may be "sổ" or "số": the phrases match without theirs.
_UNACCENTED = re.compile(strip_diacritics(_ACCENTED.pattern))
_TRAILING = re.compile(
    r"[\s,.?!]*(?:\b(?:vậy|v|z|ạ|a|ad|ơi|nhé|nha|em|anh|chị|không|ko|thì|rứa|hả|ha|mn)\b[\s,.?!]*)*$")
_WORD = re.compile(r"\w+")


def without_facet_phrases(text: str, *, typed_without_marks: bool | None = None) -> str:
    """``text`` without the phrases that ask for a facet, and the politeness after them; ``text`` itself
    when fewer than two words would be left ("phí bao nhiêu").

    The phrases are found in the expanded lower-case form ("cần hs j" is "cần hồ sơ gì") and cut from the
    words as given: "TNHH" stays "TNHH" (spelt out, it matched the conversion procedure whose name spells it
    out). ``typed_without_marks`` (default: whether ``text`` has none) matches the phrases without
    diacritics, for a question whose marks a restorer added.
    """
    plain = not has_diacritics(text) if typed_without_marks is None else typed_without_marks
    aligned = normalize_aligned(text, strip=plain)
    pattern = _UNACCENTED if plain else _ACCENTED
    blanked = pattern.sub(lambda match: " " * len(match.group()), aligned.text)
    trailing = _TRAILING.search(blanked)
    cut_from = trailing.start() if trailing else len(blanked)
    removed = [False] * len(text)
    for i, character in enumerate(blanked):
        if i >= cut_from or (character == " " and aligned.text[i] != " "):
            removed[aligned.offsets[i]:aligned.ends[i]] = [True] * (aligned.ends[i] - aligned.offsets[i])
    kept = " ".join("".join(c for c, gone in zip(text, removed) if not gone).split())
    return kept if len(_WORD.findall(kept)) >= 2 else text
