"""Grade the extractive answers against the gold answer set.

    python -m bench.answers [--gold FILE] [--records DIR] [--verbose]

The gold set (``bench/data/answers_gold.jsonl``, described at the end of
``bench/data/README.md``) holds 60 procedures x 5 facets (documents, fee,
duration, place, online), written from the raw records alone. For each line the
record is parsed straight from ``../shared/datasets/tthc-dvcqg/raw/<ministry>/<code>.json``
(no database), :func:`knowledge.answers.render_answer` renders the facet, and
the answer's text is graded mechanically.

Comparison: both sides are composed to NFC, lower-cased, stripped of invisible
format characters (Unicode category Cf, e.g. the stray U+200E some records
carry inside words) and have every whitespace run collapsed to one space. A
fact or a forbidden string is then looked up as a substring; a forbidden string
counts only as whole words (``1 ngày`` is not found inside ``01 ngày`` or
``21 ngày``).

Verdicts, checked in this order:

* **wrong**: a ``forbidden`` string appears; or, for ``online``, the answer
  states availability wrongly (it must contain
  :data:`knowledge.answers.ONLINE_YES` when ``online_available`` is true and
  :data:`knowledge.answers.ONLINE_NO` when false, never the other); or, for a
  fee or duration the record does not state (``none_stated``), the answer claims
  a value (``Answer.found`` is true).
* **missing**: the answer says the record has nothing (``Answer.found`` false)
  while the gold has facts, document items or online availability.
* **incomplete**: a fact (or every alternative of a fact) is absent; for
  documents, a section item is absent from its section, or a note is rendered
  as a document item; or the answer lacks the record's code, name or portal
  link (every answer must carry all three, so a citizen can check).
* **correct** (correct and complete) otherwise.

Documents are read from the answer's layout: a section starts at a line that
begins with its gold heading and runs to the next line that begins with another
gold heading, or to the notes block (the line
:data:`knowledge.answers.NOTES_TITLE`), or to the source line at the end. Items
of an untitled section (heading null) must sit before the first gold heading.
An item must occur inside its section; a note is "rendered as a document item"
when an item line (one starting with ``- ``) outside the notes block starts with
it, bullets and enumerators ("(iv) ", "a) ", "+ ") aside on both sides (notes are
prefixes of rows; a note's words quoted inside a longer document do not count).

The table lists the share of correct answers per facet and overall, for the
whole set and for the most-asked, core and random samples; every other answer
is listed with its verdict and reason.

Whole base (skip with ``--no-base``): the five facets of all 1,479 records are
rendered and checked for what no gold is needed to see: times ("N ngày", "N
giờ", ...) and fee amounts in an answer that the record does not contain (must
be 0), answers that find nothing, bare-number time cells and how many of them
the description or steps explain, fee cells whose "Miễn phí" their own
explanation contradicts, place answers led by the steps or naming Huế's own
offices, online answers naming a system, document rows by kind.

Results go to ``bench/results/answers.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import REPO, SHARED, write_result
from knowledge.answers import NOTES_TITLE, ONLINE_NO, ONLINE_YES, SOURCE_LABEL, Answer, Facet, render_answer
from knowledge.answers import duration as duration_facet
from knowledge.answers import fee as fee_facet
from knowledge.importer import read_procedures
from knowledge.parsing import parse_record, read_record_file
from knowledge.records import Procedure, SubmissionChannel

GOLD = REPO / "bench" / "data" / "answers_gold.jsonl"
RECORDS = SHARED / "datasets" / "tthc-dvcqg" / "raw"
FACETS = ("documents", "fee", "duration", "place", "online")
VERDICTS = ("correct", "incomplete", "wrong", "missing")



def norm(text: str) -> str:
    """NFC, lower case, no format characters, one space per whitespace run."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.lower().split())


#: Bullets and enumerators in front of a row: "- ", "+ ", "(iv) ", "a) ", "2.1. ".
_LEADER = re.compile(r"^(?:[-+*•–]+\s*|\(?(?:[a-zđ]|[ivx]+|\d+(?:\.\d+)*)[.)]\s*)+")


def _has_words(haystack: str, needle: str) -> bool:
    """Whether normalised ``needle`` occurs in ``haystack`` as whole words."""
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


@dataclass
class Grade:
    code: str
    facet: str
    sample: str
    core: bool
    verdict: str
    reasons: list[str]


def _fact_present(text: str, fact: str | list[str]) -> bool:
    alternatives = fact if isinstance(fact, list) else [fact]
    return any(norm(a) in text for a in alternatives)


def _lines(answer: Answer) -> list[str]:
    return [norm(line) for line in answer.text.split("\n")]


def _document_problems(answer: Answer, gold: dict) -> list[str]:
    """Items outside their section and notes rendered as items."""
    lines = _lines(answer)
    notes_at = next((i for i, line in enumerate(lines) if line == norm(NOTES_TITLE)), None)
    source_at = next((i for i, line in enumerate(lines) if line.startswith(norm(SOURCE_LABEL))), len(lines))
    body_end = notes_at if notes_at is not None else source_at
    headings = {norm(s["heading"]) for s in gold["sections"] if s["heading"]}

    def heading_of(line: str) -> str | None:
        matches = [h for h in headings if line.startswith(h)]
        return max(matches, key=len) if matches else None

    # Which gold heading each line of the body belongs to (None before the first).
    owner: list[str | None] = []
    current = None
    for line in lines[:body_end]:
        current = heading_of(line) or current
        owner.append(current)
    problems = []
    for section in gold["sections"]:
        heading = norm(section["heading"]) if section["heading"] else None
        region = "\n".join(line for line, o in zip(lines, owner) if o == heading)
        if heading is not None and heading not in {o for o in owner}:
            problems.append(f"heading not rendered: {section['heading'][:60]!r}")
            continue
        for item in section["items"]:
            if norm(item) not in region:
                where = f"under {section['heading'][:40]!r}" if heading else "untitled"
                problems.append(f"item missing ({where}): {item[:60]!r}")
    item_lines = [_LEADER.sub("", line) for line in lines[:body_end] if line.startswith("- ")]
    for note in gold.get("notes", []):
        if any(line.startswith(norm(_LEADER.sub("", note))) for line in item_lines):
            problems.append(f"note rendered as a document: {note[:60]!r}")
    return problems


def grade(answer: Answer, gold: dict, url: str | None) -> tuple[str, list[str]]:
    """The verdict for one answer and its reasons (empty when correct)."""
    text = norm(answer.text)
    facet = gold["facet"]
    wrong = [f"forbidden {f!r} appears" for f in gold.get("forbidden", []) if _has_words(text, norm(f))]
    if facet == "online":
        yes, no = norm(ONLINE_YES) in text, norm(ONLINE_NO) in text
        if gold["online_available"] and (not yes or no):
            wrong.append("says online filing is not available")
        if not gold["online_available"] and (yes or not no):
            wrong.append("says online filing is available")
    if gold.get("none_stated") and answer.found:
        wrong.append("states a value the record does not give")
    if wrong:
        return "wrong", wrong
    expects = bool(gold.get("facts")) or any(s["items"] for s in gold.get("sections", []))
    expects = expects or (facet == "online" and gold["online_available"])
    if not answer.found and expects:
        return "missing", ["answer says the record has nothing"]
    incomplete = [f"fact missing: {f!r}" for f in gold.get("facts", []) if not _fact_present(text, f)]
    if facet == "documents":
        incomplete += _document_problems(answer, gold)
    for what, value in (("code", gold["code"]), ("name", gold["name"]), ("link", url)):
        if not value or norm(value) not in text:
            incomplete.append(f"no {what} of the record")
    return ("incomplete", incomplete) if incomplete else ("correct", [])


def load_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(gold_path: Path = GOLD, records: Path = RECORDS, base: bool = True) -> dict:
    gold = load_gold(gold_path)
    procedures = {}
    grades: list[Grade] = []
    start = time.perf_counter()
    for g in gold:
        key = (g["ministry"], g["code"])
        if key not in procedures:
            raw = read_record_file(records / g["ministry"] / f"{g['code']}.json")
            procedures[key] = parse_record(raw, ministry=g["ministry"])
        p = procedures[key]
        answer = render_answer(p, Facet(g["facet"]))
        verdict, reasons = grade(answer, g, p.url)
        grades.append(Grade(g["code"], g["facet"], g["sample"], g["core"], verdict, reasons))
    seconds = time.perf_counter() - start
    report = {"gold": str(gold_path.relative_to(REPO)), "answers": len(grades), "seconds": round(seconds, 2),
              "summary": _summary(grades), "grades": [asdict(x) for x in grades]}
    if base:
        report["base"] = base_checks(records)
    return report


#: A time with its unit, as an answer could state it.
_TIME_WITH_UNIT = re.compile(
    r"(?<![\w/.,])\d+(?:[.,]\d+)?\s*(?:\([^()]{1,20}\)\s*)?"
    r"(?:ngày làm việc|ngày|giờ làm việc|giờ|tháng|phút|tuần)(?!\w)",
    re.I,
)
_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:đồng|đ\b|VNĐ|VND|USD|Việt Nam Đồng)", re.I)
_NATIONAL = re.compile(r"dịch vụ công quốc gia|DVC quốc gia", re.I)


def base_checks(records: Path) -> dict:
    """Render every facet of every record and count what can be checked without a gold."""
    procedures, skipped = read_procedures(records)
    facets = [Facet(f) for f in FACETS]
    counts: Counter[str] = Counter({"times with a unit not in the record": 0, "fee amounts not in the record": 0})
    examples: dict[str, list[str]] = defaultdict(list)
    start = time.perf_counter()
    for p in procedures:
        record = norm("\n".join(p.raw.values()))
        answers = {f: render_answer(p, f) for f in facets}
        for f, a in answers.items():
            counts[f"{f.value}: record states nothing"] += not a.found
            body = "\n".join(a.points)
            for m in _TIME_WITH_UNIT.finditer(body):
                if norm(m.group(0)) not in record:
                    counts["times with a unit not in the record"] += 1
                    examples["times with a unit not in the record"].append(f"{p.code} {f.value}: {m.group(0)}")
            if f is Facet.fee:
                for m in _AMOUNT.finditer(body):
                    if norm(m.group(0)) not in record:
                        counts["fee amounts not in the record"] += 1
                        examples["fee amounts not in the record"].append(f"{p.code}: {m.group(0)}")
        _count_record(p, answers, counts)
    seconds = time.perf_counter() - start
    order = {facet: i for i, facet in enumerate(("times", "fee amounts", *FACETS))}
    ordered = sorted(counts.items(), key=lambda kv: order.get(kv[0].split(":")[0].split(" ")[0], 0))
    return {"records": len(procedures), "skipped": len(skipped), "seconds": round(seconds, 1),
            "counts": dict(ordered), "examples": {k: v[:10] for k, v in examples.items()}}


def _count_record(p: Procedure, answers: dict[Facet, Answer], counts: Counter[str]) -> None:
    times = [c.processing_time for c in p.channels if c.processing_time]
    points = {f: "\n".join(a.points) for f, a in answers.items()}
    if any(duration_facet.is_bare(t) for t in times):
        counts["duration: records with a bare-number time cell"] += 1
        explained = any(x in points[Facet.duration]
                        for x in ("Mô tả trên Cổng:", "trong trình tự", "thành phần hồ sơ:"))
        counts["duration: of these, explained by the description, steps or notes"] += explained
    if p.channels and not times:
        counts["duration: records with no time cell"] += 1
        counts["duration: of these, a time found in the steps or notes"] += answers[Facet.duration].found
    cells = [fee_facet.split_cell(c.fee) for c in p.channels if c.fee]
    if any(e for _, e in cells):
        counts["fee: records with an explanation in the fee cell"] += 1
        counts["fee: of these, with an amount in the explanation"] += any(e and _AMOUNT.search(e) for _, e in cells)
    counts["fee: 'Miễn phí' contradicted by its own explanation (both said)"] += any(
        fee_facet.contradicted(label, e) for label, e in cells)
    counts["fee: level left to the HĐND"] += "theo quy định của HĐND tỉnh" in points[Facet.fee]
    counts["fee: answers quoting the steps"] += "Trình tự thực hiện ghi:" in points[Facet.fee]
    place = answers[Facet.place].points
    counts["place: led by where the steps send the file"] += bool(place) and place[0].startswith("Nơi nộp")
    counts["place: naming Huế's own offices"] += any(x.startswith("Tại Huế:") for x in place)
    counts["place: records without co_quan_thuc_hien"] += not p.agency
    counts["place: of these, an office found elsewhere"] += not p.agency and answers[Facet.place].found
    if any(c.channel is SubmissionChannel.online for c in p.channels):
        named = [x for x in answers[Facet.online].points if x.startswith("Nộp qua:")]
        counts["online: available"] += 1
        counts["online: of these, naming the system"] += bool(named)
        counts["online: of these, naming only systems other than the national portal"] += bool(named) and not any(
            _NATIONAL.search(x) for x in named)
    for d in p.documents:
        counts[f"documents: rows that are a {d.kind.value}"] += 1
        counts["documents: conditional documents"] += d.condition is not None
    groups = {d.table: d.group for d in p.documents}
    counts["documents: records with untitled and titled tables"] += None in groups.values() and any(groups.values())


def _share(grades: list[Grade]) -> dict:
    counts = Counter(x.verdict for x in grades)
    n = len(grades)
    return {"n": n, **{v: counts.get(v, 0) for v in VERDICTS},
            "correct_share": round(counts.get("correct", 0) / n, 4) if n else None}


def _summary(grades: list[Grade]) -> dict:
    subsets = {
        "all": grades,
        "most_asked": [x for x in grades if x.sample == "most_asked"],
        "core": [x for x in grades if x.core],
        "random": [x for x in grades if x.sample == "random"],
    }
    out: dict[str, dict] = defaultdict(dict)
    for name, subset in subsets.items():
        for facet in FACETS:
            out[name][facet] = _share([x for x in subset if x.facet == facet])
        out[name]["overall"] = _share(subset)
    return dict(out)


def _print(report: dict, console: Console, verbose: bool) -> None:
    summary = report["summary"]
    table = Table(title=f"Extractive answers: share correct and complete ({report['answers']} answers)")
    table.add_column("facet")
    for name in summary:
        table.add_column(f"{name} (n)", justify="right")
    for facet in (*FACETS, "overall"):
        cells = []
        for name in summary:
            s = summary[name][facet]
            cells.append("—" if not s["n"] else f"{s['correct_share']:.1%} ({s['n']})")
        table.add_row(facet if facet != "overall" else "[bold]overall[/bold]", *cells)
    console.print(table)
    if "base" in report:
        base = report["base"]
        table = Table(title=f"Whole base: {base['records']} records x 5 facets ({base['seconds']} s)")
        table.add_column("check")
        table.add_column("count", justify="right")
        for name, count in base["counts"].items():
            table.add_row(name, str(count))
        console.print(table)
        for name, examples in base["examples"].items():
            console.print(f"{name}: " + "; ".join(examples), highlight=False, markup=False)
    others = [g for g in report["grades"] if g["verdict"] != "correct"]
    console.print(f"{len(others)} answers not correct and complete:")
    for g in others:
        tag = "core" if g["core"] else g["sample"]
        reasons = g["reasons"] if verbose else g["reasons"][:3]
        more = "" if verbose or len(g["reasons"]) <= 3 else f" (+{len(g['reasons']) - 3} more)"
        console.print(f"  {g['code']} {g['facet']:<9} [{tag}] {g['verdict']}: " + "; ".join(reasons) + more,
                      highlight=False, markup=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--records", type=Path, default=RECORDS)
    parser.add_argument("--verbose", action="store_true", help="list every reason of every answer")
    parser.add_argument("--no-base", action="store_true", help="skip the whole-base checks")
    args = parser.parse_args(argv)
    report = run(args.gold.resolve(), args.records, base=not args.no_base)
    _print(report, Console(), args.verbose)
    path = write_result("answers", report)
    print(f"written to {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
