"""Is the best procedure the right one, or should the assistant say it does not know?

A small logistic model over features of the ranking (how much of the question
the best procedure's name and aliases cover and how much of its name the
question mentions, see :mod:`.coverage`; how strong and how separated the best
score is; how close the dense encoder puts them; how likely the question alone
asks about something the base holds, see :mod:`.scope`). ``training/kb_confidence``
fits it on the project's calibration questions (``training/data/kb_calibration.jsonl``),
which include questions about procedures that are not in the base and
everyday questions that are not about procedures at all. Until it is fitted,
:meth:`ConfidenceModel.coverage_rule` stands in: confident when at least half
of the question's content is covered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Self

import numpy as np

# Not here: the reranker's ``name_phrase_coverage`` (:mod:`.coverage`). Tried as a confidence feature too
# (seeds 13-15, development sets, answered recall@5): A 0.937 -> 0.930, B 0.893 -> 0.889, D 0.833 -> 0.830,
# correct no-answer E 0.861 -> 0.864.
# ``content_terms`` (how long the question is) adds about +1 to the logit of a long formal letter about what the
# base lacks. Without it (seeds 13-15, development sets, answered recall@5): A 0.937 -> 0.944, B 0.893 -> 0.881,
# D 0.833 -> 0.808, F 0.784 -> 0.749; correct no-answer E 0.861 -> 0.888 (formal 0.855 -> 0.889, spoken 0.850 ->
# 0.875). Capped at 16 terms, or counting only the covered terms, the same trade, smaller. Long stories about the
# long tail need it, so it stays.
FEATURES = (
    "coverage",
    "coverage_doc",
    "uncovered_rarity",
    "lexical_per_term",
    "margin",
    "dense_cosine",
    "content_terms",
    "alias_matched",
    "name_vocabulary_coverage",
    "name_coverage",
    "top_unasked",
    "in_scope",
)


@dataclass
class LogisticModel:
    """``probability = sigmoid(bias + sum(weight * (feature - mean) / scale))`` over named features.

    Fitted by scikit-learn's ``LogisticRegression`` on standardised features
    (:func:`training.kb_confidence.fit_logistic`), evaluated here without
    scikit-learn, and readable in its JSON form.
    """

    weights: dict[str, float]
    bias: float
    means: dict[str, float] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)
    fitted_on: dict = field(default_factory=dict)  # what it was fitted on, and how well it did

    def probability(self, features: Mapping[str, float]) -> float:
        return self.probabilities([features])[0]

    def probabilities(self, rows: Sequence[Mapping[str, float]]) -> list[float]:
        """:meth:`probability` of each row, computed a feature at a time over all rows (the reranker's ten
        candidates): the same float operations in the same order, so the same values to the last bit."""
        z = np.full(len(rows), self.bias)
        for name, weight in self.weights.items():
            column = np.fromiter((row.get(name, 0.0) for row in rows), dtype=float, count=len(rows))
            z = z + weight * (column - self.means.get(name, 0.0)) / (self.scales.get(name) or 1.0)
        return [1.0 / (1.0 + math.exp(-max(min(value, 60.0), -60.0))) for value in z.tolist()]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> Self:
        return cls(**data)


#: Channels whose questions read differently enough to get their own threshold, and the
#: calibration style that stands for each: the hotline's speech-recogniser transcripts are
#: long, lower-case stories, whose coverage runs lower for the same certainty.
CHANNEL_STYLES = {"voice": "spoken"}


@dataclass
class ConfidenceModel(LogisticModel):
    """A :class:`LogisticModel` over :data:`FEATURES`; confident at or above ``threshold``
    (or the question's channel's threshold, see :data:`CHANNEL_STYLES`).

    Between ``suggest_threshold`` and the threshold the best procedures are
    worth offering, not answering: the dialogue asks "did you mean ...?"
    (``SearchResponse.suggestions``). ``None``: no such band.
    """

    threshold: float = 0.5
    suggest_threshold: float | None = None
    channel_thresholds: dict[str, float] = field(default_factory=dict)

    def threshold_for(self, channel: str | None = None) -> float:
        """The answer threshold for questions from ``channel`` (the general one for others)."""
        return self.channel_thresholds.get(channel, self.threshold) if channel else self.threshold

    def decide(self, probability: float, channel: str | None = None) -> str:
        """``"answer"``, ``"suggest"`` or ``"none"`` for a confidence ``probability``."""
        if probability >= self.threshold_for(channel):
            return "answer"
        if self.suggest_threshold is not None and probability >= self.suggest_threshold:
            return "suggest"
        return "none"

    @classmethod
    def coverage_rule(cls) -> "ConfidenceModel":
        return cls(weights={"coverage": 10.0}, bias=-5.0)
