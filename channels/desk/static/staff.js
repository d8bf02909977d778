/*
 * The operators' desk, on top of the server-rendered page (/staff): the live list of handed-over
 * conversations (WebSocket /staff/ws, or polling /staff/api/handoffs when the socket is down), the
 * transcript of the chosen one, replying, closing, and correcting a wrong answer; and the "Cuộc gọi" tab, the
 * hotline's calls (/staff/api/calls, newest first, loaded when the tab is opened) and a chosen call's turns.
 * Every text is put in the page with textContent; requests that change something carry the CSRF
 * token from <meta name="csrf-token">.
 */
(function () {
  "use strict";
  var CSRF = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var REASONS = { request_human: "yêu cầu gặp nhân viên", emergency: "KHẨN CẤP", not_understood: "trợ lý không hiểu",
                  operator: "nhân viên chủ động" };
  var CHANNELS = { web: "Web", zalo: "Zalo", voice: "Tổng đài" };
  var SENDERS = { citizen: "Công dân", assistant: "Trợ lý ảo", operator: "Nhân viên", system: "Hệ thống" };
  // The callbot's words (voice.call, voice.flow, voice.timing); one it adds later shows as it is stored.
  var TRANSFERS = { emergency: "KHẨN CẤP", request_human: "yêu cầu gặp nhân viên", dtmf: "bấm phím 0",
                    dialogue_unavailable: "trợ lý không trả lời được", error: "lỗi hệ thống" };
  var ENDINGS = { caller_hangup: "người gọi gác máy", transferred: "đã chuyển nhân viên",
                  transfer_failed: "chuyển nhân viên không được", silence: "người gọi im lặng",
                  max_length: "quá thời lượng tối đa", asterisk_lost: "mất kết nối tổng đài",
                  ari_error: "tổng đài báo lỗi", media_lost: "mất âm thanh", no_port: "hết cổng âm thanh", no_media: "không mở được âm thanh",
                  error: "lỗi hệ thống", shutdown: "dịch vụ dừng" };
  var TURN_SOURCES = { speech: "Người gọi nói", dtmf: "Người gọi bấm phím", system: "Hệ thống" };
  var STAGES = [["end_of_turn", "nhận biết hết lượt"], ["asr", "nhận dạng"], ["dialogue", "hội thoại"],
                ["tts", "tổng hợp giọng nói"], ["total", "tổng"], ["overhead", "xử lý nội bộ"]];

  var list = document.getElementById("handoffs");
  var count = document.getElementById("queue-count");
  var connection = document.getElementById("connection");
  var title = document.getElementById("conversation-title");
  var transcript = document.getElementById("transcript");
  var replyForm = document.getElementById("reply");
  var replyText = document.getElementById("reply-text");
  var closeButton = document.getElementById("close");
  var status = document.getElementById("desk-status");
  var correction = document.getElementById("correction");
  var correctionQuestion = document.getElementById("correction-question");
  var correctionSearch = document.getElementById("correction-search");
  var correctionQuery = document.getElementById("correction-query");
  var correctionPick = document.getElementById("correction-pick");
  var correctionResults = document.getElementById("correction-results");
  var correctionComment = document.getElementById("correction-comment");
  var correctionCancel = document.getElementById("correction-cancel");
  var tabs = [document.getElementById("tab-chats"), document.getElementById("tab-calls")];
  var callList = document.getElementById("call-list");
  var callsCount = document.getElementById("calls-count");
  var callsTransferred = document.getElementById("calls-transferred");
  var callsRefresh = document.getElementById("calls-refresh");
  var callsMore = document.getElementById("calls-more");
  var callTitle = document.getElementById("call-title");
  var callFacts = document.getElementById("call-facts");
  var callTurns = document.getElementById("call-turns");

  var current = null;        // the open conversation's id
  var correcting = null;     // {messageId, button} being corrected
  var items = [];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) if (attrs[key] != null) node.setAttribute(key, attrs[key]);
    if (text != null) node.textContent = text;
    return node;
  }

  function say(text) { status.textContent = text; }

  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": CSRF } };
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(path, options).then(function (response) {
      if (response.status === 401) { location.href = "/staff/login"; throw new Error("signed out"); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.detail || ("Lỗi " + response.status));
        return data;
      });
    });
  }

  function label(item) {
    var state = item.state === "waiting" ? "đang chờ" : "đang hỗ trợ (" + (item.operator || "?") + ")";
    return (CHANNELS[item.channel] || item.channel) + " · " + (REASONS[item.reason] || item.reason) + " · " + state;
  }

  // -- the list ---------------------------------------------------------------------------------

  function renderList(next) {
    items = next;
    list.textContent = "";
    next.forEach(function (item) {
      var button = el("button", { type: "button", "class": "handoff" + (item.urgent ? " urgent" : ""),
                                  "data-session": item.session_id,
                                  "aria-current": item.session_id === current ? "true" : null });
      button.appendChild(el("span", { "class": "label" }, label(item)));
      button.appendChild(el("span", { "class": "last" }, (item.last_text || "").slice(0, 140)));
      var li = el("li");
      li.appendChild(button);
      list.appendChild(li);
    });
    count.textContent = next.length ? next.length + " cuộc trò chuyện" : "Không có cuộc trò chuyện nào cần hỗ trợ.";
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button.handoff");
    if (button) open(button.getAttribute("data-session"));
  });

  // -- one conversation -------------------------------------------------------------------------

  function renderMessage(m) {
    var li = el("li", { "class": "message " + m.sender, "data-id": m.message_id });
    var head = el("p", { "class": "meta" });
    head.appendChild(el("strong", null, SENDERS[m.sender] || m.sender));
    var when = new Date(m.created_at);
    head.appendChild(document.createTextNode(" · " + (isNaN(when) ? "" : when.toLocaleTimeString("vi-VN")) +
      (m.intent ? " · ý định: " + m.intent : "") + (m.operator && m.sender === "operator" ? " · " + m.operator : "")));
    li.appendChild(head);
    li.appendChild(el("p", { "class": "text" }, m.text || "(không có nội dung)"));
    if (m.sources && m.sources.length) {
      li.appendChild(el("p", { "class": "sources" }, "Nguồn: " + m.sources.map(function (s) {
        return s.name + " (" + s.code + ")";
      }).join("; ")));
    }
    if (m.sender === "assistant" && m.text) {
      var wrong = el("button", { type: "button", "class": "secondary small" }, "Đánh dấu trả lời sai");
      wrong.addEventListener("click", function () { startCorrection(m, wrong); });
      li.appendChild(wrong);
    }
    return li;
  }

  function open(sessionId) {
    current = sessionId;
    renderList(items);
    return load().then(function () {
      replyForm.hidden = false;
      title.focus();
    });
  }

  function load() {
    if (!current) return Promise.resolve();
    var id = current;
    return api("GET", "/staff/api/conversations/" + encodeURIComponent(id)).then(function (data) {
      if (id !== current) return;
      var item = items.filter(function (i) { return i.session_id === id; })[0];
      title.textContent = "Cuộc trò chuyện " + id + (item ? " · " + label(item) : "");
      transcript.textContent = "";
      data.messages.forEach(function (m) { transcript.appendChild(renderMessage(m)); });
      transcript.scrollTop = transcript.scrollHeight;
    }).catch(function (error) { say(error.message); });
  }

  replyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = replyText.value.trim();
    if (!text || !current) return;
    var id = current;
    api("POST", "/staff/api/conversations/" + encodeURIComponent(id) + "/reply", { text: text }).then(function () {
      replyText.value = "";
      say("Đã gửi trả lời.");
      return load();
    }).catch(function (error) { say("Không gửi được: " + error.message); });
  });

  replyText.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); replyForm.requestSubmit(); }
  });

  closeButton.addEventListener("click", function () {
    if (!current) return;
    var id = current;
    api("POST", "/staff/api/conversations/" + encodeURIComponent(id) + "/close").then(function () {
      say("Đã trả cuộc trò chuyện cho trợ lý ảo.");
      current = null;
      replyForm.hidden = true;
      transcript.textContent = "";
      title.textContent = "Chọn một cuộc trò chuyện";
      return refresh();
    }).catch(function (error) { say("Không kết thúc được: " + error.message); });
  });

  // -- correcting an answer ---------------------------------------------------------------------

  function startCorrection(message, button) {
    correcting = { messageId: message.message_id, button: button, sessionId: current };
    var previous = button.closest("li").previousElementSibling;
    var question = previous && previous.classList.contains("citizen") ? previous.querySelector(".text").textContent : "";
    correctionQuestion.textContent = question ? "Câu hỏi: " + question : "";
    correctionQuery.value = question;
    correctionResults.textContent = "";
    correctionComment.value = "";
    correction.hidden = false;
    correctionQuery.focus();
    if (question) search();
  }

  function search() {
    var q = correctionQuery.value.trim();
    if (!q) return;
    api("GET", "/staff/api/procedures?q=" + encodeURIComponent(q)).then(function (data) {
      correctionResults.textContent = "";
      var found = data.results || [];
      if (!found.length) { correctionResults.appendChild(el("li", null, "Không tìm thấy thủ tục nào.")); return; }
      found.forEach(function (hit, i) {
        var id = "pick-" + i;
        var li = el("li");
        var radio = el("input", { type: "radio", name: "code", id: id, value: hit.code });
        li.appendChild(radio);
        li.appendChild(el("label", { "for": id }, hit.name + " (" + hit.code + ")"));
        correctionResults.appendChild(li);
      });
    }).catch(function () { say("Không tìm được thủ tục."); });
  }

  correctionSearch.addEventListener("submit", function (event) { event.preventDefault(); search(); });
  correctionCancel.addEventListener("click", function () {
    correction.hidden = true;
    if (correcting) correcting.button.focus();
    correcting = null;
  });
  correctionPick.addEventListener("submit", function (event) {
    event.preventDefault();
    var picked = correctionPick.querySelector('input[name="code"]:checked');
    if (!picked || !correcting) { say("Hãy chọn một thủ tục."); return; }
    var target = correcting;
    api("POST", "/staff/api/conversations/" + encodeURIComponent(target.sessionId) + "/messages/" +
        encodeURIComponent(target.messageId) + "/correction",
        { correct_code: picked.value, comment: correctionComment.value.trim() || undefined }).then(function (data) {
      correction.hidden = true;
      target.button.textContent = "Đã sửa: " + data.name + " (" + data.correct_code + ")";
      target.button.disabled = true;
      say("Đã lưu thủ tục đúng: " + data.correct_code + ".");
      correcting = null;
    }).catch(function (error) { say("Không lưu được: " + error.message); });
  });

  // -- tabs -------------------------------------------------------------------------------------

  function showTab(tab) {
    tabs.forEach(function (t) {
      var chosen = t === tab;
      t.setAttribute("aria-selected", chosen ? "true" : "false");
      t.tabIndex = chosen ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !chosen;
    });
    if (tab.id === "tab-calls") loadCalls(false);
  }

  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { showTab(tab); });
    tab.addEventListener("keydown", function (event) {  // the ARIA tabs pattern: arrows move between tabs
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
      var next = tabs[(i + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      showTab(next);
      next.focus();
    });
  });

  // -- hotline calls ----------------------------------------------------------------------------

  var calls = [], currentCall = null;

  function time(iso) {
    var when = new Date(iso);
    return isNaN(when) ? "" : when.toLocaleString("vi-VN");
  }

  function callLabel(call) {
    var parts = [call.caller, call.mode === "dtmf" ? "menu phím bấm" : "hội thoại giọng nói"];
    if (call.transfer_reason) {
      parts.push("chuyển nhân viên: " + (TRANSFERS[call.transfer_reason] || call.transfer_reason));
    } else if (!call.ended_at) {
      parts.push("đang gọi");
    } else {
      parts.push(ENDINGS[call.end_reason] || call.end_reason || "đã kết thúc");
    }
    return parts.join(" · ");
  }

  function renderCalls() {
    callList.textContent = "";
    calls.forEach(function (call) {
      var urgent = call.transfer_reason === "emergency";
      var button = el("button", { type: "button", "class": "handoff" + (urgent ? " urgent" : ""), "data-call": call.id,
                                  "aria-current": call.id === currentCall ? "true" : null });
      button.appendChild(el("span", { "class": "label" }, callLabel(call)));
      button.appendChild(el("span", { "class": "last" }, time(call.started_at) + " · " + call.turns + " lượt"));
      var li = el("li");
      li.appendChild(button);
      callList.appendChild(li);
    });
    callsCount.textContent = calls.length ? calls.length + " cuộc gọi" : "Chưa có cuộc gọi nào.";
  }

  function loadCalls(more) {
    var query = "?limit=50";
    if (callsTransferred.checked) query += "&transferred=true";
    if (more && calls.length) query += "&before=" + encodeURIComponent(calls[calls.length - 1].started_at);
    return api("GET", "/staff/api/calls" + query).then(function (page) {
      calls = more ? calls.concat(page) : page;
      callsMore.hidden = page.length < 50;
      renderCalls();
    }).catch(function (error) { callsCount.textContent = "Không tải được danh sách cuộc gọi: " + error.message; });
  }

  function stages(latency) {
    return STAGES.filter(function (s) { return latency && latency[s[0]] != null; }).map(function (s) {
      return s[1] + " " + Math.round(latency[s[0]]) + " ms";
    }).join(" · ");
  }

  function renderTurn(turn) {
    var li = el("li", { "class": "message " + (turn.source === "system" ? "system" : "citizen") });
    var head = el("p", { "class": "meta" });
    head.appendChild(el("strong", null, TURN_SOURCES[turn.source] || turn.source));
    head.appendChild(document.createTextNode(" · " + time(turn.at) + (turn.intent ? " · ý định: " + turn.intent : "") +
      (turn.barge_in ? " · người gọi ngắt lời" : "")));
    li.appendChild(head);
    if (turn.transcript != null) {
      li.appendChild(el("p", { "class": "text" }, "Nghe được: " + (turn.transcript || "(không nghe rõ)")));
    }
    if (turn.keys) li.appendChild(el("p", { "class": "text" }, "Phím: " + turn.keys));
    li.appendChild(el("p", { "class": "text reply" }, "Trợ lý: " + turn.reply));
    var latency = stages(turn.latency_ms);
    if (latency) li.appendChild(el("p", { "class": "sources" }, "Độ trễ: " + latency));
    return li;
  }

  function openCall(id) {
    currentCall = id;
    renderCalls();
    return api("GET", "/staff/api/calls/" + encodeURIComponent(id)).then(function (call) {
      if (id !== currentCall) return;
      callTitle.textContent = "Cuộc gọi từ " + call.caller;
      var facts = ["bắt đầu " + time(call.started_at)];
      facts.push(call.ended_at ? "kết thúc " + time(call.ended_at) + " (" +
                                 (ENDINGS[call.end_reason] || call.end_reason) + ")" : "đang gọi");
      if (call.transfer_reason) {
        facts.push("chuyển nhân viên: " + (TRANSFERS[call.transfer_reason] || call.transfer_reason));
      }
      if (call.recording) facts.push("có ghi âm");
      callFacts.textContent = facts.join(" · ");
      callTurns.textContent = "";
      call.transcript.forEach(function (turn) { callTurns.appendChild(renderTurn(turn)); });
      callTitle.focus();
    }).catch(function (error) { callFacts.textContent = error.message; });
  }

  callList.addEventListener("click", function (event) {
    var button = event.target.closest("button.handoff");
    if (button) openCall(button.getAttribute("data-call"));
  });
  callsTransferred.addEventListener("change", function () { loadCalls(false); });
  callsRefresh.addEventListener("click", function () { loadCalls(false); });
  callsMore.addEventListener("click", function () { loadCalls(true); });

  // -- live updates -----------------------------------------------------------------------------

  var socket = null, retry = 0, pollTimer = null;

  function refresh() {
    return api("GET", "/staff/api/handoffs").then(renderList).catch(function () {});
  }

  function connect() {
    var ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/staff/ws");
    socket = ws;
    ws.onopen = function () {
      retry = 0; connection.textContent = "";
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    };
    ws.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "handoffs") {
        var before = items.filter(function (i) { return i.session_id === current; })[0];
        var after = frame.items.filter(function (i) { return i.session_id === current; })[0];
        renderList(frame.items);
        if (current && after && (!before || before.last_text !== after.last_text)) load();
      } else if (frame.type === "conversation" && frame.session_id === current) {
        load();
      }
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      if (event.code === 4401) { location.href = "/staff/login"; return; }
      if (event.code === 4403) { connection.textContent = "Tài khoản không có quyền dùng bàn hỗ trợ."; return; }
      connection.textContent = "Mất kết nối trực tiếp, đang thử lại… (danh sách vẫn được cập nhật mỗi 5 giây)";
      if (!pollTimer) pollTimer = setInterval(function () { refresh(); load(); }, 5000);
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, retry - 1)));
    };
  }

  connect();
})();
