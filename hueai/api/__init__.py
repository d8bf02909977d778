"""The web application: one ``APIRouter`` per domain, composed over one :class:`~hueai.runtime.Runtime`.

>>> app = create_app(Runtime(get_settings()))   # then: uvicorn.run(app)

========================  ===================================================
router                    routes
========================  ===================================================
:mod:`hueai.api.health`   ``/healthz``, ``/metrics``, ``POST /admin/reload``
:mod:`hueai.api.kb`       ``/api/kb/search``, ``/api/kb/procedures/{code}``
:mod:`hueai.api.nlu`      ``POST /api/nlu/parse``
:mod:`hueai.api.chat`     ``POST /api/chat``, ``/api/chat/feedback``, ``/ws/chat``, the widget, ``/``
:mod:`hueai.api.staff`    ``/staff``: sign-in, the operators' desk, ``/staff/ws``
:mod:`hueai.api.monitor`  ``GET /api/monitor/articles``: the IOC export (bearer token)
:mod:`hueai.api.zalo`     ``POST /webhooks/zalo``; the Zalo channel's worker runs in the lifespan
========================  ===================================================

Chat, Zalo, the staff tool and the IOC export mount here as they are built.

The models load in the background when the app starts, so ``/healthz`` can tell
``loading`` (503) from ``ready``; routes that need a model answer 503 until then.
While serving, the ``CURRENT`` pointers are checked every ``watch_seconds``
and a moved one is loaded and swapped in (see :class:`~hueai.runtime.Runtime`);
``SIGHUP`` and ``POST /admin/reload`` do it at once.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from hueai import __version__
from hueai.api import chat, health, kb, monitor, nlu, staff, zalo
from hueai.api.metrics import RequestMetrics
from hueai.runtime import Runtime

log = structlog.get_logger(__name__)


def create_app(runtime: Runtime, *, watch_seconds: float | None = 5.0) -> FastAPI:
    """The app over ``runtime``; ``watch_seconds=None`` turns the ``CURRENT`` watcher off."""
    stop = threading.Event()

    def load_then_watch() -> None:
        try:
            runtime.reload()
        except Exception as exc:  # reported by /healthz; the watcher retries
            log.error("app.load_failed", error=str(exc))
        while watch_seconds is not None and not stop.wait(watch_seconds):
            try:
                runtime.reload()
            except Exception as exc:
                log.error("app.reload_failed", error=str(exc))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loader = threading.Thread(target=load_then_watch, name="hueai-models", daemon=True)
        loader.start()
        loop = asyncio.get_running_loop()
        try:  # `kill -HUP` reloads at once (only the main thread of a process may handle signals)
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, runtime.reload))
        except (RuntimeError, ValueError, NotImplementedError):
            pass
        zalo.start(app)  # the Zalo channel's background worker (only when Zalo is configured)
        yield
        zalo.stop(app)
        stop.set()

    app = FastAPI(title="hueai", version=__version__, lifespan=lifespan)
    app.state.runtime = runtime
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_middleware(RequestMetrics)
    for module in (health, kb, nlu, chat, staff, monitor, zalo):
        app.include_router(module.router)
    return app


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    """422 with FastAPI's error list, for any body: its default handler echoes the body back and fails
    (500) on bytes that are not UTF-8."""
    assert isinstance(exc, RequestValidationError)
    errors = jsonable_encoder(exc.errors(), custom_encoder={bytes: lambda raw: raw.decode("utf-8", "replace")})
    return JSONResponse({"detail": errors}, status_code=422)


def serve_app() -> FastAPI:
    """The app of ``hueai serve``, built from the environment's settings (a factory each worker process calls)."""
    from hueai.logging import configure_logging
    from hueai.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)  # each worker process configures its own
    return create_app(Runtime(settings))
