"""Huế's own offices: the city's service centre and the People's Committees of its 40 wards and communes.

The national records name offices generically ("Ủy ban nhân dân cấp xã",
"Trung tâm Phục vụ hành chính công"); ``knowledge/data/offices.yaml``, kept by
operators, says which office that is in Huế, so a place answer can name it.
The file holds names and, where an operator has filled them in, addresses;
nothing is made up: an office without an entry, or an entry without an
address, is simply not named or not located.

>>> offices = Offices.load()
>>> offices.ward("p. Thuận Hóa").committee.name
'Ủy ban nhân dân phường Thuận Hóa'

The file is validated on load (:meth:`Offices.load`): unknown keys, empty
names, repeated codes or names raise :class:`ValueError` naming the file and
the entry.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from knowledge.datafiles import read_yaml
from nlu.text import normalize, strip_diacritics

__all__ = ["DEFAULT_OFFICES_PATH", "Office", "Offices", "Ward"]

DEFAULT_OFFICES_PATH = Path(__file__).resolve().parent.parent / "data" / "offices.yaml"

#: Division words a citizen may put in front of a ward's name ("p.", "phường", "xã", "x").
_DIVISION = re.compile(r"^(?:phuong|xa|thi tran|p|x|f|tt)\b\.?\s*")


def ward_key(name: str) -> str:
    """A ward's name without diacritics, division word, case or punctuation: "Phường Thuận Hóa" -> "thuan hoa"."""
    plain = strip_diacritics(normalize(name, lower=True)).replace("–", " ").replace("-", " ")
    plain = _DIVISION.sub("", " ".join(plain.split()))
    return " ".join(re.findall(r"\w+", plain))


class Office(BaseModel):
    """One office: its name as citizens see it on the door, and its address when an operator has given it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    address: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("name must not be empty")
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        value = " ".join(value.split()) if value else None
        return value or None

    def label(self) -> str:
        """ "Name" or "Name (address)"."""
        return f"{self.name} ({self.address})" if self.address else self.name


class Ward(BaseModel):
    """A ward (phường) or commune (xã) of Huế and its People's Committee."""

    model_config = ConfigDict(extra="forbid")

    code: str
    name: str  # "Phường Thuận Hóa"
    committee: Office  # "Ủy ban nhân dân phường Thuận Hóa"
    service_centre: Office | None = None  # the ward's public administration service centre, when an operator adds it

    @field_validator("code", "name")
    @classmethod
    def _text(cls, value: str) -> str:
        value = " ".join(str(value).split())
        if not value:
            raise ValueError("must not be empty")
        return value


class Offices(BaseModel):
    """The whole file: the city's service centre and its wards."""

    model_config = ConfigDict(extra="forbid")

    city: str  # "Thành phố Huế"
    service_centre: Office  # "Trung tâm Phục vụ hành chính công thành phố Huế"
    wards: list[Ward]

    @model_validator(mode="after")
    def _unique(self) -> Offices:
        for what, key in (("code", lambda w: w.code), ("name", lambda w: ward_key(w.name))):
            seen: dict[str, str] = {}
            for ward in self.wards:
                k = key(ward)
                if k in seen:
                    raise ValueError(f"wards: {what} of {ward.name!r} repeats {seen[k]!r}")
                seen[k] = ward.name
        return self

    @classmethod
    def load(cls, path: Path | None = None) -> Offices:
        """Read and validate the offices file (default :data:`DEFAULT_OFFICES_PATH`).

        Raises :class:`ValueError` starting with the file's path on bad YAML or content,
        :class:`FileNotFoundError` when it is missing.
        """
        path = path or DEFAULT_OFFICES_PATH
        data = read_yaml(path)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping with city, service_centre and wards")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            reasons = []
            for err in exc.errors():
                loc = list(err["loc"])
                if len(loc) >= 2 and loc[0] == "wards" and isinstance(loc[1], int):
                    ward = data.get("wards", [])[loc[1]]
                    label = ward.get("name") if isinstance(ward, dict) else None
                    loc[1] = f"{loc[1] + 1} ({label!r})" if label else str(loc[1] + 1)
                reasons.append(f"{'.'.join(map(str, loc)) or 'file'}: {err['msg']}")
            raise ValueError(f"{path}: " + "; ".join(reasons)) from exc

    def ward(self, name: str | None) -> Ward | None:
        """The ward a citizen named ("phường Thuận Hóa", "thuan hoa", "p. Thuận Hóa"), or None."""
        if not name:
            return None
        key = ward_key(name)
        return next((w for w in self.wards if ward_key(w.name) == key), None)


@cache
def default_offices() -> Offices:
    """The shipped file, loaded once."""
    return Offices.load()
