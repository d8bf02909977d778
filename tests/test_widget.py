"""The chat widget in a real headless Chromium (Debian's ``chromium``, driven by Playwright), on the demo
page of a real server: sending, rendering as text, sources, quick replies, feedback, typing, reconnecting
with the same session, operators' replies, keyboard, a phone-sized screen.

Skipped where chromium or Playwright is missing, unless ``HUEAI_REQUIRE_BROWSER`` is set (CI sets it).
Each test gets a fresh browser profile.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from chat_support import QUICK, EchoAssistant, free_port, make_app, serve
from sqlalchemy import select

from channels.settings import WebChatSettings
from core.accounts import Accounts
from core.storage import Database
from dialogue.conversations import ConversationStore
from dialogue.tables import FeedbackRow
from hueai.db import upgrade

CHROMIUM = Path(os.environ.get("HUEAI_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT = 15_000  # ms: how long an expectation may take to come true (a bound, not a measurement)

try:
    from playwright.sync_api import Page, Playwright, expect, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None  # type: ignore[assignment]

if sync_playwright is None or not CHROMIUM.exists():
    if os.environ.get("HUEAI_REQUIRE_BROWSER"):
        raise RuntimeError(f"HUEAI_REQUIRE_BROWSER is set but chromium ({CHROMIUM}) or playwright is missing")
    pytest.skip(f"no chromium at {CHROMIUM} (or no playwright): apt-get install chromium", allow_module_level=True)
expect.set_options(timeout=WAIT)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """SQLite only: these tests are about the page; tests/test_chat.py covers both databases."""
    db = Database(f"sqlite:///{tmp_path / 'widget.sqlite3'}")
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh profile of Debian's chromium (never a downloaded browser)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS, locale="vi-VN")
    context.set_default_timeout(WAIT)
    yield context
    context.close()


@pytest.fixture
def page(browser) -> Page:  # type: ignore[no-untyped-def]
    return browser.pages[0] if browser.pages else browser.new_page()


class Gate:
    """Holds a turn inside the assistant while closed (to see the typing indicator)."""

    def __init__(self) -> None:
        self.closed = threading.Event()
        self.opened = threading.Event()

    def __call__(self) -> None:
        if self.closed.is_set():
            self.opened.wait(20)


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def site(database: Database, tmp_path: Path, gate: Gate) -> Iterator[str]:
    with serve(make_app(database, tmp_path, assistant=EchoAssistant(database, pause=gate))) as url:
        yield url


def open_chat(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("button", name="Hỏi trợ lý ảo").click()
    expect(page.get_by_role("dialog", name="Trợ lý ảo Huế")).to_be_visible()


def send(page: Page, text: str) -> None:
    box = page.get_by_label("Câu hỏi của anh/chị")
    box.fill(text)
    box.press("Enter")


def bot_messages(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#hueai-chat li.msg.bot")


def test_a_question_gets_an_answer_with_sources_links_and_quick_replies(page: Page, site: str, gate: Gate,
                                                                        database: Database) -> None:
    open_chat(page, site)
    expect(page.get_by_label("Câu hỏi của anh/chị")).to_be_focused()
    expect(bot_messages(page)).to_have_count(1)  # the greeting
    gate.closed.set()
    send(page, "làm giấy khai sinh cho con")
    expect(page.locator("#hueai-chat li.msg.user .bubble").last).to_have_text("làm giấy khai sinh cho con")
    expect(page.locator("#hueai-chat .typing")).to_be_visible()
    expect(page.locator("#hueai-chat .typing")).to_contain_text("Trợ lý đang trả lời")
    gate.opened.set()
    answer = bot_messages(page).nth(1)
    expect(answer).to_contain_text("#1 Anh/chị vừa hỏi:")
    expect(page.locator("#hueai-chat .typing")).to_be_hidden()
    expect(answer.locator("strong")).to_have_text("làm giấy khai sinh cho con")
    expect(answer.locator(".bubble ul li")).to_have_count(2)
    portal = answer.locator(".bubble a")
    expect(portal).to_have_attribute("href", "https://dichvucong.gov.vn/")
    expect(portal).to_have_attribute("rel", "noopener noreferrer")
    source = answer.locator(".sources a")
    expect(source).to_have_text("Thủ tục đăng ký khai sinh (mã 1.001193)")
    expect(source).to_have_attribute("href", re.compile(r"^https://dichvucong\.gov\.vn/.*1\.001193$"))
    # a quick reply sends its payload; the citizen sees its title
    page.get_by_role("button", name=QUICK.title).click()
    expect(bot_messages(page).nth(2)).to_contain_text("#2 ")
    expect(page.locator("#hueai-chat li.msg.user .bubble").last).to_have_text(QUICK.title)
    expect(page.get_by_role("button", name=QUICK.title)).to_have_count(1)  # only the last answer's
    texts = [m.text for m in ConversationStore(database).transcript(f"web:{session_id(page)}") if m.direction == "in"]
    assert texts == ["làm giấy khai sinh cho con", QUICK.payload]


def session_id(page: Page) -> str:
    return page.evaluate("window.HueAIChat.sessionId()")


def test_a_script_message_is_shown_as_text_and_never_run(page: Page, site: str) -> None:
    attack = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> **<b>đậm</b>**"
    open_chat(page, site)
    send(page, attack)
    expect(bot_messages(page).nth(1)).to_contain_text("#1 ")
    expect(page.locator("#hueai-chat li.msg.user .bubble").last).to_have_text(attack)
    expect(bot_messages(page).nth(1).locator("strong").first).to_contain_text("<script>window.__pwned = 1</script>")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#hueai-chat li.msg script, #hueai-chat li.msg img, #hueai-chat li.msg b").count() == 0


def test_feedback_buttons_store_a_thumb_and_a_comment(page: Page, site: str, database: Database) -> None:
    open_chat(page, site)
    send(page, "khai sinh")
    answer = bot_messages(page).nth(1)
    expect(answer).to_contain_text("#1 ")
    up = answer.get_by_role("button", name="Hữu ích", exact=True)
    down = answer.get_by_role("button", name="Chưa hữu ích")
    expect(answer.get_by_role("group", name="Câu trả lời này có hữu ích không?")).to_be_visible()
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(answer).to_contain_text("Cảm ơn anh/chị đã góp ý.")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    answer.get_by_label("Góp ý thêm (không bắt buộc)").fill("thiếu lệ phí")
    answer.get_by_role("button", name="Gửi góp ý").click()
    expect(answer).to_contain_text("Đã ghi nhận góp ý")

    def stored() -> list[tuple[bool | None, str | None]]:
        with database.session() as s:
            return [(r.helpful, r.comment) for r in s.scalars(select(FeedbackRow).order_by(FeedbackRow.id))]

    page.wait_for_function("1", polling=100)  # let the last frame leave the page
    for _ in range(100):
        if len(stored()) == 3:
            break
        page.wait_for_timeout(100)
    assert stored() == [(True, None), (False, None), (False, "thiếu lệ phí")]


def test_reloading_keeps_the_session_and_the_history(page: Page, site: str) -> None:
    open_chat(page, site)
    send(page, "câu thứ nhất")
    expect(bot_messages(page).nth(1)).to_contain_text("#1 ")
    first = session_id(page)
    page.reload()
    page.get_by_role("button", name="Hỏi trợ lý ảo").click()
    expect(page.locator("#hueai-chat li.msg.user .bubble")).to_have_text(["câu thứ nhất"])
    assert session_id(page) == first
    send(page, "câu thứ hai")
    expect(bot_messages(page).nth(2)).to_contain_text("#2 ")


def test_the_widget_reconnects_to_a_restarted_server_and_gets_what_it_missed(page: Page, database: Database,
                                                                          tmp_path: Path) -> None:
    port = free_port()
    app = make_app(database, tmp_path)
    with serve(app, port) as base:
        open_chat(page, base)
        send(page, "cho tôi gặp nhân viên")
        expect(bot_messages(page).nth(1)).to_contain_text("#1 ")
        sid = session_id(page)
    # the server is down: an operator answers (stored), then the server comes back on the same address
    store = ConversationStore(database)
    store.operator_reply(f"web:{sid}", "Dạ, em là Lan, em đã xem câu hỏi của anh/chị.", operator="lan")
    expect(page.locator("#hueai-chat .status")).to_contain_text("Mất kết nối")
    with serve(make_app(database, tmp_path), port):
        expect(page.locator("#hueai-chat li.msg.operator")).to_contain_text("em đã xem câu hỏi")
        expect(page.locator("#hueai-chat .status")).to_have_text("")
        store.close_handoff(f"web:{sid}", operator="lan")
        expect(page.locator("#hueai-chat li.msg.system")).to_contain_text("kết thúc phần hỗ trợ")
        send(page, "hỏi tiếp")
        expect(bot_messages(page).last).to_contain_text("#2 ")
    assert session_id(page) == sid


def test_an_operators_reply_appears_live(page: Page, site: str, database: Database) -> None:
    Accounts(database).add_user("lan", "mật khẩu của Lan 2026", role="operator")
    open_chat(page, site)
    send(page, "cho tôi gặp nhân viên")
    expect(bot_messages(page).nth(1)).to_contain_text("#1 ")
    with httpx.Client(base_url=site) as staff:
        form = staff.get("/staff/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        staff.post("/staff/login", data={"name": "lan", "password": "mật khẩu của Lan 2026", "csrf": csrf})
        token = re.search(r'csrf-token" content="([^"]+)"', staff.get("/staff").text).group(1)  # type: ignore[union-attr]
        sent = staff.post(f"/staff/api/conversations/web:{session_id(page)}/reply",
                          json={"text": "Dạ em là Lan.\n- Anh/chị cần **CCCD**"}, headers={"X-CSRF-Token": token})
        assert sent.status_code == 200
    operator = page.locator("#hueai-chat li.msg.operator")
    expect(operator).to_contain_text("Dạ em là Lan.")
    expect(operator.locator("strong")).to_have_text("CCCD")


def test_without_websockets_it_posts_and_polls(page: Page, site: str, database: Database) -> None:
    page.add_init_script("delete window.WebSocket")
    open_chat(page, site)
    send(page, "cho tôi gặp nhân viên")
    expect(bot_messages(page).nth(1)).to_contain_text("#1 ")
    ConversationStore(database).operator_reply(f"web:{session_id(page)}", "Em là Lan (qua thăm dò).", operator="lan")
    expect(page.locator("#hueai-chat li.msg.operator")).to_contain_text("qua thăm dò")


def test_keyboard_only_use_and_the_accessible_structure(page: Page, site: str) -> None:
    page.goto(f"{site}/")
    launcher = page.get_by_role("button", name="Hỏi trợ lý ảo")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    log = page.get_by_role("log", name="Các tin nhắn")
    expect(log).to_have_attribute("aria-live", "polite")
    box = page.get_by_label("Câu hỏi của anh/chị")
    expect(box).to_be_focused()
    box.type("dòng một")
    page.keyboard.press("Shift+Enter")
    box.type("dòng hai")
    expect(box).to_have_value("dòng một\ndòng hai")
    page.keyboard.press("Enter")
    expect(bot_messages(page).nth(1)).to_contain_text("#1 ")
    expect(box).to_have_value("")
    # focus order: the close button, the log, the answer's buttons, the text box, the send button
    page.get_by_role("button", name="Đóng cửa sổ trò chuyện").focus()
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate(
            "(() => { const a = document.querySelector('#hueai-chat').shadowRoot.activeElement;"
            " return a ? (a.getAttribute('aria-label') || a.id || a.className || a.textContent) : null })()"))
    assert order[:7] == ["Các tin nhắn", "cổng dịch vụ công", "Thủ tục đăng ký khai sinh (mã 1.001193)", "Hữu ích",
                         "Chưa hữu ích", QUICK.title, "hueai-input"], order
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Trợ lý ảo Huế")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_a_phone_sized_screen(playwright: Playwright, site: str, tmp_path: Path) -> None:
    phone = playwright.chromium.launch_persistent_context(
        str(tmp_path / "phone"), executable_path=str(CHROMIUM), headless=True, args=ARGS,
        viewport={"width": 375, "height": 667}, has_touch=True, is_mobile=True)
    page = phone.pages[0] if phone.pages else phone.new_page()
    open_chat(page, site)
    box = page.locator("#hueai-chat .panel").bounding_box()
    assert box is not None and box["width"] == 375 and box["height"] == 667
    assert page.get_by_label("Câu hỏi của anh/chị").evaluate("e => getComputedStyle(e).fontSize") == "16px"
    page.get_by_label("Câu hỏi của anh/chị").fill("xin chào")
    page.get_by_role("button", name="Gửi", exact=True).tap()
    expect(bot_messages(page).nth(1)).to_contain_text("#1 ")
    phone.close()


def test_refusals_are_shown_in_vietnamese(page: Page, database: Database, tmp_path: Path) -> None:
    limits = WebChatSettings(session_rate=0.001, session_burst=1, ip_rate=0)
    with serve(make_app(database, tmp_path, chat=limits)) as base:
        open_chat(page, base)
        send(page, "một")
        expect(bot_messages(page).nth(1)).to_contain_text("#1 ")
        send(page, "hai")
        expect(page.locator("#hueai-chat li.msg.error")).to_contain_text("gửi tin nhắn hơi nhanh")
        send(page, "😀😀😀")  # still refused, still shown; the widget keeps working
        expect(page.locator("#hueai-chat li.msg.error")).to_have_count(2)
