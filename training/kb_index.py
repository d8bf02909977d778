"""The one recipe that builds the knowledge index the server loads.

``hueai setup``, ``hueai kb import``/``reindex``, the benchmarks and the tuning
command all build it here, so what is measured is what is served::

    >>> index = build_index(procedures, aliases=AliasTable.load(), calibration=load_calibration(),
    ...                     encoders_dir=models / "kb-encoder")
    >>> version = publish_index(index, models, index_fingerprint(procedures, ...))   # CURRENT points at it

The steps:

1. the diacritics restorer, fitted on the records' own text (:mod:`training.diacritics`);
2. the dense encoder: the one configured (``HUEAI_DENSE_ENCODER``), else one trained
   on the records and the labelled calibration questions (:mod:`training.dense_encoder`),
   else none (``HUEAI_DENSE_RETRIEVAL=false``);
3. the index itself (:meth:`KnowledgeIndex.build`);
4. encoders trained without each fifth of the calibration questions, for the
   reranker and the confidence model to read those questions' dense scores from
   (:mod:`training.kb_crossfit`);
5. the scope model, which reads whether a question asks about something the base
   holds, and its cross-fitted view for the calibration questions (:mod:`training.kb_scope`);
6. the reranker (:mod:`training.kb_reranker`), then the confidence model
   (:mod:`training.kb_confidence`) over the reranked order; both are given to
   :meth:`KnowledgeIndex.replace`, which returns the finished, immutable index.

:func:`train_components` (steps 1, 2, 4 and 5, the slow ones) and :func:`assemble`
(3 and 6) are separate so that the retrieval benchmark can assemble every
configuration it compares from one set of trained parts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.artifacts import new_version_dir, provenance, set_current
from knowledge.aliases import DEFAULT_ALIASES_PATH, AliasTable
from knowledge.gaps import DEFAULT_GAPS_PATH, DEFAULT_HELD_PATH
from knowledge.index.hybrid import DENSE_WEIGHT, INDEX_FORMAT, KnowledgeIndex
from knowledge.index.scope import ScopeModel
from knowledge.records import Procedure
from nlu.text import NgramRestorer
from nlu.entities.gazetteer import DEFAULT_LOCATIONS_PATH
from nlu.text.abbreviations import DEFAULT_ABBREVIATIONS_PATH
from training.diacritics import train_restorer
from training.kb_confidence import fit_confidence
from training.kb_crossfit import Fold, cross_fitted, train_folds
from training.kb_reranker import fit_reranker
from training.kb_scope import AUDITS, FoldedScope, load_audits, train_scope
from training.progress import Stages, quiet

KIND = "kb-index"
#: Bump when the recipe changes what it builds (steps, their inputs, the index's scoring code):
#: set-up then rebuilds an index whose inputs did not change.
RECIPE_VERSION = 15
STEPS = 6


@dataclass
class Components:
    """The slow, trained parts of an index (steps 1, 2, 4 and 5)."""

    restorer: NgramRestorer | None
    encoder_path: Path | None
    folds: list[Fold] = field(default_factory=list)
    scope: ScopeModel | None = None
    folded_scope: FoldedScope | None = None  # for fitting the confidence model only


def train_components(
    procedures: Sequence[Procedure],
    *,
    aliases: AliasTable,
    calibration: Sequence[Mapping],
    encoders_dir: Path,
    dense: bool = True,
    encoder: Path | None = None,
    seed: int = 13,
    stages: Stages | None = None,
) -> Components:
    """Steps 1, 2, 4 and 5 of the recipe (see the module docstring)."""
    stages = stages or quiet()
    with stages.stage("fitting the diacritics restorer"):
        restorer = train_restorer([p.raw for p in procedures]) if procedures else None
    learns = encoder is None  # our own encoder learns from the calibration questions
    if encoder is not None or not dense or not procedures:
        stages.skip("training the dense encoder", "configured" if encoder is not None else "off")
        encoder_path = encoder if encoder is not None and procedures else None
    else:
        from training.dense_encoder import train_dense_encoder

        with stages.stage("training the dense encoder"):
            encoder_path = train_dense_encoder(procedures, encoders_dir, aliases=aliases, questions=calibration,
                                               seed=seed, progress=True)
    folds: list[Fold] = []
    if calibration and learns and encoder_path is not None:
        with stages.stage("training the cross-fitting encoders"):
            folds = train_folds(procedures, calibration, aliases=aliases, seed=seed)
    else:
        stages.skip("training the cross-fitting encoders", "not needed")
    scope = folded_scope = None
    if calibration and procedures:
        with stages.stage("fitting the scope model"):
            scope, folded_scope = train_scope(procedures, calibration, load_audits(), seed=seed)
    else:
        stages.skip("fitting the scope model", "no calibration questions")
    return Components(restorer, encoder_path, folds, scope, folded_scope)


def assemble(
    procedures: Sequence[Procedure],
    components: Components,
    *,
    aliases: AliasTable,
    calibration: Sequence[Mapping],
    dense: bool = True,
    dense_weight: float = DENSE_WEIGHT,
    restore: bool = True,
    rerank: bool = True,
    seed: int = 13,
    stages: Stages | None = None,
) -> KnowledgeIndex:
    """Steps 3 and 6 (see the module docstring); ``dense``, ``restore`` and ``rerank`` leave a part out
    (the benchmark's configurations)."""
    stages = stages or quiet()
    with stages.stage("indexing the procedures"):
        index = KnowledgeIndex.build(procedures, aliases, encoder_path=components.encoder_path if dense else None,
                                     dense_weight=dense_weight, restorer=components.restorer if restore else None)
        index = index.replace(scope=components.scope)
    if not calibration:
        stages.skip("fitting the reranker and the confidence model", "no calibration questions")
        return index
    with stages.stage("fitting the reranker and the confidence model"):
        scoring = cross_fitted(index, components.folds).replace(scope=components.folded_scope)
        reranker = fit_reranker(scoring, list(calibration), seed=seed) if rerank else None
        confidence = fit_confidence(scoring.replace(reranker=reranker), list(calibration), seed=seed)
    return index.replace(reranker=reranker, confidence=confidence)


def build_index(
    procedures: Sequence[Procedure],
    *,
    aliases: AliasTable,
    calibration: Sequence[Mapping],
    encoders_dir: Path,
    dense: bool = True,
    encoder: Path | None = None,
    seed: int = 13,
    stages: Stages | None = None,
) -> KnowledgeIndex:
    """The served index: every step of the recipe, in :data:`STEPS` stages."""
    components = train_components(procedures, aliases=aliases, calibration=calibration, encoders_dir=encoders_dir,
                                  dense=dense, encoder=encoder, seed=seed, stages=stages)
    return assemble(procedures, components, aliases=aliases, calibration=calibration, seed=seed, stages=stages)


def index_fingerprint(
    procedures: Sequence[Procedure],
    calibration: Sequence[Mapping],
    *,
    dense: bool,
    encoder: Path | None,
    seed: int = 13,
    aliases_path: Path = DEFAULT_ALIASES_PATH,
) -> str:
    """A hash of everything the recipe reads: same inputs, same index (set-up then skips the build)."""
    digest = hashlib.sha256()
    for part in (
        f"{KIND}|{INDEX_FORMAT}|{RECIPE_VERSION}|{seed}|dense={dense}|encoder={encoder}",
        *(json.dumps(p.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
          for p in sorted(procedures, key=lambda p: p.code)),
        json.dumps(list(calibration), ensure_ascii=False, sort_keys=True),
        aliases_path.read_text(encoding="utf-8"),
        DEFAULT_GAPS_PATH.read_text(encoding="utf-8"),  # the confidence thresholds leave its topics out
        DEFAULT_HELD_PATH.read_text(encoding="utf-8"),  # ...unless the question also asks for one of these
        DEFAULT_ABBREVIATIONS_PATH.read_text(encoding="utf-8"),
        DEFAULT_LOCATIONS_PATH.read_text(encoding="utf-8"),  # the places coverage counts as story
        AUDITS.read_text(encoding="utf-8"),  # what the scope model learns the base does not hold
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def publish_index(index: KnowledgeIndex, models_dir: Path, fingerprint: str) -> Path:
    """Save ``index`` as a new version under ``<models_dir>/kb-index/`` and make it current."""
    target = new_version_dir(models_dir, KIND, fingerprint)
    index.save(target)
    info = provenance(
        KIND,
        data_hash=fingerprint,
        metrics={
            "reranker": index.reranker.fitted_on.get("cv") if index.reranker is not None else None,
            "confidence": index.confidence.fitted_on.get("cv"),
            "confidence_cv_auc": index.confidence.fitted_on.get("cv_auc"),
        },
        libraries=("bm25s", "faiss-cpu", "scikit-learn", "numpy"),
        recipe_version=RECIPE_VERSION,
        procedures=index.meta.get("procedures"),
        encoder_path=index.meta.get("encoder_path"),
    )
    (target / "provenance.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    set_current(models_dir, KIND, target)
    return target
