"""A server process killed with SIGKILL in the middle of a burst of signed Zalo events, then restarted.

The server runs in a process of its own (``tests/zalo_support.py serve``: the real app, the Zalo
channel and its worker, :class:`zalo_support.EchoAssistant` as the dialogue) over the test
database; the stand-in for Zalo runs here. Twenty users send ten messages each, each user one
after the other, all users at once; after forty are acknowledged the stand-in starts holding its
answers (the replies being sent then reach Zalo, but the server never hears so), and after eighty
the server is killed. The events not acknowledged are sent again after the restart, as Zalo
retries them, and some acknowledged ones too (an acknowledgement Zalo did not get). Then:

* every message is stored once (200 events, 200 citizen messages in the conversations);
* every reply reaches Zalo exactly once (200, none twice: those in flight at the kill were
  looked up in the conversation, not sent again);
* each user's replies arrive in the order the messages were sent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from zalo_support import APP_ID, APP_SECRET, OA_SECRET, new_standin, wait_until

from channels.zalo.standin import EventSender, StandIn, serving
from channels.zalo.tables import ZaloEventRow, ZaloOutboxRow
from core.storage import Database
from dialogue.conversations import ConversationStore

REPO = Path(__file__).resolve().parents[1]
USERS = [f"10000000000000000{n:02d}" for n in range(20)]
PER_USER = 10


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, port: int, config: dict, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "zalo_support.py"), "serve", "--db", db_url, "--port", str(port),
         "--zalo-json", json.dumps(config), "--data-dir", str(log.parent)],
        cwd=REPO, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)  # any answer: it is up (models: none)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


HANGS = 6  # replies that reach Zalo mid-burst and get no answer


def _hang_met(standin: StandIn) -> bool:
    """Whether a send has met the "hang_after" fault (its count fell, or it is used up and gone)."""
    with standin.lock:
        return not any(fault.mode == "hang_after" and fault.count == HANGS for fault in standin.faults)


def test_a_server_killed_mid_burst_loses_nothing_and_answers_everything_once_in_order(
        database: Database, tmp_path: Path) -> None:
    standin = new_standin()
    with serving(standin) as zalo_base:
        access, refresh = standin.issue_tokens()
        config = dict(app_id=APP_ID, app_secret=APP_SECRET, oa_secret=OA_SECRET, access_token=access,
                      refresh_token=refresh, api_base=zalo_base, oauth_base=zalo_base, poll_seconds=0.05,
                      lease_seconds=2.0, retry_base_seconds=0.05, retry_max_seconds=0.5, http_timeout_seconds=5.0,
                      reconcile_skew_seconds=5.0)
        port = free_port()
        log = tmp_path / "server.log"
        server = start_server(database.url, port, config, log)
        sender = EventSender(f"http://127.0.0.1:{port}/webhooks/zalo", app_id=APP_ID, oa_secret=OA_SECRET,
                             client=httpx.Client(timeout=5))
        events = {user: [sender.text(user, f"{user[-2:]}-{i}") for i in range(PER_USER)] for user in USERS}
        acked: dict[str, list[int]] = {user: [] for user in USERS}
        lock = threading.Lock()
        killed = threading.Event()

        def burst(user: str) -> None:
            for i, event in enumerate(events[user]):
                try:
                    ok = sender.post(event).status_code == 200
                except httpx.TransportError:
                    ok = False
                if ok:
                    with lock:
                        acked[user].append(i)
                elif killed.is_set():
                    return  # the server is gone: the rest waits for Zalo's retries
                time.sleep(0.02)  # a citizen types; the burst lasts long enough to be cut

        def kill_midway() -> None:
            wait_until(lambda: sum(map(len, acked.values())) >= 40, timeout=120, every=0.002)
            standin.add_fault("hang_after", count=HANGS, hang_seconds=10)  # replies reach Zalo, answers do not
            # Kill only once a reply has met the fault: a loaded machine's worker may lag the acknowledgements, and
            # the kill must leave a reply in flight for the restarted server to look up.
            wait_until(lambda: _hang_met(standin), timeout=120, every=0.002, what="a reply to meet the hang")
            wait_until(lambda: sum(map(len, acked.values())) >= 80, timeout=120, every=0.002)
            killed.set()
            os.kill(server.pid, signal.SIGKILL)

        killer = threading.Thread(target=kill_midway)
        killer.start()
        threads = [threading.Thread(target=burst, args=(user,)) for user in USERS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        killer.join(120)
        server.wait(30)
        standin.clear_faults()
        before = sum(map(len, acked.values()))
        assert 80 <= before < len(USERS) * PER_USER, "the kill came mid-burst"

        server = start_server(database.url, port, config, log)
        try:
            for user in USERS:  # Zalo's retries: what was not acknowledged, in order; and two that were
                for i in acked[user][-2:] + [i for i in range(PER_USER) if i not in acked[user]]:
                    assert sender.post(events[user][i]).status_code == 200
            wait_until(lambda: len(standin.messages()) >= len(USERS) * PER_USER, timeout=180,
                       what="every reply at Zalo")
            with database.session() as session:
                wait_until(lambda: not session.scalar(select(func.count()).select_from(ZaloOutboxRow).where(
                    ZaloOutboxRow.state.in_(("pending", "sending")))), timeout=60, what="the outbox to drain")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)

    with database.session() as session:
        states = session.execute(select(ZaloEventRow.state, func.count()).group_by(ZaloEventRow.state)).all()
        msg_ids = session.scalars(select(ZaloEventRow.msg_id)).all()
    assert dict(states) == {"done": len(USERS) * PER_USER} and len(set(msg_ids)) == len(msg_ids)
    store = ConversationStore(database)
    for user in USERS:
        expected = [f"{user[-2:]}-{i}" for i in range(PER_USER)]
        transcript = store.transcript(f"zalo:{user}")
        assert [m.text for m in transcript if m.direction == "in"] == expected  # stored once each, in order
        delivered = [m.text for m in standin.messages(user)]
        assert delivered == [f"#{n + 1} {text}" for n, text in enumerate(expected)], (user, delivered)
    assert len(standin.messages()) == len(USERS) * PER_USER
    assert standin.stats.conversation_calls > 0  # the replies in flight at the kill were looked up
