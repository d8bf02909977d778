"""Small asyncio pieces several layers share."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


async def until_first_returns(*coroutines: Coroutine[Any, Any, Any]) -> None:
    """Run ``coroutines`` side by side until one of them returns or raises; then cancel the others and
    wait for them to wind down.

    For a connection's reader, pusher and poller: when one stops (the peer went away, the session
    ended), the rest must stop with it. What the tasks raise is not re-raised: each logs its own.
    """
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
