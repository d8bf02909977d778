"""Extractive answers rendered from the structured record.

The first tests use small hand-made procedures; the rest pin the patterns of
issue 10 on real records read from the shared dataset (khai sinh, hộ kinh
doanh, lý lịch tư pháp, a bare-number time cell, "Miễn phí(… amount …)" fee
cells), skipped only when that folder is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.answers import NOTES_TITLE, ONLINE_NO, ONLINE_YES, Answer, Facet, render_answer
from knowledge.parsing import parse_record, read_record_file
from knowledge.records import ChannelOption, Procedure, RequiredDocument, RowKind, SubmissionChannel

RAW = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "tthc-dvcqg" / "raw"
needs_shared = pytest.mark.skipif(not RAW.is_dir(), reason=f"shared dataset not found at {RAW}")


def sample() -> Procedure:
    return Procedure(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        url="https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x",
        level="Cấp xã",
        agency="Ủy ban nhân dân cấp xã",
        channels=[
            ChannelOption(channel=SubmissionChannel.online, processing_time="1 Ngày làm việc", fee="Miễn phí"),
            ChannelOption(channel=SubmissionChannel.in_person, processing_time="1 Ngày làm việc", fee="Miễn phí",
                          note="Nộp tại Trung tâm Phục vụ hành chính công"),
        ],
        documents=[RequiredDocument(name="Tờ khai đăng ký khai sinh", form="TK1.doc", copies="1 bản chính",
                                    group="Giấy tờ phải nộp")],
        steps=["Nộp hồ sơ", "Nhận kết quả"],
    )


def real(code: str) -> Procedure:
    (path,) = RAW.glob(f"*/{code}.json")
    return parse_record(read_record_file(path), ministry=path.parent.name)


def lines(answer: Answer) -> list[str]:
    return answer.text.split("\n")


def test_every_facet_names_the_procedure_code_and_source() -> None:
    for facet in Facet:
        answer = render_answer(sample(), facet)
        assert answer.found
        assert "1.001193" in answer.text and "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x" in answer.text
        assert answer.title in answer.text and answer.source in answer.text


def test_facets_quote_the_record() -> None:
    p = sample()
    assert "Miễn phí (mọi hình thức nộp)" in render_answer(p, Facet.fee).text
    assert "1 Ngày làm việc" in render_answer(p, Facet.duration).text
    docs = render_answer(p, Facet.documents).text
    assert "Giấy tờ phải nộp:" in docs and "- Tờ khai đăng ký khai sinh (1 bản chính; mẫu: TK1.doc)" in docs
    place = render_answer(p, Facet.place).text
    assert "Ủy ban nhân dân cấp xã" in place and "Trực tuyến" in place
    assert "“Nộp tại Trung tâm Phục vụ hành chính công”" in place
    assert ONLINE_YES in render_answer(p, Facet.online).text
    assert "1. Nộp hồ sơ" in render_answer(p, Facet.overview).text


def test_missing_values_are_said_not_invented() -> None:
    bare = Procedure(code="9.999", name="Thủ tục trống")
    for facet in Facet:
        answer = render_answer(bare, facet)
        assert not answer.found
        assert "không ghi" in answer.text


def test_offline_only_procedure_says_so() -> None:
    p = sample()
    p.channels = [c for c in p.channels if c.channel is not SubmissionChannel.online]
    text = render_answer(p, Facet.online).text
    assert ONLINE_NO in text and ONLINE_YES not in text


def test_fees_that_differ_by_channel_are_listed_per_channel() -> None:
    p = sample()
    p.channels[0] = p.channels[0].model_copy(update={"fee": "50.000 đồng"})
    text = render_answer(p, Facet.fee).text
    assert "- Trực tuyến: 50.000 đồng" in text and "- Trực tiếp: Miễn phí" in text


def test_a_record_holding_another_procedures_page_shows_no_details() -> None:
    p = sample()
    p.page_of = "1.014023"
    answer = render_answer(p, Facet.documents)
    assert not answer.found
    assert "1.014023" in answer.text and "Tờ khai" not in answer.text


def test_the_records_own_bullets_are_not_doubled() -> None:
    p = sample()
    p.steps = ["- Nộp hồ sơ", "+ Nhận kết quả"]
    p.documents = [RequiredDocument(name="- Giấy chứng sinh;", copies="1 bản chính")]
    assert "1. Nộp hồ sơ" in render_answer(p, Facet.overview).text
    assert "2. Nhận kết quả" in render_answer(p, Facet.overview).text
    assert "- Giấy chứng sinh (1 bản chính)" in render_answer(p, Facet.documents).text


def test_rows_of_an_untitled_table_never_sit_under_the_previous_heading() -> None:
    p = sample()
    p.documents = [
        RequiredDocument(name="Văn bản ủy quyền", copies="1 bản chính", group="Trường hợp ủy quyền", table=0),
        RequiredDocument(name="Chỉ là giải thích", copies="0 bản chính", group="Lưu ý", table=1, kind=RowKind.note),
        RequiredDocument(name="Giấy đề nghị", copies="1 bản chính", table=2),
    ]
    text = lines(render_answer(p, Facet.documents))
    assert text.index("- Giấy đề nghị (1 bản chính)") < text.index("Trường hợp ủy quyền:")
    assert "Lưu ý:" not in text and text.index(NOTES_TITLE) < text.index("• Chỉ là giải thích")


def test_brief_names_a_few_documents_and_counts_the_rest() -> None:
    p = sample()
    p.documents = [RequiredDocument(name=f"Giấy số {i}", copies="1 bản chính") for i in range(1, 6)]
    p.documents.append(RequiredDocument(name="Văn bản ủy quyền (nếu có)", copies="1 bản chính", condition="nếu có"))
    brief = render_answer(p, Facet.documents).brief(max_items=2)
    assert "Giấy số 1; Giấy số 2; và 4 giấy tờ khác." in brief
    assert "Xem đầy đủ: https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x" in brief
    assert render_answer(p, Facet.fee).brief().startswith("Thủ tục đăng ký khai sinh (mã 1.001193)\nPhí, lệ phí")


def test_the_citizens_ward_names_its_committee(tmp_path: Path) -> None:
    p = sample()
    p.steps = ["Người yêu cầu nộp hồ sơ tại Ủy ban nhân dân cấp xã nơi cư trú."]
    generic = render_answer(p, Facet.place).text
    assert "Tại Huế: Trung tâm Phục vụ hành chính công thành phố Huế; Ủy ban nhân dân phường, xã" in generic
    assert "40 phường, xã" in generic
    named = render_answer(p, Facet.place, ward="p. Thuận Hóa").text
    assert "Tại Huế: Trung tâm Phục vụ hành chính công thành phố Huế; Ủy ban nhân dân phường Thuận Hóa." in named
    unknown = render_answer(p, Facet.place, ward="phường Bến Nghé").text
    assert "Ủy ban nhân dân phường Bến Nghé" not in unknown and "40 phường, xã" in unknown


# --- real records ---------------------------------------------------------------------------------


@needs_shared
def test_khai_sinh_documents_keep_the_records_tables_and_notes_apart() -> None:
    answer = render_answer(real("1.001193"), Facet.documents)
    text = lines(answer)
    paid, shown = text.index("Giấy tờ phải nộp:"), text.index("Giấy tờ phải xuất trình:")
    form = next(i for i, line in enumerate(text) if line.startswith("- Tờ khai đăng ký khai sinh theo mẫu"))
    birth = next(i for i, line in enumerate(text) if line.startswith("- Giấy chứng sinh"))
    identity = next(i for i, line in enumerate(text) if line.startswith("- Hộ chiếu/Thẻ căn cước công dân"))
    assert form < paid < birth < shown < identity < text.index(NOTES_TITLE)
    items = [i for s in answer.sections for i in s.items if i.kind == "document"]
    assert len(items) == 8  # 33 rows on the portal: the rest are notes
    assert any(n.startswith("Cá nhân có quyền lựa chọn") for n in answer.notes)
    assert not any(line.startswith("- Cá nhân có quyền") for line in text)
    assert "Lưu ý:" not in text  # the "Lưu ý" table is the notes block, not a heading over documents
    abandoned = next(i for i in items if i.name.startswith("Trường hợp trẻ em bị bỏ rơi"))
    assert abandoned.condition == "Trường hợp trẻ em bị bỏ rơi"


@needs_shared
def test_khai_sinh_duration_adds_no_unit_and_quotes_the_steps() -> None:
    text = render_answer(real("1.001193"), Facet.duration).text
    assert "Cổng ghi “1”" in text and "không ghi đơn vị" in text
    assert not re.search(r"(?<!\d)1 ngày", text, re.I)
    assert "15 giờ" in text and "trong ngày làm việc tiếp theo" in text


@needs_shared
def test_khai_sinh_fee_says_free_and_what_the_steps_ask_to_pay() -> None:
    text = render_answer(real("1.001193"), Facet.fee).text
    assert "Phí, lệ phí: Miễn phí (mọi hình thức nộp)." in text
    assert "“nộp lệ phí nếu thuộc trường hợp phải nộp lệ phí đăng ký khai sinh”" in text


@needs_shared
def test_khai_sinh_place_names_the_receiving_office_and_hues_own() -> None:
    answer = render_answer(real("1.001193"), Facet.place, ward="phường Vỹ Dạ")
    assert answer.points[0].startswith("Nơi nộp")
    assert "Trung tâm Phục vụ hành chính công" in answer.points[1]
    assert "Tại Huế: Trung tâm Phục vụ hành chính công thành phố Huế; Ủy ban nhân dân phường Vỹ Dạ." in answer.text


@needs_shared
def test_ho_kinh_doanh_main_form_is_not_an_optional_attachment() -> None:
    text = lines(render_answer(real("1.001612"), Facet.documents))
    form = text.index("- Giấy đề nghị đăng ký hộ kinh doanh (1 bản chính)")
    proxy = next(i for i, line in enumerate(text) if line.startswith("Trường hợp ủy quyền thực hiện thủ tục"))
    assert form < proxy
    notes = text[text.index(NOTES_TITLE):]
    assert any("chịu trách nhiệm trước pháp luật" in line for line in notes)


@needs_shared
def test_ho_kinh_doanh_fee_time_place_and_system_come_from_the_whole_record() -> None:
    p = real("1.001612")
    fee = render_answer(p, Facet.fee).text
    assert "- Trực tuyến, Dịch vụ bưu chính: 150,000 Việt Nam Đồng" in fee and "- Trực tiếp: 50,000 VNĐ" in fee
    assert "theo quy định của HĐND tỉnh" in fee and "Hội đồng nhân dân tỉnh" in fee
    duration = render_answer(p, Facet.duration)
    assert duration.found and "03 ngày làm việc" in duration.text  # the cells say nothing; the steps do
    assert "Cơ quan đăng ký kinh doanh cấp xã" in render_answer(p, Facet.place).text
    online = render_answer(p, Facet.online).text
    assert "Nộp qua: Hệ thống thông tin về đăng ký hộ kinh doanh" in online


@needs_shared
def test_ly_lich_tu_phap_fee_is_not_told_free() -> None:
    p = real("3.000333")
    fee = render_answer(p, Facet.fee).text
    assert not re.search(r"miễn phí", fee, re.I)
    assert "244/2016/TT-BTC" in fee and "lệ phí cấp Phiếu Lý lịch tư pháp" in fee
    assert "ghi là không thu" in fee  # the conflict is said, not hidden
    assert "Công an tỉnh" in render_answer(p, Facet.place).text
    duration = render_answer(p, Facet.duration).text
    assert "10 Ngày" in duration and "ngày làm việc" not in duration


@needs_shared
def test_a_bare_number_time_cell_gets_no_unit() -> None:
    text = render_answer(real("1.001022"), Facet.duration).text  # bare "3", the steps state no limit
    assert "Cổng ghi “3”" in text and "không ghi đơn vị" in text
    assert not re.search(r"(?<!\d)3 ngày", text, re.I)


@needs_shared
@pytest.mark.parametrize(("code", "amount"), [("1.003058", "22.500.000 đồng/lần"), ("3.000348", "135.000 đồng/lần")])
def test_a_free_label_contradicted_by_its_own_amount_shows_the_amount(code: str, amount: str) -> None:
    answer = render_answer(real(code), Facet.fee)
    assert amount in answer.text and "Mức thu:" in answer.text
    assert not re.search(r"miễn phí", answer.text, re.I)
    assert "Miễn phí(" not in answer.text  # the cell is never passed through verbatim


@needs_shared
def test_a_free_label_with_an_exemption_in_its_explanation_stays() -> None:
    text = render_answer(real("1.000656"), Facet.fee).text  # khai tử
    assert "Phí, lệ phí: Miễn phí" in text
    assert "Mức thu cụ thể: theo quy định của HĐND tỉnh" in text
    assert "Miễn, giảm: “Miễn lệ phí đối với trường hợp đăng ký khai tử đúng hạn" in text


@needs_shared
def test_online_names_the_records_own_system_and_its_link() -> None:
    assert "Hệ thống xử lý dữ liệu điện tử hải quan" in render_answer(real("1.009097"), Facet.online).text
    assert "(https://motcua.hatinh.gov.vn)" in render_answer(real("3.000244"), Facet.online).text
    offline = render_answer(real("2.002226"), Facet.online).text
    assert ONLINE_NO in offline and ONLINE_YES not in offline


@needs_shared
def test_place_leads_with_the_office_that_receives_not_the_decision_maker() -> None:
    answer = render_answer(real("2.001791"), Facet.place)  # decided by the Chủ tịch UBND cấp tỉnh
    assert "Trung tâm phục vụ hành chính công cấp tỉnh" in answer.points[1]
    assert answer.text.index("Nơi nộp") < answer.text.index("Cơ quan có thẩm quyền quyết định")


@needs_shared
def test_a_page_shared_by_same_named_records_is_answered_with_a_warning() -> None:
    answer = render_answer(real("3.000274"), Facet.place)  # the page prints code 1.014023, same name
    assert answer.found and "Bộ phận tiếp nhận và trả kết quả" in answer.text
    assert "ghi mã 1.014023" in answer.text


@needs_shared
def test_every_real_answer_carries_code_name_and_link() -> None:
    for code in ("1.001193", "1.001612", "3.000333", "1.004222"):
        p = real(code)
        for facet in Facet:
            answer = render_answer(p, facet)
            assert p.code in answer.text and p.name in answer.text and p.url and p.url in answer.text


def fee_with_periods() -> Procedure:
    """A fee cell as the căn cước records write it: an amount, then rates for periods."""
    explanation = ("(Cấp đổi thẻ căn cước: 50.000 đồng/thẻ căn cước)(Kể từ ngày 01/01/2025 đến hết ngày 31/12/2025, "
                   "mức thu lệ phí khi nộp hồ sơ theo hình thức trực tuyến bằng 50% mức thu lệ phí quy định)"
                   "(- Kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 mức thu lệ phí cấp đổi thẻ căn cước bằng 50% "
                   "mức thu nêu trên)")
    return sample().model_copy(update={"channels": [
        ChannelOption(channel=SubmissionChannel.in_person, fee="50,000 Việt Nam Đồng" + explanation),
        ChannelOption(channel=SubmissionChannel.online, fee="50,000 Việt Nam Đồng" + explanation)]})


def test_a_rate_for_a_period_that_holds_today_comes_first_with_its_share() -> None:
    from datetime import date

    answer = render_answer(fee_with_periods(), Facet.fee, today=date(2026, 12, 6))
    assert answer.points[0] == ("Phí, lệ phí: 50,000 Việt Nam Đồng (đến hết 31/12/2026 thu 50% mức này, xem dưới) "
                                "(mọi hình thức nộp).")
    assert answer.points[1].startswith("Đang áp dụng đến hết ngày 31/12/2026: “Kể từ ngày 01/7/2025")
    assert "25.000" not in answer.text  # never an amount the record does not print
    ended = next(p for p in answer.points if "01/01/2025" in p)
    assert ended.endswith("(đã hết hạn từ 01/01/2026).")
    assert "(đang áp dụng, đến hết 31/12/2026)" in answer.text


def test_after_its_period_a_rate_is_marked_ended_and_the_amount_stands_alone() -> None:
    from datetime import date

    answer = render_answer(fee_with_periods(), Facet.fee, today=date(2027, 1, 1))
    assert answer.points[0] == "Phí, lệ phí: 50,000 Việt Nam Đồng (mọi hình thức nộp)."
    assert "Đang áp dụng" not in answer.text
    assert "(đã hết hạn từ 01/01/2027)" in answer.text


def test_a_free_cell_that_leaves_the_level_to_the_council_is_no_promise() -> None:
    p = sample().model_copy(update={"channels": [ChannelOption(
        channel=SubmissionChannel.in_person, fee="Miễn phí(Theo quy định của Hội đồng nhân dân cấp tỉnh)")]})
    points = render_answer(p, Facet.fee).points
    assert points[0] == "Phí, lệ phí: Miễn phí (mọi hình thức nộp)."
    assert points[1].startswith("Lưu ý: ô “Phí, lệ phí” trên Cổng ghi miễn phí")
    assert "Lưu ý" not in render_answer(sample(), Facet.fee).text  # a plain "Miễn phí" is left as it is


def test_an_amount_whose_own_note_says_its_period_ended_is_marked() -> None:
    from datetime import date

    cell = "160,000 Việt Nam Đồng(160.000/hộ chiếu (áp dụng đến hết ngày 31/12/2023 theo Thông tư số 44/2023/TT-BTC).)"
    p = sample().model_copy(update={"channels": [
        ChannelOption(channel=SubmissionChannel.online, fee=cell),
        ChannelOption(channel=SubmissionChannel.in_person, fee="200,000 Việt Nam Đồng(200.000đ/hộ chiếu)")]})
    points = render_answer(p, Facet.fee, today=date(2026, 12, 6)).points
    assert points[1] == ("- Trực tuyến: 160,000 Việt Nam Đồng (Cổng ghi mức này áp dụng đến hết 31/12/2023, "
                         "nay đã hết hạn)")
    assert points[2] == "- Trực tiếp: 200,000 Việt Nam Đồng"
    assert "nay đã hết hạn" not in render_answer(p, Facet.fee, today=date(2023, 6, 1)).text
