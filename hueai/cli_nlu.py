"""``hueai train nlu``, ``hueai evaluate nlu`` and ``hueai nlu parse``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from hueai.jsonl import run_jsonl
from hueai.models import current, current_matches, new_model_dir, set_current
from hueai.settings import REPO_ROOT, Settings

DEFAULT_NLU_DATA = REPO_ROOT / "training" / "data" / "nlu"

nlu_app = typer.Typer(help="Understand a message: intent and entities.", no_args_is_help=True)
train_app = typer.Typer(help="Train models from the project's data.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Evaluate models on held-back data.", no_args_is_help=True)


def train_nlu_model(
    settings: Settings, data_path: Path, out: Path | None, *, progress: bool, unless_current: bool = False
) -> Path:
    """Train on ``data_path``, save a versioned model directory and make it current.

    ``unless_current`` skips training when the current model was trained on the same data with the
    same intent backend (set-up).
    """
    import hashlib

    from nlu.model import NLUModel
    from nlu.training_data import load_training_data

    data = load_training_data(data_path)
    assert settings.models_dir is not None
    # The model's identity: its data and, when one is configured, the encoder it fine-tunes.
    digest = hashlib.sha256(f"{data.content_hash()}|{settings.nlu_encoder or ''}".encode()).hexdigest()
    if unless_current and out is None and current_matches(settings.models_dir, "nlu", digest):
        return current(settings.models_dir, "nlu")  # type: ignore[return-value]
    target = out or new_model_dir(settings.models_dir, "nlu", digest)
    model = NLUModel(seed=13, intent_backend="tfidf" if settings.nlu_encoder is None else "transformer",
                     encoder_path=settings.nlu_encoder)
    model.fit(data, progress=progress).save(target)
    if out is None or out.resolve().parent == (settings.models_dir / "nlu").resolve():
        set_current(settings.models_dir, "nlu", target)
    return target


def load_nlu_model(settings: Settings, model: Path | None):  # type: ignore[no-untyped-def]
    from nlu.model import NLUModel

    assert settings.models_dir is not None
    path = model or current(settings.models_dir, "nlu")
    if path is None:
        raise FileNotFoundError("no NLU model: run `hueai train nlu` (or `hueai setup`) first, or pass --model DIR")
    return NLUModel.load(path)


def register(app: typer.Typer, settings_factory, fail) -> None:  # type: ignore[no-untyped-def]
    """Add the NLU commands to ``app``; ``fail(reason)`` returns the exit for bad input."""
    app.add_typer(nlu_app, name="nlu")
    app.add_typer(train_app, name="train")
    app.add_typer(evaluate_app, name="evaluate")

    @train_app.command("nlu")
    def train_nlu(
        data: Annotated[Path, typer.Option(help="Rasa 3.x YAML file or folder")] = DEFAULT_NLU_DATA,
        out: Annotated[Optional[Path], typer.Option(help="model directory (default: a new versioned one)")] = None,
    ) -> None:
        """Train intent and entity models from Rasa 3.x YAML."""
        from nlu.training_data import NLUDataError

        settings = settings_factory()
        try:
            target = train_nlu_model(settings, data, out, progress=sys.stderr.isatty())
        except (NLUDataError, FileNotFoundError) as exc:
            raise fail(str(exc))
        typer.echo(f"trained NLU model: {target}")

    @evaluate_app.command("nlu")
    def evaluate_nlu(
        data: Annotated[Path, typer.Option(help="held-back Rasa 3.x YAML file or folder")],
        out: Annotated[Path, typer.Option(help="where to write the reports")],
        model: Annotated[Optional[Path], typer.Option(help="model directory (default: the current one)")] = None,
    ) -> None:
        """Per-intent precision/recall/F1 with confusions (JSON + PNG) and entity F1 per type."""
        from nlu.evaluation import evaluate, write_report
        from nlu.training_data import NLUDataError, load_training_data

        settings = settings_factory()
        try:
            nlu = load_nlu_model(settings, model)
            report = evaluate(nlu, load_training_data(data))
        except (NLUDataError, FileNotFoundError, ValueError) as exc:
            raise fail(str(exc))
        paths = write_report(report, out)
        intents, entities = report["intents"], report["entities"]["micro"]
        typer.echo(f"intent accuracy {intents['accuracy']:.3f}, macro-F1 {intents['macro_f1']:.3f}; "
                   f"entity F1 {entities['f1']:.3f} (P {entities['precision']:.3f}, R {entities['recall']:.3f})")
        for path in paths:
            typer.echo(f"wrote {path}")

    @nlu_app.command("parse")
    def nlu_parse(
        text: Annotated[Optional[str], typer.Argument(help="the message")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        jsonl: Annotated[bool, typer.Option("--jsonl", help='read {"id","text"} lines on stdin')] = False,
        model: Annotated[Optional[Path], typer.Option(help="model directory (default: the current one)")] = None,
    ) -> None:
        """Intent and entities of one message (or of JSON lines on stdin)."""
        settings = settings_factory()
        try:
            nlu = load_nlu_model(settings, model)
        except (FileNotFoundError, ValueError) as exc:
            raise fail(str(exc))
        if jsonl:
            if run_jsonl(lambda item: _public(nlu.parse(item["text"]))):
                raise typer.Exit(2)
            return
        if text is None:
            raise fail("give a message, or --jsonl to read messages from stdin")
        result = nlu.parse(text)
        if as_json:
            typer.echo(json.dumps(_public(result), ensure_ascii=False, indent=2))
            return
        typer.echo(f"intent: {result['intent']['name']} ({result['intent']['confidence']:.2f})")
        for entity in result["entities"]:
            typer.echo(f"  {entity['entity']}: {entity['value']!r} [{entity['start']}:{entity['end']}]")


def _public(result: dict) -> dict:
    """The interface's fields: intent {name, confidence} and entities {entity, value, start, end}."""
    return {
        "intent": {"name": result["intent"]["name"], "confidence": round(float(result["intent"]["confidence"]), 4)},
        "entities": [{k: e[k] for k in ("entity", "value", "start", "end")} for e in result["entities"]],
    }
