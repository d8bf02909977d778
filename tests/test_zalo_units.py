"""The Zalo channel's pure parts: the signature, the events, the rendering of replies, Zalo's error codes."""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest

from channels.zalo.errors import Failure, Kind, kind_of
from channels.zalo.events import parse_event
from channels.zalo.render import MAX_TEXT, chosen, render, request, split_text, without_buttons
from channels.zalo.signature import header_value, signature, verify

BODY = b'{"app_id":"1","event_name":"user_send_text","timestamp":"1735689600000"}'


def test_the_signature_is_a_plain_sha256_of_the_four_parts_in_order() -> None:
    expected = hashlib.sha256(b"1" + BODY + b"1735689600000" + b"oa-secret").hexdigest()
    assert signature("1", BODY, "1735689600000", "oa-secret") == expected
    assert header_value("1", BODY, "1735689600000", "oa-secret") == "mac=" + expected


@pytest.mark.parametrize("header", [
    "mac={mac}", "{mac}", "MAC={mac}", "mac={upper}", "  mac={mac}  ",
])
def test_a_right_signature_is_accepted_with_or_without_its_prefix(header: str) -> None:
    mac = signature("1", BODY, "1735689600000", "oa-secret")
    assert verify(header.format(mac=mac, upper=mac.upper()), app_id="1", raw_body=BODY, timestamp="1735689600000",
                  oa_secret="oa-secret")


@pytest.mark.parametrize("header", [None, "", "mac=", "mac=deadbeef", "mac=é" * 10, "sha256=abc"])
def test_a_missing_or_malformed_signature_is_refused(header: str | None) -> None:
    assert not verify(header, app_id="1", raw_body=BODY, timestamp="1735689600000", oa_secret="oa-secret")


def test_a_signature_over_anything_else_is_refused() -> None:
    mac = header_value("1", BODY, "1735689600000", "oa-secret")
    assert not verify(mac, app_id="1", raw_body=BODY + b" ", timestamp="1735689600000", oa_secret="oa-secret")
    assert not verify(mac, app_id="2", raw_body=BODY, timestamp="1735689600000", oa_secret="oa-secret")
    assert not verify(mac, app_id="1", raw_body=BODY, timestamp="1735689600001", oa_secret="oa-secret")
    assert not verify(mac, app_id="1", raw_body=BODY, timestamp="1735689600000", oa_secret="app-secret")


def test_events_are_read_as_zalo_publishes_them() -> None:
    text = parse_event(json.dumps({
        "app_id": "360846524940903967", "user_id_by_app": "552177279717587730", "event_name": "user_send_text",
        "timestamp": "1735689600000", "sender": {"id": "2468458835296117922"},
        "recipient": {"id": "388613280878808645"}, "message": {"msg_id": "96d3cdf3af150460909", "text": "chào"},
    }).encode())
    assert (text.user_id, text.msg_id, text.text(), text.timestamp_ms) == (
        "2468458835296117922", "96d3cdf3af150460909", "chào", 1735689600000)
    assert text.key(b"") == "msg:96d3cdf3af150460909" and text.handled
    image = parse_event(json.dumps({"event_name": "user_send_image", "timestamp": "1", "sender": {"id": "7"},
                                    "message": {"msg_id": "m", "attachments": [{"type": "image", "payload": {
                                        "thumbnail": "https://t", "url": "https://photo"}}]}}).encode())
    assert image.image_url() == "https://photo"
    place = parse_event(json.dumps({"event_name": "user_send_location", "timestamp": "1", "sender": {"id": 7},
                                    "message": {"msg_id": 5, "attachments": [{"type": "location", "payload": {
                                        "coordinates": {"latitude": "16.4637", "longitude": "107.5909"}}}]}}).encode())
    assert place.user_id == "7" and place.msg_id == "5"  # numbers are read as the strings they stand for
    location = place.location()
    assert location is not None and (location.latitude, location.longitude) == (16.4637, 107.5909)
    assert "16.463700" in location.describe() and "maps" in location.describe()
    follow = parse_event(json.dumps({"oa_id": "388613280879808645", "follower": {"id": "24684588352919792"},
                                     "event_name": "follow", "source": "oa_profile", "app_id": "1",
                                     "timestamp": "154397978274"}).encode())
    assert follow.user_id == "24684588352919792" and follow.msg_id is None
    assert follow.key(b"a") == follow.key(b"b")  # the same follow again is the same event


def test_events_from_the_oa_and_unknown_events_are_not_acted_on() -> None:
    echo = parse_event(b'{"event_name":"oa_send_text","timestamp":"1","sender":{"id":"oa"},"recipient":{"id":"u"},'
                       b'"message":{"msg_id":"x","text":"hi"}}')
    assert echo.user_id is None and not echo.handled
    assert not parse_event(b'{"event_name":"user_send_sticker","timestamp":"1","sender":{"id":"u"}}').handled


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'"text"', b"{}", b'{"event_name": 5}', b"\xff\xfe"])
def test_what_is_not_an_event_is_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        parse_event(raw)


def test_long_text_is_split_at_natural_boundaries_within_the_limit() -> None:
    paragraph = ("Dạ, hồ sơ gồm tờ khai theo mẫu và giấy chứng sinh. " * 30).strip()
    text = "\n\n".join([paragraph] * 3)
    pieces = split_text(text)
    assert len(pieces) > 1 and all(0 < len(p) <= MAX_TEXT for p in pieces)
    assert all(p.endswith(".") for p in pieces)  # cut after a sentence, never inside a word
    assert " ".join(pieces).split() == text.split()  # nothing lost
    unbroken = "x" * 4500
    assert [len(p) for p in split_text(unbroken)] == [2000, 2000, 500]


def test_text_is_normalised_to_nfc_before_it_is_counted() -> None:
    decomposed = unicodedata.normalize("NFD", "Thừa Thiên Huế")
    assert render(decomposed)[0].text == "Thừa Thiên Huế"


def test_quick_replies_become_hidden_query_buttons_on_the_last_part() -> None:
    quick = [{"title": "Lệ phí", "payload": "/ask_fee"}, {"title": "T" * 150, "payload": "/full"}]
    parts = render("x" * 2500, quick)
    assert len(parts) == 2 and not parts[0].buttons
    assert parts[1].buttons[0] == {"title": "Lệ phí", "type": "oa.query.hide", "payload": "/ask_fee"}
    assert len(parts[1].buttons[1]["title"]) == 100
    body = request("42", parts[1])
    assert body["recipient"] == {"user_id": "42"}
    assert body["message"]["attachment"]["payload"]["buttons"][0]["type"] == "oa.query.hide"


def test_options_the_api_cannot_carry_as_buttons_are_numbered_text() -> None:
    six = [{"title": f"Mục {i}", "payload": f"/choose {i}"} for i in range(1, 7)]
    part = render("Anh/chị hỏi thủ tục nào?", six)[-1]
    assert not part.buttons and part.options == [f"/choose {i}" for i in range(1, 7)]
    assert "1. Mục 1" in part.text and "6. Mục 6" in part.text
    off = render("Chọn:", six[:2], buttons=False)[-1]
    assert not off.buttons and off.options == ["/choose 1", "/choose 2"]
    assert chosen("2", off.options) == "/choose 2" and chosen(" số 1 ", off.options) == "/choose 1"
    assert chosen("3", off.options) is None and chosen("2 cái", off.options) is None and chosen("2", None) is None


def test_buttons_zalo_refuses_are_rewritten_as_numbered_text() -> None:
    body = request("42", render("Chọn:", [{"title": "Lệ phí", "payload": "/ask_fee"}])[0])
    rewritten, options = without_buttons(body)  # type: ignore[misc]
    assert "attachment" not in rewritten["message"] and "1. Lệ phí" in rewritten["message"]["text"]
    assert options == ["/ask_fee"] and without_buttons(rewritten) is None
    long = request("42", render("y" * 1990, [{"title": "Lệ phí", "payload": "/ask_fee"}])[0])
    assert len(without_buttons(long)[0]["message"]["text"]) <= MAX_TEXT  # type: ignore[index]


def test_zalo_error_codes_decide_what_happens_to_a_reply() -> None:
    assert kind_of(-216) is Kind.token and kind_of(-220) is Kind.token
    assert kind_of(-230) is Kind.outside_window and kind_of(-213) is Kind.unfollowed
    assert kind_of(-32) is Kind.rate_limited and kind_of(-211) is Kind.quota
    assert kind_of(-99999) is Kind.unknown
    assert Failure(Kind.outside_window, -230).permanent and not Failure(Kind.quota, -211).permanent
    assert not Failure(Kind.unknown, -1).permanent and not Failure(Kind.network).permanent
