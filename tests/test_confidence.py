"""The confidence model: fitted on labelled questions, saved with the index."""

from __future__ import annotations

import copy

from knowledge.index.confidence import FEATURES, ConfidenceModel
from knowledge.index.hybrid import KnowledgeIndex
from training.kb_confidence import fit_confidence


def test_fitted_model_separates_answerable_from_unanswerable(kb_index: KnowledgeIndex,
                                                             kb_labelled_questions: list[dict]) -> None:
    model = fit_confidence(kb_index, kb_labelled_questions)
    assert set(model.weights) == set(FEATURES)
    assert 0 < model.threshold < 1
    assert model.fitted_on["questions"] == len(kb_labelled_questions)
    index = copy.copy(kb_index)
    index.confidence = model
    answered = sum(bool(index.search(q["text"]).hits) for q in kb_labelled_questions if q["expected"])
    refused = sum(not index.search(q["text"]).hits for q in kb_labelled_questions if not q["expected"])
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
