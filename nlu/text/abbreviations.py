"""Abbreviation and teencode expansion: "ko dc cấp lại cccd" -> "không được cấp lại căn cước công dân".

The list lives in a data file, ``nlu/data/abbreviations.tsv``, so that operators
can extend it without touching code; its header explains the format and the
choices made for ambiguous keys ("đk": "đăng ký", not "được").

Matching rules, all aimed at never damaging a real word:

* whole tokens only: "ko" in "kokoro" and "k" in "kong" stay as they are;
* tokens glued to ``@ / : - _`` or to a dot followed by a letter are part of an
  e-mail, URL or code ("k@gmail.com", "dichvucong.gov.vn") and are left alone,
  except keys that end in a dot, which are *meant* to be glued ("p.Vĩnh Ninh");
* single-letter keys are not expanded after a number ("50 k" = 50 nghìn);
* case-insensitive and tone-style-insensitive (keys are compared after
  :func:`~nlu.text.normalize`); a capitalised token gives a capitalised expansion;
* a key of several tokens (a *phrase* key: "đủ đk", "giấy cn", "kh&cn") is tried
  first, longest first, and gives a token its reading in that context only:
  "đủ đk hđ" is "đủ điều kiện hoạt động", while "đk" alone stays "đăng ký". Its
  tokens are separated by spaces or by "&" as in the key. A token glued to "&"
  is otherwise left alone ("KH&CN" is not "Không&CN").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from nlu.text.normalize import canonical_word, normalize

__all__ = [
    "DEFAULT_ABBREVIATIONS_PATH", "abbreviation_spans", "expand_abbreviations", "key_tokens", "load_abbreviations",
]

DEFAULT_ABBREVIATIONS_PATH = Path(__file__).resolve().parent.parent / "data" / "abbreviations.tsv"

# A token: word characters plus combining marks (so decomposed "hông" is one token),
# optionally followed by a dot. The look-behind refuses tokens that continue an
# e-mail, URL, path or dotted name.
_TOKEN = re.compile(r"(?<![\w\u0300-\u036f@./:\-])((?:\w|[\u0300-\u036f])+)(\.?)")
_GLUED_AFTER = re.compile(r"[@/:\-&]|\.[\w]")
# What may stand between the tokens of a phrase key in the text: spaces, or "&" with or
# without spaces around it. The key itself is written with one space or a bare "&".
_PHRASE_GAP = re.compile(r"\s+|\s*&\s*")
_WORD_CHAR = re.compile(r"\w")
_ENDS_WITH_NUMBER = re.compile(r"\d[\s.,]*\Z")


def load_abbreviations(path: Path | str = DEFAULT_ABBREVIATIONS_PATH) -> dict[str, str]:
    """Read an abbreviation file into ``{normalized key: expansion}``.

    Raises :class:`ValueError` on a malformed line or a duplicate key, so a typo
    in the data file fails the test suite instead of silently shadowing an entry.
    """
    table: dict[str, str] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 2 or not columns[0].strip() or not columns[1].strip():
            raise ValueError(f"{path}:{number}: expected 'abbreviation<TAB>expansion[<TAB>note]'")
        key = normalize(columns[0])
        if key in table:
            raise ValueError(f"{path}:{number}: duplicate abbreviation {columns[0]!r}")
        table[key] = normalize(columns[1], lower=False)
    return table


@cache
def _default_table() -> dict[str, str]:
    return load_abbreviations()


def key_tokens(key: str) -> list[str]:
    """The tokens of a table key: one for "đk" or "p.", several for a phrase key ("đủ đk", "kh&cn")."""
    return [token for token in re.split(r"[\s&]+", key) if token]


def _phrase_keys(table: Mapping[str, str]) -> tuple[int, frozenset[str]]:
    """How many tokens the longest phrase key of ``table`` has, and the first tokens of its phrase keys."""
    phrases = [tokens for tokens in map(key_tokens, table) if len(tokens) > 1]
    return max(map(len, phrases), default=1), frozenset(tokens[0] for tokens in phrases)


@cache
def _default_phrase_keys() -> tuple[int, frozenset[str]]:
    return _phrase_keys(_default_table())


def _phrase_at(text: str, tokens: list[re.Match[str]], i: int, longest: int, table: Mapping[str, str]
               ) -> tuple[int, str] | None:
    """``(tokens used, expansion)`` of the longest phrase key that starts at ``tokens[i]``, if any."""
    for n in range(min(longest, len(tokens) - i), 1, -1):
        parts = [canonical_word(tokens[i].group(1))]
        for previous, token in zip(tokens[i:i + n - 1], tokens[i + 1:i + n]):
            gap = text[previous.end(1):token.start()]
            if not _PHRASE_GAP.fullmatch(gap):
                break
            parts += ["&" if "&" in gap else " ", canonical_word(token.group(1))]
        else:
            if not _GLUED_AFTER.match(text, tokens[i + n - 1].end(1)) and (expansion := table.get("".join(parts))):
                return n, expansion
    return None


def _match_case(expansion: str, token: str) -> str:
    return expansion[0].upper() + expansion[1:] if token[:1].isupper() else expansion


def abbreviation_spans(
    text: str, table: Mapping[str, str] | None = None
) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, expansion)`` for every abbreviation in ``text``, in order.

    The building block of :func:`expand_abbreviations` and of the offset-keeping
    :func:`~nlu.text.normalize_aligned`.
    """
    longest, phrase_starts = _default_phrase_keys() if table is None else _phrase_keys(table)
    table = _default_table() if table is None else table
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        match = tokens[i]
        word, dot = match.group(1), match.group(2)
        start = match.start()
        if canonical_word(word) in phrase_starts and (phrase := _phrase_at(text, tokens, i, longest, table)):
            used, expansion = phrase
            i += used
            yield start, tokens[i - 1].end(1), _match_case(expansion, word)
            continue
        i += 1
        if dot and (expansion := table.get(canonical_word(word + "."))) is not None:
            glued = _WORD_CHAR.match(text, match.end()) is not None
            # "p.Vĩnh Ninh" -> "phường Vĩnh Ninh": the dot stood for a space too.
            yield start, match.end(), _match_case(expansion, word) + (" " if glued else "")
            continue
        end = match.end(1)
        if _GLUED_AFTER.match(text, end) or text[start - 1:start] == "&":
            continue
        expansion = table.get(canonical_word(word))
        if expansion is None:
            continue
        if len(word) == 1 and _ENDS_WITH_NUMBER.search(text, 0, start):
            continue
        yield start, end, _match_case(expansion, word)


def expand_abbreviations(text: str, table: Mapping[str, str] | None = None) -> str:
    """Replace abbreviations and teencode with full words; everything else is untouched.

    >>> expand_abbreviations("Mik muốn làm lại CCCD thì cần hs j ko ạ")
    'Mình muốn làm lại Căn cước công dân thì cần hồ sơ gì không ạ'

    ``table`` overrides the default list (see :func:`load_abbreviations`).
    """
    pieces: list[str] = []
    position = 0
    for start, end, expansion in abbreviation_spans(text, table):
        pieces += [text[position:start], expansion]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
