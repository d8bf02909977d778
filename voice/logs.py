"""Pipecat logs through loguru (every frame event at DEBUG, a banner at import); the callbot keeps its
warnings and errors on stderr and logs its own events with structlog. Call :func:`quiet_pipecat` before
importing pipecat to drop the banner too."""

from __future__ import annotations

import sys


def quiet_pipecat(level: str = "WARNING") -> None:
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level=level)
