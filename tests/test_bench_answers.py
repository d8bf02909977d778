"""The answers bench: the gold set's shape and the grading rules of ``bench/answers.py``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bench.answers import GOLD, RECORDS, grade, load_gold, norm
from knowledge.answers import NOTES_TITLE, ONLINE_NO, ONLINE_YES, Answer, Facet

URL = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x"


def answer(facet: str, body: list[str], found: bool = True) -> Answer:
    text = "\n".join(["Thủ tục thử (mã 9.1)", *body, f"Nguồn: {URL}"])
    return Answer(code="9.1", name="Thủ tục thử", url=URL, facet=Facet(facet), text=text, found=found, points=body)


def gold(facet: str, **fields) -> dict:
    return {"code": "9.1", "name": "Thủ tục thử", "facet": facet, "facts": [], "forbidden": [], **fields}


def test_the_gold_set_has_60_procedures_by_5_facets() -> None:
    rows = load_gold(GOLD)
    assert len(rows) == 300
    by_code = Counter(r["code"] for r in rows)
    assert len(by_code) == 60 and set(by_code.values()) == {5}
    samples = Counter(r["sample"] for r in rows if r["facet"] == "fee")
    assert samples == {"most_asked": 30, "random": 30}
    assert sum(r["core"] for r in rows if r["facet"] == "fee") == 8


@pytest.mark.skipif(not RECORDS.is_dir(), reason="shared dataset not found")
def test_every_gold_string_is_in_its_record() -> None:
    for g in load_gold(GOLD):
        raw = json.loads((RECORDS / g["ministry"] / f"{g['code']}.json").read_text(encoding="utf-8"))
        record = norm("\n".join(v for v in raw.values() if isinstance(v, str)))
        strings = [a for f in g["facts"] for a in (f if isinstance(f, list) else [f])]
        strings += [x for s in g.get("sections", []) for x in [s["heading"] or "", *s["items"]] if x]
        strings += g.get("notes", [])
        for s in strings:
            assert norm(s) in record, (g["code"], g["facet"], s)


def test_normalisation_ignores_case_spaces_and_invisible_marks() -> None:
    assert norm("Đăng  k\u200eý\nKHAI SINH") == "đăng ký khai sinh"


def test_facts_alternatives_and_forbidden_words() -> None:
    g = gold("duration", facts=[["7 Ngày", "07 ngày"]], forbidden=["1 ngày"])
    assert grade(answer("duration", ["Thời hạn: 07 ngày."]), g, URL) == ("correct", [])
    # a forbidden string counts as whole words only: "1 ngày" is not in "01 ngày"
    assert grade(answer("duration", ["Thời hạn: 01 ngày; 7 Ngày."]), g, URL)[0] == "correct"
    assert grade(answer("duration", ["Thời hạn: 1 ngày; 7 ngày."]), g, URL)[0] == "wrong"
    assert grade(answer("duration", ["Thời hạn: 8 ngày."]), g, URL)[0] == "incomplete"
    assert grade(answer("duration", ["Không ghi."], found=False), g, URL)[0] == "missing"


def test_none_stated_wants_no_value_and_every_answer_its_source() -> None:
    g = gold("fee", none_stated=True)
    assert grade(answer("fee", ["Hồ sơ không ghi mức phí."], found=False), g, URL)[0] == "correct"
    assert grade(answer("fee", ["Phí: 50.000 đồng."]), g, URL)[0] == "wrong"
    verdict, reasons = grade(answer("fee", ["Không ghi."], found=False), g, "https://elsewhere")
    assert verdict == "incomplete" and reasons == ["no link of the record"]


def test_online_availability_must_be_stated_right() -> None:
    yes, no = gold("online", online_available=True), gold("online", online_available=False)
    assert grade(answer("online", [f"{ONLINE_YES} cho thủ tục này."]), yes, URL)[0] == "correct"
    assert grade(answer("online", [f"{ONLINE_NO}."]), yes, URL)[0] == "wrong"
    assert grade(answer("online", [f"{ONLINE_YES}."]), no, URL)[0] == "wrong"


def test_documents_sit_in_their_sections_and_notes_are_not_items() -> None:
    g = gold("documents", sections=[{"heading": None, "items": ["Tờ khai"]},
                                    {"heading": "Giấy tờ phải nộp", "items": ["Giấy chứng sinh"]}],
             notes=["Cá nhân có quyền lựa chọn"])
    good = ["Thành phần hồ sơ:", "- Tờ khai (1 bản chính)", "Giấy tờ phải nộp:", "- Giấy chứng sinh (1 bản chính)",
            NOTES_TITLE, "• Cá nhân có quyền lựa chọn ..."]
    assert grade(answer("documents", good), g, URL) == ("correct", [])
    misplaced = ["Thành phần hồ sơ:", "Giấy tờ phải nộp:", "- Giấy chứng sinh", "- Tờ khai"]
    assert grade(answer("documents", misplaced), g, URL)[0] == "incomplete"
    note_as_item = [*good[:4], "- (v) Cá nhân có quyền lựa chọn ..."]
    verdict, reasons = grade(answer("documents", note_as_item), g, URL)
    assert verdict == "incomplete" and reasons[0].startswith("note rendered as a document")


def test_the_bench_reports_per_facet_and_sample(tmp_path: Path) -> None:
    from bench.answers import Grade, _summary

    grades = [Grade("1", "fee", "most_asked", True, "correct", []), Grade("2", "fee", "random", False, "wrong", ["x"])]
    summary = _summary(grades)
    assert summary["all"]["fee"]["correct_share"] == 0.5 and summary["core"]["overall"]["correct_share"] == 1.0
    assert summary["random"]["fee"]["wrong"] == 1
