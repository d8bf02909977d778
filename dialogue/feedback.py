"""Feedback as calibration questions: what ``hueai kb feedback export`` writes.

The knowledge index's confidence model and reranker learn from labelled
questions in ``training/data/kb_calibration.jsonl`` (``{"id", "text", "style",
"expected"}``, ``expected`` the codes that answer the question). A citizen's
👎 or an operator's correction is such a question:

* an operator's correction ("the right procedure was X") is ready to use:
  ``expected: [X]``;
* a 👎 without a correction says only that the answered procedure was wrong, not
  which is right. It is written with ``"expected": []``, ``"rejected": [the answered
  code]`` and ``"needs_review": true``: a maintainer fills in ``expected`` (or confirms
  that nothing in the base answers it) before appending it to the calibration file.
  ``--corrections-only`` leaves these out.

The question is the citizen's message the answer replied to, as stored with the
feedback (phone and identity numbers masked). A question is written once, with its
latest label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dialogue.conversations import FeedbackView
from nlu.text import expand_abbreviations, has_diacritics, normalize


def style_of(text: str, channel: str) -> str:
    """The calibration file's writing style of a question (its own labels: spoken, no_diacritics, teencode,
    colloquial; "formal" is not told apart from "colloquial" automatically)."""
    if channel == "voice":
        return "spoken"
    if not has_diacritics(text):
        return "no_diacritics"
    normalised = normalize(text)
    if expand_abbreviations(normalised) != normalised:
        return "teencode"
    return "colloquial"


def calibration_rows(feedback: Iterable[FeedbackView], *, corrections_only: bool = False) -> list[dict[str, Any]]:
    """The calibration questions ``feedback`` yields (see the module docstring), oldest first."""
    latest: dict[str, dict[str, Any]] = {}
    for item in feedback:
        question = (item.question or "").strip()
        if not question:
            continue
        key = " ".join(question.lower().split())
        if item.correct_code:
            row: dict[str, Any] = {"id": f"fb{item.id}", "text": question, "style": style_of(question, item.channel),
                                   "expected": [item.correct_code]}
        elif item.helpful is False and not corrections_only:
            row = {"id": f"fb{item.id}", "text": question, "style": style_of(question, item.channel),
                   "expected": [], "rejected": [item.answered_code] if item.answered_code else [],
                   "needs_review": True}
        else:
            continue
        if key in latest and latest[key].get("expected") and not row["expected"]:
            continue  # a correction is not undone by a later bare thumbs-down
        latest.pop(key, None)
        latest[key] = row
    return list(latest.values())
