"""Numbers read aloud: "không chín một bốn ..." -> "0914...", with offsets.

On the 19001075 callbot the speech recogniser writes digits as words, and
people read receipt codes digit by digit ("không không không chấm không không
chấm hai mốt chấm hát năm bảy gạch ..."). No library we have turns Vietnamese
number words into digits while keeping character offsets (underthesea and pyvi do
not convert numbers at all), so it is done here with a small table.

:func:`spoken_view` rewrites each *run* of number words (with "chấm" = ".",
"gạch" = "-", "hát" = "H" and typed digits mixed in) into symbols, and returns an
:class:`~nlu.text.Aligned` whose offsets point into the original message, so the
phone and receipt-code patterns can run on it unchanged. Only runs with at least
:data:`MIN_DIGITS` digits are rewritten: "năm" (year, five) or "ba" (three,
father) on their own stay words.
"""

from __future__ import annotations

from nlu.entities.tokens import Prepared
from nlu.text import Aligned

__all__ = ["MIN_DIGITS", "digit_symbol", "spoken_view"]

#: A phone number has 10 digits, a receipt code 19; 7 leaves room for a
#: recogniser that dropped a word or two, and no ordinary sentence has 7
#: number words in a row.
MIN_DIGITS = 7

# Digit words, accented and not (recognisers and typists drop marks). "mốt",
# "lăm" are 1 and 5 after a tens digit ("hai mốt" = 21, which digit-by-digit
# is also "21"); "tư" is 4 in "hai tư".
_DIGITS = {
    "không": "0", "khong": "0", "một": "1", "mot": "1", "mốt": "1",
    "hai": "2", "ba": "3", "bốn": "4", "bon": "4", "tư": "4", "tu": "4",
    "năm": "5", "nam": "5", "lăm": "5", "lam": "5", "sáu": "6", "sau": "6",
    "bảy": "7", "bẩy": "7", "bay": "7", "tám": "8", "tam": "8", "chín": "9", "chin": "9",
}
_SEPARATORS = {"chấm": ".", "cham": ".", "gạch": "-", "gach": "-", "-": "-", ".": ".", "–": "-", ",": ""}
# "gạch ngang", "gạch nối": the second word adds nothing.
_SILENT = {"ngang", "nối", "noi", "dưới", "duoi"}
_LETTER_H = {"hát", "hat", "hắt", "hờ", "h"}
_TENS = {"mươi", "muoi"}


def digit_symbol(word: str, next_word: str | None = None) -> str | None:
    """The symbol a normalised syllable stands for in a spoken number, or None.

    "mươi" (tens) is silent before a unit ("hai mươi mốt" = 21) and "0" otherwise.
    """
    if word.isdigit():
        return word
    if word in _DIGITS:
        return _DIGITS[word]
    if word in _SEPARATORS:
        return _SEPARATORS[word]
    if word in _LETTER_H:
        return "H"
    if word[:1] == "h" and word[1:].isdigit():  # "h57" typed inside a spoken code
        return "H" + word[1:]
    if word in _TENS:
        return "" if next_word in _DIGITS else "0"
    if word in _SILENT:
        return ""
    return None


def spoken_view(prepared: Prepared) -> Aligned:
    """The message with every long run of number words rewritten as symbols."""
    syllables = prepared.syllables
    original = prepared.original
    symbols = [
        digit_symbol(s.text, syllables[i + 1].text if i + 1 < len(syllables) else None)
        for i, s in enumerate(syllables)
    ]
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(syllables):
        if symbols[i] is None:
            i += 1
            continue
        j = i
        while j < len(syllables) and symbols[j] is not None:
            j += 1
        digits = sum(c.isdigit() for k in range(i, j) for c in symbols[k] or "")
        spoken = any(not syllables[k].text.isdigit() and syllables[k].text not in "-.," for k in range(i, j))
        if digits >= MIN_DIGITS and spoken:
            runs.append((i, j))
        i = j
    if not runs:
        return Aligned.identity(original)
    text: list[str] = []
    offsets: list[int] = []
    ends: list[int] = []
    position = 0
    for i, j in runs:
        start = syllables[i].start
        text.append(original[position:start])
        offsets.extend(range(position, start))
        ends.extend(range(position + 1, start + 1))
        for k in range(i, j):
            symbol = symbols[k] or ""
            text.append(symbol)
            offsets.extend([syllables[k].start] * len(symbol))
            ends.extend([syllables[k].end] * len(symbol))
        position = syllables[j - 1].end
    text.append(original[position:])
    offsets.extend(range(position, len(original)))
    ends.extend(range(position + 1, len(original) + 1))
    return Aligned("".join(text), offsets, ends)
