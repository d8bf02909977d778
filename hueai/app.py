"""The web application factory.

>>> app = create_app(Services(get_settings()))   # then: uvicorn.run(app)

Routes today: the knowledge-base API, ``/healthz`` and ``/metrics``. Chat,
Zalo, the staff tool and the IOC export mount here as they are built.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from hueai import __version__
from hueai.metrics import HTTP_REQUESTS, KB_SEARCH_RESULTS, KB_SEARCH_SECONDS, REGISTRY
from hueai.services import IndexMissing, Services
from knowledge.answers import Answer, Facet, render_answer
from knowledge.index.confidence import Channel
from knowledge.index.hybrid import InvalidQuery
from knowledge.store import get_procedure


class SearchResult(BaseModel):
    code: str
    name: str
    score: float
    level: str | None
    group: int | None


class SearchOut(BaseModel):
    query: str
    results: list[SearchResult]
    confidence: float
    ambiguous: bool
    notes: list[str]
    reason: str | None
    suggestions: list[SearchResult] = []  # no confident result, but these are worth asking about


def create_app(services: Services) -> FastAPI:
    app = FastAPI(title="hueai", version=__version__)

    @app.middleware("http")
    async def count_requests(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        route = request.scope.get("route")
        HTTP_REQUESTS.labels(getattr(route, "path", "unmatched"), str(response.status_code)).inc()
        return response

    @app.get("/healthz")
    def healthz() -> dict[str, object]:
        try:
            procedures = services.index.meta.get("procedures", 0)
        except IndexMissing:
            procedures = 0
        return {"status": "ok", "version": __version__, "procedures_indexed": procedures}

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/kb/search", response_model=SearchOut)
    def kb_search(
        q: Annotated[str, Query(description="the citizen's question")],
        k: Annotated[int, Query(ge=1, le=50)] = 5,
        channel: Annotated[Channel | None, Query(description="where the question came from")] = None,
    ) -> SearchOut:
        try:
            index = services.index
        except IndexMissing as exc:
            raise HTTPException(503, str(exc))
        started = time.perf_counter()
        try:
            response = index.search(q, k=k, channel=channel)
        except InvalidQuery as exc:
            KB_SEARCH_RESULTS.labels("invalid").inc()
            raise HTTPException(422, str(exc))
        KB_SEARCH_SECONDS.observe(time.perf_counter() - started)
        KB_SEARCH_RESULTS.labels("answered" if response.hits else "no_answer").inc()
        return SearchOut(query=q, **response.as_dict())

    @app.get("/api/kb/procedures/{code}", response_model=list[Answer])
    def kb_procedure(code: str, facet: Facet | None = None) -> list[Answer]:
        procedure = get_procedure(services.db, code)
        if procedure is None:
            raise HTTPException(404, f"no procedure with code {code!r}")
        return [render_answer(procedure, f) for f in ([facet] if facet else list(Facet))]

    return app
