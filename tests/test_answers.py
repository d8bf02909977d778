"""Extractive answers rendered from the structured record."""

from __future__ import annotations

from knowledge.answers import Facet, render_answer
from knowledge.records import ChannelOption, Procedure, RequiredDocument, SubmissionChannel


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


def test_every_facet_names_the_procedure_code_and_source() -> None:
    for facet in Facet:
        answer = render_answer(sample(), facet)
        assert answer.found
        assert "1.001193" in answer.text and "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x" in answer.text


def test_facets_quote_the_record() -> None:
    p = sample()
    assert "Miễn phí (mọi hình thức nộp)" in render_answer(p, Facet.fee).text
    assert "1 Ngày làm việc" in render_answer(p, Facet.duration).text
    docs = render_answer(p, Facet.documents).text
    assert "Giấy tờ phải nộp:" in docs and "- Tờ khai đăng ký khai sinh (1 bản chính, mẫu TK1.doc)" in docs
    assert "Trực tuyến" in render_answer(p, Facet.place).text
    assert "trực tuyến" in render_answer(p, Facet.online).text
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
    assert "chưa nhận hồ sơ trực tuyến" in render_answer(p, Facet.online).text


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
    p.documents = [RequiredDocument(name="- Giấy chứng sinh", copies="1 bản chính")]
    assert "1. Nộp hồ sơ" in render_answer(p, Facet.overview).text
    assert "2. Nhận kết quả" in render_answer(p, Facet.overview).text
    assert "- Giấy chứng sinh (1 bản chính)" in render_answer(p, Facet.documents).text
