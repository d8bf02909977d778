"""Long-lived objects built from settings: the database and the knowledge index.

The CLI and the web app get them from one :class:`Services` so that both see
the same configuration, and the index is loaded once per process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import structlog

from hueai.settings import Settings
from hueai.storage import Database
from knowledge.aliases import AliasTable
from knowledge.index.hybrid import KnowledgeIndex
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

    def encoder_path(self, *, train: bool) -> Path | None:
        """The dense encoder to use: the configured one, else the one set-up trains (when dense is on)."""
        if self.settings.dense_encoder is not None:
            return self.settings.dense_encoder
        if not self.settings.dense_retrieval:
            return None
        if train:
            from training.dense_encoder import train_dense_encoder

            train_dense_encoder(load_procedures(self.db), self.settings.encoder_dir, progress=True)
        return self.settings.encoder_dir if (self.settings.encoder_dir / "hueai_model.json").is_file() else None

    def rebuild_index(self, *, train_encoder: bool = True) -> KnowledgeIndex:
        """Build the retrieval index from the database and save it where serving loads it."""
        started = time.perf_counter()
        procedures = load_procedures(self.db)
        index = KnowledgeIndex.build(procedures, self.aliases, encoder_path=self.encoder_path(train=train_encoder))
        index.save(self.settings.index_dir)
        self.__dict__["index"] = index
        log.info("kb.index.built", procedures=len(procedures), seconds=round(time.perf_counter() - started, 2),
                 dense=index.dense is not None)
        return index
