"""The Zalo channel's tables on SQLite and PostgreSQL: events stored once, claims in order per user, the outbox's
state machine, and the token refresh that only one thread or process performs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update
from zalo_support import APP_ID, APP_SECRET, new_standin

from channels.zalo.api import ZaloApi
from channels.zalo.errors import Failure, Kind
from channels.zalo.events import parse_event
from channels.zalo.inbox import Inbox, LostClaim
from channels.zalo.outbox import Outbox
from channels.zalo.standin import EventSender, StandIn, serving
from channels.zalo.tables import ZaloEventRow, ZaloOutboxRow, ZaloTokenRow
from channels.zalo.tokens import TokenStore, TokenUnavailable
from core.storage import Database
from hueai.db import downgrade, upgrade

SENDER = EventSender("http://unused", app_id=APP_ID, oa_secret="x")


def stored(inbox: Inbox, event: dict) -> tuple[int | None, bool]:
    raw = json.dumps(event).encode()
    result = inbox.store(parse_event(raw), raw)
    return result.id, result.duplicate


def test_the_migration_creates_and_drops_the_zalo_tables(database: Database) -> None:
    with database.session() as session:
        assert session.scalars(select(ZaloEventRow)).all() == []
    downgrade(database, "0004")
    from sqlalchemy import inspect

    tables = set(inspect(database.engine).get_table_names())
    assert not {"zalo_events", "zalo_outbox", "zalo_tokens", "zalo_users"} & tables
    upgrade(database)


def test_an_event_is_stored_once_however_often_it_arrives(database: Database) -> None:
    inbox = Inbox(database)
    event = SENDER.text("u1", "chào")
    first, duplicate = stored(inbox, event)
    again, duplicate_again = stored(inbox, event)
    assert not duplicate and duplicate_again and first == again
    follow = SENDER.follow("u1")
    assert stored(inbox, follow)[1] is False and stored(inbox, follow)[1] is True
    sticker = {**SENDER.text("u1", "x"), "event_name": "user_send_sticker"}
    assert inbox.store(parse_event(json.dumps(sticker).encode()), json.dumps(sticker).encode()).ignored
    assert inbox.counts() == {"pending": 2, "ignored": 1}


def test_a_users_events_are_claimed_one_at_a_time_in_order(database: Database) -> None:
    inbox = Inbox(database, lease_seconds=30)
    ids = [stored(inbox, SENDER.text("u1", f"m{i}"))[0] for i in range(3)] + [stored(inbox, SENDER.text("u2", "x"))[0]]
    first = inbox.claim()
    second = inbox.claim()
    assert first is not None and second is not None
    assert (first.id, second.id) == (ids[0], ids[3])  # u1's second waits for its first; u2 goes ahead
    assert inbox.claim() is None
    inbox.complete(first)
    nxt = inbox.claim()
    assert nxt is not None and nxt.id == ids[1]


def test_a_claim_left_by_a_dead_worker_is_taken_over_and_the_old_one_cannot_complete(database: Database) -> None:
    inbox = Inbox(database, lease_seconds=30)
    stored(inbox, SENDER.text("u1", "m"))
    dead = inbox.claim()
    assert dead is not None and inbox.claim() is None
    with database.session() as session:  # its lease runs out
        session.execute(update(ZaloEventRow).values(claimed_until=ZaloEventRow.received_at))
    alive = inbox.claim()
    assert alive is not None and alive.id == dead.id and alive.token != dead.token and alive.attempts == 2
    with pytest.raises(LostClaim):
        inbox.complete(dead)
    inbox.complete(alive)
    assert inbox.counts() == {"done": 1}


def test_claims_by_many_threads_never_overlap(database: Database) -> None:
    inbox = Inbox(database, lease_seconds=30)
    for user in range(6):
        for i in range(3):
            stored(inbox, SENDER.text(f"user{user}", f"m{i}"))
    taken: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        while True:
            try:
                claimed = inbox.claim()
            except Exception:  # SQLite's writer lock under contention: try again
                continue
            if claimed is None:
                with database.session() as session:
                    if not session.scalar(select(ZaloEventRow.id).where(ZaloEventRow.state != "done")):
                        return
                continue
            with lock:
                taken.append(claimed.id)
            inbox.complete(claimed)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(taken) == sorted(set(taken)) and len(taken) == 18


def outbox_row(outbox: Outbox, database: Database, user: str, message_id: int, text: str = "x") -> None:
    with database.session() as session:
        outbox.enqueue_in(session, user_id=user, session_id=f"zalo:{user}", message_id=message_id, text=text)


def test_the_outbox_sends_a_users_messages_in_order_and_never_enqueues_twice(database: Database) -> None:
    outbox = Outbox(database, retry_base_seconds=0.0, retry_max_seconds=0.0)
    for message_id in (10, 11):
        outbox_row(outbox, database, "u1", message_id)
    outbox_row(outbox, database, "u1", 10)  # the same message again: nothing added
    outbox_row(outbox, database, "u2", 12, "y" * 4100)  # three parts
    with database.session() as session:
        keys = session.scalars(select(ZaloOutboxRow.idempotency_key).order_by(ZaloOutboxRow.id)).all()
    assert keys == ["msg:10:0", "msg:11:0", "msg:12:0", "msg:12:1", "msg:12:2"]
    first, second = outbox.claim(), outbox.claim()
    assert first is not None and second is not None and (first.message_id, second.message_id) == (10, 12)
    assert outbox.claim() is None  # u1's 11 waits for 10; u2's part 1 waits for part 0
    assert outbox.retry(first, Failure(Kind.server, 500, uncertain=True))
    again = outbox.claim()
    assert again is not None and again.message_id == 10 and again.check_since is not None  # look it up first
    assert outbox.sent(again, "zmid-1") and not outbox.sent(again, "zmid-2")  # the claim is spent
    assert outbox.sent(second, "zmid-3")
    nxt = [outbox.claim(), outbox.claim()]
    assert sorted((c.message_id, c.part) for c in nxt if c) == [(11, 0), (12, 1)]


def test_a_permanent_failure_ends_the_row_and_the_user_goes_on(database: Database) -> None:
    outbox = Outbox(database)
    outbox_row(outbox, database, "u1", 1)
    outbox_row(outbox, database, "u1", 2)
    claimed = outbox.claim()
    assert claimed is not None and outbox.fail(claimed, Failure(Kind.outside_window, -230, "past 7 days"))
    nxt = outbox.claim()
    assert nxt is not None and nxt.message_id == 2
    with database.session() as session:
        row = session.scalar(select(ZaloOutboxRow).where(ZaloOutboxRow.message_id == 1))
        assert row is not None and (row.state, row.error_kind, row.error_code) == ("failed", "outside_window", -230)


@pytest.fixture()
def standin() -> Iterator[tuple[StandIn, str]]:
    stand = new_standin()
    with serving(stand) as base:
        yield stand, base


def token_store(database: Database, standin: tuple[StandIn, str], **kwargs: object) -> TokenStore:
    stand, base = standin
    access, refresh = stand.issue_tokens()
    api = ZaloApi(api_base=base, oauth_base=base, app_id=APP_ID, app_secret=APP_SECRET, timeout=2)
    return TokenStore(database, api, access_token=access, refresh_token=refresh, **kwargs)  # type: ignore[arg-type]


def test_many_threads_refusing_one_token_cause_one_refresh(database: Database, standin: tuple[StandIn, str]) -> None:
    stand, _ = standin
    tokens = token_store(database, standin)
    old = tokens.current()
    assert old is not None
    got: list[str] = []

    def refresh() -> None:
        got.append(tokens.refresh(used=old))

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert stand.stats.refreshes == 1 and len(set(got)) == 1 and got[0] != old
    with database.session() as session:  # persisted: the row holds the new pair, and Zalo's new refresh token
        row = session.get(ZaloTokenRow, "oa")
        assert row is not None and row.access_token == got[0] and row.refresh_token in stand.refresh
        assert row.refresh_count == 1 and row.alert is None


def test_two_processes_share_the_refreshed_token(database: Database, standin: tuple[StandIn, str]) -> None:
    stand, _ = standin
    one = token_store(database, standin)
    other = TokenStore(database, one.api, access_token=None, refresh_token=None)  # another process, same DB
    old = one.current()
    new = one.refresh(used=old)
    assert other.refresh(used=old) == new and stand.stats.refreshes == 1


def test_a_refused_refresh_raises_an_alert(database: Database, standin: tuple[StandIn, str]) -> None:
    stand, _ = standin
    tokens = token_store(database, standin)
    stand.refresh.clear()  # the refresh token was spent elsewhere
    with pytest.raises(TokenUnavailable):
        tokens.refresh(used=tokens.current())
    state = tokens.state()
    assert state.alert is not None and "-14014" in state.alert and "re-authorise" in state.alert


def test_configured_tokens_seed_the_row_once_and_again_when_they_change(database: Database,
                                                                        standin: tuple[StandIn, str]) -> None:
    stand, _ = standin
    tokens = token_store(database, standin)
    refreshed = tokens.refresh(used=tokens.current())
    restarted = TokenStore(database, tokens.api, access_token=tokens._seed[0], refresh_token=tokens._seed[1])
    assert restarted.current() == refreshed  # the same configuration again: the refreshed pair stays
    access, refresh = stand.issue_tokens()  # an administrator authorised the app again
    reconsented = TokenStore(database, tokens.api, access_token=access, refresh_token=refresh)
    assert reconsented.current() == access


def test_the_token_is_refreshed_ahead_of_its_expiry(database: Database, standin: tuple[StandIn, str]) -> None:
    stand, _ = standin
    tokens = token_store(database, standin, margin_seconds=100_000)  # more than a token's whole life
    assert tokens.due()
    old = tokens.current()
    assert tokens.refresh(None) != old and stand.stats.refreshes == 1
