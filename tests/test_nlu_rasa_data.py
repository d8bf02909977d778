"""Training on Rasa 3.x NLU data of the shapes Rasa's example bots have (tests/data/rasa/).

What Rasa accepts trains here too, with one warning per kind and a count;
``strict`` (the project's own data, CI) refuses the same things.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.model import NLUModel
from nlu.training_data import EntitySpan, NLUDataError, load_training_data, parse_annotated

RASA = Path(__file__).parent / "data" / "rasa"
FORMBOT = RASA / "formbot" / "data"
TRAVEL = RASA / "travel" / "nlu.yml"
AIRLINE = RASA / "airline" / "nlu.yml"


def test_formbot_entities_declared_by_domain_yml() -> None:
    data = load_training_data(FORMBOT, strict=True)  # clean: domain.yml beside data/ declares every entity
    assert data.domain_entities == ["cuisine", "feedback", "number", "seating"]
    assert data.warnings == []
    assert data.synonyms["vegan"] == "vegetarian" and "cuisine" in data.lookups and "number" in data.regexes
    assert {"cuisine", "number", "seating", "feedback"} <= set(data.entity_types)


def test_without_domain_yml_undeclared_entities_are_a_warning(tmp_path: Path) -> None:
    copy = tmp_path / "nlu.yml"
    copy.write_text((FORMBOT / "nlu.yml").read_text(encoding="utf-8"), encoding="utf-8")
    data = load_training_data(copy)
    (warning,) = data.warnings
    assert warning.startswith("2 entity types are annotated in 5 spans") and "feedback (2)" in warning
    with pytest.raises(NLUDataError, match="unknown entity 'seating'"):
        load_training_data(copy, strict=True)


def test_roles_and_groups_are_kept() -> None:
    data = load_training_data(TRAVEL, strict=True, allowed_entities=["city", "size", "topping"])
    first = data.examples[0]
    assert [(first.text[s.start:s.end], s.entity, s.role) for s in first.entities] == [
        ("Berlin", "city", "departure"), ("San Francisco", "city", "destination")]
    pizza = next(e for e in data.examples if e.intent == "order_pizza")
    assert [(s.entity, s.group) for s in pizza.entities] == [("size", "1"), ("topping", "1"), ("size", "2"),
                                                              ("topping", "2")]
    assert parse_annotated('[NY][{"entity": "city", "role": "to"}, {"entity": "place"}]') == (
        "NY", [EntitySpan(0, 2, "city", "NY", "to"), EntitySpan(0, 2, "place", "NY")])


def test_model_learns_and_outputs_roles() -> None:
    data = load_training_data(TRAVEL)
    model = NLUModel(seed=13).fit(data)
    result = model.parse("I want to fly from Berlin to Rome")
    cities = [(e.value, e.role) for e in result.entities if e.entity == "city"]
    assert cities == [("Berlin", "departure"), ("Rome", "destination")]
    assert result.intent.name == "book_flight"
    pizza = model.parse("a large pepperoni please")
    assert {(e.entity, e.group) for e in pizza.entities} >= {("size", "1"), ("topping", "1")}


def test_airline_style_data_warns_with_counts_and_trains() -> None:
    data = load_training_data(AIRLINE)
    undeclared, duplicates, rare = data.warnings
    assert undeclared.startswith("10 entity types are annotated in 31 spans") and "fromloc.city_name (11)" in undeclared
    assert duplicates.startswith("1 examples repeat a text") and "kept under 'flight'" in duplicates
    assert rare.startswith("2 intents have fewer than 5 examples: abbreviation (2), airfare#flight (1)")
    # The repeated text counts once, under the first intent.
    assert sum(e.text.startswith("liệt kê chuyến bay và giá vé từ huế") for e in data.examples) == 1
    model = NLUModel(seed=13).fit(data)
    assert set(model.intents) == {"flight", "airfare", "airfare#flight", "abbreviation"}
    assert model.metrics["cv_intents_left_out"] == ["abbreviation", "airfare#flight"]
    result = model.parse("chuyến bay từ hà nội đến huế")
    assert {e.entity for e in result.entities} <= set(model.entity_types)
    assert model.warnings == data.warnings


@pytest.mark.parametrize(
    ("path", "message"),
    [(AIRLINE, "bad entity name 'fromloc.city_name'"), (TRAVEL, "unknown entity 'city'")],
)
def test_strict_refuses(path: Path, message: str) -> None:
    with pytest.raises(NLUDataError, match=message):
        load_training_data(path, strict=True)


def test_strict_refuses_duplicates_and_rare_intents(tmp_path: Path) -> None:
    text = AIRLINE.read_text(encoding="utf-8").replace(".", "_")
    path = tmp_path / "nlu.yml"
    path.write_text(text, encoding="utf-8")
    allowed = {s.entity for e in load_training_data(path).examples for s in e.entities}
    with pytest.raises(NLUDataError, match="is an example of both 'flight'"):
        load_training_data(path, strict=True, allowed_entities=allowed)
    path.write_text(text.replace("    - liệt kê chuyến bay và giá vé từ [huế]", "    - kê chuyến bay và giá vé từ [huế]", 1),
                    encoding="utf-8")
    with pytest.raises(NLUDataError, match="intent 'abbreviation' has 2 examples; at least 5"):
        load_training_data(path, strict=True, allowed_entities=allowed)


def test_builtins_only_for_entity_types_the_data_uses() -> None:
    message = "chuyến bay từ hà nội đến phường Vĩnh Ninh ngày 12/3, gọi 0914 123 456"
    data = load_training_data(AIRLINE)
    model = NLUModel(seed=13).fit(data)
    assert model.builtins == frozenset()
    assert not {"date", "location", "phone_number"} & {e.entity for e in model.parse(message).entities}
    configured = NLUModel(seed=13, builtin_entities=["date", "phone_number"]).fit(data)
    found = {e.entity: e.value for e in configured.parse(message).entities}
    assert found["date"] == "12/3" and found["phone_number"] == "0914123456" and "location" not in found
    with pytest.raises(ValueError, match="no built-in extractor for city"):
        NLUModel(builtin_entities=["city"])


def test_builtins_follow_the_projects_entity_types() -> None:
    data = load_training_data(Path(__file__).parent / "data" / "nlu_small.yml", strict=True)
    model = NLUModel(seed=13).fit(data)
    assert model.builtins == {"application_code", "date", "location", "phone_number"}
