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
        return self

    def field_scores(self, terms: Terms) -> dict[str, np.ndarray]:
        """Unweighted BM25 scores per field for already analysed query terms."""
        out: dict[str, np.ndarray] = {}
        for field in self.fields:
            scores = self._indexes[(field, "unaccented")].get_scores(terms.unaccented)
            if terms.has_diacritics:
                # Accented terms add precision only when the query carries diacritics.
                scores = scores + self._indexes[(field, "accented")].get_scores(terms.accented)
            out[field] = scores
        return out

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

    def occurs(self, term: str, doc: int, field: str, form: str = "unaccented") -> bool:
        """Whether ``term`` occurs in document ``doc``'s ``field`` (a binary search in its CSC column)."""
        index = self._indexes[(field, form)]
        term_id = index.vocab_dict.get(term)
        if term_id is None:
            return False
        indptr, indices = index.scores["indptr"], index.scores["indices"]
        column = indices[indptr[term_id] : indptr[term_id + 1]]
        position = int(np.searchsorted(column, doc))
        return position < len(column) and int(column[position]) == doc

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
        return self
