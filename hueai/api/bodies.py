"""Reading a request body with a size limit, for the routes that read raw bodies (chat, the Zalo webhook,
the staff forms)."""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body passes the route's limit; each route answers 413 in its own words."""


async def read_bounded(request: Request, limit: int) -> bytes:
    """The request body, or :class:`BodyTooLarge` as soon as it is known to pass ``limit`` bytes: from the
    declared Content-Length, or while reading (a client may declare nothing, or lie)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
