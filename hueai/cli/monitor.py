"""``hueai monitor``: press and social monitoring."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from core.artifacts import current
from hueai.cli.common import fail, runtime
from hueai.jsonl import run_jsonl

app = typer.Typer(help="Press and social monitoring.", no_args_is_help=True)
POSTS_KIND = "posts"


@app.command("classify")
def classify(
    jsonl: Annotated[bool, typer.Option("--jsonl", help='read {"id","title","content","source"} lines on stdin')]
    = False,
    model: Annotated[Optional[Path], typer.Option(help="model directory (default: the current one)")] = None,
) -> None:
    """Label posts: relevant to Huế, spam, sentiment level 1 and level-2 labels."""
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

    def label(item: dict) -> dict:
        (labels,) = classifier.predict([item])
        return {k: labels[k] for k in ("relevant", "spam", "sentiment_l1", "confidence", "sentiment_l2")}

    if run_jsonl(label, required_text=None):
        raise typer.Exit(2)
