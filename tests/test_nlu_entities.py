"""Entity extractors: codes and phones typed or read aloud, dates, places, synonyms, merging."""

from __future__ import annotations

import datetime as dt

import pytest

from nlu.entities import (
    Entity,
    LocationGazetteer,
    RegexEntityExtractor,
    SynonymMapper,
    bio_tags,
    merge_entities,
    prepare,
)
from nlu.training_data import parse_annotated

CODE = "000.00.21.H57-250312-0042"


@pytest.fixture(scope="module")
def regex() -> RegexEntityExtractor:
    return RegexEntityExtractor()


@pytest.fixture(scope="module")
def gazetteer() -> LocationGazetteer:
    return LocationGazetteer.default()


def found(extractor, text: str, entity: str, **kw) -> list[tuple[str, str]]:
    entities = extractor.extract(prepare(text), **kw) if hasattr(extractor, "extract") else extractor.find(prepare(text))
    return sorted({(text[e.start : e.end], e.value) for e in entities if e.entity == entity})


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        (f"hồ sơ {CODE} đến đâu rồi", CODE),
        ("ho so 000.00.21.h57 250312 0042 da xong chua", "000.00.21.h57 250312 0042"),
        ("mã 000.00.21.H57 - 250312 - 0042 nhé", "000.00.21.H57 - 250312 - 0042"),
        ("ma 0000021h572503120042", "0000021h572503120042"),
    ],
)
def test_application_code_typed(regex, text: str, surface: str) -> None:
    assert found(regex, text, "application_code") == [(surface, CODE)]


def test_application_code_read_aloud(regex) -> None:
    spoken = ("không không không chấm không không chấm hai mốt chấm hát năm bảy gạch "
              "hai năm không ba một hai gạch không không bốn hai")
    text = f"dạ mã hồ sơ là {spoken} nghe em"
    assert found(regex, text, "application_code") == [(spoken, CODE)]


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("số tôi 0914 123 456 nhé", "0914 123 456", "0914123456"),
        ("sdt 0905.123.456", "0905.123.456", "0905123456"),
        ("gọi +84 914 123 456", "+84 914 123 456", "0914123456"),
        ("máy bàn 0234 3822 113", "0234 3822 113", "02343822113"),
        ("alo số tui là không chín một bốn một hai ba bốn năm sáu nhà ngập",
         "không chín một bốn một hai ba bốn năm sáu", "0914123456"),
        ("so toi khong chin khong nam sau bay tam mot hai ba", "khong chin khong nam sau bay tam mot hai ba", "0905678123"),
    ],
)
def test_phone_numbers(regex, text: str, surface: str, value: str) -> None:
    assert found(regex, text, "phone_number") == [(surface, value)]


def test_not_phone_numbers(regex) -> None:
    assert found(regex, "tổng đài 19001075 và năm ba người", "phone_number") == []
    assert found(regex, f"mã {CODE}", "phone_number") == []


@pytest.mark.parametrize(
    ("text", "surface", "value", "resolved"),
    [
        ("nộp hôm 12/3 rồi", "hôm 12/3", "12/3", "2025-03-12"),
        ("hẹn ngày 20/8/2025", "ngày 20/8/2025", "2025-08-20", "2025-08-20"),
        ("từ ngày 5 tháng 6", "ngày 5 tháng 6", "5/6", "2025-06-05"),
        ("nop hom qua", "hom qua", "hôm qua", "2025-03-19"),
        ("nộp hôm kia", "hôm kia", "hôm kia", "2025-03-18"),
        ("nộp từ tuần trước", "tuần trước", "tuần trước", "2025-W11"),
        ("từ tháng trước", "tháng trước", "tháng trước", "2025-02"),
        ("nộp hôm thứ hai", "hôm thứ hai", "thứ hai", "2025-03-17"),
        ("thứ hai tuần này tôi đi nộp hồ sơ", "thứ hai tuần này", "thứ hai tuần này", "2025-03-17"),
        ("hẹn thứ sáu tuần nay", "thứ sáu tuần nay", "thứ sáu tuần này", "2025-03-21"),
        ("thu hai tuan nay", "thu hai tuan nay", "thứ hai tuần này", "2025-03-17"),
        ("chiều thứ 6 tuần ni", "thứ 6 tuần ni", "thứ sáu tuần này", "2025-03-21"),
        ("nộp chủ nhật tuần trước", "chủ nhật tuần trước", "chủ nhật tuần trước", "2025-03-16"),
        ("thứ ba tuần tới", "thứ ba tuần tới", "thứ ba tuần sau", "2025-03-25"),
        ("ngày mai có bão không", "ngày mai", "ngày mai", "2025-03-21"),
        ("nộp từ tháng 3", "tháng 3", "tháng 3", "2025-03"),
    ],
)
def test_dates(regex, text: str, surface: str, value: str, resolved: str) -> None:
    assert found(regex, text, "date") == [(surface, value)]
    assert found(regex, text, "date", reference_date=dt.date(2025, 3, 20)) == [(surface, resolved)]


def test_not_dates(regex) -> None:
    # ordinals: the second child, the third time, a second-year student
    for text in ("mất 3-5 ngày", "lệ phí 1.5 triệu", "ngập tới mái rồi", "làm mấy tháng", "32/13", "con thứ hai",
                 "đăng ký lần thứ ba", "sinh viên năm thứ hai", "cho đứa thứ 2"):
        assert found(regex, text, "date") == [], text


def test_data_regexes_run_too() -> None:
    extractor = RegexEntityExtractor({"ticket": [r"\bT\d{4}\b"]})
    assert found(extractor, "phiếu t1234 đâu", "ticket") == [("t1234", "t1234")]


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("nhà tôi ở phường Thuận Hóa", "phường Thuận Hóa", "phường Thuận Hóa"),
        ("nha toi o phuong thuan hoa", "phuong thuan hoa", "phường Thuận Hóa"),
        ("ở P.Vĩnh Ninh gần chợ", "P.Vĩnh Ninh", "phường Vĩnh Ninh"),
        ("ngập ở p. An Cựu", "p. An Cựu", "phường An Cựu"),
        ("bão ở xã Chân Mây - Lăng Cô", "xã Chân Mây - Lăng Cô", "xã Chân Mây – Lăng Cô"),
        ("ở huyen phu vang cu", "huyen phu vang", "huyện Phú Vang"),
        ("ở Phú Vang", "Phú Vang", "xã Phú Vang"),
        ("tx Hương Thủy", "tx Hương Thủy", "thị xã Hương Thủy"),
        ("tỉnh Thừa Thiên Huế", "tỉnh Thừa Thiên Huế", "thành phố Huế"),
        ("thua thien hue", "thua thien hue", "thành phố Huế"),
        ("cây đổ trên đường hùng vương", "đường hùng vương", "đường Hùng Vương"),
        ("đuối nước dưới cầu Tràng Tiền", "cầu Tràng Tiền", "cầu Trường Tiền"),
        ("cháy ở cho dong ba", "cho dong ba", "chợ Đông Ba"),
        ("xa A Luoi 2", "xa A Luoi 2", "xã A Lưới 2"),
        ("vĩnh ninh ngập", "vĩnh ninh", "phường Vĩnh Ninh"),
        ("ở xã A Lưới 3", "xã A Lưới 3", "xã A Lưới 3"),
    ],
)
def test_locations_new_and_old(gazetteer, text: str, surface: str, value: str) -> None:
    assert found(gazetteer, text, "location") == [(surface, value)]


def test_locations_not_everywhere(gazetteer) -> None:
    for text in ("tổng đài Huế ơi", "đi Hà Nội", "lễ hội rất phong phú", "kiểm tra hồ sơ"):
        assert found(gazetteer, text, "location") == [], text


def test_gazetteer_has_all_current_units(gazetteer) -> None:
    from vietnam_provinces import Ward

    for ward in Ward.iter_all():
        if ward.province_code == 46:
            assert gazetteer.value_of(ward.name) is not None, ward.name


def test_offsets_survive_messy_input(gazetteer, regex) -> None:
    text = "Nhà  tôi ở  phường   Vĩnh Ninh\u200b, sđt 0914 123 456"
    (location,) = gazetteer.find(prepare(text))
    assert text[location.start : location.end] == "phường   Vĩnh Ninh"
    decomposed = "ở phuo\u031b\u0300ng Vi\u0303nh Ninh"  # NFD input
    (location,) = gazetteer.find(prepare(decomposed))
    assert decomposed[location.start : location.end] == decomposed[2:]


def test_synonyms() -> None:
    text, spans = parse_annotated('làm [so do]{"entity": "procedure", "value": "sổ đỏ"} và [sổ hồng](procedure)')
    from nlu.training_data import Example

    mapper = SynonymMapper.from_examples({"cccd": "căn cước", "đăng ký kết hôn": "đăng ký kết hôn"},
                                         [Example(text, "ask_procedure", tuple(spans))])
    assert mapper.get("procedure", "CCCD") == "căn cước"
    assert mapper.get("procedure", "so do") == "sổ đỏ"
    assert mapper.get("procedure", "dang ky ket hon") == "đăng ký kết hôn"
    assert mapper.get("procedure", "sổ hồng") is None


def test_merge_prefers_patterns_then_longer() -> None:
    code = Entity("application_code", CODE, 0, 25, 1.0, "regex")
    crf_overlap = Entity("phone_number", "x", 10, 30, 0.99, "crf")
    short = Entity("location", "Kim Long", 40, 48, 0.7, "crf")
    longer = Entity("location", "phường Kim Long", 33, 48, 0.9, "gazetteer")
    assert merge_entities([crf_overlap, short, code, longer]) == [code, longer]


def test_bio_tags_follow_spans() -> None:
    prepared = prepare("ở phường Vĩnh Ninh nhé")
    assert bio_tags(prepared, [(2, 18, "location")]) == ["O", "B-location", "I-location", "I-location", "O"]


def test_a_place_is_not_read_from_words_whose_marks_say_otherwise() -> None:
    from nlu.entities.gazetteer import LocationGazetteer
    from nlu.entities.tokens import prepare

    gazetteer = LocationGazetteer.default()
    found = [e.value for e in gazetteer.find(prepare("ở kiệt ba mươi hai đường nguyễn trãi"))]
    assert found == ["đường Nguyễn Trãi"]  # "hai đường" is no "Hải Dương"
    assert [e.value for e in gazetteer.find(prepare("toi o hai duong"))] == ["xã Hải Dương"]  # typed bare, it may be
    assert [e.value for e in gazetteer.find(prepare("nhà ở Thuận Hoá"))] == ["phường Thuận Hóa"]  # either tone style
