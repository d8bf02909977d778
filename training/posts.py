"""Train the press monitor's post classifiers (relevance, spam, sentiment levels 1 and 2) from JSON lines.

    >>> target, skipped = train_posts(Path("training/data/posts/train.jsonl"), models_dir=Path("var/models"))

``training/data/posts/test.jsonl`` is held back for ``python -m bench.posts``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.artifacts import current, current_matches, new_version_dir, set_current
from nlu.posts import PostClassifier, load_posts_jsonl

KIND = "posts"
DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "posts" / "train.jsonl"


def train_posts(
    data_path: Path, *, models_dir: Path, out: Path | None = None, progress: bool = False, unless_current: bool = False
) -> tuple[Path, list[tuple[int, str]]]:
    """Train on ``data_path`` (JSONL), save the model and make it current; returns (directory, skipped lines).

    ``unless_current`` skips training when the current model was trained on the same file (set-up).
    """
    fingerprint = hashlib.sha256(data_path.read_bytes()).hexdigest()
    if unless_current and out is None and current_matches(models_dir, KIND, fingerprint):
        return current(models_dir, KIND), []  # type: ignore[return-value]
    records, errors = load_posts_jsonl(data_path)
    if not records:
        raise ValueError(f"{data_path}: no usable training records")
    target = out or new_version_dir(models_dir, KIND, fingerprint)
    PostClassifier(seed=13).fit(records, progress=progress).save(target)
    if out is None:
        set_current(models_dir, KIND, target)
    return target, errors
