"""Fit the knowledge index's reranker on the project's calibration questions.

>>> index = index.replace(reranker=fit_reranker(index, load_calibration()))   # before fit_confidence

For each answerable calibration question, the first
:data:`~knowledge.index.hybrid.RERANK_DEPTH` procedures of the fused ranking
become examples: their features (rank and score in the fused order, dense
cosine, BM25 per field, coverage of the question) labelled by whether the
procedure answers the question. A logistic regression learns which of them
tell a right procedure from its neighbours; the index then orders those first
ten by its probability. Measured on the calibration questions, folds keeping a
question's candidates together: MRR 0.836 -> 0.870, recall@1 0.736 -> 0.789
(0.757 before each evidence also came as its gap to the best candidate).

Fit it before the confidence model: the confidence features are read from the
procedure the reranker puts first.

Gradient-boosted trees over the same rows (scikit-learn's ``HistGradientBoostingClassifier``, 300 trees of
15 leaves), tried and not kept (6 December 2026, seeds 13-14, development sets): ranking recall@5 of set F
0.837 -> 0.850, of D 0.879 -> 0.876, but the confidence model read from its first procedure chose higher
thresholds (0.32-0.36), and answered recall@5 moved A 0.935 -> 0.924, B 0.892 -> 0.864, D 0.838 -> 0.829, F 0.780
-> 0.800, correct no-answer of set E 0.854 -> 0.859.
"""

from __future__ import annotations

import numpy as np

from knowledge.index.confidence import LogisticModel
from knowledge.index.hybrid import KnowledgeIndex
from training.kb_confidence import fit_logistic, questions_digest
from training.ranking_metrics import first_relevant_rank, mrr, recall_at


def fit_reranker(index: KnowledgeIndex, questions: list[dict], *, seed: int = 13) -> LogisticModel:
    """A reranker for ``index`` fitted on the answerable ``questions``."""
    index = index.replace(reranker=None)  # features of the fused order, not of an older reranker's
    rows: list[dict[str, float]] = []
    labels: list[int] = []
    groups: list[int] = []
    codes: list[list[str]] = []
    answerable = [q for q in questions if q["expected"]]
    for number, q in enumerate(answerable):
        ranking = index.rank(q["text"])
        if ranking.candidates is None:
            codes.append([])
            continue
        docs = ranking.candidates.docs
        rows.extend(index.candidate_features(ranking.candidates))
        labels.extend(int(index.docs[int(d)]["code"] in q["expected"]) for d in docs)
        groups.extend([number] * len(docs))
        codes.append([index.docs[int(d)]["code"] for d in docs])
    if not rows or len(set(labels)) < 2:
        raise ValueError("the reranker needs answerable questions whose first candidates include right and wrong ones")
    names = tuple(rows[0])
    fields, held_out = fit_logistic(rows, labels, names, seed=seed, groups=groups)
    return LogisticModel(
        **fields,
        fitted_on={
            "questions": len(answerable),
            "candidates": len(rows),
            "data_sha256": questions_digest(answerable),
            "cv": _cross_validated(answerable, codes, np.asarray(groups), held_out),
            "seed": seed,
        },
    )


def _cross_validated(questions: list[dict], codes: list[list[str]], groups: np.ndarray,
                     held_out: np.ndarray) -> dict[str, float]:
    """MRR and recall@1/@5 of the fused order against the held-out reranked order."""
    before, after = [], []
    for number, (q, candidates) in enumerate(zip(questions, codes)):
        scores = held_out[groups == number]
        reranked = [candidates[i] for i in np.argsort(-scores, kind="stable")] if len(scores) else []
        before.append(first_relevant_rank(candidates, q["expected"]))
        after.append(first_relevant_rank(reranked, q["expected"]))
    return {
        "mrr_fused": round(mrr(before), 4), "mrr_reranked": round(mrr(after), 4),
        "recall@1_fused": round(recall_at(before, 1), 4), "recall@1_reranked": round(recall_at(after, 1), 4),
        "recall@5_fused": round(recall_at(before, 5), 4), "recall@5_reranked": round(recall_at(after, 5), 4),
    }
