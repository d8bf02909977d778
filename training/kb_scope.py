"""Fit the index's scope model (:mod:`knowledge.index.scope`) and the view the confidence model is fitted through.

>>> scope, folded = train_scope(procedures, calibration, load_audits())
>>> index = index.replace(scope=scope)               # served
>>> scoring = scoring.replace(scope=folded)         # for fitting the confidence model only

What the base holds: the answerable calibration questions and every procedure's name (so that the
thousand procedures no question asks about count as held too). What it does not: the calibration
questions about other matters (the threshold-only near misses among them) and the gap audits'
questions (``training/data/gap_audits.jsonl``). The confidence model learns how far to trust
``in_scope`` from the calibration questions, so each of them must be read by a model that did not
learn from it, as the dense encoders' cosines are (:mod:`training.kb_crossfit`): :data:`FOLDS` models,
each fitted without a fifth of the calibration questions, score that fifth.

Measured on the development sets (5 December 2026, seeds 13 and 14, the sixth gap audit's table), before
the sealed sets were read with it: at the threshold where set E's near misses are refused 0.80 of the
time, answered recall@5 of sets A-D rose from 0.90-0.91 / 0.86-0.87 / 0.95-0.96 / 0.71-0.72 to 0.93-0.94 /
0.89-0.91 / 0.96 / 0.75; at 0.85, from 0.83-0.86 / 0.74-0.75 / 0.90-0.91 / 0.57-0.61 to 0.89-0.90 /
0.80-0.82 / 0.94 / 0.61-0.66. Without the names as held examples the gain was as large on sets A-C, but
set D (the catalogue's least asked procedures) lost at the fitted threshold (0.767 -> 0.700). It costs
about 2.5 ms a search (p50 2.4 -> 5.1 ms in ``bench.retrieval``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sklearn.model_selection import StratifiedKFold

from knowledge.index.scope import ScopeModel
from knowledge.records import Procedure
from training.kb_confidence import load_calibration
from training.kb_crossfit import FOLDS

AUDITS = Path(__file__).resolve().parent / "data" / "gap_audits.jsonl"


def load_audits(path: Path = AUDITS) -> list[dict]:
    """The gap audits' questions: JSON lines, read as the calibration questions are."""
    return load_calibration(path)


class FoldedScope:
    """Reads each calibration question with the fold model that did not learn from it, anything else with
    ``default``."""

    def __init__(self, default: ScopeModel, by_text: dict[str, ScopeModel]) -> None:
        self.default = default
        self.by_text = by_text

    def probability(self, text: str) -> float:
        return self.by_text.get(text, self.default).probability(text)


def train_scope(procedures: Sequence[Procedure], calibration: Sequence[Mapping], audits: Sequence[Mapping], *,
                seed: int = 13) -> tuple[ScopeModel, FoldedScope]:
    """The served model (every example) and the cross-fitted view of it (see the module docstring)."""
    fixed_texts = [p.name for p in procedures] + [q["text"] for q in audits]
    fixed_labels = [True] * len(procedures) + [False] * len(audits)
    texts = [q["text"] for q in calibration]
    labels = [bool(q["expected"]) for q in calibration]

    def fitted(rows: Sequence[int]) -> ScopeModel:
        return ScopeModel(seed=seed).fit([texts[i] for i in rows] + fixed_texts,
                                         [labels[i] for i in rows] + fixed_labels)

    served = fitted(range(len(texts)))
    by_text: dict[str, ScopeModel] = {}
    if len(set(labels)) == 2 and min(labels.count(True), labels.count(False)) >= FOLDS:
        splits = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed).split(texts, labels)
        for train, held_out in splits:
            model = fitted(train)
            by_text.update({texts[i]: model for i in held_out})
    return served, FoldedScope(served, by_text)
