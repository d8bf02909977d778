"""One message of a session at a time, in the order they arrived at this process.

Two messages of one session sent at once (two browser tabs, a double click, a
pipelining client) must not run the dialogue concurrently: each turn reads the
state the previous one wrote. :class:`SessionLocks` hands out one
``asyncio.Lock`` per session (fair: waiters get it in arrival order) and forgets
it when nobody holds or waits for it. Across server processes the dialogue's
own row lock on the conversation does the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SessionLocks:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # session -> (lock, holders + waiters)

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(session_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[session_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[session_id]
            if users <= 1:
                del self._locks[session_id]
            else:
                self._locks[session_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
