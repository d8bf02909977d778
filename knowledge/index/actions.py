"""What a procedure does (reissue, renew, stop, revoke...) and for whom, and whether the question asked for it.

Many procedures come in families that share one object and differ in the
action: "Đăng ký thành lập hộ kinh doanh", "Dừng thực hiện thủ tục đăng ký hộ
kinh doanh", "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh"... A citizen who
writes "đăng ký hộ kinh doanh để mở quán" wants the first: the plain action.
The longer names match the object as well, so the ranking alone often put a
marked action first. On the development questions 49 of the 165 wrong first
answers were a name whose action the question never asked for, and in 40 the
right procedure was among the first five.

:func:`unasked_actions` says whether a procedure name carries marked actions
the question gives no cue for; the reranker reads it as a feature and learns
its weight from the calibration questions. A cue is the action itself or what a
citizen says instead ("mất", "làm lại" for a reissue; "hết hạn" for a renewal;
"đóng cửa", "nghỉ" for a closure). A question typed without marks is matched
without marks. The table is written by hand: no library knows the actions of
Vietnamese administrative procedures.

The same holds for the applicant: "Đăng ký đất đai… lần đầu đối với tổ chức đang
sử dụng đất" answered "đất ông bà để lại chưa có sổ, giờ muốn làm sổ", and
"Cấp tài khoản định danh điện tử cho cơ quan, tổ chức" answered a citizen's
"định danh mức 2". :func:`unasked_applicant` says whether a name is for
organisations only while the question gives no sign of one (công ty, cơ quan,
bên em…), or for young children only while it names no child (con, bé, cháu…).
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlu.text import has_diacritics, normalize, strip_diacritics

#: Marked action in a procedure name -> what in a question asks for it (the action itself included).
ACTION_CUES: dict[str, tuple[str, ...]] = {
    "cấp lại": ("cấp lại", "làm lại", "xin lại", "mất", "hỏng", "rách", "hư", "thất lạc", "cháy", "bị lấy"),
    "cấp đổi": ("cấp đổi", "đổi", "hết hạn", "sai", "thay đổi", "cũ"),
    "chuyển đổi": ("chuyển đổi", "chuyển", "đổi"),
    "thay đổi": ("thay đổi", "đổi", "sửa", "chuyển", "sai", "khác"),
    "điều chỉnh": ("điều chỉnh", "sửa", "sai", "thay đổi", "đổi", "cập nhật", "chỉnh"),
    "sửa đổi": ("sửa", "thay đổi", "đổi", "điều chỉnh"),
    "bổ sung": ("bổ sung", "thêm", "sửa", "sai", "cập nhật", "thiếu"),
    "cập nhật": ("cập nhật", "sửa", "thay đổi", "đổi", "bổ sung", "sai"),
    "hiệu đính": ("hiệu đính", "sửa", "sai"),
    "gia hạn": ("gia hạn", "hết hạn", "sắp hết", "kéo dài", "thêm thời gian", "ở thêm", "ở lại", "nộp chậm",
                "chậm nộp", "lùi", "hoãn"),
    "chuyển nhượng": ("chuyển nhượng", "nhượng lại", "sang lại", "sang nhượng", "sang tên", "bán lại", "chuyển cho"),
    "hợp nhất": ("hợp nhất", "gộp", "nhập lại", "nhập chung"),
    "sáp nhập": ("sáp nhập", "sát nhập", "nhập vào", "gộp"),
    "miễn, giảm": ("miễn", "giảm", "bớt", "khỏi đóng", "khỏi nộp", "không phải đóng", "không phải nộp"),
    "thu hồi": ("thu hồi", "hủy", "bán", "nộp lại", "trả lại", "không dùng", "hỏng", "cũ nát", "bỏ"),
    "xóa": ("xóa", "hủy", "bán", "không còn", "chết", "mất", "chìm", "cắt", "bỏ"),
    "hủy": ("hủy", "xóa", "bỏ"),
    "dừng": ("dừng", "ngừng", "ngưng", "không làm nữa", "thôi"),
    "tạm ngừng": ("tạm ngừng", "ngừng", "ngưng", "nghỉ", "tạm nghỉ", "đóng cửa", "tạm dừng"),
    "chấm dứt": ("chấm dứt", "nghỉ", "đóng cửa", "giải thể", "không kinh doanh", "ngừng", "ngưng", "thôi", "dẹp",
                 "trả lại", "không làm nữa"),
    "giải thể": ("giải thể", "đóng cửa", "chấm dứt", "dẹp"),
    "thôi": ("thôi", "bỏ", "không hưởng", "từ bỏ", "ra khỏi", "nghỉ"),
    "đình chỉ": ("đình chỉ", "dừng", "ngừng"),
    "khôi phục": ("khôi phục", "lấy lại", "trở lại", "xin lại"),
    "trả lại": ("trả lại", "nộp lại", "không dùng"),
    # "Ủy quyền lĩnh thay các chế độ bảo hiểm xã hội, trợ cấp thất nghiệp" is not how to get the benefit.
    "ủy quyền": ("ủy quyền", "nhờ", "lĩnh thay", "lãnh thay", "nhận thay", "thay cho", "người khác", "người nhà"),
}


def padded_words(text: str, *, plain: bool = False) -> str:
    """Lower case, NFC, words separated by single spaces and padded (" cấp lại giấy "); ``plain`` without marks."""
    text = normalize(text)
    return " " + " ".join(re.findall(r"\w+", strip_diacritics(text) if plain else text)) + " "


class _Cues:
    """Phrases a question may contain, with marks and without."""

    def __init__(self, phrases: tuple[str, ...]) -> None:
        self.accented = tuple(padded_words(phrase) for phrase in phrases)
        self.plain = tuple(padded_words(phrase, plain=True) for phrase in phrases)


class Asked:
    """A question as the checks below read it, prepared once for all the candidates of one search.

    Each form given (as typed; with its marks restored) is read with marks if it
    has any and without if it has none ("mat bang lai" asks for a reissue); a
    cue in any form counts.
    """

    def __init__(self, *forms: str) -> None:
        self._forms = [(padded_words(form, plain=not has_diacritics(form)), not has_diacritics(form)) for form in forms]

    def gives(self, cues: _Cues) -> bool:
        return any(cue in words for words, plain in self._forms for cue in (cues.plain if plain else cues.accented))


# Names always carry their marks, so actions are found in them with marks: without,
# "dừng" would be found in "nội dung".
_ACTIONS = tuple((padded_words(action), _Cues(cues)) for action, cues in ACTION_CUES.items())


# An action names what the procedure does only near the start of its name ("Cấp lại…",
# "Đăng ký cập nhật, bổ sung…"); further on it is one of the cases it covers ("Đăng ký
# biến động quyền sử dụng đất… trong các trường hợp chuyển đổi, chuyển nhượng…").
HEAD_WORDS = 6


@lru_cache(maxsize=4096)
def name_actions(name: str) -> tuple[int, ...]:
    """Indexes (into :data:`ACTION_CUES`) of the marked actions in the first :data:`HEAD_WORDS` words of ``name``."""
    words = padded_words(name).split()
    if words[:2] == ["thủ", "tục"]:  # "Thủ tục gia hạn nộp thuế": the customs and tax names' own prefix
        words = words[2:]
    head = " " + " ".join(words[:HEAD_WORDS]) + " "
    return tuple(i for i, (action, _) in enumerate(_ACTIONS) if action in head)


def asked_actions(name: str, question: Asked) -> bool:
    """Whether procedure ``name`` carries a marked action the question gives a cue for: "sang lại cho công ty
    khác" for "Chuyển nhượng quyền khai thác…", not "Cấp giấy phép khai thác…" that shares its object."""
    return any(question.gives(_ACTIONS[i][1]) for i in name_actions(name))


def unasked_actions(name: str, question: Asked) -> bool:
    """Whether procedure ``name`` carries marked actions and the question gives a cue for none of them.

    One cue is enough for a name that joins several actions ("Cấp gia hạn,
    điều chỉnh giấy phép..."): the procedure covers each of them.
    """
    return bool(name_actions(name)) and not asked_actions(name, question)


# A name for organisations only: the organisation named after "cho", "đối với", "của".
_ORGANISATION_NAMES = tuple(padded_words(phrase) for phrase in (
    "cho tổ chức", "cho cơ quan tổ chức", "cho các tổ chức", "đối với tổ chức", "đối với các tổ chức",
    "của tổ chức", "tổ chức kinh tế", "cho doanh nghiệp", "đối với doanh nghiệp", "của doanh nghiệp",
))
# ...unless it names people too ("đối với tổ chức, cá nhân").
_PEOPLE_NAMES = tuple(padded_words(word) for word in ("cá nhân", "hộ gia đình", "công dân", "người"))
#: What in a question says an organisation asks.
ORGANISATION_CUES: tuple[str, ...] = (
    "tổ chức", "doanh nghiệp", "cơ quan", "hợp tác xã", "htx", "công ty", "cty", "đơn vị", "cơ sở", "trường",
    "bệnh viện", "nhà máy", "xí nghiệp", "trung tâm", "văn phòng", "chi nhánh", "hội", "dự án", "chủ đầu tư",
    "bên tui", "bên em", "bên mình", "bên tôi", "chúng tôi", "vp", "dn",
)
_ORGANISATION_CUES = _Cues(ORGANISATION_CUES)


# A record an agency asks for ("Cấp Phiếu lý lịch tư pháp theo yêu cầu của cơ quan tiến hành tố tụng
# (đối tượng là công dân Việt Nam…)"): the people named are whom it is about, not who applies.
_AGENCY_REQUESTS = tuple(padded_words(phrase) for phrase in ("theo yêu cầu của cơ quan",))


@lru_cache(maxsize=4096)
def for_organisations(name: str) -> bool:
    """Whether procedure ``name`` is for organisations: it names one as its applicant and no person, or an
    agency asks for it."""
    words = padded_words(name)
    if any(p in words for p in _AGENCY_REQUESTS):
        return True
    return any(p in words for p in _ORGANISATION_NAMES) and not any(p in words for p in _PEOPLE_NAMES)


# A name for young children only ("… cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi" answered "nhập hộ khẩu
# cho mạ tui"), and what in a question says a child is meant. "con" is also how a speaker calls
# themselves to an elder ("con hỏi chút"): a cue too many only spares the name its penalty.
_CHILD_NAMES = tuple(padded_words(phrase) for phrase in ("trẻ em dưới", "cho người dưới 14 tuổi", "dưới 6 tuổi"))
CHILD_CUES: tuple[str, ...] = (
    "con", "cháu", "bé", "trẻ", "sinh", "đẻ", "tuổi", "học sinh", "nhỏ", "đứa", "thằng", "cu", "bầu", "sơ sinh",
)
_CHILD_CUES = _Cues(CHILD_CUES)


@lru_cache(maxsize=4096)
def for_children(name: str) -> bool:
    """Whether procedure ``name`` is for young children only."""
    words = padded_words(name)
    return any(p in words for p in _CHILD_NAMES)


def unasked_applicant(name: str, question: Asked) -> bool:
    """Whether procedure ``name`` is for organisations only, or for young children only, and the question
    gives no sign of one."""
    return ((for_organisations(name) and not question.gives(_ORGANISATION_CUES))
            or (for_children(name) and not question.gives(_CHILD_CUES)))
