"""Map an extracted span to its canonical value: "cccd" -> "căn cước".

Two sources, both from the training data: ``synonym`` blocks (any entity type)
and the ``value`` given in annotations (``[so do]{"entity": "procedure",
"value": "sổ đỏ"}``), which is kept per entity type and takes precedence. Keys are
:func:`~nlu.text.normalize`-d; if the span is not found, its form without
diacritics is tried, as long as that form belongs to one value only ("dang ky ket
hon" finds "đăng ký kết hôn").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from nlu.text import normalize, strip_diacritics

__all__ = ["SynonymMapper"]


def _plain_index(mapping: Mapping[str, str]) -> dict[str, str]:
    values: dict[str, set[str]] = defaultdict(set)
    for key, value in mapping.items():
        values[strip_diacritics(key)].add(value)
    return {key: next(iter(v)) for key, v in values.items() if len(v) == 1}


class SynonymMapper:
    """``synonyms``: variant -> value for every type; ``by_entity``: per type."""

    def __init__(self, synonyms: Mapping[str, str], by_entity: Mapping[str, Mapping[str, str]] | None = None):
        self.synonyms = {normalize(k): v for k, v in synonyms.items()}
        self.by_entity = {e: {normalize(k): v for k, v in m.items()} for e, m in (by_entity or {}).items()}
        self._plain = _plain_index(self.synonyms)
        self._plain_by_entity = {e: _plain_index(m) for e, m in self.by_entity.items()}

    @classmethod
    def from_examples(cls, synonyms: Mapping[str, str], examples: Iterable) -> SynonymMapper:
        """Synonyms plus annotation values of ``examples`` (:class:`~nlu.training_data.Example`).

        When annotators gave one span different values, the most frequent wins.
        """
        votes: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        for example in examples:
            for span in example.entities:
                surface = example.text[span.start : span.end]
                if span.value != surface:
                    votes[span.entity][normalize(surface)][span.value] += 1
        by_entity = {
            entity: {key: counter.most_common(1)[0][0] for key, counter in sorted(keys.items())}
            for entity, keys in sorted(votes.items())
        }
        return cls(synonyms, by_entity)

    def get(self, entity: str, surface: str) -> str | None:
        """The canonical value of ``surface`` as an ``entity``, or None."""
        key = normalize(surface)
        own = self.by_entity.get(entity, {})
        if key in own:
            return own[key]
        if key in self.synonyms:
            return self.synonyms[key]
        plain = strip_diacritics(key)
        return self._plain_by_entity.get(entity, {}).get(plain) or self._plain.get(plain)
