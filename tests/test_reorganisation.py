"""Former wards, communes and districts of Huế, the current units they became (nlu.entities.reorganisation),
and how the assistant describes them (dialogue.places)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from dialogue.places import PlaceFlow
from nlu.entities.gazetteer import LocationGazetteer, current_units
from nlu.entities.reorganisation import DEFAULT_TABLE, FormerUnit, Reorganisation
from nlu.entities.tokens import prepare
from nlu.results import ParsedEntity


@pytest.fixture(scope="module")
def units() -> Reorganisation:
    return Reorganisation.default()


def test_the_shipped_table_is_what_the_package_says(tmp_path: Path) -> None:
    pytest.importorskip("vietnamadminunits")  # a test dependency: `pip install -e ".[test]"`
    Reorganisation.from_package().write(tmp_path / "table.tsv")
    assert (tmp_path / "table.tsv").read_text(encoding="utf-8") == DEFAULT_TABLE.read_text(encoding="utf-8")


def test_serving_never_loads_the_package() -> None:
    code = ("import sys; from nlu.entities.gazetteer import LocationGazetteer; LocationGazetteer.default(); "
            "print('vietnamadminunits' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert loaded.stdout.strip() == "False"


def test_every_current_unit_is_made_of_former_ones_and_nothing_else_is_current(units: Reorganisation) -> None:
    register = set(current_units())
    assert len(register) == 40
    assert {unit.current for unit in units.units} == register  # the register's spelling ("Chân Mây – Lăng Cô")
    assert len(units.units) == 133


@pytest.mark.parametrize(("asked", "expected"), [
    ("phường Phú Hội", [FormerUnit("phường Phú Hội", "quận Thuận Hóa", "phường Thuận Hóa")]),
    ("Phường Tây Lộc", [FormerUnit("phường Tây Lộc", "quận Phú Xuân", "phường Phú Xuân")]),
    ("xã Lộc Bình", [FormerUnit("xã Lộc Bình", "huyện Phú Lộc", "xã Phú Lộc")]),
    # an older name the package keeps without marks: answered with the name asked
    ("xã Phú Mậu", [FormerUnit("xã Phú Mậu", "quận Thuận Hóa", "phường Dương Nỗ", via="phường Dương Nỗ")]),
    # no former ward was called Phú Xuân; the former commune was
    ("phường Phú Xuân", []),
    ("Phú Xuân", [FormerUnit("xã Phú Xuân", "huyện Phú Vang", "xã Phú Hồ")]),
    ("phường Hoàn Kiếm", []),
])
def test_a_former_unit_is_found_by_its_name(units: Reorganisation, asked: str, expected: list[FormerUnit]) -> None:
    assert units.named(asked) == expected


def test_a_name_two_former_units_shared_finds_both(units: Reorganisation) -> None:
    found = {(unit.name, unit.current) for unit in units.named("Hương Phong")}
    assert found == {("xã Hương Phong", "xã A Lưới 4"), ("phường Hương Phong", "phường Hóa Châu")}


def test_districts_and_current_units_list_their_members(units: Reorganisation) -> None:
    phu_vang = units.of_district("huyện Phú Vang")
    assert {unit.current for unit in phu_vang} == {"xã Phú Vang", "xã Phú Vinh", "xã Phú Hồ", "phường Thuận An",
                                                   "phường Mỹ Thượng"}
    assert units.of_district("Phú Vang") == phu_vang and units.of_district("quận Phú Vang") == []
    thuan_hoa = {unit.name for unit in units.merged_into("phường Thuận Hóa")}
    assert thuan_hoa == {"phường Phú Hội", "phường Phú Nhuận", "phường Phước Vĩnh", "phường Phường Đúc",
                         "phường Trường An", "phường Vĩnh Ninh"}
    assert units.merged_into("xã Chân Mây - Lăng Cô") == units.merged_into("Chân Mây – Lăng Cô") != []


def test_the_gazetteer_knows_every_former_unit_after_its_division_word_only() -> None:
    gazetteer = LocationGazetteer.default()

    def values(text: str) -> list[str]:
        return [entity.value for entity in gazetteer.find(prepare(text))]

    assert values("xã lộc bình cũ giờ thuộc xã nào") == ["xã Lộc Bình"]
    assert values("xa loc binh") == ["xã Lộc Bình"]
    assert values("lộc bình") == []  # bare, many former names are words or places elsewhere
    assert values("phường đúc cũ") == ["phường Phường Đúc"]
    assert values("phú xuân") == ["phường Phú Xuân"]  # the current ward, unless a division word says otherwise
    assert values("xã phú xuân") == ["xã Phú Xuân"]


@pytest.mark.parametrize(("value", "said", "former", "templates"), [
    ("phường Phú Xuân", "phú xuân", False, ["unit_current"]),  # the current ward
    ("phường Phú Xuân", "phu xuan", True, ["unit_district", "unit_former"]),  # "cũ": quận Phú Xuân, xã Phú Xuân
    ("phường Thuận Hóa", "phuong thuan hoa", True, ["unit_current"]),  # no former ward Thuận Hóa (Thuận Hòa was one)
    ("phường An Cựu", "phường an cựu", True, ["unit_former"]),  # the former ward, now part of the current one
    ("huyện Phú Vang", "huyện phú vang", False, ["unit_district"]),
    ("phường Hương Trà", "huyện hương trà", True, ["unit_district"]),  # it was thị xã Hương Trà
    ("đường Lê Lợi", "đường lê lợi", False, []),
])
def test_a_place_is_described_as_it_was_meant(value: str, said: str, former: bool, templates: list[str]) -> None:
    assert [say.template for say in PlaceFlow().describe(value, said, former=former)] == templates


@pytest.mark.parametrize(("said", "ward"), [
    ("tôi ở phường Vỹ Dạ", "phường Vỹ Dạ"),  # a current ward
    ("nhà em ở phường Phú Hội cũ", "phường Thuận Hóa"),  # a former one: the ward it went into
    ("tui ở xã phú mậu", "phường Dương Nỗ"),  # merged before 2025, then into the current one
    ("tôi ở huyện Phú Vang", None),  # a former district spans several current units
    ("nhà tôi trên đường Lê Lợi", None),  # a street names no ward
])
def test_the_citizens_ward_is_read_from_the_places_they_name(said: str, ward: str | None) -> None:
    gazetteer = LocationGazetteer.default()
    entities = [ParsedEntity(entity="location", value=p.value, start=p.start, end=p.end, confidence=1.0,
                             extractor="gazetteer") for p in gazetteer.find(prepare(said))]
    ctx = SimpleNamespace(entities=lambda name: entities if name == "location" else [])
    assert PlaceFlow().ward_of(ctx) == ward  # type: ignore[arg-type]
