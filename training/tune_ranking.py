"""Choose the knowledge index's field weights and dense share on the calibration questions.

    python -m training.tune_ranking [--source ../shared/datasets/tthc-dvcqg/raw]

Coordinate ascent over a small grid per weight, scored by MRR plus recall@5 of
the answerable calibration questions (``training/data/kb_calibration.jsonl``),
never the benchmark's. Recall@5 counts because the confidence gate and the
dialogue work on the first five; MRR alone once traded 0.6 points of it for a
better first place. The index is built by the served recipe (:mod:`training.kb_index`)
without its reranker (the weights shape the fused order the reranker starts
from), and each question's dense scores are read from an encoder trained
without it (:mod:`training.kb_crossfit`). Weights apply at query time, so every
trial is a :meth:`~knowledge.index.hybrid.KnowledgeIndex.replace` of one index.
Prints each improvement and the final weights, to be copied into
:data:`knowledge.index.hybrid.FIELD_WEIGHTS` and ``DENSE_WEIGHT``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from knowledge.aliases import AliasTable
from knowledge.importer import read_procedures
from knowledge.index.hybrid import KnowledgeIndex
from training.kb_confidence import load_calibration
from training.kb_crossfit import cross_fitted
from training.kb_index import assemble, train_components
from training.progress import Stages
from training.ranking_metrics import first_relevant_rank, mrr, recall_at

GRID = {
    "name": (2.0, 3.0, 4.0, 5.0),
    "aliases": (0.5, 1.0, 1.5, 2.0),
    "field": (0.5, 1.0, 1.5),
    "result": (0.5, 1.0, 1.5),
    "agency": (0.1, 0.2, 0.4),
    "documents": (0.3, 0.6, 1.0),
    "steps": (0.3, 0.6, 1.0),
    "dense": (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
}
MIN_GAIN = 0.004  # in MRR + recall@5: smaller gains are noise on a few hundred questions
DEFAULT_SOURCE = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "tthc-dvcqg" / "raw"


def score(index: KnowledgeIndex, questions: list[dict]) -> tuple[float, float, float]:
    """MRR, recall@1 and recall@5 of the index's ranking (no confidence gate)."""
    ranks = []
    for q in questions:
        order = index.rank(q["text"]).order[:10]
        ranks.append(first_relevant_rank([index.docs[int(i)]["code"] for i in order], q["expected"]))
    return mrr(ranks), recall_at(ranks, 1), recall_at(ranks, 5)


def _with(index: KnowledgeIndex, key: str, value: float) -> KnowledgeIndex:
    if key == "dense":
        return index.replace(dense_weight=value)
    return index.replace(field_weights={**index.field_weights, key: value})


def _get(index: KnowledgeIndex, key: str) -> float:
    return index.dense_weight if key == "dense" else index.field_weights[key]


def tune(index: KnowledgeIndex, questions: list[dict], rounds: int = 2) -> dict[str, float]:
    best = score(index, questions)
    print(f"start: MRR {best[0]:.4f}  R@1 {best[1]:.4f}  R@5 {best[2]:.4f}")
    for _ in range(rounds):
        for key, values in GRID.items():
            for value in values:
                if value == _get(index, key):
                    continue
                trial_index = _with(index, key, value)
                trial = score(trial_index, questions)
                if trial[0] + trial[2] > best[0] + best[2] + MIN_GAIN:
                    best, index = trial, trial_index
                    print(f"  {key} = {value}: MRR {best[0]:.4f}  R@1 {best[1]:.4f}  R@5 {best[2]:.4f}")
    return {**index.field_weights, "dense": index.dense_weight}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the TTHC records")
    parser.add_argument("--no-dense", action="store_true", help="tune the lexical index only")
    args = parser.parse_args()
    procedures, _ = read_procedures(args.source)
    aliases = AliasTable.load()
    calibration = load_calibration()
    questions = [q for q in calibration if q["expected"]]
    print(f"{len(procedures)} procedures, {len(questions)} answerable calibration questions")
    stages = Stages("tune", 4)
    with tempfile.TemporaryDirectory() as tmp:
        components = train_components(procedures, aliases=aliases, calibration=calibration,
                                      encoders_dir=Path(tmp), dense=not args.no_dense, stages=stages)
        # No reranker and no confidence model: the weights shape the fused order, which is all score() reads.
        index = assemble(procedures, components, aliases=aliases, calibration=[], stages=stages)
        print("final:", tune(cross_fitted(index, components.folds), questions))


if __name__ == "__main__":
    main()
