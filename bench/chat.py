"""The web chat over HTTP: turn latency, throughput with 50 concurrent sessions, first-turn citation accuracy.

    python -m bench.chat [--data-dir var] [--workers 1 2] [--sessions 50] [--turns 12] [--seconds 60]
                         [--postgres postgresql+psycopg://…/scratch_db]

Starts ``hueai serve`` as a real process (its ``--workers``) over an installation
that ``hueai setup`` built, on a free loopback port, with the chat's rate limits
off (one client address sends everything). The conversations go to a scratch copy
of the installation's SQLite database, so the bench leaves nothing behind, and,
with ``--postgres``, again to that PostgreSQL database. Then:

1. **latency**: one client, one turn at a time: sessions of a question from the
   development set and two follow-ups ("còn lệ phí thì sao?", "mất bao lâu?"),
   ``POST /api/chat`` round trip, p50/p95;
2. **throughput**: ``--sessions`` sessions at once (asyncio, one keep-alive
   connection each), each sending up to ``--turns`` messages one after the other
   (a question and its follow-ups, then the next question), stopped after
   ``--seconds``; turns per second over the phase, and the CPU seconds the server
   and the client each used (the client shares the machine's cores). Then the
   store is read back: every message sent was answered exactly once, the
   citizen's messages are stored in the order they were sent, each followed by
   its reply, and no reply id repeats;
3. **citation accuracy**: every question of ``bench/data/kb_questions.jsonl``
   (and, reported in aggregate only, the sealed long-tail set) as the first turn
   of a fresh session: does the reply cite an expected procedure (any source /
   the first source), or ask which one is meant (quick replies, no source)?

A last row serves the channel alone (an assistant that answers from memory, no
database): what the HTTP edge costs, apart from the dialogue and the store.

Prints a table and writes ``bench/results/chat.json``. Loopback only, bounded in
count and time. The machine's load average is recorded with each run: on a
2-core machine another job running beside the bench halves what it measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console
from rich.table import Table

from bench import REPO, percentiles_ms, write_result
from bench.processes import free_port, stop_process_group
from core.storage import Database
from dialogue.conversations import ConversationStore

DATA = REPO / "bench" / "data"
QUESTION_SETS = {"development": DATA / "kb_questions.jsonl", "long_tail (sealed, aggregate only)":
                 DATA / "kb_questions_longtail.jsonl"}
FOLLOW_UPS = ["còn lệ phí thì sao?", "mất bao lâu?", "nộp online được không?"]


def read_questions(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]



# -- the server -----------------------------------------------------------------------------------


class Server:
    """``hueai serve`` over ``data_dir``'s models and a scratch copy of its SQLite database, or over a
    PostgreSQL database given for the purpose (migrated, the knowledge base imported into it)."""

    def __init__(self, data_dir: Path, workers: int, scratch: Path, *, postgres: str | None = None,
                 threads: int | None = None) -> None:
        source = data_dir / "hueai.sqlite3"
        if not source.is_file():
            raise SystemExit(f"no installation at {data_dir}: run `HUEAI_DATA_DIR={data_dir} hueai setup` first")
        if postgres:
            self.url = postgres
            prepare_postgres(postgres)
        else:
            database = scratch / "chat-bench.sqlite3"
            with Database(f"sqlite:///{source}").engine.connect() as connection:  # a consistent copy, WAL included
                connection.exec_driver_sql(f"VACUUM INTO '{database}'")
            self.url = f"sqlite:///{database}"
            from hueai.db import upgrade

            copy = Database(self.url)
            upgrade(copy)  # the copy only: an installation set up before a new migration still serves
            copy.dispose()
        self.port = free_port()
        env = {**os.environ, "HUEAI_DATA_DIR": str(data_dir), "HUEAI_DATABASE_URL": self.url,
               "HUEAI_LOG_LEVEL": "WARNING", "HUEAI_CHAT_SESSION_RATE": "0", "HUEAI_CHAT_IP_RATE": "0"}
        if threads:
            env["HUEAI_CHAT_THREADS"] = str(threads)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hueai.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env, cwd=REPO, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self._wait_ready()

    def _wait_ready(self, path: str = "/healthz") -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode}")
            try:
                if all(httpx.get(f"{self.base}{path}", timeout=5).status_code == 200
                       for _ in range(4 * self.workers)):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("hueai serve did not become ready in 300 s")

    def processes(self) -> list[psutil.Process]:
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        stop_process_group(self.process)


class NullServer(Server):
    """The channel alone: ``POST /api/chat`` with an assistant that answers at once from memory (no NLU, no
    search, no database), served by uvicorn in its own process, to show what the HTTP edge costs."""

    def __init__(self) -> None:  # noqa: super().__init__ not called: nothing to copy or migrate
        self.url = ""
        self.port = free_port()
        self.workers = 1
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.chat:null_app", "--factory", "--port", str(self.port),
             "--log-level", "warning", "--no-access-log"], cwd=REPO, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait_ready(path="/widget.js")


class NullAssistant:
    """Answers every message with the same turn, numbered per process."""

    def __init__(self) -> None:
        self.count = 0

    def handle(self, session_id: str, text: str, *, channel: str) -> Any:
        from dialogue.turns import Source, Turn

        self.count += 1
        return Turn(session_id=session_id, message_id=str(self.count), reply=f"Dạ, em trả lời: {text[:50]}",
                    intent="null", confidence=1.0, sources=[Source(code="1.001193", name="Đăng ký khai sinh")])


def null_app() -> Any:
    """The app of :class:`NullServer` (``uvicorn bench.chat:null_app --factory``)."""
    from fastapi import FastAPI

    from channels.settings import WebChatSettings
    from channels.web import WebChat
    from hueai.api import chat

    app = FastAPI()
    assistant = NullAssistant()
    app.state.web_chat = WebChat(assistant=lambda: assistant, desk=lambda: None,  # type: ignore[arg-type,return-value]
                                 settings=WebChatSettings(session_rate=0, ip_rate=0), threads=1)
    app.include_router(chat.router)
    return app


def prepare_postgres(url: str) -> None:
    """Migrate ``url`` and import the shared knowledge base into it (idempotent: unchanged records stay)."""
    from hueai.db import upgrade
    from hueai.settings import Settings
    from knowledge.importer import import_records

    source = Settings().kb.tthc_source
    if source is None:
        raise SystemExit("no TTHC records to import (HUEAI_TTHC_SOURCE)")
    db = Database(url)
    upgrade(db)
    import_records(db, source)
    db.dispose()


def client_cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


# -- a lean HTTP/1.1 client -----------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads the answer by its Content-Length.

    The bench's client shares the machine's two cores with the server; httpx's async client spent
    about as much CPU per request as the channel itself, so the load phase talks HTTP directly.
    """

    def __init__(self, base: str) -> None:
        parts = httpx.URL(base)
        self.host, self.port = parts.host, parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json"
                          f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(int(line.split(":", 1)[1]) for line in lines[1:] if line.lower().startswith("content-length:"))
        answer = await self.reader.readexactly(length)
        return status, json.loads(answer)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


# -- the three measurements -----------------------------------------------------------------------


def script(questions: list[dict[str, Any]], start: int, turns: int) -> list[str]:
    """What one session says: a question and its follow-ups, then the next question, ``turns`` messages."""
    said: list[str] = []
    number = start
    while len(said) < turns:
        said.append(questions[number % len(questions)]["text"])
        said.extend(FOLLOW_UPS[: min(len(FOLLOW_UPS), turns - len(said))])
        number += 1
    return said[:turns]


async def latency(base: str, questions: list[dict[str, Any]], sessions: int) -> dict[str, Any]:
    seconds, failures = [], Counter()
    http = Connection(base)
    run = int(time.time())
    for number in range(sessions):
        for text in script(questions, number * 7, 3):
            started = time.perf_counter()
            status, _ = await http.post("/api/chat", {"session_id": f"latency-{run}-{number:04d}", "text": text})
            seconds.append(time.perf_counter() - started)
            if status != 200:
                failures[status] += 1
    await http.close()
    return {"turns": len(seconds), **percentiles_ms(seconds), "failures": dict(failures)}


async def throughput(server: Server, questions: list[dict[str, Any]], sessions: int, turns: int,
                     seconds: float) -> dict[str, Any]:
    scripts = {f"load-{number:03d}-{int(time.time())}": script(questions, number * 13, turns)
               for number in range(sessions)}
    sent: dict[str, list[str]] = {sid: [] for sid in scripts}
    replies: dict[str, list[str]] = {sid: [] for sid in scripts}
    statuses: Counter[int] = Counter()
    turn_seconds: list[float] = []
    deadline = time.monotonic() + seconds

    async def session(sid: str) -> None:
        http = Connection(server.base)
        try:
            for text in scripts[sid]:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(http.post("/api/chat", {"session_id": sid, "text": text}),
                                                          120)
                except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
                    statuses[0] += 1
                    return
                turn_seconds.append(time.perf_counter() - started)
                statuses[status] += 1
                if status != 200:  # refused (e.g. 503: the database was busy); the session stops here
                    return
                sent[sid].append(text)
                replies[sid].append(body["message_id"])
        finally:
            await http.close()

    server_cpu, client_cpu = server.cpu_seconds(), client_cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(session(sid) for sid in scripts))
    wall = time.perf_counter() - started
    server_cpu, client_cpu = server.cpu_seconds() - server_cpu, client_cpu_seconds() - client_cpu
    answered = sum(len(r) for r in replies.values())
    refused = sum(n for status, n in statuses.items() if status != 200)
    check = verify(Database(server.url), sent, replies) if server.url else {
        "lost": sum(len(s) - len(r) for s, r in zip(sent.values(), replies.values())), "duplicated": 0,
        "out_of_order": 0, "unanswered": 0}
    return {"sessions": sessions, "turns_per_session": turns, "seconds_limit": seconds,
            "turns": answered, "wall_seconds": round(wall, 2), "turns_per_second": round(answered / wall, 1),
            **percentiles_ms(turn_seconds), "statuses": {str(k): v for k, v in statuses.items()}, "refused": refused,
            "server_cpu_seconds": round(server_cpu, 1), "client_cpu_seconds": round(client_cpu, 1),
            "server_cpu_share": round(server_cpu / max(wall, 1e-9) / (os.cpu_count() or 1), 3),
            **check}


def verify(db: Database, sent: dict[str, list[str]], replies: dict[str, list[str]]) -> dict[str, Any]:
    """Read the conversations back: each answered message stored once, in order, each followed by its one
    reply (a refused message, which the client saw refused, must not be stored either)."""
    store = ConversationStore(db)
    lost = duplicated = out_of_order = unanswered = 0
    for sid, texts in sent.items():
        stored = store.transcript(f"web:{sid}")
        incoming = [m.text for m in stored if m.direction == "in"]
        if incoming != texts:
            lost += max(0, len(texts) - len(incoming))
            duplicated += max(0, len(incoming) - len(texts))
            out_of_order += int(sorted(incoming) == sorted(texts))
        pairs = [(a.direction, b.direction) for a, b in zip(stored[::2], stored[1::2])]
        unanswered += sum(pair != ("in", "out") for pair in pairs) + len(stored) % 2
        ids = replies[sid]
        duplicated += len(ids) - len(set(ids))
        if ids != sorted(ids, key=int):
            out_of_order += 1
    db.dispose()
    return {"lost": lost, "duplicated": duplicated, "out_of_order": out_of_order, "unanswered": unanswered,
            "all_answered_once_in_order": lost == duplicated == out_of_order == unanswered == 0}


async def citations(base: str, questions: list[dict[str, Any]], concurrency: int = 8) -> dict[str, Any]:
    """First turn of a fresh session per question: is an expected procedure among the reply's sources?"""
    run = int(time.time())
    rows: list[dict[str, Any]] = []
    gate = asyncio.Semaphore(concurrency)

    async def ask(http: httpx.AsyncClient, question: dict[str, Any]) -> None:
        async with gate:
            response = await http.post("/api/chat", json={"session_id": f"cite-{run}-{question['id']}",
                                                          "text": question["text"]})
        body = response.json() if response.status_code == 200 else {}
        codes = [s["code"] for s in body.get("sources", [])]
        expected = set(question.get("expected") or [])
        rows.append({"style": question.get("style", ""), "status": response.status_code,
                     "cited": bool(expected & set(codes)), "first": bool(codes) and codes[0] in expected,
                     "asked": not codes and bool(body.get("quick_replies")), "no_source": not codes,
                     "answerable": bool(expected)})

    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        await asyncio.gather(*(ask(http, q) for q in questions))
    answerable = [r for r in rows if r["answerable"]]
    by_style: dict[str, dict[str, float]] = {}
    for style in sorted({r["style"] for r in answerable}):
        mine = [r for r in answerable if r["style"] == style]
        by_style[style] = {"questions": len(mine), "cited": round(sum(r["cited"] for r in mine) / len(mine), 3)}
    n = max(len(answerable), 1)
    return {"questions": len(rows), "answerable": len(answerable),
            "cited_any": round(sum(r["cited"] for r in answerable) / n, 3),
            "cited_first": round(sum(r["first"] for r in answerable) / n, 3),
            "asked_which": round(sum(r["asked"] for r in answerable) / n, 3),
            "no_source": round(sum(r["no_source"] for r in answerable) / n, 3),
            "errors": sum(r["status"] != 200 for r in rows), "by_style": by_style}


# -- the command ----------------------------------------------------------------------------------


def measure(server: Server, questions: list[dict[str, Any]], args: argparse.Namespace, **labels: Any) -> dict:
    """Latency, then throughput, on a started server (after a short warm-up: lazy imports, caches)."""
    asyncio.run(latency(server.base, questions, 5))
    load_before = os.getloadavg()[0]
    return {**labels, "latency": asyncio.run(latency(server.base, questions, args.latency_sessions)),
            "throughput": asyncio.run(throughput(server, questions, args.sessions, args.turns, args.seconds)),
            "rss_mb": [round(p.memory_info().rss / 2**20) for p in server.processes()],
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "var", help="an installation `hueai setup` built")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=12, help="messages per session in the throughput phase")
    parser.add_argument("--seconds", type=float, default=60, help="the throughput phase stops sending after this")
    parser.add_argument("--latency-sessions", type=int, default=40, help="3 turns each, one at a time")
    parser.add_argument("--postgres", help="also measure with the conversations in this scratch PostgreSQL database "
                                           "(migrated, the knowledge base imported into it)")
    parser.add_argument("--threads", type=int, help="HUEAI_CHAT_THREADS of the server (default: its own choice)")
    parser.add_argument("--skip-citations", action="store_true", help="measure speed only")
    parser.add_argument("--no-null", action="store_true", help="skip the channel-only row")
    parser.add_argument("--out", default="chat")
    args = parser.parse_args()
    questions = read_questions(QUESTION_SETS["development"])
    if not questions:
        raise SystemExit(f"no questions at {QUESTION_SETS['development']}")
    console = Console(width=160)
    runs: list[dict[str, Any]] = []
    accuracy: dict[str, Any] = {}
    databases = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    with tempfile.TemporaryDirectory() as tmp:
        for database, postgres in databases:
            for workers in args.workers:
                scratch = Path(tmp) / f"{database}-{workers}"
                scratch.mkdir()
                server = Server(args.data_dir, workers, scratch, postgres=postgres, threads=args.threads)
                try:
                    runs.append(measure(server, questions, args, database=database, workers=workers))
                    if not accuracy and not args.skip_citations:
                        for name, path in QUESTION_SETS.items():
                            if found := read_questions(path):
                                accuracy[name] = asyncio.run(citations(server.base, found))
                finally:
                    server.stop()
                shutil.rmtree(scratch, ignore_errors=True)
        if not args.no_null:
            server = NullServer()
            try:
                runs.append(measure(server, questions, args, database="none", workers="channel only"))
            finally:
                server.stop()

    table = Table(title=f"POST /api/chat over loopback: hueai serve and the client on this {os.cpu_count()}-core "
                        "machine; latency one turn at a time, then "
                        f"{args.sessions} sessions at once ({args.turns} turns each)")
    for column in ("database", "workers", "p50 ms", "p95 ms", "turns/s", "p50 ms", "p95 ms", "turns",
                   "server CPU s", "client CPU s", "refused", "lost/dup/order/unanswered", "load avg"):
        table.add_column(column)
    for run in runs:
        lat, load = run["latency"], run["throughput"]
        table.add_row(run["database"], str(run["workers"]), f"{lat['p50_ms']:.1f}", f"{lat['p95_ms']:.1f}",
                      f"{load['turns_per_second']:.0f}", f"{load['p50_ms']:.0f}", f"{load['p95_ms']:.0f}",
                      str(load["turns"]), f"{load['server_cpu_seconds']:.1f}", f"{load['client_cpu_seconds']:.1f}",
                      str(load["refused"]),
                      f"{load['lost']}/{load['duplicated']}/{load['out_of_order']}/{load['unanswered']}",
                      "{:.1f} → {:.1f}".format(*run["load_average_1min"]))
    console.print(table)
    cite = Table(title="First-turn citation accuracy through /api/chat (answerable questions)")
    for column in ("question set", "questions", "cites an expected code", "first source expected",
                   "asks which (no source)", "no source", "errors"):
        cite.add_column(column)
    for name, result in accuracy.items():
        cite.add_row(name, str(result["answerable"]), f"{result['cited_any']:.3f}", f"{result['cited_first']:.3f}",
                     f"{result['asked_which']:.3f}", f"{result['no_source']:.3f}", str(result["errors"]))
    console.print(cite)
    path = write_result(args.out, {"data_dir": str(args.data_dir), "threads": args.threads, "runs": runs,
                                   "citation_accuracy": accuracy, "follow_ups": FOLLOW_UPS})
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
