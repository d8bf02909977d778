"""The knowledge base over HTTP: search, and a procedure's extractive answers."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from core.storage import Database
from core.types import Channel
from hueai.api.deps import get_db, get_index
from hueai.api.metrics import KB_SEARCH_RESULTS, KB_SEARCH_SECONDS
from knowledge.answers import Answer, Facet, render_answer
from knowledge.index.hybrid import InvalidQuery, KnowledgeIndex, SearchResponse
from knowledge.store import get_procedure

router = APIRouter(prefix="/api/kb", tags=["knowledge base"])


@router.get("/search", response_model=SearchResponse)
async def search(
    index: Annotated[KnowledgeIndex, Depends(get_index)],
    q: Annotated[str, Query(description="the citizen's question")],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    channel: Annotated[Channel | None, Query(description="where the question came from")] = None,
) -> SearchResponse:
    """Ranked procedures, the same JSON as ``hueai kb search --json``.

    ``async`` on purpose: a search is a few milliseconds of CPU and no I/O, so it runs on
    the event loop rather than in a thread pool, where 20 concurrent searches fought for
    the GIL and served fewer requests per second than one (see ``bench/load.py``).
    """
    started = time.perf_counter()
    try:
        response = index.search(q, k=k, channel=channel)
    except InvalidQuery as exc:
        KB_SEARCH_RESULTS.labels("invalid").inc()
        raise HTTPException(422, str(exc)) from None
    KB_SEARCH_SECONDS.observe(time.perf_counter() - started)
    KB_SEARCH_RESULTS.labels("answered" if response.results else "no_answer").inc()
    return response


@router.get("/procedures/{code}", response_model=list[Answer])
def procedure(
    db: Annotated[Database, Depends(get_db)],
    code: str,
    facet: Facet | None = None,
    ward: Annotated[str | None, Query(description="the citizen's ward or commune in Huế, to name its office")] = None,
) -> list[Answer]:
    """A procedure's extractive answers, one per facet (or the one asked for)."""
    found = get_procedure(db, code)
    if found is None:
        raise HTTPException(404, f"no procedure with code {code!r}")
    return [render_answer(found, f, ward=ward) for f in ([facet] if facet else list(Facet))]
