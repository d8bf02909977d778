"""The confidence model: fitted on labelled questions, saved with the index."""

from __future__ import annotations

import copy

from knowledge.index.confidence import FEATURES, ConfidenceModel
from knowledge.index.hybrid import KnowledgeIndex
from training.kb_confidence import fit_confidence

ANSWERABLE = [
    ("đăng ký khai sinh cho con", ["1.001193"]),
    ("dang ky thuong tru", ["1.004222"]),
    ("đăng ký kết hôn có yếu tố nước ngoài", ["2.000806"]),
    ("thủ tục đăng ký khai tử", ["1.000656"]),
    ("đăng ký tạm trú", ["1.004194"]),
    ("cấp lại thẻ căn cước", ["1.014064", "2.001194"]),
    ("chứng thực bản sao từ bản chính", ["2.000815"]),
    ("xác nhận tình trạng hôn nhân", ["1.004873"]),
]
UNANSWERABLE = [
    "tối nay đá bóng mấy giờ",
    "giá vàng hôm nay bao nhiêu",
    "quán bún bò nào ngon ở huế",
    "xe buýt số 12 chạy mấy giờ",
    "thời tiết ngày mai có mưa không",
    "em là người thật hả",
    "mua sim số đẹp ở đâu",
    "cho tôi số điện thoại taxi",
]


def questions() -> list[dict]:
    return [{"text": t, "expected": e} for t, e in ANSWERABLE] + [{"text": t, "expected": []} for t in UNANSWERABLE]


def test_fitted_model_separates_answerable_from_unanswerable(kb_index: KnowledgeIndex) -> None:
    model = fit_confidence(kb_index, questions())
    assert set(model.weights) == set(FEATURES)
    assert 0 < model.threshold < 1
    assert model.fitted_on["questions"] == len(ANSWERABLE) + len(UNANSWERABLE)
    index = copy.copy(kb_index)
    index.confidence = model
    answered = sum(bool(index.search(t).hits) for t, _ in ANSWERABLE)
    refused = sum(not index.search(t).hits for t in UNANSWERABLE)
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
