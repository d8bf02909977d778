"""Pattern entities: receipt codes, phone numbers, dates, and the data's regexes.

Receipt (application) codes of the one-stop system look like
``000.00.21.H57-250312-0042``: agency code, date ``yymmdd``, sequence. Citizens
type them in lower case, with spaces for dashes or no separators at all, and on
the phone read them digit by digit; phone numbers likewise come as
``0914 123 456``, ``+84 914.123.456`` or "không chín một bốn ...". The patterns
here run on :func:`~nlu.entities.spoken.spoken_view` of the message, so spoken
and typed forms are found by the same expressions, and every value is brought
to one canonical form:

===================  ==========================================  ===================================
entity               typed / spoken                              value
===================  ==========================================  ===================================
application_code     ``000.00.21.h57 250312 0042``, read aloud   ``000.00.21.H57-250312-0042``
phone_number         ``+84 914.123.456``, read aloud             ``0914123456``
date                 ``hôm 12/3``, ``hom qua``                   see :mod:`nlu.entities.dates`
===================  ==========================================  ===================================

Regexes from the training data (``- regex: NAME``) are applied too; a match of
a taxonomy type gets the canonical value above, any other name its surface text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from nlu.entities.base import Entity
from nlu.entities.dates import find_dates
from nlu.entities.spoken import spoken_view
from nlu.entities.tokens import Prepared

__all__ = ["RegexEntityExtractor", "canonical_application_code", "canonical_phone"]

_SEP = r"(?:\s*[-–_./]\s*|\s+)?"
_APPLICATION_CODE = re.compile(
    rf"(?<![\w.])\d{{3}}[.\s]?\d{{2}}[.\s]?\d{{2}}[.\s]?h\s?\d{{2}}{_SEP}\d{{6}}{_SEP}\d{{4}}(?![\w])",
    re.IGNORECASE,
)
# Mobile: 0 + [35789] + 8 digits (10 in all); landline: 0 + 2xx + 7 digits.
# Separators (space, dot, dash) may sit between any two digits.
_PHONE = re.compile(
    r"(?<![\w.+])(?:\+84[\s.]?|84|0)(?:[35789](?:[\s.\-]?\d){8}|2\d\d(?:[\s.\-]?\d){7})(?![\w])(?![.\-]\d)"
)
_DIGIT = re.compile(r"\d")


def canonical_application_code(surface: str) -> str:
    """``000.00.21.h57 250312 0042`` -> ``000.00.21.H57-250312-0042``.

    A code whose digits do not make the full 3-2-2-H2-6-4 layout is returned
    upper-cased without spaces: better a faithful partial code than a wrong one.
    """
    digits = "".join(_DIGIT.findall(surface))
    if len(digits) == 19 and "h" in surface.lower():
        d = digits
        return f"{d[0:3]}.{d[3:5]}.{d[5:7]}.H{d[7:9]}-{d[9:15]}-{d[15:19]}"
    return re.sub(r"\s+", "", surface).upper()


def canonical_phone(surface: str) -> str:
    """Digits only, ``+84``/``84`` replaced by the national ``0``: ``0914123456``."""
    digits = "".join(_DIGIT.findall(surface))
    if surface.lstrip().startswith("+84") or (digits.startswith("84") and len(digits) in (11, 12)):
        digits = "0" + digits[2:]
    return digits


_CANONICAL = {"application_code": canonical_application_code, "phone_number": canonical_phone}


class RegexEntityExtractor:
    """Find application codes, phone numbers, dates, plus the given ``patterns``.

    ``patterns`` maps an entity name to regular expressions (the training data's
    ``regex`` blocks). Built-in patterns always run; matches are case-insensitive.
    """

    def __init__(self, patterns: Mapping[str, Sequence[str]] | None = None) -> None:
        self.patterns = {name: list(items) for name, items in (patterns or {}).items()}
        self._compiled = [
            (name, re.compile(p, re.IGNORECASE)) for name, items in sorted(self.patterns.items()) for p in items
        ]

    def extract(self, prepared: Prepared, *, reference_date: dt.date | None = None) -> list[Entity]:
        """All matches, possibly overlapping (the caller merges)."""
        found: list[Entity] = []
        view = spoken_view(prepared)
        rules = [("application_code", _APPLICATION_CODE), ("phone_number", _PHONE), *self._compiled]
        for name, pattern in rules:
            for match in pattern.finditer(view.text):
                if match.end() == match.start():
                    continue
                start, end = view.span_to_original(*match.span())
                canonical = _CANONICAL.get(name)
                value = canonical(match.group()) if canonical else prepared.original[start:end]
                found.append(Entity(name, value, start, end, 1.0, "regex"))
        for a, b, value in find_dates(prepared.plain, reference_date):
            start, end = prepared.to_original(a, b)
            found.append(Entity("date", value, start, end, 0.95, "regex"))
        return found
