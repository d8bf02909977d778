"""Ages stated in a message: "con tôi 15 tuổi", "bé 5t", "mười bốn tuổi", "2 tháng tuổi".

Some procedures apply only to an age ("Cấp thẻ căn cước cho người dưới 14
tuổi"), and citizens say the age rather than the rule. Digits come as typed;
number words ("mười lăm", "năm mươi lăm", "hai mốt") are read by the
vietnam-number library. Only the run of number words right before "tuổi"
counts, so "năm nay năm mươi lăm tuổi" is 55, not a year. An age in months
("hai tháng tuổi") is 0 years. A bound stands for an age inside it: "dưới 14
tuổi" is 13, "trên 80 tuổi" is 81.
"""

from __future__ import annotations

import re

from vietnam_number import w2n

from nlu.text.normalize import normalize

__all__ = ["stated_ages"]

# Syllables that may make up a number read aloud, up to the hundreds.
NUMBER_WORDS = frozenset(
    "không một mốt hai ba bốn tư năm lăm nhăm sáu bảy tám chín mười mươi trăm linh lẻ".split()
)
_DIGIT_AGE = re.compile(r"(?<![\d.,])(\d{1,3})\s*(tháng\s+)?tuổi\b|(?<![\d.,])(\d{1,3})t\b")
# Found by the word "tuổi" alone, the number words are read backwards from it: a pattern with the
# words in it would be retried from every word of a long question that has no "tuổi" (31 ms at 2,000
# characters, on the search path).
_WORD_AGE = re.compile(r"(?<!\w)(tháng\s+)?tuổi\b")
_WORD = re.compile(r"\w+")
_BOUND = {"dưới": -1, "trên": 1, "hơn": 1}  # the word before the number


def stated_ages(text: str) -> list[int]:
    """Every age in years that ``text`` states, in order of appearance (months count as 0)."""
    norm = normalize(text)
    ages: list[tuple[int, int]] = []
    for match in _DIGIT_AGE.finditer(norm):
        before = norm[: match.start()].split()[-1:]
        value = int(match.group(1) or match.group(3)) + (_BOUND.get(before[0], 0) if before else 0)
        ages.append((match.end(), 0 if match.group(2) else value))
    for match in _WORD_AGE.finditer(norm):
        words = _WORD.findall(norm, 0, match.start())
        run: list[str] = []
        for word in reversed(words):  # the number words right before "(tháng) tuổi"
            if word not in NUMBER_WORDS:
                break
            run.insert(0, word)
        if run:
            try:
                value = int(w2n(" ".join(run)))
            except (ValueError, TypeError, IndexError, KeyError):  # not a number after all ("năm không")
                continue
            before = words[: len(words) - len(run)][-1:]
            value += _BOUND.get(before[0], 0) if before else 0
            ages.append((match.end(), 0 if match.group(1) else value))
    return [age for _, age in sorted(ages)]
