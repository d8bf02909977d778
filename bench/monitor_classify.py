"""Post classification throughput (posts/s per core) before and after the fast path, and labelling quality.

    python -m bench.monitor_classify [--posts 2000] [--model DIR]

Posts of ~300 characters are made from the project's labelled posts (title +
content repeated to length, each made unique by a suffix). The current post
model (``<models>/posts/CURRENT``; ``--model`` for another) labels them:

* **reference**: scikit-learn's own transforms and ``predict_proba`` per head,
  the flat gazetteer alternation, abbreviation expansion on every post — the
  code as it was before this benchmark's fixes (rebuilt in-process);
* **fast**: :mod:`nlu.posts.fast` and the trie gazetteer, as shipped;

each one post at a time and in batches of 16 and 256, single-threaded, in CPU
seconds of this process (``time.process_time``): the machine is shared, so wall
time would measure the neighbours. Then ``hueai monitor classify --jsonl`` as a
process over the same posts (its CPU time, start-up included and reported
apart). Both paths must give identical predictions on every post, and the
labelling quality on the held-back ``training/data/posts/test.jsonl`` is
reported (:func:`nlu.posts.evaluate`). Writes ``bench/results/monitor_classify.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import REPO, write_result
from hueai.threads import limit_threads

DATA = REPO / "training" / "data" / "posts"


def _posts(n: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for path in ("train.jsonl", "test.jsonl")
            for line in (DATA / path).read_text(encoding="utf-8").splitlines() if line.strip()]
    posts = []
    for i in range(n):
        row = rows[i % len(rows)]
        content = row.get("content") or row.get("text") or ""
        while len(content) < 300 - len(row.get("title", "")):
            content += " " + (row.get("content") or "Huế")
        posts.append({"id": i, "title": row.get("title", ""), "source": row.get("source"),
                      "content": content[:300 - len(row.get("title", ""))] + f" #{i}"})
    return posts


@contextmanager
def reference_path(model):  # type: ignore[no-untyped-def]
    """The prediction code as it was: scikit-learn transforms and heads, the flat alternation, always expand."""
    from nlu.posts import features

    def flat(names: tuple[str, ...]) -> re.Pattern[str]:
        body = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{body})(?![\w])")

    saved = (features._alternation, features._may_abbreviate, model.features_.__dict__.get("_fast"))
    features._alternation = flat  # type: ignore[assignment]
    features._may_abbreviate = lambda text: True  # type: ignore[assignment]
    model.features_.__dict__["_fast"] = (None, None)
    model._heads_of, model._heads = model.estimators_, None
    try:
        yield
    finally:
        features._alternation, features._may_abbreviate = saved[0], saved[1]  # type: ignore[assignment]
        if saved[2] is None:
            model.features_.__dict__.pop("_fast", None)
        else:
            model.features_.__dict__["_fast"] = saved[2]
        model.__dict__.pop("_heads_of", None)


def _rate(model, posts: list[dict], batch: int) -> float:  # type: ignore[no-untyped-def]
    model.predict(posts[:batch])  # warm caches (normalisation, compiled patterns)
    start = time.process_time()
    for i in range(0, len(posts), batch):
        model.predict(posts[i:i + batch])
    return len(posts) / (time.process_time() - start)


def _cli(model_dir: Path, posts: list[dict]) -> dict[str, float]:
    payload = ("\n".join(json.dumps(p, ensure_ascii=False) for p in posts) + "\n").encode()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hueai.cli", "monitor", "classify", "--jsonl", "--model", str(model_dir)],
                   input=payload, capture_output=True, check=True, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "hueai.cli", "monitor", "classify", "--jsonl", "--model", str(model_dir)],
                   input=b"", capture_output=True, check=True, cwd=REPO)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    startup = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"posts": len(posts), "cpu_seconds": round(cpu, 2), "startup_cpu_seconds": round(startup, 2),
            "wall_seconds": round(wall, 2), "posts_per_cpu_second": round(len(posts) / max(cpu - startup, 1e-9), 1),
            "posts_per_cpu_second_with_startup": round(len(posts) / cpu, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    limit_threads(1)
    from core.artifacts import current
    from hueai.settings import get_settings
    from nlu.posts import PostClassifier, evaluate, load_posts_jsonl

    console = Console(width=140)
    model_dir = args.model or current(get_settings().models, "posts")
    if model_dir is None:
        raise SystemExit("no post model: run `hueai setup` (or `hueai train sentiment`) first, or pass --model DIR")
    model = PostClassifier.load(model_dir)
    posts = _posts(args.posts)

    rates: dict[str, dict[str, float]] = {"reference": {}, "fast": {}}
    with reference_path(model):
        reference_predictions = model.predict(posts)
        for batch in (1, 16, 256):
            subset = posts if batch > 1 else posts[: max(len(posts) // 4, 1)]
            rates["reference"][str(batch)] = round(_rate(model, subset, batch), 1)
    fast_predictions = model.predict(posts)
    for batch in (1, 16, 256):
        rates["fast"][str(batch)] = round(_rate(model, posts, batch), 1)
    identical = fast_predictions == reference_predictions
    cli = _cli(model_dir, posts)

    test, _ = load_posts_jsonl(DATA / "test.jsonl")
    predicted = model.predict(test)
    with reference_path(model):
        same_on_test = model.predict(test) == predicted
    quality = evaluate(test, predicted)

    table = Table(title=f"Post classification, {len(posts)} posts of ~300 characters, one thread, posts per CPU second "
                        f"(model {model_dir.name})")
    table.add_column("path")
    for batch in ("1", "16", "256"):
        table.add_column(f"batch {batch}", justify="right")
    for path, by_batch in rates.items():
        table.add_row(path, *(f"{by_batch[b]:,.0f}" for b in ("1", "16", "256")))
    console.print(table)
    console.print(f"`hueai monitor classify --jsonl` (batches of 256): {cli['posts_per_cpu_second']:,.0f} "
                  "posts per CPU "
                  f"second after start-up ({cli['startup_cpu_seconds']} s CPU to start; "
                  f"{cli['posts_per_cpu_second_with_startup']:,.0f}/s with it)")
    console.print(f"identical predictions, fast vs reference: {identical} ({len(posts)} posts), "
                  f"{same_on_test} (held-back test posts)")
    rel, spam, l1, l2 = (quality.get(h, {}) for h in ("relevant", "spam", "sentiment_l1", "sentiment_l2"))
    console.print(f"held-back test ({len(test)} posts): relevance acc {100 * rel.get('accuracy', 0):.1f} F1 "
                  f"{100 * rel.get('f1', 0):.1f}; spam F1 {100 * spam.get('f1', 0):.1f}; l1 acc "
                  f"{100 * l1.get('accuracy', 0):.1f} macro-F1 {100 * l1.get('macro_f1', 0):.1f}; l2 micro-F1 "
                  f"{100 * l2.get('micro_f1', 0):.1f} macro-F1 {100 * l2.get('macro_f1', 0):.1f}")
    path = write_result("monitor_classify", {
        "model": model_dir.name, "posts": len(posts), "posts_per_cpu_second": rates, "cli": cli,
        "identical_predictions": identical, "identical_on_test": same_on_test, "test_metrics": quality,
    })
    console.print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
