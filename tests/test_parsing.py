"""Tests of knowledge.parsing against real dichvucong.gov.vn records.

The source records are read from the shared data folder at run time (never
copied into the repo); the expectations in ``tests/data/expected_parse`` were
written by hand from reading each record. They cover all six ministries and
the odd layouts: shifted sections, a page of another procedure, bare and
glued times, fees with nested explanations, free-text times, several tables
with headings, glued template files, numbers repeated in names, results with
several codes or none.

Expectation format (keys absent are not checked): ``channels`` (all rows) or
``channels_first`` (the first rows), each with ``fee``/``fee_prefix`` and
``note``/``note_prefix``; ``documents``/``legal_basis`` with an optional
``count`` and ``rows`` keyed by index (negative from the end), names checked
by prefix; ``steps`` with ``count``, ``first_prefix``, ``last_prefix``,
``last_suffix``; ``result`` (exact) or ``result_prefix``; ``agency``;
``conditions`` / ``conditions_suffix``; ``notes_contain``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.parsing import RecordError, parse_record, read_record_file
from knowledge.records import Procedure, RowKind

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
RAW = SHARED / "datasets" / "tthc-dvcqg" / "raw"
EXPECTED = Path(__file__).parent / "data" / "expected_parse"

needs_shared = pytest.mark.skipif(
    not RAW.is_dir(), reason=f"shared dataset not found at {RAW} (tests read the real records from there)"
)


def _cases() -> list[tuple[str, dict]]:
    return [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(EXPECTED.glob("*.json"))]


def _parse(code: str, ministry: str) -> Procedure:
    return parse_record(read_record_file(RAW / ministry / f"{code}.json"), ministry=ministry)


def _check_text(actual: str | None, expected: dict, key: str, where: str) -> None:
    if key in expected:
        assert actual == expected[key], where
    if f"{key}_prefix" in expected:
        assert actual is not None and actual.startswith(expected[f"{key}_prefix"]), f"{where}: {actual!r}"


def _check_rows(actual: list, expected: dict, where: str, check) -> None:
    if "count" in expected:
        assert len(actual) == expected["count"], f"{where}: {len(actual)} rows"
    for index, row in expected["rows"].items():
        check(actual[int(index)], row, f"{where}[{index}]")


def _check_document(doc, row: dict, where: str) -> None:
    assert doc.name.startswith(row["name_prefix"]), f"{where}: {doc.name[:80]!r}"
    for key in ("form", "copies", "group"):
        if key in row:
            assert getattr(doc, key) == row[key], f"{where}.{key}: {getattr(doc, key)!r}"


def _check_law(law, row: dict, where: str) -> None:
    assert law.name.startswith(row["name_prefix"]), f"{where}: {law.name[:80]!r}"
    assert law.number == row["number"], f"{where}: {law.number!r}"


def test_expectations_cover_the_corpus():
    cases = _cases()
    assert len(cases) >= 30
    assert {e["ministry"] for _, e in cases} == {
        "bo-cong-an", "bo-nong-nghiep-mt", "bo-tai-chinh", "bo-tu-phap", "bo-xay-dung", "toa-an-nhan-dan",
    }


@needs_shared
@pytest.mark.parametrize(("code", "expected"), _cases(), ids=[c for c, _ in _cases()])
def test_record_parses_as_read_by_hand(code: str, expected: dict):
    p = _parse(code, expected["ministry"])
    assert p.code == code and p.ministry == expected["ministry"]
    if "agency" in expected:
        assert p.agency == expected["agency"]
    if "conditions" in expected:
        assert p.conditions == expected["conditions"]
    if "conditions_suffix" in expected:
        assert p.conditions and p.conditions.endswith(expected["conditions_suffix"])

    rows = expected.get("channels", expected.get("channels_first"))
    if "channels" in expected:
        assert len(p.channels) == len(rows), [c.channel.value for c in p.channels]
    for i, row in enumerate(rows):
        c = p.channels[i]
        where = f"channel {i}"
        assert c.channel.value == row["channel"], where
        assert c.processing_time == row["processing_time"], where
        _check_text(c.fee, row, "fee", where)
        _check_text(c.note, row, "note", where)

    _check_rows(p.documents, expected["documents"], "documents", _check_document)
    _check_rows(p.legal_basis, expected["legal_basis"], "legal_basis", _check_law)

    steps = expected["steps"]
    if "count" in steps:
        assert len(p.steps) == steps["count"], [s[:40] for s in p.steps]
    assert p.steps[0].startswith(steps["first_prefix"]), p.steps[0][:80]
    if "last_prefix" in steps:
        assert p.steps[-1].startswith(steps["last_prefix"]), p.steps[-1][:80]
    if "last_suffix" in steps:
        assert p.steps[-1].endswith(steps["last_suffix"]), p.steps[-1][-80:]

    _check_text(p.result, expected, "result", "result")
    for note in expected.get("notes_contain", []):
        assert note in p.parse_notes


@needs_shared
def test_raw_keeps_the_original_text_fields():
    raw = read_record_file(RAW / "bo-tu-phap" / "1.001193.json")
    p = parse_record(raw, ministry="bo-tu-phap")
    assert p.raw["raw_text"] == raw["raw_text"]
    assert p.raw["cach_thuc_thuc_hien"] == raw["cach_thuc_thuc_hien"]
    assert "co_quan_co_tham_quyen" not in p.raw  # empty in the source


@needs_shared
def test_whole_corpus_parses_with_at_most_one_percent_errors():
    files = sorted(RAW.glob("*/*.json"))
    assert len(files) == 1479
    errors = []
    for f in files:
        try:
            parse_record(read_record_file(f), ministry=f.parent.name)
        except RecordError as e:
            errors.append(f"{f.name}: {e}")
    assert len(errors) <= len(files) // 100, errors[:10]


def test_invalid_json_says_where(tmp_path: Path):
    f = tmp_path / "bad.json"
    f.write_text('{\n  "ma_thu_tuc": "1.0",\n  oops\n}', encoding="utf-8")
    with pytest.raises(RecordError, match=r"invalid JSON at line 3 column 3"):
        read_record_file(f)


def test_undecodable_bytes(tmp_path: Path):
    f = tmp_path / "latin1.json"
    f.write_bytes('{"ten_thu_tuc": "Đăng ký"}'.encode("utf-16"))
    with pytest.raises(RecordError, match="not UTF-8"):
        read_record_file(f)


def test_non_object(tmp_path: Path):
    f = tmp_path / "list.json"
    f.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(RecordError, match="not a JSON object but a list"):
        read_record_file(f)
    with pytest.raises(RecordError, match="not a JSON object"):
        parse_record(["not", "a", "dict"])  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [None, "", "   "])
def test_missing_code(code):
    raw = {"ten_thu_tuc": "Đăng ký khai sinh"}
    if code is not None:
        raw["ma_thu_tuc"] = code
    with pytest.raises(RecordError, match="missing ma_thu_tuc"):
        parse_record(raw)


def test_missing_name():
    with pytest.raises(RecordError, match="missing ten_thu_tuc"):
        parse_record({"ma_thu_tuc": "1.001193", "ten_thu_tuc": " "})


def test_unknown_channel_layout():
    raw = {"ma_thu_tuc": "9.9", "ten_thu_tuc": "X", "cach_thuc_thuc_hien": "Nộp tại quầy, 5 ngày, miễn phí"}
    with pytest.raises(RecordError, match="unknown layout of cach_thuc_thuc_hien"):
        parse_record(raw)


def test_minimal_record_without_raw_text():
    p = parse_record(
        {
            "ma_thu_tuc": " 1.000001 ",
            "ten_thu_tuc": "Thủ tục thử",
            "cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1800,000 Việt Nam Đồng(Lệ phí (nếu có))Nộp qua Cổng",
            "co_quan_thuc_hien": "Không có thông tin",
            "co_quan_co_tham_quyen": "Sở Tư pháp",
            "can_cu_phap_ly": "Không có thông tin",
        }
    )
    assert p.code == "1.000001"
    assert p.agency == "Sở Tư pháp"
    assert p.legal_basis == []
    (c,) = p.channels
    assert (c.processing_time, c.fee, c.note) == ("1", "800,000 Việt Nam Đồng(Lệ phí (nếu có))", "Nộp qua Cổng")
    assert p.online_available


# --- documents: tables, row kinds and conditions (issue 10) -----------------------------------------


@needs_shared
def test_document_rows_know_their_table_kind_and_condition():
    p = _parse("1.001193", "bo-tu-phap")  # khai sinh: "phải nộp", "phải xuất trình", "Lưu ý", untitled
    tables = {}
    for d in p.documents:
        tables.setdefault(d.table, d.group)
    assert list(tables.values()) == ["Giấy tờ phải nộp", "Giấy tờ phải xuất trình", "Lưu ý", None]
    kinds = {d.name[:30]: d.kind for d in p.documents}
    assert kinds["- Giấy chứng sinh; trường hợp "] is RowKind.document
    assert kinds["Trường hợp người yêu cầu đã nộ"] is RowKind.note  # "0 bản chính": nothing to bring
    assert all(d.kind is RowKind.note for d in p.documents if d.group == "Lưu ý")
    intro = next(d for d in p.documents if d.name.startswith("- Người có yêu cầu đăng ký khai sinh"))
    assert intro.kind is RowKind.heading  # "... các giấy tờ sau:"
    conditions = {d.condition for d in p.documents if d.kind is RowKind.document}
    assert "Trường hợp trẻ em bị bỏ rơi" in conditions
    assert "trong trường hợp ủy quyền thực hiện việc đăng ký khai sinh" in conditions


@needs_shared
def test_rows_that_name_no_paper_are_notes():
    # hộ kinh doanh: "(iv) ... theo quy định tại mục (ii)", "(v) ... chịu trách nhiệm trước pháp luật ..."
    p = _parse("1.001612", "bo-tai-chinh")
    notes = [d.name for d in p.documents if d.kind is RowKind.note]
    assert [n[:4] for n in notes] == ["(iv)", "(v) "]
    main = next(d for d in p.documents if d.name.startswith("- Giấy đề nghị đăng ký hộ kinh doanh"))
    assert main.group is None and main.kind is RowKind.document and main.condition is None
    # a row that asks for no copy but starts by naming a paper stays a document
    q = _parse("1.001022", "bo-tu-phap")
    residence = next(d for d in q.documents if d.name.startswith("- Giấy tờ có giá trị chứng minh thông tin về cư trú"))
    assert residence.copies == "0 bản chính" and residence.kind is RowKind.document
