"""The ARI application: one events WebSocket, many calls, each its own :class:`~voice.call.CallSession`.

:meth:`Callbot.run` keeps the events WebSocket open for as long as the process runs. Each
``StasisStart`` of a caller channel starts a call (the externalMedia channels the calls create
enter the application too, and are recognised and left alone); every other event goes to the
call whose channel it names. Calls are independent tasks: one failing, hanging up or waiting on
a slow Asterisk answer never holds up another, nor the event loop that paces their packets.

When the WebSocket drops (network, or Asterisk restarting), the callbot reconnects with
exponential back-off (:class:`~voice.ari.Backoff`). Calls in progress keep their media and go
on; once the WebSocket is back, each call's channel is looked up and the calls whose channel is
gone end ("asterisk_lost"). If it does not come back within ``HUEAI_ARI_LOST_GRACE_SECONDS``,
every call ends: without events the callbot would not know of hang-ups or keys.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog

from dialogue.turns import Assistant
from voice.ari import AriClient, AriError, Backoff
from voice.call import CallSession
from voice.media import PortPool
from voice.pipeline import SpeechStack
from voice.settings import AriSettings
from voice.store import CallStore, mask_number

log = structlog.get_logger(__name__)


class Callbot:
    def __init__(self, ari: AriClient, ari_settings: AriSettings, stack: SpeechStack, *,
                 assistant: Callable[[], Assistant], store: CallStore | None = None) -> None:
        self.ari = ari
        self.ari_settings = ari_settings
        self.stack = stack
        self.assistant = assistant
        self.store = store
        self.ports = PortPool(stack.settings.rtp_host, stack.settings.ports)
        self.calls: dict[str, CallSession] = {}
        self.history: deque[CallSession] = deque(maxlen=200)  # the last calls that ended (diagnostics, bench)
        self.tasks: set[asyncio.Task] = set()
        self.connected = asyncio.Event()
        self.db_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="callbot-db")
        self._lost_task: asyncio.Task | None = None
        self.events_seen = 0

    # -- the events loop -------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        # Everything loaded so far (libraries, models: ~300,000 objects) is moved out of the garbage collector's
        # reach: a full collection walking them took ~100 ms, a stall the 20 ms packet clock cannot absorb.
        gc.collect()
        gc.freeze()
        backoff = Backoff(self.ari_settings.reconnect_min_seconds, self.ari_settings.reconnect_max_seconds)
        housekeeping = asyncio.ensure_future(self._housekeeping(stop))
        try:
            while not stop.is_set():
                reader = asyncio.ensure_future(self._read_events(backoff))
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
                if not reader.done():
                    reader.cancel()
                    await asyncio.gather(reader, return_exceptions=True)
                    break
                self._disconnected()
                if stop.is_set():
                    break
                delay = backoff.next()
                log.info("ari.reconnecting", in_seconds=round(delay, 2), attempt=backoff.attempt)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except asyncio.TimeoutError:
                    pass
        finally:
            housekeeping.cancel()
            await self.shutdown()

    async def _read_events(self, backoff: Backoff) -> None:
        def opened() -> None:
            backoff.reset()
            self._connected_now()

        try:
            async for event in self.ari.events(on_open=opened):
                await self.dispatch(event)
        except AriError as exc:
            log.warning("ari.events_failed", status=exc.status, reason=exc.reason[:80])
            return
        except Exception as exc:
            log.exception("ari.events_error", error=f"{type(exc).__name__}: {exc}")
            return

    def _connected_now(self) -> None:
        if not self.connected.is_set():
            self.connected.set()
            log.info("ari.connected", app=self.ari.app, calls=len(self.calls))
            if self._lost_task is not None:
                self._lost_task.cancel()
                self._lost_task = None
                self._spawn(self._reconcile())

    def _disconnected(self) -> None:
        if self.connected.is_set():
            self.connected.clear()
            log.warning("ari.disconnected", calls=len(self.calls))
        if self.calls and self._lost_task is None:
            self._lost_task = asyncio.ensure_future(self._end_calls_after_grace())

    async def _end_calls_after_grace(self) -> None:
        await asyncio.sleep(self.ari_settings.lost_grace_seconds)
        if not self.connected.is_set():
            log.error("ari.lost", calls=len(self.calls))
            for call in list(self.calls.values()):
                call.end("asterisk_lost")

    async def _reconcile(self) -> None:
        """After a reconnection: end the calls whose channel Asterisk no longer has."""
        for call in list(self.calls.values()):
            try:
                await self.ari.get_channel(call.channel_id)
            except AriError as exc:
                if exc.gone:
                    log.warning("call.lost_on_reconnect", call=call.channel_id)
                    call.end("asterisk_lost")

    # -- events ---------------------------------------------------------------------------------------------
    async def dispatch(self, event: dict[str, Any]) -> None:
        self.events_seen += 1
        kind = event.get("type")
        if kind == "ApplicationReplaced":
            log.error("ari.application_replaced", app=self.ari.app)
            return
        if event.get("application") not in (None, self.ari.app):
            return
        channel = event.get("channel") or {}
        channel_id = channel.get("id")
        if not channel_id:
            return
        if kind == "StasisStart":
            await self._stasis_start(event, channel)
            return
        call = self.calls.get(channel_id) or self._call_by_media(channel_id)
        if call is not None:
            await call.on_event(event)

    async def _stasis_start(self, event: dict[str, Any], channel: dict[str, Any]) -> None:
        channel_id = channel["id"]
        if self._call_by_media(channel_id) is not None or str(channel.get("name", "")).startswith("UnicastRTP/"):
            return  # one of our externalMedia channels entering the application
        if channel_id in self.calls:
            return
        if len(self.calls) >= self.stack.settings.call_max_calls:
            log.warning("call.busy", call=channel_id, calls=len(self.calls))
            self._spawn(self._send_to_operators(channel_id))
            return
        caller = (channel.get("caller") or {}).get("number")
        log.info("ari.stasis_start", call=channel_id, caller=mask_number(caller), args=event.get("args"))
        call = CallSession(channel, ari=self.ari, ari_settings=self.ari_settings, stack=self.stack, ports=self.ports,
                           assistant=self.assistant, store=self.store, db_executor=self.db_executor)
        self.calls[channel_id] = call
        self._spawn(self._run_call(call))

    async def _run_call(self, call: CallSession) -> None:
        try:
            await call.run()
        finally:
            self.calls.pop(call.channel_id, None)
            self.history.append(call)

    async def _send_to_operators(self, channel_id: str) -> None:
        s = self.ari_settings
        try:
            await self.ari.continue_in_dialplan(channel_id, s.operator_context, s.operator_exten, s.operator_priority)
        except AriError as exc:
            log.warning("call.busy_transfer_failed", call=channel_id, status=exc.status)

    def _call_by_media(self, channel_id: str) -> CallSession | None:
        if channel_id.endswith("-media"):
            return self.calls.get(channel_id[: -len("-media")])
        return None

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- housekeeping and shutdown ------------------------------------------------------------------------
    async def _housekeeping(self, stop: asyncio.Event) -> None:
        """Recordings past their retention are deleted at start and every hour."""
        settings = self.stack.settings
        while not stop.is_set() and self.store is not None and settings.recording_dir is not None:
            try:
                removed = await asyncio.get_running_loop().run_in_executor(
                    self.db_executor, self.store.expire_recordings, settings.recording_retention_days)
                if removed:
                    log.info("callbot.recordings_expired", removed=removed)
            except Exception as exc:
                log.error("callbot.housekeeping_failed", error=str(exc))
            try:
                await asyncio.wait_for(stop.wait(), timeout=3600)
            except asyncio.TimeoutError:
                pass

    async def shutdown(self) -> None:
        """End every call (they hang up their media and complete their rows), then close the client."""
        for call in list(self.calls.values()):
            call.end("shutdown")
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=10)
        await self.ari.close()
        self.db_executor.shutdown(wait=False)

    async def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.calls and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return not self.calls
