"""Ages in questions and age limits in procedure names: "15 tuổi" is not "dưới 14 tuổi"."""

import pytest

from knowledge.eligibility import age_range, excludes
from knowledge.index.hybrid import KnowledgeIndex
from nlu.text import stated_ages


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("con tôi 15 tuổi rồi", [15]),
        ("e 15t r mà chưa có cccd", [15]),
        ("dạ con em đủ mười bốn tuổi rồi", [14]),
        ("tui năm nay năm mươi lăm tuổi", [55]),  # "năm nay" is the year, not five
        ("mẹ em tám mươi lăm tuổi", [85]),
        ("con tôi được 2 tháng tuổi", [0]),
        ("bé mới hai tháng tuổi", [0]),
        ("trẻ em dưới 14 tuổi", [13]),
        ("người trên 80 tuổi", [81]),
        ("bố 40 tuổi, con 3 tuổi", [40, 3]),
        ("người cao tuổi", []),
        ("phí 2tr một lần", []),
        ("năm 2025", []),
    ],
)
def test_stated_ages(text: str, ages: list[int]) -> None:
    assert stated_ages(text) == ages


def test_age_range_from_the_name() -> None:
    assert age_range("Cấp thẻ căn cước cho người dưới 14 tuổi (thực hiện tại cấp tỉnh)") == (0, 13)
    assert age_range("Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên") == (14, 150)
    assert age_range("Thủ tục đăng ký khai sinh") is None


def test_excludes_only_when_no_stated_age_fits() -> None:
    assert excludes((0, 13), [15])
    assert not excludes((0, 13), [40, 6])  # a parent's age beside the child's
    assert not excludes((0, 13), [])
    assert not excludes(None, [15])


UNDER_14, FROM_14 = {"1.014062", "1.012549"}, {"1.014061", "2.000200"}


@pytest.mark.parametrize(
    ("question", "fits", "ruled_out"),
    [
        ("con tôi 15 tuổi rồi, dẫn đi làm căn cước lần đầu thì cần mang gì?", FROM_14, UNDER_14),
        ("con tui năm ni mười lăm tuổi dắt đi làm căn cước thì mang theo chi", FROM_14, UNDER_14),
        ("làm cccd cho bé 5t đc k, cần j", UNDER_14, FROM_14),
    ],
)
def test_procedures_for_another_age_go_last(kb_index: KnowledgeIndex, question: str, fits: set[str],
                                            ruled_out: set[str]) -> None:
    codes = [hit.code for hit in kb_index.search(question, k=10, gate=False).results]
    first_fit = min(codes.index(c) for c in fits if c in codes)
    assert all(codes.index(c) > first_fit for c in ruled_out if c in codes)
    assert codes[0] not in ruled_out
