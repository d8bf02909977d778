"""What ``hueai setup``, ``hueai kb import`` and ``hueai kb reindex`` build, from the settings.

Each step skips itself when its output is current: the index is rebuilt only
when the records, the aliases, the abbreviations, the calibration questions or
the recipe changed (:func:`training.kb_index.index_fingerprint`), and the NLU and
post models only when their data changed. A second ``hueai setup`` on an
unchanged installation therefore takes seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from core.artifacts import current, current_matches
from core.storage import Database
from hueai.settings import Settings
from knowledge.aliases import AliasTable
from knowledge.importer import ImportReport, import_records
from knowledge.store import load_procedures
from training import kb_index
from training.kb_confidence import CALIBRATION, load_calibration
from training.nlu import DEFAULT_DATA as NLU_DATA
from training.nlu import train_nlu
from training.posts import DEFAULT_DATA as POSTS_DATA
from training.posts import train_posts
from training.progress import Stages


class EmptyKnowledgeBase(RuntimeError):
    """There is no procedure to index: nothing was ever imported."""


def import_source(db: Database, source: Path, stages: Stages) -> ImportReport:
    with stages.stage(f"importing the TTHC records of {source}"):
        return import_records(db, source)


def index(db: Database, settings: Settings, stages: Stages, *, force: bool = False) -> Path:
    """The current knowledge index, rebuilt from the database when its inputs changed (or ``force``);
    takes :data:`training.kb_index.STEPS` stages."""
    procedures = load_procedures(db)
    if not procedures:
        raise EmptyKnowledgeBase(
            "the knowledge base is empty, so there is nothing to index: import a procedure export first "
            "(HUEAI_TTHC_SOURCE or --source; the default is ../shared/datasets/tthc-dvcqg/raw beside the repository)")
    calibration = load_calibration() if procedures and CALIBRATION.is_file() else []
    dense, encoder = settings.kb.dense_retrieval, settings.kb.dense_encoder
    fingerprint = kb_index.index_fingerprint(procedures, calibration, dense=dense, encoder=encoder)
    if not force and current_matches(settings.models, kb_index.KIND, fingerprint):
        stages.skip("knowledge index", f"up to date ({current(settings.models, kb_index.KIND)})",
                    count=kb_index.STEPS)
        return current(settings.models, kb_index.KIND)  # type: ignore[return-value]
    built = kb_index.build_index(procedures, aliases=AliasTable.load(), calibration=calibration,
                                 encoders_dir=settings.models / "kb-encoder", dense=dense, encoder=encoder,
                                 stages=stages)
    return kb_index.publish_index(built, settings.models, fingerprint)


def nlu_model(settings: Settings, stages: Stages) -> Path:
    with stages.stage("training the NLU model (unless its data is unchanged)"):
        # strict: the project's own data must have none of what Rasa would only warn about
        return train_nlu(NLU_DATA, models_dir=settings.models, encoder=settings.nlu.encoder,
                         progress=sys.stderr.isatty(), unless_current=True, strict=True)


def post_model(settings: Settings, stages: Stages) -> Path:
    with stages.stage("training the post classifiers (unless their data is unchanged)"):
        target, _ = train_posts(POSTS_DATA, models_dir=settings.models, progress=sys.stderr.isatty(),
                                unless_current=True)
        return target
