"""Ranking metrics, shared by the weight tuning here and the retrieval benchmarks."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def first_relevant_rank(ranked: Sequence[str], relevant: Collection[str]) -> int | None:
    """1-based rank of the first relevant item, None when none is ranked."""
    for rank, item in enumerate(ranked, 1):
        if item in relevant:
            return rank
    return None


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions with a relevant item in the top ``k``."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mrr(ranks: Sequence[int | None]) -> float:
    return sum(1 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


def f2(retrieved: Collection[str], relevant: Collection[str]) -> float:
    """F-beta with beta=2 (recall weighs four times precision), as in the ALQAC and COLIEE tasks."""
    hits = len(set(retrieved) & set(relevant))
    if not hits:
        return 0.0
    precision, recall = hits / len(retrieved), hits / len(relevant)
    return 5 * precision * recall / (4 * precision + recall)
