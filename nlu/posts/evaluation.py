"""Scores of post predictions against labels, and out-of-fold cross-validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.preprocessing import MultiLabelBinarizer


def evaluate(gold: Sequence[Mapping[str, Any]], predicted: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Metrics of ``predicted`` against ``gold`` records, per head, on the records labelled for it.

    relevance: accuracy, F1 of ``True``; spam: precision/recall/F1 of ``True``;
    l1: accuracy, macro-F1, weighted-F1; l2: micro-F1, macro-F1 over labels seen
    in gold or predictions, plus exact-set accuracy.
    """
    from sklearn.metrics import precision_recall_fscore_support

    out: dict[str, Any] = {}
    for head in ("relevant", "spam"):
        pairs = [(bool(g[head]), bool(p[head])) for g, p in zip(gold, predicted)
                 if g.get(head) is not None and p.get(head) is not None]
        if pairs:
            y, yhat = zip(*pairs)
            precision, recall, f1, _ = precision_recall_fscore_support(y, yhat, average="binary", zero_division=0.0)
            out[head] = {"n": len(pairs), "accuracy": accuracy_score(y, yhat), "precision": float(precision),
                         "recall": float(recall), "f1": float(f1)}
    pairs = [(g["label"], p["sentiment_l1"]) for g, p in zip(gold, predicted)
             if g.get("label") is not None and p.get("sentiment_l1") is not None]
    if pairs:
        y, yhat = zip(*pairs)
        out["sentiment_l1"] = {"n": len(pairs), "accuracy": accuracy_score(y, yhat),
                               "macro_f1": float(f1_score(y, yhat, average="macro", zero_division=0.0)),
                               "weighted_f1": float(f1_score(y, yhat, average="weighted", zero_division=0.0))}
    pairs = [(g["sentiment_l2"], p["sentiment_l2"]) for g, p in zip(gold, predicted) if g.get("sentiment_l2") is not None]
    if pairs:
        y, yhat = zip(*pairs)
        binarizer = MultiLabelBinarizer().fit(list(y) + list(yhat))
        Y, Yhat = binarizer.transform(y), binarizer.transform(yhat)
        out["sentiment_l2"] = {"n": len(pairs), "labels": len(binarizer.classes_),
                               "micro_f1": float(f1_score(Y, Yhat, average="micro", zero_division=0.0)),
                               "macro_f1": float(f1_score(Y, Yhat, average="macro", zero_division=0.0)),
                               "exact_match": float(np.mean([set(a) == set(b) for a, b in pairs]))}
    return out
