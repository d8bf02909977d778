"""Structured logging with structlog: key-value lines on a terminal, JSON in production."""

from __future__ import annotations

import logging
import sys

import structlog

from dialogue.masking import mask_log_event


# Libraries that log routine chatter at INFO (index building, which CPU build of faiss
# loaded, Alembic's dialect notes): only their warnings reach the operator.
QUIET_LIBRARIES = ("bm25s", "faiss", "faiss.loader", "alembic.runtime.migration", "sentence_transformers", "httpx")


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    """Route structlog and the standard library's logging to stderr at ``level``."""
    logging.basicConfig(stream=sys.stderr, level=level.upper(), format="%(message)s")
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
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
