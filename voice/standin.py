"""A stand-in for Asterisk, for tests and benchmarks: its ARI and its externalMedia RTP, on loopback.

It follows the published contract, not a guess: the REST resources, parameters, status codes
and JSON models of Asterisk's ARI swagger files (``rest-api/api-docs/channels.json``,
``bridges.json``, ``events.json`` in github.com/asterisk/asterisk, read at commit
``f0c1c1a7b79b0f8cc0311649bf36824cbeee30a9``), and the behaviour of ``channels/chan_rtp.c`` for
externalMedia: the ``UnicastRTP`` channel gets a local RTP address of its own, reported in the
channel variables ``UNICASTRTP_LOCAL_ADDRESS``/``UNICASTRTP_LOCAL_PORT``, sends the bridge's
audio from there to ``external_host`` as 20 ms packets (payload types 0 ulaw, 8 alaw, 118
slin16 big-endian, as ``main/rtp_engine.c`` assigns them), steadily, silence included, and
plays what comes back. For ``transport=websocket`` it follows ``chan_websocket`` as documented at
docs.asterisk.org (*Configuration / Channel Drivers / WebSocket*): the channel waits for the app
on ``/media/<MEDIA_WEBSOCKET_CONNECTION_ID>`` (subprotocol ``media``), greets it with
``MEDIA_START``, sends the bridge's audio as one BINARY frame every 20 ms, queues what the app
sends and plays it out one frame per 20 ms (``MEDIA_XOFF`` at 900 queued frames, ``MEDIA_XON``
below 800), and obeys ``FLUSH_MEDIA``, ``PAUSE_MEDIA``/``CONTINUE_MEDIA``, ``GET_STATUS`` and
``HANGUP``.

What it implements (the subset a callbot uses)::

    GET    /ari/events?app=&subscribeAll=      WebSocket; 401 without credentials
    GET    /ari/channels/{channelId}            200 Channel | 404
    POST   /ari/channels/{channelId}/answer     204 | 404 | 409 not in Stasis
    POST   /ari/channels/{channelId}/continue   204 | 404 | 409   (-> StasisEnd)
    DELETE /ari/channels/{channelId}            204 | 404         (-> StasisEnd, ChannelDestroyed)
    GET    /ari/channels/{channelId}/variable   200 Variable | 404
    POST   /ari/channels/externalMedia          200 Channel | 400 | 409   (-> StasisStart)
    GET    /media/{connectionId}                WebSocket (chan_websocket, transport=websocket) | 404
    POST   /ari/bridges                         200 Bridge
    POST   /ari/bridges/{bridgeId}/addChannel   204 | 400 | 404 | 422
    DELETE /ari/bridges/{bridgeId}              204 | 404

and, to drive calls from a test: :meth:`StandInAsterisk.place_call` (a caller channel entering
``Stasis(app)``), :class:`Caller` (speak, press keys, hang up, listen to what comes back),
and faults: an HTTP status for the next matching request (:meth:`~StandInAsterisk.fail`), the
events WebSocket dropped (:meth:`~StandInAsterisk.drop_events`), Asterisk restarting
(:meth:`~StandInAsterisk.restart`), raw datagrams on a call's RTP port (:meth:`Caller.send_raw`).
The opt-in tests run the same scenarios against a real Asterisk.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from voice.audio import resample
from voice.pacing import Pacer
from voice.rtp import CODECS, Codec, RtpError, RtpPacket, parse

ASTERISK_ID = "02:42:ac:11:00:02"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


@dataclass
class Channel:
    id: str
    name: str
    caller_number: str = ""
    state: str = "Ring"
    in_stasis: bool = True
    bridge: str | None = None
    dialplan: tuple[str, str, int] = ("from-pstn", "19001075", 2)
    channelvars: dict[str, str] = field(default_factory=dict)
    media: MediaSide | WebSocketMediaSide | None = None
    creationtime: str = field(default_factory=_now)

    def model(self) -> dict[str, Any]:
        """The ``Channel`` model of channels.json."""
        context, exten, priority = self.dialplan
        model = {"id": self.id, "protocol_id": "", "name": self.name, "state": self.state,
                 "caller": {"name": "", "number": self.caller_number}, "connected": {"name": "", "number": ""},
                 "accountcode": "", "dialplan": {"context": context, "exten": exten, "priority": priority,
                                                 "app_name": "Stasis", "app_data": "callbot"},
                 "creationtime": self.creationtime, "language": "vi"}
        if self.channelvars:
            model["channelvars"] = dict(self.channelvars)
        return model


@dataclass
class Bridge:
    id: str
    bridge_type: str
    name: str
    channels: list[str] = field(default_factory=list)

    def model(self) -> dict[str, Any]:
        """The ``Bridge`` model of bridges.json."""
        return {"id": self.id, "technology": "simple_bridge", "bridge_type": self.bridge_type,
                "bridge_class": "stasis", "creator": "Stasis", "name": self.name, "channels": list(self.channels),
                "creationtime": _now(), "video_mode": "none"}


def queue_caller_audio(codec: Codec, outgoing: deque[bytes], pcm: bytes, rate: int) -> float:
    """Queue 16-bit PCM (any rate) as 20 ms frames of ``codec``; returns its length in seconds."""
    pcm = resample(pcm, rate, codec.sample_rate)
    size = codec.sample_rate * 20 // 1000 * 2
    pcm += bytes(-len(pcm) % size)
    for start in range(0, len(pcm), size):
        outgoing.append(codec.encode(pcm[start:start + size]))
    return len(pcm) / 2 / codec.sample_rate


class MediaSide(asyncio.DatagramProtocol):
    """chan_rtp's end of an externalMedia channel: sends the caller's audio every 20 ms, records what returns."""

    def __init__(self, codec: Codec, remote: tuple[str, int]) -> None:
        self.codec = codec
        self.remote = remote
        self.transport: asyncio.DatagramTransport | None = None
        self.local: tuple[str, int] = ("127.0.0.1", 0)
        self.outgoing: deque[bytes] = deque()  # caller audio, one packet payload each
        self.received: list[tuple[float, RtpPacket]] = []
        self.bad_datagrams = 0
        self.sending = False
        self._task: asyncio.Task | None = None
        self._sequence = 1000
        self._timestamp = 160000
        self.ssrc = 0x5EED1234

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.local = transport.get_extra_info("sockname")[:2]

    def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[type-arg]
        try:
            self.received.append((time.monotonic(), parse(data)))
        except RtpError:
            self.bad_datagrams += 1

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._send())

    async def _send(self) -> None:
        pacer = Pacer()
        silence = self.codec.silence()
        while self.transport is not None and not self.transport.is_closing():
            await pacer.wait()
            payload = self.outgoing.popleft() if self.outgoing else silence
            self.sending = bool(self.outgoing)
            packet = RtpPacket(self.codec.payload_type, self._sequence, self._timestamp, self.ssrc, payload)
            self._sequence = (self._sequence + 1) & 0xFFFF
            self._timestamp = (self._timestamp + self.codec.samples(payload)) & 0xFFFFFFFF
            self.transport.sendto(packet.to_bytes(), self.remote)

    def queue_pcm(self, pcm: bytes, rate: int) -> float:
        """Queue 16-bit PCM (any rate) as caller speech; returns its length in seconds."""
        return queue_caller_audio(self.codec, self.outgoing, pcm, rate)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.transport is not None:
            self.transport.close()


class WebSocketMediaSide:
    """chan_websocket's end of an externalMedia channel (see the module docstring), with MediaSide's face."""

    XOFF, XON = 900, 800

    def __init__(self, codec: Codec, connection_id: str, channel_name: str) -> None:
        self.codec = codec
        self.connection_id = connection_id
        self.channel_name = channel_name
        self.frame_size = codec.sample_rate * 20 // 1000 * codec.bytes_per_sample
        self.outgoing: deque[bytes] = deque()  # caller audio, one frame each
        self.queue: deque[bytes] = deque()  # what the app sent, not played yet
        self.received: list[tuple[float, RtpPacket]] = []  # what the caller heard, as RTP-shaped records
        self.commands: list[str] = []
        self.paused = False
        self.connected = asyncio.Event()
        self.websocket: web.WebSocketResponse | None = None
        self._xoff = False
        self._task: asyncio.Task | None = None
        self._sequence = 0

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(protocols=("media",), max_msg_size=65_500)
        await websocket.prepare(request)
        self.websocket = websocket
        await websocket.send_str(f"MEDIA_START connection_id:{self.connection_id} channel:{self.channel_name} "
                                 f"format:{self.codec.name} optimal_frame_size:{self.frame_size} ptime:20")
        self.connected.set()
        self._task = asyncio.ensure_future(self._clock())
        try:
            async for message in websocket:
                if message.type == WSMsgType.BINARY:
                    data = message.data
                    usable = len(data) - len(data) % self.frame_size  # an odd tail is dropped, as documented
                    self.queue.extend(data[i:i + self.frame_size] for i in range(0, usable, self.frame_size))
                    if len(self.queue) >= self.XOFF and not self._xoff:
                        self._xoff = True
                        await websocket.send_str("MEDIA_XOFF")
                elif message.type == WSMsgType.TEXT:
                    await self._command(message.data)
        finally:
            self.close()
        return websocket

    async def _command(self, text: str) -> None:
        self.commands.append(text)
        name = text.split(" ")[0]
        if name == "FLUSH_MEDIA":
            self.queue.clear()
            self.paused = False
        elif name == "PAUSE_MEDIA":
            self.paused = True
        elif name == "CONTINUE_MEDIA":
            self.paused = False
        elif name == "GET_STATUS" and self.websocket is not None:
            await self.websocket.send_str(f"STATUS queue_length:{len(self.queue)} xon_level:{self.XON} "
                                          f"xoff_level:{self.XOFF} queue_full:{str(self._xoff).lower()} "
                                          f"bulk_media:false media_paused:{str(self.paused).lower()}")
        elif name == "HANGUP" and self.websocket is not None:
            await self.websocket.close()

    async def _clock(self) -> None:
        """Every 20 ms: one frame of caller audio to the app, one queued frame of the app's to the caller."""
        pacer = Pacer()
        silence = self.codec.silence()
        while self.websocket is not None and not self.websocket.closed:
            await pacer.wait()
            try:
                await self.websocket.send_bytes(self.outgoing.popleft() if self.outgoing else silence)
            except ConnectionError:
                return
            if self.queue and not self.paused:
                payload = self.queue.popleft()
                self.received.append((time.monotonic(), RtpPacket(self.codec.payload_type, self._sequence,
                                                                  self._sequence * 160, 0, payload)))
                self._sequence = (self._sequence + 1) & 0xFFFF
                if self._xoff and len(self.queue) < self.XON:
                    self._xoff = False
                    await self.websocket.send_str("MEDIA_XON")

    def queue_pcm(self, pcm: bytes, rate: int) -> float:
        """Queue 16-bit PCM (any rate) as caller speech; returns its length in seconds."""
        return queue_caller_audio(self.codec, self.outgoing, pcm, rate)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.websocket is not None and not self.websocket.closed:
            asyncio.ensure_future(self.websocket.close())


class Caller:
    """A call placed into the stand-in, as a test drives it."""

    def __init__(self, asterisk: StandInAsterisk, channel: Channel) -> None:
        self.asterisk = asterisk
        self.channel = channel
        self.continued: asyncio.Future[tuple[str, str, int]] = asyncio.get_running_loop().create_future()
        self.ended = asyncio.Event()  # StasisEnd of the caller's channel
        self.hung_up_by_app = False
        self._media: MediaSide | WebSocketMediaSide | None = None

    @property
    def media(self) -> MediaSide | WebSocketMediaSide | None:
        """The externalMedia channel bridged with this caller (kept once found, for listening afterwards)."""
        if self._media is None:
            bridge = self.asterisk.bridges.get(self.channel.bridge or "")
            for other in bridge.channels if bridge else []:
                media = self.asterisk.channels.get(other)
                if media is not None and media.media is not None:
                    self._media = media.media
        return self._media

    async def wait_media(self, timeout: float = 10.0) -> MediaSide | WebSocketMediaSide:
        deadline = time.monotonic() + timeout
        while self.media is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the callbot never bridged an externalMedia channel to the caller")
            await asyncio.sleep(0.02)
        assert self.media is not None
        return self.media

    def heard_seconds(self, since: float = 0.0) -> float:
        """Seconds of assistant audio received (packets arriving after ``since``, monotonic)."""
        media = self.media
        if media is None:
            return 0.0
        return sum(media.codec.samples(p.payload) for t, p in media.received if t >= since) / media.codec.sample_rate

    async def wait_heard(self, seconds: float, *, since: float = 0.0, timeout: float = 30.0) -> float:
        deadline = time.monotonic() + timeout
        while self.heard_seconds(since) < seconds:
            if time.monotonic() > deadline or self.ended.is_set():
                raise TimeoutError(f"heard {self.heard_seconds(since):.2f}s of assistant audio, wanted {seconds}s")
            await asyncio.sleep(0.02)
        return time.monotonic()

    async def wait_quiet(self, quiet: float = 0.5, *, timeout: float = 60.0) -> float:
        """Wait until the assistant has said something and then nothing for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            media = self.media
            last = media.received[-1][0] if media is not None and media.received else None
            now = time.monotonic()
            if last is not None and now - last >= quiet:
                return last
            if now > deadline or self.ended.is_set():
                raise TimeoutError("the assistant never went quiet")
            await asyncio.sleep(0.02)

    def last_packet_at(self) -> float | None:
        media = self.media
        return media.received[-1][0] if media is not None and media.received else None

    async def say(self, pcm: bytes, rate: int) -> float:
        """Speak (queue PCM into the caller's RTP stream); returns when the audio will have been sent."""
        media = await self.wait_media()
        seconds = media.queue_pcm(pcm, rate)
        return time.monotonic() + seconds

    async def press(self, digit: str, duration_ms: int = 120) -> None:
        await self.asterisk.emit("ChannelDtmfReceived", self.channel, digit=digit, duration_ms=duration_ms)

    async def hang_up(self) -> None:
        await self.asterisk.emit("ChannelHangupRequest", self.channel, cause=16, soft=False)
        await self.asterisk.destroy(self.channel.id)

    async def send_raw(self, data: bytes, *, foreign: bool = False) -> None:
        """A datagram to the callbot's RTP port: from this call's media address, or from elsewhere."""
        media = await self.wait_media()
        if foreign:
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                               local_addr=("127.0.0.1", 0))
            transport.sendto(data, media.remote)
            transport.close()
        elif media.transport is not None:
            media.transport.sendto(data, media.remote)


class StandInAsterisk:
    def __init__(self, *, app: str = "callbot", user: str = "hueai", password: str = "secret",
                 host: str = "127.0.0.1") -> None:
        self.app, self.user, self.password, self.host = app, user, password, host
        self.channels: dict[str, Channel] = {}
        self.bridges: dict[str, Bridge] = {}
        self.callers: dict[str, Caller] = {}
        self.media_connections: dict[str, str] = {}  # chan_websocket connection id -> media channel id
        self.websockets: set[web.WebSocketResponse] = set()
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status) of every REST request
        self.events: list[dict[str, Any]] = []
        self.port = 0
        self._faults: list[list[Any]] = []  # [method, compiled path pattern, status, times left]
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._app = self._make_app()
        self.connected = asyncio.Event()

    # -- lifecycle ----------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> StandInAsterisk:
        self._runner = web.AppRunner(self._app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        for ws in list(self.websockets):
            await ws.close(code=WSCloseCode.GOING_AWAY)
        for channel in self.channels.values():
            if channel.media is not None:
                channel.media.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def drop_events(self) -> None:
        """Close every events WebSocket (a network blip): channels and calls stay."""
        self.connected.clear()
        for ws in list(self.websockets):
            await ws.close(code=WSCloseCode.GOING_AWAY)

    async def restart(self, down_seconds: float = 1.0) -> None:
        """Asterisk restarting: sockets closed, every channel and bridge gone without an event, the HTTP port
        refusing connections for ``down_seconds``, then a fresh Asterisk on the same port."""
        self.connected.clear()
        await self.stop()
        for caller in self.callers.values():
            caller.ended.set()
        self.channels.clear()
        self.bridges.clear()
        self._app = self._make_app()
        await asyncio.sleep(down_seconds)
        await self.start()

    def fail(self, method: str, path_pattern: str, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests matching (``method``, regex on the path after /ari) with ``status``."""
        self._faults.append([method.upper(), re.compile(path_pattern), status, times])

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.connected.wait(), timeout)

    # -- driving calls --------------------------------------------------------------------------------------
    async def place_call(self, caller: str = "0914123456") -> Caller:
        """A call arriving from the PSTN and entering ``Stasis(app)`` (the dialplan's job on a real Asterisk)."""
        channel = Channel(id=f"{time.time():.0f}.{next(self._ids)}", name=f"PJSIP/trunk-{next(self._ids):08x}",
                          caller_number=caller)
        self.channels[channel.id] = channel
        handle = Caller(self, channel)
        self.callers[channel.id] = handle
        await self.emit("StasisStart", channel, args=[])
        return handle

    async def emit(self, kind: str, channel: Channel, **fields: Any) -> None:
        event = {"type": kind, "application": self.app, "timestamp": _now(), **fields, "channel": channel.model(),
                 "asterisk_id": ASTERISK_ID}
        self.events.append(event)
        for ws in list(self.websockets):
            if not ws.closed:
                try:
                    await ws.send_json(event)
                except ConnectionError:
                    pass

    async def destroy(self, channel_id: str, *, leave_stasis: bool = True) -> None:
        channel = self.channels.pop(channel_id, None)
        if channel is None:
            return
        if channel.bridge and channel.bridge in self.bridges:
            bridge = self.bridges[channel.bridge]
            if channel_id in bridge.channels:
                bridge.channels.remove(channel_id)
        if channel.media is not None:
            channel.media.close()
        if leave_stasis and channel.in_stasis:
            channel.in_stasis = False
            await self.emit("StasisEnd", channel)
        await self.emit("ChannelDestroyed", channel, cause=16, cause_txt="Normal Clearing")
        caller = self.callers.get(channel_id)
        if caller is not None:
            caller.ended.set()

    # -- the ARI ------------------------------------------------------------------------------------------
    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/ari/events", self._events)
        app.router.add_post("/ari/channels/externalMedia", self._external_media)
        app.router.add_get("/ari/channels/{channelId}", self._get_channel)
        app.router.add_get("/ari/channels/{channelId}/variable", self._get_variable)
        app.router.add_get("/media/{connectionId}", self._media)
        app.router.add_delete("/ari/channels/{channelId}", self._hangup)
        app.router.add_post("/ari/channels/{channelId}/answer", self._answer)
        app.router.add_post("/ari/channels/{channelId}/continue", self._continue)
        app.router.add_post("/ari/bridges", self._create_bridge)
        app.router.add_post("/ari/bridges/{bridgeId}/addChannel", self._add_channel)
        app.router.add_delete("/ari/bridges/{bridgeId}", self._destroy_bridge)
        return app

    def _authorised(self, request: web.Request) -> bool:
        expected = f"{self.user}:{self.password}"
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                return base64.b64decode(header[6:]).decode() == expected
            except ValueError:
                return False
        return request.query.get("api_key") == expected

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path.removeprefix("/ari")
        if not self._authorised(request):
            self.requests.append((request.method, path, 401))
            return web.json_response({"message": "Authentication required"}, status=401)
        for fault in self._faults:
            method, pattern, status, left = fault
            if left > 0 and method == request.method and pattern.fullmatch(path):
                fault[3] -= 1
                self.requests.append((request.method, path, status))
                return web.json_response({"message": f"injected {status}"}, status=status)
        response = await handler(request)
        self.requests.append((request.method, path, response.status))
        return response

    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response({"message": message}, status=status)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("app") != self.app:
            return self._error(400, "Invalid application provided in param [app].")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.websockets.add(ws)
        self.connected.set()
        try:
            async for _ in ws:
                pass
        finally:
            self.websockets.discard(ws)
        return ws

    def _channel(self, request: web.Request) -> Channel | None:
        return self.channels.get(request.match_info["channelId"])

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return web.json_response(channel.model()) if channel else self._error(404, "Channel not found")

    async def _answer(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return self._error(404, "Channel not found")
        if not channel.in_stasis:
            return self._error(409, "Channel not in a Stasis application")
        channel.state = "Up"
        await self.emit("ChannelStateChange", channel)
        return web.Response(status=204)

    async def _hangup(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return self._error(404, "Channel not found")
        caller = self.callers.get(channel.id)
        if caller is not None:
            caller.hung_up_by_app = True
        await self.destroy(channel.id)
        return web.Response(status=204)

    async def _continue(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return self._error(404, "Channel not found")
        if not channel.in_stasis:
            return self._error(409, "Channel not in a Stasis application")
        context = request.query.get("context", channel.dialplan[0])
        exten = request.query.get("extension", channel.dialplan[1])
        priority = int(request.query.get("priority", "1"))
        channel.dialplan = (context, exten, priority)
        channel.in_stasis = False
        if channel.bridge and channel.bridge in self.bridges:  # leaving the application leaves the bridge
            self.bridges[channel.bridge].channels.remove(channel.id)
            channel.bridge = None
        await self.emit("StasisEnd", channel)
        caller = self.callers.get(channel.id)
        if caller is not None and not caller.continued.done():
            caller.continued.set_result((context, exten, priority))
            caller.ended.set()
        return web.Response(status=204)

    async def _external_media(self, request: web.Request) -> web.Response:
        q = request.query
        if not q.get("app") or not q.get("format"):
            return self._error(400, "app and format are required")
        transport = (q.get("encapsulation", "rtp"), q.get("transport", "udp"))
        if transport not in (("rtp", "udp"), ("none", "websocket")):
            return self._error(400, "this stand-in implements rtp over udp and none over websocket")
        codec = CODECS.get(q["format"])
        if codec is None:
            return self._error(400, f"Format {q['format']} not found")
        if transport == ("none", "websocket"):
            return await self._websocket_media(q, codec)
        host, _, port = q.get("external_host", "").rpartition(":")
        if not host or not port.isdigit():
            return self._error(400, "external_host is required (host:port)")
        channel_id = q.get("channelId") or str(uuid.uuid4())
        if channel_id in self.channels:
            return self._error(409, "Channel with given unique ID already exists")
        loop = asyncio.get_running_loop()
        _, media = await loop.create_datagram_endpoint(lambda: MediaSide(codec, (host.strip("[]"), int(port))),
                                                       local_addr=(self.host, 0))
        channel = Channel(id=channel_id, name=f"UnicastRTP/{host}:{port}-0x{id(media):x}", state="Up",
                          dialplan=("default", "s", 1), media=media,
                          channelvars={"UNICASTRTP_LOCAL_ADDRESS": media.local[0],
                                       "UNICASTRTP_LOCAL_PORT": str(media.local[1])})
        self.channels[channel_id] = channel
        media.start()
        await self.emit("StasisStart", channel, args=[])
        return web.json_response(channel.model())

    async def _websocket_media(self, q: Any, codec: Codec) -> web.Response:
        if q.get("external_host") != "INCOMING" or q.get("connection_type", "client") != "server":
            return self._error(400, "this stand-in implements incoming media WebSockets "
                                    "(external_host=INCOMING, connection_type=server)")
        channel_id = q.get("channelId") or str(uuid.uuid4())
        if channel_id in self.channels:
            return self._error(409, "Channel with given unique ID already exists")
        connection_id = str(uuid.uuid4())
        name = f"WebSocket/INCOMING/0x{uuid.uuid4().int & 0xFFFFFFF:x}"
        media = WebSocketMediaSide(codec, connection_id, name)
        channel = Channel(id=channel_id, name=name, state="Up", dialplan=("default", "s", 1), media=media,
                          channelvars={"MEDIA_WEBSOCKET_CONNECTION_ID": connection_id,
                                       "MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE": str(media.frame_size)})
        self.channels[channel_id] = channel
        self.media_connections[connection_id] = channel_id
        await self.emit("StasisStart", channel, args=[])
        return web.json_response(channel.model())

    async def _media(self, request: web.Request) -> web.StreamResponse:
        channel = self.channels.get(self.media_connections.get(request.match_info["connectionId"], ""))
        if channel is None or not isinstance(channel.media, WebSocketMediaSide) or channel.media.connected.is_set():
            return self._error(404, "Not found")
        await channel.media.serve(request)
        if channel.id in self.channels:  # the app closed the media WebSocket (or sent HANGUP): the channel goes
            await self.destroy(channel.id)
        return web.Response()

    async def _get_variable(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return self._error(404, "Channel not found")
        value = channel.channelvars.get(request.query.get("variable", ""))
        if value is None:
            return self._error(404, "Provided variable was not found")
        return web.json_response({"value": value})

    async def _create_bridge(self, request: web.Request) -> web.Response:
        bridge_id = request.query.get("bridgeId") or str(uuid.uuid4())
        if bridge_id in self.bridges:
            return self._error(409, "Bridge with this ID already exists")
        bridge = Bridge(bridge_id, request.query.get("type", "mixing"), request.query.get("name", ""))
        self.bridges[bridge_id] = bridge
        return web.json_response(bridge.model())

    async def _add_channel(self, request: web.Request) -> web.Response:
        bridge = self.bridges.get(request.match_info["bridgeId"])
        if bridge is None:
            return self._error(404, "Bridge not found")
        ids = [c for c in request.query.get("channel", "").split(",") if c]
        if not ids:
            return self._error(400, "Channel not found")
        for channel_id in ids:
            channel = self.channels.get(channel_id)
            if channel is None:
                return self._error(400, "Channel not found")
            if not channel.in_stasis:
                return self._error(422, "Channel not in Stasis application")
        for channel_id in ids:
            self.channels[channel_id].bridge = bridge.id
            if channel_id not in bridge.channels:
                bridge.channels.append(channel_id)
        return web.Response(status=204)

    async def _destroy_bridge(self, request: web.Request) -> web.Response:
        bridge = self.bridges.pop(request.match_info["bridgeId"], None)
        if bridge is None:
            return self._error(404, "Bridge not found")
        for channel_id in bridge.channels:
            if channel_id in self.channels:
                self.channels[channel_id].bridge = None
        return web.Response(status=204)
