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
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from core.artifacts import current
from core.storage import Database
from hueai.settings import Settings
from knowledge.aliases import AliasTable
from knowledge.index.hybrid import KnowledgeIndex
from nlu.model import NLUModel

if TYPE_CHECKING:
    from dialogue.assistant import DialogueAssistant

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
        self._assistant: tuple[tuple[Path, Path], DialogueAssistant] | None = None
        self._assistant_lock = threading.Lock()

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

    @property
    def assistant(self) -> DialogueAssistant:
        """The dialogue (:class:`dialogue.assistant.DialogueAssistant`) over the served index and NLU model.

        Built once per pair of served models: after a reload the next turn gets a new one, while a turn in
        flight finishes on the one it started with. Its procedure records are cached per index version (an
        import that changes them also builds a new index). :class:`ModelMissing` when a model is missing.
        """
        self.index, self.nlu  # loaded, or ModelMissing
        served_index, served_nlu = self._served[INDEX_KIND], self._served[NLU_KIND]  # one read: a matching pair
        key = (served_index.path, served_nlu.path)
        with self._assistant_lock:
            if self._assistant is None or self._assistant[0] != key:
                self._assistant = (key, self._build_assistant(served_index.model, served_nlu.model))
            return self._assistant[1]

    def _build_assistant(self, index: KnowledgeIndex, nlu: NLUModel) -> DialogueAssistant:
        return build_assistant(index, nlu, procedures=self.db, conversations=self.db, settings=self.settings)


def build_assistant(index: KnowledgeIndex, nlu: NLUModel, *, procedures: Database, conversations: Database,
                    settings: Settings) -> DialogueAssistant:
    """A :class:`dialogue.assistant.DialogueAssistant` over ``index`` and ``nlu``, reading procedure records
    from ``procedures`` (cached: an index version's records do not change) and keeping conversations, tickets
    and statuses in ``conversations`` (the same database in a server; a scratch one in ``hueai evaluate
    dialogue`` and the benchmark)."""
    from dialogue.assistant import DialogueAssistant
    from dialogue.conversations import ConversationStore
    from dialogue.responses import Responses
    from dialogue.status import adapter_from_setting
    from knowledge.store import get_procedure

    dialogue = settings.dialogue
    procedure = lru_cache(maxsize=1024)(lambda code: get_procedure(procedures, code))
    return DialogueAssistant(
        parse=nlu.parse, search=index.search, procedure=procedure, store=ConversationStore(conversations),
        status=adapter_from_setting(dialogue.status_adapter, conversations, settings),
        responses=Responses.load(dialogue.responses_file),
        restore=index.restorer.predict if index.restorer is not None else None,
        handoff_after_failures=dialogue.handoff_after_failures,
    )
