"""A diacritic restorer trained on the project's own text: syllable n-grams + beam search.

Why not only pyvi? Its character CRF was trained on general news; on our domain it
gets about 7 syllables in 10 right ("Cấp" -> "Cặp", "tạm trú" -> "tâm trữ"). The
words citizens and procedures use are few (under 4,000 distinct syllables in the
whole knowledge base) and very repetitive, which is exactly what a syllable
language model learns well from a few megabytes of in-domain text. No maintained
PyPI library trains Vietnamese diacritic restoration on data of one's own, so the
model and its decoder are written here; they are a few hundred lines and use only
the standard library, so importing :mod:`nlu.text` stays cheap.

How it works
------------
*Training* (:meth:`NgramRestorer.fit`) reads accented sentences, normalised with
:func:`~nlu.text.normalize` (NFC, canonical tone placement, lower case), and counts
syllable n-grams (trigrams by default) over *runs of syllables separated only by
spaces*: punctuation, digits and anything that is not a Vietnamese-shaped syllable
end a run, because the words on either side of a comma or a number predict each
other poorly. From the counts come

* the **candidates**: for every unaccented spelling, the accented syllables that
  strip to it ("tam" -> tam, tâm, tám, tạm, tầm, ...), most frequent first;
* an interpolated **Kneser-Ney** language model over the accented syllables
  (probabilities of a syllable given the one or two before it, backing off to
  shorter histories, so that unseen trigrams still get sensible scores).

*Restoring* (:meth:`NgramRestorer.predict`) finds, for each run of syllables in the
input, the sequence of candidates with the highest language-model probability by
beam search over (previous syllable, syllable) states: Viterbi with the number of
live states capped at ``beam_width``, so time grows linearly with the text.
Syllables the user typed with marks are kept as typed and serve as context;
unknown syllables, words in other scripts, digits, punctuation, spacing and
letter case are left exactly as they were.

Usage::

    >>> restorer = NgramRestorer().fit(["Đăng ký khai sinh", "Đăng ký tạm trú", "Tôi muốn đăng ký"])
    >>> restorer.predict("Toi muon DANG KY tam tru")
    'Tôi muốn ĐĂNG KÝ tạm trú'
    >>> restorer.save("var/models/diacritics.json.gz")  # doctest: +SKIP
    >>> NgramRestorer.load("var/models/diacritics.json.gz").predict("dang ky khai sinh")  # doctest: +SKIP
    'đăng ký khai sinh'

The project's model is trained by :mod:`training.diacritics` and is used through
``restore_diacritics(text, restorer=NgramRestorer.load(path))``; nothing here loads
a trained file by itself.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.text.normalize import canonical_word, normalize, strip_diacritics

__all__ = ["FORMAT", "FORMAT_VERSION", "NgramRestorer", "syllable_accuracy"]

#: ``format`` and ``version`` written into every saved model; :meth:`NgramRestorer.load`
#: refuses anything else rather than guessing.
FORMAT = "hueai-ngram-diacritics"
FORMAT_VERSION = 1

# Letter runs, with the combining marks that may sit on letters (decomposed input).
_RUN = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
# The longest Vietnamese syllable has 7 letters ("nghiêng").
_MAX_SYLLABLE = 7
_START, _END = "<s>", "</s>"  # padding tokens; they contain no letter, so no syllable can collide
# Runs of at least this many syllables with no mark at all are text typed without
# accents (file names such as "Mau A17 tam tru.doc" inside the records); training
# on them would teach that "tam" is usually written "tam".
_UNACCENTED_RUN = 3


def _bare(syllable: str) -> str | None:
    """The unaccented spelling of a normalised syllable, or None if it is not Vietnamese-shaped.

    Vietnamese-shaped means: at most 7 letters, all Latin once marks are removed,
    one letter per character (so case can be copied letter by letter).
    """
    bare = strip_diacritics(syllable)
    if len(bare) == len(syllable) <= _MAX_SYLLABLE and bare.isascii() and bare.isalpha():
        return bare
    return None


def _runs(text: str) -> list[list[tuple[int, int]]]:
    """Spans of syllables in ``text``, grouped into runs separated only by whitespace.

    Words glued by flattened tables ("nộpThời gian") are cut where a lower-case
    letter meets an upper-case one, so they give two syllables instead of one
    unknown word.
    """
    runs: list[list[tuple[int, int]]] = []
    previous_end = -1
    for match in _RUN.finditer(text):
        start, end = match.span()
        if previous_end < 0 or text[previous_end:start].strip():
            runs.append([])
        cut = start
        for i in range(start + 1, end):
            if text[i].isupper() and text[i - 1].islower():
                runs[-1].append((cut, i))
                cut = i
        runs[-1].append((cut, end))
        previous_end = end
    return runs


def _with_case_of(restored: str, typed: str) -> str:
    """Give ``restored`` (lower case, same length) the upper/lower pattern of ``typed``."""
    return "".join(r.upper() if t.isupper() else r for r, t in zip(restored, typed, strict=True))


def syllable_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    """Share of syllables restored right, and share of texts restored entirely right.

    Both sides are normalised (so tone placement and case do not count) and
    compared syllable by syllable in order.
    """
    correct = total = exact = 0
    for g, p in zip(gold, predicted, strict=True):
        gold_syllables = _RUN.findall(normalize(g))
        predicted_syllables = _RUN.findall(normalize(p))
        total += len(gold_syllables)
        correct += sum(a == b for a, b in zip(gold_syllables, predicted_syllables, strict=False))
        exact += gold_syllables == predicted_syllables
    return correct / max(total, 1), exact / max(len(gold), 1)


class NgramRestorer:
    """Restore Vietnamese diacritics with a syllable n-gram model trained by :meth:`fit`.

    Follows scikit-learn's conventions: hyper-parameters are constructor arguments
    stored under the same name, :meth:`fit` returns ``self``, learned state ends in
    ``_``, and :meth:`score` gives the evaluation metric (syllable accuracy).

    Parameters
    ----------
    order:
        n-gram order: 3 (trigrams, default) looks two syllables back, 2 one.
    beam_width:
        how many (previous, current) syllable states survive each step of the
        search. On our benchmarks 8 is within 0.1 point of syllable accuracy of a
        beam of 64 and keeps a question well under a millisecond.
    """

    def __init__(self, order: int = 3, beam_width: int = 8) -> None:
        if order < 2:
            raise ValueError(f"order must be at least 2, got {order}")
        if beam_width < 1:
            raise ValueError(f"beam_width must be at least 1, got {beam_width}")
        self.order = order
        self.beam_width = beam_width

    # ------------------------------------------------------------------ training

    def fit(self, sentences: Iterable[str]) -> NgramRestorer:
        """Learn candidates and n-gram counts from accented ``sentences``; return ``self``.

        Each sentence is normalised, cut into runs of syllables (see module doc)
        and every run, padded with start/end markers, contributes its n-grams.
        Runs of three or more syllables without a single mark are skipped: they
        are unaccented typing, not evidence of how words are spelled.
        """
        counts: Counter[tuple[str, ...]] = Counter()
        digest = hashlib.sha256()
        n_sentences = 0
        for sentence in sentences:
            n_sentences += 1
            digest.update(normalize(sentence).encode("utf-8") + b"\n")
            for run in self._training_runs(sentence):
                padded = (_START,) * (self.order - 1) + tuple(run) + (_END,)
                counts.update(zip(*(padded[i:] for i in range(self.order)), strict=False))
        self.metadata_: dict[str, Any] = {
            "data_sha256": digest.hexdigest(),
            "n_sentences": n_sentences,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._build(counts)
        return self

    def _training_runs(self, sentence: str) -> Iterable[list[str]]:
        """Normalised syllable runs of one training sentence (unaccented runs dropped)."""
        text = unicodedata.normalize("NFC", sentence)
        for spans in _runs(text):
            run: list[str] = []
            for start, end in [*spans, (0, 0)]:  # the empty sentinel flushes the last run
                syllable = canonical_word(text[start:end]) if end else ""
                if syllable and _bare(syllable) is not None:
                    run.append(syllable)
                    continue
                if run and (len(run) < _UNACCENTED_RUN or not all(s.isascii() for s in run)):
                    yield run
                run = []

    def _build(self, counts: Counter[tuple[str, ...]]) -> None:
        """Derive candidates and the Kneser-Ney tables from the highest-order counts.

        Lower orders use *continuation* counts (in how many different contexts a
        shorter n-gram occurs), which is what makes Kneser-Ney prefer, when backing
        off, syllables that combine with many neighbours over ones that occur
        often but always in the same phrase. An n-gram that starts with the start
        marker has no left context to count, so it keeps its raw count.
        """
        self.counts_ = dict(sorted(counts.items()))
        by_order: list[dict[tuple[str, ...], int]] = [{} for _ in range(self.order + 1)]
        by_order[self.order] = self.counts_
        for k in range(self.order - 1, 0, -1):
            adjusted: Counter[tuple[str, ...]] = Counter()
            for gram in by_order[k + 1]:
                if gram[1] != _START:
                    adjusted[gram[1:]] += 1
            for gram, count in self.counts_.items():
                suffix = gram[self.order - k :]
                if suffix[0] == _START:
                    adjusted[suffix] += count
            by_order[k] = dict(adjusted)

        self._grams = by_order
        self._context_total: list[dict[tuple[str, ...], int]] = [{} for _ in range(self.order + 1)]
        self._context_types: list[dict[tuple[str, ...], int]] = [{} for _ in range(self.order + 1)]
        self._discount = [0.0] * (self.order + 1)
        for k in range(1, self.order + 1):
            total: Counter[tuple[str, ...]] = Counter()
            types: Counter[tuple[str, ...]] = Counter()
            for gram, count in by_order[k].items():
                total[gram[:-1]] += count
                types[gram[:-1]] += 1
            self._context_total[k], self._context_types[k] = dict(total), dict(types)
            self._discount[k] = self._estimate_discount(by_order[k].values())
        self._vocabulary_size = max(len(by_order[1]), 1)

        frequency: Counter[str] = Counter()
        for gram, count in self.counts_.items():
            frequency[gram[-1]] += count
        candidates: dict[str, list[str]] = {}
        for syllable in sorted(frequency, key=lambda s: (-frequency[s], s)):
            bare = _bare(syllable)
            if bare is not None:
                candidates.setdefault(bare, []).append(syllable)
        self.candidates_ = {bare: tuple(forms) for bare, forms in sorted(candidates.items())}
        # Bounded memo: a service answers the same short phrases over and over.
        self._log_prob = lru_cache(maxsize=1 << 18)(self._compute_log_prob)

    @staticmethod
    def _estimate_discount(counts: Iterable[int]) -> float:
        """Kneser-Ney's absolute discount ``n1 / (n1 + 2 n2)`` from counts of counts.

        Tiny corpora may have no n-gram seen exactly once or twice; 0.5 is then
        used, and the estimate is kept within [0.1, 0.9] so that seen n-grams
        always keep some probability and unseen ones always get some.
        """
        ones = twos = 0
        for count in counts:
            ones += count == 1
            twos += count == 2
        if not ones or not twos:
            return 0.5
        return min(max(ones / (ones + 2 * twos), 0.1), 0.9)

    # --------------------------------------------------------------- probability

    def _compute_log_prob(self, context: tuple[str, ...], syllable: str) -> float:
        """log P(syllable | context), interpolated Kneser-Ney over all orders."""
        probability = 1.0 / self._vocabulary_size  # order 0: uniform, so nothing has zero probability
        for k in range(1, len(context) + 2):
            history = context[len(context) - k + 1 :]
            total = self._context_total[k].get(history)
            if not total:
                continue  # history never seen: keep the lower-order estimate
            discount = self._discount[k]
            count = self._grams[k].get((*history, syllable), 0)
            backed_off = discount * self._context_types[k][history] * probability
            probability = (max(count - discount, 0.0) + backed_off) / total
        return math.log(probability)

    # ------------------------------------------------------------------ restoring

    def predict(self, text: str) -> str:
        """Return ``text`` with the most likely diacritics on its unaccented syllables.

        The input is NFC-composed; everything else (spacing, punctuation, digits,
        letter case, syllables already carrying marks, words the model has never
        seen, other scripts, emoji) is returned exactly as typed.
        """
        self._check_fitted()
        source = unicodedata.normalize("NFC", text)
        replacements: list[tuple[int, int, str]] = []
        for spans in _runs(source):
            segment: list[tuple[int, int, tuple[str, ...]]] = []
            for start, end in [*spans, (0, 0)]:  # the empty sentinel flushes the last segment
                options = self._options(source[start:end]) if end else None
                if options is not None:
                    segment.append((start, end, options))
                    continue
                if any(source[s:e].isascii() for s, e, _ in segment):  # something to restore
                    best = self._decode([o for _, _, o in segment])
                    for (s, e, _), syllable in zip(segment, best, strict=True):
                        if source[s:e].isascii():
                            replacements.append((s, e, _with_case_of(syllable, source[s:e])))
                segment = []
        pieces: list[str] = []
        previous_end = 0
        for start, end, syllable in replacements:
            pieces += [source[previous_end:start], syllable]
            previous_end = end
        pieces.append(source[previous_end:])
        return "".join(pieces)

    def _options(self, word: str) -> tuple[str, ...] | None:
        """What ``word`` may become: its candidates, itself if accented, None if unknown."""
        if word.isascii():
            return self.candidates_.get(word.lower()) if len(word) <= _MAX_SYLLABLE else None
        syllable = canonical_word(word)
        return (syllable,) if _bare(syllable) is not None else None

    def _decode(self, options: Sequence[tuple[str, ...]]) -> list[str]:
        """The highest-scoring choice of one option per position (beam-pruned Viterbi).

        A state is the last ``order - 1`` syllables; paths reaching the same state
        are merged keeping the best, then the ``beam_width`` best states survive.
        Ties are broken by candidate order (most frequent first), so the result
        is deterministic.
        """
        # state -> (log probability, path as a linked list (syllable, previous) )
        beam: dict[tuple[str, ...], tuple[float, tuple[Any, ...]]] = {(_START,) * (self.order - 1): (0.0, ())}
        for choices in options:
            grown: dict[tuple[str, ...], tuple[float, tuple[Any, ...]]] = {}
            for state, (score, path) in beam.items():
                for syllable in choices:
                    new_score = score + self._log_prob(state, syllable)
                    new_state = (*state[1:], syllable)
                    if new_state not in grown or new_score > grown[new_state][0]:
                        grown[new_state] = (new_score, (syllable, path))
            best = sorted(grown.items(), key=lambda item: -item[1][0])[: self.beam_width]
            beam = dict(best)
        _, (_, path) = max(beam.items(), key=lambda item: item[1][0] + self._log_prob(item[0], _END))
        chosen: list[str] = []
        while path:
            syllable, path = path
            chosen.append(syllable)
        return chosen[::-1]

    def score(self, texts: Iterable[str]) -> float:
        """Syllable accuracy on accented ``texts``: strip their marks, restore, compare."""
        gold = list(texts)
        return syllable_accuracy(gold, [self.predict(strip_diacritics(t)) for t in gold])[0]

    # -------------------------------------------------------------- persistence

    def save(self, path: str | Path, *, metrics: dict[str, Any] | None = None) -> Path:
        """Write the model as JSON (gzip-compressed when ``path`` ends in ``.gz``).

        Only the highest-order counts are stored; candidates and smoothing tables
        are derived again on :meth:`load`. The file also records the format
        version, a hash and size of the training data, the creation time and
        ``metrics`` (merged into those of an earlier save), so a deployed model
        says what it is. The same model always gives the same bytes.
        """
        self._check_fitted()
        if metrics:
            self.metadata_["metrics"] = {**self.metadata_.get("metrics", {}), **metrics}
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "params": {"order": self.order, "beam_width": self.beam_width},
            **self.metadata_,
            "ngrams": {" ".join(gram): count for gram, count in self.counts_.items()},
        }
        data = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
        return path

    @classmethod
    def load(cls, path: str | Path) -> NgramRestorer:
        """Read a model written by :meth:`save`; ValueError if it is not one."""
        raw = Path(path).read_bytes()
        if raw[:2] == b"\x1f\x8b":  # gzip magic number: accept a compressed file whatever its name
            raw = gzip.decompress(raw)
        document = json.loads(raw.decode("utf-8"))
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} model")
        if document.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: model version {document.get('version')!r}, expected {FORMAT_VERSION}")
        restorer = cls(**document["params"])
        counts = Counter({tuple(key.split(" ")): count for key, count in document["ngrams"].items()})
        if any(len(gram) != restorer.order for gram in counts):
            raise ValueError(f"{path}: n-grams do not match order {restorer.order}")
        restorer.metadata_ = {
            key: document[key] for key in ("data_sha256", "n_sentences", "created_at", "metrics") if key in document
        }
        restorer._build(counts)
        return restorer

    def _check_fitted(self) -> None:
        if not hasattr(self, "counts_"):
            raise RuntimeError("this NgramRestorer is not fitted: call fit() or NgramRestorer.load()")
