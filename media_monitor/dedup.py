"""Exact and near-duplicate detection: a story syndicated by ten sites is one story with ten sources.

>>> index = NearDuplicateIndex(threshold=0.5)
>>> index.add(1, signature("Sáng 20/11, nước sông Hương lên nhanh ..."))
>>> index.match(signature("(TTXVN) Sáng 20/11, nước sông Hương lên nhanh ..."))
Match(article_id=1, similarity=0.83)

* **exact**: the canonical URL is unique in the database, and
  :func:`content_hash` (sha256 of the normalised text) finds the same text under
  another URL;
* **near**: a MinHash signature (``datasketch``, 128 permutations) of the
  text's *shingles* — every run of three consecutive syllables after
  :func:`nlu.text.normalize` (one spelling, lower case), punctuation dropped —
  and a MinHash LSH index over the signatures. Syndicated copies differ by a
  byline, an agency prefix ("(TTXVN) –"), a trimmed paragraph or an edited
  headline; their shingle sets still overlap by well over half, while two
  different stories on the same flood share a few phrases only. Syllables, not
  characters, because Vietnamese words are syllables and three of them are
  specific enough.

The LSH index lives in memory and is rebuilt from the signatures stored with
the articles (``monitor_articles.minhash``) when a crawler starts: 100,000
posts take a few seconds and a few hundred MB (``python -m bench.monitor_dedup``).
The LSH only proposes candidates; each is kept only when its estimated
Jaccard similarity reaches the threshold.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from nlu.text import normalize

NUM_PERM = 128
SHINGLE = 3
SEED = 1
SCHEME = "affine32"  # datasketch 2 default; stored signatures must all use one scheme
_SYLLABLE = re.compile(r"\w+")


def syllables(text: str) -> list[str]:
    """The normalised syllables of ``text`` (punctuation and spacing gone)."""
    return _SYLLABLE.findall(normalize(text))


def content_hash(title: str, text: str) -> str:
    """sha256 of the normalised syllables of the text (the title when there is no text)."""
    words = syllables(text) or syllables(title)
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """Every run of ``size`` consecutive syllables (the whole text when shorter), as UTF-8 bytes."""
    words = syllables(text)
    if not words:
        return set()
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


# One permutation set for the whole process: MinHash() would draw it again for every signature.
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)


def signature(text: str) -> MinHash | None:
    """The MinHash of ``text``'s shingles; None when it has no syllable at all."""
    grams = shingles(text)
    if not grams:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_TEMPLATE.permutations, scheme=SCHEME)
    minhash.update_batch(list(grams))
    return minhash


def to_bytes(minhash: MinHash) -> bytes:
    """The signature as stored in the database: 128 little-endian uint32 (512 bytes)."""
    return minhash.hashvalues.astype("<u4").tobytes()


def from_bytes(blob: bytes) -> MinHash:
    values = np.frombuffer(blob, dtype="<u4").astype(_TEMPLATE.hashvalues.dtype)
    if len(values) != NUM_PERM:
        raise ValueError(f"a stored signature has {len(values)} values, not {NUM_PERM}")
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=values, permutations=_TEMPLATE.permutations,
                   scheme=SCHEME)


@dataclass(frozen=True)
class Match:
    article_id: int
    similarity: float


class BandTables:
    """LSH band tables in two sorted ``uint64``/``int64`` arrays plus a small buffer of recent inserts.

    The same banding as ``datasketch.MinHashLSH`` (its ``b`` bands of ``r`` rows,
    chosen by datasketch for the threshold), but datasketch's in-memory storage
    keeps a Python set per band key: ~8 KB per post, 811 MB for 100,000 posts
    (``bench/monitor_dedup.py``). Here a band is a 64-bit hash of its ``r`` values
    salted with the band's number, kept with the article id in arrays sorted by
    key (16 bytes per band per post); recent inserts wait in a dict until
    ``merge_every`` of them are folded in with one sort. A 64-bit collision only
    adds a candidate, which the similarity check then drops.
    """

    def __init__(self, bands: int, rows: int, *, merge_every: int = 4096) -> None:
        self.bands, self.rows, self.merge_every = bands, rows, merge_every
        self.keys = np.zeros(0, dtype=np.uint64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.recent: dict[int, list[int]] = {}
        self._recent_count = 0
        # Odd 64-bit multipliers, one per row of a band, and a salt per band (fixed: keys are never stored).
        rng = np.random.default_rng(20261203)
        self._mult = rng.integers(1, 2**63, size=rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._salt = rng.integers(0, 2**63, size=bands, dtype=np.uint64)

    def band_keys(self, values: np.ndarray) -> np.ndarray:
        """The ``bands`` keys of one signature (``values``: its hash values)."""
        table = values[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, self.rows)
        with np.errstate(over="ignore"):  # multiplication modulo 2**64 is the point
            mixed = (table * self._mult).sum(axis=1, dtype=np.uint64) ^ self._salt
            mixed ^= mixed >> np.uint64(31)
            mixed *= np.uint64(0xBF58476D1CE4E5B9)
            mixed ^= mixed >> np.uint64(29)
        return mixed

    def insert(self, article_id: int, values: np.ndarray) -> None:
        for key in self.band_keys(values).tolist():
            self.recent.setdefault(key, []).append(article_id)
        self._recent_count += 1
        if self._recent_count >= self.merge_every:
            self.merge()

    def merge(self) -> None:
        if not self.recent:
            return
        keys = np.fromiter((k for k, ids in self.recent.items() for _ in ids), dtype=np.uint64)
        ids = np.fromiter((i for _, ids in self.recent.items() for i in ids), dtype=np.int64)
        keys, ids = np.concatenate([self.keys, keys]), np.concatenate([self.ids, ids])
        order = np.argsort(keys, kind="stable")
        self.keys, self.ids = keys[order], ids[order]
        self.recent, self._recent_count = {}, 0

    def candidates(self, values: np.ndarray) -> set[int]:
        keys = self.band_keys(values)
        found: set[int] = set()
        left = np.searchsorted(self.keys, keys, side="left")
        right = np.searchsorted(self.keys, keys, side="right")
        for a, b in zip(left.tolist(), right.tolist()):
            if b > a:
                found.update(self.ids[a:b].tolist())
        for key in keys.tolist():
            found.update(self.recent.get(key, ()))
        return found


class NearDuplicateIndex:
    """MinHash LSH over article signatures; :meth:`match` returns the most similar earlier article.

    Signatures are rows of one ``uint32`` array and the bands live in
    :class:`BandTables` (``tables="compact"``, the default) or in datasketch's own
    ``MinHashLSH`` (``tables="datasketch"``: the same candidates, ten times the
    memory). 100,000 posts: see ``python -m bench.monitor_dedup``.
    """

    def __init__(self, threshold: float = 0.5, *, tables: str = "compact") -> None:
        self.threshold = threshold
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)  # datasketch chooses the banding
        self.bands, self.rows = lsh.b, lsh.r
        if tables == "datasketch":
            self._lsh: MinHashLSH | None = lsh
            self._tables: BandTables | None = None
        elif tables == "compact":
            self._lsh, self._tables = None, BandTables(lsh.b, lsh.r)
        else:
            raise ValueError(f"tables must be 'compact' or 'datasketch', not {tables!r}")
        self._rows: dict[int, int] = {}  # article id -> row of _values
        self._values = np.zeros((1024, NUM_PERM), dtype=_TEMPLATE.hashvalues.dtype)

    def __len__(self) -> int:
        return len(self._rows)

    def _keep(self, article_id: int, minhash: MinHash) -> None:
        row = len(self._rows)
        if row == len(self._values):
            self._values = np.concatenate([self._values, np.zeros_like(self._values)])
        self._values[row] = minhash.hashvalues
        self._rows[article_id] = row

    def add(self, article_id: int, minhash: MinHash) -> None:
        if article_id in self._rows:
            return
        if self._lsh is not None:
            self._lsh.insert(article_id, minhash, check_duplication=False)
        else:
            assert self._tables is not None
            self._tables.insert(article_id, minhash.hashvalues)
        self._keep(article_id, minhash)

    def add_many(self, items: Iterable[tuple[int, MinHash]]) -> None:
        for article_id, minhash in items:
            self.add(article_id, minhash)
        if self._tables is not None:
            self._tables.merge()

    def similarity(self, minhash: MinHash, article_id: int) -> float:
        """Estimated Jaccard similarity: the share of equal hash values (as ``MinHash.jaccard``)."""
        stored = self._values[self._rows[article_id]]
        return float(np.count_nonzero(stored == minhash.hashvalues)) / NUM_PERM

    def match(self, minhash: MinHash, *, exclude: int | None = None) -> Match | None:
        """The indexed article most similar to ``minhash`` at or above the threshold (ties: the oldest id)."""
        if self._lsh is not None:
            candidates = self._lsh.query(minhash)
        else:
            assert self._tables is not None
            candidates = self._tables.candidates(minhash.hashvalues)
        best: Match | None = None
        for candidate in candidates:
            if candidate == exclude:
                continue
            similarity = self.similarity(minhash, candidate)
            if similarity >= self.threshold and (
                    best is None or (similarity, -candidate) > (best.similarity, -best.article_id)):
                best = Match(candidate, similarity)
        return best
