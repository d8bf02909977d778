"""In-process delivery to open WebSockets: a citizen's replies from operators, the staff desk's updates.

>>> with hub.citizen("web:abc") as inbox:     # a citizen's socket listens
...     event = await inbox.get()
>>> hub.to_citizen("web:abc", {...})          # an operator's reply, from the staff route

Each listener has a bounded queue; a listener that falls ``QUEUE`` events
behind is dropped (its socket closes and the widget reconnects, asking for what
it missed). Everything runs on the event loop: publish from async code only.

Events published in another server process never arrive here: the sockets
also poll the database (``poll_seconds``), so a reply reaches the citizen
whichever process an operator used, at worst a poll later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

QUEUE = 256
#: Put in a listener's queue when it was dropped for falling behind.
OVERFLOW: dict[str, Any] = {"type": "overflow"}


class Hub:
    def __init__(self) -> None:
        self._citizens: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._staff: set[asyncio.Queue[dict[str, Any]]] = set()

    @contextmanager
    def citizen(self, conversation_id: str) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE)
        self._citizens.setdefault(conversation_id, set()).add(inbox)
        try:
            yield inbox
        finally:
            listeners = self._citizens.get(conversation_id, set())
            listeners.discard(inbox)
            if not listeners:
                self._citizens.pop(conversation_id, None)

    @contextmanager
    def staff(self) -> Iterator[asyncio.Queue[dict[str, Any]]]:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE)
        self._staff.add(inbox)
        try:
            yield inbox
        finally:
            self._staff.discard(inbox)

    def to_citizen(self, conversation_id: str, event: dict[str, Any]) -> int:
        """Deliver to every open socket of the conversation here; how many there were."""
        listeners = list(self._citizens.get(conversation_id, ()))
        for inbox in listeners:
            _put(inbox, event)
        return len(listeners)

    def to_staff(self, event: dict[str, Any]) -> None:
        for inbox in list(self._staff):
            _put(inbox, event)

    def listening(self, conversation_id: str) -> bool:
        return bool(self._citizens.get(conversation_id))


def _put(inbox: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    try:
        inbox.put_nowait(event)
    except asyncio.QueueFull:  # a listener this far behind reconnects and catches up from the database
        while not inbox.empty():
            inbox.get_nowait()
        inbox.put_nowait(OVERFLOW)
