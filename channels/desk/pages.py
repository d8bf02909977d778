"""The staff pages, rendered on the server: sign-in and the operators' desk (conversations, hotline calls).

Plain HTML from :class:`string.Template`; every value is escaped by
:func:`_fill` before it is put in, so a citizen's ``<script>`` is text here too.
The desk's live parts (the list, the transcript, replies, the calls tab) are in
``static/staff.js``, which builds its DOM with ``textContent`` only.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from channels.desk.models import HandedOver

STATIC = Path(__file__).resolve().parent / "static"
REASONS = {"request_human": "yêu cầu gặp nhân viên", "emergency": "KHẨN CẤP", "not_understood": "trợ lý không hiểu",
           "operator": "nhân viên chủ động"}
CHANNELS = {"web": "Web", "zalo": "Zalo", "voice": "Tổng đài"}
ROLES = {"operator": "tổng đài viên", "verifier": "kiểm duyệt viên", "admin": "quản trị"}

_LAYOUT = Template("""<!doctype html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="csrf-token" content="$csrf">
  <title>$title</title>
  <link rel="stylesheet" href="/staff/static/staff.css">
</head>
<body>
$body
</body>
</html>
""")

_LOGIN = Template("""<main class="login">
  <h1>Đăng nhập nhân viên</h1>
  <p class="sub">Trung tâm Giám sát, điều hành đô thị thông minh Huế</p>
  $error
  <form method="post" action="/staff/login">
    <input type="hidden" name="csrf" value="$csrf">
    <label for="name">Tên đăng nhập</label>
    <input id="name" name="name" autocomplete="username" required maxlength="64" value="$name" autofocus>
    <label for="password">Mật khẩu</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
    <button type="submit">Đăng nhập</button>
  </form>
</main>""")

_DESK = Template("""<header class="top">
  <h1>Bàn hỗ trợ trực tuyến</h1>
  <p class="who">$name ($role)</p>
  <form method="post" action="/staff/logout" class="logout">
    <input type="hidden" name="csrf" value="$csrf">
    <button type="submit">Đăng xuất</button>
  </form>
</header>
<p id="connection" class="connection" role="status" aria-live="polite"></p>
<div class="tabs" role="tablist" aria-label="Bàn hỗ trợ">
  <button type="button" role="tab" id="tab-chats" aria-controls="chats" aria-selected="true">Cuộc trò chuyện</button>
  <button type="button" role="tab" id="tab-calls" aria-controls="calls" aria-selected="false" tabindex="-1">Cuộc gọi</button>
</div>
<div class="desk" id="chats" role="tabpanel" aria-labelledby="tab-chats">
  <nav class="queue" aria-labelledby="queue-title">
    <h2 id="queue-title">Cuộc trò chuyện cần hỗ trợ</h2>
    <p id="queue-count" role="status" aria-live="polite">$count</p>
    <ul id="handoffs">$items</ul>
  </nav>
  <main class="conversation" aria-labelledby="conversation-title">
    <h2 id="conversation-title" tabindex="-1">Chọn một cuộc trò chuyện</h2>
    <ol id="transcript" class="transcript" aria-live="polite" aria-relevant="additions" tabindex="0"
        aria-label="Nội dung cuộc trò chuyện"></ol>
    <form id="reply" class="reply" hidden>
      <label for="reply-text">Trả lời công dân</label>
      <textarea id="reply-text" rows="3" maxlength="2000" required></textarea>
      <div class="actions">
        <button type="submit">Gửi trả lời</button>
        <button type="button" id="close" class="secondary">Kết thúc, trả lại cho trợ lý ảo</button>
      </div>
    </form>
    <p id="desk-status" class="desk-status" role="status" aria-live="polite"></p>
    <section id="correction" class="correction" hidden aria-labelledby="correction-title">
      <h3 id="correction-title">Chọn thủ tục đúng</h3>
      <p id="correction-question" class="quote"></p>
      <form id="correction-search">
        <label for="correction-query">Tìm thủ tục</label>
        <input id="correction-query" type="search" maxlength="200" autocomplete="off">
        <button type="submit">Tìm</button>
      </form>
      <form id="correction-pick">
        <fieldset>
          <legend>Kết quả</legend>
          <ul id="correction-results"></ul>
        </fieldset>
        <label for="correction-comment">Ghi chú (không bắt buộc)</label>
        <input id="correction-comment" maxlength="500" autocomplete="off">
        <div class="actions">
          <button type="submit">Lưu thủ tục đúng</button>
          <button type="button" id="correction-cancel" class="secondary">Huỷ</button>
        </div>
      </form>
    </section>
  </main>
</div>
<div class="desk" id="calls" role="tabpanel" aria-labelledby="tab-calls" hidden>
  <nav class="queue" aria-labelledby="calls-title">
    <h2 id="calls-title">Cuộc gọi tổng đài 19001075</h2>
    <div class="calls-filter">
      <label class="inline"><input type="checkbox" id="calls-transferred"> Chỉ cuộc gọi đã chuyển nhân viên</label>
      <button type="button" id="calls-refresh" class="secondary small">Làm mới</button>
    </div>
    <p id="calls-count" role="status" aria-live="polite"></p>
    <ul id="call-list"></ul>
    <button type="button" id="calls-more" class="secondary small" hidden>Xem thêm cuộc gọi cũ hơn</button>
  </nav>
  <section class="conversation" aria-labelledby="call-title">
    <h2 id="call-title" tabindex="-1">Chọn một cuộc gọi</h2>
    <p id="call-facts" class="call-facts"></p>
    <ol id="call-turns" class="transcript" tabindex="0" aria-label="Các lượt của cuộc gọi"></ol>
  </section>
</div>
<script src="/staff/static/staff.js" defer></script>""")

_MESSAGE = Template("""<main class="login"><h1>$title</h1><p>$text</p><p><a href="$href">$link</a></p></main>""")


def _fill(template: Template, **values: str) -> str:
    return template.substitute({key: html.escape(value, quote=True) for key, value in values.items()})


def _page(title: str, body: str, csrf: str = "") -> str:
    return _LAYOUT.substitute(title=html.escape(title), body=body, csrf=html.escape(csrf, quote=True))


def login_page(*, csrf: str, name: str = "", error: str | None = None) -> str:
    error_html = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = _LOGIN.substitute(csrf=html.escape(csrf, quote=True), name=html.escape(name, quote=True), error=error_html)
    return _page("Đăng nhập nhân viên: hueai", body)


def message_page(title: str, text: str, *, href: str = "/staff/login", link: str = "Đăng nhập") -> str:
    return _page(title, _fill(_MESSAGE, title=title, text=text, href=href, link=link))


def handoff_label(item: HandedOver) -> str:
    """One line of the list, the same words ``staff.js`` writes."""
    reason = REASONS.get(item.reason, item.reason)
    state = "đang chờ" if item.state == "waiting" else f"đang hỗ trợ ({item.operator or '?'})"
    return f"{CHANNELS.get(item.channel, item.channel)} · {reason} · {state}"


def desk_page(*, name: str, role: str, csrf: str, handoffs: list[HandedOver]) -> str:
    items = "".join(
        '<li><button type="button" class="handoff{urgent}" data-session="{sid}">'
        '<span class="label">{label}</span><span class="last">{last}</span></button></li>'.format(
            urgent=" urgent" if h.urgent else "", sid=html.escape(h.session_id, quote=True),
            label=html.escape(handoff_label(h)), last=html.escape((h.last_text or "")[:140]))
        for h in handoffs)
    count = f"{len(handoffs)} cuộc trò chuyện" if handoffs else "Không có cuộc trò chuyện nào cần hỗ trợ."
    body = _DESK.substitute(name=html.escape(name), role=html.escape(ROLES.get(role, role)),
                            csrf=html.escape(csrf, quote=True), count=html.escape(count), items=items)
    return _page("Bàn hỗ trợ trực tuyến: hueai", body, csrf)
