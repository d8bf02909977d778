"""Long-lived objects built from settings: the database and the knowledge index.

The CLI and the web app get them from one :class:`Services` so that both see
the same configuration, and the index is loaded once per process.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import structlog

from hueai.settings import Settings
from hueai.storage import Database
from knowledge.aliases import AliasTable
from knowledge.index.hybrid import KnowledgeIndex
from knowledge.records import Procedure
from knowledge.store import load_procedures

log = structlog.get_logger(__name__)


class IndexMissing(RuntimeError):
    """The knowledge index has not been built yet."""


@dataclass
class Services:
    settings: Settings

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url or "")

    @cached_property
    def aliases(self) -> AliasTable:
        return AliasTable.load()

    @cached_property
    def index(self) -> KnowledgeIndex:
        path = self.settings.index_dir
        if not (path / "index.json").is_file():
            raise IndexMissing(f"no knowledge index at {path}: run `hueai kb import PATH` or `hueai setup` first")
        return KnowledgeIndex.load(path, self.aliases)

    def train_encoder(self, procedures: Sequence[Procedure], questions: Sequence[Mapping] = ()) -> Path | None:
        """The dense encoder to index with: the configured one, else one trained now on ``procedures`` and the
        labelled ``questions`` (None when dense is off)."""
        if self.settings.dense_encoder is not None:
            return self.settings.dense_encoder
        if not self.settings.dense_retrieval:
            return None
        from training.dense_encoder import train_dense_encoder

        return train_dense_encoder(procedures, self.settings.encoder_dir, aliases=self.aliases, questions=questions,
                                   progress=True)

    def rebuild_index(self) -> KnowledgeIndex:
        """Build the retrieval index from the database, fit its reranker and confidence model, save it where
        serving loads it.

        The trained encoder learns from the calibration questions too, so the reranker and the confidence
        model read those questions' dense scores from encoders trained without them (:mod:`training.kb_crossfit`).
        """
        from nlu.text import NgramRestorer
        from training.diacritics import domain_corpus
        from training.kb_confidence import CALIBRATION, fit_confidence, load_calibration
        from training.kb_crossfit import cross_fitted, train_folds
        from training.kb_reranker import fit_reranker

        started = time.perf_counter()
        procedures = load_procedures(self.db)
        calibration = load_calibration() if procedures and CALIBRATION.is_file() else []
        restorer = NgramRestorer().fit(domain_corpus([p.raw for p in procedures])) if procedures else None
        learns = self.settings.dense_encoder is None  # our own encoder, trained on the calibration questions
        index = KnowledgeIndex.build(procedures, self.aliases,
                                     encoder_path=self.train_encoder(procedures, calibration if learns else ()),
                                     restorer=restorer)
        if calibration:
            folds = train_folds(procedures, calibration, aliases=self.aliases) if learns and index.dense else []
            with cross_fitted(index, folds):
                index.reranker = fit_reranker(index, calibration)  # first: confidence reads the reranked top
                index.confidence = fit_confidence(index, calibration)
        index.save(self.settings.index_dir)
        self.__dict__["index"] = index
        log.info("kb.index.built", procedures=len(procedures), seconds=round(time.perf_counter() - started, 2),
                 dense=index.dense is not None, confidence=index.confidence.fitted_on,
                 reranker=index.reranker.fitted_on["cv"] if index.reranker is not None else None)
        return index
