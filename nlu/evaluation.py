"""Evaluate an NLU model on held-back examples: intents and entities.

>>> report = evaluate(model, load_training_data(Path("training/data/nlu_test")))
>>> paths = write_report(report, Path("var/eval"))   # JSON files + confusion_matrix.png

Intent metrics are per intent (precision, recall, F1, support) with the labels
each one is confused with; a ``nlu_fallback`` prediction counts as wrong.
Entity metrics count a prediction as right only when its type, start and end
all match an annotated span (the strict scoring Rasa's evaluation also uses).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from nlu.results import ParseResult
from nlu.training_data import Example, TrainingData


class Parser(Protocol):
    def parse(self, text: str) -> ParseResult: ...


def evaluate(model: Parser, data: TrainingData) -> dict:
    """Parse every example of ``data`` and score intents and entities."""
    predictions = [model.parse(example.text).model_dump() for example in data.examples]
    return {
        "intents": intent_report([e.intent for e in data.examples], [p["intent"]["name"] for p in predictions]),
        "entities": entity_report(data.examples, predictions),
        "errors": [
            {"text": e.text, "intent": e.intent, "predicted": p["intent"]["name"],
             "confidence": round(p["intent"]["confidence"], 4)}
            for e, p in zip(data.examples, predictions)
            if e.intent != p["intent"]["name"]
        ],
    }


def intent_report(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    confusions: dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(gold, predicted):
        if g != p:
            confusions[g][p] += 1
    return {
        "accuracy": round(float(accuracy_score(gold, predicted)), 4),
        "macro_f1": round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "weighted_f1": round(float(f1_score(gold, predicted, labels=labels, average="weighted", zero_division=0)), 4),
        "per_intent": {
            label: {
                "precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4),
                "support": int(s), "confused_with": dict(confusions[label].most_common()),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "labels": labels,
        "confusion_matrix": _matrix(gold, predicted, labels),
    }


def _matrix(gold: Sequence[str], predicted: Sequence[str], labels: list[str]) -> dict:
    # Predictions outside the gold labels (nlu_fallback) get their own column.
    columns = labels + sorted(set(predicted) - set(labels))
    matrix = confusion_matrix(gold, predicted, labels=columns)
    return {"rows": labels, "columns": columns, "counts": matrix[: len(labels)].tolist()}


def entity_report(examples: Iterable[Example], predictions: Iterable[dict]) -> dict:
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for example, prediction in zip(examples, predictions):
        gold = {(s.entity, s.start, s.end) for s in example.entities}
        found = {(e["entity"], e["start"], e["end"]) for e in prediction["entities"]}
        for entity, *_ in gold & found:
            tp[entity] += 1
        for entity, *_ in found - gold:
            fp[entity] += 1
        for entity, *_ in gold - found:
            fn[entity] += 1
    per_type = {t: _prf(tp[t], fp[t], fn[t]) for t in sorted(set(tp) | set(fp) | set(fn))}
    return {"micro": _prf(sum(tp.values()), sum(fp.values()), sum(fn.values())), "per_type": per_type}


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": tp + fn}


def write_report(report: dict, out_dir: Path) -> list[Path]:
    """Write ``intent_report.json``, ``entity_report.json``, ``errors.json`` and ``confusion_matrix.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, key in (("intent_report.json", "intents"), ("entity_report.json", "entities"), ("errors.json", "errors")):
        path = out_dir / name
        path.write_text(json.dumps(report[key], ensure_ascii=False, indent=2), encoding="utf-8")
        paths.append(path)
    paths.append(plot_confusion(report["intents"]["confusion_matrix"], out_dir / "confusion_matrix.png"))
    return paths


def plot_confusion(matrix: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and CI
    import matplotlib.pyplot as plt

    rows, columns, counts = matrix["rows"], matrix["columns"], matrix["counts"]
    fig, ax = plt.subplots(figsize=(1.0 + 0.55 * len(columns), 1.0 + 0.5 * len(rows)))
    image = ax.imshow(counts, cmap="Blues")
    ax.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("annotated")
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                        color="white" if value > max(map(max, counts)) / 2 else "black")
    fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
