"""JSON Lines in, JSON Lines out: the batch format of every ``--jsonl`` command.

One object per input line; every output line carries back the input's ``id``.
A line that is not UTF-8, not JSON, not an object, that the handler rejects, or
on which the handler fails gets an output line ``{"id", "error"}`` (and a note
on stderr with its line number), and the batch goes on: a batch answers every
line, and the caller exits with status 2 when any failed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import BinaryIO, TextIO

import structlog

log = structlog.get_logger(__name__)


class BadLine(ValueError):
    """An input line that is not a usable JSON object: ``reason`` names the line; ``item_id`` is its
    ``id`` when one could be read."""

    def __init__(self, reason: str, item_id: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.item_id = item_id


def parse_line(number: int, line: bytes, *, required_text: str | None = None) -> dict:
    """The JSON object on input line ``number``, or :class:`BadLine` saying why not.

    ``required_text`` names a field that must be a string (None: no check).
    """
    item_id = None
    try:
        item = json.loads(line.decode("utf-8"))
        if not isinstance(item, dict):
            raise ValueError("expected a JSON object")
        item_id = item.get("id")
        if required_text and not isinstance(item.get(required_text), str):
            raise ValueError(f'expected a "{required_text}" string')
        return item
    except UnicodeDecodeError as exc:
        reason = f"line {number}: not UTF-8 ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        reason = f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
    except ValueError as exc:
        reason = f"line {number}: {exc}"
    raise BadLine(reason, item_id)


def run_jsonl(
    handle: Callable[[dict], dict],
    *,
    required_text: str | None = "text",
    source: BinaryIO | None = None,
    out: TextIO | None = None,
    errors: TextIO | None = None,
) -> int:
    """Apply ``handle`` to each object read from ``source`` (stdin); returns the number of failed lines.

    ``required_text`` names a field that must be a string (None: no check).
    ``handle`` raises ``ValueError`` (or a subclass) to reject an item; its
    message becomes the line's error.
    """
    source = source or sys.stdin.buffer
    out = out or sys.stdout
    errors = errors or sys.stderr
    failures = 0
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        item_id = None
        try:
            item = parse_line(number, line, required_text=required_text)
            item_id = item.get("id")
            result = {"id": item_id, **handle(item)}
        except BadLine as exc:
            reason, item_id = exc.reason, exc.item_id
        except ValueError as exc:
            reason = f"line {number}: {exc}"
        except Exception as exc:  # a bug must cost one line, not the batch
            log.exception("jsonl.line_failed", line=number)
            reason = f"line {number}: internal error ({type(exc).__name__}: {exc})"
        else:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            continue
        failures += 1
        errors.write(reason + "\n")
        out.write(json.dumps({"id": item_id, "error": reason}, ensure_ascii=False) + "\n")
    out.flush()
    return failures
