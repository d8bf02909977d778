"""Fast, exact stand-ins for the two slow parts of prediction: n-gram counting and the linear heads.

Where the time went (``python -m bench.monitor_classify``, 300-character posts,
CPU time per post before this module): scikit-learn's ``TfidfVectorizer.transform``
~2.1 ms (it builds every character 2–5-gram as a Python string and looks it up in
a dict, ~1,200 per post), the gazetteer regexes ~0.3 ms (one alternation of ~1,500
names tried at every position), one ``predict_proba`` per head and label (14
calls with input validation each) ~0.15 ms per batch, and, for one post at a time,
the per-call overhead of all of that.

This module replaces the first and the third without changing a single number:

* :class:`NgramCounter` turns a fitted ``TfidfVectorizer`` (word or ``char_wb``
  analyzer) into integer arithmetic. Every symbol the vocabulary uses (a
  character, or a word) gets a small id, an n-gram is the base-``B`` number of
  its ids (``B`` = symbols + 1; id 0 marks a boundary or an unknown symbol, so a
  window holding a 0 cannot be in the vocabulary), and the vocabulary becomes one
  sorted ``int64`` array searched with ``numpy.searchsorted``. The count matrix
  it builds is the one ``CountVectorizer`` builds, entry for entry, and the
  vectorizer's own fitted ``TfidfTransformer`` turns it into TF-IDF, so the
  features are bit-identical. Vocabularies it cannot encode exactly (an n-gram
  key past 63 bits, an analyzer other than ``word``/``char_wb``, a
  preprocessor or stop words) are left to scikit-learn: :func:`counter_for`
  returns None.
* :class:`LinearHeads` stacks the coefficients of every logistic-regression
  head into one matrix, so a batch costs one sparse product, then applies the
  same ``expit``/``softmax`` scikit-learn applies. It also falls back (None)
  for any estimator it does not know to be a plain logistic regression.

``tests/test_posts_fast.py`` checks both against scikit-learn on posts with
noise, emoji, foreign scripts and empty fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.extmath import softmax

try:  # the row normaliser TfidfTransformer itself calls
    from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2 as _row_normalize_l2
except ImportError:  # pragma: no cover - a future scikit-learn: use its public transform
    _row_normalize_l2 = None

_WHITE_SPACES = re.compile(r"\s\s+")  # what scikit-learn's char_wb analyzer collapses first


def _keys(sequences: Sequence[Sequence[int]], base: int) -> np.ndarray:
    """The base-``base`` numbers of the id sequences (most significant first)."""
    keys = np.zeros(len(sequences), dtype=np.int64)
    width = max((len(s) for s in sequences), default=0)
    for position in range(width):
        digit = np.asarray([s[position] if position < len(s) else -1 for s in sequences], dtype=np.int64)
        live = digit >= 0
        keys[live] = keys[live] * base + digit[live]
    return keys


class NgramCounter:
    """Counts the vocabulary n-grams of many documents at once, as ``CountVectorizer`` would.

    ``symbols`` maps each character (``char_wb``) or word (``word``) to its id
    (1…B-1); ``keys``/``columns`` are the vocabulary's n-gram numbers, sorted,
    and the column each one has in the vectorizer.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer
        self.analyzer: str = vectorizer.analyzer  # type: ignore[assignment]
        self.min_n, self.max_n = vectorizer.ngram_range
        vocabulary: Mapping[str, int] = vectorizer.vocabulary_
        self.n_features = len(vocabulary)
        if self.analyzer == "char_wb":
            parts = {term: list(term) for term in vocabulary}
        else:
            parts = {term: term.split(" ") for term in vocabulary}
        symbols = sorted({p for split in parts.values() for p in split})
        self.base = len(symbols) + 1
        if self.base ** self.max_n >= 2**63:
            raise OverflowError("vocabulary too large for 63-bit n-gram keys")
        self.symbols = {s: i for i, s in enumerate(symbols, 1)}
        terms = list(parts)
        keys = _keys([[self.symbols[p] for p in parts[t]] for t in terms], self.base)
        # A key's digits say how long the n-gram is (the leading digit is never 0),
        # so n-grams of different lengths never share a key.
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.columns = np.asarray([vocabulary[t] for t in terms], dtype=np.int64)[order]
        if self.analyzer == "char_wb":
            # Code point -> id for every character of the vocabulary; the rest, and every
            # code point past the last entry (clipped onto it), stay 0.
            top = max((ord(c) for c in symbols), default=0)
            self.char_ids = np.zeros(top + 2, dtype=np.int64)
            for c, i in self.symbols.items():
                self.char_ids[ord(c)] = i
        else:
            self.token_pattern = re.compile(vectorizer.token_pattern)

    # -- id sequences: one flat array, 0 between units that n-grams may not cross ------

    def _char_sequence(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        pieces: list[str] = []
        doc_lengths = np.zeros(len(docs), dtype=np.int64)
        for d, doc in enumerate(docs):
            words = _WHITE_SPACES.sub(" ", doc.lower()).split()
            # Each word padded with one space on both sides (the char_wb rule), "\0" between words.
            piece = "".join(f"\0 {w} " for w in words)
            pieces.append(piece)
            doc_lengths[d] = len(piece)
        text = "".join(pieces) + "\0"
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        ids = self.char_ids[np.minimum(points, len(self.char_ids) - 1)]
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), doc_lengths)
        return ids, np.concatenate([doc_of, [len(docs)]])

    def _word_sequence(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        ids: list[int] = []
        doc_of: list[int] = []
        get = self.symbols.get
        findall = self.token_pattern.findall
        for d, doc in enumerate(docs):
            tokens = findall(doc.lower())
            ids.append(0)
            ids.extend(get(t, 0) for t in tokens)
            doc_of.extend([d] * (len(tokens) + 1))
        ids.append(0)
        doc_of.append(len(docs))
        return np.asarray(ids, dtype=np.int64), np.asarray(doc_of, dtype=np.int64)

    def counts(self, docs: Sequence[str]) -> sp.csr_array:
        """The document-term count matrix of ``docs`` (float32, sorted indices), as ``CountVectorizer.transform``."""
        ids, doc_of = (self._char_sequence if self.analyzer == "char_wb" else self._word_sequence)(docs)
        boundary = np.concatenate([[0], np.cumsum(ids == 0)])  # boundaries before each position
        found_rows: list[np.ndarray] = []
        found_cols: list[np.ndarray] = []
        key = np.zeros(len(ids), dtype=np.int64)
        for n in range(1, self.max_n + 1):
            width = len(ids) - n + 1
            if width <= 0:
                break
            key = key[:width] * self.base + ids[n - 1:n - 1 + width]
            if n < self.min_n:
                continue
            clean = boundary[n:n + width] - boundary[:width] == 0
            if not self.keys.size:
                continue
            starts = np.flatnonzero(clean)
            candidate = key[starts]
            where = np.searchsorted(self.keys, candidate)
            where[where == len(self.keys)] = 0
            hit = self.keys[where] == candidate
            found_rows.append(doc_of[starts[hit]])
            found_cols.append(self.columns[where[hit]])
        rows = np.concatenate(found_rows) if found_rows else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(found_cols) if found_cols else np.zeros(0, dtype=np.int64)
        cells, counts = np.unique(rows * self.n_features + cols, return_counts=True)
        cell_rows = cells // self.n_features
        indptr = np.searchsorted(cell_rows, np.arange(len(docs) + 1)).astype(np.int32)
        return sp.csr_array((counts.astype(np.float32), (cells % self.n_features).astype(np.int32), indptr),
                            shape=(len(docs), self.n_features), dtype=self.vectorizer.dtype)

    def transform(self, docs: Sequence[str]) -> sp.csr_array:
        """``vectorizer.transform(docs)``, bit for bit.

        The TF-IDF steps are those of the vectorizer's ``TfidfTransformer.transform``
        (same operations, same dtypes, its own row normaliser) without its input
        validation, which costs more than the arithmetic for a single post.
        """
        X = self.counts(docs)
        tfidf = self.vectorizer._tfidf
        if _row_normalize_l2 is None or tfidf.norm != "l2":
            return tfidf.transform(X, copy=False)
        if tfidf.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        if hasattr(tfidf, "idf_"):
            X.data *= tfidf.idf_[X.indices]
        _row_normalize_l2(X)
        return X


def counter_for(vectorizer: TfidfVectorizer) -> NgramCounter | None:
    """A :class:`NgramCounter` for ``vectorizer``, or None where it could not match it exactly."""
    supported = (
        vectorizer.analyzer in ("word", "char_wb")
        and vectorizer.preprocessor is None and vectorizer.tokenizer is None and vectorizer.stop_words is None
        and vectorizer.strip_accents is None and vectorizer.lowercase and not vectorizer.binary
        and vectorizer.input == "content"
        # char_wb pads words to at least 3 characters, so with min_n <= 3 the short-word rule never applies
        and (vectorizer.analyzer == "word" or vectorizer.ngram_range[0] <= 3)
        and hasattr(vectorizer, "vocabulary_")
    )
    if not supported:
        return None
    try:
        counter = NgramCounter(vectorizer)
    except OverflowError:
        return None
    if counter.analyzer == "char_wb" and "\0" in counter.symbols:
        return None  # "\0" is the boundary marker
    return counter


# --- the heads ------------------------------------------------------------------------


def _plain_logistic(estimator: Any) -> bool:
    return type(estimator) is LogisticRegression and estimator.coef_.ndim == 2


class LinearHeads:
    """Every head's logistic regression in one coefficient matrix: one sparse product per batch.

    ``probabilities(X)`` returns, per head, what that head's ``predict_proba``
    returns: binary heads the full two-column matrix, level 1 the softmax over
    its classes, level 2 the one-vs-rest positive-class probabilities. Heads are
    grouped by the dtype of their coefficients (lbfgs keeps float32 ones for
    float32 input, liblinear float64), because mixing them would compute a
    float32 head in float64 and change its last bits.
    """

    def __init__(self, estimators: Mapping[str, Any]) -> None:
        groups: dict[np.dtype, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        # head -> (kind, dtype group, first column, width)
        self.layout: dict[str, tuple[str, np.dtype, int, int]] = {}
        for head, estimator in estimators.items():
            if isinstance(estimator, OneVsRestClassifier):
                parts = estimator.estimators_
                if len(parts) < 2 or not all(_plain_logistic(e) and list(e.classes_) == [0, 1] for e in parts):
                    raise TypeError(head)
                if len({e.coef_.dtype for e in parts}) != 1:
                    raise TypeError(head)
                coef = np.vstack([e.coef_ for e in parts])
                intercept = np.concatenate([e.intercept_ for e in parts])
                kind = "ovr"
            elif _plain_logistic(estimator):
                coef, intercept = estimator.coef_, estimator.intercept_
                kind = "binary" if len(estimator.classes_) <= 2 else "softmax"
            else:
                raise TypeError(head)
            if intercept.dtype != coef.dtype:
                raise TypeError(head)
            blocks, intercepts = groups.setdefault(coef.dtype, ([], []))
            first = sum(b.shape[0] for b in blocks)
            blocks.append(coef)
            intercepts.append(intercept)
            self.layout[head] = (kind, coef.dtype, first, coef.shape[0])
        # C order: scipy's sparse-dense product wants it (it would copy an F-ordered
        # coef_.T on every call, as scikit-learn's own product does); each output is
        # still summed over the row's non-zeros in the same order, so the same bits.
        self.weights = {dtype: (np.ascontiguousarray(np.vstack(blocks).T), np.concatenate(intercepts))
                        for dtype, (blocks, intercepts) in groups.items()}

    def probabilities(self, X: sp.csr_array | sp.csr_matrix) -> dict[str, np.ndarray]:
        products = {dtype: X @ weights for dtype, (weights, _) in self.weights.items()}
        out: dict[str, np.ndarray] = {}
        for head, (kind, dtype, first, width) in self.layout.items():
            intercepts = self.weights[dtype][1]
            decision = products[dtype][:, first:first + width] + intercepts[first:first + width]
            if kind == "binary":
                p = expit(decision.ravel())
                out[head] = np.stack([1 - p, p], axis=1)
            elif kind == "softmax":
                out[head] = softmax(decision, copy=False)
            else:
                out[head] = expit(decision)
        return out


def heads_for(estimators: Mapping[str, Any]) -> LinearHeads | None:
    """A :class:`LinearHeads` over ``estimators``, or None when one of them is not a plain logistic regression."""
    try:
        return LinearHeads(estimators)
    except TypeError:
        return None
