"""RTP packets (RFC 3550) and the three payload formats Asterisk's externalMedia sends.

An RTP packet is a 12-byte header and a payload::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
    |                           timestamp                           |
    |           synchronization source (SSRC) identifier            |
    |            contributing source (CSRC) identifiers  (CC x)     |
    |   header extension (when X), then the payload, then padding   |

``sequence`` counts packets (it wraps at 65536), ``timestamp`` counts samples at the
payload's clock rate (160 per 20 ms at 8 kHz, 320 at 16 kHz), ``marker`` flags the first
packet of a talk spurt, ``SSRC`` names the stream. :func:`parse` refuses anything that is not
well formed (:class:`RtpError`), so garbage on the port is counted and dropped, never decoded.

Payload types are those Asterisk assigns statically (``main/rtp_engine.c``:
``add_static_payload(0, ulaw)``, ``(8, alaw)``, ``(118, slin16)``); signed linear travels
big-endian on the wire, as ``res/res_rtp_asterisk.c`` swaps it (``ast_frame_byteswap_be``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable

import numpy as np

from voice import g711

HEADER = struct.Struct("!BBHII")
VERSION = 2


class RtpError(ValueError):
    """Bytes that are not an RTP packet (too short, wrong version, inconsistent lengths)."""


@dataclass(frozen=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def to_bytes(self) -> bytes:
        first = VERSION << 6
        second = (0x80 if self.marker else 0) | (self.payload_type & 0x7F)
        return HEADER.pack(first, second, self.sequence & 0xFFFF, self.timestamp & 0xFFFFFFFF,
                           self.ssrc & 0xFFFFFFFF) + self.payload


def parse(data: bytes) -> RtpPacket:
    """One datagram as an :class:`RtpPacket`; :class:`RtpError` when it is not one."""
    if len(data) < HEADER.size:
        raise RtpError(f"{len(data)} bytes: shorter than an RTP header")
    first, second, sequence, timestamp, ssrc = HEADER.unpack_from(data)
    if first >> 6 != VERSION:
        raise RtpError(f"RTP version {first >> 6}, not 2")
    offset = HEADER.size + 4 * (first & 0x0F)  # CSRC identifiers
    if first & 0x10:  # header extension: 16-bit profile, 16-bit length in 32-bit words
        if len(data) < offset + 4:
            raise RtpError("truncated header extension")
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = len(data)
    if first & 0x20:  # padding: the last byte says how many bytes to drop
        end -= data[-1]
    if offset > end or (first & 0x20 and data[-1] == 0):
        raise RtpError("header, extension or padding longer than the packet")
    return RtpPacket(second & 0x7F, sequence, timestamp, ssrc, bytes(data[offset:end]), bool(second & 0x80))


def seq_diff(a: int, b: int) -> int:
    """``a - b`` for 16-bit sequence numbers that wrap (RFC 1982 serial arithmetic): -32768..32767."""
    return ((a - b + 0x8000) & 0xFFFF) - 0x8000


@dataclass(frozen=True)
class Codec:
    """How one externalMedia ``format`` travels: payload type, clock, and PCM <-> payload."""

    name: str
    payload_type: int
    sample_rate: int
    bytes_per_sample: int
    encode: Callable[[bytes], bytes]  # 16-bit little-endian PCM at sample_rate -> payload
    decode: Callable[[bytes], bytes]  # payload -> 16-bit little-endian PCM

    def samples(self, payload: bytes) -> int:
        return len(payload) // self.bytes_per_sample

    def packet_bytes(self, ptime_ms: int = 20) -> int:
        """Payload bytes in one packet of ``ptime_ms``."""
        return self.sample_rate * ptime_ms // 1000 * self.bytes_per_sample

    def silence(self, ptime_ms: int = 20) -> bytes:
        return self.encode(bytes(self.sample_rate * ptime_ms // 1000 * 2))


def _swap16(data: bytes) -> bytes:
    """16-bit samples with their byte order reversed (little-endian <-> network order)."""
    usable = len(data) - len(data) % 2
    return np.frombuffer(data[:usable], dtype=np.uint16).byteswap().tobytes()


CODECS: dict[str, Codec] = {
    "ulaw": Codec("ulaw", 0, 8000, 1, g711.ulaw_encode, g711.ulaw_decode),
    "alaw": Codec("alaw", 8, 8000, 1, g711.alaw_encode, g711.alaw_decode),
    "slin16": Codec("slin16", 118, 16000, 2, _swap16, _swap16),
}
