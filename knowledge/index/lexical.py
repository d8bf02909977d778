"""BM25 per field (bm25s) over accented and unaccented terms, summed with weights.

A procedure is a handful of fields of very different worth: a match in its
name or in a citizen alias says far more than a match in its steps. bm25s has
no BM25F, so each field gets its own index and the field scores are summed with
weights (a well-known approximation of BM25F that keeps each field's own length
normalisation). The weights apply at query time (:meth:`FieldedBM25.combine`),
so they can be tuned without re-indexing.

>>> index = FieldedBM25(["name", "steps"]).fit([{"name": "Đăng ký khai sinh", "steps": "Nộp hồ sơ ..."}])
>>> scores = index.field_scores(analyze("lam giay khai sinh"))      # per field, one score per document
>>> index.combine(scores, {"name": 3.0, "steps": 0.3})              # one score per document
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import bm25s
import numpy as np

from knowledge.index.analysis import Terms, analyze

FORMS = ("accented", "unaccented")


class FieldedBM25:
    def __init__(self, fields: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.fields = tuple(fields)
        self.k1 = k1
        self.b = b
        self._indexes: dict[tuple[str, str], bm25s.BM25] = {}
        self.n_docs = 0
        # Per form, every field's BM25 columns stacked in one CSC matrix over (field, document) rows, and a
        # table from a term to its column in each field (-1: not there): a query's terms are looked up
        # once and all fields scored in one pass (see _stacked_scores).
        self._term_ids: dict[str, dict[str, int]] = {}
        self._stacked: dict[str, tuple[np.ndarray, ...]] = {}

    def _stack(self) -> None:
        """Build the stacked matrices; each field's bm25s index then holds views into them (no second copy)."""
        for form in FORMS:
            indexes = [self._indexes[(field, form)] for field in self.fields]
            ids: dict[str, int] = {}
            for index in indexes:
                for term in index.vocab_dict:
                    ids.setdefault(term, len(ids))
            table = np.full((len(ids), len(indexes)), -1, dtype=np.int64)
            starts, fields, bounds = [], [], []
            columns = entries = 0  # so far, over the fields before this one
            for f, index in enumerate(indexes):
                for term, column in index.vocab_dict.items():
                    table[ids[term], f] = columns + column
                indptr = index.scores["indptr"].astype(np.int64)
                starts.append(entries + indptr)
                fields.append(np.full(len(indptr) - 1, f * self.n_docs, dtype=np.int64))
                bounds.append((entries, entries + int(indptr[-1])))
                columns += len(indptr) - 1
                entries += int(indptr[-1])
            rows = np.concatenate([index.scores["indices"] for index in indexes])
            data = np.concatenate([index.scores["data"] for index in indexes])
            for index, (start, end) in zip(indexes, bounds):
                index.scores["indices"], index.scores["data"] = rows[start:end], data[start:end]
            # column c of the stack: entries starts[c] .. ends[c] of rows/data, rows of field offset[c]
            ends = np.concatenate([s[1:] for s in starts])
            self._term_ids[form] = ids
            self._stacked[form] = (table, np.concatenate([s[:-1] for s in starts]), ends, np.concatenate(fields),
                                   rows, data)

    def fit(self, docs: Sequence[Mapping[str, str]]) -> "FieldedBM25":
        """Index ``docs``: each a mapping of field name to text (missing fields are empty)."""
        self.n_docs = len(docs)
        for field in self.fields:
            analyzed = [analyze(doc.get(field) or "") for doc in docs]
            for form in FORMS:
                index = bm25s.BM25(k1=self.k1, b=self.b)
                # An empty field still needs a token so bm25s keeps the document count aligned.
                index.index([getattr(t, form) or ["<empty>"] for t in analyzed], show_progress=False)
                self._indexes[(field, form)] = index
        self._stack()
        return self

    def field_scores(self, terms: Terms) -> dict[str, np.ndarray]:
        """Unweighted BM25 scores per field for already analysed query terms."""
        scores = self._stacked_scores("unaccented", terms.unaccented)
        if terms.has_diacritics:
            # Accented terms add precision only when the query carries diacritics.
            scores = scores + self._stacked_scores("accented", terms.accented)
        return dict(zip(self.fields, scores))

    def _stacked_scores(self, form: str, tokens: list[str]) -> np.ndarray:
        """bm25s's ``get_scores`` of ``tokens`` in every field (one row per field), bit for bit, in one pass.

        bm25s adds each known token's precomputed column to the scores in token order
        (repeats count again), one ``np.add.at`` per token and field: that loop was most
        of a search's time. ``np.add.at`` applies its additions in order, so one call
        over the columns of all tokens, gathered token after token, sums every
        document's scores in the same order, with the same float32 rounding; the
        fields' rows of the stacked matrix never meet.
        """
        table, starts, ends, offsets, rows, data = self._stacked[form]
        ids = self._term_ids[form]
        known = [ids[t] for t in tokens if t in ids]
        scores = np.zeros(len(self.fields) * self.n_docs, dtype=data.dtype)
        columns = table[known].ravel()  # token after token, each token's fields in order
        columns = columns[columns >= 0]
        if len(columns):
            first, lengths = starts[columns], ends[columns] - starts[columns]
            # every entry of every column, column after column: first + 0 .. length - 1
            entries = np.repeat(first - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
            np.add.at(scores, rows[entries] + np.repeat(offsets[columns], lengths), data[entries])
        return scores.reshape(len(self.fields), self.n_docs)

    def combine(self, field_scores: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
        """The ``weights``-weighted sum of :meth:`field_scores`: one score per document."""
        total = np.zeros(self.n_docs, dtype=np.float32)
        for field, scores in field_scores.items():
            total += weights[field] * scores
        return total

    def document_frequency(self, term: str, field: str, form: str = "unaccented") -> int:
        """In how many documents ``term`` occurs in ``field`` (read from bm25s's CSC matrix)."""
        index = self._indexes[(field, form)]
        term_id = index.vocab_dict.get(term)
        if term_id is None:
            return 0
        indptr = index.scores["indptr"]
        return int(indptr[term_id + 1] - indptr[term_id])

    def postings(self, term: str, field: str, form: str = "unaccented") -> np.ndarray:
        """The sorted ids of the documents whose ``field`` has ``term`` (its column of bm25s's CSC matrix)."""
        index = self._indexes[(field, form)]
        term_id = index.vocab_dict.get(term)
        if term_id is None:
            return np.zeros(0, dtype=np.int64)
        indptr, indices = index.scores["indptr"], index.scores["indices"]
        return indices[indptr[term_id] : indptr[term_id + 1]]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for (field, form), index in self._indexes.items():
            index.save(str(directory / f"{field}.{form}"), show_progress=False)
        meta = {"fields": self.fields, "k1": self.k1, "b": self.b, "n_docs": self.n_docs}
        (directory / "fielded_bm25.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "FieldedBM25":
        meta = json.loads((directory / "fielded_bm25.json").read_text(encoding="utf-8"))
        self = cls(meta["fields"], k1=meta["k1"], b=meta["b"])
        self.n_docs = meta["n_docs"]
        for field in self.fields:
            for form in FORMS:
                self._indexes[(field, form)] = bm25s.BM25.load(
                    str(directory / f"{field}.{form}"), show_progress=False, verbosity=0
                )
        self._stack()
        return self
