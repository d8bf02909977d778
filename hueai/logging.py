"""Structured logging with structlog: key-value lines on a terminal, JSON in production."""

from __future__ import annotations

import logging
import sys

import structlog

from dialogue.masking import mask_log_event


# Libraries that log routine chatter at INFO (index building, which CPU build of faiss
# loaded, Alembic's dialect notes): only their warnings reach the operator.
QUIET_LIBRARIES = ("bm25s", "faiss", "faiss.loader", "alembic.runtime.migration", "sentence_transformers", "httpx")


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the moment of writing.

    Binding the stream object at configuration time breaks as soon as something swaps
    ``sys.stderr`` for a while and closes its stand-in (Click's test runner, pytest's
    capture, a daemonising wrapper): every later log line then raises "I/O operation on
    closed file" inside whatever code happened to log.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    """Route structlog and the standard library's logging to stderr at ``level``."""
    logging.basicConfig(stream=_CurrentStderr(), level=level.upper(), format="%(message)s")
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            mask_log_event,  # phone and identity numbers never reach a log line
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),
        cache_logger_on_first_use=True,
    )
