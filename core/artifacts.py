"""Where trained artefacts live, which one is current, and what each says about itself.

Every trained artefact (NLU model, post classifiers, knowledge index, dense
encoder) is a directory under ``<models_dir>/<kind>/``, named for its time and
the hash of what it was trained on, so a retrain never overwrites what a
running server has loaded; ``<models_dir>/<kind>/CURRENT`` names the one in use,
and going back is editing one line. A server reloads when the pointer moves.

Each artefact carries its provenance (:func:`provenance`): what it is, when and
from which data it was made, with which seed, libraries and Python, and how well
it did.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

POINTER = "CURRENT"


def library_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def provenance(
    kind: str,
    *,
    data_hash: str,
    seed: int | None = None,
    metrics: Mapping[str, Any] | None = None,
    libraries: Iterable[str] = (),
    **extra: Any,
) -> dict[str, Any]:
    """The provenance fields every artefact records, plus ``extra`` (its own)."""
    return {
        "kind": kind,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "hueai_version": library_version("hueai"),
        "data_hash": data_hash,
        "seed": seed,
        "metrics": dict(metrics or {}),
        "python": platform.python_version(),
        "libraries": {name: library_version(name) for name in libraries},
        **extra,
    }


def new_version_dir(models_dir: Path, kind: str, fingerprint: str) -> Path:
    """A fresh directory name for an artefact of ``kind`` made from inputs with ``fingerprint``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return models_dir / kind / f"{kind}-{stamp}-{fingerprint[:8]}"


def set_current(models_dir: Path, kind: str, version_dir: Path) -> None:
    """Point ``<kind>/CURRENT`` at ``version_dir``, atomically: a reader sees the old or the new name."""
    pointer = models_dir / kind / POINTER
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_name(f".{POINTER}.{os.getpid()}.tmp")
    tmp.write_text(str(version_dir.resolve()) + "\n", encoding="utf-8")
    tmp.replace(pointer)


def current(models_dir: Path, kind: str) -> Path | None:
    """The current artefact directory of ``kind``, or None when none was made."""
    pointer = models_dir / kind / POINTER
    if not pointer.is_file():
        return None
    path = Path(pointer.read_text(encoding="utf-8").strip())
    return path if path.is_dir() else None


def current_matches(models_dir: Path, kind: str, fingerprint: str) -> bool:
    """Whether the current artefact of ``kind`` was made from inputs with ``fingerprint`` (set-up skips it)."""
    path = current(models_dir, kind)
    return path is not None and path.name.endswith(f"-{fingerprint[:8]}")
