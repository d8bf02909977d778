"""Property-based tests: no message crashes `nlu parse`, `kb search` or `monitor classify`.

Text is generated from the project's own vocabulary (dates and relative dates,
numbers read out, receipt codes, Huế places, teencode from
``nlu/data/abbreviations.tsv``) mixed with what users also send: emoji, other
scripts, combining marks, invisible characters, empty and 10,000-character
messages. For every input: no exception, offsets within the text, and the
same answer twice. Each test is bounded (``max_examples``, no deadline) to a
few seconds.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hueai.jsonl import run_jsonl
from nlu.model import NLUModel
from nlu.training_data import load_training_data

DATA = Path(__file__).parent / "data"
ABBREVIATIONS = [
    line.split("\t")[0]
    for line in (Path(__file__).resolve().parents[1] / "nlu" / "data" / "abbreviations.tsv").read_text(
        encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
DATES = [
    "tuần này", "tuần ni", "tuần nay", "tháng tới", "tháng ni", "hôm kia", "bữa kia", "mùng 5 tháng sau",
    "thứ hai tuần này", "thứ sáu tuần nay", "thu hai tuan nay", "chủ nhật tuần trước", "thứ 7 tuần tới",
    "hôm qua", "hom nay", "sáng mai", "ngày mốt", "12/3", "31/2", "0/0", "99/99/9999", "ngày 5 tháng 6 năm 2025",
    "ngày 40 tháng 13", "tháng 13", "tháng 3/2025", "năm ngoái", "1-5 ngày", "12.3.2025",
]
NUMBER_WORDS = ["không", "một", "hai", "ba", "bốn", "tư", "năm", "lăm", "sáu", "bảy", "bẩy", "tám", "chín", "mốt",
                "mươi", "chấm", "gạch", "ngang", "hát", "khong", "mot", "chin", "h57"]
CODES = ["000.00.21.H57-250312-0042", "000.00.21.h57 250312 0042", "0000021H572503120042", "+84 914.123.456",
         "0914 123 456", "84914123456", "1900 1075", "000.00.21.H57-", "h57-250312", "0.0.0.0"]
WORDS = [
    "tôi", "em", "muốn", "đi", "nộp", "hồ sơ", "làm", "căn cước", "sổ đỏ", "khai sinh", "đăng ký", "kết hôn",
    "ở", "mô", "răng", "rứa", "phường", "Vĩnh Ninh", "p.", "An Cựu", "xã", "Phú Vang", "đường", "Lê Lợi",
    "Huế", "tổ", "kiệt", "cứu", "ngập", "gọi", "số", "mã", "đến đâu rồi", "cần giấy tờ gì", "?", ",", ".", "!",
    "HOÀ", "hoà", "thuỷ", "Đ", "Ð", "dạ", "alo", "ạ", "nhé", "thủ tục",
]
ODDITIES = [
    "🏯", "👨‍👩‍👧", "😭😭", "❤️", "顺化", "Хюэ", "ฮู้เอ", "مرحبا", "שלום", "ÎÑ", "İ", "ß", "ﬁ", "ǅ", "\u0301", "a\u0300\u0302",
    "\u200b", "\u200d", "\ufeff", "\x00", "\x1f", "\t", "\n", "  ", "[", "]", "{", "}", "(", ")", "\\", "_", "–", "…",
    "\ud7ff", "\U0001f600", "\u202e", "ǈ", "Ạ̀",
]

token = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(DATES), st.sampled_from(ABBREVIATIONS), st.sampled_from(CODES),
    st.sampled_from(ODDITIES), st.lists(st.sampled_from(NUMBER_WORDS), min_size=1, max_size=20).map(" ".join),
    st.integers(min_value=-10, max_value=10**12).map(str), st.text(max_size=8),
)
separator = st.sampled_from([" ", " ", " ", "", "  ", ",", "\u00a0", "\n", "-", "/"])
messages = st.one_of(
    st.lists(st.tuples(token, separator), max_size=25).map(lambda parts: "".join(t + s for t, s in parts)),
    st.text(max_size=60),
    st.sampled_from(["", " ", "\u200b", "\n\t ", "?" * 3]),
)
long_messages = st.sampled_from([
    "a" * 10_000, ("thứ hai tuần này tôi đi nộp hồ sơ " * 400)[:10_000], "😭" * 10_000, " " * 10_000,
    ("không chín một bốn " * 700)[:10_000], ("[" * 5000) + ("]" * 5000), "\u0301" * 10_000,
    ("0914 123 456 " * 800)[:10_000], ("phường Vĩnh Ninh " * 600)[:10_000],
])

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def nlu_model() -> NLUModel:
    return NLUModel(seed=13).fit(load_training_data(DATA / "nlu_small.yml", strict=True))


def check_parse(model: NLUModel, text: str, references: tuple = (None, dt.date(2025, 3, 12))) -> None:
    for reference in references:
        first = model.parse(text, reference_date=reference)
        assert first.text == text
        assert 0.0 <= first.intent.confidence <= 1.0
        previous_end = 0
        for entity in first.entities:
            assert previous_end <= entity.start < entity.end <= len(text), (text, entity)
            assert text[entity.start:entity.end].strip(), (text, entity)
            previous_end = entity.end
        assert model.parse(text, reference_date=reference) == first


@pytest.mark.parametrize("text", [
    "thứ hai tuần này tôi đi nộp hồ sơ", "thứ sáu tuần nay", "thu hai tuan nay", "ÎÑ", "mùng 5 tháng sau",
])
def test_issue_examples_parse(nlu_model: NLUModel, text: str) -> None:
    check_parse(nlu_model, text)
    if "tuần" in text or "tuan" in text:
        (date,) = [e for e in nlu_model.parse(text, reference_date=dt.date(2025, 3, 12)).entities if e.entity == "date"]
        assert date.value in ("2025-03-10", "2025-03-14")


@FUZZ
@given(messages)
def test_nlu_parse_never_fails(nlu_model: NLUModel, text: str) -> None:
    check_parse(nlu_model, text)


@pytest.mark.parametrize("text", [
    ("thứ hai tuần này tôi đi nộp hồ sơ " * 400)[:10_000], "😭" * 10_000, ("[" * 5000) + ("]" * 5000),
    "\u0301" * 10_000, ("không chín một bốn " * 700)[:10_000],
], ids=["sentences", "emoji", "brackets", "combining", "digits"])
def test_nlu_parse_long_messages(nlu_model: NLUModel, text: str) -> None:
    check_parse(nlu_model, text, references=(dt.date(2025, 3, 12),))  # linear in the length: about a second


def test_nlu_parse_many_matches_parse(nlu_model: NLUModel) -> None:
    texts = ["", "thứ hai tuần này", "😭" * 50, "cứu với ở phường Vĩnh Ninh gọi 0914 123 456"]
    assert nlu_model.parse_many(texts) == [nlu_model.parse(t) for t in texts]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages | long_messages)
def test_kb_search_never_fails(kb_index, text: str) -> None:  # type: ignore[no-untyped-def]
    from knowledge.index.query import InvalidQuery

    try:
        first = kb_index.search(text)
    except InvalidQuery as exc:  # empty, too long, not text: a reason the CLI and API answer with, not a crash
        with pytest.raises(InvalidQuery, match=re.escape(str(exc))):
            kb_index.search(text)
        return
    assert isinstance(first.query, str) and 0.0 <= first.confidence <= 1.0
    assert first.model_dump() == kb_index.search(text).model_dump()


@pytest.fixture(scope="module")
def post_model():  # type: ignore[no-untyped-def]
    from nlu.posts import PostClassifier
    from tests.test_posts import POSTS

    return PostClassifier(seed=7, cv_folds=0).fit(POSTS)


@FUZZ
@given(messages | long_messages, messages)
def test_monitor_classify_never_fails(post_model, content: str, title: str) -> None:  # type: ignore[no-untyped-def]
    (label,) = post_model.predict([{"title": title, "content": content}])
    assert label["sentiment_l1"] in {"positive", "neutral", "negative"}
    assert 0.0 <= label["confidence"] <= 1.0
    assert post_model.predict([{"title": title, "content": content}]) == [label]


# --------------------------------------------------------------------------- the batch protocol


def test_jsonl_answers_every_line_when_the_handler_crashes() -> None:
    def handle(item: dict) -> dict:
        if item["text"] == "boom":
            raise KeyError("nay")  # a bug in the handler, not a rejected input
        return {"echo": item["text"]}

    source = io.BytesIO(b'{"id": 1, "text": "a"}\n{"id": 2, "text": "boom"}\n{"id": 3, "text": "c"}\n')
    out, errors = io.StringIO(), io.StringIO()
    assert run_jsonl(handle, source=source, out=out, errors=errors) == 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == {"id": 1, "echo": "a"} and lines[2] == {"id": 3, "echo": "c"}
    assert lines[1]["id"] == 2 and "KeyError" in lines[1]["error"] and "line 2" in lines[1]["error"]
    assert "line 2" in errors.getvalue()


def test_nlu_parse_jsonl_exit_status_2_when_a_line_fails(monkeypatch: pytest.MonkeyPatch, nlu_model: NLUModel) -> None:
    from typer.testing import CliRunner

    import hueai.cli.nlu as cli_nlu
    from hueai.cli import app

    real_parse = nlu_model.parse

    def parse(text: str, **kwargs):  # type: ignore[no-untyped-def]
        if text == "boom":
            raise KeyError("nay")
        return real_parse(text, **kwargs)

    monkeypatch.setattr(nlu_model, "parse", parse)
    monkeypatch.setattr(cli_nlu, "load_model", lambda model: nlu_model)
    stdin = '{"id": "a", "text": "thứ hai tuần này"}\n{"id": "b", "text": "boom"}\n{"id": "c", "text": "xin chào"}\n'
    result = CliRunner().invoke(app, ["nlu", "parse", "--jsonl"], input=stdin)
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert "intent" in lines[0] and "intent" in lines[2] and "KeyError" in lines[1]["error"]


# --------------------------------------------------------------------------- the HTTP edge


@pytest.fixture(scope="module")
def nlu_http(nlu_model: NLUModel):  # type: ignore[no-untyped-def]
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from hueai.api.deps import get_nlu
    from hueai.api.nlu import router

    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_nlu] = lambda: nlu_model
    with TestClient(app) as client:
        yield client


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages)
def test_http_nlu_parse_never_fails(nlu_http, nlu_model: NLUModel, text: str) -> None:  # type: ignore[no-untyped-def]
    response = nlu_http.post("/api/nlu/parse", json={"text": text})
    assert response.status_code == 200, response.text
    assert response.json() == nlu_model.parse(text).model_dump(mode="json")


def test_http_nlu_parse_rejects_what_is_not_a_message(nlu_http) -> None:  # type: ignore[no-untyped-def]
    for body in ({"text": "a" * 10_001}, {"text": None}, {"text": 5}, {}, [], "x"):
        assert nlu_http.post("/api/nlu/parse", json=body).status_code == 422
    assert nlu_http.post("/api/nlu/parse", content=b"\xff\xfe", headers={"content-type": "application/json"}
                         ).status_code == 422
