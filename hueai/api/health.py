"""Liveness, readiness, metrics and the admin reload."""

from __future__ import annotations

import hmac
import os
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hueai import __version__
from hueai.api.deps import get_runtime
from hueai.api.metrics import REGISTRY
from hueai.runtime import INDEX_KIND, NLU_KIND, Runtime
from hueai.serving import reload_siblings

router = APIRouter(tags=["health"])
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _state(runtime: Runtime) -> dict[str, object]:
    index, nlu = runtime.served(INDEX_KIND), runtime.served(NLU_KIND)
    return {
        "status": "ok" if runtime.loaded else "error" if runtime.error else "loading",
        "version": __version__,
        "procedures_indexed": index.model.meta.get("procedures", 0) if index else 0,
        "index": str(index.path) if index else None,
        "nlu": str(nlu.path) if nlu else None,
        "error": runtime.error,
        "pid": os.getpid(),  # which worker of `hueai serve --workers N` answered
    }


@router.get("/healthz")
def healthz(runtime: Annotated[Runtime, Depends(get_runtime)]) -> JSONResponse:
    """``ok`` (200) once the models are loaded; ``loading`` or ``error`` (503) before."""
    state = _state(runtime)
    return JSONResponse(state, status_code=200 if state["status"] == "ok" else 503)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics() -> PlainTextResponse:
    return PlainTextResponse(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@router.post("/admin/reload")
def reload(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Load the models the ``CURRENT`` pointers name now (no restart; requests in flight finish on the old ones),
    in every worker of ``hueai serve --workers N``.

    Needs ``Authorization: Bearer $HUEAI_ADMIN_TOKEN``; without a configured token, only loopback clients.
    """
    token = runtime.settings.admin_token
    if token is not None:
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            raise HTTPException(401, "a valid admin bearer token is required")
    elif request.client is None or request.client.host not in LOOPBACK:
        raise HTTPException(403, "set HUEAI_ADMIN_TOKEN to reload from another host")
    try:
        runtime.reload()  # this worker, before answering; under `serve --workers N`, the others too:
        reload_siblings()
    except Exception as exc:
        raise HTTPException(500, f"reload failed: {exc}") from None
    state = _state(runtime)
    return JSONResponse(state, status_code=200 if state["status"] == "ok" else 500)
