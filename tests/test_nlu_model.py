"""NLUModel: fit on a small dataset, parse, fallback, save/load, determinism, bad input, scale."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest

from bench.nlu_scale import synthetic
from nlu.model import FALLBACK_INTENT, ModelFormatError, NLUModel, choose_threshold
from nlu.training_data import TrainingData, load_training_data

SMALL = (Path(__file__).parent / "data" / "nlu_small.yml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> TrainingData:
    path = tmp_path_factory.mktemp("nlu") / "nlu.yml"
    path.write_text(SMALL, encoding="utf-8")
    return load_training_data(path)


@pytest.fixture(scope="module")
def model(data: TrainingData) -> NLUModel:
    return NLUModel(seed=7).fit(data)


def test_parse_shape_and_entities(model: NLUModel) -> None:
    text = "Cho hỏi hồ sơ 000.00.21.h57 250312 0042 nộp hôm qua đến đâu rồi"
    result = model.parse(text)
    assert result.text == text
    assert result.intent.name in ("check_status", FALLBACK_INTENT)
    assert result.intent_ranking[0].name == "check_status"
    assert len(result.intent_ranking) == 4  # top 5, 4 intents
    by_type = {e.entity: e for e in result.entities}
    code = by_type["application_code"]
    assert code.value == "000.00.21.H57-250312-0042" and code.extractor == "regex"
    assert text[code.start : code.end] == "000.00.21.h57 250312 0042"
    assert text[by_type["date"].start : by_type["date"].end] == "hôm qua"
    for entity in result.entities:
        assert set(entity.model_dump()) == {"entity", "value", "start", "end", "confidence", "extractor", "role", "group"}
        assert 0 <= entity.confidence <= 1


def test_emergency_with_place_and_phone(model: NLUModel) -> None:
    text = "cứu với nhà ở P. Vĩnh Ninh ngập rồi, gọi 0914 555 777"
    result = model.parse(text)
    assert result.intent_ranking[0].name == "emergency"
    found = {(e.entity, text[e.start : e.end], e.value) for e in result.entities}
    assert ("location", "P. Vĩnh Ninh", "phường Vĩnh Ninh") in found
    assert ("phone_number", "0914 555 777", "0914555777") in found


def test_crf_learns_procedures_and_synonyms(model: NLUModel) -> None:
    result = model.parse("làm khai sinh cần giấy tờ gì")
    procedures = [e for e in result.entities if e.entity == "procedure"]
    assert [(p.value, p.extractor) for p in procedures] == [("đăng ký khai sinh", "crf")]


def test_fallback_keeps_best_guess_first(model: NLUModel) -> None:
    model_copy = NLUModel.__new__(NLUModel)
    model_copy.__dict__.update(model.__dict__, fallback_threshold=1.01)
    result = model_copy.parse("chào em")
    assert result.intent.name == FALLBACK_INTENT
    assert result.intent.confidence == result.intent_ranking[0].confidence > 0
    assert result.intent_ranking[0].name == "greet"


def test_choose_threshold() -> None:
    import numpy as np

    confidences = np.array([0.9, 0.8, 0.7, 0.4, 0.35, 0.3])
    correct = np.array([True, True, True, False, False, True])
    assert choose_threshold(confidences, correct) == pytest.approx(0.7)
    assert choose_threshold(confidences, np.ones(6, bool)) == 0.0
    # A wrong intent kept costs two right ones sent to the fallback: one error at 0.8 outweighs the
    # two right answers below it (at a cost of one, keeping everything would win).
    assert choose_threshold(np.array([0.9, 0.8, 0.7, 0.6]), np.array([True, False, True, True])) == pytest.approx(0.9)


@pytest.mark.parametrize("text", ["", "   \n\t", "😀😀🎉", "x" * 10_000, "Huế 顺化 Хюэ مرحبا ok", "\u0301\u0301", "[]{}()"])
def test_bad_input_never_raises(model: NLUModel, text: str) -> None:
    result = model.parse(text)
    assert result.text == text
    if not text.strip():
        assert result.intent.model_dump() == {"name": FALLBACK_INTENT, "confidence": 0.0} and result.entities == []
    for entity in result.entities:
        assert 0 <= entity.start < entity.end <= len(text)


def test_long_text_offsets(model: NLUModel) -> None:
    text = "ngập lắm " * 1000 + "ở phường Kim Long số 0914 123 456"
    entities = model.parse(text).entities
    assert {text[e.start : e.end] for e in entities} >= {"phường Kim Long", "0914 123 456"}


def test_non_string_is_a_value_error(model: NLUModel) -> None:
    with pytest.raises(ValueError, match="expected a str"):
        model.parse(None)  # type: ignore[arg-type]


def test_parse_many_equals_parse(model: NLUModel) -> None:
    texts = ["chào em", "", "hồ sơ tuần trước có kết quả chưa"]
    assert model.parse_many(texts) == [model.parse(t) for t in texts]


def test_save_load_round_trip(model: NLUModel, data: TrainingData, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["format"] == "hueai-nlu" and meta["format_version"] == 2
    assert meta["builtin_entities"] == ["application_code", "date", "location", "phone_number"]
    assert meta["intents"] == ["ask_documents", "check_status", "emergency", "greet"]
    assert {"application_code", "date", "location", "phone_number", "procedure"} <= set(meta["entity_types"])
    assert meta["data_hash"] == data.content_hash() and meta["seed"] == 7
    assert 0 <= meta["metrics"]["cv_accuracy"] <= 1 and "cv_macro_f1" in meta["metrics"]
    assert meta["libraries"]["scikit-learn"] and meta["created_at"]
    loaded = NLUModel.load(tmp_path / "m")
    texts = [e.text for e in data.examples] + ["cứu với ở xa phu vang", "ko biết nữa"]
    assert loaded.parse_many(texts) == model.parse_many(texts)


def test_a_loaded_model_keeps_no_temporary_file(model: NLUModel, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A process stopped by a signal (a server, the callbot) must leave nothing behind in the temporary folder."""
    model.save(tmp_path / "m")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    loaded = NLUModel.load(tmp_path / "m")
    assert loaded.parse("hồ sơ tuần trước có kết quả chưa") == model.parse("hồ sơ tuần trước có kết quả chưa")
    assert list(scratch.iterdir()) == []


def test_load_refuses_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        NLUModel.load(tmp_path / "missing")
    (tmp_path / "a").mkdir()
    with pytest.raises(ModelFormatError, match="not an NLU model"):
        NLUModel.load(tmp_path / "a")
    (tmp_path / "a" / "model.json").write_text('{"format": "rasa"}', encoding="utf-8")
    with pytest.raises(ModelFormatError, match="unknown model format"):
        NLUModel.load(tmp_path / "a")
    (tmp_path / "a" / "model.json").write_text('{"format": "hueai-nlu", "format_version": 99}', encoding="utf-8")
    with pytest.raises(ModelFormatError, match="version 99"):
        NLUModel.load(tmp_path / "a")


def test_deterministic_for_a_seed(model: NLUModel, data: TrainingData) -> None:
    again = NLUModel(seed=7).fit(data)
    texts = ["chào em", "hồ sơ tuần trước có kết quả chưa", "cháy ở chợ Đông Ba"]
    assert again.parse_many(texts) == model.parse_many(texts)
    assert again.fallback_threshold == model.fallback_threshold and again.metrics == model.metrics


def test_too_few_examples(data: TrainingData) -> None:
    one_intent = TrainingData([e for e in data.examples if e.intent == "greet"])
    with pytest.raises(ValueError, match="at least 2 intents"):
        NLUModel().fit(one_intent)
    # Rare intents train, as in Rasa: left out of the cross-validation, repeated for the final model.
    tiny = TrainingData([e for e in data.examples if e.intent != "greet"][:8] + data.examples[-2:])
    model = NLUModel(seed=7).fit(tiny)
    assert set(model.intents) == {e.intent for e in tiny.examples}
    rare = model.parse(data.examples[-1].text).intent_ranking[0].name
    assert rare == data.examples[-1].intent


def test_trains_on_many_intents_and_entity_types() -> None:
    data = synthetic(240, 12, 30)
    model = NLUModel(seed=1, crf_max_iterations=30).fit(data)
    assert model.intents == sorted({e.intent for e in data.examples})
    assert model.metrics["cv_accuracy"] > 0.5
    result = model.parse(data.examples[0].text)
    assert result.intent_ranking[0].name == "intent_0"
    assert {e.entity for e in result.entities} <= set(model.entity_types)


def test_compiled_intent_scorer_equals_the_sklearn_pipeline(data: TrainingData) -> None:
    model = NLUModel(seed=13).fit(data)
    texts = [e.text for e in data.examples] + ["", "câu hỏi hoàn toàn mới 😀", "x" * 500]
    classifier = model.classifier
    assert classifier is not None
    expected = classifier.pipeline_.predict_proba(texts)
    assert np.allclose(classifier.predict_proba(texts), expected, atol=1e-12)
