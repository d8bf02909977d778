"""The runtime container: what one process builds once from the settings and shares.

>>> runtime = Runtime(get_settings())
>>> runtime.reload()                # loads the current knowledge index and NLU model
>>> runtime.index.search("đăng ký khai sinh")
>>> runtime.reload()                # again after `hueai setup` / `hueai train nlu` moved a CURRENT pointer

The web app builds one in its lifespan and hands its parts to routes through
``Depends``; the CLI builds one per command. Nothing below ``hueai`` sees it:
dialogue and channels receive the small ``search`` and ``parse`` callables they
need.

**Reloading.** Models are immutable; :meth:`Runtime.reload` loads the artefacts
the ``CURRENT`` pointers name now and swaps them in with one assignment, so a
request that already holds the old index finishes on it, and the next one gets
the new. Nothing is reloaded when no pointer moved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import structlog

from core.artifacts import current
from core.storage import Database
from hueai.settings import Settings
from knowledge.aliases import AliasTable
from knowledge.index.hybrid import KnowledgeIndex
from nlu.model import NLUModel

log = structlog.get_logger(__name__)

INDEX_KIND = "kb-index"
NLU_KIND = "nlu"


class ModelMissing(RuntimeError):
    """A model the request needs has not been trained or built; the message says which command makes it."""


@dataclass(frozen=True)
class Served:
    """One loaded model and the directory it came from."""

    model: Any
    path: Path


#: What a runtime serves: artefact kind -> how to load one of its directories.
LOADERS: dict[str, Callable[[Path], Any]] = {
    INDEX_KIND: lambda path: KnowledgeIndex.load(path, AliasTable.load()),
    NLU_KIND: NLUModel.load,
}
MISSING = {
    INDEX_KIND: "no knowledge index: run `hueai setup` (or `hueai kb import PATH`) first",
    NLU_KIND: "no NLU model: run `hueai train nlu` (or `hueai setup`) first",
}


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._served: dict[str, Served] = {}
        self._lock = threading.Lock()  # one reload at a time
        self.loaded = False  # every kind has been looked for at least once (the server is ready)
        self.error: str | None = None  # why the last load failed

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url or "")

    def reload(self, kinds: Iterable[str] = tuple(LOADERS)) -> None:
        """Load what the ``CURRENT`` pointers of ``kinds`` name, where it is not what is served already.

        A model that fails to load (a half-written or foreign directory) leaves the old one
        served and its reason in :attr:`error`; with nothing served yet, the error is raised.
        """
        kinds = tuple(kinds)
        with self._lock:
            for kind in kinds:
                path = current(self.settings.models, kind)
                served = self._served.get(kind)
                if path is None or (served is not None and served.path == path):
                    continue
                try:
                    model = LOADERS[kind](path)
                except Exception as exc:
                    self.error = f"{kind} at {path}: {type(exc).__name__}: {exc}"
                    log.error("runtime.load_failed", kind=kind, path=str(path), error=str(exc))
                    if served is None:
                        raise
                    continue
                self._served[kind] = Served(model, path)  # one assignment: requests in flight keep the old one
                self.error = None
                log.info("runtime.loaded", kind=kind, path=str(path))
            if set(kinds) == set(LOADERS):
                self.loaded = True

    def served(self, kind: str) -> Served | None:
        return self._served.get(kind)

    def _model(self, kind: str) -> Any:
        if kind not in self._served:
            self.reload([kind])
        served = self._served.get(kind)
        if served is None:
            raise ModelMissing(f"{MISSING[kind]} (looked under {self.settings.models / kind})")
        return served.model

    @property
    def index(self) -> KnowledgeIndex:
        return self._model(INDEX_KIND)

    @property
    def nlu(self) -> NLUModel:
        return self._model(NLU_KIND)
