"""``hueai train``: train models from the project's data (see :mod:`training`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from hueai.cli.common import fail, runtime
from training.nlu import DEFAULT_DATA as NLU_DATA
from training.posts import DEFAULT_DATA as POSTS_DATA

app = typer.Typer(help="Train models from the project's data.", no_args_is_help=True)


@app.command("nlu")
def nlu(
    data: Annotated[Path, typer.Option(help="Rasa 3.x YAML file or folder (a domain.yml beside it declares entities)")]
    = NLU_DATA,
    out: Annotated[Optional[Path], typer.Option(help="model directory (default: a new versioned one)")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="refuse what Rasa accepts but the project's own data must not have: undeclared entities, "
                         "a text under two intents, intents with fewer than 5 examples")] = False,
) -> None:
    """Train intent and entity models from Rasa 3.x YAML.

    Data that Rasa 3.x trains on trains here too; what deserves a look (entities
    declared nowhere, a text under two intents, rare intents) is printed on
    stderr as one warning per kind, with counts. ``--strict`` makes those errors.
    """
    import json

    from nlu.training_data import NLUDataError
    from training.nlu import train_nlu

    settings = runtime().settings
    try:
        target = train_nlu(data, models_dir=settings.models, encoder=settings.nlu.encoder, out=out,
                           progress=sys.stderr.isatty(), strict=strict)
    except (NLUDataError, FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    meta = json.loads((target / "model.json").read_text(encoding="utf-8"))
    for warning in meta.get("data_warnings", []):
        typer.echo(f"warning: {data}: {warning}", err=True)
    typer.echo(f"trained NLU model: {target}")


@app.command("sentiment")
def sentiment(
    data: Annotated[Path, typer.Option(help='JSONL {"title","content","label"} (+ relevant, spam, sentiment_l2)')]
    = POSTS_DATA,
    out: Annotated[Optional[Path], typer.Option(help="model directory (default: a new versioned one)")] = None,
) -> None:
    """Train the post classifiers: relevance, spam, sentiment levels 1 and 2."""
    from training.posts import train_posts

    if not data.is_file():
        raise fail(f"no such file: {data}")
    try:
        target, errors = train_posts(data, models_dir=runtime().settings.models, out=out,
                                     progress=sys.stderr.isatty())
    except ValueError as exc:
        raise fail(str(exc)) from None
    for number, reason in errors:
        typer.echo(f"{data}: line {number}: {reason} (skipped)", err=True)
    typer.echo(f"trained post classifiers: {target}")
    if errors:
        raise typer.Exit(2)
