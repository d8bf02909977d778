"""Choose the knowledge index's field weights and dense share on the calibration questions.

    python -m training.tune_ranking [--index var/models/kb-index]

Coordinate ascent over a small grid per weight, scored by MRR plus recall@5 of
the answerable calibration questions (``training/data/kb_calibration.jsonl``),
never the benchmark's. Recall@5 counts because the confidence gate and the
dialogue work on the first five; MRR alone once traded 0.6 points of it for a
better first place. Weights apply at query time, so the built index (``hueai setup``)
is searched as is, its reranker left out and, when it has the trained dense encoder, each
question's dense scores read from an encoder trained without it (:mod:`training.kb_crossfit`;
the index's procedures come from the configured database). Prints each improvement and the final weights, to be copied
into :data:`knowledge.index.hybrid.FIELD_WEIGHTS` and ``DENSE_WEIGHT``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from knowledge.index.hybrid import KnowledgeIndex
from training.kb_confidence import load_calibration
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


def score(index: KnowledgeIndex, questions: list[dict]) -> tuple[float, float, float]:
    """MRR, recall@1 and recall@5 of the index's ranking (no confidence gate)."""
    ranks = []
    for q in questions:
        order = index.rank(q["text"]).order[:10]
        ranks.append(first_relevant_rank([index.docs[int(i)]["code"] for i in order], q["expected"]))
    return mrr(ranks), recall_at(ranks, 1), recall_at(ranks, 5)


def tune(index: KnowledgeIndex, questions: list[dict], rounds: int = 2) -> dict[str, float]:
    def get(key: str) -> float:
        return index.dense_weight if key == "dense" else index.lexical.weights[key]

    def put(key: str, value: float) -> None:
        if key == "dense":
            index.dense_weight = value
        else:
            index.lexical.weights[key] = value

    best = score(index, questions)
    print(f"start: MRR {best[0]:.4f}  R@1 {best[1]:.4f}  R@5 {best[2]:.4f}")
    for _ in range(rounds):
        for key, values in GRID.items():
            kept = get(key)
            for value in values:
                if value == kept:
                    continue
                put(key, value)
                trial = score(index, questions)
                if trial[0] + trial[2] > best[0] + best[2] + MIN_GAIN:
                    best, kept = trial, value
                    print(f"  {key} = {value}: MRR {best[0]:.4f}  R@1 {best[1]:.4f}  R@5 {best[2]:.4f}")
            put(key, kept)
    return {**index.lexical.weights, "dense": index.dense_weight}


def main() -> None:
    from hueai.services import Services
    from hueai.settings import Settings
    from knowledge.store import load_procedures
    from training.kb_crossfit import cross_fitted, train_folds

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("var/models/kb-index"))
    args = parser.parse_args()
    services = Services(Settings())
    index = KnowledgeIndex.load(args.index, services.aliases)
    index.reranker = None  # the weights shape the fused order the reranker starts from
    calibration = load_calibration()
    questions = [q for q in calibration if q["expected"]]
    print(f"{len(questions)} answerable calibration questions")
    # The trained encoder has seen these questions: score each with an encoder that has not.
    folds = train_folds(load_procedures(services.db), calibration, aliases=services.aliases) if index.dense else []
    with cross_fitted(index, folds):
        print("final:", tune(index, questions))


if __name__ == "__main__":
    main()
