"""The web app served by a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from hueai.app import create_app
from hueai.services import Services
from hueai.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(kb_db, kb_index, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path_factory.mktemp("app"), database_url=kb_db.url, dense_retrieval=False)
    services = Services(settings)
    services.__dict__["index"] = kb_index  # the session's index, already built
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_health_and_metrics(base_url: str) -> None:
    health = httpx.get(f"{base_url}/healthz").json()
    assert health["status"] == "ok" and health["procedures_indexed"] > 1000
    httpx.get(f"{base_url}/api/kb/search", params={"q": "đăng ký khai sinh"})
    metrics = httpx.get(f"{base_url}/metrics").text
    assert "hueai_kb_search_seconds_count" in metrics
    assert 'hueai_http_requests_total{route="/api/kb/search",status="200"}' in metrics


def test_search_and_procedure_facets(base_url: str) -> None:
    found = httpx.get(f"{base_url}/api/kb/search", params={"q": "dang ky khai sinh cho con", "k": 3}).json()
    assert found["results"] and found["results"][0]["code"] == "1.001193"
    answers = httpx.get(f"{base_url}/api/kb/procedures/1.001193", params={"facet": "fee"}).json()
    assert answers[0]["facet"] == "fee" and "Miễn phí" in answers[0]["text"]


def test_bad_requests_get_clear_errors(base_url: str) -> None:
    empty = httpx.get(f"{base_url}/api/kb/search", params={"q": " "})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert httpx.get(f"{base_url}/api/kb/procedures/0.0").status_code == 404
    assert httpx.get(f"{base_url}/api/kb/procedures/1.001193", params={"facet": "x"}).status_code == 422
    none = httpx.get(f"{base_url}/api/kb/search", params={"q": "giá vàng hôm nay"}).json()
    assert none["results"] == [] and none["reason"] and none["suggestions"] == []
    assert httpx.get(f"{base_url}/api/kb/search", params={"q": "khai sinh", "channel": "fax"}).status_code == 422
    assert httpx.get(f"{base_url}/api/kb/search", params={"q": "khai sinh", "channel": "voice"}).status_code == 200
