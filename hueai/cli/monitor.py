"""``hueai monitor``: press and social monitoring (sources, import, crawl, relabel, classify).

Every command that touches the database refuses an out-of-date schema with the
one-line message of :func:`hueai.cli.common.schema_checked`.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, BinaryIO, Optional

import typer

from core.artifacts import current
from hueai.cli.common import fail, runtime, schema_checked
from hueai.jsonl import BadLine, parse_line

app = typer.Typer(help="Press and social monitoring.", no_args_is_help=True)
sources_app = typer.Typer(help="The sources the monitor crawls or imports.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
POSTS_KIND = "posts"
BATCH = 256  # posts labelled together: one post at a time costs ~4x more per post (per-call overhead)


# --- classify ------------------------------------------------------------------------------------


def _line_batches(stream: BinaryIO, size: int) -> Iterator[list[tuple[int, bytes]]]:
    """Numbered input lines in batches of up to ``size``; a batch also ends whenever no more input is
    waiting, so a caller writing one line and waiting for its answer is answered at once."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # an in-memory stream (tests): plain batches
        numbered = list(enumerate(stream.read().split(b"\n"), 1))
        if numbered and not numbered[-1][1]:
            numbered.pop()
        for start in range(0, len(numbered), size):
            yield numbered[start:start + size]
        return
    buffer = b""
    number = 0
    batch: list[tuple[int, bytes]] = []
    eof = False
    while not eof:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            eof = True
            if buffer:
                chunk, buffer = buffer + b"\n", b""
        lines = (buffer + chunk).split(b"\n")
        buffer = lines.pop()
        for line in lines:
            number += 1
            batch.append((number, line))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch and (eof or not select.select([fd], [], [], 0)[0]):
            yield batch
            batch = []


def _classify_batch(classifier, batch: list[tuple[int, bytes]]) -> tuple[list[dict], int]:  # type: ignore[no-untyped-def]
    """Answers for one batch, in input order, and how many lines failed (as :mod:`hueai.jsonl` reports them)."""
    answers: list[dict | None] = [None] * len(batch)
    items: list[tuple[int, dict]] = []
    for position, (number, line) in enumerate(batch):
        if not line.strip():
            continue
        try:
            items.append((position, parse_line(number, line)))
        except BadLine as exc:
            answers[position] = {"id": exc.item_id, "error": exc.reason}
    keys = ("relevant", "spam", "sentiment_l1", "confidence", "sentiment_l2")
    try:
        predicted = classifier.predict([item for _, item in items])
        results: list[dict | str] = [{k: p[k] for k in keys} for p in predicted]
    except ValueError:  # one bad post in the batch: find it, label the others
        results = []
        for position, item in items:
            try:
                (p,) = classifier.predict([item])
                results.append({k: p[k] for k in keys})
            except ValueError as exc:
                results.append(f"line {batch[position][0]}: {exc}")
    for (position, item), result in zip(items, results):
        answers[position] = ({"id": item.get("id"), **result} if isinstance(result, dict)
                             else {"id": item.get("id"), "error": result})
    out = [a for a in answers if a is not None]
    return out, sum("error" in a for a in out)


@app.command("classify")
def classify(
    jsonl: Annotated[bool, typer.Option("--jsonl", help='read {"id","title","content","source"} lines on stdin')]
    = False,
    model: Annotated[Optional[Path], typer.Option(help="model directory (default: the current one)")] = None,
) -> None:
    """Label posts: relevant to Huế, spam, sentiment level 1 and level-2 labels (batched; answers in input order)."""
    from nlu.posts import PostClassifier

    if not jsonl:
        raise fail("monitor classify reads JSON lines: pass --jsonl and write posts on stdin")
    path = model or current(runtime().settings.models, POSTS_KIND)
    if path is None:
        raise fail("no post classifier: run `hueai train sentiment` (or `hueai setup`) first, or pass --model DIR")
    try:
        classifier = PostClassifier.load(path)
    except (FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    failures = 0
    for batch in _line_batches(sys.stdin.buffer, BATCH):
        answers, failed = _classify_batch(classifier, batch)
        failures += failed
        for answer in answers:
            if "error" in answer:
                sys.stderr.write(answer["error"] + "\n")
            sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if failures:
        raise typer.Exit(2)


# --- sources -------------------------------------------------------------------------------------


@sources_app.command("add")
def sources_add(
    url_or_path: Annotated[str, typer.Argument(help="feed / listing page / sitemap URL, or an export file's path")],
    kind: Annotated[str, typer.Option(help="rss | page | sitemap | import")],
    name: Annotated[Optional[str], typer.Option(help="a name staff recognise (default: host and kind)")] = None,
    selector: Annotated[Optional[str], typer.Option(help="page: CSS selector of the article links")] = None,
    interval: Annotated[Optional[int], typer.Option(help="seconds between crawls (default HUEAI_MONITOR_INTERVAL)")]
    = None,
) -> None:
    """Add a source."""
    from pydantic import ValidationError

    from media_monitor.sources import SourceError, SourceSpec, add_source

    rt = schema_checked(runtime())
    try:
        spec = SourceSpec(kind=kind, url=url_or_path, name=name, selector=selector, interval_s=interval)
        if spec.kind.value == "import" and not Path(spec.url).is_file():
            raise SourceError(f"no such file: {spec.url}")
        row = add_source(rt.db, spec, default_interval=rt.settings.monitor.interval)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise fail(f"{where + ': ' if where else ''}{first['msg'].removeprefix('Value error, ')}") from None
    except SourceError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"added source {row.id}: {row.name} ({row.kind}, every {row.interval_s} s)")


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False) -> None:
    """Show the sources, with when each was last crawled and its last error."""
    from media_monitor.sources import list_sources

    rt = schema_checked(runtime())
    rows = list_sources(rt.db)
    for row in rows:
        record = {"id": row.id, "name": row.name, "kind": row.kind, "url": row.url, "selector": row.selector,
                  "interval_s": row.interval_s, "enabled": row.enabled,
                  "last_crawled_at": row.last_crawled_at.isoformat() if row.last_crawled_at else None,
                  "last_error": row.last_error}
        if as_json:
            typer.echo(json.dumps(record, ensure_ascii=False))
        else:
            flag = "" if row.enabled else "  [disabled]"
            typer.echo(f"{row.id:>4}  {row.kind:<8} {row.name}  {row.url}{flag}"
                       + (f"\n      last error: {row.last_error}" if row.last_error else ""))
    if not rows and not as_json:
        typer.echo("no sources yet: hueai monitor sources add URL --kind rss|page|sitemap|import")


def _toggle(ref: str, enabled: bool) -> None:
    from media_monitor.sources import SourceError, set_enabled

    rt = schema_checked(runtime())
    try:
        row = set_enabled(rt.db, ref, enabled)
    except SourceError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"source {row.id} ({row.name}) {'enabled' if enabled else 'disabled'}")


@sources_app.command("disable")
def sources_disable(source: Annotated[str, typer.Argument(help="id or name")]) -> None:
    """Stop crawling a source (its articles stay)."""
    _toggle(source, False)


@sources_app.command("enable")
def sources_enable(source: Annotated[str, typer.Argument(help="id or name")]) -> None:
    """Crawl a disabled source again."""
    _toggle(source, True)


@sources_app.command("seed")
def sources_seed(path: Annotated[Optional[Path], typer.Argument(help="YAML list of sources (default "
                                                                     "HUEAI_MONITOR_SOURCES_FILE)")] = None) -> None:
    """Add the sources of a YAML file that are not configured yet (by URL)."""
    from media_monitor.sources import SourceError, seed_sources

    rt = schema_checked(runtime())
    path = path or rt.settings.monitor.sources_file
    if path is None:
        raise fail("no seed file: pass PATH or set HUEAI_MONITOR_SOURCES_FILE")
    try:
        added, present = seed_sources(rt.db, path, default_interval=rt.settings.monitor.interval)
    except SourceError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{added} sources added, {present} already there")


# --- import, crawl, relabel -------------------------------------------------------------------------


def _labeller(rt, required: bool = True):  # type: ignore[no-untyped-def]
    from media_monitor.labelling import Labeller, NoModel

    try:
        return Labeller.current(rt.settings.models)
    except NoModel as exc:
        if required:
            raise fail(str(exc)) from None
        typer.echo(f"warning: {exc}; articles are stored unlabelled (`hueai monitor relabel` labels them later)",
                   err=True)
        return None


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV export: id, source, url, author, published_at, title, "
                                              "content")],
    name: Annotated[Optional[str], typer.Option(help="the source's name (default: the file's name)")] = None,
) -> None:
    """Import social posts from an export file, de-duplicate, label and store them. Broken lines are reported
    with their numbers (exit status 2) and the rest imported; re-importing a file adds only new posts."""
    from sqlalchemy import select

    from media_monitor.connectors import export_connector
    from media_monitor.pipeline import import_posts, load_index, process_articles
    from media_monitor.sources import SourceSpec, add_source
    from media_monitor.tables import SourceRow

    if not file.is_file():
        raise fail(f"no such file: {file}")
    rt = schema_checked(runtime())
    try:
        connector = export_connector(file, name)
    except ValueError as exc:
        raise fail(str(exc)) from None
    labeller = _labeller(rt)
    path = str(file.expanduser().resolve())
    with rt.db.session() as session:
        source = session.scalars(select(SourceRow).where(SourceRow.url == path)).first()
    if source is None:
        source = add_source(rt.db, SourceSpec(kind="import", url=path, name=name or connector.name),
                            default_interval=rt.settings.monitor.interval)
    report = import_posts(rt.db, source, connector)
    process_articles(rt.db, load_index(rt.db, rt.settings.monitor.near_duplicate_threshold), labeller,
                     report.article_ids)
    for number, reason in report.warnings:
        typer.echo(f"{file.name}: line {number}: {reason}", err=True)
    for number, reason in report.errors:
        typer.echo(f"{file.name}: line {number}: {reason} (skipped)", err=True)
    typer.echo(f"{report.added} posts imported and labelled, {report.already} already there, "
               f"{len(report.errors)} lines skipped")
    if report.errors:
        raise typer.Exit(2)


@app.command("crawl")
def crawl(
    once: Annotated[bool, typer.Option("--once", help="one pass over every enabled source, then exit")] = False,
) -> None:
    """Fetch the sources, extract, de-duplicate, label and store. Without --once, every source on its own
    interval until SIGTERM/SIGINT; URLs in flight are finished and stored before exiting."""
    from media_monitor.crawler import Crawler

    rt = schema_checked(runtime())
    crawler = Crawler(rt.db, rt.settings.monitor, labeller=_labeller(rt, required=False))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if once:
            report = await crawler.run_once(stop=stop)
            states = ", ".join(f"{k} {v}" for k, v in sorted(report.states.items()))
            typer.echo(f"{report.sources} sources, {report.fetched} URLs answered ({states}), "
                       f"{report.articles} new articles, {report.imported} posts imported, "
                       f"{report.resumed} items resumed, {report.seconds} s" + (" (stopped)" if report.stopped else ""))
            for line in report.import_errors:
                typer.echo(line, err=True)
        else:
            await crawler.run_forever(stop)

    asyncio.run(main())


@app.command("relabel")
def relabel_command(
    before_model: Annotated[Optional[str], typer.Option("--before-model", help="only articles labelled by a model "
                                                                               "version older than this one")] = None,
) -> None:
    """Re-label stored articles with the current post classifiers (those labelled by another version, or none)."""
    from media_monitor.pipeline import relabel

    rt = schema_checked(runtime())
    labeller = _labeller(rt)
    count = relabel(rt.db, labeller, before_model=before_model)
    typer.echo(f"{count} articles re-labelled with {labeller.version}")
