"""Prometheus metrics of the serving process, exposed at ``/metrics``."""

from prometheus_client import CollectorRegistry, Counter, Histogram

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
