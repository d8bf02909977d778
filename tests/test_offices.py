"""Huế's offices file (knowledge/data/offices.yaml): shipped content, lookups, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.answers.offices import DEFAULT_OFFICES_PATH, Offices, ward_key

GOOD = """\
city: Thành phố Huế
service_centre:
  name: Trung tâm Phục vụ hành chính công thành phố Huế
  address: ""
wards:
  - code: "19786"
    name: Phường Thuận Hóa
    committee:
      name: Ủy ban nhân dân phường Thuận Hóa
      address: "1 Đường Ví Dụ"
    service_centre:
      name: Trung tâm Phục vụ hành chính công phường Thuận Hóa
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "offices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_has_the_40_current_wards_of_hue() -> None:
    offices = Offices.load()
    assert len(offices.wards) == 40
    assert offices.service_centre.name == "Trung tâm Phục vụ hành chính công thành phố Huế"
    from vietnam_provinces import Ward

    register = {str(w.code): w.name for w in Ward.iter_all() if w.province_code == 46}
    assert {w.code: w.name for w in offices.wards} == register
    for ward in offices.wards:
        assert ward.committee.name.startswith("Ủy ban nhân dân ")
        assert ward.committee.name.lower().endswith(ward.name.lower().split(" ", 1)[1])
        assert ward.committee.address is None  # names only: addresses wait for an operator


@pytest.mark.parametrize("typed", ["Phường Thuận Hóa", "p. Thuận Hóa", "phuong thuan hoa", "THUẬN HOÁ", "thuận hóa"])
def test_a_ward_is_found_however_it_is_typed(typed: str) -> None:
    assert Offices.load().ward(typed).code == "19786"


def test_unknown_or_missing_wards_give_none() -> None:
    offices = Offices.load()
    assert offices.ward(None) is None and offices.ward("") is None and offices.ward("phường Bến Nghé") is None
    assert offices.ward("xã Chân Mây - Lăng Cô").name == "Xã Chân Mây – Lăng Cô"
    assert ward_key("Xã A Lưới 1") == "a luoi 1"


def test_an_operator_can_add_addresses_and_a_wards_own_centre(tmp_path: Path) -> None:
    offices = Offices.load(write(tmp_path, GOOD))
    ward = offices.ward("Thuận Hóa")
    assert ward.committee.label() == "Ủy ban nhân dân phường Thuận Hóa (1 Đường Ví Dụ)"
    assert ward.service_centre.label() == "Trung tâm Phục vụ hành chính công phường Thuận Hóa"
    assert offices.service_centre.address is None  # "" means not known


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("    name: Phường Thuận Hóa\n", "    name: Phường Thuận Hóa\n    phone: 1\n"),
            "wards.1 ('Phường Thuận Hóa').phone",
        ),
        (("      name: Ủy ban nhân dân phường Thuận Hóa", "      name: ' '"), "committee.name"),
        (("city: Thành phố Huế\n", ""), "city: Field required"),
        (("wards:\n", "wards: 3\nold_wards:\n"), "wards: Input should be a valid list"),
    ],
)
def test_bad_content_is_refused_with_the_file_and_the_entry(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ValueError) as info:
        Offices.load(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value)


def test_repeated_wards_and_broken_yaml_are_refused(tmp_path: Path) -> None:
    entry = GOOD[GOOD.index("  - code"):]
    with pytest.raises(ValueError, match="repeats"):
        Offices.load(write(tmp_path, GOOD + entry))
    with pytest.raises(ValueError, match="not valid YAML"):
        Offices.load(write(tmp_path, "city: [unclosed"))
    with pytest.raises(ValueError, match="expected a mapping"):
        Offices.load(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(FileNotFoundError):
        Offices.load(tmp_path / "missing.yaml")


def test_the_default_path_is_the_shipped_file() -> None:
    assert DEFAULT_OFFICES_PATH.name == "offices.yaml" and DEFAULT_OFFICES_PATH.parent.name == "data"
