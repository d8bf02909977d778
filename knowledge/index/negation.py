"""What a question says it is *not* about: "giấy phép khai thác chớ không phải giấy tận thu".

Callers correct themselves and rule things out as they go ("mỏ cát, ờ không phải mỏ đá";
"hàng mình trồng theo hữu cơ chứ không phải VietGAP"). BM25 and the encoder read the
ruled-out words like any others, so the procedures named for them come first: the caller
who said "not the salvage licence" was answered with three salvage procedures.
:func:`negated_phrases` finds what follows an unambiguous negation, and :class:`Negation` lets the ranking put
the procedures whose names hold it after the others, as it does for an age the question
rules out; a name that says it is not that either ("… người dịch không phải là cộng tác viên
dịch thuật") agrees with the question and keeps its place.

Only "chứ / chớ / mà không phải (là) X", "không phải là X" and "không phải X" where X opens
with a noun are read: a bare "không phải" before a verb means "need not" ("không phải xin
phép", "có phải nộp thuế không"), which rules nothing out. So is where a place is not: "nằm ngoài /
không nằm trong (các) X" (an investor's project "nằm ngoài các khu công nghiệp" is not one for the
industrial zones' board); a bare "ngoài" is also "besides" and "nước ngoài", and is not read.
Matching is on unaccented syllables, so a question typed without marks is read the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.index.actions import padded_words
from nlu.text import normalize, strip_diacritics

__all__ = ["Negation", "negated_phrases"]

# Words that open the thing ruled out: kinds of paper, places and objects, as "không phải <noun>" says
# "it is not a <noun>"; any other word after a bare "không phải" is most likely a verb ("need not").
_NOUNS = ("giay", "loai", "mo", "cai", "con", "xe", "tau", "thuyen", "hang", "dat", "nha", "cong", "van", "ho",
          "so", "the", "bang", "chung", "hop", "doanh", "truong", "benh")
_OPENERS = r"(?:(?:chu|cho|ma)\s+khong\s+phai(?:\s+la)?|khong\s+phai\s+la|khong\s+phai(?=\s+(?:" + "|".join(
    _NOUNS) + r")\b)|(?:nam\s+ngoai|khong\s+nam\s+trong)(?:\s+(?:cac|nhung))?)"
# The ruled-out thing ends where the sentence turns: punctuation, a filler, or a word that opens a new clause.
# Accented as typed; a word typed without marks ends it when its unaccented form is one of these ("da" may be
# "đã" as well as "đá": read as the end, ruling out less).
_STOP = frozenset(
    "thì mà nên để và nhưng còn ở à ạ đã ừ rồi này đó nè chi gì j nào sao răng mô không ko k hok có được dc "
    "phải hay hoặc vậy nha nhé hả ơi với cho đang sẽ vẫn cũng chỉ nữa thôi rứa ni nớ tê hè hỉ mình tui tôi em".split()
)
_STOP_PLAIN = frozenset(strip_diacritics(word) for word in _STOP)
_PHRASE_WORDS = 4
_NAME_NEGATIONS = frozenset({"khong", "chua", "tru", "ngoai"})  # không, chưa, trừ, ngoài
_NAME_NEGATION_REACH = 4  # words before a core that may negate it in a name ("không phải là" + an opening noun)
_LONG_WORD = 5  # letters of a single-syllable core worth matching alone ("vietgap"; not "da", "mo")
_WORD = re.compile(r"\w+")
_NEGATION = re.compile(_OPENERS + r"\s+([^.,;:!?()\n]+)")


def _ends_phrase(word: str) -> bool:
    plain = strip_diacritics(word)
    return word in _STOP if word != plain else plain in _STOP_PLAIN


def negated_phrases(text: str) -> tuple[str, ...]:
    """The unaccented phrases ``text`` rules out, each at most four syllables, in order.

    >>> negated_phrases("có giấy phép khai thác chớ không phải giấy tận thu, giờ muốn bán lại")
    ('giay tan thu',)
    >>> negated_phrases("mỏ cát ờ không phải mỏ đá ở phong điền")
    ('mo da',)
    >>> negated_phrases("có phải xin phép không, không phải xin phép thì làm sao")
    ()
    """
    accented = normalize(text)
    plain = strip_diacritics(accented)
    if len(plain) != len(accented):  # stripping marks kept every character in place, so spans carry over
        accented = plain
    phrases = []
    for match in _NEGATION.finditer(plain):
        words: list[str] = []
        for word in _WORD.findall(accented[match.start(1) : match.end(1)]):
            # The opening noun belongs to the phrase even where it could end one ("con" of "con nuôi").
            if words and _ends_phrase(word):
                break
            words.append(strip_diacritics(word))
            if len(words) == _PHRASE_WORDS:
                break
        if words:
            phrases.append(" ".join(words))
    return tuple(phrases)


def _cores(phrase: str) -> list[str]:
    """What of a ruled-out phrase a name must hold, longest first: its words after an opening noun ("tận thu"
    of "giấy tận thu"), then shorter runs from the start, down to two syllables or one long word ("vietgap")."""
    words = phrase.split()
    if len(words) > 1 and words[0] in _NOUNS:
        words = words[1:]
    runs = [" ".join(words[:n]) for n in range(len(words), 0, -1)]
    return [run for run in runs if " " in run or len(run) >= _LONG_WORD]


@dataclass(frozen=True)
class Negation:
    """What one question rules out, read once; then asked of each candidate's name.

    >>> negation = Negation.read("có giấy phép khai thác chớ không phải giấy tận thu")
    >>> negation.rules_out("Chuyển nhượng quyền khai thác tận thu khoáng sản")
    True
    """

    phrases: tuple[str, ...]  # :func:`negated_phrases`
    asked: str  # the question's unaccented words, padded (:func:`~knowledge.index.actions.padded_words`)

    @classmethod
    def read(cls, question: str) -> Negation:
        return cls(negated_phrases(question), padded_words(question, plain=True))

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def rules_out(self, name: str) -> bool:
        """Whether procedure ``name`` holds what the question ruled out, and the question does not also ask for it
        outside the negation ("không phải giấy tận thu cũ mà xin giấy tận thu mới")."""
        if not self.phrases:
            return False
        plain_name = padded_words(name, plain=True)
        for phrase in self.phrases:
            for core in _cores(phrase):
                if f" {core} " in plain_name:
                    return self.asked.count(f" {core} ") == 1 and not _negated_in(plain_name, core)
        return False


def _negated_in(plain_name: str, core: str) -> bool:
    """Whether the name says it is *not* ``core`` too, and so agrees with the question: "Chứng thực chữ ký người
    dịch mà người dịch không phải là cộng tác viên dịch thuật", "… không thuộc vùng nước cảng biển"."""
    before = plain_name[: plain_name.index(f" {core} ")].split()[-_NAME_NEGATION_REACH:]
    return any(word in _NAME_NEGATIONS for word in before)
