"""Huế place names: current wards and communes, pre-2025 units, streets, landmarks.

Sources:

* the 40 current wards/communes of Thành phố Huế (province code 46) from the
  ``vietnam-provinces`` package, which tracks the official register;
* ``nlu/data/locations.yaml``: pre-2025 names people still use, streets and
  landmarks (its header explains the choices);
* optionally, ``lookup: location`` phrases of the training data.

Matching is on syllables without diacritics, so "Vĩnh Ninh", "vinh ninh" and
"VĨNH NINH" are the same, and tone style does not matter. A division word in
front ("phường", "p.", "xã", "huyện", "tx", "đường", "đg"...) joins the span and
decides between same-named units ("huyện Phú Vang" the old district vs "xã Phú
Vang" the current commune). Without it, a name matches by itself unless marked
``bare: false``; whole syllables only; the longest match wins. Hyphens and dots
between syllables are ignored ("Chân Mây – Lăng Cô", "p. An Cựu").

Values use the form of the project's annotations: division word in lower case,
then the name ("phường Thuận Hóa"); an old unit that became exactly one current
unit gets the current name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from nlu.entities.base import Entity
from nlu.entities.reorganisation import Reorganisation
from nlu.entities.tokens import Prepared, Syllable, prepare
from nlu.text import normalize, strip_diacritics

__all__ = ["DEFAULT_LOCATIONS_PATH", "LocationGazetteer", "PhraseIndex", "Place", "phrase_key"]

DEFAULT_LOCATIONS_PATH = Path(__file__).resolve().parent.parent / "data" / "locations.yaml"
HUE_PROVINCE_CODE = 46

# Division words and their spellings as syllables without diacritics. "p", "x",
# "tx", "tp", "đg" are how people type them; "f" is teencode for "phường".
DIVISIONS: dict[str, tuple[str, ...]] = {
    "phường": ("phuong", "p", "f"),
    "xã": ("xa", "x"),
    "thị xã": ("thi xa", "tx"),
    "huyện": ("huyen",),
    "quận": ("quan", "q"),
    "thị trấn": ("thi tran", "tt"),
    "thành phố": ("thanh pho", "tp"),
    "tỉnh": ("tinh",),
    "đường": ("duong", "dg", "d", "pho"),
}
_SKIPPED = frozenset({"-", "–", "—", ".", "_"})


def phrase_key(text: str) -> tuple[str, ...]:
    """Syllables without diacritics: the matching key of a phrase."""
    plain = strip_diacritics(normalize(text))
    return tuple(w for w in plain.replace("-", " ").replace("–", " ").replace(".", " ").split() if w)


@dataclass(frozen=True)
class Place:
    """A place name: ``value`` is reported; ``division`` ("phường", "đường", or
    None for landmarks) must or may precede ``name``; ``rank`` orders same-named
    places when no division word decides (current units first)."""

    value: str
    division: str | None
    bare: bool
    rank: int


class PhraseIndex:
    """Longest-match lookup of phrases (tuples of syllables) in a syllable sequence."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, ...], list] = {}
        self.longest = 0

    def add(self, key: Sequence[str], item: object) -> None:
        key = tuple(key)
        if key:
            self._items.setdefault(key, []).append(item)
            self.longest = max(self.longest, len(key))

    def match(self, words: Sequence[str], i: int) -> tuple[int, list]:
        """(end index, items) of the longest phrase starting at ``words[i]``; (i, [])."""
        for n in range(min(self.longest, len(words) - i), 0, -1):
            items = self._items.get(tuple(words[i : i + n]))
            if items:
                return i + n, items
        return i, []

    def __contains__(self, key: Sequence[str]) -> bool:
        return tuple(key) in self._items

    def get(self, key: Sequence[str]) -> list:
        return list(self._items.get(tuple(key), []))


def _marks_differ(span: list[Syllable], names: set[tuple[str, ...]]) -> bool:
    """Whether a syllable typed with diacritics has other ones than every way the place is written: "ba mươi
    hai đường Nguyễn Trãi" is no "Hải Dương", though "hai duong" typed bare may be (so is "Tràng Tiền", an
    alias of "Trường Tiền"). Without a written form of the span's length, nothing is compared."""
    same_length = [name for name in names if len(name) == len(span)]
    return bool(same_length) and all(
        any(s.text != s.plain and s.text != n for s, n in zip(span, name)) for name in same_length)


def _split_division(name: str) -> tuple[str | None, str]:
    lowered = normalize(name)
    for division in sorted(DIVISIONS, key=len, reverse=True):
        if lowered.startswith(division + " "):
            return division, name[len(division) + 1 :]
    return None, name


@cache
def _official_places() -> tuple[tuple[str, str, str], ...]:
    """(value, division, name) of the current wards/communes of Huế."""
    from vietnam_provinces import Ward  # the register: ~10k wards, loaded once

    out = []
    for ward in Ward.iter_all():
        if ward.province_code == HUE_PROVINCE_CODE:
            division = ward.division_type.value  # "phường" / "xã"
            name = ward.name[len(division) + 1 :] if normalize(ward.name).startswith(division + " ") else ward.name
            out.append((f"{division} {name}", division, name))
    return tuple(out)


def current_units() -> tuple[str, ...]:
    """The current wards and communes of Huế as values ("phường Thuận Hóa")."""
    return tuple(value for value, _, _ in _official_places())


class LocationGazetteer:
    """Find Huế place names in a message. Build with :meth:`default`."""

    def __init__(self) -> None:
        self.names = PhraseIndex()
        self.divisions = PhraseIndex()
        for division, spellings in DIVISIONS.items():
            for spelling in spellings:
                self.divisions.add(spelling.split(), division)
        self.size = 0
        #: Values of the landmarks ("sông Hương", "chợ Đông Ba", "Đại Nội"), as :meth:`find` reports them.
        self.landmarks: set[str] = set()
        #: Words that say what kind of place a name is: the division words, and every word the
        #: names of :meth:`default`'s file write in lower case ("sông Hương", "bến xe phía Nam").
        self.kind_words: set[str] = set(normalize(" ".join(DIVISIONS)).split())
        #: Each place's names as written, syllable by syllable (see :func:`_marks_differ`).
        self.written: dict[Place, set[tuple[str, ...]]] = {}

    def add(self, value: str, division: str | None, names: Iterable[str], *, bare: bool = True, rank: int = 2) -> None:
        """Register ``names`` (without the division word) as ``value``."""
        place = Place(value, division, bare, rank)
        for name in names:
            self.written.setdefault(place, set()).add(tuple(normalize(name).replace("-", " ").split()))
            self.names.add(phrase_key(name), place)
        self.size += 1

    def add_phrase(self, phrase: str, value: str | None = None) -> None:
        """Add a phrase such as a training-data lookup ("phường Hương Sơ", "chợ Xép").

        Known names are left alone, so the curated value wins.
        """
        division, name = _split_division(phrase)
        if phrase_key(name) in self.names:
            return
        canonical = normalize(phrase, lower=False)
        if division:
            canonical = division + canonical[len(division) :]
        self.add(value or canonical, division, [name], rank=3)

    def knows(self, division: str | None, name: str) -> bool:
        """Whether a place called ``name`` with this division word is registered."""
        return any(place.division == division for place in self.names.get(phrase_key(name)))

    @classmethod
    def default(cls, path: Path | str = DEFAULT_LOCATIONS_PATH) -> LocationGazetteer:
        """Current units from ``vietnam-provinces``, ``nlu/data/locations.yaml``, then the other former
        wards and communes (:mod:`nlu.entities.reorganisation`), found only after their division word."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        not_bare = {phrase_key(name) for name in data.pop("current_not_bare", [])}
        gazetteer = cls()
        for value, division, name in _official_places():
            gazetteer.add(value, division, [name], bare=phrase_key(name) not in not_bare, rank=0)
        for section, entries in data.items():
            for entry in entries:
                division, name = _split_division(entry["name"])
                if section == "landmarks":
                    division, name = None, entry["name"]
                value = entry.get("current") or entry["name"]
                rank = 1 if section == "landmarks" or section == "streets" else 2
                gazetteer.add(value, division, [name, *entry.get("aliases", [])],
                              bare=entry.get("bare", True), rank=rank)
                if section == "landmarks":
                    gazetteer.landmarks.add(value)
                for written in (entry["name"], *entry.get("aliases", [])):
                    gazetteer.kind_words |= {normalize(word) for word in normalize(written, lower=False).split()
                                             if word.islower()}
        # "xã Lộc Bình", "phường Phong Hiền": bare, many of these names are words or places elsewhere.
        for unit in Reorganisation.default().units:
            division, name = _split_division(unit.name)
            if not gazetteer.knows(division, name):
                gazetteer.add(unit.name, division, [name], bare=False, rank=2)
        return gazetteer

    def find(self, prepared: Prepared) -> list[Entity]:
        """Non-overlapping place names, left to right, longest first."""
        kept = [s for s in prepared.syllables if s.plain not in _SKIPPED]
        words = [s.plain for s in kept]
        found: list[Entity] = []
        i = 0
        while i < len(words):
            entity = self._match_at(words, kept, i)
            if entity is None:
                i += 1
                continue
            found.append(entity[0])
            i = entity[1]
        return found

    def value_of(self, surface: str) -> str | None:
        """The value of a span that is exactly one place name, else None."""
        prepared = prepare(surface)
        kept = [s for s in prepared.syllables if s.plain not in _SKIPPED]
        match = self._match_at([s.plain for s in kept], kept, 0)
        return match[0].value if match and match[1] == len(kept) else None

    def _match_at(self, words: list[str], kept: list[Syllable], i: int) -> tuple[Entity, int] | None:
        after_division, divisions = self.divisions.match(words, i)
        if divisions:
            end, places = self.names.match(words, after_division)
            # A division word picks among same-named places ("huyện Phú Vang", the
            # old district, vs "xã Phú Vang"); a wrong one ("phường Phú Vang") still
            # finds the unit, but never turns a ward into a street or back.
            if places:
                division = divisions[0]
                same = [p for p in places if p.division == division]
                compatible = same or [p for p in places if (p.division == "đường") == (division == "đường")]
                if compatible:
                    place = min(compatible, key=lambda p: p.rank)
                    return Entity("location", place.value, kept[i].start, kept[end - 1].end, 0.9, "gazetteer"), end
        end, places = self.names.match(words, i)
        written = getattr(self, "written", {})  # a gazetteer saved inside an older model has none: no check
        candidates = [p for p in places if p.bare and not _marks_differ(kept[i:end], written.get(p, set()))]
        if not candidates:
            return None
        place = min(candidates, key=lambda p: p.rank)
        return Entity("location", place.value, kept[i].start, kept[end - 1].end, 0.8, "gazetteer"), end
