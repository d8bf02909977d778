"""Text helpers of the answers: cutting record text into clauses and quoting them.

Answers quote the record; they never rewrite it. A quote is a clause (the text
between sentence ends or semicolons) that says what the facet needs, shortened
around the words that matter when it is long, with "…" where text was left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from knowledge.records import ChannelOption, SubmissionChannel

CHANNEL_LABELS = {
    SubmissionChannel.in_person: "Trực tiếp",
    SubmissionChannel.online: "Trực tuyến",
    SubmissionChannel.postal: "Dịch vụ bưu chính",
}

#: Where a clause ends: after "." or ";" before the next word, or at a line break.
_CLAUSE_END = re.compile(r"(?<=[.;])\s+(?=\S)")
#: Bullets and enumerators in front of a clause ("- ", "+ ", "a) ", "(ii) ", "Bước 2:").
_LEADER = re.compile(r"^(?:[-+*•–]+\s*|\(?(?:[a-zđ]|[ivx]+|\d+(?:\.\d+)*)[.)]\s+|bước\s*\d+\s*[:.]\s*)+", re.I)

#: Longest quote, in characters, before it is shortened around what matters.
QUOTE_LIMIT = 240


def lines_of(text: str) -> list[str]:
    """The text's lines, with hard wraps undone.

    Some records were pasted from PDF and break sentences anywhere
    ("...đơn vị quản lý dự án hỗ trợ phát triển sản\nxuất để trình ..."): a line
    that follows one without a closing mark and starts in lower case (or with
    "(") continues it.
    """
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if out and stripped and not out[-1].rstrip().endswith((".", ";", ":", "!", "?")) and (
            stripped[0].islower() or stripped[0] == "("
        ):
            out[-1] = f"{out[-1].rstrip()} {stripped}"
        else:
            out.append(line)
    return out


def clauses(texts: Iterable[str | None]) -> Iterator[str]:
    """Clauses of several texts, in order, without their bullets."""
    for text in texts:
        if not text:
            continue
        for line in lines_of(text):
            for part in _CLAUSE_END.split(line):
                part = _LEADER.sub("", part.strip()).strip()
                if part:
                    yield part


def shorten(clause: str, start: int, end: int, limit: int = QUOTE_LIMIT) -> str:
    """``clause`` cut to about ``limit`` characters around ``clause[start:end]``, whole words only."""
    if len(clause) <= limit:
        return clause
    room = max(limit - (end - start), 40)
    left = max(0, start - room // 3)
    right = min(len(clause), end + room - (start - left))
    if left > 0:
        space = clause.find(" ", left)
        left = space + 1 if 0 <= space < start else left
    if right < len(clause):
        space = clause.rfind(" ", end, right)
        right = space if space > end else right
    return ("…" if left > 0 else "") + clause[left:right].strip(" ,") + ("…" if right < len(clause) else "")


def quote(text: str) -> str:
    """A record's words in Vietnamese quotation marks, without a trailing full stop."""
    return f"“{text.rstrip(' .;,')}”"


def channel_names(channels: Iterable[ChannelOption]) -> str:
    """ "Trực tuyến, Dịch vụ bưu chính" — each channel once, in table order."""
    return ", ".join(dict.fromkeys(CHANNEL_LABELS[c.channel] for c in channels))


def unique(items: Iterable[str]) -> list[str]:
    """Items in order, each once (compared without case and extra spaces)."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(" ".join(item.lower().split()), item)
    return list(seen.values())
