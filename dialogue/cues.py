"""Cues a message gives about the conversation itself, read from its words whatever the NLU model said.

The intent model decides most turns; these few readers catch what a statistical model may miss and a
citizen must never be failed on (people in danger, asking for a person), and what only makes sense in a
conversation (asking to hear the last reply again, to hear the rest of a list, correcting what was
understood). Each is a short list of phrases, matched on the accented form of a message typed with
diacritics and on the plain form of one typed without (:class:`dialogue.understanding.Pattern`)::

    >>> in_danger("dây điện đứt rơi xuống đường có người bị điện giật")
    True
    >>> in_danger("nhà bị cháy năm ngoái giờ làm lại sổ đỏ thế nào")   # an administrative question
    False
    >>> asks_repeat("nghe không rõ nói lại đi"), asks_repeat("hả")
    (True, True)
    >>> correction("không phải, ý tui là cccd của con tui 15 tuổi")
    'cccd của con tui 15 tuổi'

Found by user tests on 6 December 2026 (hotline transcripts and chat): each phrase below was missed by the
intent model in at least one of them, or is a close variant of one that was.
"""

from __future__ import annotations

import re

from dialogue.understanding import Pattern, lowered, plain

# People in danger now: someone hurt, trapped or swept away, fire or collapse under way. Phrases, not
# words ("cháy" alone is also a fire-safety licence, "sạt lở" a resettlement procedure).
_DANGER = Pattern(
    r"\b(?:bị điện giật|điện giật (?:chết|ngất|bất tỉnh)|giật điện|bị đè|đè (?:trúng|lên|phải) (?:người|ai)|"
    r"đè người|bị vùi|vùi lấp|mắc kẹt|bị kẹt (?:trong|dưới|trên)|cuốn trôi|nước cuốn|lũ cuốn|lũ quét|"
    r"(?:đất|đá|đất đá|núi|đồi) sạt|sạt (?:xuống|lấp|vùi)|lấp hết đường|đuối nước|chết đuối|"
    r"đang cháy|cháy (?:to|lớn|lan)|bốc cháy|phát nổ|bất tỉnh|ngất xỉu|chảy máu nhiều|bị thương nặng|"
    r"cứu (?:với|tôi|tui|em|gấp|mạng)|cấp cứu gấp|sập (?:nhà|cầu) (?:có|đè)|ngập (?:tới|đến) (?:cổ|ngực|mái|nóc)|"
    r"xẹt lửa|tóe lửa|chập điện|dây điện (?:bị )?(?:đứt|rớt|rơi))\b")
# ...unless the message asks about paperwork: "nhà bị cuốn trôi năm ngoái, xin hỗ trợ thì làm sao", or an
# official asks how to declare the emergency ("đường bị cuốn trôi, gửi ai để tuyên bố tình trạng khẩn cấp").
_PAPERWORK = Pattern(r"\b(?:thủ tục|hồ sơ|giấy tờ|giấy|xin|đăng ký|làm lại|cấp lại|hỗ trợ|bồi thường|bảo hiểm|"
                     r"trợ cấp|năm ngoái|năm trước|hồi trước|lệ phí|tuyên bố|công bố)\b")


def in_danger(text: str) -> bool:
    """Whether the message tells of people in danger now (and asks about no paperwork)."""
    return _DANGER.search(text) and not _PAPERWORK.search(text)


def asks_paperwork(text: str) -> bool:
    """Whether the message asks about paperwork and says no word of danger now ("xin cấp lại sổ đỏ bị cháy")."""
    return _PAPERWORK.search(text) and not _DANGER.search(text)


# "Hả?", "nghe không rõ", "nói lại đi", "nói chậm lại": the citizen did not catch the last reply (on the
# phone above all). A lone "hả", "gì", "sao" is the same, and is not a question about the bot.
_REPEAT = Pattern(r"\b(?:nghe không rõ|không nghe rõ|nghe chưa rõ|chưa nghe rõ|nghe không kịp|không nghe kịp|"
                  r"nói lại|nhắc lại|lặp lại|đọc lại|nói chậm|đọc chậm|nói từ từ|chưa nghe|không nghe thấy)\b")
_WHAT = {"ha", "hả", "hở", "hã", "gì", "gi", "sao", "hả gì", "cái gì", "gì cơ", "gì ạ", "dạ gì", "hả em",
         "hả gì ạ", "sao ạ", "dạ sao"}


def asks_repeat(text: str) -> bool:
    """Whether the message asks to hear the last reply again."""
    bare = " ".join(re.findall(r"\w+", lowered(text)))
    return bare in _WHAT or _REPEAT.search(text)


# "Alo alo" in the middle of a call: the line went quiet, the caller checks someone is there.
def checks_line(text: str) -> bool:
    tokens = plain(text).split()
    return bool(tokens) and all(t.strip("?!.,") in ("alo", "a", "lo", "allo", "ơi", "oi", "em", "da") for t in tokens) \
        and "alo" in [t.strip("?!.,") for t in tokens]


# "Đọc tiếp đi", "còn giấy tờ gì nữa", "giấy tờ còn lại": the rest of a list shown briefly.
_MORE = Pattern(r"\b(?:đọc tiếp|nói tiếp|kể tiếp|xem tiếp|đọc hết|nói hết|xem hết|xem đầy đủ|đầy đủ|"
                r"còn lại|còn (?:\w+ ){0,2}(?:gì|chi|j) nữa|còn nữa không|hết chưa|giấy tờ khác|giấy khác)\b")


def asks_more(text: str) -> bool:
    """Whether the message asks for the rest of the last answer."""
    return _MORE.search(text)


# Asking for a person, however the rest of the message goes ("cho em gặp người thật đi, bot trả lời ko
# hiểu gì hết"): a frustrated citizen explains why, and must not be told "em chưa hiểu".
_PERSON = Pattern(r"\b(?:(?:gặp|nói chuyện (?:với|vs)) (?:người thật|nhân viên|tổng đài viên|tổng đài|cán bộ|"
                  r"tư vấn viên|người trực)|chuyển máy)\b")


def asks_for_person(text: str) -> bool:
    return _PERSON.search(text)


# "Cho em hỏi", "alo cho tui hỏi chút", "e hỏi xíu": leave asked to ask, and nothing asked yet. Citizens open
# with it all the time; the intent model read it as out of scope.
_LEAVE_TO_ASK = Pattern(r"^(?:(?:alo|dạ|ạ|à|ờ|vâng|chào em|chào bạn|chào ad|xin chào)[ ,.]+)*"
                        r"(?:cho |xin |làm ơn cho )?(?:em |e |tui |tôi |mình |anh |chị |con |cháu |cô |chú |t |mk |mik )?"
                        r"(?:muốn |xin |được |cần |có việc )?hỏi"
                        r"(?: (?:chút|xíu|tí|cái|với|thêm|một chút|một câu|cái này|việc này|chuyện này|nha|nhé|ạ|nghen|"
                        r"ha|đã|được không|đc ko|đc k|dc ko))*[ .?!]*$")


def asks_leave_to_ask(text: str) -> bool:
    return _LEAVE_TO_ASK.search(text)


# "Không phải, ý tui là …": a correction that says what was meant.
_MEANT = re.compile(r"\b(?:ý|y) (?:tôi|tui|toi|mình|minh|em|e|t|con|cháu|chau) (?:là|la|muốn nói|muon noi)\b[\s,:]*",
                    re.IGNORECASE)


def correction(text: str) -> str | None:
    """What a correction says was meant ("không phải, ý tui là sang tên xe" -> "sang tên xe"); None when
    the message is no such correction or says nothing after it."""
    match = _MEANT.search(text)
    if match is None:
        return None
    meant = text[match.end():].strip(" ,.!?")
    return meant if len(meant.split()) >= 2 else None


# A question, not a report: "khám bhyt trái tuyến có được hưởng ko", "cúp điện từ sáng tới giờ, gọi ai".
_QUESTION = Pattern(r"(?:\?\s*$|\b(?:không|ko|k|chưa|hả|sao)\s*[?.!]*\s*$|\b(?:bao nhiêu|ở đâu|gọi ai|hỏi ai|mấy giờ|"
                    r"báo ai|làm sao|thế nào|ra sao|được không|được ko|đc ko|dc ko|có được)\b)")


def asks(text: str) -> bool:
    """Whether the message is put as a question."""
    return _QUESTION.search(text)


# "Vậy tôi hỏi ai?", "gọi ai": who to turn to. Said when a person was offered, it takes the offer.
_WHO = Pattern(r"\b(?:hỏi ai|gặp ai|liên hệ ai|báo ai|gọi ai|tìm ai|nhờ ai)\b")


def asks_who(text: str) -> bool:
    """"Vậy tôi hỏi ai?" in a few words (a whole question that ends "… thì gặp ai" is a question of its own)."""
    return len(text.split()) <= 6 and _WHO.search(text)


# Words that make "are you a bot?" a question about the assistant: "người bán phải làm gì" is not one.
_ABOUT_BOT = Pattern(r"\b(?:bot|robot|máy|người thật|người máy|tự động|ai|trợ lý|chatbot|tổng đài|em là ai|là người)\b")


def about_the_bot(text: str) -> bool:
    return _ABOUT_BOT.search(text)


# "ok thanks", "tks ad", "cảm ơn nghe": thanks, in a few words.
_THANKS = Pattern(r"\b(?:thanks|thank you|thank|tks|thx|cảm ơn|cám ơn|camon|cảm ơn nhiều)\b")


def thanks(text: str) -> bool:
    return len(text.split()) <= 6 and _THANKS.search(text)


# "tôi là giáo viên", "em là sinh viên", "con tui 15 tuổi": the citizen tells about someone; "hộ nghèo",
# "trợ cấp người cao tuổi" only name what they ask about.
_ABOUT_SOMEONE = Pattern(r"\b(?:tôi|tui|mình|tao|em|e|t|mk|là)\b")


def about_someone(text: str) -> bool:
    """Whether the message tells about the citizen or someone (a first-person word, or what someone "là"),
    rather than only naming a matter."""
    return _ABOUT_SOMEONE.search(text)


# "cho con", "còn cho vợ", "con thứ hai": the topic asked again for someone, in a few words. Not "cho em hỏi",
# "cho anh gặp …": "cho" + a person + a verb asks leave to do something.
_FOR_SOMEONE = Pattern(r"^(?:còn |thế |vậy |rứa |làm )?(?:cho (?:con|cháu|bé|vợ|chồng|bố|mẹ|ba|má|mạ|ông|bà|anh|chị|"
                       r"em|người nhà|người thân)\b(?! (?:hỏi|gặp|xin|nói|biết|coi|xem|được|với))|"
                       r"(?:cho )?(?:đứa |bé )?con thứ (?:hai|ba|tư|năm|2|3|4|5)\b)")


def for_someone(text: str) -> bool:
    """"Cho con", "còn cho vợ", "con thứ hai": the topic asked for someone else, in at most five words."""
    return len(text.split()) <= 5 and _FOR_SOMEONE.search(text.strip(" ,.?!"))


_NO_FIRST = re.compile(r"^(?:a |da )?(?:khong phai|k phai|ko phai|kp|sai roi|sai|nham roi|nham|khong dung)\b")


def starts_with_no(text: str) -> bool:
    """"K phải, đất ở hương trà chứ ko phải phú vang": a message that opens by saying no."""
    return bool(_NO_FIRST.search(plain(text).strip(" ,.!")))


# "Khoan đã", "chờ chút để tui coi số điện thoại": the citizen asks to wait; what was asked still stands.
_LOOKING_WORDS = r"để (?:tui|tôi|em|mình) (?:coi|xem|tìm|kiếm|lấy|nhớ)"
_HOLD = Pattern(r"^(?:dạ |ờ |à |ừ |ơ )*(?:khoan|khoan đã|chờ|chờ chút|chờ tí|chờ xíu|đợi|đợi chút|đợi tí|đợi xíu|"
                rf"từ từ|{_LOOKING_WORDS})\b")
_LOOKING = Pattern(rf"\b{_LOOKING_WORDS}\b")


def holds(text: str) -> bool:
    """Whether the message only asks the assistant to wait: a few words, or "… để tui coi lại" ("doi bang lai
    xe" typed bare is "đổi", not "đợi")."""
    short = len(text.split()) <= 4 or (len(text.split()) <= 10 and _LOOKING.search(text))
    return short and _HOLD.search(text) and not _QUESTION.search(text)


# "Số điện thoại ủy ban phường Vỹ Dạ", "trung tâm hành chính công mấy giờ mở cửa", "địa chỉ UBND phường":
# contacts and opening hours, which the records do not hold (the offices file holds names and, rarely, addresses).
_CONTACT = Pattern(r"\b(?:số điện thoại|sđt|sdt|số đt|hotline|giờ làm việc|giờ mở cửa|mấy giờ mở|"
                   r"mấy giờ làm|mấy giờ đóng|thứ bảy có làm|chủ nhật có làm|làm việc thứ bảy|"
                   r"địa chỉ (?:của )?(?:ubnd|ủy ban|uỷ ban|trung tâm|công an|bộ phận|phường|xã))\b")
_OFFICE = Pattern(r"\b(?:ubnd|ủy ban|uỷ ban|trung tâm|công an|bộ phận|một cửa|cơ quan|sở|tòa án|chi nhánh|"
                  r"văn phòng|phường|xã)\b")


def asks_contact(text: str) -> bool:
    """Whether the message asks for an office's contact or opening hours (not one giving the citizen's own
    number, nor a procedure question that mentions a phone)."""
    return _CONTACT.search(text) and _OFFICE.search(text) and _QUESTION.search(text)
