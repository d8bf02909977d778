"""The post classifier: relevance, spam, sentiment level 1 and multi-label level 2."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from core.artifacts import provenance
from nlu.posts.evaluation import evaluate
from nlu.posts.fast import heads_for
from nlu.posts.features import FORMAT_VERSION, HEADS, TITLE_REPEAT, PostFeatures


def _linear(kind: str, C: float, seed: int, *, multiclass: bool = False) -> Any:
    """A probabilistic linear classifier: logistic regression, or a linear SVM calibrated by 3-fold CV.

    Binary problems use liblinear (several times faster than lbfgs on a few
    hundred sparse rows, which matters with a dozen level-2 labels times the
    threshold-tuning folds); the three-way level 1 uses lbfgs, which fits one
    softmax instead of three one-vs-rest models.
    """
    if kind == "logreg":
        return LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=seed,
                                  solver="lbfgs" if multiclass else "liblinear")
    if kind == "svm":
        return CalibratedClassifierCV(LinearSVC(C=C, class_weight="balanced", random_state=seed), cv=3)
    raise ValueError(f"unknown model kind {kind!r} (logreg, svm)")


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability cut-off in 0.05…0.95 that maximises F1 of one label (ties: the highest)."""
    grid = np.round(np.arange(0.05, 0.951, 0.05), 2)
    chosen = p[None, :] >= grid[:, None]  # one row per candidate threshold
    true_positives = (chosen & (y[None, :] == 1)).sum(axis=1)
    f1 = 2 * true_positives / np.maximum(chosen.sum(axis=1) + (y == 1).sum(), 1)
    return float(grid[len(grid) - 1 - int(np.argmax(f1[::-1]))])


def _data_sha256(records: Sequence[Mapping[str, Any]]) -> str:
    """sha256 of the records as canonical JSON lines (sorted keys): same data, same hash."""
    digest = hashlib.sha256()
    for record in records:
        digest.update(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
    return digest.hexdigest()


class PostClassifier:
    """Relevance, spam and two levels of sentiment for press articles and social posts.

    ``C``: inverse regularisation of every head; ``model``: ``"logreg"`` or ``"svm"``
    (LinearSVC + calibration); ``l2_threshold``: ``"global"`` (one cut-off for all
    labels, tuned on out-of-fold probabilities: the default), ``"per-label"`` or a
    number; ``title_repeat``: how many times the title is counted; ``gazetteer``:
    the place indicators on or off; ``cv_folds``: folds of the out-of-fold metrics saved
    with the model (0: none). Same data + same ``seed`` -> same model.
    """

    def __init__(self, *, seed: int = 13, C: float = 10.0, model: str = "logreg", title_repeat: int = TITLE_REPEAT,
                 gazetteer: bool = True, l2_threshold: str | float = "global", cv_folds: int = 5) -> None:
        self.seed = seed
        self.C = C
        self.model = model
        self.title_repeat = title_repeat
        self.gazetteer = gazetteer
        self.l2_threshold = l2_threshold
        self.cv_folds = cv_folds

    def params(self) -> dict[str, Any]:
        return {"seed": self.seed, "C": self.C, "model": self.model, "title_repeat": self.title_repeat,
                "gazetteer": self.gazetteer, "l2_threshold": self.l2_threshold, "cv_folds": self.cv_folds}

    # -- training ----------------------------------------------------------------

    def fit(self, records: Sequence[Mapping[str, Any]], *, progress: bool = False) -> PostClassifier:
        """Train every head the data has labels for; returns ``self``.

        ``records``: dicts with ``title`` and/or ``content`` (or ``text``), and the
        labels ``label``, ``relevant``, ``spam``, ``sentiment_l2`` where known (a
        record without a head's field is left out of that head only).
        """
        records = list(records)
        if not records:
            raise ValueError("no training records")
        say = (lambda msg: print(f"[posts] {msg}", file=sys.stderr, flush=True)) if progress else (lambda msg: None)
        start = time.perf_counter()
        say(f"features for {len(records)} posts")
        self.features_ = PostFeatures(title_repeat=self.title_repeat, gazetteer=self.gazetteer)
        X = self.features_.fit_transform(records)
        self.heads_: dict[str, dict[str, Any]] = {}
        self.estimators_: dict[str, Any] = {}
        for head in HEADS:
            say(f"head {head}")
            self._fit_head(head, X, records)
        self.metrics_: dict[str, Any] = {}
        if self.cv_folds >= 2 and len(records) >= 2 * self.cv_folds:
            say(f"{self.cv_folds}-fold cross-validation")
            self.metrics_ = {"cv_folds": self.cv_folds, **cross_validate(records, self, folds=self.cv_folds)}
        self.training_ = {"n_records": len(records), "sha256": _data_sha256(records),
                          "seconds": round(time.perf_counter() - start, 2)}
        return self

    def _fit_head(self, head: str, X: sp.csr_matrix, records: Sequence[Mapping[str, Any]]) -> None:
        field = "label" if head == "sentiment_l1" else head
        rows = [i for i, r in enumerate(records) if r.get(field) is not None]
        info: dict[str, Any] = {"trained": False, "n_train": len(rows)}
        self.heads_[head] = info
        if head == "sentiment_l2":
            lists = [[str(x) for x in records[i][field]] for i in rows]
            binarizer = MultiLabelBinarizer()
            Y = binarizer.fit_transform(lists)
            if Y.shape[1] == 0:
                info["reason"] = "no level-2 labels in the data"
                return
            estimator = OneVsRestClassifier(_linear(self.model, self.C, self.seed)).fit(X[rows], Y)
            info.update(trained=True, labels=[str(c) for c in binarizer.classes_],
                        thresholds=self._l2_thresholds(X[rows], Y),
                        support={str(c): int(n) for c, n in zip(binarizer.classes_, Y.sum(axis=0))})
            self.estimators_[head] = estimator
            return
        y = np.asarray([records[i][field] if head == "sentiment_l1" else bool(records[i][field]) for i in rows])
        classes = sorted(set(y.tolist()))
        if len(classes) < 2:
            info["reason"] = "no labels in the data" if not rows else f"one class only: {classes[0]!r}"
            return
        self.estimators_[head] = _linear(self.model, self.C, self.seed, multiclass=len(classes) > 2).fit(X[rows], y)
        info.update(trained=True, labels=[c if isinstance(c, str) else bool(c) for c in classes],
                    support={str(c): int((y == c).sum()) for c in classes})

    def _l2_thresholds(self, X: sp.csr_matrix, Y: np.ndarray) -> list[float]:
        """Decision thresholds per level-2 label, from out-of-fold probabilities.

        Logistic regression trained on ~40 positives out of ~500 rarely reaches
        0.5 on an unseen positive, so 0.5 under-labels; tuning on predictions for
        posts the model did not see keeps the choice honest. ``"global"`` tunes
        one cut-off on all labels' pooled predictions, ``"per-label"`` one each.
        """
        n_labels = Y.shape[1]
        if not isinstance(self.l2_threshold, str):
            return [float(self.l2_threshold)] * n_labels
        folds = min(3, len(Y))  # 3, not 5: these fits dominate training time
        if folds < 2:
            return [0.5] * n_labels
        oof = np.zeros(Y.shape, dtype=float)
        for train, test in KFold(folds, shuffle=True, random_state=self.seed).split(Y):
            estimator = OneVsRestClassifier(_linear(self.model, self.C, self.seed)).fit(X[train], Y[train])
            oof[test] = estimator.predict_proba(X[test])
        if self.l2_threshold == "global":
            return [_best_threshold(Y.ravel(), oof.ravel())] * n_labels
        if self.l2_threshold == "per-label":
            return [_best_threshold(Y[:, j], oof[:, j]) for j in range(n_labels)]
        raise ValueError(f"l2_threshold must be 'per-label', 'global' or a number, not {self.l2_threshold!r}")

    # -- prediction --------------------------------------------------------------

    def predict(self, records: Sequence[Any]) -> list[dict[str, Any]]:
        """One label dict per post (see the module docstring); ValueError for a non-dict post."""
        records = list(records)
        if not records:
            return []
        X = self.features_.transform(records)
        probabilities = self._probabilities(X)
        scores: dict[str, Any] = {}
        out: list[dict[str, Any]] = [{} for _ in records]
        for head in ("relevant", "spam"):
            estimator = self.estimators_.get(head)
            if estimator is None:
                for o in out:
                    o[head] = None
                continue
            positive = list(estimator.classes_).index(True)
            p = probabilities[head][:, positive]
            scores[head] = p
            for o, value in zip(out, p):
                o[head] = bool(value >= 0.5)
        l1 = self.estimators_.get("sentiment_l1")
        if l1 is not None:
            p1 = probabilities["sentiment_l1"]
            scores["sentiment_l1"] = p1
            for o, row in zip(out, p1):
                o["sentiment_l1"], o["confidence"] = str(l1.classes_[row.argmax()]), round(float(row.max()), 4)
        else:
            for o in out:
                o["sentiment_l1"], o["confidence"] = None, None
        l2 = self.estimators_.get("sentiment_l2")
        labels = self.heads_["sentiment_l2"].get("labels", [])
        thresholds = np.asarray(self.heads_["sentiment_l2"].get("thresholds", []))
        p2 = probabilities["sentiment_l2"] if l2 is not None else np.zeros((len(records), 0))
        for i, o in enumerate(out):
            chosen = [j for j in np.argsort(-p2[i]) if p2[i, j] >= thresholds[j]]
            o["sentiment_l2"] = [labels[j] for j in chosen]
            o["scores"] = {
                **{h: round(float(scores[h][i]), 4) for h in ("relevant", "spam") if h in scores},
                **({"sentiment_l1": {str(c): round(float(v), 4) for c, v in zip(l1.classes_, scores["sentiment_l1"][i])}}
                   if l1 is not None else {}),
                "sentiment_l2": {labels[j]: round(float(p2[i, j]), 4) for j in range(len(labels))},
            }
        return out

    def _probabilities(self, X: sp.csr_matrix) -> dict[str, np.ndarray]:
        """Every trained head's ``predict_proba(X)``: in one sparse product when all heads are plain
        logistic regressions (:class:`nlu.posts.fast.LinearHeads`, same numbers), else head by head."""
        if self.__dict__.get("_heads_of") is not self.estimators_:
            self._heads_of, self._heads = self.estimators_, heads_for(self.estimators_)
        if self._heads is not None:
            return self._heads.probabilities(X)
        return {head: estimator.predict_proba(X) for head, estimator in self.estimators_.items()}

    # -- persistence -------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write the model to ``directory`` (created): ``features.joblib``, one
        ``<head>.joblib`` per trained head and ``model.json`` describing it all."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.features_, directory / "features.joblib")
        for head, estimator in self.estimators_.items():
            joblib.dump(estimator, directory / f"{head}.joblib")
        meta = provenance(
            "posts",
            data_hash=self.training_["sha256"],
            seed=self.seed,
            metrics=self.metrics_,
            libraries=("scikit-learn", "numpy", "scipy", "joblib", "vietnam-provinces"),
            format_version=FORMAT_VERSION,
            params=self.params(),
            heads=self.heads_,
            training_data=self.training_,
        )
        (directory / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> PostClassifier:
        """Read a model written by :meth:`save`; FileNotFoundError / ValueError when it is not one."""
        directory = Path(directory)
        meta_path = directory / "model.json"
        if not meta_path.is_file():
            raise FileNotFoundError(f"{directory}: no model.json (not a post classifier directory)")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{meta_path}: unreadable ({exc})") from exc
        if meta.get("kind") != "posts" or meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{directory}: not a version-{FORMAT_VERSION} post classifier")
        model = cls(**meta["params"])
        model.features_ = joblib.load(directory / "features.joblib")
        model.heads_ = meta["heads"]
        model.estimators_ = {h: joblib.load(directory / f"{h}.joblib") for h, info in meta["heads"].items()
                             if info["trained"]}
        model.metrics_, model.training_ = meta["metrics"], meta["training_data"]
        model.meta_ = meta
        return model


# --- evaluation -----------------------------------------------------------------


def cross_validate(records: Sequence[Mapping[str, Any]], classifier: PostClassifier,
                   *, folds: int = 5) -> dict[str, Any]:
    """Out-of-fold :func:`evaluate` metrics of a classifier configuration.

    Folds are stratified by level-1 sentiment (when every record has one) and
    shuffled with the classifier's seed; each fold trains a fresh copy with
    ``cv_folds=0`` so it does not recurse.
    """
    records = list(records)
    labels = [r.get("label") for r in records]
    if all(label is not None for label in labels) and min(labels.count(x) for x in set(labels)) >= folds:
        splits = StratifiedKFold(folds, shuffle=True, random_state=classifier.seed).split(records, labels)
    else:
        splits = KFold(folds, shuffle=True, random_state=classifier.seed).split(records)
    predicted: list[dict[str, Any]] = [{} for _ in records]
    params = {**classifier.params(), "cv_folds": 0}
    for train, test in splits:
        model = PostClassifier(**params).fit([records[i] for i in train])
        for i, p in zip(test, model.predict([records[i] for i in test])):
            predicted[i] = p
    return evaluate(records, predicted)


# --- data -----------------------------------------------------------------------

