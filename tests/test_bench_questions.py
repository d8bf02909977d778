"""Validate the hand-written retrieval benchmark question sets (bench/data/kb_questions*.jsonl).

Two development sets, whose results were read while the retriever was tuned: ``kb_questions.jsonl``
(written while it was built, ids ``q…``) and ``kb_questions_dev.jsonl`` (written by a separate writer
who saw neither the retriever nor its data, ids ``b…``); and ``kb_questions_longtail.jsonl`` (ids
``t…``), sealed: about procedures that no calibration question asks about, written blind, and only
ever read as aggregate numbers, and a second and a third sealed set written the same way later
(``kb_questions_longtail_2.jsonl``, ``s…``; ``kb_questions_longtail_3.jsonl``, ``u…``), mostly about what the
base lacks. Development sets C (``l…``), D (``d…``) and F (``f…``) ask about the long tail, set E
(``kb_questions_dev_nearmiss.jsonl``, ``n…``) only about what the base lacks. No benchmark question may repeat
a calibration question, exactly or nearly (:func:`test_no_benchmark_question_repeats_a_calibration_question`).

The expected procedure codes are checked against the shared TTHC dataset, read at run time
(never copied into the repo); those checks skip only when that folder is absent.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QUESTION_SETS = {"kb_questions.jsonl": "q", "kb_questions_dev.jsonl": "b", "kb_questions_dev_longtail.jsonl": "l",
                 "kb_questions_dev_rest.jsonl": "d", "kb_questions_longtail.jsonl": "t",
                 "kb_questions_dev_nearmiss.jsonl": "n", "kb_questions_longtail_2.jsonl": "s",
                 "kb_questions_longtail_3.jsonl": "u", "kb_questions_dev_f.jsonl": "f"}
# Development set E holds only questions about what the base lacks: the counts of answerable ones do not apply.
NEAR_MISSES = "kb_questions_dev_nearmiss.jsonl"
CALIBRATION = REPO / "training" / "data" / "kb_calibration.jsonl"
# Two questions are near duplicates when they ask about the same procedures (or both about none) and
# share at least half of their word pairs (unaccented, lower case): "tam ngung kinh doanh ho ca the"
# and "tam ngung kinh doanh ho ca the 3 thang" (0.75), "mất sổ đỏ thì xin cấp lại mất bao lâu" and
# "mat so do thi lam lai mat bao lau" (0.50). Paraphrases by other writers stay below (0.2-0.4).
NEAR_DUPLICATE = 0.5

STYLES = {"formal", "colloquial", "no_diacritics", "teencode", "spoken"}
MIN_QUESTIONS = 220
MIN_PROCEDURES = 90
# The third sealed set measures mostly the "no answer" side: 75 answerable questions.
THIRD_SEALED = "kb_questions_longtail_3.jsonl"
MIN_PROCEDURES_OF = {THIRD_SEALED: 70}
# Development set F judges ranking changes on the rest of the catalogue: 150 answerable questions, 30 not.
DEV_F = "kb_questions_dev_f.jsonl"
MIN_QUESTIONS_OF = {DEV_F: 180}
MIN_PER_STYLE = 35
MIN_NOT_IN_BASE = 30
CODE_RE = re.compile(r"^\d+\.\d{6}$")


@pytest.fixture(scope="module", params=sorted(QUESTION_SETS))
def question_set(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def rows(jsonl, question_set: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return jsonl(REPO / "bench" / "data" / question_set)


@pytest.fixture(scope="module")
def names(tthc_records: dict[str, tuple[str, dict]]) -> dict[str, str]:
    return {code: record["ten_thu_tuc"] for code, (_, record) in tthc_records.items()}


def _strip(s: str) -> str:
    s = unicodedata.normalize("NFD", s.lower()).replace("đ", "d")
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def _words(s: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", _strip(s)).split())


def test_schema(rows, question_set):
    for r in rows:
        assert set(r) <= {"id", "text", "style", "expected", "note"}, r
        assert re.fullmatch(rf"{QUESTION_SETS[question_set]}\d{{3,}}", r["id"]), r["id"]
        assert isinstance(r["text"], str) and r["text"].strip(), r["id"]
        assert r["style"] in STYLES, r
        assert isinstance(r["expected"], list), r["id"]
        assert all(isinstance(c, str) and CODE_RE.match(c) for c in r["expected"]), r["id"]
        assert len(set(r["expected"])) == len(r["expected"]), r["id"]
        if "note" in r:
            assert isinstance(r["note"], str), r["id"]


def test_ids_and_texts_unique(rows):
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    texts = Counter(r["text"].strip().lower() for r in rows)
    assert not [t for t, n in texts.items() if n > 1]


def test_minimum_counts(rows, question_set):
    styles = Counter(r["style"] for r in rows)
    for style in STYLES:
        assert styles[style] >= MIN_PER_STYLE, styles
    if question_set != NEAR_MISSES:
        assert len(rows) >= MIN_QUESTIONS_OF.get(question_set, MIN_QUESTIONS)
        assert len({c for r in rows for c in r["expected"]}) >= MIN_PROCEDURES_OF.get(question_set, MIN_PROCEDURES)
    negatives = [r for r in rows if not r["expected"]]
    assert len(negatives) >= MIN_NOT_IN_BASE
    # not-in-base questions are spread over the styles
    assert len({r["style"] for r in negatives}) == len(STYLES)


def test_style_surface_form(rows):
    for r in rows:
        text = r["text"]
        if r["style"] == "no_diacritics":
            assert _strip(text) == text.lower(), r["id"]
        if r["style"] == "spoken":
            assert text == text.lower(), r["id"]
            assert not re.search(r"[?!.,;:]", text), r["id"]


def test_expected_codes_exist(rows, names):
    missing = sorted({c for r in rows for c in r["expected"] if c not in names})
    assert not missing, missing


def test_mostly_paraphrased(rows, names):
    """At most a third of the questions may contain a record name verbatim."""
    def core(code: str) -> str:
        w = _words(names[code])
        return w[len("thu tuc "):] if w.startswith("thu tuc ") else w

    verbatim = [r["id"] for r in rows if any(core(c) in _words(r["text"]) for c in r["expected"])]
    assert len(verbatim) <= len(rows) / 3, verbatim


def _word_pairs(text: str) -> set[str]:
    words = _words(text).split()
    return {" ".join(words[i : i + 2]) for i in range(len(words) - 1)} or {" ".join(words)}


def test_no_benchmark_question_repeats_a_calibration_question(rows, jsonl):  # type: ignore[no-untyped-def]
    """The models learn from the calibration questions: a benchmark question they have seen, or nearly,
    would measure memory, not retrieval."""
    calibration = [(c, _word_pairs(c["text"])) for c in jsonl(CALIBRATION)]
    texts = {_words(c["text"]): c["id"] for c, _ in calibration}
    for row in rows:
        assert _words(row["text"]) not in texts, f"{row['id']} is calibration question {texts[_words(row['text'])]}"
        pairs = _word_pairs(row["text"])
        for question, other in calibration:
            same_target = set(row["expected"]) & set(question["expected"]) or not (row["expected"] or question["expected"])
            similarity = len(pairs & other) / len(pairs | other)
            assert not (same_target and similarity >= NEAR_DUPLICATE), (
                f"{row['id']} nearly repeats calibration question {question['id']} ({similarity:.2f})")


def _codes(rows: list[dict]) -> set[str]:
    """Every procedure code that some question of ``rows`` expects."""
    return {code for row in rows for code in row["expected"]}


def _codes_outside(jsonl, *sets: str) -> set[str]:  # type: ignore[no-untyped-def]
    """Every procedure code that a calibration question or a benchmark set other than ``sets`` expects."""
    others = [name for name in QUESTION_SETS if name not in sets]
    return _codes(jsonl(CALIBRATION)).union(*(_codes(jsonl(REPO / "bench" / "data" / name)) for name in others))


def test_the_long_tail_set_asks_about_procedures_no_calibration_question_names(jsonl):  # type: ignore[no-untyped-def]
    calibrated = _codes(jsonl(CALIBRATION))
    long_tail = jsonl(REPO / "bench" / "data" / "kb_questions_longtail.jsonl")
    assert not [r["id"] for r in long_tail if set(r["expected"]) & calibrated]


def test_the_second_sealed_set_asks_about_procedures_nothing_else_asks_about(jsonl):  # type: ignore[no-untyped-def]
    """Its procedures were drawn from those that no calibration question and no other set names (the first code;
    the rest are equally right siblings), so that no tuning on another set has seen them."""
    elsewhere = _codes_outside(jsonl, "kb_questions_longtail_2.jsonl")
    sealed = jsonl(REPO / "bench" / "data" / "kb_questions_longtail_2.jsonl")
    assert not [r["id"] for r in sealed if r["expected"] and r["expected"][0] in elsewhere]


def test_the_third_sealed_set_asks_about_procedures_no_calibration_question_or_sealed_set_names(jsonl):  # type: ignore[no-untyped-def]
    """Its answerable questions were drawn from the procedures that no calibration question and no other sealed
    set names (a development set may: there were too few left that nothing names)."""
    elsewhere = _codes(jsonl(CALIBRATION)).union(
        *(_codes(jsonl(REPO / "bench" / "data" / name)) for name in ("kb_questions_longtail.jsonl",
                                                                     "kb_questions_longtail_2.jsonl")))
    sealed = jsonl(REPO / "bench" / "data" / THIRD_SEALED)
    assert not [r["id"] for r in sealed if set(r["expected"]) & elsewhere]


def test_set_c_names_no_procedure_that_calibration_or_another_set_names(jsonl):  # type: ignore[no-untyped-def]
    """Set C stands in for the sealed set while the gate is tuned: about procedures nothing else names (but
    set D, written later, which may list a sibling of a procedure of C as equally right, and the third sealed set,
    which may ask about one)."""
    elsewhere = _codes_outside(jsonl, "kb_questions_dev_longtail.jsonl", "kb_questions_dev_rest.jsonl", THIRD_SEALED,
                               DEV_F)
    development = jsonl(REPO / "bench" / "data" / "kb_questions_dev_longtail.jsonl")
    assert not [r["id"] for r in development if set(r["expected"]) & elsewhere]


def test_set_e_holds_only_questions_the_base_cannot_answer_each_with_its_reason(jsonl):  # type: ignore[no-untyped-def]
    near_misses = jsonl(REPO / "bench" / "data" / NEAR_MISSES)
    assert not [r["id"] for r in near_misses if r["expected"] or not r.get("note", "").strip()]


def test_set_d_asks_about_procedures_nothing_else_asks_about(jsonl):  # type: ignore[no-untyped-def]
    """Each question of set D is about a procedure no calibration question or other set asks about
    (the first code; the rest are equally right siblings, which another set may name), but the third sealed set,
    written later, which may ask about one."""
    elsewhere = _codes_outside(jsonl, "kb_questions_dev_rest.jsonl", THIRD_SEALED, DEV_F)
    rest = jsonl(REPO / "bench" / "data" / "kb_questions_dev_rest.jsonl")
    assert not [r["id"] for r in rest if r["expected"] and r["expected"][0] in elsewhere]


def test_set_f_asks_about_procedures_no_calibration_question_or_sealed_set_names(jsonl):  # type: ignore[no-untyped-def]
    """Set F was written (6 December 2026) to judge ranking changes on the rest of the catalogue without reading the
    sealed sets: its procedures (the first code; a later one is an equally right sibling) are ones that neither a
    calibration question nor a sealed set names, so nothing learnt from its misses is learnt about a sealed question's
    procedure. Development sets C and D may name the same procedures."""
    elsewhere = _codes(jsonl(CALIBRATION)).union(
        *(_codes(jsonl(REPO / "bench" / "data" / name)) for name in ("kb_questions_longtail.jsonl",
                                                                     "kb_questions_longtail_2.jsonl", THIRD_SEALED)))
    development = jsonl(REPO / "bench" / "data" / DEV_F)
    assert not [r["id"] for r in development if r["expected"] and r["expected"][0] in elsewhere]
