"""Train the NLU model (intents and entities) from Rasa 3.x YAML into a versioned model directory.

    >>> target = train_nlu(Path("training/data/nlu"), models_dir=Path("var/models"))   # CURRENT points at it

``training/data/nlu/`` is the project's own data; ``training/data/nlu_test/`` is
held back for ``hueai evaluate nlu`` and ``python -m bench.nlu`` and never
trained on.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.artifacts import current, current_matches, new_version_dir, set_current
from nlu.entities.gazetteer import DEFAULT_LOCATIONS_PATH
from nlu.entities.reorganisation import DEFAULT_TABLE as REORGANISATION_TABLE
from nlu.model import NLUModel
from nlu.text.abbreviations import DEFAULT_ABBREVIATIONS_PATH
from nlu.training_data import TrainingData, load_training_data

KIND = "nlu"
DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "nlu"


def train_nlu(
    data_path: Path,
    *,
    models_dir: Path,
    encoder: Path | None = None,
    out: Path | None = None,
    progress: bool = False,
    unless_current: bool = False,
    strict: bool = False,
) -> Path:
    """Train on ``data_path``, save the model and, unless ``out`` is elsewhere, make it current.

    ``encoder`` (``HUEAI_NLU_ENCODER``) fine-tunes that local Hugging Face encoder for the intents
    instead of the TF-IDF default. ``unless_current`` skips training when the current model was
    trained on the same data with the same backend (set-up). ``strict`` refuses data that Rasa
    accepts with warnings (see :func:`~nlu.training_data.load_training_data`); the warnings of a
    lenient load are saved in the model's ``model.json`` as ``data_warnings``.
    """
    data = load_training_data(data_path, strict=strict)
    fingerprint = nlu_fingerprint(data, encoder)
    if unless_current and out is None and current_matches(models_dir, KIND, fingerprint):
        return current(models_dir, KIND)  # type: ignore[return-value]
    target = out or new_version_dir(models_dir, KIND, fingerprint)
    model = NLUModel(seed=13, intent_backend="tfidf" if encoder is None else "transformer", encoder_path=encoder)
    model.fit(data, progress=progress).save(target)
    if out is None or out.resolve().parent == (models_dir / KIND).resolve():
        set_current(models_dir, KIND, target)
    return target


def nlu_fingerprint(data: TrainingData, encoder: Path | None = None) -> str:
    """The model's identity: its data, the encoder it fine-tunes when one is configured, and the tables
    its features are read through (the abbreviations expanded before every feature, the places and the
    2025 reorganisation whose gazetteer is saved in the model): set-up trains again when an operator
    edits one."""
    digest = hashlib.sha256(f"{data.content_hash()}|{encoder or ''}".encode())
    for table in (DEFAULT_ABBREVIATIONS_PATH, DEFAULT_LOCATIONS_PATH, REORGANISATION_TABLE):
        digest.update(b"\0" + table.read_bytes())
    return digest.hexdigest()
