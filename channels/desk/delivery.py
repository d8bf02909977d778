"""Where an operator's reply goes: to the citizen, on the channel the conversation came from.

The staff routes store a reply first (the store is the record), then call
:meth:`Deliveries.deliver` with the stored message. Each channel registers how
it reaches a citizen: the web chat pushes to the citizen's open WebSocket in
this process (its sockets in other processes, and a widget that polls, read the
store); Zalo will send through its outbox. A channel with nothing registered
keeps the message in the store until it is read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from channels.desk.models import DeskMessage

log = structlog.get_logger(__name__)

#: Delivers one stored outgoing message; ``closed`` says the handoff ended with it.
Deliver = Callable[[DeskMessage, bool], Awaitable[None]]


class Deliveries:
    def __init__(self) -> None:
        self._by_channel: dict[str, Deliver] = {}

    def register(self, channel: str, deliver: Deliver) -> None:
        self._by_channel[channel] = deliver

    async def deliver(self, channel: str, message: DeskMessage, *, closed: bool = False) -> bool:
        """Hand ``message`` to its channel; False when the channel has no delivery (it stays in the store)."""
        deliver = self._by_channel.get(channel)
        if deliver is None:
            log.info("desk.no_delivery", channel=channel, message_id=message.message_id)
            return False
        try:
            await deliver(message, closed)
        except Exception:  # stored already: the channel's own retry or poll brings it later
            log.exception("desk.delivery_failed", channel=channel, message_id=message.message_id)
            return False
        return True
