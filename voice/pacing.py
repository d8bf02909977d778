"""Sending one packet every 20 ms, on time, without drift: deadlines on the monotonic clock.

``asyncio.sleep(0.02)`` in a loop drifts: each sleep overshoots a little and the overshoots add
up, so after a minute the stream is late and the far end's buffer runs dry. :class:`Pacer`
instead computes packet *n*'s deadline as ``start + n x ptime`` on :func:`time.monotonic`
(never the wall clock, which NTP may step) and sleeps until it; an overshoot on one packet is
taken back on the next. A talk spurt starts a new schedule (:meth:`restart`); falling behind by
more than :attr:`max_behind` packets (the event loop was blocked, or audio came too late) is an
*underrun*: counted, and the schedule restarts from now instead of bursting to catch up.

Where the far end times the frames itself (Asterisk's WebSocket media queues what it is sent and
plays one frame every 20 ms), the pacer may run :attr:`ahead` packets early: a spurt starts with
``ahead + 1`` packets at once and the rest keep that lead, so the far end always holds that much
audio and a stall of the event loop shorter than the lead is not heard. Barge-in then flushes the
far end's queue (``FLUSH_MEDIA``), so the lead costs nothing there.

Every send's lateness (how far after its deadline it went out) is kept, for the benchmark's
"pacing jitter p99 < 5 ms".
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from collections.abc import Awaitable, Callable


class Pacer:
    def __init__(self, ptime: float = 0.020, *, max_behind: int = 3, ahead: int = 0, keep: int = 20_000,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.ptime = ptime
        self.max_behind = max_behind
        self.ahead = ahead
        self.clock = clock
        self.sleep = sleep
        self.lateness_ms: deque[float] = deque(maxlen=keep)
        self.underruns = 0
        self.sent = 0
        self._start: float | None = None
        self._index = 0

    @property
    def running(self) -> bool:
        return self._start is not None

    def restart(self) -> None:
        """The next packet starts a new talk spurt: it goes at once, the rest every ``ptime`` after it."""
        self._start = None

    def next_deadline(self) -> float:
        if self._start is None:
            self._start, self._index = self.clock(), 0
        return self._start + max(0, self._index - self.ahead) * self.ptime

    async def wait(self) -> float:
        """Sleep until the next packet's deadline; returns how late (ms) it is when the caller may send."""
        deadline = self.next_deadline()
        delay = deadline - self.clock()
        if delay > 0:
            await self.sleep(delay)
        late = self.clock() - deadline
        if late > self.max_behind * self.ptime:
            self.underruns += 1  # behind by several packets: start again from now rather than burst
            self._start, self._index = self.clock(), 0
        self._index += 1
        self.sent += 1
        self.lateness_ms.append(late * 1000.0)
        return late * 1000.0


def freeze_loaded_heap() -> None:
    """Exempt everything loaded so far (models, indexes, the dialogue's tables) from Python's cyclic GC.

    A full collection walks every tracked object while holding the GIL: with the dialogue's
    models loaded it took 100 ms on this machine, five packet times during which no call's
    packets go out. What start-up loaded lives as long as the process, so :func:`gc.freeze`
    moves it out of the collector's reach; a full collection then costs well under a
    millisecond. Call it once, after loading and before serving calls.
    """
    gc.collect()
    gc.freeze()
