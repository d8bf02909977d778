"""A conditional random field over syllables: entity spans learnt from examples.

Patterns and lists catch what has a fixed form; everything else (procedure
names as citizens say them, "cái sổ đỏ", streets not in any list) is learnt.
A linear-chain CRF (CRFsuite through ``sklearn-crfsuite``) tags each syllable
``B-type``/``I-type``/``O`` from hand-made features: it trains in seconds on a
few thousand messages on a CPU and tags a message in well under a millisecond,
which a neural tagger does not.

Features of syllable *i* (see :func:`syllable_features`): the syllable, without
diacritics, its shape ("Xx", "d", "x.d"), digit/title flags, the neighbours at
±1 and ±2 and the bigrams around it, and *hints*: spans that the gazetteer,
the lookup lists and the patterns found (``B``/``I`` per hint name), so the CRF
learns when to trust them ("Kim Long" after "đường" is a street).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pycrfsuite
import sklearn_crfsuite

from nlu.entities.base import Entity
from nlu.entities.tokens import Prepared

__all__ = ["CRFEntityExtractor", "Hint", "bio_tags", "syllable_features"]

Hint = tuple[int, int, str]  # start, end in the original text, hint name

_SHAPE_RUNS = re.compile(r"(.)\1+")


def _shape(surface: str) -> str:
    shape = "".join("X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c for c in surface)
    return _SHAPE_RUNS.sub(r"\1", shape)


def _inside(prepared: Prepared, start: int, end: int, *, overlapping: bool = False) -> range:
    """Indices of the syllables within ``start:end`` (or overlapping it), by bisection: a long
    message with many hints must not cost syllables x hints."""
    syllables = prepared.syllables
    if overlapping:  # s.end > start and s.start < end
        first = bisect.bisect_right([s.end for s in syllables], start)
        last = bisect.bisect_left([s.start for s in syllables], end)
    else:  # s.start >= start and s.end <= end
        first = bisect.bisect_left([s.start for s in syllables], start)
        last = bisect.bisect_right([s.end for s in syllables], end)
    return range(first, max(first, last))


def _token_flags(prepared: Prepared, hints: Sequence[Hint]) -> list[list[str]]:
    flags: list[list[str]] = [[] for _ in prepared.syllables]
    starts = [s.start for s in prepared.syllables]
    ends = [s.end for s in prepared.syllables]
    for start, end, name in hints:
        first, last = bisect.bisect_left(starts, start), bisect.bisect_right(ends, end)
        for i in range(first, last):
            flags[i].append(("B:" if i == first else "I:") + name)
    return flags


def syllable_features(prepared: Prepared, hints: Sequence[Hint] = ()) -> list[dict[str, str | bool]]:
    """The CRF's input: one feature dict per syllable."""
    syllables = prepared.syllables
    flags = _token_flags(prepared, hints)
    words = [s.text for s in syllables]
    plains = [s.plain for s in syllables]
    n = len(syllables)
    features = []
    for i, s in enumerate(syllables):
        surface = prepared.original[s.start : s.end]
        f: dict[str, str | bool] = {
            "w": s.text,
            "p": s.plain,
            "shape": _shape(surface),
            "title": surface[:1].isupper(),
            "digit": s.text.isdigit(),
            "len": str(min(len(s.text), 6)),
            "suf2": s.plain[-2:],
            "pre2": s.plain[:2],
        }
        for offset in (-2, -1, 1, 2):
            j = i + offset
            f[f"p{offset}"] = plains[j] if 0 <= j < n else ("<s>" if j < 0 else "</s>")
        for offset in (-1, 1):
            j = i + offset
            if 0 <= j < n:
                f[f"w{offset}"] = words[j]
        f["p-1|p"] = f"{f['p-1']}|{s.plain}"
        f["p|p+1"] = f"{s.plain}|{f['p1']}"
        for flag in flags[i]:
            f["hint:" + flag] = True
        for offset in (-1, 1):
            j = i + offset
            if 0 <= j < n:
                for flag in flags[j]:
                    f[f"hint{offset}:" + flag] = True
        features.append(f)
    return features


def bio_tags(prepared: Prepared, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """``B-type``/``I-type``/``O`` per syllable for spans (offsets into the original).

    A syllable belongs to a span when it overlaps it, so a span that cuts a
    syllable ("[Huế]," is fine; "[H]uế" is not) still tags the whole syllable.
    """
    tags = ["O"] * len(prepared.syllables)
    for start, end, entity in spans:
        for position, i in enumerate(_inside(prepared, start, end, overlapping=True)):
            tags[i] = ("B-" if position == 0 else "I-") + entity
    return tags


class CRFEntityExtractor:
    """BIO tagging with a linear-chain CRF; L-BFGS training is deterministic.

    ``c1``/``c2`` are the L1/L2 penalties; the defaults were picked on the
    project's data (small L1 keeps rare but decisive features such as a hint).
    """

    def __init__(self, *, c1: float = 0.05, c2: float = 0.05, max_iterations: int = 100) -> None:
        self.c1, self.c2, self.max_iterations = c1, c2, max_iterations
        self._model: bytes | None = None  # the trained CRFsuite model
        self._tagger: pycrfsuite.Tagger | None = None

    @property
    def labels(self) -> list[str]:
        """Entity types the model can output."""
        if self._tagger is None:
            return []
        return sorted({tag[2:] for tag in self._tagger.labels() if tag != "O"})

    def fit(self, features: Sequence[list[dict]], tags: Sequence[list[str]]) -> CRFEntityExtractor:
        """Train on :func:`syllable_features` and :func:`bio_tags` of each message."""
        crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs", c1=self.c1, c2=self.c2, max_iterations=self.max_iterations,
            all_possible_transitions=True,
        )
        pairs = [(x, y) for x, y in zip(features, tags, strict=True) if x]
        crf.fit([x for x, _ in pairs], [y for _, y in pairs])
        self._open(Path(crf.modelfile.name).read_bytes())
        return self  # ``crf`` goes, and its temporary model file with it

    def _open(self, model: bytes) -> None:
        # Tagged from memory: sklearn-crfsuite keeps a model in a temporary file, written again at every
        # unpickling and removed only when the object is collected, so each process stopped by a signal (a
        # server, a callbot) left one in /tmp. CRFsuite reads the bytes in place: they are kept with it.
        self._model = model
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(model)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_tagger": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        crf = state.pop("crf", None)  # a model saved by an earlier version: its sklearn-crfsuite estimator
        model = Path(crf.modelfile.name).read_bytes() if crf is not None else state.get("_model")
        self.__dict__.update(state)
        self._model = self._tagger = None
        if model is not None:
            self._open(model)

    def extract(self, prepared: Prepared, features: list[dict]) -> list[Entity]:
        """Spans tagged in ``prepared``; confidence is the mean marginal of their tags."""
        if self._tagger is None or not features:
            return []
        tagger = self._tagger
        tags = tagger.tag(features)
        entities: list[Entity] = []
        i = 0
        while i < len(tags):
            if tags[i] == "O":
                i += 1
                continue
            entity = tags[i][2:]
            j = i + 1
            while j < len(tags) and tags[j] == "I-" + entity:
                j += 1
            confidence = sum(tagger.marginal(tags[k], k) for k in range(i, j)) / (j - i)
            syllables = prepared.syllables
            start, end = syllables[i].start, syllables[j - 1].end
            surface = prepared.original[start:end]
            entities.append(Entity(entity, surface, start, end, round(confidence, 4), "crf"))
            i = j
        return entities
