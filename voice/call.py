"""One call, from ``StasisStart`` to its end: ARI set-up, the pipeline, transfer or hang-up, the log.

Set-up, as production ARI bots do it: answer the caller's channel, open a local RTP port,
create a mixing bridge, ask Asterisk for an externalMedia channel that streams to that port
(``format`` from ``HUEAI_RTP_FORMAT``), and put both channels in the bridge. Then the call's
Pipecat pipeline runs until one of these ends it:

==================  ===================================================================
caller_hangup       the caller hung up (``StasisEnd``/``ChannelHangupRequest``/``ChannelDestroyed``)
transferred         ``POST /channels/{id}/continue`` into the operators' context succeeded
silence             nobody answered the silence prompt
max_length          ``HUEAI_CALL_MAX_SECONDS`` passed
asterisk_lost       the events WebSocket stayed down (Asterisk restarting) or the channel vanished
ari_error           Asterisk refused a call's set-up (the error is logged with its status)
transfer_failed     ``continue`` kept failing: the caller is hung up on rather than left in silence
==================  ===================================================================

Whatever ends it, tear-down is the same and tolerant of a half-built call: the pipeline is
cancelled, the media channel hung up, the bridge destroyed (a 404 there is not an error: the
channel is already gone), the port released, and the call's row completed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
import structlog
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import InputDTMFFrame
from pipecat.workers.runner import WorkerRunner

from dialogue.assistant import DialogueUnavailable
from dialogue.turns import Assistant, Turn
from voice.ari import AriClient, AriError
from voice.flow import CallFlow, DialogueFailed, TurnRecord
from voice.jitter import JitterBuffer
from voice.media import NoFreePort, PortPool, RtpEndpoint
from voice.pacing import Pacer
from voice.pipeline import CallPipeline, SpeechStack, build_pipeline
from voice.recording import CallRecording
from voice.rtp import CODECS, Codec
from voice.settings import AriSettings
from voice.store import CallStore, mask_number
from voice.transport import CallMedia
from voice.websocket_media import (
    CONNECTION_ID_VARIABLE, WEBSOCKET_LEAD_PACKETS, MediaUnavailable, WebSocketMediaEndpoint, media_url,
)

if TYPE_CHECKING:
    pass

log = structlog.get_logger(__name__)

CALLER_GONE_EVENTS = {"StasisEnd", "ChannelHangupRequest", "ChannelDestroyed"}
KEYS = {entry.value for entry in KeypadEntry}


class CallSession:
    def __init__(self, channel: dict[str, Any], *, ari: AriClient, ari_settings: AriSettings, stack: SpeechStack,
                 ports: PortPool, assistant: Callable[[], Assistant], store: CallStore | None,
                 db_executor: Executor) -> None:
        self.channel_id: str = channel["id"]
        self.caller: str | None = (channel.get("caller") or {}).get("number")
        self.media_id = f"{self.channel_id}-media"[:64]
        self.session_id = f"voice-{self.channel_id}"[:128]
        self.ari, self.ari_settings, self.stack, self.ports = ari, ari_settings, stack, ports
        self.assistant, self.store, self.db_executor = assistant, store, db_executor
        self.log = log.bind(call=self.channel_id, caller=mask_number(self.caller))
        self.bridge_id: str | None = None
        self.port: int | None = None
        self.endpoint: RtpEndpoint | WebSocketMediaEndpoint | None = None
        self.media: CallMedia | None = None
        self.pipeline: CallPipeline | None = None
        self.recording: CallRecording | None = None
        self.end_reason: str | None = None
        self.transfer_reason: str | None = None
        self.started = time.monotonic()
        self.finished = asyncio.Event()
        self._ending = asyncio.Event()
        self._turns = 0
        self._writes: list[asyncio.Future] = []
        self._stored = False

    # -- the call -----------------------------------------------------------------------------------------
    async def run(self) -> None:
        self.log.info("call.start", mode="speech" if self.stack.speech else "dtmf")
        try:
            await self._set_up()
            if not self._ending.is_set():
                await self._run_pipeline()
        except AriError as exc:
            self._end_reason("caller_hangup" if exc.status == 404 else "asterisk_lost" if exc.status == 0
                             else "ari_error")
            self.log.warning("call.ari_error", method=exc.method, path=exc.path, status=exc.status)
        except (NoFreePort, MediaUnavailable) as exc:  # no media for this call: a person takes it
            self.log.error("call.no_port" if isinstance(exc, NoFreePort) else "call.no_media", error=str(exc))
            self._end_reason("no_port" if isinstance(exc, NoFreePort) else "no_media")
            await self._safe(self.ari.continue_in_dialplan(self.channel_id, self.ari_settings.operator_context,
                                                           self.ari_settings.operator_exten,
                                                           self.ari_settings.operator_priority))
        except Exception as exc:  # a bug ends this call only, with its trace in the log
            self.log.exception("call.failed", error=f"{type(exc).__name__}: {exc}")
            self._end_reason("error")
        finally:
            await self._tear_down()

    async def _set_up(self) -> None:
        settings = self.stack.settings
        codec = CODECS[settings.rtp_format]
        await self.ari.answer(self.channel_id)
        await self._db(self._store_start)
        jitter = JitterBuffer(depth=max(1, settings.rtp_jitter_ms // 20))
        websocket = settings.media_transport == "websocket"
        if websocket:
            self.endpoint = WebSocketMediaEndpoint(codec)
        else:
            self.endpoint, self.port = await self.ports.open(lambda data: None)
        # chan_websocket queues and times what it is sent: keep it WEBSOCKET_LEAD_PACKETS ahead (voice.pacing)
        # and restart the schedule only when a stall has used that lead up (as RTP does after three packets)
        lead = WEBSOCKET_LEAD_PACKETS if websocket else 0
        pacer = Pacer(ahead=lead, max_behind=3 + lead)
        self.media = CallMedia(endpoint=self.endpoint, codec=codec, jitter=jitter, pacer=pacer)
        if settings.recording_dir is not None:
            self.recording = CallRecording(settings.recording_dir, self.channel_id, codec.sample_rate)
            self.media.on_caller_audio, self.media.on_bot_audio = self.recording.caller, self.recording.bot
        bridge = await self.ari.create_bridge("mixing", name=f"callbot-{self.channel_id}"[:80])
        self.bridge_id = bridge["id"]
        if isinstance(self.endpoint, WebSocketMediaEndpoint):
            await self._open_websocket_media(self.endpoint, codec)
        else:
            await self._open_rtp_media(self.endpoint, codec)
        await self.ari.add_channels(self.bridge_id, [self.channel_id, self.media_id])

    async def _open_rtp_media(self, endpoint: RtpEndpoint, codec: Codec) -> None:
        host = self.stack.settings.rtp_host
        external_host = f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"
        channel = await self.ari.external_media(external_host=external_host, media_format=codec.name,
                                                channel_id=self.media_id, data=self.channel_id)
        variables = channel.get("channelvars") or {}
        address, port = variables.get("UNICASTRTP_LOCAL_ADDRESS"), variables.get("UNICASTRTP_LOCAL_PORT")
        if address and port:
            endpoint.remote = (address, int(port))

    async def _open_websocket_media(self, endpoint: WebSocketMediaEndpoint, codec: Codec) -> None:
        channel = await self.ari.external_media_websocket(media_format=codec.name, channel_id=self.media_id,
                                                          data=self.channel_id)
        connection_id = (channel.get("channelvars") or {}).get(CONNECTION_ID_VARIABLE) or \
            await self.ari.get_variable(self.media_id, CONNECTION_ID_VARIABLE)
        if not connection_id:
            raise MediaUnavailable(f"no {CONNECTION_ID_VARIABLE} on the externalMedia channel (is chan_websocket "
                                   "loaded? Asterisk 20.16, 21.11, 22.6 or later)")
        try:
            await endpoint.connect(media_url(self.ari.base, connection_id), auth=self.ari.auth)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise MediaUnavailable(f"the media WebSocket /media/{connection_id} was refused: "
                                   f"{type(exc).__name__}: {exc}") from exc

    async def _run_pipeline(self) -> None:
        assert self.media is not None
        flow = CallFlow(self._ask, self.stack.prompts, self.stack.menu, speech=self.stack.speech)
        self.pipeline = build_pipeline(self.media, flow, self, self.stack, name=self.channel_id)
        runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
        await runner.add_workers(self.pipeline.worker)
        ended = asyncio.ensure_future(self._ending.wait())
        running = asyncio.ensure_future(runner.run())
        await asyncio.wait({ended, running}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            await self.pipeline.worker.cancel(reason=self.end_reason)
            try:
                await asyncio.wait_for(running, timeout=5.0)
            except (asyncio.TimeoutError, Exception):
                running.cancel()
        ended.cancel()

    async def _ask(self, text: str) -> Turn:
        """One dialogue turn on the voice channel, in the shared thread pool (it reads and writes the database)."""
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            handle = partial(self.assistant().handle, self.session_id, text, channel="voice")
            return await loop.run_in_executor(self.stack.executor, handle)
        except DialogueUnavailable as exc:
            raise DialogueFailed(exc.reply) from exc
        finally:
            self.log.debug("call.dialogue", ms=round((time.perf_counter() - started) * 1000, 1))

    # -- events from Asterisk ---------------------------------------------------------------------------
    async def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        channel_id = (event.get("channel") or {}).get("id")
        if channel_id == self.media_id:
            if kind in ("ChannelDestroyed", "StasisEnd") and not self._ending.is_set():
                self.log.warning("call.media_lost", event=kind)
                self.end("media_lost")
            return
        if kind == "ChannelDtmfReceived":
            digit = str(event.get("digit", ""))
            self.log.info("call.dtmf", digit=digit)
            if digit in KEYS and self.pipeline is not None and not self._ending.is_set():
                await self.pipeline.worker.queue_frame(InputDTMFFrame(button=KeypadEntry(digit)))
        elif kind in CALLER_GONE_EVENTS:
            self.end("transferred" if self.transfer_reason and self.end_reason is None else "caller_hangup")

    def end(self, reason: str) -> None:
        """End the call (idempotent): the first reason given is the one stored."""
        self._end_reason(reason)
        self._ending.set()

    def _end_reason(self, reason: str) -> None:
        if self.end_reason is None:
            self.end_reason = reason

    # -- CallHooks: what the director asks for --------------------------------------------------------
    async def transfer(self, reason: str) -> None:
        self.transfer_reason = reason
        settings = self.ari_settings
        self.log.info("call.transfer", reason=reason, context=settings.operator_context)
        for attempt in range(2):
            try:
                await self.ari.continue_in_dialplan(self.channel_id, settings.operator_context,
                                                    settings.operator_exten, settings.operator_priority)
                self.end("transferred")
                return
            except AriError as exc:
                self.log.warning("call.transfer_failed", status=exc.status, attempt=attempt + 1)
                if exc.gone:
                    self.end("caller_hangup")
                    return
                await asyncio.sleep(0.3)
        await self._safe(self.ari.hangup(self.channel_id))
        self.end("transfer_failed")

    async def hangup(self, reason: str) -> None:
        self.log.info("call.hangup", reason=reason)
        self._end_reason(reason)
        await self._safe(self.ari.hangup(self.channel_id))
        self.end(reason)

    def record(self, record: TurnRecord) -> None:
        self._turns += 1
        index = self._turns
        self.log.info("call.turn", index=index, source=record.source, intent=record.intent, action=record.action,
                      barge_in=record.barge_in, **{k: v for k, v in record.timing.stages().items()
                                                   if k in ("total", "asr", "dialogue", "tts", "overhead")})
        if self.store is not None:
            loop = asyncio.get_running_loop()
            self._writes.append(loop.run_in_executor(self.db_executor, partial(
                self.store.add_turn, self.channel_id, index=index, source=record.source, reply=record.reply,
                transcript=record.transcript, keys=record.keys, intent=record.intent, action=record.action,
                barge_in=record.barge_in, latency_ms=record.timing.stages() or None)))

    # -- tear-down ------------------------------------------------------------------------------------------
    async def _tear_down(self) -> None:
        self._end_reason("caller_hangup")
        self._ending.set()
        if self.pipeline is not None and self.pipeline.director._current is not None:
            self.record(self.pipeline.director._current)
            self.pipeline.director._current = None
        if self.bridge_id is not None or self.media is not None:
            await self._safe(self.ari.hangup(self.media_id))
        if self.bridge_id is not None:
            await self._safe(self.ari.destroy_bridge(self.bridge_id))
        if self.port is not None:
            self.ports.release(self.port, self.endpoint)  # type: ignore[arg-type]
        elif isinstance(self.endpoint, WebSocketMediaEndpoint):
            await self.endpoint.aclose()
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        recording = None
        if self.recording is not None:
            try:
                recording = str(await asyncio.get_running_loop().run_in_executor(self.db_executor,
                                                                                  self.recording.save))
            except OSError as exc:
                self.log.error("call.recording_failed", error=str(exc))
        stats = self.stats()
        if self._stored:
            await self._db(partial(self._store_end, recording, stats))
        self.log.info("call.end", reason=self.end_reason, transfer=self.transfer_reason, turns=self._turns,
                      seconds=round(time.monotonic() - self.started, 1), **{k: v for k, v in stats.items()
                                                                            if k != "jitter"})
        self.finished.set()

    def stats(self) -> dict[str, Any]:
        if self.media is None:
            return {}
        media = self.media
        lateness = sorted(media.pacer.lateness_ms)
        p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))] if lateness else 0.0
        return {"packets_in": media.endpoint.stats.datagrams, "packets_out": media.endpoint.stats.sent,
                "malformed": media.inbound.malformed, "wrong_payload": media.inbound.wrong_payload,
                "foreign": media.endpoint.stats.foreign, "underruns": media.underruns,
                "pacing_p99_ms": round(p99, 2), "jitter": vars(media.jitter.stats)}

    def _store_start(self) -> None:
        assert self.store is not None
        self.store.start(self.channel_id, session_id=self.session_id, caller=self.caller,
                         mode="speech" if self.stack.speech else "dtmf", media_format=self.stack.settings.rtp_format)
        self._stored = True

    def _store_end(self, recording: str | None, stats: dict[str, Any]) -> None:
        assert self.store is not None
        self.store.end(self.channel_id, reason=self.end_reason or "unknown", transfer_reason=self.transfer_reason,
                       recording=recording, stats=stats)

    async def _db(self, work: Callable[[], None]) -> None:
        if self.store is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(self.db_executor, work)
        except Exception as exc:  # the call goes on without its log rather than not at all
            self.log.error("call.store_failed", error=f"{type(exc).__name__}: {exc}")

    async def _safe(self, request: Any) -> None:
        try:
            await request
        except AriError as exc:
            if exc.status != 404:
                self.log.warning("call.ari_cleanup", method=exc.method, path=exc.path, status=exc.status)
