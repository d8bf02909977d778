/*
 * hueai web chat widget: one tag on any page, no build step, no CDN.
 *
 *   <script src="https://HOST/widget.js" defer></script>
 *
 * Options, as data attributes of that tag:
 *   data-title="Trợ lý ảo Huế"   the panel's title
 *   data-open="true"             open the panel at once
 *   data-container="#chat"       render inside that element (always open) instead of a floating button
 *
 * It talks to the server it was loaded from: a WebSocket (/ws/chat) while the panel is in use,
 * POST /api/chat when the socket is down, GET /api/chat/messages to poll for an operator's
 * replies in that case. The session id and the last 60 messages are kept in localStorage, so a
 * reload or a reconnect continues the same conversation.
 *
 * Safety: every text from the citizen, the assistant or an operator is put in the page as text
 * nodes (never as HTML markup); the assistant's small markdown subset (**bold**, [links](https://...),
 * bare https links, "- " and "1. " lists) is built element by element, and only http(s)/tel/mailto
 * links become links.
 */
(function () {
  "use strict";
  if (window.HueAIChat) return; // the tag twice on one page

  var script = document.currentScript;
  var base = new URL(script && script.src ? script.src : "/widget.js", location.href);
  var ORIGIN = base.origin;
  var data = (script && script.dataset) || {};
  var TITLE = data.title || "Trợ lý ảo Huế";
  var MAX_CHARS = 2000;
  var STORE_KEY = "hueai-chat:" + ORIGIN;
  var KEPT = 60;
  var NO_FEEDBACK = { greet: 1, thank: 1, goodbye: 1, bot_challenge: 1 };

  // ---- state kept across reloads -------------------------------------------------------------

  function randomId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      if (saved && /^[A-Za-z0-9_-]{8,100}$/.test(saved.sid)) {
        saved.log = Array.isArray(saved.log) ? saved.log : [];
        saved.seen = Array.isArray(saved.seen) ? saved.seen : [];
        return saved;
      }
    } catch (e) { /* storage disabled or corrupt: start afresh */ }
    return { sid: randomId(), lastId: null, log: [], seen: [] };
  }

  var state = load();

  function save() {
    state.log = state.log.slice(-KEPT);
    try { localStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* private mode: in memory only */ }
  }

  function later(a, b) {
    if (a == null) return b;
    if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(b) > Number(a) ? b : a;
    return b;
  }

  // ---- DOM helpers ---------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var key in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] == null) continue;
        if (key === "text") node.textContent = attrs[key];
        else if (key === "className") node.className = attrs[key];
        else node.setAttribute(key, attrs[key]);
      }
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function safeUrl(href) {
    try {
      var url = new URL(href, ORIGIN);
      if (url.protocol === "https:" || url.protocol === "http:" || url.protocol === "tel:" || url.protocol === "mailto:") {
        return url.href;
      }
    } catch (e) { /* not a URL */ }
    return null;
  }

  function link(text, href) {
    var url = safeUrl(href);
    if (!url) return document.createTextNode(text);
    var a = el("a", { href: url, text: text });
    if (!/^(tel|mailto):/.test(url)) { a.setAttribute("target", "_blank"); a.setAttribute("rel", "noopener noreferrer"); }
    return a;
  }

  // **bold**, [text](url), bare http(s) links; everything else is text.
  var INLINE = /\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?"'])/g;

  function inline(text, parent, depth) {
    var at = 0, match;
    INLINE.lastIndex = 0;
    var found = [];
    while ((match = INLINE.exec(text)) !== null) found.push({ m: match, index: match.index, end: INLINE.lastIndex });
    found.forEach(function (f) {
      if (f.index > at) parent.appendChild(document.createTextNode(text.slice(at, f.index)));
      var m = f.m;
      if (m[1] !== undefined) {
        var strong = el("strong");
        if (depth < 1) inline(m[1], strong, depth + 1); else strong.textContent = m[1];
        parent.appendChild(strong);
      } else if (m[2] !== undefined) {
        parent.appendChild(link(m[2], m[3]));
      } else {
        parent.appendChild(link(m[4], m[4]));
      }
      at = f.end;
    });
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  // Paragraphs (blank lines), line breaks, "- "/"* "/"• " and "1. " lists.
  function markdown(text) {
    var out = document.createDocumentFragment();
    var list = null, listKind = null, para = null;
    String(text).split(/\r?\n/).forEach(function (line) {
      var bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
      var numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      if (bullet || numbered) {
        var kind = bullet ? "ul" : "ol";
        if (!list || listKind !== kind) {
          list = el(kind); listKind = kind; out.appendChild(list);
          if (numbered && numbered[1] !== "1") list.setAttribute("start", numbered[1]);
        }
        var item = el("li");
        inline(bullet ? bullet[1] : numbered[2], item, 0);
        list.appendChild(item);
        para = null;
      } else if (!line.trim()) {
        list = null; para = null;
      } else {
        list = null;
        if (para) para.appendChild(el("br")); else { para = el("p"); out.appendChild(para); }
        inline(line, para, 0);
      }
    });
    return out;
  }

  // ---- the panel -----------------------------------------------------------------------------

  var inlineHost = data.container ? document.querySelector(data.container) : null;
  var host = el("div", { id: "hueai-chat", "data-hueai": "widget" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.appendChild(el("link", { rel: "stylesheet", href: ORIGIN + "/widget.css" }));

  var launcherLabel = el("span", { text: "Hỏi trợ lý ảo" });
  var badge = el("span", { className: "badge", hidden: "", "aria-hidden": "true" });
  var launcher = el("button", { type: "button", className: "launcher", "aria-expanded": "false",
                                "aria-controls": "hueai-panel" },
                    [el("span", { className: "icon", "aria-hidden": "true", text: "💬" }), launcherLabel, badge]);
  var closeButton = el("button", { type: "button", className: "close", "aria-label": "Đóng cửa sổ trò chuyện",
                                   text: "×" });
  var status = el("p", { className: "status", role: "status", "aria-live": "polite" });
  var log = el("ol", { className: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
                       "aria-label": "Các tin nhắn", tabindex: "0" });
  var typing = el("div", { className: "typing", hidden: "" }, [
    el("span", { className: "dots", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]),
    el("span", { className: "typing-text", text: "Trợ lý đang trả lời…" })]);
  var input = el("textarea", { id: "hueai-input", rows: "1", maxlength: String(MAX_CHARS), enterkeyhint: "send",
                               autocomplete: "off", placeholder: "Nhập câu hỏi của anh/chị…",
                               "aria-describedby": "hueai-hint" });
  var counter = el("span", { className: "counter", "aria-live": "polite" });
  var sendButton = el("button", { type: "submit", className: "send", text: "Gửi" });
  var form = el("form", { className: "composer", novalidate: "" }, [
    el("label", { for: "hueai-input", className: "sr-only", text: "Câu hỏi của anh/chị" }),
    input, sendButton]);
  var hint = el("p", { id: "hueai-hint", className: "hint" }, [
    document.createTextNode("Enter để gửi, Shift+Enter để xuống dòng. "), counter]);
  var panel = el("section", { id: "hueai-panel", className: "panel", role: "dialog", "aria-modal": "false",
                              "aria-labelledby": "hueai-title", hidden: "" }, [
    el("header", null, [
      el("div", null, [el("h2", { id: "hueai-title", text: TITLE }),
                       el("p", { className: "subtitle", text: "Hỏi đáp thủ tục hành chính, tra cứu hồ sơ, phản ánh hiện trường" })]),
      closeButton]),
    status, log, typing, form, hint]);

  if (inlineHost) {
    host.classList.add("inline");
    root.appendChild(panel);
    panel.classList.add("inline");
    inlineHost.appendChild(host);
  } else {
    root.appendChild(launcher);
    root.appendChild(panel);
    document.body.appendChild(host);
  }

  var unread = 0;

  function isOpen() { return !panel.hasAttribute("hidden"); }

  function open() {
    panel.removeAttribute("hidden");
    launcher.setAttribute("aria-expanded", "true");
    unread = 0; showUnread();
    connect();
    scrollDown();
    input.focus();
  }

  function close() {
    if (inlineHost) return;
    panel.setAttribute("hidden", "");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function showUnread() {
    if (unread > 0) {
      badge.textContent = String(unread);
      badge.removeAttribute("hidden");
      launcherLabel.textContent = "Hỏi trợ lý ảo (" + unread + " tin nhắn mới)";
    } else {
      badge.setAttribute("hidden", "");
      launcherLabel.textContent = "Hỏi trợ lý ảo";
    }
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function setTyping(on) {
    if (on) typing.removeAttribute("hidden"); else typing.setAttribute("hidden", "");
    if (on) scrollDown();
  }

  // ---- rendering messages --------------------------------------------------------------------

  var WHO = { user: "Anh/chị", bot: "Trợ lý", operator: "Nhân viên hỗ trợ", system: "Thông báo", error: "Lỗi" };

  function removeQuickReplies() {
    var old = log.querySelectorAll(".quick-row");
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
  }

  function sources(list) {
    var items = el("ul");
    list.forEach(function (s) {
      var label = (s.name || s.code) + (s.code && s.name ? " (mã " + s.code + ")" : "");
      items.appendChild(el("li", null, [s.url ? link(label, s.url) : document.createTextNode(label)]));
    });
    return el("div", { className: "sources" }, [el("span", { className: "sources-title", text: "Nguồn: " }), items]);
  }

  function feedbackButtons(entry) {
    var group = el("div", { className: "feedback", role: "group", "aria-label": "Câu trả lời này có hữu ích không?" });
    var up = el("button", { type: "button", "aria-label": "Hữu ích", title: "Hữu ích",
                            "aria-pressed": String(entry.fb === "up"), text: "👍" });
    var down = el("button", { type: "button", "aria-label": "Chưa hữu ích", title: "Chưa hữu ích",
                              "aria-pressed": String(entry.fb === "down"), text: "👎" });
    var thanks = el("span", { className: "thanks", role: "status" });
    function choose(helpful) {
      entry.fb = helpful ? "up" : "down"; save();
      up.setAttribute("aria-pressed", String(helpful));
      down.setAttribute("aria-pressed", String(!helpful));
      sendFeedback(entry.id, helpful, null);
      thanks.textContent = "Cảm ơn anh/chị đã góp ý.";
      if (!helpful && !group.querySelector(".comment")) group.appendChild(commentForm(entry, thanks));
    }
    up.addEventListener("click", function () { choose(true); });
    down.addEventListener("click", function () { choose(false); });
    group.appendChild(up); group.appendChild(down); group.appendChild(thanks);
    return group;
  }

  function commentForm(entry, thanks) {
    var id = "hueai-comment-" + entry.id;
    var field = el("input", { id: id, type: "text", maxlength: "500", placeholder: "Câu trả lời chưa đúng ở đâu?" });
    var submit = el("button", { type: "submit", text: "Gửi góp ý" });
    var f = el("form", { className: "comment" }, [
      el("label", { for: id, className: "sr-only", text: "Góp ý thêm (không bắt buộc)" }), field, submit]);
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = field.value.trim();
      if (!text) return;
      sendFeedback(entry.id, false, text);
      f.parentNode.removeChild(f);
      thanks.textContent = "Đã ghi nhận góp ý của anh/chị.";
    });
    return f;
  }

  function render(entry, isLast) {
    var kind = entry.k;
    var item = el("li", { className: "msg " + kind });
    if (kind === "operator") item.appendChild(el("span", { className: "who", text: WHO[kind] }));
    else item.appendChild(el("span", { className: "sr-only", text: WHO[kind] + ": " }));
    var bubble = el("div", { className: "bubble" });
    if (kind === "user") bubble.textContent = entry.t;
    else bubble.appendChild(markdown(entry.t));
    item.appendChild(bubble);
    if (entry.src && entry.src.length) item.appendChild(sources(entry.src));
    if (kind === "bot" && entry.id && !NO_FEEDBACK[entry.i]) item.appendChild(feedbackButtons(entry));
    log.appendChild(item);
    if (isLast && entry.qr && entry.qr.length) {
      var group = el("div", { className: "quick", role: "group", "aria-label": "Gợi ý trả lời" });
      entry.qr.forEach(function (q) {
        var button = el("button", { type: "button", text: q.title });
        button.addEventListener("click", function () { send(q.payload, q.title); });
        group.appendChild(button);
      });
      log.appendChild(el("li", { className: "quick-row" }, [group]));
    }
  }

  function add(entry, keep) {
    removeQuickReplies();
    render(entry, true);
    if (keep !== false) { state.log.push(entry); save(); }
    scrollDown();
    if (!isOpen() && entry.k !== "user") { unread += 1; showUnread(); }
  }

  function showReply(reply) {
    if (reply.message_id) {
      var id = String(reply.message_id);
      if (state.seen.indexOf(id) >= 0) return; // already shown (a push and a poll may bring the same one)
      state.seen.push(id);
      if (state.seen.length > 200) state.seen = state.seen.slice(-200);
      state.lastId = later(state.lastId, id);
    }
    if (reply.handoff !== undefined) setHandoff(!!reply.handoff);
    if (!reply.reply) { save(); return; } // a message for the operator: nothing to show
    add({ k: reply.sender === "operator" ? "operator" : reply.sender === "system" ? "system" : "bot",
          t: reply.reply, id: reply.message_id, i: reply.intent || "", src: reply.sources || [],
          qr: reply.quick_replies || [] });
  }

  function showError(text) { add({ k: "error", t: text }, false); }

  // ---- sending: one message at a time, in order ---------------------------------------------

  var queue = [];
  var inflight = null;
  var socket = null, socketReady = false;

  function send(text, shown) {
    text = String(text || "").trim();
    if (!text) return;
    add({ k: "user", t: shown || text });
    queue.push({ text: text, cid: randomId().slice(0, 12) });
    pump();
  }

  function pump() {
    if (inflight || !queue.length) return;
    inflight = queue.shift();
    setTyping(true);
    if (socket && socketReady) {
      inflight.via = socket;
      socket.send(JSON.stringify({ type: "message", text: inflight.text, client_id: inflight.cid }));
    } else {
      postMessage(inflight);
    }
  }

  function done() {
    inflight = null;
    setTyping(false);
    pump();
  }

  function errorText(status, body) {
    if (body && typeof body.detail === "string") return body.detail;
    if (status === 429) return "Anh/chị gửi tin nhắn hơi nhanh. Vui lòng chờ một chút rồi gửi tiếp.";
    return "Không gửi được tin nhắn. Anh/chị vui lòng thử lại sau ít phút.";
  }

  function postMessage(item) {
    fetch(ORIGIN + "/api/chat", { method: "POST", headers: { "Content-Type": "application/json" },
                                  body: JSON.stringify({ session_id: state.sid, text: item.text }) })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (inflight !== item) return;
          if (response.ok && body) showReply(body); else showError(errorText(response.status, body));
          done();
        });
      })
      .catch(function () {
        if (inflight !== item) return;
        showError("Không kết nối được tới máy chủ. Anh/chị kiểm tra mạng rồi gửi lại nhé.");
        done();
      });
  }

  function sendFeedback(messageId, helpful, comment) {
    var body = { session_id: state.sid, message_id: String(messageId), helpful: helpful };
    if (comment) body.comment = comment;
    if (socket && socketReady) {
      socket.send(JSON.stringify(Object.assign({ type: "feedback" }, body)));
      return;
    }
    fetch(ORIGIN + "/api/chat/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify(body) }).catch(function () {});
  }

  // ---- the WebSocket, reconnecting with the same session ------------------------------------

  var retry = 0, retryTimer = null, handoff = false, pollTimer = null;

  function setStatus(text) { status.textContent = text || ""; }

  function setHandoff(on) {
    handoff = on;
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    if (handoff && !(socket && socketReady)) pollTimer = setInterval(poll, 3000);
  }

  function poll() {
    if (socket && socketReady) return;
    var url = ORIGIN + "/api/chat/messages?session_id=" + encodeURIComponent(state.sid) +
      (state.lastId ? "&after=" + encodeURIComponent(state.lastId) : "");
    fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
      if (body && body.messages) body.messages.forEach(showReply);
    }).catch(function () {});
  }

  function connect() {
    if (socket || !window.WebSocket) return;
    var url = ORIGIN.replace(/^http/, "ws") + "/ws/chat?session_id=" + encodeURIComponent(state.sid) +
      (state.lastId ? "&after=" + encodeURIComponent(state.lastId) : "");
    var ws;
    try { ws = new WebSocket(url); } catch (e) { scheduleReconnect(); return; }
    socket = ws; socketReady = false;
    var lastBefore = state.lastId;
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "hello") {
        handoff = !!frame.handoff;
      } else if (frame.type === "ready") {
        socketReady = true; retry = 0; setStatus("");
        setHandoff(handoff);
        if (inflight && inflight.via && inflight.via !== ws) {
          // sent on a socket that closed: answered meanwhile if the catch-up brought a message, else resend
          if (state.lastId !== lastBefore) done();
          else { inflight.via = ws; ws.send(JSON.stringify({ type: "message", text: inflight.text, client_id: inflight.cid })); }
        } else {
          pump();
        }
      } else if (frame.type === "typing") {
        setTyping(true);
      } else if (frame.type === "reply") {
        showReply(frame);
        if (inflight && frame.client_id === inflight.cid) done();
      } else if (frame.type === "message") {
        showReply(frame);
      } else if (frame.type === "handoff") {
        setHandoff(!!frame.active);
      } else if (frame.type === "error") {
        if (inflight && (frame.client_id === inflight.cid || frame.client_id == null)) {
          showError(errorText(frame.status, frame));
          done();
        }
      }
    };
    ws.onclose = function () {
      if (socket !== ws) return;
      socket = null; socketReady = false;
      if (handoff) setHandoff(true);
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (retryTimer) return;
    retry = Math.min(retry + 1, 6);
    if (retry > 1) setStatus("Mất kết nối, đang kết nối lại…");
    var delay = Math.min(30000, 500 * Math.pow(2, retry - 1)) * (0.75 + Math.random() * 0.5);
    retryTimer = setTimeout(function () { retryTimer = null; connect(); }, delay);
    if (inflight && inflight.via && retry > 2) { // the socket stays down: finish this message over HTTP
      var item = inflight; item.via = null; postMessage(item);
    }
  }

  window.addEventListener("online", function () {
    if (!socket && retryTimer) { clearTimeout(retryTimer); retryTimer = null; connect(); }
  });

  // ---- input ---------------------------------------------------------------------------------

  function grow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 144) + "px";
    var n = input.value.length;
    counter.textContent = n > MAX_CHARS - 200 ? n + "/" + MAX_CHARS + " ký tự" : "";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = ""; grow();
    send(text);
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  input.addEventListener("input", grow);
  launcher.addEventListener("click", function () { if (isOpen()) close(); else open(); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });

  // ---- start ---------------------------------------------------------------------------------

  if (!state.log.length) {
    state.log.push({ k: "bot", t: "Xin chào anh/chị! Em là trợ lý ảo của Trung tâm Giám sát, điều hành đô thị " +
      "thông minh Huế. Anh/chị cần hỏi thủ tục hành chính, tra cứu hồ sơ hay phản ánh hiện trường ạ?", i: "greet" });
  }
  state.log.forEach(function (entry, i) { render(entry, i === state.log.length - 1); });
  save();
  if (inlineHost || data.open === "true") open();

  window.HueAIChat = { open: open, close: close, send: send, sessionId: function () { return state.sid; } };
})();
