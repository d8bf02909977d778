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


@app.command("dialogue")
def dialogue(
    stories: Annotated[Path, typer.Option(help="a story file (YAML) or a folder of them")],
    verbose: Annotated[bool, typer.Option(help="show the reply of each failed turn")] = False,
    out: Annotated[Optional[Path], typer.Option(help="write the per-story results as JSON here")] = None,
) -> None:
    """Run multi-turn test stories through the dialogue: pass/fail per story, failed turns shown.

    The current index and NLU model answer; conversations, tickets and the stories' application statuses go
    to a scratch database, never the installation's. Exit status 2 when any story fails.
    """
    import json
    import tempfile

    from core.storage import Database
    from dialogue.status import import_statuses
    from dialogue.stories import StoryError, format_report, load_stories, run_stories
    from hueai import db as database
    from hueai.cli.common import runtime, schema_checked
    from hueai.runtime import ModelMissing, build_assistant

    try:
        story_file = load_stories(stories)
    except StoryError as exc:
        raise fail(str(exc)) from None
    rt = schema_checked(runtime())
    try:
        index, nlu_model = rt.index, rt.nlu
    except ModelMissing as exc:
        raise fail(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="hueai-stories-") as scratch:
        conversations = Database(f"sqlite:///{Path(scratch) / 'stories.sqlite3'}")
        database.upgrade(conversations)
        import_statuses(conversations, story_file.statuses)
        assistant = build_assistant(index, nlu_model, procedures=rt.db, conversations=conversations,
                                    settings=rt.settings)
        report = run_stories(assistant, story_file.stories)
        conversations.dispose()
    typer.echo(format_report(report, verbose=verbose))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n",
                       encoding="utf-8")
    if report.passed != report.total:
        raise typer.Exit(2)
