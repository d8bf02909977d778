"""``hueai kb``: import, index, search and show the TTHC knowledge base."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from core.types import Channel
from hueai import build
from hueai.cli import feedback
from hueai.cli.common import fail, runtime, schema_checked
from hueai.jsonl import run_jsonl
from hueai.runtime import ModelMissing, Runtime
from knowledge.importer import ImportReport
from training.kb_index import STEPS
from training.progress import Stages

app = typer.Typer(help="The TTHC knowledge base.", no_args_is_help=True)
app.add_typer(feedback.app, name="feedback")  # `hueai kb feedback export`: corrections for calibration


def print_import(report: ImportReport, source: Path) -> None:
    for skip in report.skipped:
        typer.echo(f"skipped {skip.path}: {skip.reason}", err=True)
    typer.echo(
        f"imported {report.imported} records from {source}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped"
    )


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="a dichvucong JSON record, or a folder of them")],
    reindex: Annotated[bool, typer.Option(help="rebuild the retrieval index afterwards")] = True,
) -> None:
    """Load TTHC records into the knowledge base and rebuild the index.

    Bad records are skipped and listed with file and reason; the exit status is 2 if any was skipped.
    """
    rt = schema_checked(runtime())
    if not path.exists():
        raise fail(f"no such file or folder: {path}")
    stages = Stages("kb import", 1 + STEPS * reindex)
    report = build.import_source(rt.db, path, stages)
    print_import(report, path)
    if reindex:
        typer.echo(f"knowledge index: {index_or_fail(rt, stages)}")
    if report.skipped:
        raise typer.Exit(2)


def index_or_fail(rt: Runtime, stages: Stages, *, force: bool = False) -> Path:
    """The current knowledge index (rebuilt when its inputs changed), or a one-line error when there is
    nothing to index."""
    try:
        return build.index(rt.db, rt.settings, stages, force=force)
    except build.EmptyKnowledgeBase as exc:
        raise fail(str(exc)) from None


@app.command("reindex")
def reindex() -> None:
    """Rebuild the retrieval index from the database (retrains the dense encoder)."""
    rt = schema_checked(runtime())
    typer.echo(f"knowledge index: {index_or_fail(rt, Stages('kb reindex', STEPS), force=True)}")


@app.command("search")
def search(
    text: Annotated[Optional[str], typer.Argument(help="the question")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="how many procedures")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help='read {"id","text"} lines on stdin')] = False,
    channel: Annotated[
        Optional[Channel],
        typer.Option(help="where the questions came from (voice: the hotline's transcripts, which have their "
                     "own confidence threshold)"),
    ] = None,
) -> None:
    """Ranked procedures for a question; none when nothing matches confidently."""
    from knowledge.index.hybrid import InvalidQuery

    index = _index(runtime())
    if jsonl:
        if run_jsonl(lambda item: index.search(item["text"], k=k, channel=channel).model_dump(mode="json")):
            raise typer.Exit(2)
        return
    if text is None:
        raise fail("give a question, or --jsonl to read questions from stdin")
    try:
        response = index.search(text, k=k, channel=channel)
    except InvalidQuery as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    if response.missing:
        typer.echo(f"Cơ sở dữ liệu chưa có thủ tục về {response.missing} (knowledge/data/gaps.yaml).")
    elif not response.results:
        typer.echo(f"Không tìm thấy thủ tục đủ khớp với câu hỏi (độ tin cậy {response.confidence:.2f}, "
                   f"cần {index.confidence.threshold_for(channel):.2f}).")
        if response.suggestions:
            typer.echo("Có thể bạn muốn hỏi:")
    shown = response.results or response.suggestions
    table = Table("#", "mã", "thủ tục", "cấp", "điểm", "nhóm")
    for rank, hit in enumerate(shown, 1):
        table.add_row(str(rank), hit.code, hit.name, hit.level or "", f"{hit.score:.3f}",
                      "" if hit.group is None else str(hit.group))
    if shown:
        Console().print(table)
    for note in response.notes:
        typer.echo(f"Lưu ý: {note}")


@app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="procedure code, e.g. 1.001193")],
    facet: Annotated[
        Optional[str], typer.Option(help="overview | documents | fee | duration | place | online (default: all)")
    ] = None,
    ward: Annotated[
        Optional[str], typer.Option(help="the citizen's ward or commune in Huế, e.g. 'phường Thuận Hóa'")
    ] = None,
) -> None:
    """Print the extractive answers of one procedure."""
    from knowledge.answers import Facet, render_answer
    from knowledge.store import get_procedure

    try:
        facets = [Facet(facet)] if facet else list(Facet)
    except ValueError:
        raise fail(f"unknown facet {facet!r}; choose one of {', '.join(f.value for f in Facet)}") from None
    procedure = get_procedure(schema_checked(runtime()).db, code)
    if procedure is None:
        raise fail(f"no procedure with code {code!r} in the knowledge base")
    for item in facets:
        typer.echo(f"## {item.value}")
        typer.echo(render_answer(procedure, item, ward=ward).text)
        typer.echo("")


def _index(rt: Runtime):  # type: ignore[no-untyped-def]
    try:
        return rt.index
    except ModelMissing as exc:
        raise fail(str(exc)) from None
