"""Reading Rasa 3.x YAML: annotation forms, blocks, and every error with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.training_data import EntitySpan, NLUDataError, load_training_data, parse_annotated

GOOD = """\
version: "3.1"
nlu:
- intent: check_status
  examples: |
    - hồ sơ [000.00.21.H57-250312-0042](application_code) đến đâu rồi
    - nộp [hom qua]{"entity": "date", "value": "hôm qua"} mà chưa có
    - ở [phường Vĩnh Ninh]{"entity": "location"} nộp [sổ đỏ]{"entity": "procedure", "role": "x", "group": "1"}
- intent: greet
  examples: |
    - chào em
- synonym: đăng ký khai sinh
  examples: |
    - Khai Sinh
- regex: ticket
  examples: |
    - \\bT\\d{4}\\b
- lookup: location
  examples: |
    - chợ Đông Ba
"""


def write(tmp_path: Path, text: str, name: str = "nlu.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_all_annotation_forms_and_blocks(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, GOOD))
    assert data.intents == ["check_status", "greet"]
    first, second, third, _ = data.examples
    assert first.text == "hồ sơ 000.00.21.H57-250312-0042 đến đâu rồi"
    assert first.entities == (EntitySpan(6, 31, "application_code", "000.00.21.H57-250312-0042"),)
    assert second.entities[0].value == "hôm qua" and second.text[4:11] == "hom qua"
    assert [(third.text[s.start : s.end], s.entity, s.value) for s in third.entities] == [
        ("phường Vĩnh Ninh", "location", "phường Vĩnh Ninh"),
        ("sổ đỏ", "procedure", "sổ đỏ"),
    ]
    assert data.synonyms == {"khai sinh": "đăng ký khai sinh"}
    assert data.regexes == {"ticket": ["\\bT\\d{4}\\b"]}
    assert data.lookups == {"location": ["chợ Đông Ba"]}
    assert data.entity_types == ["application_code", "date", "location", "procedure"]
    assert first.source.endswith("nlu.yml:5")


def test_folder_merge_and_order_independent_hash(tmp_path: Path) -> None:
    a = "nlu:\n- intent: greet\n  examples: |\n    - chào\n"
    b = "nlu:\n- intent: thank\n  examples: |\n    - cảm ơn\n"
    write(tmp_path, a, "a.yml"), write(tmp_path, b, "b.yaml")
    data = load_training_data(tmp_path)
    assert data.intents == ["greet", "thank"]
    reversed_data = load_training_data(tmp_path / "b.yaml").merge(load_training_data(tmp_path / "a.yml"))
    assert reversed_data.content_hash() == data.content_hash()
    assert load_training_data(tmp_path / "a.yml").content_hash() != data.content_hash()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("- làm [sổ đỏ(procedure) ở đâu", "unbalanced '\\['"),
        ("- làm sổ đỏ](procedure) ở đâu", "unbalanced '\\]'"),
        ('- làm [sổ đỏ]{"entity": procedure} ở đâu', "bad JSON"),
        ('- làm [sổ đỏ]{"value": "x"} ở đâu', '"entity" string'),
        ("- làm [sổ đỏ] ở đâu", "must be followed by"),
        ("- làm [sổ đỏ](procedure ở đâu", "missing '\\)'"),
    ],
)
def test_bad_annotation_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, f"nlu:\n- intent: ask_place\n  examples: |\n    - chào\n    {line}\n")
    with pytest.raises(NLUDataError, match=message) as info:
        load_training_data(path)
    assert f"{path}:5" in str(info.value)


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "nlu:\n- intent: greet\n  examples: |\n    - chào\n- intent: [oops\n")
    with pytest.raises(NLUDataError, match="malformed YAML") as info:
        load_training_data(path)
    assert str(path) in str(info.value) and ":6" in str(info.value)


def test_unknown_entity_is_rejected_unless_declared(tmp_path: Path) -> None:
    text = "nlu:\n- intent: greet\n  examples: |\n    - chào [anh Nam](person)\n"
    path = write(tmp_path, text)
    with pytest.raises(NLUDataError, match="unknown entity 'person'") as info:
        load_training_data(path, strict=True)
    assert f"{path}:4" in str(info.value)
    warning = load_training_data(path).warnings[0]  # as Rasa: learnt all the same, with a warning
    assert warning.startswith("1 entity types are annotated in 1 spans") and "person (1)" in warning
    declared = load_training_data(path, allowed_entities=["person"])
    assert declared.entity_types == ["person"] and not any("entity" in w for w in declared.warnings)
    write(tmp_path, text + "- lookup: person\n  examples: |\n    - anh Nam\n")
    declared = load_training_data(path)
    assert declared.entity_types == ["person"] and not any("entity" in w for w in declared.warnings)


def test_intent_without_examples(tmp_path: Path) -> None:
    path = write(tmp_path, "nlu:\n- intent: greet\n  examples: |\n    - chào\n- intent: thank\n  examples: ''\n")
    with pytest.raises(NLUDataError, match="'thank' has no examples") as info:
        load_training_data(path, strict=True)
    assert f"{path}:5" in str(info.value)
    assert load_training_data(path).warnings[-1] == "1 intents have no examples and are ignored: thank"


def test_duplicate_text_across_intents_names_both(tmp_path: Path) -> None:
    path = write(tmp_path, "nlu:\n- intent: greet\n  examples: |\n    - Chào em\n- intent: goodbye\n  examples: |\n    - chào  em\n")
    with pytest.raises(NLUDataError, match="'greet'.*'goodbye'") as info:
        load_training_data(path, strict=True)
    assert f"{path}:4" in str(info.value) and f"{path}:7" in str(info.value)
    data = load_training_data(path)
    assert [(e.text, e.intent) for e in data.examples] == [("Chào em", "greet")]  # kept under the first intent
    assert "kept under 'greet'" in data.warnings[0] and f"dropped from 'goodbye' ({path}:7)" in data.warnings[0]


def test_conflicting_synonym_and_bad_regex(tmp_path: Path) -> None:
    syn = "nlu:\n- synonym: a\n  examples: |\n    - x\n- synonym: b\n  examples: |\n    - X\n"
    with pytest.raises(NLUDataError, match="'a' and 'b'"):
        load_training_data(write(tmp_path, syn))
    with pytest.raises(NLUDataError, match="bad regex"):
        load_training_data(write(tmp_path, "nlu:\n- regex: r\n  examples: |\n    - a(b\n"))


def test_missing_path() -> None:
    with pytest.raises(FileNotFoundError):
        load_training_data("/nonexistent/nlu.yml")


def test_parse_annotated_legacy_value_form() -> None:
    assert parse_annotated("gọi [0914](phone_number:0914000000)") == (
        "gọi 0914", [EntitySpan(4, 8, "phone_number", "0914000000")]
    )


def test_entity_names_as_rasa_allows_them() -> None:
    line = '- [Huế]{"entity": "fromloc.city_name"} đi [Hà Nội](toloc.city_name)'
    text, spans = parse_annotated(line)
    assert [s.entity for s in spans] == ["fromloc.city_name", "toloc.city_name"]
    with pytest.raises(NLUDataError, match="bad entity name 'fromloc.city_name'"):
        parse_annotated(line, strict=True)
    with pytest.raises(NLUDataError, match="bad entity name"):
        parse_annotated("- [Huế]( )")


def test_project_data_loads() -> None:
    root = Path(__file__).resolve().parents[1] / "training" / "data"
    # The project's own data is held to the strict rules (CI): no warning of any kind.
    train, test = load_training_data(root / "nlu", strict=True), load_training_data(root / "nlu_test", strict=True)
    assert train.warnings == [] and test.warnings == []
    assert len(train.intents) >= 17 and set(test.intents) <= set(train.intents)
    for example in train.examples:
        for span in example.entities:
            assert 0 <= span.start < span.end <= len(example.text)


def test_the_nlu_fingerprint_reads_every_table_the_features_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set-up trains the NLU model again when an operator edits the abbreviations, the places or the
    2025 reorganisation: the model's features were read through them."""
    import training.nlu as recipe

    data = load_training_data(write(tmp_path, "version: '3.1'\nnlu:\n- intent: greet\n  examples: |\n    - chào em\n"))
    before = recipe.nlu_fingerprint(data)
    for name in ("DEFAULT_ABBREVIATIONS_PATH", "DEFAULT_LOCATIONS_PATH", "REORGANISATION_TABLE"):
        edited = tmp_path / f"{name}.txt"
        edited.write_bytes(getattr(recipe, name).read_bytes() + b"\n# edited\n")
        with monkeypatch.context() as patch:
            patch.setattr(recipe, name, edited)
            assert recipe.nlu_fingerprint(data) != before, name
    assert recipe.nlu_fingerprint(data) == before
    assert recipe.nlu_fingerprint(data, Path("encoder")) != before
