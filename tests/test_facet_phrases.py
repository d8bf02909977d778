"""The search reads a question without the phrases that ask for a facet (knowledge/index/facet_phrases.py)."""

from __future__ import annotations

import pytest

from knowledge.aliases import AliasTable
from knowledge.index.facet_phrases import without_facet_phrases
from knowledge.index.query import Query
from nlu.text import NgramRestorer


@pytest.mark.parametrize("text, expected", [
    ("Đăng ký khai sinh cho con cần chuẩn bị hồ sơ gì ạ?", "Đăng ký khai sinh cho con"),
    # Found in the expansion ("hs j" is "hồ sơ gì"), cut from the words as typed.
    ("e mún đk khai sinh cho con thì cần hs j ạ", "e mún đk khai sinh cho con"),
    ("Thành lập công ty TNHH một thành viên cần những gì?", "Thành lập công ty TNHH một thành viên"),
    ("dang ky tam tru o dau", "dang ky tam tru"),
    ("cấp lại thẻ căn cước nộp ở đâu", "cấp lại thẻ căn cước"),
    ("làm sổ đỏ mất bao nhiêu tiền", "làm sổ đỏ"),
    ("Cấp lại GPLX mất bao lâu?", "Cấp lại GPLX"),
    ("nộp online được không?", "nộp online được không?"),  # nothing would be left
    ("phí bao nhiêu", "phí bao nhiêu"),
    # "tiền" of what the procedure is about stays: a criminal record.
    ("xin giấy không tiền án để đi làm", "xin giấy không tiền án để đi làm"),
    ("", ""),
])
def test_facet_phrases_are_cut_from_the_words_as_typed(text: str, expected: str) -> None:
    assert without_facet_phrases(text) == expected


def test_a_restored_question_is_cut_where_it_was_typed_without_marks() -> None:
    # The restorer may mark "gi" as "gì" or not: the phrase is matched without marks either way.
    assert without_facet_phrases("đăng ký tạm trú cần giấy tờ gi", typed_without_marks=True) == "đăng ký tạm trú"


def test_the_query_ranks_the_procedure_words_and_keeps_the_whole_restored_text() -> None:
    restorer = NgramRestorer().fit(["đăng ký tạm trú cần giấy tờ gì", "tạm trú"])
    query = Query.parse("dang ky tam tru can giay to gi", aliases=AliasTable.load(), restorer=restorer)
    assert query.restored == "đăng ký tạm trú cần giấy tờ gì"
    assert query.normalized == "đăng ký tạm trú"
    assert "gì" not in query.terms.accented
