"""What a knowledge-base search returns: the one typed result the CLI, the HTTP API and the dialogue use as is."""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field, field_serializer


class Hit(BaseModel):
    """A procedure that answers (or may answer) the question."""

    code: str
    name: str
    score: float = Field(description="the fused lexical + dense score; hits come in the reranker's order, "
                                     "which may differ")
    level: str | None = None
    group: int | None = Field(default=None, description="hits sharing a group id are near ties to choose between")


class SearchResponse(BaseModel):
    """Ranked procedures for one question.

    ``results`` is empty unless the confidence model trusts the ranking; then
    ``reason`` says why, and ``suggestions`` may hold procedures worth offering
    ("có phải anh/chị hỏi về ...?") rather than answering. A question about a
    topic the base is known to lack gets no results and no suggestions, and
    ``missing`` names the topic.
    """

    query: str
    results: list[Hit]
    confident: bool
    confidence: float
    notes: list[str] = Field(default_factory=list, description="facts from matched aliases")
    reason: str | None = Field(default=None, description="why there are no results")
    missing: str | None = Field(default=None, description="a topic the question asks for that the knowledge base "
                                                          "is known not to hold (knowledge/data/gaps.yaml)")
    suggestions: list[Hit] = Field(default_factory=list)
    unheld_variant: str | None = Field(default=None, description="a variant the question asks for that the first "
                                                                 "procedure's name rules out (\"hạng 1\", \"cấp lại\"): "
                                                                 "offered as a suggestion, never answered")
    # What the confidence was computed from: read by training and the benches, not part of the API.
    features: dict[str, float] = Field(default_factory=dict, exclude=True)

    @field_serializer("confidence")
    def _rounded(self, value: float) -> float:
        return round(value, 4)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ambiguous(self) -> bool:
        """True when the best result has near ties the user should choose between."""
        return bool(self.results) and self.results[0].group is not None

    @property
    def groups(self) -> list[list[Hit]]:
        """Near-tie groups among the results, best group first (each with 2+ hits)."""
        by_id: dict[int, list[Hit]] = {}
        for hit in self.results:
            if hit.group is not None:
                by_id.setdefault(hit.group, []).append(hit)
        return [g for g in by_id.values() if len(g) > 1]
