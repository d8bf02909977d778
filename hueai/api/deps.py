"""What routes depend on (``Depends``): the runtime's parts, or a 503 while they load.

Every dependency here is ``async``: FastAPI runs a plain ``def`` dependency in its thread pool, a
thread hop per request for what is an attribute lookup (one search worker, one client: 300 -> 341
requests/s when these became ``async``; ``bench/load.py``).
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from core.storage import Database
from hueai.runtime import ModelMissing, Runtime
from knowledge.index.hybrid import KnowledgeIndex
from nlu.model import NLUModel


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_runtime(request: Request) -> Runtime:
    return _runtime(request)


def _served(request: Request, part: str):  # type: ignore[no-untyped-def]
    runtime = _runtime(request)
    if not runtime.loaded:
        raise HTTPException(503, "the models are still loading; try again in a few seconds",
                            headers={"Retry-After": "5"})
    try:
        return getattr(runtime, part)
    except ModelMissing as exc:
        raise HTTPException(503, str(exc)) from None


async def get_index(request: Request) -> KnowledgeIndex:
    return _served(request, "index")


async def get_nlu(request: Request) -> NLUModel:
    return _served(request, "nlu")


async def get_db(request: Request) -> Database:
    return _runtime(request).db
