"""What routes depend on (``Depends``): the runtime's parts, or a 503 while they load."""

from __future__ import annotations

from fastapi import HTTPException, Request

from core.storage import Database
from hueai.runtime import ModelMissing, Runtime
from knowledge.index.hybrid import KnowledgeIndex
from nlu.model import NLUModel


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def _served(request: Request, part: str):  # type: ignore[no-untyped-def]
    runtime = get_runtime(request)
    if not runtime.loaded:
        raise HTTPException(503, "the models are still loading; try again in a few seconds",
                            headers={"Retry-After": "5"})
    try:
        return getattr(runtime, part)
    except ModelMissing as exc:
        raise HTTPException(503, str(exc)) from None


def get_index(request: Request) -> KnowledgeIndex:
    return _served(request, "index")


def get_nlu(request: Request) -> NLUModel:
    return _served(request, "nlu")


def get_db(request: Request) -> Database:
    return get_runtime(request).db
