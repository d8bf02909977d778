"""What a question rules out ("chớ không phải giấy tận thu") and the procedures named for it going last."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.index.hybrid import KnowledgeIndex
from knowledge.index.negation import Negation, negated_phrases


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("có giấy phép khai thác chớ không phải giấy tận thu, giờ muốn bán lại", ("giay tan thu",)),
        ("co giay phep khai thac cho khong phai giay tan thu dang khai thac", ("giay tan thu",)),
        ("mỏ cát ờ không phải mỏ đá ở phong điền", ("mo da",)),
        ("hàng trồng hữu cơ chứ không phải VietGAP thì muốn được công nhận", ("vietgap",)),
        ("KHÔNG PHẢI LÀ xe máy mà là ô tô", ("xe may",)),
        ("giấy liên vận cho công ty, không phải giấy liên vận từng xe", ("giay lien van tung",)),
        # Where a project is: outside the industrial zones is not a matter for their board.
        ("dự án nằm ngoài các khu công nghiệp, khu kinh tế thì xin chủ trương ở đâu", ("khu cong nghiep",)),
        ("du an khong nam trong khu cong nghiep thi nop o dau", ("khu cong nghiep",)),
        # A bare "ngoài" is "besides" or "foreign": nothing ruled out.
        ("ngoài giấy phép xây dựng còn cần gì", ()),
        ("công ty nước ngoài mở văn phòng đại diện", ()),
        # "không phải" before a verb is "need not", and a question's "có phải … không" asks: nothing ruled out.
        ("có phải xin phép không", ()),
        ("không phải xin phép thì làm sao", ()),
        ("không phải cấp giấy phép mới, chỉ đổi thôi", ()),
        ("khong phai qua dao tao nghe", ()),
        ("không phải tui là giám đốc", ()),
        ("", ()),
    ],
)
def test_negated_phrases(text: str, phrases: tuple[str, ...]) -> None:
    assert negated_phrases(text) == phrases


def test_a_name_is_ruled_out_by_the_words_after_the_opening_noun() -> None:
    question = "có giấy phép khai thác chớ không phải giấy tận thu"
    negation = Negation.read(question)
    assert negation.rules_out("Chuyển nhượng quyền khai thác tận thu khoáng sản")
    assert not negation.rules_out("Chuyển nhượng quyền khai thác khoáng sản (cấp Tỉnh)")
    # One syllable alone ("đá" of "mỏ đá") is too short to rule a name out.
    question = "mỏ cát ờ không phải mỏ đá"
    assert not Negation.read(question).rules_out("Cấp giấy phép khai thác đá làm vật liệu xây dựng")


def test_a_name_that_says_it_is_not_that_either_agrees_with_the_question() -> None:
    question = "người dịch giấy tờ cho tôi không phải là cộng tác viên dịch thuật của phường, chứng thực ở đâu"
    negation = Negation.read(question)
    assert negation.phrases == ("cong tac vien dich",)
    assert not negation.rules_out("Chứng thực chữ ký người dịch mà người dịch không phải là cộng tác viên dịch "
                                  "thuật của Ủy ban nhân dân cấp xã, tổ chức hành nghề công chứng")
    assert negation.rules_out("Chứng thực chữ ký người dịch mà người dịch là cộng tác viên dịch thuật của Ủy ban "
                              "nhân dân cấp xã")


def test_what_the_question_also_asks_for_is_not_ruled_out() -> None:
    question = "không phải giấy tận thu cũ mà xin giấy tận thu mới"
    assert not Negation.read(question).rules_out("Cấp giấy phép khai thác tận thu khoáng sản")


@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    phrases = negated_phrases(text)
    assert phrases == negated_phrases(text)
    assert all(phrase and len(phrase.split()) <= 4 for phrase in phrases)
    Negation.read(text).rules_out("Cấp giấy phép khai thác tận thu khoáng sản")


def test_procedures_named_for_what_the_caller_ruled_out_go_last(kb_index: KnowledgeIndex) -> None:
    question = ("công ty tui có cái mỏ đá có giấy phép khai thác chớ không phải giấy tận thu "
                "giờ muốn chuyển nhượng quyền khai thác cho công ty khác thì làm thủ tục chi")
    unruled = kb_index.search(question.replace("chớ không phải giấy tận thu ", ""), k=10, gate=False).results
    assert any("tận thu" in hit.name for hit in unruled[:5])  # without the correction they come first
    names = [hit.name for hit in kb_index.search(question, k=10, gate=False).results]
    salvage = [i for i, name in enumerate(names) if "tận thu" in name]
    assert salvage == list(range(len(names) - len(salvage), len(names))), names  # all of them after the others
