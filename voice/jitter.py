"""A small jitter buffer: packets in by sequence number, one out every 20 ms in order.

The network delivers RTP packets unevenly and sometimes out of order; the pipeline wants one
frame every 20 ms. The buffer holds a few packets (:attr:`depth`, 40 ms by default: enough for
the hop from Asterisk, which de-jitters the trunk itself, little enough to keep barge-in fast),
and the playout clock pops one per tick:

* the expected packet is there: it is played, and the next one becomes expected;
* it is missing but later ones are there: it is counted lost and ``None`` is played
  (the caller plays silence), so one lost packet never stalls the stream;
* nothing is there: an underflow; ``None`` is played and, after :attr:`depth` empty ticks,
  the buffer refills before playing again (the sender paused, e.g. silence suppression).

Packets older than the one expected (late or duplicated), or from another stream (a new SSRC),
are dropped or restart the buffer; every such event is counted in :class:`JitterStats`.
"""

from __future__ import annotations

from dataclasses import dataclass

from voice.rtp import RtpPacket, seq_diff

#: A jump further than this (in packets) is a new stream, not loss: the buffer restarts.
RESTART_GAP = 500


@dataclass
class JitterStats:
    received: int = 0
    played: int = 0
    lost: int = 0
    late: int = 0
    duplicate: int = 0
    underflows: int = 0
    overflows: int = 0
    restarts: int = 0


class JitterBuffer:
    def __init__(self, depth: int = 3, capacity: int = 50) -> None:
        if depth < 1 or capacity < depth:
            raise ValueError("need 1 <= depth <= capacity")
        self.depth = depth
        self.capacity = capacity
        self.stats = JitterStats()
        self._packets: dict[int, RtpPacket] = {}
        self._expected: int | None = None  # sequence number to play next; None: filling
        self._ssrc: int | None = None
        self._empty_ticks = 0

    def __len__(self) -> int:
        return len(self._packets)

    def push(self, packet: RtpPacket) -> bool:
        """Store ``packet``; False when it was dropped (late, duplicate, or the buffer is full)."""
        self.stats.received += 1
        if self._ssrc is not None and packet.ssrc != self._ssrc:
            self._restart()
        self._ssrc = packet.ssrc
        if self._expected is not None:
            ahead = seq_diff(packet.sequence, self._expected)
            if ahead < 0:
                self.stats.late += 1
                return False
            if ahead > RESTART_GAP:
                self._restart()
        if packet.sequence in self._packets:
            self.stats.duplicate += 1
            return False
        if len(self._packets) >= self.capacity:
            self.stats.overflows += 1
            self._drop_oldest()
        self._packets[packet.sequence] = packet
        return True

    def pop(self) -> RtpPacket | None:
        """The packet to play now, or None (play silence): called once per packet time."""
        if self._expected is None:
            if len(self._packets) < self.depth:
                return None  # still filling
            self._expected = self._oldest()
        packet = self._packets.pop(self._expected, None)
        if packet is not None:
            self._empty_ticks = 0
            self.stats.played += 1
            self._expected = (self._expected + 1) & 0xFFFF
            return packet
        if self._packets:
            self.stats.lost += 1
            self._expected = (self._expected + 1) & 0xFFFF
            return None
        self.stats.underflows += 1
        self._empty_ticks += 1
        if self._empty_ticks >= self.depth:
            self._expected = None  # the sender paused: refill before playing again
            self._empty_ticks = 0
        return None

    def _oldest(self) -> int:
        ref = next(iter(self._packets))
        return min(self._packets, key=lambda seq: seq_diff(seq, ref))

    def _drop_oldest(self) -> None:
        oldest = self._oldest()
        del self._packets[oldest]
        if self._expected is not None and oldest == self._expected:
            self._expected = (self._expected + 1) & 0xFFFF

    def _restart(self) -> None:
        self.stats.restarts += 1
        self._packets.clear()
        self._expected = None
        self._empty_ticks = 0
