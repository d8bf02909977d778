"""``hueai evaluate``: score models on held-back data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from hueai.cli.common import fail
from hueai.cli.nlu import load_model

app = typer.Typer(help="Evaluate models on held-back data.", no_args_is_help=True)


@app.command("nlu")
def nlu(
    data: Annotated[Path, typer.Option(help="held-back Rasa 3.x YAML file or folder")],
    out: Annotated[Path, typer.Option(help="where to write the reports")],
    model: Annotated[Optional[Path], typer.Option(help="model directory (default: the current one)")] = None,
) -> None:
    """Per-intent precision/recall/F1 with confusions (JSON + PNG) and entity F1 per type."""
    from nlu.evaluation import evaluate, write_report
    from nlu.training_data import NLUDataError, load_training_data

    nlu_model = load_model(model)
    try:
        report = evaluate(nlu_model, load_training_data(data))
    except (NLUDataError, FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    paths = write_report(report, out)
    intents, entities = report["intents"], report["entities"]["micro"]
    typer.echo(f"intent accuracy {intents['accuracy']:.3f}, macro-F1 {intents['macro_f1']:.3f}; "
               f"entity F1 {entities['f1']:.3f} (P {entities['precision']:.3f}, R {entities['recall']:.3f})")
    for path in paths:
        typer.echo(f"wrote {path}")
