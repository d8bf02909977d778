"""The IOC export over HTTP: ``GET /api/monitor/articles`` (bearer ``HUEAI_IOC_API_TOKEN``).

See :mod:`media_monitor.export` for what a page holds. ``401`` without the token
(or with a wrong one, or when no token is configured: the export is then closed
to everyone); ``422`` for a bad filter or cursor.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query

from core.storage import Database
from hueai.api.deps import get_db, get_runtime
from hueai.runtime import Runtime
from media_monitor.export import BadCursor, ExportPage, ExportQuery, export_page

router = APIRouter(prefix="/api/monitor", tags=["press monitor"])


def require_ioc_token(runtime: Annotated[Runtime, Depends(get_runtime)],
                      authorization: Annotated[str | None, Header()] = None) -> None:
    """The request carries ``Authorization: Bearer <HUEAI_IOC_API_TOKEN>``, else 401."""
    token = runtime.settings.monitor.ioc_api_token
    scheme, _, given = (authorization or "").partition(" ")
    if token is None or not token.get_secret_value():
        raise HTTPException(401, "the IOC export is closed: HUEAI_IOC_API_TOKEN is not set",
                            headers={"WWW-Authenticate": "Bearer"})
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             token.get_secret_value().encode()):
        raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})


@router.get("/articles", response_model=ExportPage, dependencies=[Depends(require_ioc_token)])
def articles(
    db: Annotated[Database, Depends(get_db)],
    status: Annotated[Literal["unverified", "verified", "spam"] | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601; without an offset, Huế time")] = None,
    sentiment_l1: Annotated[Literal["positive", "neutral", "negative"] | None, Query()] = None,
    relevant: Annotated[Literal["true", "false", "any"], Query(description="default: relevant only")] = "true",
    spam: Annotated[Literal["true", "false", "any"], Query(description="default: spam left out")] = "false",
    include_duplicates: Annotated[bool, Query(description="list each story's other sources as rows too")] = False,
    cursor: Annotated[str | None, Query(description="next_cursor (or resume_cursor) of a previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ExportPage:
    """Labelled stories, oldest first, with their other sources in ``duplicates``."""
    try:
        return export_page(db, ExportQuery(status=status, since=since, sentiment_l1=sentiment_l1, relevant=relevant,
                                           spam=spam, include_duplicates=include_duplicates, cursor=cursor,
                                           limit=limit))
    except BadCursor as exc:
        raise HTTPException(422, str(exc)) from None
