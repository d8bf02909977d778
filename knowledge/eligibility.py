"""Who a procedure is for, read from its name: the ages it applies to.

"Cấp thẻ căn cước cho người dưới 14 tuổi" and "... từ đủ 14 tuổi trở lên"
are two procedures; a parent who says "con tôi 15 tuổi" means the second even
though the first shares every word of the question. Only the name is read: the
portal states such limits there, and the body text mentions ages of other
people (parents, guardians) too often to be trusted.
"""

from __future__ import annotations

import re

from nlu.text import normalize

OLDEST = 150
_UNDER = re.compile(r"dưới (\d{1,3}) tuổi")
_FROM = re.compile(r"(?:từ )?đủ (\d{1,3}) tuổi|từ (\d{1,3}) tuổi trở lên")
_OVER = re.compile(r"trên (\d{1,3}) tuổi")


def age_range(name: str) -> tuple[int, int] | None:
    """The ages, inclusive, that a procedure named ``name`` is for; ``None`` when it says nothing."""
    text = normalize(name)
    low, high = 0, OLDEST
    if match := _UNDER.search(text):
        high = int(match.group(1)) - 1
    if match := _FROM.search(text):
        low = int(match.group(1) or match.group(2))
    if match := _OVER.search(text):
        low = int(match.group(1)) + 1
    return None if (low, high) == (0, OLDEST) else (low, high)


def excludes(limits: tuple[int, int] | None, ages: list[int]) -> bool:
    """Whether a procedure for ``limits`` cannot be meant: ages were stated and none falls inside."""
    return limits is not None and bool(ages) and not any(limits[0] <= age <= limits[1] for age in ages)
