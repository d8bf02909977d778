"""Cross-fitting: the calibration questions scored by dense encoders that never saw them.

>>> folds = train_folds(procedures, calibration, aliases=aliases)     # once: FOLDS encoders
>>> scoring = cross_fitted(index, folds)        # a view of the index, for fitting only
>>> reranker = fit_reranker(scoring, calibration)

The dense encoder learns from the calibration questions
(:func:`training.dense_encoder.labelled_pairs`), and the reranker and the
confidence model are fitted on the same questions. Fitted on the cosines of the
encoder that was trained on them, they would learn that the dense half is almost
always right, which holds only for questions it has seen, and trust it too much on
a citizen's new question. So the answerable questions are split into
:data:`FOLDS` folds; an encoder is trained on all folds but one, and that fold's
questions are scored with it (the "stacking" of Wolpert, 1992). Unanswerable
questions train no encoder and keep the index's own.

Folds that keep each procedure's questions together (so that a held-out question's
encoder has seen no paraphrase of its procedure, as for the thousand procedures
without calibration questions) were tried on 5 December 2026: with three seeds
each, development sets A, B and D lost 0.007, 0.01 and 0.011 of answered recall@5
against this split, C and the sealed set were the same. Not kept.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.aliases import AliasTable
from knowledge.index.dense import DenseRetriever, doc_text
from knowledge.index.hybrid import KnowledgeIndex
from knowledge.records import Procedure

FOLDS = 5


@dataclass
class Fold:
    dense: DenseRetriever  # over the procedures, from an encoder trained without ``questions``
    questions: list[dict]


def train_folds(procedures: Sequence[Procedure], questions: Sequence[Mapping], *, aliases: AliasTable,
                folds: int = FOLDS, seed: int = 13) -> list[Fold]:
    """One :class:`Fold` per part of the answerable ``questions``; ``procedures`` in the index's order."""
    from training.dense_encoder import train_dense_encoder  # torch: imported only when encoders are trained

    answerable = [dict(q) for q in questions if q["expected"]]
    random.Random(seed).shuffle(answerable)
    parts = [answerable[i::folds] for i in range(folds)]
    docs = [doc_text(p) for p in procedures]
    result = []
    with tempfile.TemporaryDirectory() as tmp:
        for number, part in enumerate(parts):
            others = [q for other, rest in enumerate(parts) if other != number for q in rest]
            encoder = train_dense_encoder(procedures, Path(tmp) / str(number), seed=seed, aliases=aliases,
                                          questions=others, progress=False)
            result.append(Fold(DenseRetriever(encoder).fit(docs), part))
    return result


class _FoldedDense:
    """Answers each fold's questions with that fold's retriever, anything else with ``default``."""

    def __init__(self, default: DenseRetriever, by_query: dict[str, DenseRetriever]) -> None:
        self.default = default
        self.by_query = by_query

    def search(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        return self.by_query.get(query, self.default).search(query, k)


def cross_fitted(index: KnowledgeIndex, folds: Sequence[Fold]) -> KnowledgeIndex:
    """A view of ``index`` whose dense half scores each fold's questions with that fold's encoder
    (``index`` itself is unchanged)."""
    if index.dense is None or not folds:
        return index
    # The key is the text the dense half is asked: the question as the index reads it.
    by_query = {index.parse(q["text"]).normalized: fold.dense for fold in folds for q in fold.questions}
    return index.replace(dense=_FoldedDense(index.dense, by_query))
