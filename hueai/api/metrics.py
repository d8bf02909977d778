"""Prometheus metrics of the serving process, exposed at ``/metrics``, and the middleware that counts requests.

The middleware is plain ASGI rather than ``@app.middleware("http")``: Starlette's
``BaseHTTPMiddleware`` wraps every response body in an extra task and stream,
which under concurrent load cost more than the search it surrounded.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "hueai_http_requests_total", "HTTP requests handled", ["route", "status"], registry=REGISTRY
)
KB_SEARCH_SECONDS = Histogram(
    "hueai_kb_search_seconds",
    "Knowledge-base search latency",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)
KB_SEARCH_RESULTS = Counter(
    "hueai_kb_search_total", "Knowledge-base searches by outcome", ["outcome"], registry=REGISTRY
)
NLU_PARSE_SECONDS = Histogram(
    "hueai_nlu_parse_seconds", "NLU parse latency", buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 1.0),
    registry=REGISTRY,
)


class RequestMetrics:
    """Counts each HTTP request by its route's path template and status code."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = scope.get("route")
            HTTP_REQUESTS.labels(getattr(route, "path", "unmatched"), str(status)).inc()
