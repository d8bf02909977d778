"""Split ``trinh_tu_thuc_hien`` (the procedure's steps) into a list.

Unlike the tables, this section keeps its line breaks, but the numbering is
whatever each ministry typed: "Bước 1:", "- Bước 1.", "a) Bước 1:", "a) ...", "ii) ...",
"- ...", or plain paragraphs, with sub-items ("+ ...", "(i) ...") under the
steps. We pick the highest-ranking marker family that occurs at least twice
at the start of a line and cut before each occurrence; sub-items and other
lines stay inside their step, and text before the first marker is kept as
a step of its own. "Bước N" written mid-line after a sentence ("... hồ sơ.
Bước 2: ...") also starts a step. The text itself is never rewritten.
"""

from __future__ import annotations

import re

from knowledge.parsing.text import clean

# Marker families, highest rank first; each matches at a cut position.
_FAMILIES = (
    re.compile(r"(?:^|(?<=\n)|(?<=[.;:] ))[ \t]*(?:[-+*•][ \t]*)?(?:[a-zđ]\)[ \t]*|[\d.]+[ \t]*)?Bước[ \t]*\d", re.I),
    re.compile(r"(?:^|(?<=\n))[ \t]*(?:[a-zđ]|[ivx]+)\)[ \t]", re.M),  # a) b) ... or i) ii) ...
    re.compile(r"(?:^|(?<=\n))[ \t]*\d{1,2}[.)][ \t]", re.M),
    re.compile(r"(?:^|(?<=\n))[ \t]*[-–•][ \t]", re.M),
)


def parse_steps(text: str | None) -> list[str]:
    """The steps in order; ``[]`` when the section is empty."""
    text = clean(text)
    if text is None:
        return []
    for family in _FAMILIES:
        cuts = [m.start() for m in family.finditer(text)]
        if len(cuts) >= 2:
            break
    else:
        return text.split("\n")
    bounds = ([0] if cuts[0] > 0 else []) + cuts + [len(text)]
    return [step for a, b in zip(bounds, bounds[1:]) if (step := text[a:b].strip())]
