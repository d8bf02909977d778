"""A client for Asterisk's REST Interface (ARI): the REST calls a call needs and the events WebSocket.

ARI is Asterisk's HTTP API for applications that take over calls (``rest-api/api-docs/*.json``
in Asterisk's source is its contract; the stand-in in :mod:`voice.standin` follows the same
files). A dialplan line ``Stasis(callbot)`` hands a call to the application named ``callbot``:
Asterisk sends ``StasisStart`` on the application's WebSocket (``GET /ari/events?app=callbot``),
then every event of that channel (``ChannelDtmfReceived``, ``ChannelHangupRequest``,
``StasisEnd`` when it leaves, ``ChannelDestroyed``), and the application acts with REST calls:

=========================================  ==============================================
``POST /channels/{id}/answer``             answer the call
``POST /bridges?type=mixing``              a bridge to join the caller and the media
``POST /channels/externalMedia``           a ``UnicastRTP`` channel streaming RTP to us
``POST /bridges/{id}/addChannel``          put channels into the bridge
``POST /channels/{id}/continue``           leave the application, go on in the dialplan
``DELETE /channels/{id}``                  hang up
``DELETE /bridges/{id}``                   destroy a bridge
=========================================  ==============================================

Every non-2xx answer raises :class:`AriError` with its status (404 "channel not found" after a
hangup, 409 "not in a Stasis application", 500); a refused or timed-out connection raises it
with status 0, so callers handle one exception. Credentials go in HTTP basic auth, never in a
log line.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import structlog

log = structlog.get_logger(__name__)


class AriError(RuntimeError):
    def __init__(self, method: str, path: str, status: int, reason: str) -> None:
        super().__init__(f"ARI {method} {path}: {status} {reason}")
        self.method, self.path, self.status, self.reason = method, path, status, reason

    @property
    def gone(self) -> bool:
        """The channel or bridge no longer exists (404), or Asterisk cannot be reached (0)."""
        return self.status in (0, 404)


class AriClient:
    def __init__(self, url: str, user: str, password: str, app: str, *, timeout: float = 5.0) -> None:
        parts = urlsplit(url.rstrip("/"))
        path = parts.path if parts.path.endswith("/ari") else parts.path + "/ari"
        self.base = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        ws_scheme = "wss" if parts.scheme == "https" else "ws"
        self.events_url = urlunsplit((ws_scheme, parts.netloc, path + "/events", "", ""))
        self.app = app
        self._auth = aiohttp.BasicAuth(user, password)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def auth(self) -> aiohttp.BasicAuth:
        """The ARI user's credentials (also sent when the callbot opens a call's media WebSocket)."""
        return self._auth

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(auth=self._auth, timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(self, method: str, path: str, params: dict[str, Any] | None = None,
                      body: dict[str, Any] | None = None) -> Any:
        query = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in (params or {}).items()
                 if v is not None}
        try:
            async with self._http().request(method, self.base + path, params=query, json=body) as response:
                if response.status >= 400:
                    text = (await response.text())[:200]
                    raise AriError(method, path, response.status, text or response.reason or "")
                if response.status == 204 or response.content_length == 0:
                    return None
                return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise AriError(method, path, 0, type(exc).__name__) from exc

    # -- the operations a call needs (names as in channels.json / bridges.json) ----------------------
    async def answer(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self.request("DELETE", f"/channels/{channel_id}", {"reason": reason})

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str, priority: int = 1) -> None:
        await self.request("POST", f"/channels/{channel_id}/continue",
                           {"context": context, "extension": extension, "priority": priority})

    async def get_channel(self, channel_id: str) -> dict[str, Any]:
        return await self.request("GET", f"/channels/{channel_id}")

    async def create_bridge(self, bridge_type: str = "mixing", name: str | None = None) -> dict[str, Any]:
        return await self.request("POST", "/bridges", {"type": bridge_type, "name": name})

    async def add_channels(self, bridge_id: str, channel_ids: list[str]) -> None:
        await self.request("POST", f"/bridges/{bridge_id}/addChannel", {"channel": ",".join(channel_ids)})

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self.request("DELETE", f"/bridges/{bridge_id}")

    async def external_media(self, *, external_host: str, media_format: str, channel_id: str | None = None,
                             data: str | None = None) -> dict[str, Any]:
        return await self.request("POST", "/channels/externalMedia", {
            "app": self.app, "external_host": external_host, "format": media_format, "channelId": channel_id,
            "encapsulation": "rtp", "transport": "udp", "connection_type": "client", "direction": "both",
            "data": data})

    async def external_media_websocket(self, *, media_format: str, channel_id: str | None = None,
                                       data: str | None = None) -> dict[str, Any]:
        """An externalMedia channel on ``chan_websocket`` that waits for the app to connect
        (:mod:`voice.websocket_media`); its ``channelvars`` hold ``MEDIA_WEBSOCKET_CONNECTION_ID``."""
        return await self.request("POST", "/channels/externalMedia", {
            "app": self.app, "external_host": "INCOMING", "format": media_format, "channelId": channel_id,
            "encapsulation": "none", "transport": "websocket", "connection_type": "server", "direction": "both",
            "data": data})

    async def get_variable(self, channel_id: str, name: str) -> str | None:
        found = await self.request("GET", f"/channels/{channel_id}/variable", {"variable": name})
        return found.get("value") if isinstance(found, dict) else None

    # -- events ---------------------------------------------------------------------------------------
    async def events(self, on_open: Callable[[], None] | None = None) -> AsyncIterator[dict[str, Any]]:
        """The application's events, as JSON objects, until the WebSocket closes (then it returns);
        ``on_open`` is called once the WebSocket is open.

        Connection failures raise :class:`AriError` (status 0, or the HTTP status of a refused upgrade).
        """
        try:
            websocket = await self._http().ws_connect(self.events_url, params={"app": self.app,
                                                                               "subscribeAll": "false"},
                                                       heartbeat=20.0, timeout=aiohttp.ClientWSTimeout(ws_close=2.0))
        except aiohttp.WSServerHandshakeError as exc:
            raise AriError("GET", "/events", exc.status, exc.message) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise AriError("GET", "/events", 0, type(exc).__name__) from exc
        if on_open is not None:
            on_open()
        try:
            async for message in websocket:
                if message.type == aiohttp.WSMsgType.TEXT:
                    try:
                        event = message.json()
                    except ValueError:
                        log.warning("ari.bad_event", size=len(message.data))
                        continue
                    if isinstance(event, dict):
                        yield event
                elif message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSE,
                                      aiohttp.WSMsgType.CLOSED):
                    break
        finally:
            await websocket.close()


class Backoff:
    """Waits between reconnection attempts: doubling from ``low`` to ``high``, with +-20 % jitter so that
    many callbot processes do not hammer a restarting Asterisk in step."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high
        self.attempt = 0

    def reset(self) -> None:
        self.attempt = 0

    def next(self) -> float:
        import random

        delay = min(self.high, self.low * (2 ** self.attempt))
        self.attempt += 1
        return delay * random.uniform(0.8, 1.2)
