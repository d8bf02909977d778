"""``hueai train sentiment`` and ``hueai monitor classify``: the press monitor's post classifiers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from hueai.cli_nlu import train_app
from hueai.jsonl import run_jsonl
from hueai.models import current, current_matches, new_model_dir, set_current
from hueai.settings import REPO_ROOT, Settings

DEFAULT_POSTS_DATA = REPO_ROOT / "training" / "data" / "posts" / "train.jsonl"

monitor_app = typer.Typer(help="Press and social monitoring.", no_args_is_help=True)


def train_post_model(
    settings: Settings, data_path: Path, out: Path | None, *, progress: bool, unless_current: bool = False
) -> tuple[Path, list]:
    """Train on ``data_path`` (JSONL), save a versioned model and make it current; returns (dir, skipped lines).

    ``unless_current`` skips training when the current model was trained on the same file (set-up).
    """
    import hashlib

    from nlu.posts import PostClassifier, load_posts_jsonl

    assert settings.models_dir is not None
    digest = hashlib.sha256(data_path.read_bytes()).hexdigest()
    if unless_current and out is None and current_matches(settings.models_dir, "posts", digest):
        return current(settings.models_dir, "posts"), []  # type: ignore[return-value]
    records, errors = load_posts_jsonl(data_path)
    if not records:
        raise ValueError(f"{data_path}: no usable training records")
    target = out or new_model_dir(settings.models_dir, "posts", digest)
    PostClassifier(seed=13).fit(records, progress=progress).save(target)
    if out is None:
        set_current(settings.models_dir, "posts", target)
    return target, errors


def register(app: typer.Typer, settings_factory, fail) -> None:  # type: ignore[no-untyped-def]
    app.add_typer(monitor_app, name="monitor")

    @train_app.command("sentiment")
    def train_sentiment(
        data: Annotated[Path, typer.Option(help='JSONL {"title","content","label"} (+ relevant, spam, sentiment_l2)')]
        = DEFAULT_POSTS_DATA,
        out: Annotated[Optional[Path], typer.Option(help="model directory (default: a new versioned one)")] = None,
    ) -> None:
        """Train the post classifiers: relevance, spam, sentiment levels 1 and 2."""
        if not data.is_file():
            raise fail(f"no such file: {data}")
        try:
            target, errors = train_post_model(settings_factory(), data, out, progress=sys.stderr.isatty())
        except ValueError as exc:
            raise fail(str(exc))
        for number, reason in errors:
            typer.echo(f"{data}: line {number}: {reason} (skipped)", err=True)
        typer.echo(f"trained post classifiers: {target}")
        if errors:
            raise typer.Exit(2)

    @monitor_app.command("classify")
    def monitor_classify(
        jsonl: Annotated[bool, typer.Option("--jsonl", help='read {"id","title","content","source"} lines on stdin')]
        = False,
        model: Annotated[Optional[Path], typer.Option(help="model directory (default: the current one)")] = None,
    ) -> None:
        """Label posts: relevant to Huế, spam, sentiment level 1 and level-2 labels."""
        from nlu.posts import PostClassifier

        if not jsonl:
            raise fail("monitor classify reads JSON lines: pass --jsonl and write posts on stdin")
        settings = settings_factory()
        path = model or current(settings.models_dir, "posts")
        if path is None:
            raise fail("no post classifier: run `hueai train sentiment` (or `hueai setup`) first, or pass --model DIR")
        try:
            classifier = PostClassifier.load(path)
        except (FileNotFoundError, ValueError) as exc:
            raise fail(str(exc))
        def classify(item: dict) -> dict:
            (label,) = classifier.predict([item])
            return {k: label[k] for k in ("relevant", "spam", "sentiment_l1", "confidence", "sentiment_l2")}

        if run_jsonl(classify, required_text=None):
            raise typer.Exit(2)
