"""Where trained models live, and which one is current.

Each ``hueai train …`` writes a new versioned directory under
``<models_dir>/<kind>/`` and records its name in ``<models_dir>/<kind>/CURRENT``,
so a retrain never overwrites the model a running server loaded, and going back
is editing one line.
"""

from __future__ import annotations

import time
from pathlib import Path


def new_model_dir(models_dir: Path, kind: str, data_hash: str) -> Path:
    """A fresh directory name for a model of ``kind`` trained on data with ``data_hash``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return models_dir / kind / f"{kind}-{stamp}-{data_hash[:8]}"


def set_current(models_dir: Path, kind: str, model_dir: Path) -> None:
    pointer = models_dir / kind / "CURRENT"
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(str(model_dir.resolve()) + "\n", encoding="utf-8")
    tmp.replace(pointer)  # atomic: a reader sees the old or the new name, never half of one


def current_matches(models_dir: Path, kind: str, data_hash: str) -> bool:
    """Whether the current model of ``kind`` was trained on data with ``data_hash`` (set-up skips retraining)."""
    path = current(models_dir, kind)
    return path is not None and path.name.endswith(f"-{data_hash[:8]}")


def current(models_dir: Path, kind: str) -> Path | None:
    """The current model directory of ``kind``, or None when none was trained."""
    pointer = models_dir / kind / "CURRENT"
    if not pointer.is_file():
        return None
    path = Path(pointer.read_text(encoding="utf-8").strip())
    return path if path.is_dir() else None

