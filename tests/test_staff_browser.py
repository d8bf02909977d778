"""The operators' desk and the citizen's widget side by side in real headless Chromium: an operator signs
in, sees the handed-over conversation appear live, reads it, answers (the citizen's widget shows the answer),
marks a wrong answer and picks the right procedure, and closes the conversation; and the calls tab lists the
hotline's calls and opens one's turns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chat_support import make_app, serve
from sqlalchemy import select
from test_widget import ARGS, CHROMIUM, WAIT, open_chat, send  # skips (or fails) as test_widget does

from core.accounts import Accounts
from core.storage import Database
from dialogue.tables import FeedbackRow
from hueai.db import upgrade
from knowledge.records import Procedure
from knowledge.tables import ProcedureRow
from voice.store import CallStore

from playwright.sync_api import Playwright, expect, sync_playwright  # noqa: E402  (after the skip above)

PASSWORD = "mật khẩu của Lan 2026"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    db = Database(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    upgrade(db)
    Accounts(db).add_user("lan", PASSWORD, role="operator")
    with db.session() as s:
        s.add(ProcedureRow(code="1.001193", name="Thủ tục đăng ký khai sinh", source_hash="test",
                           data=Procedure(code="1.001193", name="Thủ tục đăng ký khai sinh").model_dump(mode="json")))
    with serve(make_app(db, tmp_path)) as url:
        yield url, db
    db.dispose()


@pytest.fixture
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


def test_an_operator_answers_corrects_and_closes_from_the_desk(playwright: Playwright, site: tuple[str, Database],
                                                               tmp_path: Path) -> None:
    base, db = site
    contexts = [playwright.chromium.launch_persistent_context(str(tmp_path / name), executable_path=str(CHROMIUM),
                                                              headless=True, args=ARGS, locale="vi-VN")
                for name in ("citizen", "operator")]
    try:
        citizen, operator = (c.pages[0] if c.pages else c.new_page() for c in contexts)
        for page in (citizen, operator):
            page.set_default_timeout(WAIT)

        operator.goto(f"{base}/staff")
        expect(operator).to_have_url(f"{base}/staff/login")
        operator.get_by_label("Tên đăng nhập").fill("lan")
        operator.get_by_label("Mật khẩu").fill("sai mật khẩu rồi")
        operator.get_by_role("button", name="Đăng nhập").click()
        expect(operator.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
        operator.get_by_label("Mật khẩu").fill(PASSWORD)
        operator.get_by_role("button", name="Đăng nhập").click()
        expect(operator.get_by_role("heading", name="Bàn hỗ trợ trực tuyến")).to_be_visible()
        expect(operator.locator("#queue-count")).to_have_text("Không có cuộc trò chuyện nào cần hỗ trợ.")

        open_chat(citizen, base)
        send(citizen, "làm giấy khai sinh cho con")
        expect(citizen.locator("#hueai-chat li.msg.bot").nth(1)).to_contain_text("#1 ")
        send(citizen, "cho tôi gặp nhân viên <script>alert(1)</script>")
        expect(citizen.locator("#hueai-chat li.msg.bot").nth(2)).to_contain_text("#2 ")

        conversation = operator.locator("#handoffs button.handoff")
        expect(conversation).to_have_count(1)  # arrived over the desk's WebSocket, no reload
        expect(conversation).to_contain_text("yêu cầu gặp nhân viên")
        expect(conversation.locator(".last")).to_contain_text("<script>alert(1)</script>")
        conversation.click()
        transcript = operator.locator("#transcript li.message")
        expect(transcript).to_have_count(4)
        expect(transcript.nth(0)).to_contain_text("làm giấy khai sinh cho con")

        operator.get_by_label("Trả lời công dân").fill("Dạ, em là Lan. Anh/chị cần **bản chính giấy chứng sinh**.")
        operator.get_by_role("button", name="Gửi trả lời").click()
        answer = citizen.locator("#hueai-chat li.msg.operator")
        expect(answer).to_contain_text("Dạ, em là Lan.")
        expect(answer.locator("strong")).to_have_text("bản chính giấy chứng sinh")
        expect(transcript).to_have_count(5)

        transcript.nth(1).get_by_role("button", name="Đánh dấu trả lời sai").click()
        operator.get_by_label("Tìm thủ tục").fill("1.001193")
        operator.get_by_role("button", name="Tìm", exact=True).click()
        operator.get_by_label("Thủ tục đăng ký khai sinh (1.001193)").check()
        operator.get_by_label("Ghi chú (không bắt buộc)").fill("trả lời nhầm")
        operator.get_by_role("button", name="Lưu thủ tục đúng").click()
        expect(operator.locator("#desk-status")).to_have_text("Đã lưu thủ tục đúng: 1.001193.")

        operator.get_by_role("button", name="Kết thúc, trả lại cho trợ lý ảo").click()
        expect(operator.locator("#queue-count")).to_have_text("Không có cuộc trò chuyện nào cần hỗ trợ.")
        expect(citizen.locator("#hueai-chat li.msg.system")).to_contain_text("kết thúc phần hỗ trợ")
        send(citizen, "hỏi tiếp về lệ phí")
        expect(citizen.locator("#hueai-chat li.msg.bot").last).to_contain_text("#3 ")
    finally:
        for context in contexts:
            context.close()
    with db.session() as s:
        row = s.scalars(select(FeedbackRow)).one()
    assert (row.correct_code, row.operator, row.comment, row.question) == (
        "1.001193", "lan", "trả lời nhầm", "làm giấy khai sinh cho con")


def test_the_calls_tab_lists_calls_and_opens_ones_turns(playwright: Playwright, site: tuple[str, Database],
                                                        tmp_path: Path) -> None:
    base, db = site
    calls = CallStore(db)
    calls.start("c-1", session_id="voice-c-1", caller="0905123456", mode="speech", media_format="slin16")
    calls.add_turn("c-1", index=1, source="speech", transcript="cháy nhà ở Kim Long", reply="Dạ, em chuyển máy ngay.",
                   intent="emergency", action="emergency", latency_ms={"asr": 180.0, "total": 900.0})
    calls.end("c-1", reason="transferred", transfer_reason="emergency")
    calls.start("c-2", session_id="voice-c-2", caller="0234382211", mode="dtmf", media_format="ulaw")
    context = playwright.chromium.launch_persistent_context(str(tmp_path / "operator"), executable_path=str(CHROMIUM),
                                                            headless=True, args=ARGS, locale="vi-VN")
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(WAIT)
        page.goto(f"{base}/staff/login")
        page.get_by_label("Tên đăng nhập").fill("lan")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_role("tab", name="Cuộc gọi").click()
        expect(page.get_by_role("tab", name="Cuộc gọi")).to_have_attribute("aria-selected", "true")
        expect(page.locator("#chats")).to_be_hidden()
        listed = page.locator("#call-list button.handoff")
        expect(listed).to_have_count(2)
        expect(listed.nth(0)).to_contain_text("02******11 · menu phím bấm · đang gọi")
        expect(listed.nth(1)).to_contain_text("09******56 · hội thoại giọng nói · chuyển nhân viên: KHẨN CẤP")
        page.get_by_label("Chỉ cuộc gọi đã chuyển nhân viên").check()
        expect(listed).to_have_count(1)
        listed.first.click()
        expect(page.locator("#call-title")).to_have_text("Cuộc gọi từ 09******56")
        turn = page.locator("#call-turns li")
        expect(turn).to_have_count(1)
        expect(turn).to_contain_text("Nghe được: cháy nhà ở Kim Long")
        expect(turn).to_contain_text("nhận dạng 180 ms · tổng 900 ms")
        page.get_by_role("tab", name="Cuộc trò chuyện").click()
        expect(page.locator("#queue-count")).to_be_visible()
    finally:
        context.close()
