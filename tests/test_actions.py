"""Marked actions of procedure names ("cấp lại", "dừng", "gia hạn"...) and whether a question asks for them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.index.actions import (ACTION_CUES, Asked, asked_actions, for_organisations, name_actions,
                                    unasked_actions, unasked_applicant)

BUSINESS = "Đăng ký thành lập hộ kinh doanh"
STOP = "Dừng thực hiện thủ tục đăng ký hộ kinh doanh"
REISSUE = "Cấp lại giấy phép lái xe"


def test_a_plain_question_does_not_ask_for_a_marked_action() -> None:
    question = "làm sao để đăng ký hộ kinh doanh cá thể ở huế"
    assert unasked_actions(STOP, Asked(question))
    assert not unasked_actions(BUSINESS, Asked(question))  # no marked action to ask for


@pytest.mark.parametrize("question", [
    "mất bằng lái xe làm lại thế nào",
    "mat bang lai xe roi thi sao",  # typed without marks
    "cấp lại giấy phép lái xe ở đâu",
    "bằng lái bị rách thì đi đâu",
])
def test_what_citizens_say_instead_of_the_action_is_a_cue(question: str) -> None:
    assert not unasked_actions(REISSUE, Asked(question))


def test_one_cue_covers_a_name_that_joins_several_actions() -> None:
    name = "Cấp gia hạn, điều chỉnh nội dung giấy phép cho các hoạt động trong phạm vi bảo vệ công trình thủy lợi"
    assert len(name_actions(name)) == 2
    assert not unasked_actions(name, Asked("giấy phép sắp hết hạn rồi muốn làm tiếp"))
    assert unasked_actions(name, Asked("xin giấy phép hoạt động trong phạm vi công trình thủy lợi"))


@pytest.mark.parametrize(("question", "name"), [
    ("mỏ cát của tui già rồi muốn sang lại cho công ty khác", "Chuyển nhượng quyền khai thác khoáng sản (cấp Tỉnh)"),
    ("hàng bị bão lũ, không đủ tiền, xin nộp chậm thuế được không", "Thủ tục gia hạn nộp thuế"),
    ("thủy điện bị lũ quét, xin bớt tiền dịch vụ môi trường rừng", "Miễn, giảm tiền dịch vụ môi trường rừng"),
    ("cửa hàng muốn ngưng bán hàng hoàn thuế cho khách", "Thủ tục đăng ký điều chỉnh, chấm dứt việc bán hàng hoàn thuế"),
])
def test_the_action_a_question_asks_for_is_read_in_its_own_words(question: str, name: str) -> None:
    assert asked_actions(name, Asked(question)) and not unasked_actions(name, Asked(question))
    assert not asked_actions("Cấp giấy phép khai thác khoáng sản (cấp Tỉnh)", Asked(question))  # no marked action


def test_actions_are_whole_words() -> None:
    assert name_actions("Thôi quốc tịch Việt Nam") and not name_actions("Thông báo lưu trú")
    assert not name_actions("Đăng ký thường trú")


@given(st.text(max_size=300), st.sampled_from([BUSINESS, STOP, REISSUE, *ACTION_CUES]))
def test_any_question_is_read(question: str, name: str) -> None:
    assert unasked_actions(name, Asked(question)) in (True, False)
    assert asked_actions(name, Asked(question)) in (True, False)


def test_a_procedure_for_organisations_needs_a_sign_of_one() -> None:
    name = "Cấp tài khoản định danh điện tử cho cơ quan, tổ chức"
    assert unasked_applicant(name, Asked("đk tài khoản định danh điện tử mức 2 cần mang j"))
    assert not unasked_applicant(name, Asked("công ty em muốn cấp tài khoản định danh điện tử"))
    assert not unasked_applicant(name, Asked("cty e mun lam tai khoan dinh danh"))  # typed without marks
    # Organisations and people alike: no applicant to ask for.
    assert not for_organisations("Thủ tục cấp giấy phép cho tổ chức, cá nhân khai thác nước dưới đất")
    assert not unasked_applicant("Đăng ký thường trú", Asked("đăng ký thường trú cho con"))
    # Asked for by an agency: the citizens it names are whom the record is about.
    requested = ("Cấp Phiếu lý lịch tư pháp theo yêu cầu của cơ quan tiến hành tố tụng (đối tượng là công dân Việt "
                 "Nam, người nước ngoài đang cư trú tại Việt Nam)")
    assert unasked_applicant(requested, Asked("làm lý lịch tư pháp online được không"))
    assert not unasked_applicant("Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
                                 "Việt Nam", Asked("làm lý lịch tư pháp online được không"))


def test_a_procedure_for_young_children_needs_a_sign_of_one() -> None:
    bundle = ("Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho "
              "trẻ em dưới 6 tuổi")
    assert unasked_applicant(bundle, Asked("dạ cho tui hỏi nhập hộ khẩu cho mạ tui thì cần giấy tờ chi rứa"))
    assert not unasked_applicant(bundle, Asked("con mới sinh thì làm giấy tờ gì"))
    assert not unasked_applicant(bundle, Asked("lam khai sinh cho be o dau"))  # typed without marks
    assert not unasked_applicant("Cấp thẻ căn cước cho người dưới 14 tuổi", Asked("làm căn cước cho cháu 10 tuổi"))
