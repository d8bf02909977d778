"""``ask_admin_unit``: where a former ward, commune or district of Huế belongs now, and what a current one is made of.

Since 1 July 2025 Huế has no districts and 40 wards and communes instead of 133;
citizens still name the old ones. The answers come from
:class:`nlu.entities.reorganisation.Reorganisation`:

* "phường Phú Hội cũ giờ thuộc phường nào" -> the current unit it went into;
* "huyện Phú Vang giờ ra sao" -> the current units its communes went into;
* "phường Thuận Hóa gồm những phường nào" -> the former units it is made of.

A procedure question that names a former unit ("tôi ở xã Phú Mậu cũ, nộp hồ sơ
ở đâu") gets the same line as a note (:meth:`PlaceFlow.notes`), so the citizen
knows which ward's office is now theirs.
"""

from __future__ import annotations

import re
from itertools import groupby

from dialogue.context import Context
from dialogue.outcome import Outcome, Say
from nlu.entities.reorganisation import FormerUnit, Reorganisation, split_division

# "cũ", "trước đây", "hồi trước": the name is meant as it was, even where a current unit has it too.
_FORMER_WORDS = re.compile(r"\b(cũ|cu|trước đây|truoc day|trước kia|hồi trước|ngày trước|lúc trước)\b", re.I)
_DISTRICT_DIVISIONS = ("huyện", "quận", "thị xã")


def _names(units: list[FormerUnit]) -> str:
    return ", ".join(unit.name for unit in units)


class PlaceFlow:
    """Answers ``ask_admin_unit`` and notes former units in procedure answers (see the module docstring)."""

    def __init__(self, units: Reorganisation | None = None) -> None:
        self.units = units or Reorganisation.default()

    def answer(self, ctx: Context) -> Outcome:
        places = ctx.entities("location")
        if not places:
            return Outcome("ask_admin_unit", [Say("unit_which")])
        # As typed too: the restorer may read an unmarked "cu" as "cứ".
        former = bool(_FORMER_WORDS.search(ctx.view) or _FORMER_WORDS.search(ctx.text))
        parts: list[Say] = []
        for place in places:
            said = ctx.text[place.start : place.end]
            parts.extend(self.describe(place.value, said, former=former))
        if not parts:
            return Outcome("unit_unknown", [Say("unit_unknown", {"name": places[0].value})])
        return Outcome("answer_admin_unit", parts)

    def describe(self, value: str, said: str, *, former: bool) -> list[Say]:
        """What is known of the place the gazetteer read as ``value`` from the words ``said``.

        A name without its division word is looked up as said: "Phú Xuân cũ" may be the
        former urban district or the former commune of huyện Phú Vang, while the
        gazetteer reads it as the current ward.
        """
        said_division, name = split_division(said)[0], split_division(value)[1]
        asked = value if said_division else name
        current = self.units.merged_into(value) if split_division(value)[0] in ("phường", "xã") else []
        if current and not former:
            return [self.made_of(current)]
        parts = []
        # "huyện Hương Trà" was "thị xã Hương Trà": a district word said finds the district by its name,
        # whatever unit of that name the gazetteer read.
        if said_division in ("", *_DISTRICT_DIVISIONS):
            district = self.units.of_district(name)
            if district:
                parts.append(self.district(district[0].district, district))
        parts.extend(self.former(unit) for unit in self.units.named(asked))
        if not parts and current:
            parts.append(self.made_of(current))
        return parts

    def ward_of(self, ctx: Context) -> str | None:
        """The current ward or commune a message places the citizen in: one it names ("tôi ở phường Vỹ
        Dạ"), or the one a former unit it names went into ("xã Phú Mậu cũ" -> "phường Dương Nỗ"). None for
        a street, a landmark, a former district, or a name two former units with different successors shared."""
        for place in ctx.entities("location"):
            if self.units.merged_into(place.value):
                return place.value
            successors = {unit.current for unit in self.units.named(place.value)}
            if len(successors) == 1:
                return successors.pop()
        return None

    def notes(self, ctx: Context) -> list[Say]:
        """Where the former units a message names belong now (nothing for current units)."""
        notes = []
        for place in ctx.entities("location"):
            if self.units.merged_into(place.value):
                continue
            notes.extend(self.former(unit) for unit in self.units.named(place.value))
        return notes

    def former(self, unit: FormerUnit) -> Say:
        if unit.via is not None:
            return Say("unit_former_via", {"name": unit.name, "via": unit.via, "district": unit.district,
                                           "current": unit.current})
        return Say("unit_former", {"name": unit.name, "district": unit.district, "current": unit.current})

    @staticmethod
    def made_of(units: list[FormerUnit]) -> Say:
        """What one current unit (``units``: its former units, at least one) is made of."""
        return Say("unit_current", {"current": units[0].current, "former": _names(units)})

    def district(self, name: str, units: list[FormerUnit]) -> Say:
        by_current = sorted(units, key=lambda u: u.current)
        groups = [Say("unit_group", {"current": current, "former": _names(list(members))})
                  for current, members in groupby(by_current, key=lambda u: u.current)]
        return Say("unit_district", {"district": name, "groups": groups})
