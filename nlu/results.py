"""What :meth:`nlu.model.NLUModel.parse` returns: the typed result the CLI, the HTTP API and the dialogue read.

Its JSON (``result.model_dump(mode="json")``) is what ``hueai nlu parse --json``
prints and ``POST /api/nlu/parse`` answers, in the shape Rasa's parse output has
(``intent``, ``intent_ranking``, ``entities`` with ``start``/``end``/``extractor``,
``role`` and ``group`` when the training data annotates them).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class IntentScore(BaseModel):
    name: str
    confidence: float


class ParsedEntity(BaseModel):
    """An entity of the message; ``text[start:end]`` is what the user typed, ``value`` what it means."""

    entity: str
    value: str
    start: int
    end: int
    confidence: float
    extractor: str = Field(description="regex, gazetteer or crf")
    role: str | None = None
    group: str | None = None


class ParseResult(BaseModel):
    text: str
    intent: IntentScore = Field(description="nlu_fallback when the best intent is below the model's threshold")
    intent_ranking: list[IntentScore] = Field(description="the best intents, most likely first")
    entities: list[ParsedEntity]
