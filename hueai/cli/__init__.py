"""The ``hueai`` command line (see ``../shared/spec/interfaces.md``).

Each area exports a Typer sub-app that the root adds here: ``kb``, ``nlu``,
``train``, ``evaluate``, ``monitor``, ``db``, ``users``, ``status``, ``tickets``,
``conversations``; ``setup`` and ``serve`` are the root's own, and ``chat``
(:func:`hueai.cli.chat.chat`) is added as one command. Exit status: 0 on success, 2 on bad usage or bad input, with a
one-line reason on stderr. Batch commands read and write JSON Lines; a bad line
is answered with an error object carrying its id and line number, and the batch
goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from hueai import build
from hueai import db as database
from hueai.cli import callbot, chat, conversations, db, evaluate, kb, monitor, nlu, status, tickets, train, users, zalo
from hueai.cli.common import fail, runtime, schema_checked
from training.kb_index import STEPS
from training.progress import Stages

app = typer.Typer(help="hueai: Vietnamese citizen assistant and media monitor for Huế.", no_args_is_help=True)
for name, module in (("kb", kb), ("nlu", nlu), ("train", train), ("evaluate", evaluate), ("monitor", monitor),
                     ("db", db), ("users", users), ("status", status), ("tickets", tickets),
                     ("conversations", conversations), ("zalo", zalo)):
    app.add_typer(module.app, name=name)
app.command("chat")(chat.chat)
app.command("callbot")(callbot.callbot)


@app.command()
def setup(
    source: Annotated[Optional[Path], typer.Option(help="records to import (default HUEAI_TTHC_SOURCE)")] = None,
) -> None:
    """Prepare an installation: migrate, import the knowledge base, build the index, train the NLU and post
    models. Idempotent: what is current is kept, so a second run takes seconds."""
    rt = runtime()
    source = source or rt.settings.kb.tthc_source
    stages = Stages("setup", 2 + STEPS + 2)
    with stages.stage("migrating the database"):
        database.upgrade(rt.db)
    skipped = 0
    if source is None:
        stages.skip("importing the TTHC records", "no source configured (HUEAI_TTHC_SOURCE)")
    elif not source.exists():
        raise fail(f"no such file or folder: {source}")
    else:
        report = build.import_source(rt.db, source, stages)
        kb.print_import(report, source)
        skipped = len(report.skipped)
    typer.echo(f"knowledge index: {kb.index_or_fail(rt, stages)}")
    typer.echo(f"NLU model: {build.nlu_model(rt.settings, stages)}")
    typer.echo(f"post classifiers: {build.post_model(rt.settings, stages)}")
    if skipped:
        raise typer.Exit(2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="server processes sharing the database and model files")] = 1,
) -> None:
    """Run the web app (knowledge-base and NLU APIs, /healthz, /metrics).

    Refuses to start on an out-of-date database. Each process serves requests one library thread at
    a time (:mod:`hueai.threads`); scale with ``--workers``, each its own process with its own
    listening socket on the port (:mod:`hueai.serving`; the README says how many fit in memory).
    """
    import uvicorn

    from hueai.serving import WorkerPool
    from hueai.threads import limit_threads

    rt = schema_checked(runtime())
    # ws_max_size: uvicorn would read WebSocket frames of up to 16 MiB before the chat's own check.
    # httptools parses HTTP in C; the loop stays asyncio's own even where uvloop is installed: with
    # uvloop, one worker under 20 clients had a p99 of 250-280 ms against 67 ms (bench/load.py).
    options = {"app": "hueai.api:serve_app", "factory": True, "log_level": rt.settings.log_level.lower(),
               "access_log": False, "ws_max_size": rt.settings.chat.max_body_bytes,
               "loop": "asyncio", "http": "httptools"}
    if workers > 1:
        try:
            status = WorkerPool(host, port, workers, options).run()
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        raise typer.Exit(status)
    limit_threads(1)
    uvicorn.run(host=host, port=port, **options)
