"""The ``hueai`` command line (see ``../shared/spec/interfaces.md``).

Exit status: 0 on success, 2 on bad usage or bad input, with a one-line reason
on stderr. Batch commands read and write JSON Lines; a bad line is reported
with its line number and the batch goes on.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from hueai.cli_nlu import DEFAULT_NLU_DATA, train_nlu_model
from hueai.cli_nlu import register as register_nlu
from hueai.cli_posts import DEFAULT_POSTS_DATA, train_post_model
from hueai.cli_posts import register as register_posts
from hueai.jsonl import run_jsonl
from hueai.logging import configure_logging
from hueai.services import IndexMissing, Services
from hueai.settings import get_settings
from knowledge.index.confidence import Channel

app = typer.Typer(help="hueai: Vietnamese citizen assistant and media monitor for Huế.", no_args_is_help=True)
kb_app = typer.Typer(help="The TTHC knowledge base.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(db_app, name="db")



def fail(reason: str, code: int = 2) -> typer.Exit:
    """Print a one-line reason on stderr and return the exit to raise."""
    typer.echo(f"error: {reason}", err=True)  # one line, never wrapped to a terminal's width
    return typer.Exit(code)


def services() -> Services:
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    return Services(settings)


@app.command()
def setup(
    source: Annotated[Optional[Path], typer.Option(help="records to import (default HUEAI_TTHC_SOURCE)")] = None,
) -> None:
    """Prepare a fresh installation: migrate, import the knowledge base, index it, train the NLU and post models."""
    svc = services()
    svc.db.upgrade()
    source = source or svc.settings.tthc_source
    skipped = 0
    if source is None:
        typer.echo("no TTHC source configured (HUEAI_TTHC_SOURCE); the knowledge base stays as it is", err=True)
    else:
        skipped = _import(svc, source)
    svc.rebuild_index()
    typer.echo(f"ready: {svc.index.meta['procedures']} procedures indexed in {svc.settings.index_dir}")
    nlu_model = train_nlu_model(svc.settings, DEFAULT_NLU_DATA, None, progress=sys.stderr.isatty(), unless_current=True)
    typer.echo(f"NLU model: {nlu_model}")
    post_model, _ = train_post_model(svc.settings, DEFAULT_POSTS_DATA, None, progress=sys.stderr.isatty(),
                                     unless_current=True)
    typer.echo(f"post classifiers: {post_model}")
    if skipped:
        raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
) -> None:
    """Run the web app (knowledge-base API, /healthz, /metrics)."""
    import uvicorn

    from hueai.app import create_app

    svc = services()
    svc.db.upgrade()
    uvicorn.run(create_app(svc), host=host, port=port, log_level=svc.settings.log_level.lower())


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply database migrations up to REVISION (default: the newest)."""
    services().db.upgrade(revision)


@kb_app.command("import")
def kb_import(
    path: Annotated[Path, typer.Argument(help="a dichvucong JSON record, or a folder of them")],
    reindex: Annotated[bool, typer.Option(help="rebuild the retrieval index afterwards")] = True,
) -> None:
    """Load TTHC records into the knowledge base and rebuild the index.

    Bad records are skipped and listed with file and reason; the exit status is 2 if any was skipped.
    """
    svc = services()
    svc.db.upgrade()
    skipped = _import(svc, path)
    if reindex:
        svc.rebuild_index()
    if skipped:
        raise typer.Exit(2)


def _import(svc: Services, path: Path) -> int:
    from knowledge.importer import import_records

    if not path.exists():
        raise fail(f"no such file or folder: {path}")
    report = import_records(svc.db, path)
    for skip in report.skipped:
        typer.echo(f"skipped {skip.path}: {skip.reason}", err=True)
    typer.echo(
        f"imported {report.imported} records from {path}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped"
    )
    return len(report.skipped)


@kb_app.command("reindex")
def kb_reindex() -> None:
    """Rebuild the retrieval index from the database (retrains the dense encoder)."""
    index = services().rebuild_index()
    typer.echo(f"indexed {index.meta['procedures']} procedures")


@kb_app.command("search")
def kb_search(
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

    index = _index(services())
    if jsonl:
        _search_jsonl(index, k, channel)
        return
    if text is None:
        raise fail("give a question, or --jsonl to read questions from stdin")
    try:
        response = index.search(text, k=k, channel=channel)
    except InvalidQuery as exc:
        raise fail(str(exc))
    if as_json:
        typer.echo(json.dumps(response.as_dict(), ensure_ascii=False, indent=2))
        return
    if not response.hits:
        typer.echo(f"Không tìm thấy thủ tục đủ khớp với câu hỏi (độ tin cậy {response.confidence:.2f}, "
                   f"cần {index.confidence.threshold_for(channel):.2f}).")
        if response.suggestions:
            typer.echo("Có thể bạn muốn hỏi:")
    shown = response.hits or response.suggestions
    table = Table("#", "mã", "thủ tục", "cấp", "điểm", "nhóm")
    for rank, hit in enumerate(shown, 1):
        table.add_row(str(rank), hit.code, hit.name, hit.level or "", f"{hit.score:.3f}",
                      "" if hit.group is None else str(hit.group))
    if shown:
        Console().print(table)
    for note in response.notes:
        typer.echo(f"Lưu ý: {note}")


def _search_jsonl(index, k: int, channel: str | None) -> None:  # type: ignore[no-untyped-def]
    if run_jsonl(lambda item: index.search(item["text"], k=k, channel=channel).as_dict()):
        raise typer.Exit(2)


@kb_app.command("show")
def kb_show(
    code: Annotated[str, typer.Argument(help="procedure code, e.g. 1.001193")],
    facet: Annotated[
        Optional[str], typer.Option(help="overview | documents | fee | duration | place | online (default: all)")
    ] = None,
) -> None:
    """Print the extractive answers of one procedure."""
    from knowledge.answers import Facet, render_answer
    from knowledge.store import get_procedure

    svc = services()
    svc.db.upgrade()
    procedure = get_procedure(svc.db, code)
    if procedure is None:
        raise fail(f"no procedure with code {code!r} in the knowledge base")
    try:
        facets = [Facet(facet)] if facet else list(Facet)
    except ValueError:
        raise fail(f"unknown facet {facet!r}; choose one of {', '.join(f.value for f in Facet)}")
    for item in facets:
        typer.echo(f"## {item.value}")
        typer.echo(render_answer(procedure, item).text)
        typer.echo("")


def _index(svc: Services):  # type: ignore[no-untyped-def]
    try:
        return svc.index
    except IndexMissing as exc:
        raise fail(str(exc))


register_nlu(app, get_settings, fail)
register_posts(app, get_settings, fail)


if __name__ == "__main__":
    app()
