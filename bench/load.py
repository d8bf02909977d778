"""The web server under load: requests per second and latency of ``/api/kb/search`` at 1 and 20 clients.

    python -m bench.load [--data-dir var] [--workers 1 2] [--clients 1 20] [--seconds 15]

Starts ``hueai serve`` as a real process (its ``--workers``) on a free loopback
port over an installation that ``hueai setup`` built, waits for ``/healthz``,
then drives it with wrk (Debian's ``wrk``, a C load generator, so that the
client takes little of the two cores the server needs) for ``--seconds`` per
client count. Each request asks the next question of the development set
(``bench/data/kb_questions_dev.jsonl``), URL-encoded, round robin. Reports
requests/s, p50/p95/p99 latency, errors, and the resident memory of each server
process, and writes ``bench/results/load.json``. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.table import Table

from bench import REPO, write_result
from bench.processes import free_port, stop_process_group

QUESTIONS = REPO / "bench" / "data" / "kb_questions_dev.jsonl"
# wrk's Lua hooks: one request path per question, round robin; p50/p95/p99 and counts printed as JSON at the end.
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("HUEAI_LOAD_PATHS")) do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50_ms": %f, "p95_ms": %f, "p99_ms": %f, '
    .. '"max_ms": %f, "errors": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""



def start_server(data_dir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "HUEAI_DATA_DIR": str(data_dir), "HUEAI_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "hueai.cli", "serve", "--port", str(port),
                               "--workers", str(workers)], env=env, cwd=REPO, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"hueai serve exited with {server.returncode}; run `hueai setup` for {data_dir} first")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                # every worker answers /healthz on its own: ask a few times so each has loaded
                if all(httpx.get(f"{base}/healthz", timeout=5).status_code == 200 for _ in range(4 * workers)):
                    return server, base
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_process_group(server)
    raise SystemExit("hueai serve did not become ready in 120 s")


def server_rss_mb(server: subprocess.Popen) -> list[float]:
    """Resident memory of each process serving requests (the workers, or the one process)."""
    parent = psutil.Process(server.pid)
    processes = parent.children(recursive=True) or [parent]
    return [round(p.memory_info().rss / 2**20, 1) for p in processes if p.is_running()]


def run_wrk(base: str, paths_file: Path, script: Path, clients: int, seconds: int) -> dict:
    command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HUEAI_LOAD_PATHS": str(paths_file)},
                          check=True)
    match = re.search(r"^RESULT (\{.*\})$", done.stdout, re.M)
    if match is None:
        raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(match.group(1))
    result["requests_per_second"] = round(result["requests"] / result["seconds"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "var", help="an installation `hueai setup` built")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--out", default="load")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    questions = [json.loads(line)["text"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    console = Console(width=140)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = Path(tmp) / "paths.txt"
        paths.write_text("".join(f"/api/kb/search?{urllib.parse.urlencode({'q': q})}\n" for q in questions),
                         encoding="utf-8")
        script = Path(tmp) / "load.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        for workers in args.workers:
            server, base = start_server(args.data_dir, workers)
            try:
                run_wrk(base, paths, script, 4, 3)  # warm-up: caches, lazy imports
                for clients in args.clients:
                    result = run_wrk(base, paths, script, clients, args.seconds)
                    rows.append({"workers": workers, "clients": clients, **result, "rss_mb": server_rss_mb(server)})
            finally:
                stop_process_group(server)
    table = Table(title=f"/api/kb/search under load, {len(questions)} development-set questions round robin, "
                        f"{args.seconds} s per row, wrk on the same {os.cpu_count()}-core machine")
    for column in ("workers", "clients", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "RSS MB per process"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["workers"]), str(r["clients"]), f"{r['requests_per_second']:.0f}", f"{r['p50_ms']:.1f}",
                      f"{r['p95_ms']:.1f}", f"{r['p99_ms']:.1f}", str(r["errors"] + r["non_2xx"]),
                      ", ".join(f"{m:.0f}" for m in r["rss_mb"]))
    console.print(table)
    console.print(f"wrote {write_result(args.out, {'seconds_per_row': args.seconds, 'rows': rows})}")


if __name__ == "__main__":
    main()
