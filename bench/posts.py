"""Benchmark of the post classifier (:mod:`nlu.posts`) on the project's own labelled posts.

Run from the repository root::

    python -m bench.posts

Trains the shipped configuration on ``training/data/posts/train.jsonl`` and
evaluates it once on the held-back ``training/data/posts/test.jsonl`` (never
trained or tuned on). Reports, per head: relevance accuracy and F1 (of
"about Huế"), spam precision/recall/F1, level-1 sentiment accuracy, macro-F1 and
weighted-F1, level-2 micro/macro-F1 and exact-set accuracy; next to them the
5-fold out-of-fold numbers on the train file (what the model chose its
settings by), the relevance traps of the test file (posts that say "Huế" but are
not about it) and training/prediction speed. Writes ``bench/results/posts.json``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import REPO, write_result
from nlu.posts import PostClassifier, evaluate, load_posts_jsonl

DATA = REPO / "training" / "data" / "posts"
SEED = 13


def _row(metrics: dict[str, Any]) -> list[str]:
    """Table cells for one evaluation, in the column order of :func:`main`'s table."""
    def cell(head: str, key: str) -> str:
        value = metrics.get(head, {}).get(key)
        return "-" if value is None else f"{100 * value:.1f}"

    return [cell("relevant", "accuracy"), cell("relevant", "f1"), cell("spam", "precision"), cell("spam", "recall"),
            cell("spam", "f1"), cell("sentiment_l1", "accuracy"), cell("sentiment_l1", "macro_f1"),
            cell("sentiment_l1", "weighted_f1"), cell("sentiment_l2", "micro_f1"), cell("sentiment_l2", "macro_f1"),
            cell("sentiment_l2", "exact_match")]


def _load(path: Path, console: Console) -> list[dict[str, Any]]:
    records, errors = load_posts_jsonl(path)
    for number, reason in errors:
        console.print(f"[yellow]{path.name}: line {number}: {reason} (skipped)")
    return records


def main() -> None:
    console = Console(width=140)
    train, test = _load(DATA / "train.jsonl", console), _load(DATA / "test.jsonl", console)

    start = time.perf_counter()
    model = PostClassifier(seed=SEED, cv_folds=5).fit(train)  # fit also runs the 5-fold CV on train
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(test)
    predict_ms = 1000 * (time.perf_counter() - start) / max(len(test), 1)
    on_test = evaluate(test, predicted)

    # The hard relevance cases: "Huế" appears, yet the post is about somewhere else.
    traps = [(g, p) for g, p in zip(test, predicted)
             if g.get("relevant") is False and "huế" in (g.get("title", "") + " " + g.get("content", "")).lower()]
    traps_right = sum(p["relevant"] is False for _, p in traps)
    errors = [{"id": g.get("id"), "gold": g["relevant"], "text": (g.get("title") or g.get("content", ""))[:90]}
              for g, p in zip(test, predicted) if g.get("relevant") is not None and p["relevant"] != g["relevant"]]

    table = Table(title=f"Post classifier: train {len(train)} posts, test {len(test)} (seed {SEED})")
    table.add_column("evaluated on", no_wrap=True)
    for name in ("rel acc", "rel F1", "spam P", "spam R", "spam F1", "l1 acc", "l1 macroF1", "l1 wF1",
                 "l2 microF1", "l2 macroF1", "l2 exact"):
        table.add_column(name, justify="right")
    table.add_row("test (held back)", *_row(on_test))
    table.add_row("train, 5-fold out-of-fold", *_row(model.metrics_))
    console.print(table)
    console.print(f"relevance traps in test (mention Huế, not about it): {traps_right}/{len(traps)} labelled not relevant")
    console.print(f"level-2 labels: {', '.join(model.heads_['sentiment_l2'].get('labels', []))}")
    console.print(f"training {fit_s:.1f} s (with CV); prediction {predict_ms:.2f} ms/post")
    for error in errors:
        console.print(f"  relevance miss {error['id']}: gold {error['gold']} — {error['text']}")

    path = write_result("posts", {
        "train": {"path": str((DATA / "train.jsonl").relative_to(REPO)), "n": len(train)},
        "test": {"path": str((DATA / "test.jsonl").relative_to(REPO)), "n": len(test)},
        "params": model.params(),
        "test_metrics": on_test,
        "train_cv_metrics": model.metrics_,
        "relevance_traps": {"n": len(traps), "correct": traps_right},
        "relevance_errors": errors,
        "heads": model.heads_,
        "fit_seconds": round(fit_s, 2),
        "predict_ms_per_post": round(predict_ms, 3),
    })
    console.print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
