"""The conversation store on SQLite and PostgreSQL: turns, order under concurrency, operators, feedback,
retention, tickets, application statuses."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, update

from core.storage import Database, utcnow
from dialogue.conversations import CLOSED_NOTICE, ConversationStore, UnknownMessage, UnknownSession, new_ticket_id
from dialogue.feedback import calibration_rows, style_of
from dialogue.status import TableStatusAdapter, import_status_file, import_statuses, read_status_csv
from dialogue.tables import ConversationRow, FeedbackRow, TicketRow
from dialogue.tickets import get_ticket, list_tickets, tickets_csv
from hueai.db import downgrade, upgrade


def a_turn(store: ConversationStore, session: str, text: str, reply: str = "Dạ", *, sources=None) -> tuple[int, int]:
    with store.turn(session, "web") as turn:
        incoming = turn.add_message("in", "citizen", text, intent="ask_fee", confidence=0.9)
        outgoing = turn.add_message("out", "assistant", reply, intent="ask_fee", sources=sources or [],
                                    action="answer_fee", reply_to=incoming)
        turn.state = {"turns_seen": turn.state.get("turns_seen", 0) + 1}
    return incoming, outgoing


def test_the_migration_creates_and_drops_the_dialogue_tables(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {"conversations", "messages", "handoffs", "tickets", "feedback", "application_statuses"} <= tables
    downgrade(database, "0001")
    assert "conversations" not in inspect(database.engine).get_table_names()
    upgrade(database)


def test_a_turn_stores_messages_and_state(database: Database) -> None:
    store = ConversationStore(database)
    incoming, outgoing = a_turn(store, "s1", "lệ phí bao nhiêu")
    a_turn(store, "s1", "còn thời gian?")
    assert store.state("s1") == {"turns_seen": 2}
    assert store.state("nobody") is None
    transcript = store.transcript("s1")
    assert [m.direction for m in transcript] == ["in", "out", "in", "out"]
    assert transcript[0].id == str(incoming) and transcript[1].id == str(outgoing)
    assert [m.text for m in store.messages_after("s1", outgoing)] == ["Dạ"]
    assert store.messages_after("s1", None, direction=None)[0].text == "lệ phí bao nhiêu"
    assert [m.id for m in store.transcript("s1", limit=1)] == [transcript[-1].id]


def test_a_failed_turn_leaves_nothing_written(database: Database) -> None:
    store = ConversationStore(database)
    a_turn(store, "s2", "một")
    with pytest.raises(RuntimeError):
        with store.turn("s2", "web") as turn:
            turn.add_message("in", "citizen", "hai")
            turn.state = {"broken": True}
            raise RuntimeError("the policy failed")
    assert store.state("s2") == {"turns_seen": 1}
    assert len(store.transcript("s2")) == 2


def test_two_turns_of_one_session_at_once_are_processed_one_after_the_other(database: Database) -> None:
    """Two "processes" (separate engines, so separate connections) write the same session at once: the
    second waits for the first's lock and sees its state, so no turn is lost."""
    other = Database(database.url)
    stores = [ConversationStore(database), ConversationStore(other)]
    a_turn(stores[0], "busy", "mở đầu")
    errors: list[BaseException] = []

    def slow_turn(store: ConversationStore, label: str) -> None:
        try:
            with store.turn("busy", "web") as turn:
                seen = turn.state.get("seen", [])
                time.sleep(0.2)  # hold the lock while "deciding"
                turn.add_message("in", "citizen", label)
                turn.state = {"seen": [*seen, label]}
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=slow_turn, args=(stores[i % 2], f"m{i}")) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    assert not errors
    state = stores[0].state("busy")
    assert state is not None and sorted(state["seen"]) == ["m0", "m1", "m2", "m3"]  # every turn saw the last
    texts = [m.text for m in stores[0].transcript("busy") if m.direction == "in"][1:]
    assert texts == state["seen"]  # and the messages are in the order the turns ran


def test_handoff_operator_reply_and_close(database: Database) -> None:
    store = ConversationStore(database)
    with store.turn("h1", "zalo") as turn:
        turn.add_message("in", "citizen", "cho gặp nhân viên")
        turn.open_handoff("request_human")
        turn.open_handoff("emergency", urgent=True)  # one open handoff, made urgent
    with store.turn("h2", "web") as turn:
        turn.add_message("in", "citizen", "gặp người thật")
        turn.open_handoff("request_human")
    waiting = store.handoffs()
    assert [h.session_id for h in waiting] == ["h1", "h2"]  # urgent first
    assert waiting[0].urgent and waiting[0].state == "waiting" and waiting[0].channel == "zalo"
    assert waiting[0].messages[0].text == "cho gặp nhân viên"

    taken = store.accept_handoff("h2", operator="lan")
    assert taken.state == "active" and taken.operator == "lan"
    message_id = store.operator_reply("h1", "Dạ, em là Hoa, em hỗ trợ anh/chị ạ.", operator="hoa")
    assert store.handoff("h1").state == "active"  # replying takes the conversation
    delivered = store.messages_after("h1", int(message_id) - 1)
    assert [(m.sender, m.operator, m.text[:2]) for m in delivered] == [("operator", "hoa", "Dạ")]

    assert store.close_handoff("h1", operator="hoa") is True
    assert store.close_handoff("h1") is False
    assert store.handoff("h1") is None
    notice = store.messages_after("h1", message_id)
    assert [m.text for m in notice] == [CLOSED_NOTICE] and notice[0].action == "handoff_closed"
    with database.session() as s:
        assert s.get(ConversationRow, "h1").handoff_state is None
    assert [h.session_id for h in store.handoffs(("closed",))] == ["h1"]
    with pytest.raises(UnknownSession):
        store.operator_reply("nobody", "alo", operator="x")
    with pytest.raises(ValueError):
        store.operator_reply("h2", "   ", operator="lan")


def test_an_operator_may_step_into_any_conversation(database: Database) -> None:
    store = ConversationStore(database)
    a_turn(store, "quiet", "xin chào")
    store.operator_reply("quiet", "Em là nhân viên, anh/chị cần hỗ trợ gì thêm không ạ?", operator="lan")
    assert store.handoff("quiet").reason == "operator"


def test_feedback_is_checked_against_the_session_and_keeps_a_masked_question(database: Database) -> None:
    store = ConversationStore(database)
    _, reply = a_turn(store, "f1", "lệ phí khai sinh, số tôi 0914 123 456",
                      sources=[{"code": "1.001193", "name": "Thủ tục đăng ký khai sinh", "url": None}])
    with pytest.raises(UnknownMessage):
        store.record_feedback(reply, helpful=False, session_id="someone-else")
    with pytest.raises(UnknownMessage):
        store.record_feedback("not-a-number", helpful=True)
    with pytest.raises(UnknownMessage):
        store.record_feedback(reply - 1, helpful=True)  # the citizen's own message is not an answer
    store.record_feedback(reply, helpful=False, comment="sai rồi", session_id="f1")
    store.record_feedback(str(reply), helpful=False, correct_code="1.000656", operator="lan")
    items = store.feedback()
    assert [(f.given_by, f.helpful, f.correct_code) for f in items] == [("citizen", False, None),
                                                                       ("operator", False, "1.000656")]
    assert items[0].question == "lệ phí khai sinh, số tôi 09** *** *56" and items[0].answered_code == "1.001193"


def test_feedback_becomes_calibration_questions(database: Database) -> None:
    store = ConversationStore(database)
    _, r1 = a_turn(store, "c1", "lam khai sinh o dau", sources=[{"code": "1.001193", "name": "x"}])
    _, r2 = a_turn(store, "c2", "đk tạm trú cần j", sources=[{"code": "1.004194", "name": "y"}])
    _, r3 = a_turn(store, "c3", "thủ tục khai tử", sources=[{"code": "1.000656", "name": "z"}])
    store.record_feedback(r1, helpful=False)
    store.record_feedback(r1, helpful=False, correct_code="1.001193", operator="lan")
    store.record_feedback(r2, helpful=False)
    store.record_feedback(r3, helpful=True)
    rows = calibration_rows(store.feedback())
    assert [(r["text"], r["expected"]) for r in rows] == [("lam khai sinh o dau", ["1.001193"]),
                                                          ("đk tạm trú cần j", [])]
    assert set(rows[0]) == {"id", "text", "style", "expected"} and rows[0]["style"] == "no_diacritics"
    assert rows[1]["needs_review"] and rows[1]["rejected"] == ["1.004194"] and rows[1]["style"] == "teencode"
    assert [r["text"] for r in calibration_rows(store.feedback(), corrections_only=True)] == ["lam khai sinh o dau"]
    assert style_of("dạ tui hỏi", "voice") == "spoken" and style_of("Thủ tục khai sinh", "web") == "colloquial"


def test_retention_deletes_old_conversations_but_keeps_tickets_feedback_and_open_handoffs(database: Database) -> None:
    store = ConversationStore(database)
    _, reply = a_turn(store, "old", "cũ", sources=[{"code": "1.001193", "name": "x"}])
    with store.turn("old", "web") as turn:
        ticket = turn.create_ticket(description="đèn hỏng", location="đường Lê Lợi")
    store.record_feedback(reply, helpful=False, correct_code="1.001193", operator="lan")
    a_turn(store, "waiting-old", "cần người")
    with store.turn("waiting-old", "web") as turn:
        turn.open_handoff("request_human")
    a_turn(store, "new", "mới")
    past = utcnow() - timedelta(days=400)
    with database.session() as s:
        s.execute(update(ConversationRow).where(ConversationRow.id.in_(["old", "waiting-old"])).values(updated_at=past))
    report = store.purge(180)
    assert (report.conversations, report.messages) == (1, 2)
    assert not store.exists("old") and store.exists("waiting-old") and store.exists("new")
    kept = get_ticket(database, ticket)
    assert kept is not None and kept.session_id is None
    with database.session() as s:
        (row,) = s.scalars(select(FeedbackRow)).all()
        assert row.message_id is None and row.question == "cũ"
    assert store.purge(180).conversations == 0


def test_tickets_are_listed_and_exported(database: Database) -> None:
    store = ConversationStore(database)
    with store.turn("t1", "zalo") as turn:
        first = turn.create_ticket(description="ổ gà, lớn", location="đường Hùng Vương", phone="0914123456")
    with store.turn("t2", "web") as turn:
        second = turn.create_ticket(description="rác", location="kiệt 47 Phan Đình Phùng")
    assert first != second and first.startswith("PA-")
    tickets = list_tickets(database)
    assert [t.id for t in tickets] == [first, second] and tickets[0].channel == "zalo"
    assert list_tickets(database, since=utcnow() + timedelta(minutes=1)) == []
    csv_text = tickets_csv(tickets)
    assert csv_text.splitlines()[0].startswith("id,created_at,status") and '"ổ gà, lớn"' in csv_text
    assert get_ticket(database, first.lower()) is not None
    assert new_ticket_id().count("-") == 2 and not set(new_ticket_id()[-4:]) & set("01ILO")
    with database.session() as s:
        assert s.scalar(select(TicketRow.status).where(TicketRow.id == first)) == "new"


def test_statuses_are_imported_from_csv_and_looked_up(database: Database, tmp_path: Path) -> None:
    csv_file = tmp_path / "statuses.csv"
    csv_file.write_text(
        "\ufeffcode,status,updated_at,office\n"
        "000.00.21.H57-250312-0042,Đã có kết quả,2025-03-20,UBND phường Thuận Hóa\n"
        "000.00.17.h57 250815 0113,Đang xử lý,18/08/2025,\n"
        ",thiếu mã,,\n"
        "000.00.21.H57-250312-0042,Đã trả kết quả,2025-03-25,UBND phường Thuận Hóa\n"
        "000.20.33.H57-250605-0027,Bổ sung,not a date,\n",
        encoding="utf-8")
    report = import_status_file(database, csv_file)
    assert (report.added, report.updated) == (2, 0) and len(report.skipped) == 2
    assert report.skipped[0].startswith("line 4") and report.skipped[1].startswith("line 6")
    adapter = TableStatusAdapter(database)
    found = adapter.lookup("000.00.21.H57-250312-0042")
    assert found is not None and found.status == "Đã trả kết quả" and found.office == "UBND phường Thuận Hóa"
    spaced = adapter.lookup("000.00.17.H57 250815 0113")
    assert spaced is not None and spaced.updated_at is not None and spaced.updated_at.day == 18
    assert adapter.lookup("000.40.22.H57-250228-0135") is None
    again = import_statuses(database, read_status_csv("code,status\n000.00.21.H57-250312-0042,Xong\n")[0])
    assert (again.added, again.updated) == (0, 1)
    with pytest.raises(ValueError):
        read_status_csv("ma,trang_thai\n1,2\n")


def test_a_photo_goes_with_the_report_being_collected_or_the_last_ticket(database: Database) -> None:
    store = ConversationStore(database)
    assert store.attach_photo("nobody", "https://zalo.example/p.jpg") is None
    with store.turn("p1", "zalo") as turn:
        turn.state = {"report": {"description": "ổ gà"}}
    assert store.attach_photo("p1", "https://zalo.example/1.jpg") == "draft"
    assert store.state("p1")["report"]["photo_url"] == "https://zalo.example/1.jpg"
    with store.turn("p2", "zalo") as turn:
        ticket = turn.create_ticket(description="rác", location="chợ Đông Ba")
    assert store.attach_photo("p2", "https://zalo.example/2.jpg") == ticket
    assert get_ticket(database, ticket).photo_url == "https://zalo.example/2.jpg"
    a_turn(store, "p3", "xin chào")
    assert store.attach_photo("p3", "https://zalo.example/3.jpg") is None
