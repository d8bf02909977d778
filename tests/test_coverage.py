"""Coverage features: what of a question a procedure accounts for, and what of its name the question names."""

from __future__ import annotations

import pytest

from knowledge.index.analysis import analyze
from knowledge.index.coverage import content_terms, is_context
from knowledge.index.hybrid import KnowledgeIndex
from knowledge.index.query import place_syllables


def terms(text: str) -> set[str]:
    return {t for t, _ in content_terms(text)}


def test_question_words_and_numbers_are_not_content() -> None:
    assert terms("cho em hỏi làm giấy khai sinh ở đâu 2 ngày") == {"khai", "sinh", "khai_sinh"}


def test_marks_decide_between_filler_and_content() -> None:
    # "hồ sơ" is a question word, "sổ đỏ" is content. Unaccented, "so" is taken for the
    # question word: the index restores the marks of unaccented questions before this.
    assert "sổ" in terms("mất sổ đỏ") and "sơ" not in terms("nộp hồ sơ")
    assert content_terms("mat so do") == [("do", "unaccented")]


def test_greetings_and_addressing_the_assistant_are_not_content() -> None:
    # A hotline transcript opens with "alo", a chat message calls the page's admin "ad":
    # occurring in no record, they would weigh as the rarest word of the question.
    assert terms("alo ad ơi à cho em hỏi ai làm khai sinh, tốn bao nhiêu") == {"khai", "sinh", "khai_sinh"}


def test_story_words_with_marks_only() -> None:
    # "chục", "hắn" and "nó" are story words; "chuc", "han" and "no" are content (tổ chức, gia hạn, ghi nợ).
    assert all(is_context(word, "accented") for word in ("chục", "hắn", "nó"))
    assert not any(is_context(word, "unaccented") for word in ("chuc", "han", "no"))


@pytest.mark.parametrize(("term", "form", "expected"), [
    ("bà", "accented", True), ("tuần_trước", "accented", True), ("muoi_bon", "unaccented", True),
    ("phường", "accented", True), ("hộ_chiếu", "accented", False), ("lăm_tuổi", "accented", True), ("khai_tử", "accented", False),
])
def test_story_words_are_context(term: str, form: str, expected: bool) -> None:
    assert is_context(term, form) is expected


def _features(index: KnowledgeIndex, question: str, name: str, story: frozenset = frozenset()) -> dict[str, float]:
    doc = next(i for i, d in enumerate(index.docs) if d["name"].lower() == name)
    return index.coverage.features(content_terms(question), doc, set(analyze(question).unaccented), story)


def test_story_words_cost_little_coverage(kb_index: KnowledgeIndex) -> None:
    plain = _features(kb_index, "làm hộ chiếu", "cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)")
    story = _features(kb_index, "ờ bà nội tui năm ni tám mươi mốt muốn làm hộ chiếu",
                      "cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)")
    off_topic = _features(kb_index, "ờ quán bún bò karaoke đá bóng muốn làm hộ chiếu",
                          "cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)")
    assert plain["coverage"] == pytest.approx(1.0)
    assert story["coverage"] > 2 * off_topic["coverage"]


def test_places_the_question_names_are_found_in_both_forms() -> None:
    places = place_syllables("tôi ở phường Phú Xuân, đường Lê Lợi, muốn làm hộ chiếu")
    assert {("phú", "accented"), ("phu", "unaccented"), ("xuân", "accented"), ("lợi", "accented")} <= places
    assert not {term for term, _ in places} & {"tôi", "phường", "đường", "muốn", "hộ", "chiếu"}
    assert place_syllables("làm hộ chiếu ở đâu") == frozenset()
    # A landmark may be what the question is about: a boat on the river, a stall in the market.
    assert place_syllables("đăng ký thuyền chở khách trên sông Hương, gần chợ Đông Ba") == frozenset()


def test_huế_places_are_story_not_content(kb_index: KnowledgeIndex) -> None:
    # No record of the national base names a ward of Huế: read as content, "Phú Xuân"
    # would be the rarest and heaviest thing the question asks about.
    name = "cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"
    question = "tôi ở phường Phú Xuân muốn làm hộ chiếu"
    as_content = _features(kb_index, question, name)
    as_story = _features(kb_index, question, name, place_syllables(question))
    assert as_story["coverage"] > 1.5 * as_content["coverage"]


def test_a_qualifier_that_names_other_procedures_lowers_coverage(kb_index: KnowledgeIndex) -> None:
    name = "cấp lại giấy phép lái xe"
    same = _features(kb_index, "cấp lại giấy phép lái xe", name)
    other = _features(kb_index, "cấp giấy phép lái xe quốc tế", name)
    assert same["name_vocabulary_coverage"] == pytest.approx(1.0)
    assert other["name_vocabulary_coverage"] < 0.85


def test_name_coverage_reads_the_procedure_side(kb_index: KnowledgeIndex) -> None:
    name = "cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"
    full = _features(kb_index, "cấp hộ chiếu phổ thông ở trong nước", name)
    part = _features(kb_index, "hộ chiếu", name)
    assert full["name_coverage"] == pytest.approx(1.0)
    assert 0 < part["name_coverage"] < full["name_coverage"]


def test_name_phrase_coverage_asks_for_the_name_s_words_side_by_side(kb_index: KnowledgeIndex) -> None:
    name = "thủ tục thông báo về việc tự quyết định chấm dứt hoạt động dự án của nhà đầu tư"
    # A notary office closing: most of the name's syllables are in it, scattered ("dự định", "giải quyết").
    notary = _features(kb_index, "văn phòng công chứng của chúng tôi dự định tự chấm dứt hoạt động, "
                                 "xin hỏi thời hạn giải quyết", name)
    investor = _features(kb_index, "nhà đầu tư tự quyết định chấm dứt hoạt động dự án", name)
    assert notary["name_coverage"] > 0.6
    assert notary["name_phrase_coverage"] < 0.3 < 0.6 < investor["name_phrase_coverage"]
