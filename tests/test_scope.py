"""The scope model: does a question ask about something the base holds? Fitted, cross-fitted, saved with the index."""

from __future__ import annotations

from pathlib import Path

from core.storage import Database
from knowledge.index.hybrid import KnowledgeIndex
from knowledge.index.scope import ScopeModel
from knowledge.store import load_procedures
from training.kb_scope import FoldedScope, train_scope

HELD = ["đăng ký khai sinh cho con", "làm lại căn cước bị mất", "đăng ký kết hôn ở phường", "sang tên sổ đỏ",
        "đăng ký thường trú cho con", "xin giấy phép xây dựng nhà ở"]
NOT_HELD = ["chuyển trường cho con lên lớp 6", "đăng ký tiêm chủng cho bé", "xin học bổng đại học",
            "mắc điện kế mới cho nhà", "lắp internet cáp quang", "khám sức khỏe xin việc ở bệnh viện"]


def test_it_tells_what_the_base_holds_from_what_it_does_not() -> None:
    scope = ScopeModel().fit(HELD + NOT_HELD, [True] * len(HELD) + [False] * len(NOT_HELD))
    assert scope.probability("cho hỏi đăng ký khai sinh cho bé") > scope.probability("chuyển trường cho bé")
    # typed without marks, it reads the same
    assert abs(scope.probability("dang ky khai sinh cho con") - scope.probability("đăng ký khai sinh cho con")) < 1e-9


def test_it_round_trips_through_its_file(tmp_path: Path) -> None:
    scope = ScopeModel(seed=7).fit(HELD + NOT_HELD, [True] * len(HELD) + [False] * len(NOT_HELD))
    scope.save(tmp_path)
    again = ScopeModel.load(tmp_path)
    assert again.seed == 7
    assert again.probabilities(HELD) == scope.probabilities(HELD)


def test_each_calibration_question_is_read_by_a_model_that_did_not_learn_from_it(kb_db: Database) -> None:
    calibration = ([{"text": t, "expected": ["1.001193"]} for t in HELD * 2]
                   + [{"text": t, "expected": []} for t in NOT_HELD * 2])
    calibration = [{**q, "text": f"{q['text']} {i}"} for i, q in enumerate(calibration)]  # distinct texts
    procedures = load_procedures(kb_db)[:50]
    served, folded = train_scope(procedures, calibration, [{"text": "đăng ký nghĩa vụ quân sự"}])
    assert isinstance(folded, FoldedScope) and folded.default is served
    assert set(folded.by_text) == {q["text"] for q in calibration}
    assert len({id(model) for model in folded.by_text.values()}) == 5 and served not in folded.by_text.values()
    assert folded.probability("câu hỏi khác") == served.probability("câu hỏi khác")


def test_the_index_reads_it_as_the_in_scope_feature_and_saves_it(kb_index: KnowledgeIndex, tmp_path: Path) -> None:
    assert kb_index.rank("đăng ký khai sinh").features["in_scope"] == 0.0  # no scope model: a constant
    scope = ScopeModel().fit(HELD + NOT_HELD, [True] * len(HELD) + [False] * len(NOT_HELD))
    index = kb_index.replace(scope=scope)
    assert index.rank("đăng ký khai sinh").features["in_scope"] == scope.probability("đăng ký khai sinh")
    index.save(tmp_path / "index")
    loaded = KnowledgeIndex.load(tmp_path / "index")
    assert loaded.rank("đăng ký khai sinh").features["in_scope"] == scope.probability("đăng ký khai sinh")
