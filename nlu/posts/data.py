"""Reading post records from JSON Lines: bad lines reported with their numbers, the rest kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_LABEL_FIELDS = {"relevant": bool, "spam": bool, "label": str}


def _check_record(record: Any) -> str | None:
    """Why ``record`` cannot be used for training, or None when it can."""
    if not isinstance(record, dict):
        return "not a JSON object"
    missing = [f for f in ("label",) if record.get(f) in (None, "")]
    if not any(isinstance(record.get(f), str) for f in ("title", "content", "text")):
        missing.append("title/content")
    if missing:
        return "missing field(s): " + ", ".join(missing)
    for key in ("title", "content", "text", "source"):
        if record.get(key) is not None and not isinstance(record[key], str):
            return f"field {key!r} must be a string"
    for key, kind in _LABEL_FIELDS.items():
        if record.get(key) is not None and not isinstance(record[key], kind):
            return f"field {key!r} must be {'true/false' if kind is bool else 'a string'}"
    l2 = record.get("sentiment_l2")
    if l2 is not None and not (isinstance(l2, list) and all(isinstance(x, str) and x for x in l2)):
        return "field 'sentiment_l2' must be a list of label strings"
    return None


def load_posts_jsonl(path: str | Path) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """Read labelled posts from JSON Lines: ``(records, errors)``.

    A line that is not UTF-8, not JSON, not an object or lacks ``label`` or any
    text (``title``/``content``/``text``) is skipped and reported as
    ``(line number, reason)``, numbered from 1; blank lines are ignored.
    """
    records: list[dict[str, Any]] = []
    errors: list[tuple[int, str]] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append((number, f"not valid UTF-8 (byte {exc.start})"))
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append((number, f"not valid JSON: {exc.msg} (column {exc.colno})"))
                continue
            reason = _check_record(record)
            if reason:
                errors.append((number, reason))
            else:
                records.append(record)
    return records, errors
