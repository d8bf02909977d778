"""The confidence model: fitted on labelled questions, saved with the index."""

from __future__ import annotations

import dataclasses

from knowledge.index.confidence import FEATURES, ConfidenceModel
from knowledge.index.hybrid import KnowledgeIndex
from training.kb_confidence import RANKING_ONLY, fit_confidence


def test_fitted_model_separates_answerable_from_unanswerable(kb_index: KnowledgeIndex,
                                                             kb_labelled_questions: list[dict]) -> None:
    model = fit_confidence(kb_index, kb_labelled_questions)
    assert set(model.weights) == set(FEATURES)
    assert 0 < model.threshold < 1
    assert model.fitted_on["questions"] == len(kb_labelled_questions)
    index = kb_index.replace(confidence=model)
    answered = sum(bool(index.search(q["text"]).results) for q in kb_labelled_questions if q["expected"])
    refused = sum(not index.search(q["text"]).results for q in kb_labelled_questions if not q["expected"])
    assert answered >= 6 and refused >= 6


def test_model_round_trips_through_json() -> None:
    model = ConfidenceModel(weights={"coverage": 2.0, "margin": -1.0}, bias=0.3, means={"coverage": 0.5},
                            scales={"coverage": 0.2}, threshold=0.4, fitted_on={"questions": 3})
    again = ConfidenceModel.from_json(model.to_json())
    features = {"coverage": 0.7, "margin": 0.1}
    assert again.probability(features) == model.probability(features)
    assert 0.0 < model.probability({}) < 1.0


def test_coverage_rule_is_half_coverage() -> None:
    rule = ConfidenceModel.coverage_rule()
    assert rule.probability({"coverage": 0.6}) > rule.threshold > rule.probability({"coverage": 0.4})


def test_decide_answers_suggests_or_declines() -> None:
    model = ConfidenceModel(weights={}, bias=0.0, threshold=0.5, suggest_threshold=0.3)
    assert [model.decide(p) for p in (0.7, 0.5, 0.4, 0.3, 0.1)] == ["answer", "answer", "suggest", "suggest", "none"]
    assert ConfidenceModel(weights={}, bias=0.0, threshold=0.5).decide(0.4) == "none"


def test_fitted_suggestion_band_lies_below_the_threshold(kb_index: KnowledgeIndex,
                                                         kb_labelled_questions: list[dict]) -> None:
    model = fit_confidence(kb_index, kb_labelled_questions)
    assert model.suggest_threshold is not None and model.suggest_threshold <= model.threshold
    outcomes = model.fitted_on["cv"]
    assert outcomes["recall@5_answered_or_offered"] >= outcomes["recall@5_answered"]


def test_suggestions_come_back_instead_of_hits_between_the_thresholds(kb_index: KnowledgeIndex) -> None:
    question = "đăng ký khai sinh cho con"
    confidence = kb_index.search(question, gate=False).confidence
    model = dataclasses.replace(kb_index.confidence, threshold=confidence + 0.01, suggest_threshold=confidence - 0.01)
    index = kb_index.replace(confidence=model)
    response = index.search(question, k=3)
    assert response.results == [] and not response.confident
    assert 0 < len(response.suggestions) <= 3 and response.suggestions[0].code == "1.001193"
    assert response.model_dump()["suggestions"][0]["code"] == "1.001193"
    higher = kb_index.replace(confidence=dataclasses.replace(model, suggest_threshold=confidence + 0.005))
    assert higher.search(question).suggestions == []
    assert kb_index.confidence.threshold != model.threshold  # the original index is left as it was


def test_a_channel_threshold_applies_to_that_channel_only() -> None:
    model = ConfidenceModel(weights={}, bias=0.0, threshold=0.5, channel_thresholds={"voice": 0.3})
    assert model.decide(0.35, "voice") == "answer"
    assert model.decide(0.35) == model.decide(0.35, "web") == "none"
    assert model.threshold_for("voice") == 0.3 and model.threshold_for("zalo") == 0.5
    assert ConfidenceModel.from_json(model.to_json()).channel_thresholds == {"voice": 0.3}


def test_spoken_questions_fit_the_voice_threshold(kb_index: KnowledgeIndex,
                                                  kb_labelled_questions: list[dict]) -> None:
    styled = [{**q, "style": "spoken" if i % 2 else "formal"} for i, q in enumerate(kb_labelled_questions)]
    model = fit_confidence(kb_index, styled)
    assert 0 < model.channel_thresholds["voice"] < 1
    assert set(model.fitted_on["cv_by_channel"]) == {"voice"}
    assert fit_confidence(kb_index, kb_labelled_questions).channel_thresholds == {}  # no styles, no channel


def test_threshold_only_questions_move_the_threshold_not_the_weights(kb_index: KnowledgeIndex,
                                                                     kb_labelled_questions: list[dict]) -> None:
    """Near misses marked ``threshold_only`` are left out of the fit, and the thresholds count them: answerable
    questions marked so stand in for near misses the ranking answers with confidence."""
    plain = fit_confidence(kb_index, kb_labelled_questions)
    confident = [q for q in kb_labelled_questions if q["expected"]]
    near_misses = [{**q, "id": f"m{i}", "expected": [], "threshold_only": True} for i, q in enumerate(confident)]
    model = fit_confidence(kb_index, kb_labelled_questions + near_misses)
    assert model.weights == plain.weights and model.bias == plain.bias
    assert model.fitted_on["threshold_only"] == len(near_misses)
    assert model.threshold > plain.threshold


def test_ranking_only_questions_move_neither_the_weights_nor_the_thresholds(
        kb_index: KnowledgeIndex, kb_labelled_questions: list[dict]) -> None:
    """Questions marked ``ranking_only`` teach the encoder and the reranker, not the gate: even labelled
    as their opposite, they change nothing the confidence model holds but its count of them."""
    plain = fit_confidence(kb_index, kb_labelled_questions)
    flipped = [{**q, "id": f"w{i}", "expected": [] if q["expected"] else ["1.000001"], RANKING_ONLY: True}
               for i, q in enumerate(kb_labelled_questions)]
    model = fit_confidence(kb_index, kb_labelled_questions + flipped)
    assert model.weights == plain.weights and model.bias == plain.bias
    assert (model.threshold, model.suggest_threshold) == (plain.threshold, plain.suggest_threshold)
    assert model.fitted_on["ranking_only"] == len(flipped)
