"""The Zalo channel under a burst: webhook acknowledgement time, and event → reply delivered to Zalo.

    python -m bench.zalo [--users 20] [--messages 10] [--assistant echo|served] [--data-dir var/chat-bench]
                         [--workers 1] [--postgres postgresql+psycopg://…/scratch_db]

The stand-in for Zalo's hosts (:mod:`channels.zalo.standin`) runs in this process; the server runs
in its own, configured to use it (``HUEAI_ZALO_API_BASE``/``HUEAI_ZALO_OAUTH_BASE``):

* ``--assistant served``: ``hueai serve`` over an installation ``hueai setup`` built (its models and a
  scratch copy of its SQLite database, or ``--postgres``): the real dialogue answers;
* ``--assistant echo``: the app with an assistant that answers ``#n text`` through the real
  conversation store (no NLU, no search): what the channel itself costs.

``--users`` citizens each send ``--messages`` signed ``user_send_text`` events one after the other,
all citizens at once (the question set ``bench/data/kb_questions.jsonl`` when it is there). Measured:

0. **one at a time** (``--single``): one citizen's events, each sent once the previous reply arrived:
   the latency with no queue in front of it;
1. **ack** under the burst: the ``POST /webhooks/zalo`` round trip (signature check, the event
   stored and committed), p50/p95;
2. **end to end** under the burst: from sending an event to the stand-in recording the reply to it
   (the k-th reply to a citizen answers their k-th message; both clocks are this process's), p50/p95:
   the burst arrives in about a second and is worked off at the server's pace, so this is mostly
   queueing behind the burst;
3. then the books are checked: every event stored once, every reply delivered exactly once.

Prints a table and writes ``bench/results/zalo.json``. Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench import REPO, percentiles_ms, write_result
from bench.processes import free_port, stop_process_group
from channels.zalo.standin import EventSender, StandIn, serving
from core.storage import Database

APP_ID, APP_SECRET, OA_SECRET = "3608465248940903967", "bench-app-secret", "bench-oa-secret"
QUESTIONS = REPO / "bench" / "data" / "kb_questions.jsonl"



def questions() -> list[str]:
    if not QUESTIONS.is_file():
        return []
    return [json.loads(line)["text"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- the echo server (--assistant echo) -----------------------------------------------------------------


class EchoAssistant:
    """``#n text`` through the real conversation store, one transaction per turn."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def handle(self, session_id: str, text: str, *, channel: str) -> Any:
        from dialogue.turns import Turn

        with self.store.turn(session_id, channel) as turn:
            question = turn.add_message("in", "citizen", text)
            number = int(turn.state.get("n", 0)) + 1
            turn.state = {**turn.state, "n": number}
            reply = f"#{number} {text}"
            answer = turn.add_message("out", "assistant", reply, reply_to=question, action="echo")
        return Turn(session_id=session_id, message_id=str(answer), reply=reply, intent="echo", confidence=1.0)


def serve_echo(db_url: str, port: int) -> None:
    """The app with :class:`EchoAssistant` (``python -m bench.zalo --serve-echo``); settings from the environment."""
    import uvicorn

    from channels.zalo.channel import ZaloChannel
    from hueai.api import create_app
    from hueai.logging import configure_logging
    from hueai.runtime import Runtime
    from hueai.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level)
    runtime = Runtime(settings)
    app = create_app(runtime, watch_seconds=None)
    assistants: dict[int, EchoAssistant] = {}
    app.state.zalo_channel = ZaloChannel(runtime.db, settings.zalo,
                                         assistant=lambda store: assistants.setdefault(id(store), EchoAssistant(store)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# -- the server ------------------------------------------------------------------------------------------


class Server:
    def __init__(self, *, assistant: str, data_dir: Path, scratch: Path, zalo_base: str, standin: StandIn,
                 workers: int, postgres: str | None) -> None:
        from hueai.db import upgrade

        access, refresh = standin.issue_tokens()
        if postgres:
            self.url = postgres
            if assistant == "served":
                from bench.chat import prepare_postgres

                prepare_postgres(postgres)
            db = Database(postgres)
            upgrade(db)
            with db.engine.begin() as connection:  # a fresh channel: no events or replies of an earlier run
                for table in ("zalo_outbox", "zalo_events", "zalo_users", "zalo_tokens"):
                    connection.exec_driver_sql(f"DELETE FROM {table}")
            db.dispose()
        elif assistant == "served":
            source = data_dir / "hueai.sqlite3"
            if not source.is_file():
                raise SystemExit(f"no installation at {data_dir}: run `HUEAI_DATA_DIR={data_dir} hueai setup` first")
            database = scratch / "zalo-bench.sqlite3"
            with Database(f"sqlite:///{source}").engine.connect() as connection:
                connection.exec_driver_sql(f"VACUUM INTO '{database}'")
            self.url = f"sqlite:///{database}"
            copy = Database(self.url)
            upgrade(copy)
            copy.dispose()
        else:
            self.url = f"sqlite:///{scratch / 'zalo-bench.sqlite3'}"
            fresh = Database(self.url)
            upgrade(fresh)
            fresh.dispose()
        self.port = free_port()
        env = {**os.environ, "HUEAI_DATA_DIR": str(data_dir if assistant == "served" else scratch),
               "HUEAI_DATABASE_URL": self.url, "HUEAI_LOG_LEVEL": "WARNING",
               "HUEAI_ZALO_APP_ID": APP_ID, "HUEAI_ZALO_APP_SECRET": APP_SECRET, "HUEAI_ZALO_OA_SECRET": OA_SECRET,
               "HUEAI_ZALO_ACCESS_TOKEN": access, "HUEAI_ZALO_REFRESH_TOKEN": refresh,
               "HUEAI_ZALO_API_BASE": zalo_base, "HUEAI_ZALO_OAUTH_BASE": zalo_base}
        if assistant == "served":
            command = [sys.executable, "-m", "hueai.cli", "serve", "--port", str(self.port), "--workers", str(workers)]
        else:
            command = [sys.executable, "-m", "bench.zalo", "--serve-echo", "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=env, cwd=REPO, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        self._wait_ready(need_models=assistant == "served")

    def _wait_ready(self, *, need_models: bool) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode}")
            try:
                status = httpx.get(f"{self.base}/healthz", timeout=5).status_code
                if status == 200 or not need_models:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("the server did not become ready in 300 s")

    def stop(self) -> None:
        stop_process_group(self.process)


# -- the burst -------------------------------------------------------------------------------------------


async def burst(url: str, users: list[str], texts: dict[str, list[str]], concurrency: int
                ) -> tuple[list[float], dict[str, list[float]], dict[int, int]]:
    """Every user's messages in order, all users at once; ack times, send times per user, statuses."""
    sender = EventSender(url, app_id=APP_ID, oa_secret=OA_SECRET)
    acks: list[float] = []
    sent_at: dict[str, list[float]] = {user: [] for user in users}
    statuses: dict[int, int] = {}
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        async def one_user(user: str) -> None:
            for text in texts[user]:
                raw, headers = sender.signed(sender.text(user, text))
                async with gate:
                    started = time.monotonic()
                    response = await client.post(url, content=raw, headers=headers)
                    acks.append(time.monotonic() - started)
                sent_at[user].append(started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        await asyncio.gather(*(one_user(user) for user in users))
    return acks, sent_at, statuses


def one_at_a_time(url: str, standin: StandIn, count: int, texts: list[str]) -> dict[str, Any]:
    """``count`` events from one citizen, each sent once the reply to the previous one reached Zalo: the
    latency of the channel (and the dialogue) without a queue in front of it."""
    sender = EventSender(url, app_id=APP_ID, oa_secret=OA_SECRET)
    user = f"{6000000000000000000 + secrets.randbelow(10**12)}"
    acks, e2e = [], []
    for n in range(count):
        raw, headers = sender.signed(sender.text(user, texts[n % len(texts)]))
        started = time.monotonic()
        sender.client.post(url, content=raw, headers=headers)
        acks.append(time.monotonic() - started)
        deadline = started + 60
        while len(standin.messages(user)) <= n and time.monotonic() < deadline:
            time.sleep(0.001)
        replies = standin.messages(user)
        if len(replies) > n:
            e2e.append(replies[n].received_at - started)
    return {"events": count, "ack": percentiles_ms(acks) if acks else {},
            "end_to_end": percentiles_ms(e2e) if e2e else {}}


def run(args: argparse.Namespace, assistant: str, postgres: str | None) -> dict[str, Any]:
    pool = questions() if assistant == "served" else []
    first = 7000000000000000000 + secrets.randbelow(10**12) * 1000  # this run's own citizens
    users = [f"{first + n}" for n in range(args.users)]
    texts = {user: [pool[(n * args.messages + i) % len(pool)] if pool else f"tin {i} của {user[-3:]}"
                    for i in range(args.messages)] for n, user in enumerate(users)}
    total = args.users * args.messages
    standin = StandIn(app_id=APP_ID, app_secret=APP_SECRET)
    scratch = Path(tempfile.mkdtemp(prefix="hueai-zalo-bench-"))
    try:
        with serving(standin) as zalo_base:
            server = Server(assistant=assistant, data_dir=args.data_dir, scratch=scratch, zalo_base=zalo_base,
                            standin=standin, workers=args.workers, postgres=postgres)
            try:
                single = one_at_a_time(f"{server.base}/webhooks/zalo", standin, args.single,
                                       (pool or ["xin chào"])[: max(args.single, 1)])
                standin.delivered.clear()
                started = time.monotonic()
                acks, sent_at, statuses = asyncio.run(burst(f"{server.base}/webhooks/zalo", users, texts,
                                                            args.concurrency))
                deadline = time.monotonic() + args.timeout
                while len(standin.messages()) < total and time.monotonic() < deadline:
                    time.sleep(0.02)
                wall = time.monotonic() - started
                time.sleep(1.0)  # anything sent twice would show up now
            finally:
                server.stop()
        e2e, unmatched, duplicated = [], 0, 0
        for user in users:
            received = [m.received_at for m in standin.messages(user)]
            unmatched += abs(len(received) - len(sent_at[user]))
            duplicated += max(len(received) - len(sent_at[user]), 0)
            e2e += [r - s for s, r in zip(sent_at[user], received)]
        db = Database(server.url)
        with db.engine.connect() as connection:
            events = connection.exec_driver_sql("SELECT state, count(*) FROM zalo_events GROUP BY state").all()
        db.dispose()
        return {
            "database": "PostgreSQL" if postgres else "SQLite", "assistant": assistant,
            "workers": args.workers if assistant == "served" else 1, "users": args.users,
            "messages_per_user": args.messages, "events": total,
            "one_at_a_time": single,
            "ack": {**percentiles_ms(acks), "statuses": {str(k): v for k, v in sorted(statuses.items())}},
            "end_to_end": percentiles_ms(e2e) if e2e else {},
            "delivered": len(standin.messages()), "unmatched": unmatched, "duplicated": duplicated,
            "events_stored": {state: count for state, count in events},
            "wall_seconds": round(wall, 2), "replies_per_second": round(len(standin.messages()) / wall, 1),
            "zalo_send_calls": standin.stats.send_calls,
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--single", type=int, default=20, help="events sent one at a time before the burst")
    parser.add_argument("--assistant", choices=["echo", "served", "both"], default="both")
    parser.add_argument("--data-dir", type=Path, default=REPO / "var" / "chat-bench")
    parser.add_argument("--workers", type=int, default=1, help="hueai serve --workers (served assistant)")
    parser.add_argument("--postgres", help="also run against this (scratch) PostgreSQL database")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for every reply")
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        serve_echo(os.environ["HUEAI_DATABASE_URL"], args.port)
        return
    assistants = ["echo", "served"] if args.assistant == "both" else [args.assistant]
    if "served" in assistants and not (args.data_dir / "models").is_dir():
        print(f"no models under {args.data_dir}: the served assistant is skipped (run hueai setup there)")
        assistants.remove("served")
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    runs = []
    for postgres in [None, args.postgres] if args.postgres else [None]:
        for assistant in assistants:
            runs.append(run(args, assistant, postgres))
    table = Table("database", "assistant", "1-by-1 e2e p50/p95", "burst ack p50/p95", "burst e2e p50/p95",
                  "delivered", "dup", "replies/s")
    for r in runs:
        one = r["one_at_a_time"]["end_to_end"]
        table.add_row(r["database"], r["assistant"], f"{one.get('p50_ms', 0):.0f} / {one.get('p95_ms', 0):.0f} ms",
                      f"{r['ack']['p50_ms']:.0f} / {r['ack']['p95_ms']:.0f} ms",
                      f"{r['end_to_end'].get('p50_ms', 0):.0f} / {r['end_to_end'].get('p95_ms', 0):.0f} ms",
                      f"{r['delivered']}/{r['events']}", str(r["duplicated"]), str(r["replies_per_second"]))
    Console(width=160).print(table)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    path = write_result("zalo", {"load_average_1m": {"before": load_before, "after": load_after},
                                 "concurrency": args.concurrency, "runs": runs})
    print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
