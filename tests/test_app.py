"""The web app served by a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from core.artifacts import new_version_dir, set_current
from hueai.api import create_app
from hueai.runtime import Runtime
from hueai.settings import Settings
from knowledge.settings import KnowledgeSettings
from training.nlu import train_nlu

SMALL_NLU = Path(__file__).parent / "data" / "nlu_small.yml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(kb_db, kb_index, tmp_path_factory) -> Iterator[tuple[str, Settings]]:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path_factory.mktemp("app"), database_url=kb_db.url,
                        kb=KnowledgeSettings(dense_retrieval=False))
    version = new_version_dir(settings.models, "kb-index", "0" * 8)
    kb_index.save(version)
    set_current(settings.models, "kb-index", version)
    train_nlu(SMALL_NLU, models_dir=settings.models)
    port = free_port()
    app = create_app(Runtime(settings), watch_seconds=None)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    yield base, settings
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def base_url(served: tuple[str, Settings]) -> str:
    return served[0]


def test_health_and_metrics(base_url: str) -> None:
    health = httpx.get(f"{base_url}/healthz").json()
    assert health["status"] == "ok" and health["procedures_indexed"] > 1000 and health["nlu"]
    httpx.get(f"{base_url}/api/kb/search", params={"q": "đăng ký khai sinh"})
    metrics = httpx.get(f"{base_url}/metrics").text
    assert "hueai_kb_search_seconds_count" in metrics
    assert 'hueai_http_requests_total{route="/api/kb/search",status="200"}' in metrics


def test_search_and_procedure_facets(base_url: str) -> None:
    found = httpx.get(f"{base_url}/api/kb/search", params={"q": "dang ky khai sinh cho con", "k": 3}).json()
    assert found["results"] and found["results"][0]["code"] == "1.001193"
    assert found["query"] == "dang ky khai sinh cho con" and "features" not in found
    answers = httpx.get(f"{base_url}/api/kb/procedures/1.001193", params={"facet": "fee"}).json()
    assert answers[0]["facet"] == "fee" and "Miễn phí" in answers[0]["text"]


def test_nlu_parse_answers_as_the_cli_does(base_url: str) -> None:
    text = "kiểm tra hồ sơ 000.00.21.H57-250312-0042 giúp tôi"
    parsed = httpx.post(f"{base_url}/api/nlu/parse", json={"text": text}).json()
    assert parsed["text"] == text and parsed["intent"]["name"] == "check_status"
    (code,) = [e for e in parsed["entities"] if e["entity"] == "application_code"]
    assert text[code["start"]:code["end"]] == "000.00.21.H57-250312-0042"
    assert httpx.post(f"{base_url}/api/nlu/parse", json={"txt": "x"}).status_code == 422
    assert httpx.post(f"{base_url}/api/nlu/parse", content=b"\xff\xfe").status_code == 422


def test_bad_requests_get_clear_errors(base_url: str) -> None:
    empty = httpx.get(f"{base_url}/api/kb/search", params={"q": " "})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert httpx.get(f"{base_url}/api/kb/procedures/0.0").status_code == 404
    assert httpx.get(f"{base_url}/api/kb/procedures/1.001193", params={"facet": "x"}).status_code == 422
    none = httpx.get(f"{base_url}/api/kb/search", params={"q": "giá vàng hôm nay"}).json()
    assert none["results"] == [] and none["reason"] and none["suggestions"] == []
    assert httpx.get(f"{base_url}/api/kb/search", params={"q": "khai sinh", "channel": "fax"}).status_code == 422
    assert httpx.get(f"{base_url}/api/kb/search", params={"q": "khai sinh", "channel": "voice"}).status_code == 200


def test_admin_reload_swaps_in_a_new_index(served: tuple[str, Settings], kb_index) -> None:  # type: ignore[no-untyped-def]
    base, settings = served
    before = httpx.get(f"{base}/healthz").json()["index"]
    newer = new_version_dir(settings.models, "kb-index", "1" * 8)
    kb_index.save(newer)
    set_current(settings.models, "kb-index", newer)
    reloaded = httpx.post(f"{base}/admin/reload")
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json()["index"] == str(newer.resolve()) != before
    found = httpx.get(f"{base}/api/kb/search", params={"q": "đăng ký khai sinh"}).json()
    assert found["results"][0]["code"] == "1.001193"


def test_health_says_loading_until_the_models_are_in(served: tuple[str, Settings], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    import hueai.runtime

    release = threading.Event()
    slow = dict(hueai.runtime.LOADERS)
    load_index = slow["kb-index"]
    slow["kb-index"] = lambda path: release.wait(30) and load_index(path)
    monkeypatch.setattr(hueai.runtime, "LOADERS", slow)
    runtime = Runtime(served[1])
    with TestClient(create_app(runtime, watch_seconds=None)) as client:
        loading = client.get("/healthz")
        assert loading.status_code == 503 and loading.json()["status"] == "loading"
        assert client.get("/api/kb/search", params={"q": "khai sinh"}).status_code == 503
        release.set()
        deadline = time.monotonic() + 30
        while not runtime.loaded and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client.get("/healthz").json()["status"] == "ok"
        assert client.get("/api/kb/search", params={"q": "khai sinh"}).status_code == 200


def test_a_missing_model_is_a_503_that_says_what_to_run(tmp_path: Path, kb_db) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    runtime = Runtime(Settings(data_dir=tmp_path, database_url=kb_db.url))
    with TestClient(create_app(runtime, watch_seconds=None)) as client:
        deadline = time.monotonic() + 10
        while not runtime.loaded and time.monotonic() < deadline:
            time.sleep(0.01)
        missing = client.get("/api/kb/search", params={"q": "khai sinh"})
        assert missing.status_code == 503 and "hueai setup" in missing.json()["detail"]


def test_twenty_concurrent_clients_all_get_right_answers(base_url: str, kb_index) -> None:  # type: ignore[no-untyped-def]
    """A short load smoke over loopback (bench/load.py measures speed): every concurrent request is
    answered, and answered as the index answers it alone."""
    from concurrent.futures import ThreadPoolExecutor

    questions = ["đăng ký khai sinh cho con", "dang ky thuong tru", "cấp lại thẻ căn cước bị mất",
                 "xin giấy phép xây dựng nhà ở", "giá vàng hôm nay", "đăng ký kết hôn với người nước ngoài"]
    expected = {q: [h.code for h in kb_index.search(q).results] for q in questions}

    def client(number: int) -> list[tuple[str, int, list[str]]]:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            answers = []
            for i in range(10):
                question = questions[(number + i) % len(questions)]
                response = http.get("/api/kb/search", params={"q": question})
                answers.append((question, response.status_code, [r["code"] for r in response.json()["results"]]))
            return answers

    with ThreadPoolExecutor(20) as pool:
        answers = [a for batch in pool.map(client, range(20)) for a in batch]
    assert len(answers) == 200
    assert all(status == 200 and codes == expected[question] for question, status, codes in answers)
