"""What the dialogue tests share: the served models (built once per test run) and assistants over them.

The knowledge index is built by the served recipe (:func:`training.kb_index.build_index`) without the
dense encoder (too slow to train in a test run), and the NLU model is trained from
``training/data/nlu``: about a minute and a half, once per run, whichever test module asks first.
``HUEAI_TEST_MODELS_DIR`` may name a models folder with current ``kb-index`` and ``nlu`` versions
(``var/models`` after ``HUEAI_DENSE_RETRIEVAL=false hueai setup``) to skip the building.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.artifacts import current
from core.storage import Database
from dialogue.assistant import DialogueAssistant
from dialogue.conversations import ConversationStore
from dialogue.status import TableStatusAdapter
from knowledge.aliases import AliasTable
from knowledge.index.hybrid import KnowledgeIndex
from knowledge.records import Procedure
from knowledge.store import get_procedure, load_procedures
from nlu.model import NLUModel

REPO = Path(__file__).resolve().parents[1]
STORIES = REPO / "training" / "data" / "stories"
_lock = threading.Lock()


@dataclass(frozen=True)
class Models:
    index: KnowledgeIndex
    nlu: NLUModel


@lru_cache(maxsize=1)
def _models(kb_url: str) -> Models:
    prebuilt = os.environ.get("HUEAI_TEST_MODELS_DIR")
    if prebuilt:
        index_dir, nlu_dir = current(Path(prebuilt), "kb-index"), current(Path(prebuilt), "nlu")
        if index_dir is not None and nlu_dir is not None:
            return Models(KnowledgeIndex.load(index_dir, AliasTable.load()), NLUModel.load(nlu_dir))
    from training.kb_confidence import load_calibration
    from training.kb_index import build_index
    from training.nlu import DEFAULT_DATA, train_nlu

    scratch = Path(tempfile.mkdtemp(prefix="hueai-dialogue-models-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)  # the models live as long as the test session
    db = Database(kb_url)
    index = build_index(load_procedures(db), aliases=AliasTable.load(), calibration=load_calibration(),
                        encoders_dir=scratch / "kb-encoder", dense=False)
    nlu_dir = train_nlu(DEFAULT_DATA, models_dir=scratch, out=scratch / "nlu-test")
    return Models(index, NLUModel.load(nlu_dir))


def served_models(kb_db: Database) -> Models:
    """The index and NLU model the dialogue tests run on (built on first use, then shared)."""
    with _lock:
        return _models(kb_db.url)


def make_assistant(models: Models, kb_db: Database, conversations: Database, **overrides: object) -> DialogueAssistant:
    """An assistant as the runtime builds one: procedures from ``kb_db``, conversations in ``conversations``."""
    cache: dict[str, Procedure | None] = {}

    def procedure(code: str) -> Procedure | None:
        if code not in cache:
            cache[code] = get_procedure(kb_db, code)
        return cache[code]

    index = models.index
    options: dict[str, object] = dict(
        parse=models.nlu.parse, search=index.search, procedure=procedure, store=ConversationStore(conversations),
        status=TableStatusAdapter(conversations), restore=index.restorer.predict if index.restorer else None,
    )
    options.update(overrides)
    return DialogueAssistant(**options)  # type: ignore[arg-type]
