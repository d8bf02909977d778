"""Reading a reply in the light of what the assistant asked: numbers, ordinals, distinguishing words, yes/no.

The NLU model classifies a message on its own; these small readers look at it
against the conversation. Each works on the *plain* form of the text (normalised,
abbreviations and teencode expanded, diacritics stripped, lower case), so "cái
thứ hai", "cai thu 2" and "c thứ 2" read alike::

    >>> choice_index("cái thứ hai", 3), choice_index("số 3 ạ", 3), choice_index("cái cuối", 3)
    (1, 2, 2)
    >>> qualifiers("thế còn cho người nước ngoài?")
    Qualifiers(foreign=True, level=None)
    >>> residual("còn lệ phí thì sao?")      # nothing left but follow-up words: a follow-up
    []

Word lists are data, kept short and explained where a choice was not obvious.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.answers import Facet
from knowledge.index.facet_phrases import MONEY
from knowledge.index.hybrid import base_name
from nlu.text import expand_abbreviations, has_diacritics, normalize, strip_diacritics

_WORD = re.compile(r"[a-z0-9]+")
_ANY_WORD = re.compile(r"\w+", re.UNICODE)


def plain(text: str) -> str:
    """Normalised, abbreviations expanded, without diacritics, lower case."""
    return strip_diacritics(expand_abbreviations(normalize(text))).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(plain(text))


# -- choosing among numbered options ------------------------------------------------------------
_NUMBER_WORDS = {"mot": 1, "nhat": 1, "dau": 1, "hai": 2, "nhi": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5}
_LAST = {"cuoi"}
# Words that may surround a number in a choice ("chọn cái số 2 đi ạ"), and nothing else.
_CHOICE_FILLER = {"cai", "so", "thu", "chon", "em", "a", "da", "di", "nhe", "nha", "la", "lua", "phuong", "an",
                  "toi", "tui", "minh", "muon", "lay", "o", "y", "tien", "cung", "vay", "roi", "nay", "c", "e", "ha",
                  "thu tuc", "thutuc", "dong", "muc", "phan", "lam", "hoi", "ve", "cho", "ah", "oi", "ban", "ad",
                  "vang", "u", "dung", "co"}


def choice_index(text: str, count: int) -> int | None:
    """The 0-based option a short reply picks by number or ordinal ("2", "số hai", "cái thứ 2", "cái cuối",
    "c2"), or None. Only short replies count: "hồ sơ nộp thứ hai" is a date, not a choice."""
    tokens = words(text)
    if not tokens or len(tokens) > 7 or count <= 0:
        return None
    picked: list[int] = []
    for i, token in enumerate(tokens):
        if token.isdigit():
            picked.append(int(token))
        elif re.fullmatch(r"c\d", token):  # "c2": teencode for "cái 2"
            picked.append(int(token[1:]))
        elif token in _NUMBER_WORDS and (token not in {"dau", "tu", "nam"} or _after(tokens, i, {"thu", "so", "cai"})
                                         or token == "dau" and _after(tokens, i, {"cai"})):
            picked.append(_NUMBER_WORDS[token])
        elif token in _LAST and _after(tokens, i, {"cai", "thu", "so"}):
            picked.append(count)
        elif token not in _CHOICE_FILLER:
            return None
    if len(set(picked)) != 1:
        return None
    index = picked[0] - 1
    return index if 0 <= index < count else None


def _after(tokens: Sequence[str], i: int, previous: set[str]) -> bool:
    return i > 0 and tokens[i - 1] in previous


# -- distinguishing words ----------------------------------------------------------------------
@dataclass(frozen=True)
class Qualifiers:
    """What a message says that tells near-identical procedures apart."""

    foreign: bool | None = None  # True: "người nước ngoài"; False: "trong nước", "không có yếu tố nước ngoài"
    level: str | None = None  # "tinh" | "xa" | "huyen" | "trung uong"


class Pattern:
    """A regular expression written with diacritics, matched against the accented form of a message typed
    with them and against the plain form of one typed without ("sở" is not "số" or "sổ", but "so" may be any)."""

    def __init__(self, accented: str) -> None:
        self.accented = re.compile(accented)
        self.unaccented = re.compile(strip_diacritics(accented))

    def search(self, text: str) -> bool:
        if has_diacritics(text):
            return bool(self.accented.search(lowered(text)))
        # Typed without marks: expanded abbreviations bring theirs ("tks" -> "cảm ơn"), which go too.
        return bool(self.unaccented.search(strip_diacritics(lowered(text))))


def lowered(text: str) -> str:
    """Normalised, abbreviations expanded, lower case; diacritics kept as typed."""
    return expand_abbreviations(normalize(text)).lower()


# A nationality said of a person ("vợ tôi là người Nhật", "chồng em quốc tịch Pháp") is a foreign
# element too; the countries are those most of Huế's foreign marriages and workers come from ("người
# Anh", "người Thái" and "người Ý" are left out: an elder brother, an ethnic group, a word for "idea").
_NATIONALITIES = (r"nhật|nhật bản|hàn|hàn quốc|mỹ|trung quốc|đài loan|úc|pháp|đức|nga|lào|campuchia|"
                  r"thái lan|singapore|canada|hà lan|philippines|indonesia|malaysia|ấn độ|séc|ba lan")
_FOREIGN = Pattern(r"nước ngoài|ngoại quốc|việt kiều|quốc tịch khác|người tây|ngoại kiều|"
                   rf"\b(?:người|ng|quốc tịch) (?:{_NATIONALITIES})\b")
_NOT_FOREIGN = Pattern(r"không (?:có )?(?:yếu tố )?nước ngoài|trong nước|người việt nam|bình thường|"
                       r"không phải (?:người )?nước ngoài")
_LEVELS = (
    ("xa", Pattern(r"\b(?:cấp xã|xã|phường|cấp phường|cấp cơ sở)\b")),
    ("tinh", Pattern(r"\b(?:cấp tỉnh|tỉnh|cấp thành phố|thành phố|sở)\b")),
    ("huyen", Pattern(r"\b(?:cấp huyện|huyện|quận)\b")),
    ("trung uong", Pattern(r"\b(?:trung ương|cấp bộ)\b")),
)


def qualifiers(text: str) -> Qualifiers:
    """The foreign element and the level a message mentions (each None when it says nothing)."""
    foreign: bool | None = None
    if _NOT_FOREIGN.search(text):
        foreign = False
    elif _FOREIGN.search(text):
        foreign = True
    found = levels_asked(text)
    level = found[0] if len(found) == 1 else None  # "ở xã hay ở tỉnh?" names two: a question, not a choice
    return Qualifiers(foreign, level)


def name_qualifiers(name: str, level: str | None = None) -> Qualifiers:
    """The qualifiers a procedure's own name (and level field) carries."""
    p = plain(name)
    foreign = bool(re.search(r"yeu to nuoc ngoai|nguoi nuoc ngoai|o nuoc ngoai", p))
    named = re.search(r"cap (tinh|xa|huyen|trung uong)", p)
    lv = named.group(1) if named else None
    if lv is None and level:
        levels = levels_asked(level)
        lv = levels[0] if len(levels) == 1 else None
    return Qualifiers(foreign, lv)


def levels_of(options: Sequence[Any]) -> list[str | None]:
    """The level of each option (anything with a ``name`` and a ``level``) when the options are one procedure
    at different levels ("Cấp lại thẻ căn cước", "… (thực hiện tại cấp tỉnh)"), else []."""
    own = [name_qualifiers(o.name, o.level) for o in options]
    levels = [q.level for q in own]
    same = len({base_name(o.name) for o in options}) == 1 and len({q.foreign for q in own}) == 1
    return levels if same and len(set(levels)) == len(levels) > 1 else []


def levels_asked(text: str) -> list[str]:
    """Every level a message names ("ở xã hay ở tỉnh?" -> ["xa", "tinh"])."""
    return [name for name, pattern in _LEVELS if pattern.search(text)]


def pick_by_words(text: str, names: Sequence[tuple[str, str | None]]) -> int | None:
    """The one option (name, level) the reply's distinguishing words point to, or None.

    First the qualifiers (foreign element, level); then the words of an option's name that
    no other option has ("đăng ký **lại** khai sinh"), when the reply uses them.
    """
    if not names:
        return None
    asked = qualifiers(text)
    candidates = list(range(len(names)))
    own = [name_qualifiers(n, lv) for n, lv in names]
    if asked.foreign is not None:
        candidates = [i for i in candidates if own[i].foreign == asked.foreign] or candidates
    if asked.level is not None:
        candidates = [i for i in candidates if own[i].level == asked.level] or candidates
    if len(candidates) == 1 and len(names) > 1 and (asked.foreign is not None or asked.level is not None):
        return candidates[0]
    tokens, forms = _comparable(text)
    name_words = [set(forms(n)) - _QUALIFIER_WORDS for n, _ in names]
    common = set.intersection(*name_words) if name_words else set()
    scores = [len((name_words[i] - common) & tokens) for i in candidates]
    best = max(scores, default=0)
    if best > 0 and scores.count(best) == 1:
        return candidates[scores.index(best)]
    return None


# Words of qualifier phrases: the qualifiers above read them with their meaning (and negation);
# as bare words they would match "giấy tờ" against "yếu tố" once diacritics are gone.
_QUALIFIER_WORDS = set("có yếu tố nước ngoài người cấp tỉnh xã huyện phường thành phố trung ương thực hiện tại "
                       "thủ tục co yeu to nuoc ngoai nguoi cap tinh xa huyen phuong thanh pho trung uong thuc hien "
                       "tai thu tuc".split())


def _comparable(text: str) -> tuple[set[str], Callable[[str], list[str]]]:
    """The reply's words and the function that reads a name the same way: accented when the reply has
    diacritics (so "tờ" is not "tố"), plain when it has none."""
    if has_diacritics(text):
        def forms(value: str) -> list[str]:
            return _ANY_WORD.findall(lowered(value))
    else:
        def forms(value: str) -> list[str]:
            return _WORD.findall(plain(value))
    return set(forms(text)) - _CHOICE_FILLER - _POLITE_WORDS, forms


_POLITE_WORDS = {"cái", "số", "thứ", "chọn", "em", "ạ", "dạ", "đi", "nhé", "nha", "là", "lựa", "tôi", "tui", "mình",
                 "muốn", "lấy", "ở", "cho", "hỏi", "về", "làm", "cần", "gì", "giấy", "tờ", "hồ", "sơ"}


# -- yes / no ----------------------------------------------------------------------------------
_YES = {"co", "dung", "dung roi", "vang", "u", "uh", "um", "ok", "oke", "okay", "phai", "chuan", "yes", "da",
        "da vang", "da dung", "dung vay", "phai roi", "chinh xac", "dong y", "xac nhan", "gui", "gui di", "co a",
        "da co", "dung a", "vang a", "u dung roi", "ok em", "oke em", "duoc", "duoc a", "nhat tri", "y", "uk", "yep",
        "chuan roi", "chuan luon", "co chu", "dung the", "dung rua", "phai", "da phai", "ung"}
_NO = {"khong", "khong phai", "sai", "sai roi", "no", "khong can", "thoi", "thoi khoi", "khoi", "huy", "khong a",
       "da khong", "khong dung", "chua", "khong co", "khong muon", "thoi khong can", "khong can dau", "huy bo",
       "khong gui", "dung lai", "nope", "khong phai dau"}
_POLITE = {"a", "ah", "da", "em", "nhe", "nha", "oi", "ha", "the", "vay", "roi", "ban", "ad", "nghe", "he", "chi",
           "anh", "nua", "giup", "toi", "tui", "minh", "di", "luon", "ma", "e", "r", "v", "cho"}
_NO_FIRST = {"khong", "thoi", "huy", "sai", "chua", "khoi"}
_UNSURE = {"biet", "ro", "nho", "chac", "hieu"}
_YES_FIRST = {"dung", "vang", "u", "ok", "oke", "phai", "co", "dong"}


def yes_no(text: str) -> bool | None:
    """True for a short yes, False for a short no, None otherwise ("có yếu tố nước ngoài" is not a yes)."""
    tokens = [t for t in words(text) if t not in _POLITE] or words(text)
    if not tokens or len(tokens) > 4:
        return None
    phrase = " ".join(tokens)
    if _UNSURE & set(tokens):  # "không biết", "không nhớ": not a refusal
        return None
    if phrase in _NO or tokens[0] in _NO_FIRST and len(tokens) <= 4:
        return False
    if phrase in _YES or tokens[0] in _YES_FIRST and len(tokens) <= 3 and not _QUALIFYING.search(phrase):
        return True
    return None


_REJECTS = re.compile(r"\b(?:khong phai|sai roi|sai|khong dung|nham roi|nham|khong phai cai (?:do|nay|ni))\b")


def rejects(text: str) -> bool:
    """"Không phải", "sai rồi", "không đúng": the citizen says the answer is about the wrong thing (a bare
    "không" is only a no)."""
    tokens = words(text)
    return len(tokens) <= 8 and bool(_REJECTS.search(" ".join(tokens))) and not _QUALIFYING.search(" ".join(tokens))


def says_unsure(text: str) -> bool:
    """"Không biết", "ko nhớ mã", "chưa rõ": the citizen cannot answer what was asked."""
    tokens = words(text)
    return bool(_UNSURE & set(tokens)) and bool({"khong", "chua", "ko", "k"} & set(tokens))


# "có yếu tố nước ngoài", "có ở xã không": a "có" that qualifies rather than agrees.
_QUALIFYING = re.compile(r"nuoc ngoai|yeu to|\bxa\b|\btinh\b|phuong|cap ")


# -- what a message says beyond follow-up words -------------------------------------------------
# Words a follow-up is made of: fillers and pronouns (Huế's too: "răng" why, "rứa" so, "mô" where,
# "ni" this, "chừ" now, "hè"), facet words, qualifiers, and procedure-generic words ("thủ tục", "làm").
# Written with diacritics: a message typed with them is compared accented ("khai tử" is not "thủ tục"),
# one typed without is compared unaccented.
# The words of the facets' questions, by line: fee, time, place, online, documents. Only words that seldom
# name what a procedure is about: "mất" (lost), "hạn" (gia hạn), "nhận" (nhận con nuôi), "điện" (xe điện),
# "xã" (xã hội), "đồng" (hợp đồng), "tiền" (tiền sử dụng đất) are follow-up words below, not facet words;
# the phrases of facet_from_words ("mấy đồng", "nộp ở mô") catch the questions they make.
FACET_VOCABULARY = set("""
lệ phí bao nhiêu tốn hết bn nhiêu
lâu thời gian ngày tuần tháng nhanh chậm quả khi lúc bao chừng bữa hôm
đâu nơi cơ quan chỗ ubnd ủy ban bộ phận phường
online onl trực tuyến internet thoại app vneid dvc web website
hồ sơ gồm mang chuẩn bị kèm
""".split())
FOLLOW_UP_WORDS = FACET_VOCABULARY | set("""
thế còn thì sao vậy à ạ dạ ơi nhé nha hả hở rồi nữa với cho em anh chị bạn ad admin tôi tui mình e c nè đi nào
gì j chi sao ra không có được hay là làm cần phải muốn hỏi xin giúp và nếu z v s k nhỉ hè rứa mô ni tê răng chừ
chứ cái đó này kia trường hợp như vậy ak uh ừ ok ui nghe luôn cũng ở tại lên về đến mấy thử coi xem biết cho em hỏi
tiền mất giá cả thu đóng khoản nộp miễn đồng giờ kết lấy trả hạn nhận nhân dân trung tâm hành chính công một cửa
xã qua mạng dịch vụ trên điện ứng dụng giấy tờ những theo thành phần phép đăng ký nhà
thủ tục cách trình tự bước quy trình thế nào làm sao hướng dẫn
người nước ngoài yếu tố việt kiều quốc tỉnh thành phố cấp huyện quận trong bình thường
riêng khác thực hiện giải quyết
""".split())
_FOLLOW_UP_PLAIN = {strip_diacritics(w) for w in FOLLOW_UP_WORDS}


# Unaccented syllables that stand for follow-up words *and* for common words of procedure names
# ("so": sổ/sở/số, "do": đỏ/đó, "tu": tử/tự/từ, "ho": hộ/hồ, "lam": làm/lâm, "nha": nhà/nha).
_AMBIGUOUS_PLAIN = {"so", "do", "tu", "ho", "lam", "nha", "cong", "dan", "nhan", "ky", "dang"}


# Without marks, a facet word that is also a common word of names ("ho": hồ of hồ sơ, hộ of hộ chiếu) is none.
_FACET_PLAIN = {strip_diacritics(w) for w in FACET_VOCABULARY} - _AMBIGUOUS_PLAIN


def residual(text: str, spans: Iterable[tuple[int, int]] = (), *, restored: bool = False) -> list[str]:
    """The words of ``text`` that are not follow-up words, with the character ``spans`` removed first
    (a place, a date, a phone number the NLU found). Empty: the message only follows up on the topic.

    ``restored``: ``text`` had its diacritics restored by a model (it was typed without them), so a
    word is content only when neither its restored form nor, unless ambiguous, its plain form is a
    follow-up word ("the con" may come back as "thẻ còn": "the" is still "thế").
    """
    cut = text
    for start, end in sorted(spans, reverse=True):
        cut = cut[:start] + " " + cut[end:]
    if not has_diacritics(cut):
        return [w for w in _ANY_WORD.findall(plain(cut)) if w not in _FOLLOW_UP_PLAIN and not w.isdigit()]
    found = []
    for word in _ANY_WORD.findall(lowered(cut)):
        if word in FOLLOW_UP_WORDS or word.isdigit() or word == "_":
            continue
        bare = strip_diacritics(word)
        if restored and bare in _FOLLOW_UP_PLAIN and bare not in _AMBIGUOUS_PLAIN:
            continue
        found.append(word)
    return found


# -- the facet a message asks about, read from its words --------------------------------------
_FACET_WORDS = (
    (Facet.fee, Pattern(rf"\b(?:lệ phí|phí|bao nhiêu tiền|mất tiền|tốn tiền|hết bao nhiêu|chi phí|mấy đồng|"
                        rf"bao nhiêu đồng|{MONEY})\b")),
    (Facet.duration, Pattern(r"\b(?:bao lâu|mấy ngày|thời gian|bao nhiêu ngày|khi nào có|lâu không|mất lâu|"
                             r"mấy bữa|khi mô|lúc mô|bữa mô|hôm mô|chừng mô|bao giờ|khi nào|lúc nào|chừng nào|"
                             r"mấy hôm|mấy tuần)\b")),
    (Facet.online, Pattern(r"\b(?:online|onl|trực tuyến|qua mạng|trên mạng|vneid)\b")),
    (Facet.place, Pattern(r"\b(?:ở đâu|nộp đâu|chỗ nào|nơi nào|ở mô|cơ quan nào|lên đâu|đi đâu|làm ở đâu|"
                          r"nộp ở mô|lên mô|nộp mô|làm mô|đi mô)\b")),
    (Facet.documents, Pattern(r"\b(?:giấy tờ|hồ sơ gồm|cần những gì|mang theo|thành phần hồ sơ|cần gì|hồ sơ gì|"
                              r"giấy tờ gì|giấy tờ chi|hồ sơ chi|cần chi|giấy tờ j|cần j|cần mang|phải mang|mang gì|"
                              r"mang chi)\b")),
)


def facet_from_words(text: str) -> Facet | None:
    """The facet a message's words ask about, when the NLU could not tell (None when none or several)."""
    found = [facet for facet, pattern in _FACET_WORDS if pattern.search(text)]
    return found[0] if len(found) == 1 else None


def says_no_facet(text: str) -> bool:
    """Whether ``text`` holds none of the words a question about a facet is made of: a bare procedure
    ("đăng ký xe máy"), whatever facet the NLU's intent reads into it, asks for the procedure as a whole.
    Typed without marks, a word counts when its unaccented form is one of them ("o dau")."""
    if has_diacritics(text):
        return not FACET_VOCABULARY & set(_ANY_WORD.findall(lowered(text)))
    return not _FACET_PLAIN & set(_ANY_WORD.findall(plain(text)))

