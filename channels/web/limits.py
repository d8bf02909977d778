"""Token-bucket rate limits, one bucket per key (a session, a client address).

>>> per_session = RateLimiter(rate=0.5, burst=8)      # 8 at once, then one every 2 s
>>> per_session.take("web:abc")                       # 0.0: allowed
>>> ...                                               # after the burst: seconds until the next token

A bucket holds up to ``burst`` tokens and gains ``rate`` per second; each
message takes one. The buckets live in this process's memory (with several
server processes each enforces its own), at most ``max_keys`` of them: the
least recently used is forgotten first, which only ever refills it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    def __init__(self, rate: float, burst: int, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.max_keys, self.clock = rate, burst, max_keys, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def wait(self, key: str) -> float:
        """Seconds until ``key`` has a token (0.0: it has one now); takes nothing."""
        if not self.enabled:
            return 0.0
        tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0.0 when allowed, else the seconds until one is available (nothing taken)."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        tokens = self._tokens(key, now)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets.pop(key, None)
        self._buckets[key] = (tokens, now)  # most recently used last
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - at) * self.rate)
