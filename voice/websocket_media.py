"""externalMedia over Asterisk's WebSocket channel driver (``chan_websocket``), shaped like RTP for the transport.

Asterisk 20.16, 21.11, 22.6 and 23 added ``chan_websocket``: a call's audio as raw codec bytes in
BINARY WebSocket messages (from Asterisk, one 20 ms frame per message), control and events as
TEXT messages. The callbot creates the channel with ``POST /channels/externalMedia?transport=
websocket&encapsulation=none&external_host=INCOMING&connection_type=server&format=…`` and then
connects to ``/media/<MEDIA_WEBSOCKET_CONNECTION_ID>`` on Asterisk's HTTP server (subprotocol
``media``), so nothing has to reach the callbot from Asterisk: no UDP port range, no NAT.
Asterisk answers with ``MEDIA_START connection_id:… channel:… format:… optimal_frame_size:…``.
The protocol followed is the one documented at docs.asterisk.org, *Configuration / Channel
Drivers / WebSocket* (plain-text control messages, the default ``control_message_format``).

:class:`WebSocketMediaEndpoint` has the face of :class:`voice.media.RtpEndpoint` (``on_datagram``,
``send``, ``stats``, ``flush``): each BINARY message from Asterisk is handed on as an RTP packet
with the next sequence number and timestamp, and each RTP packet the transport sends goes out as
its payload alone. So the inbound jitter buffer and playout clock, the outbound pacer (which keeps
Pipecat's "bot speaking" state in step with what the caller hears) and every statistic are the RTP
path's own. What differs: Asterisk times the frames it plays, so the pacer runs
:data:`WEBSOCKET_LEAD_PACKETS` ahead (a stall of the callbot shorter than that is not heard), when
the caller barges in the transport sends ``FLUSH_MEDIA`` (:meth:`flush`) and anything Asterisk
still holds is dropped, and ``MEDIA_XOFF``/``MEDIA_XON`` (Asterisk's queue near full) stop and
resume sending.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import structlog

from voice.media import MediaStats
from voice.rtp import Codec, RtpError, RtpPacket, parse

log = structlog.get_logger(__name__)

SUBPROTOCOL = "media"
CONNECTION_ID_VARIABLE = "MEDIA_WEBSOCKET_CONNECTION_ID"
#: Packets sent ahead of their time (100 ms): Asterisk plays them on its own clock, FLUSH_MEDIA drops them.
WEBSOCKET_LEAD_PACKETS = 5


class MediaUnavailable(RuntimeError):
    """The media WebSocket could not be opened: the caller goes to the operators instead."""


def media_url(ari_url: str, connection_id: str) -> str:
    """``ws(s)://<Asterisk's HTTP server>/media/<connection id>`` for an ARI base URL (``…/ari`` or not)."""
    parts = urlsplit(ari_url.rstrip("/"))
    scheme = "wss" if parts.scheme == "https" else "ws"
    prefix = parts.path.removesuffix("/ari")
    return urlunsplit((scheme, parts.netloc, f"{prefix}/media/{connection_id}", "", ""))


def parse_notification(text: str) -> tuple[str, dict[str, str]]:
    """``"MEDIA_START connection_id:abc format:ulaw"`` -> ``("MEDIA_START", {"connection_id": "abc", ...})``.

    Words without a colon (``MEDIA_BUFFERING_COMPLETED <id>``) are kept under their position.
    """
    name, *words = text.strip().split(" ")
    fields: dict[str, str] = {}
    for index, word in enumerate(words):
        key, colon, value = word.partition(":")
        if colon:
            fields[key] = value
        elif word:
            fields[str(index)] = word
    return name, fields


class WebSocketMediaEndpoint:
    """One call's ``chan_websocket`` connection, seen by the transport as an RTP endpoint (module docstring)."""

    def __init__(self, codec: Codec, on_datagram: Callable[[bytes], None] = lambda data: None) -> None:
        self.codec = codec
        self.on_datagram = on_datagram
        self.stats = MediaStats()
        self.paused = False  # between MEDIA_XOFF and MEDIA_XON
        self._websocket: aiohttp.ClientWebSocketResponse | None = None
        self._session: aiohttp.ClientSession | None = None
        self._reader: asyncio.Task | None = None
        self._sequence = random.getrandbits(16)
        self._timestamp = random.getrandbits(32)
        self._ssrc = random.getrandbits(32)

    async def connect(self, url: str, *, auth: aiohttp.BasicAuth | None = None, timeout: float = 5.0) -> None:
        """Open the media WebSocket and start reading it; raises :class:`aiohttp.ClientError` if refused."""
        self._session = aiohttp.ClientSession(auth=auth, timeout=aiohttp.ClientTimeout(total=None,
                                                                                     sock_connect=timeout))
        try:
            self._websocket = await self._session.ws_connect(url, protocols=(SUBPROTOCOL,), heartbeat=20.0,
                                                             max_msg_size=65_500)
        except BaseException:
            await self._session.close()
            raise
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self._websocket is not None
        async for message in self._websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self._on_audio(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                self._on_text(message.data)
            elif message.type == aiohttp.WSMsgType.ERROR:
                log.warning("media_ws.error", error=str(self._websocket.exception()))
                break

    def _on_audio(self, payload: bytes) -> None:
        self.stats.datagrams += 1
        packet = RtpPacket(self.codec.payload_type, self._sequence, self._timestamp, self._ssrc, payload)
        self._sequence = (self._sequence + 1) & 0xFFFF
        self._timestamp = (self._timestamp + max(1, self.codec.samples(payload))) & 0xFFFFFFFF
        self.on_datagram(packet.to_bytes())

    def _on_text(self, text: str) -> None:
        name, fields = parse_notification(text)
        if name == "MEDIA_START":
            if fields.get("format") not in (None, self.codec.name):
                log.warning("media_ws.format_mismatch", asked=self.codec.name, got=fields.get("format"))
        elif name == "MEDIA_XOFF":
            self.paused = True
        elif name == "MEDIA_XON":
            self.paused = False
        log.debug("media_ws.notification", name=name, **fields)

    # -- sending -----------------------------------------------------------------------------------------
    def send(self, data: bytes) -> bool:
        """Send an RTP packet's payload as one BINARY message (the header is this side's bookkeeping only)."""
        websocket = self._websocket
        if websocket is None or websocket.closed or self.paused:
            return False
        try:
            payload = parse(data).payload
        except RtpError:
            self.stats.send_errors += 1
            return False
        self._queue(websocket.send_bytes(payload))
        self.stats.sent += 1
        return True

    def flush(self) -> None:
        """Drop the audio Asterisk has queued but not played yet (barge-in)."""
        self.command("FLUSH_MEDIA")

    def command(self, text: str) -> None:
        websocket = self._websocket
        if websocket is not None and not websocket.closed:
            self._queue(websocket.send_str(text))

    def _queue(self, sending: object) -> None:
        # aiohttp's send_* are coroutines that only await the socket's write buffer; the transport
        # sends from synchronous code, so each send becomes a task (they run in order of creation).
        task = asyncio.ensure_future(sending)  # type: ignore[arg-type]
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.stats.send_errors += 1

    async def aclose(self) -> None:
        if self._websocket is not None and not self._websocket.closed:
            await self._websocket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
