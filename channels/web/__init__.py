"""The web chat channel: what ``POST /api/chat``, ``GET /ws/chat`` and the embeddable widget are made of.

=========================  ===========================================================
module                     what it holds
=========================  ===========================================================
:mod:`.messages`           the wire format (Pydantic): requests, replies, WebSocket frames
:mod:`.text`               cleaning a citizen's text before anyone reads it
:mod:`.limits`             token-bucket rate limits per session and per client address
:mod:`.ordering`           one message of a session at a time, in arrival order
:mod:`.hub`                in-process delivery to open WebSockets (citizens and staff)
:mod:`.service`            :class:`WebChat`, the channel itself, shared by HTTP and WebSocket
:mod:`.socket`             one citizen's WebSocket connection
``static/``                ``widget.js`` and ``widget.css`` (no build step), the demo page
=========================  ===========================================================

The channel talks to the dialogue only through :class:`dialogue.turns.Assistant`
(one turn) and :class:`channels.desk.OperatorDesk` (conversations handed over to
a person); the composition root (``hueai/api/chat.py``) hands both in.

A web session id is chosen by the widget (a random id kept in ``localStorage``)
and acts as the conversation's bearer secret. It is stored as ``web:<id>``, so a
web client can never name another channel's conversation (``zalo:…``).
"""

from pathlib import Path

from channels.web.service import ChatError, WebChat

#: ``widget.js``, ``widget.css`` and ``demo.html``, served as they are.
STATIC = Path(__file__).resolve().parent / "static"

__all__ = ["STATIC", "ChatError", "WebChat"]
