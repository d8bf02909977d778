"""``hueai nlu``: understand a message (intent and entities)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from hueai.cli.common import fail, runtime
from hueai.jsonl import run_jsonl
from hueai.runtime import ModelMissing
from nlu.model import ModelFormatError, NLUModel

app = typer.Typer(help="Understand a message: intent and entities.", no_args_is_help=True)


def load_model(model: Path | None) -> NLUModel:
    """The model in ``model``, or the current one; a one-line failure when there is none."""
    try:
        return NLUModel.load(model) if model is not None else runtime().nlu
    except (FileNotFoundError, ModelFormatError, ModelMissing) as exc:
        raise fail(str(exc)) from None


@app.command("parse")
def parse(
    text: Annotated[Optional[str], typer.Argument(help="the message")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    jsonl: Annotated[bool, typer.Option("--jsonl", help='read {"id","text"} lines on stdin')] = False,
    model: Annotated[Optional[Path], typer.Option(help="model directory (default: the current one)")] = None,
) -> None:
    """Intent and entities of one message (or of JSON lines on stdin)."""
    nlu = load_model(model)
    if jsonl:
        if run_jsonl(lambda item: nlu.parse(item["text"]).model_dump(mode="json", exclude={"text"})):
            raise typer.Exit(2)
        return
    if text is None:
        raise fail("give a message, or --jsonl to read messages from stdin")
    result = nlu.parse(text)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    typer.echo(f"intent: {result.intent.name} ({result.intent.confidence:.2f})")
    for entity in result.entities:
        role = f" role={entity.role}" if entity.role else ""
        group = f" group={entity.group}" if entity.group else ""
        typer.echo(f"  {entity.entity}: {entity.value!r} [{entity.start}:{entity.end}]{role}{group}")
