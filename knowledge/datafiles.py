"""Reading the editable YAML files of ``knowledge/data`` (aliases, gaps, offices) with errors that name the place.

Operators edit these files by hand; a mistake must fail at start-up with the
file, the entry and what is wrong, never in a citizen's conversation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Entry = TypeVar("Entry", bound=BaseModel)


def read_yaml(path: Path) -> Any:
    """The parsed file; :class:`ValueError` starting with its path when it is not valid YAML."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc


def read_entries(path: Path, model: type[Entry], *, label: str, allow_empty: bool = False) -> list[Entry]:
    """A file holding a YAML list of ``model`` entries (non-empty unless ``allow_empty``), each validated.

    A bad entry raises :class:`ValueError` naming the file, the entry's number and
    its ``label`` field, and every problem: "aliases.yaml: entry 3 ('kết hôn'): …".
    """
    data = read_yaml(path)
    if allow_empty and data is None:
        return []
    if not isinstance(data, list) or not (data or allow_empty):
        raise ValueError(f"{path}: expected a non-empty YAML list of entries, got {type(data).__name__}")
    entries = []
    for number, item in enumerate(data, start=1):
        try:
            entries.append(model.model_validate(item))
        except ValidationError as exc:
            name = repr(item.get(label)) if isinstance(item, dict) else "not a mapping"
            reasons = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'entry'}: {err['msg']}" for err in exc.errors())
            raise ValueError(f"{path}: entry {number} ({name}): {reasons}") from exc
    return entries
