"""Tests for abbreviation / teencode expansion."""

import unicodedata

import pytest

from nlu.text import expand_abbreviations, load_abbreviations
from nlu.text.abbreviations import DEFAULT_ABBREVIATIONS_PATH


def test_data_file_loads_and_is_large_enough() -> None:
    table = load_abbreviations()
    assert len(table) >= 80
    for key in ["ko", "k", "hok", "hông", "khg", "kh", "dc", "đc", "dk", "đk", "j", "ntn", "cccd", "cmnd",
                "gplx", "sdt", "sđt", "hs", "ubnd", "tthc", "bhyt", "bhxh", "gcn", "qsdđ", "qsdd", "mn", "vs",
                "r", "bn", "bnh", "mk", "mik", "ak", "ah", "ns", "đt", "dt", "tp", "p.", "x."]:
        assert key in table, key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ko dc", "không được"),
        ("đk khai sinh", "đăng ký khai sinh"),
        ("dky kết hôn", "đăng ký kết hôn"),
        ("làm cccd ntn", "làm căn cước công dân như thế nào"),
        ("Mik hỏi sđt UBND p.Vĩnh Ninh", "Mình hỏi số điện thoại Ủy ban nhân dân phường Vĩnh Ninh"),
        ("gcn qsdđ", "giấy chứng nhận quyền sử dụng đất"),
        ("nhà nc có hỗ trợ j ko", "nhà nước có hỗ trợ gì không"),  # to the hotline "nc" is "nước", not "nói chuyện"
        ("kết hôn vs ng nc ngoài", "kết hôn với người nước ngoài"),
        ("KO BIẾT", "Không BIẾT"),
        ("hok, hông; khg!", "không, không; không!"),
        ("hs j, bn tiền r", "hồ sơ gì, bao nhiêu tiền rồi"),
        ("cty mún tạm ngừng kd", "công ty muốn tạm ngừng kinh doanh"),
        ("có làm onl đc k", "có làm online được không"),
        ("xin gp pccc cho vp", "xin giấy phép phòng cháy chữa cháy cho văn phòng"),
        ("chuyển dntn thành cty tnhh", "chuyển doanh nghiệp tư nhân thành công ty trách nhiệm hữu hạn"),
        # Phrase keys: "đk" and "hđ" read by their neighbours, "cn" only where one settles it.
        ("giấy cn đủ đk hđ kiểm định", "giấy chứng nhận đủ điều kiện hoạt động kiểm định"),
        ("đk hđ văn phòng", "đăng ký hoạt động văn phòng"),  # 51 procedure names say it; none "đăng ký hợp đồng"
        ("ký hđ lđ", "ký hợp đồng lao động"),
        ("xe có gp hđ mà ko sd nữa", "xe có giấy phép hoạt động mà không sử dụng nữa"),
        ("cty xnk nộp dư thuế nk, hq bảo tbáo", "công ty xuất nhập khẩu nộp dư thuế nhập khẩu, hải quan bảo thông báo"),
        ("thi thẻ hdv tốn nhiu tiền, bao nhiu ngày", "thi thẻ hướng dẫn viên tốn nhiêu tiền, bao nhiêu ngày"),
        ("tks nhiu", "cảm ơn nhiu"),
        # An accountant's: "tk" is the return before a tax or customs word, the account elsewhere.
        ("nộp tk thuế tndn qua hđđt, tk hq của ctcp", "nộp tờ khai thuế thu nhập doanh nghiệp qua hóa đơn điện tử, "
         "tờ khai hải quan của công ty cổ phần"),
        ("mở tk ngân hàng cho vpđd", "mở tài khoản ngân hàng cho văn phòng đại diện"),
        ("mất cchn xây dựng", "mất chứng chỉ hành nghề xây dựng"),
        ("Giấy CN đủ ĐK kd", "Giấy chứng nhận đủ điều kiện kinh doanh"),
        ("du  dk hd", "đủ điều kiện hoạt động"),
        ("tổ chức KH&CN bên e", "tổ chức Khoa học và công nghệ bên e"),
        ("Sở TN & MT", "Sở Tài nguyên và môi trường"),
        ("đủ đk.", "đủ điều kiện."),
    ],
)
def test_expansions(text: str, expected: str) -> None:
    assert expand_abbreviations(text) == expected


@pytest.mark.parametrize(
    "text",
    ["kong", "kokoro", "kho khăn", "k@gmail.com", "dichvucong.gov.vn", "giá 50 k", "ko_ko", "http://x.vn/k", "ak47",
     "KH&X", "x&k", "đủ đk@x.vn", "cn"],
)
def test_whole_tokens_only(text: str) -> None:
    assert expand_abbreviations(text) == text


def test_decomposed_and_tone_style_insensitive() -> None:
    expanded = expand_abbreviations(unicodedata.normalize("NFD", "hông biết"))
    assert unicodedata.normalize("NFC", expanded) == "không biết"  # the rest is left as typed (NFD)
    assert expand_abbreviations("ĐC") == "Được"


def test_custom_table_and_bad_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert expand_abbreviations("xyz abc", {"xyz": "ích"}) == "ích abc"
    bad = tmp_path / "bad.tsv"
    bad.write_text("ko\tkhông\nko\tkhông nữa\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_abbreviations(bad)
    bad.write_text("ko không\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected"):
        load_abbreviations(bad)
    assert DEFAULT_ABBREVIATIONS_PATH.exists()


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "k" * 10_000, "🏯 k 顺化 Хюэ ko"])
def test_bad_input(text: str) -> None:
    expand_abbreviations(text)
