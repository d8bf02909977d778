"""What every extractor returns, and how overlapping answers are reconciled."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

__all__ = ["BUILTIN_ENTITIES", "Entity", "STRUCTURED", "merge_entities"]

#: Entities with a strict written form: a pattern match is trusted over a model.
STRUCTURED = frozenset({"application_code", "phone_number"})
#: What the built-in extractors find (patterns and the Huế gazetteer), whatever the data.
BUILTIN_ENTITIES = frozenset({"application_code", "phone_number", "date", "location"})

# Among spans of equal length, which extractor to believe: patterns and lists
# are precise where they match; the CRF generalises but guesses.
_PRIORITY = {"regex": 0, "gazetteer": 1, "crf": 2}


@dataclass(frozen=True)
class Entity:
    """An entity found in a message; ``start``/``end`` index the ORIGINAL text."""

    entity: str
    value: str
    start: int
    end: int
    confidence: float
    extractor: str
    role: str | None = None
    group: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _overlaps(a: Entity, b: Entity) -> bool:
    return a.start < b.end and b.start < a.end


def merge_entities(candidates: Iterable[Entity]) -> list[Entity]:
    """Keep a non-overlapping subset, in text order.

    Pattern matches of :data:`STRUCTURED` types go first (a receipt code or phone
    number matched by its pattern beats any model span over it); then, among the
    rest, the longer span wins, ties broken by extractor (regex, gazetteer, CRF)
    and confidence.
    """
    pool = list(candidates)

    def rank(e: Entity) -> tuple:
        structured = e.extractor == "regex" and e.entity in STRUCTURED
        return (not structured, -(e.end - e.start), _PRIORITY.get(e.extractor, 9), -e.confidence, e.start)

    kept: list[Entity] = []
    for entity in sorted(pool, key=rank):
        if entity.end > entity.start and not any(_overlaps(entity, k) for k in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end))
