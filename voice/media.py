"""The UDP side of Asterisk's externalMedia: one local port per call, RTP in and out.

``POST /channels/externalMedia`` (``channels.json`` in Asterisk's ARI) creates a ``UnicastRTP``
channel (``channels/chan_rtp.c``) that sends the bridge's audio as RTP to ``external_host`` and
plays back whatever RTP arrives at its own address, which it reports in the channel variables
``UNICASTRTP_LOCAL_ADDRESS`` and ``UNICASTRTP_LOCAL_PORT``. So each call needs:

* a local UDP port for Asterisk to send to (:class:`PortPool` hands them out from
  ``HUEAI_RTP_PORTS``, skipping ports another process holds), and
* an :class:`RtpEndpoint` bound to it, which sends to Asterisk's address (from the channel
  variables, or else learnt from the first packet: "symmetric RTP") and ignores datagrams from
  anyone else, so a stray sender cannot inject audio into a call.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass

import structlog

log = structlog.get_logger(__name__)

Address = tuple[str, int]


class NoFreePort(RuntimeError):
    """Every port of ``HUEAI_RTP_PORTS`` is in use: the call cannot get media."""


@dataclass
class MediaStats:
    datagrams: int = 0
    foreign: int = 0  # from an address that is not this call's Asterisk
    sent: int = 0
    send_errors: int = 0


class RtpEndpoint(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes], None], remote: Address | None = None) -> None:
        self.on_datagram = on_datagram
        self.remote = remote
        self.stats = MediaStats()
        self.transport: asyncio.DatagramTransport | None = None
        self.local: Address | None = None

    # -- asyncio.DatagramProtocol --------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.local = transport.get_extra_info("sockname")[:2]

    def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[type-arg]
        self.stats.datagrams += 1
        source = (addr[0], addr[1])
        if self.remote is None:
            self.remote = source  # symmetric RTP: answer where the audio comes from
        elif source != self.remote:
            self.stats.foreign += 1
            return
        self.on_datagram(data)

    def error_received(self, exc: Exception) -> None:
        log.debug("rtp.socket_error", error=str(exc))

    # -- sending ---------------------------------------------------------------------------------------
    def send(self, data: bytes) -> bool:
        if self.transport is None or self.transport.is_closing() or self.remote is None:
            return False
        try:
            self.transport.sendto(data, self.remote)
        except OSError:
            self.stats.send_errors += 1
            return False
        self.stats.sent += 1
        return True

    def flush(self) -> None:
        """Nothing to drop: Asterisk plays RTP as it arrives (the WebSocket endpoint's queue can be flushed)."""

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class PortPool:
    """Local UDP ports from a range; a port is taken by binding it, so another process's ports are skipped."""

    def __init__(self, host: str, ports: range) -> None:
        self.host = host
        self.ports = ports
        self._used: set[int] = set()
        self._next = 0

    @property
    def in_use(self) -> int:
        return len(self._used)

    async def open(self, on_datagram: Callable[[bytes], None]) -> tuple[RtpEndpoint, int]:
        """An endpoint bound to a free port of the range; :class:`NoFreePort` when none is left."""
        loop = asyncio.get_running_loop()
        for _ in range(len(self.ports)):
            port = self.ports[self._next % len(self.ports)]
            self._next += 1
            if port in self._used:
                continue
            try:
                sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind((self.host, port))
            except OSError:
                sock.close()
                continue
            sock.setblocking(False)
            _, endpoint = await loop.create_datagram_endpoint(lambda: RtpEndpoint(on_datagram), sock=sock)
            self._used.add(port)
            return endpoint, port
        raise NoFreePort(f"no free UDP port in {self.ports.start}-{self.ports.stop - 1} on {self.host}")

    def release(self, port: int, endpoint: RtpEndpoint | None = None) -> None:
        if endpoint is not None:
            endpoint.close()
        self._used.discard(port)
