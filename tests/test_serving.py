"""``hueai serve --workers N``: real processes on 127.0.0.1, each worker with its own listening socket."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.processes import free_port, stop_process_group
from core.artifacts import new_version_dir, set_current
from training.nlu import train_nlu

REPO = Path(__file__).resolve().parents[1]
SMALL_NLU = Path(__file__).parent / "data" / "nlu_small.yml"


@pytest.fixture(scope="module")
def installation(kb_db, kb_index, tmp_path_factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("serve")
    models = data_dir / "models"
    version = new_version_dir(models, "kb-index", "0" * 8)
    kb_index.save(version)
    set_current(models, "kb-index", version)
    train_nlu(SMALL_NLU, models_dir=models)
    return {**os.environ, "HUEAI_DATA_DIR": str(data_dir), "HUEAI_DATABASE_URL": kb_db.url,
            "HUEAI_LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO)}


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hueai.cli", "serve", "--port", str(port), "--workers",
                             str(workers)], env=env, cwd=REPO, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def worker_pids(base: str, connections: int = 24) -> set[int]:
    """Which workers answer ``connections`` new connections (the kernel picks one for each)."""
    pids = set()
    for _ in range(connections):
        with httpx.Client() as client:  # a new TCP connection each time
            response = client.get(f"{base}/healthz", timeout=10)
            if response.status_code == 200:
                pids.add(response.json()["pid"])
    return pids


def wait_for(predicate, seconds: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = predicate()
            if found:
                return found
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture()
def two_workers(installation: dict[str, str]) -> Iterator[tuple[subprocess.Popen, str]]:
    port = free_port()
    server = serve(installation, port, 2)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: len(worker_pids(base)) == 2)
        yield server, base
    finally:
        if server.poll() is None:
            stop_process_group(server)


def test_connections_are_spread_over_the_workers(two_workers: tuple[subprocess.Popen, str]) -> None:
    server, base = two_workers
    assert server.pid not in worker_pids(base)  # the supervisor serves nothing itself
    with httpx.Client(base_url=base) as client:
        assert client.get("/api/kb/search", params={"q": "đăng ký khai sinh"}).json()["results"]
        assert client.post("/admin/reload").status_code == 200  # every worker reloads, nothing breaks
    assert len(worker_pids(base)) == 2


def test_a_dead_worker_is_replaced(two_workers: tuple[subprocess.Popen, str]) -> None:
    server, base = two_workers
    before = worker_pids(base)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)

    def replaced() -> set[int] | None:
        pids = worker_pids(base)
        return pids if len(pids) == 2 and victim not in pids else None

    after = wait_for(replaced)
    assert len(after & before) == 1 and server.poll() is None


def test_sigterm_stops_every_worker(two_workers: tuple[subprocess.Popen, str]) -> None:
    server, base = two_workers
    pids = worker_pids(base)
    server.send_signal(signal.SIGTERM)  # to the supervisor alone, as a service manager would
    assert server.wait(60) == 0
    for pid in pids:
        wait_for(lambda pid=pid: not _alive(pid), 30)


def test_a_taken_port_is_one_line(installation: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = serve(installation, taken.getsockname()[1], 2)
        _, stderr = server.communicate(timeout=60)
    assert server.returncode == 2
    assert stderr.strip().splitlines()[-1].startswith("error: cannot listen on 127.0.0.1:")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
