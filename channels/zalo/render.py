"""A stored reply as the Zalo messages that carry it: the bodies of ``POST /v3.0/oa/message/cs``.

The dialogue renders its replies for Zalo already (:mod:`dialogue.render`: plain text of at most
2,000 characters, at most 5 buttons); this module makes Zalo requests of them and guards the
limits again, because operators' replies and notices reach it too:

* **text**, NFC-normalised (Vietnamese has two ways to write most letters, and Zalo counts
  characters): at most :data:`MAX_TEXT` characters per message. A longer text is split at a
  paragraph, then a line, then a sentence, then a word boundary, into several messages sent in
  order;
* **quick replies** become buttons of type ``oa.query.hide`` on the last message: pressing one
  sends its payload (``/ask_fee``) back as the citizen's next message without showing it in the
  chat. At most :data:`MAX_BUTTONS` buttons, titles of at most :data:`MAX_TITLE` characters,
  payloads of at most :data:`MAX_PAYLOAD` characters (Zalo's ``buttons`` parameter,
  ``docs/official-account/phu-luc/cau-truc-cua-tham-so-buttons``);
* where buttons cannot be used (turned off, more than five, a payload too long, or Zalo refused
  them), the options are written as **numbered text** ("1. Lệ phí") and the payloads are kept,
  so a reply of just "1" is read as pressing the first (see :mod:`channels.zalo.processor`).

A text message::

    {"recipient": {"user_id": "2468458835296117922"},
     "message": {"text": "Dạ, ..."}}

and with buttons::

    {"recipient": {"user_id": "..."},
     "message": {"text": "Dạ, ...",
                 "attachment": {"type": "template", "payload": {"buttons": [
                     {"title": "Lệ phí", "type": "oa.query.hide", "payload": "/ask_fee"}]}}}}
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_TITLE = 100
MAX_PAYLOAD = 1000
CHOOSE = "Anh/chị nhắn số để chọn:"
_BREAKS = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ")


@dataclass
class Part:
    """One Zalo message of a reply."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    options: list[str] | None = None  # the payloads of numbered options written in the text


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at the most natural boundary found in the
    second half of each piece (a word is cut only when one alone is longer than half the limit)."""
    text = normalise(text)
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for mark in _BREAKS:
            at = window.rfind(mark)
            if at >= limit // 2:
                cut = at + len(mark.rstrip(" ")) if mark.strip() else at
                break
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def numbered(options: Sequence[dict[str, str]]) -> str:
    return CHOOSE + "\n" + "\n".join(f"{i}. {o['title']}" for i, o in enumerate(options, 1))


def _quick(quick_replies: Sequence[dict[str, Any]] | None) -> list[dict[str, str]]:
    out = []
    for reply in quick_replies or []:
        title, payload = str(reply.get("title") or "").strip(), str(reply.get("payload") or "").strip()
        if title and payload:
            out.append({"title": normalise(title), "payload": payload})
    return out


def _title(title: str) -> str:
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def render(text: str, quick_replies: Sequence[dict[str, Any]] | None = None, *, buttons: bool = True) -> list[Part]:
    """The Zalo messages of one reply (none for an empty reply with nothing to choose)."""
    options = _quick(quick_replies)
    as_buttons = buttons and bool(options) and len(options) <= MAX_BUTTONS and all(
        len(o["payload"]) <= MAX_PAYLOAD for o in options)
    body = normalise(text)
    if options and not as_buttons:
        body = f"{body}\n\n{numbered(options)}" if body else numbered(options)
    pieces = split_text(body) if body else []
    if not pieces and options:
        pieces = [CHOOSE.rstrip(":") + "."]
    parts = [Part(text=piece) for piece in pieces]
    if parts and options:
        if as_buttons:
            parts[-1].buttons = [{"title": _title(o["title"]), "type": "oa.query.hide", "payload": o["payload"]}
                                 for o in options]
        else:
            parts[-1].options = [o["payload"] for o in options]
    return parts


def request(user_id: str, part: Part) -> dict[str, Any]:
    """The JSON body of ``POST /v3.0/oa/message/cs`` for one part."""
    message: dict[str, Any] = {"text": part.text}
    if part.buttons:
        message["attachment"] = {"type": "template", "payload": {"buttons": part.buttons}}
    return {"recipient": {"user_id": user_id}, "message": message}


def without_buttons(payload: dict[str, Any]) -> tuple[dict[str, Any], list[str]] | None:
    """A body with buttons rewritten as numbered text (when Zalo refused the buttons), with the options'
    payloads; None when the body has no buttons."""
    message = payload.get("message") or {}
    buttons = ((message.get("attachment") or {}).get("payload") or {}).get("buttons") or []
    if not buttons:
        return None
    options = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in buttons]
    listing = numbered(options)
    text = str(message.get("text") or "")
    room = MAX_TEXT - len(listing) - 2
    if len(text) > room:
        text = text[: max(room - 1, 0)].rstrip() + "…"
    rewritten = {**payload, "message": {"text": f"{text}\n\n{listing}" if text else listing}}
    return rewritten, [o["payload"] for o in options]


_NUMBER = re.compile(r"^\s*(?:số\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


def chosen(text: str, options: Sequence[str] | None) -> str | None:
    """The payload a bare number picks from the numbered ``options`` last sent ("2" → the second)."""
    if not options:
        return None
    match = _NUMBER.match(text)
    if not match:
        return None
    index = int(match.group(1)) - 1
    return options[index] if 0 <= index < len(options) else None


def text_of(payload: dict[str, Any]) -> str:
    return str((payload.get("message") or {}).get("text") or "")
