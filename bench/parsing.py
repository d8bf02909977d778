"""Measure how much of the dichvucong.gov.vn corpus the parsers understand.

    python -m bench.parsing [PATH]

PATH defaults to ``../shared/datasets/tthc-dvcqg/raw`` next to the repository
root (``<ministry>/<code>.json`` files). For each field it reports, over the
records whose source field has content, the share that came out structured
(non-empty), plus row-level detail (how many channel rows carry a time and a
fee, how many legal rows a number, ...), parse errors and the run time. The
same numbers go to ``bench/results/parsing.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from knowledge.parsing import RecordError, parse_record, read_record_file
from knowledge.parsing import channels, documents, legal
from knowledge.parsing.text import clean
from knowledge.records import Procedure

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PATH = REPO.parent / "shared" / "datasets" / "tthc-dvcqg" / "raw"
RESULTS = REPO / "bench" / "results" / "parsing.json"


def _has_content(text: str | None, *noise: str) -> bool:
    """Whether a source field says anything beyond table headers and dashes."""
    text = clean(text) or ""
    for n in noise:
        text = text.replace(n, "")
    return bool(text.strip(" -*\n"))


# field -> (is the source non-empty?, is the parsed value non-empty?)
FIELDS = {
    "channels": (lambda r: _has_content(r.get("cach_thuc_thuc_hien"), channels.HEADER), lambda p: p.channels),
    "documents": (lambda r: _has_content(r.get("thanh_phan_ho_so"), documents.HEADER), lambda p: p.documents),
    "legal_basis": (lambda r: _has_content(r.get("can_cu_phap_ly"), legal.HEADER), lambda p: p.legal_basis),
    "steps": (lambda r: _has_content(r.get("trinh_tu_thuc_hien")), lambda p: p.steps),
    "result": (lambda r: _has_content(r.get("ket_qua_xu_ly")), lambda p: p.result),
    "agency": (
        lambda r: _has_content(r.get("co_quan_thuc_hien")) or _has_content(r.get("co_quan_co_tham_quyen")),
        lambda p: p.agency,
    ),
    "conditions": (lambda r: _has_content(r.get("yeu_cau_dieu_kien")), lambda p: p.conditions),
}


def _row_detail(parsed: list[Procedure]) -> dict[str, dict[str, int]]:
    """Row-level counts: how complete the rows of each table are."""
    ch = [c for p in parsed for c in p.channels]
    # rows that name a template file at all: a parsed form, or one left in the name
    docs = [d for p in parsed for d in p.documents if d.form or documents.FILE.search(d.name)]
    laws = [x for p in parsed for x in p.legal_basis]
    return {
        "channel rows with a time": {"n": len(ch), "hit": sum(c.processing_time is not None for c in ch)},
        "channel rows with a fee (None = portal says none)": {"n": len(ch), "hit": sum(c.fee is not None for c in ch)},
        "file-naming document rows with form split": {"n": len(docs), "hit": sum(d.form is not None for d in docs)},
        "legal rows with a number": {"n": len(laws), "hit": sum(x.number is not None for x in laws)},
        "records with repair notes": {"n": len(parsed), "hit": sum(bool(p.parse_notes) for p in parsed)},
    }


def run(path: Path) -> dict:
    """Parse every record under ``path`` and return the measurements."""
    files = sorted(path.glob("*/*.json"))
    errors: dict[str, str] = {}
    counts = {name: {"source": 0, "parsed": 0} for name in FIELDS}
    parsed: list[Procedure] = []
    start = time.perf_counter()
    for file in files:
        try:
            raw = read_record_file(file)
            procedure = parse_record(raw, ministry=file.parent.name)
        except RecordError as e:
            errors[f"{file.parent.name}/{file.name}"] = str(e)
            continue
        parsed.append(procedure)
        for name, (in_source, in_parsed) in FIELDS.items():
            if in_source(raw):
                counts[name]["source"] += 1
                counts[name]["parsed"] += bool(in_parsed(procedure))
    seconds = time.perf_counter() - start
    return {
        "path": str(path),
        "records": len(files),
        "parsed": len(parsed),
        "errors": errors,
        "seconds": round(seconds, 3),
        "fields": {
            name: {**c, "coverage": round(c["parsed"] / c["source"], 4) if c["source"] else None}
            for name, c in counts.items()
        },
        "rows": _row_detail(parsed),
    }


def _print(report: dict, console: Console) -> None:
    table = Table(title=f"Parsing coverage — {report['parsed']}/{report['records']} records in {report['seconds']} s")
    table.add_column("field")
    table.add_column("non-empty in source", justify="right")
    table.add_column("parsed into structure", justify="right")
    table.add_column("coverage", justify="right")
    for name, c in report["fields"].items():
        cov = "—" if c["coverage"] is None else f"{c['coverage']:.1%}"
        table.add_row(name, str(c["source"]), str(c["parsed"]), cov)
    for name, c in report["rows"].items():
        share = f"{c['hit'] / c['n']:.1%}" if c["n"] else "—"
        table.add_row(f"[dim]{name}[/dim]", str(c["n"]), str(c["hit"]), share)
    console.print(table)
    console.print(f"parse errors: {len(report['errors'])}")
    for file, reason in list(report["errors"].items())[:20]:
        console.print(f"  {file}: {reason}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    if not path.is_dir():
        print(f"no such folder: {path}", file=sys.stderr)
        return 2
    report = run(path)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    _print(report, Console())
    print(f"written to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
