"""Which current ward or commune each former unit of Huế became.

On 1 July 2025 the districts were abolished and the 133 wards, communes and
townships of Huế were merged into 40. Citizens still say "phường Phú Hội", "xã
Phú Mậu", "huyện Phú Vang"; the assistant must understand them and say where
they belong now ("phường Phú Hội cũ nay thuộc phường Thuận Hóa").

The mapping comes from the ``vietnamadminunits`` package (MIT), which ships the
units of January 2025 with the older names each absorbed (``wardAlias``: "xã Phú
Mậu" went into phường Dương Nỗ that January) and converts an old address to the
July 2025 units (:func:`vietnamadminunits.convert_address`). Its table lists no
unit of Huế split between several new ones: every old unit went whole into one
current unit.

Loaded, the package holds about 40 MB of tables for the whole country, in
every process that imports it, for 160 rows of Huế. So :meth:`Reorganisation.from_package`
reads them once and ``python -m training.reorganisation_table`` writes them to
``nlu/data/reorganisation_2025.tsv``, which :meth:`Reorganisation.default`
reads; a test checks that the file is what the installed package says (the
package is a test dependency). Each unit is converted as "ward, district,
province" without a street: with a street the package may geocode over the
network; without one it reads only its own data.

The older names are stored without marks ("xaphumau"), so they are looked up
by the name a citizen used, and answered with that name.

    >>> units = Reorganisation.default()
    >>> [(u.name, u.current) for u in units.named("phường Phú Hội")]
    [('phường Phú Hội', 'phường Thuận Hóa')]
    >>> [(u.name, u.current) for u in units.named("xã Phú Mậu")]
    [('xã Phú Mậu', 'phường Dương Nỗ')]
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from nlu.text import has_diacritics, normalize, strip_diacritics

__all__ = ["FormerUnit", "Reorganisation"]

HUE_PROVINCE_CODE = "46"
DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "data" / "reorganisation_2025.tsv"
_COLUMNS = ("name", "district", "current", "older_names")
#: Division words of wards, communes, townships and districts, longest first.
DIVISIONS = ("thị trấn", "thị xã", "phường", "xã", "quận", "huyện")
# How the package writes the division in front of an older name; "phong" is its typo for "phuong".
_ALIAS_DIVISIONS = {"thitran": "thị trấn", "phuong": "phường", "phong": "phường", "xa": "xã"}


def split_division(name: str) -> tuple[str, str]:
    """("phường", "Phú Hội") from "Phường Phú Hội" or "phuong phu hoi"; ("", name) without a division word."""
    name = normalize(name, lower=False)
    plain = strip_diacritics(normalize(name))
    for division in DIVISIONS:
        if plain.startswith(strip_diacritics(division) + " "):
            return division, name[len(division) + 1 :]
    return "", name


def canonical(name: str) -> str:
    """The project's form of a unit's name: division word in lower case ("Phường Phú Hội" -> "phường Phú Hội")."""
    division, rest = split_division(name)
    return f"{division} {rest}" if division else rest


def key(text: str) -> str:
    """Letters without marks, spaces or dashes, as the package writes its keys ("xã Phú Mậu" -> "xaphumau")."""
    return re.sub(r"[^a-z0-9]", "", strip_diacritics(normalize(text)))


@lru_cache(maxsize=1024)
def _name_forms(name: str) -> tuple[str, str]:
    """A name as :func:`same_name` compares it: with its marks and no punctuation, and as a :func:`key`."""
    return re.sub(r"\W", "", normalize(name)), key(name)


def same_name(listed: str, asked: str) -> bool:
    """Whether ``asked`` is the name ``listed``: by its marks when it has any ("Thuận Hóa" is not
    "Thuận Hòa"), by its letters when typed without."""
    (listed_marked, listed_plain), (marked, plain) = _name_forms(listed), _name_forms(asked)
    return listed_marked == marked if has_diacritics(asked) else listed_plain == plain


@dataclass(frozen=True)
class FormerUnit:
    """A ward, commune or township as it was before 1 July 2025, and the current unit it went into."""

    name: str  # "phường Phú Hội"
    district: str  # "quận Thuận Hóa"
    current: str  # "phường Thuận Hóa"
    via: str | None = None  # an older unit: the unit of January 2025 it had been merged into


@dataclass(frozen=True)
class _Entry:
    name: str | None  # None: an older name known only by its key; answered with the name asked
    division: str
    unit: FormerUnit  # the unit of January 2025 it is or went into


class Reorganisation:
    """The former units of Huế and the current unit each became. Build with :meth:`default`."""

    def __init__(self, units: Iterable[FormerUnit], older: Mapping[str, FormerUnit] | None = None) -> None:
        """``units``: the units of January 2025; ``older``: keys of older names ("xaphumau") -> the unit they joined."""
        self.units = tuple(units)
        self._older: dict[str, FormerUnit] = {}
        self._by_key: dict[str, list[_Entry]] = {}
        for unit in self.units:
            division, rest = split_division(unit.name)
            entry = _Entry(unit.name, division, unit)
            self._by_key.setdefault(key(unit.name), []).append(entry)
            self._by_key.setdefault(key(rest), []).append(entry)
        for alias, unit in (older or {}).items():
            prefix = next((p for p in sorted(_ALIAS_DIVISIONS, key=len, reverse=True) if alias.startswith(p)), None)
            if prefix is None:
                continue  # a bare older key ("phumau") is reachable from its prefixed form
            self._older[alias] = unit
            entry = _Entry(None, _ALIAS_DIVISIONS[prefix], unit)
            for k in (alias, alias[len(prefix) :]):
                if entry not in self._by_key.setdefault(k, []):
                    self._by_key[k].append(entry)

    @classmethod
    @cache
    def default(cls) -> Reorganisation:
        """Huế's units as shipped in ``nlu/data/reorganisation_2025.tsv`` (read once per process)."""
        return cls.read(DEFAULT_TABLE)

    @classmethod
    def read(cls, path: Path) -> Reorganisation:
        units, older = [], {}
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"):
                unit = FormerUnit(row["name"], row["district"], row["current"])
                units.append(unit)
                older.update(dict.fromkeys(filter(None, row["older_names"].split(" ")), unit))
        return cls(units, older)

    @classmethod
    def from_package(cls) -> Reorganisation:
        """Huế's units from the installed ``vietnamadminunits`` (slow and large: see the module docstring)."""
        from vietnamadminunits import convert_address
        from vietnamadminunits.database import query

        from nlu.entities.gazetteer import current_units

        register = {key(value): value for value in current_units()}  # "Chân Mây - Lăng Cô" as the register writes it
        units, older = [], {}
        rows = query("SELECT DISTINCT province, district, ward, wardAlias FROM admin_units_legacy "
                     f"WHERE provinceCode = '{HUE_PROVINCE_CODE}'")
        for row in rows:
            new = convert_address(f"{row['ward']}, {row['district']}, {row['province']}")
            if not new.ward:
                continue
            current = canonical(new.ward)
            unit = FormerUnit(canonical(row["ward"]), canonical(row["district"]), register.get(key(current), current))
            units.append(unit)
            for alias in json.loads(row["wardAlias"] or "[]"):
                older.setdefault(alias, unit)
        return cls(sorted(units, key=lambda u: (u.district, u.name)), older)

    def write(self, path: Path) -> None:
        """The table :meth:`read` reads: one former unit a line, with the older names it absorbed."""
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write("# Generated by `python -m training.reorganisation_table` from the vietnamadminunits package "
                         "(MIT License, Copyright (c) 2025 Tran Ngoc Minh Hieu); do not edit.\n")
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(_COLUMNS)
            for unit in self.units:
                names = sorted(k for k, u in self._older.items() if u == unit)
                writer.writerow((unit.name, unit.district, unit.current, " ".join(names)))

    def named(self, name: str) -> list[FormerUnit]:
        """Former wards, communes and townships called ``name``; a division word, if given, must agree.

        "Phú Xuân" finds the former commune of huyện Phú Vang; "phường Phú Xuân"
        nothing (no former ward had that name).
        """
        division, rest = split_division(name)
        entries = [e for e in self._by_key.get(key(rest), []) if not division or e.division == division]
        entries = [e for e in entries if e.name is None or same_name(split_division(e.name)[1], rest)]
        named = {e.unit for e in entries if e.name is not None}
        # An older name of a unit found by its own name ("xã Hương Phong" went into "phường Hương
        # Phong" in January 2025) says nothing more than that unit.
        return [e.unit if e.name is not None else FormerUnit(canonical(name), e.unit.district, e.unit.current, e.unit.name)
                for e in entries if e.name is not None or e.unit not in named]

    def of_district(self, district: str) -> list[FormerUnit]:
        """The former wards and communes of a former district, town or urban district ("huyện Phú Vang")."""
        names = _unit_named(district)
        return [u for u in self.units if names(u.district)]

    def merged_into(self, current: str) -> list[FormerUnit]:
        """The former units (of January 2025) that make up current unit ``current`` ("phường Thuận Hóa")."""
        names = _unit_named(current)
        return [u for u in self.units if names(u.current)]


@lru_cache(maxsize=512)
def _forms(name: str) -> tuple[str, str, str]:
    """(division, then the rest as :func:`_name_forms` gives it) of a unit's name, read once: a look-up
    compares them for all 133 units, on every turn that names a place."""
    division, rest = split_division(name)
    return division, *_name_forms(rest)


def _unit_named(asked: str) -> Callable[[str], bool]:
    """Whether a listed unit's name is ``asked``, with or without the division word (see :func:`same_name`)."""
    division, marked, plain = _forms(asked)
    by_marks = has_diacritics(marked)

    def named(listed: str) -> bool:
        listed_division, listed_marked, listed_plain = _forms(listed)
        same = listed_marked == marked if by_marks else listed_plain == plain
        return same and (not division or listed_division == division)

    return named

