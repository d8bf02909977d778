"""Several server processes on one port, each with its own listening socket (``SO_REUSEPORT``).

Why not uvicorn's own ``--workers``: its workers share *one* listening socket, and a worker that
wakes for a new connection accepts every connection waiting in the backlog. Clients that open
their keep-alive connections together (a browser's, a load balancer's, wrk's 20) then all land in
one process while the others idle: measured with ``bench/load.py``, 20 connections to two
workers gave one worker 8 CPU-seconds in 8 s and the other none, so two workers served no more
than one. With ``SO_REUSEPORT`` each worker binds its own socket to the same address and the
kernel spreads incoming connections over them by a hash of the client's address and port
(Linux >= 3.9), which is what nginx's ``reuse_port`` does. No library does this for uvicorn, so
this small supervisor does, and leaves HTTP to uvicorn in each worker.

The supervisor (the parent process) starts ``workers`` spawned processes, forwards ``SIGHUP`` to
them (each reloads its models, see :mod:`hueai.api`; ``POST /admin/reload`` to any worker sends
the supervisor that signal through :func:`reload_siblings`), restarts a worker that dies, and on
``SIGINT``/``SIGTERM`` stops them all gracefully (uvicorn finishes requests in flight), killing
any still running after ``grace`` seconds. A worker that cannot start (the port is taken, the
database is out of date) ends the whole server with that worker's exit status rather than
being restarted forever.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

import structlog

log = structlog.get_logger(__name__)

#: Set in the workers' environment: the supervisor's pid, for :func:`reload_siblings`.
SUPERVISOR_ENV = "HUEAI_SERVE_SUPERVISOR"
#: A worker that exits with an error this soon after its start is failing to start, not crashing.
STARTUP_SECONDS = 10.0
STARTUP_FAILURE = 3  # uvicorn's exit status when a server cannot start; the workers use it too


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, not yet listening.

    ``IPPROTO_TCP`` is named explicitly: asyncio turns Nagle's algorithm off (``TCP_NODELAY``)
    only on sockets whose protocol says TCP, and with Nagle on every small response waits
    for the client's delayed ACK (about 40 ms on Linux).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def reload_siblings() -> bool:
    """In a worker of a :class:`WorkerPool`, have every worker reload its models; ``False`` elsewhere."""
    supervisor = os.environ.get(SUPERVISOR_ENV)
    if not supervisor or os.getppid() != int(supervisor):
        return False
    os.kill(int(supervisor), signal.SIGHUP)
    return True


def _end_when_orphaned(supervisor: int) -> None:
    """A worker whose supervisor died (``kill -9``) stops gracefully instead of serving on alone."""
    while os.getppid() == supervisor:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _worker(host: str, port: int, uvicorn_options: dict[str, Any]) -> None:
    import uvicorn

    from hueai.threads import limit_threads

    # Its own session: Ctrl-C in a terminal or a signal to the process group reaches the supervisor
    # only, which forwards it once (a second SIGTERM would make uvicorn drop requests in flight).
    supervisor = os.getppid()
    os.setsid()
    threading.Thread(target=_end_when_orphaned, args=(supervisor,), name="orphan-watch", daemon=True).start()
    limit_threads(1)
    try:
        sock = reuse_port_socket(host, port)
    except OSError as exc:
        print(f"hueai serve: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(uvicorn.Config(**uvicorn_options))
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


@dataclass
class WorkerPool:
    """The supervisor of ``workers`` uvicorn processes sharing ``host:port`` (see the module docstring)."""

    host: str
    port: int
    workers: int
    uvicorn_options: dict[str, Any]
    grace: float = 30.0
    _processes: list[tuple[BaseProcess, float]] = field(default_factory=list)  # each with its start time
    _signals: list[int] = field(default_factory=list)

    def run(self) -> int:
        """Serve until ``SIGINT``/``SIGTERM``; returns the exit status for the command."""
        # Bind once here first, so that a taken port is one clear line before any worker starts.
        reuse_port_socket(self.host, self.port).close()
        os.environ[SUPERVISOR_ENV] = str(os.getpid())  # inherited by the spawned workers
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda number, _frame: self._signals.append(number))
        self._processes = [self._start() for _ in range(self.workers)]
        log.info("serve.workers", workers=self.workers, host=self.host, port=self.port,
                 pids=[process.pid for process, _ in self._processes])
        while True:
            while self._signals:
                number = self._signals.pop(0)
                if number == signal.SIGHUP:
                    self._forward(signal.SIGHUP)
                else:
                    self._stop()
                    return 0
            status = self._replace_dead()
            if status:
                self._stop()
                return status
            time.sleep(0.2)

    def _start(self) -> tuple[BaseProcess, float]:
        process = multiprocessing.get_context("spawn").Process(
            target=_worker, args=(self.host, self.port, self.uvicorn_options), name="hueai-worker")
        process.start()
        return process, time.monotonic()

    def _replace_dead(self) -> int:
        """Restart workers that died; a non-zero status when one could not even start.

        A worker killed by a signal (the OOM killer, ``kill -9``) is replaced whenever it died; one
        that exited with an error of its own soon after starting (uvicorn's startup failure, an
        import error) would only fail again, so the server stops with its status.
        """
        for index, (process, started) in enumerate(self._processes):
            if process.is_alive():
                continue
            lived = time.monotonic() - started
            status = process.exitcode or 0
            if status == STARTUP_FAILURE or (status > 0 and lived < STARTUP_SECONDS):
                log.error("serve.worker_failed_to_start", pid=process.pid, exitcode=status)
                return status
            log.warning("serve.worker_died", pid=process.pid, exitcode=status, seconds=round(lived, 1))
            self._processes[index] = self._start()
        return 0

    def _forward(self, number: int) -> None:
        for process, _ in self._processes:
            if process.is_alive() and process.pid is not None:
                try:
                    os.kill(process.pid, number)
                except ProcessLookupError:
                    pass

    def _stop(self) -> None:
        self._forward(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for process, _ in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
