"""Asterisk externalMedia as a Pipecat transport: RTP in -> audio frames, audio frames -> RTP out.

Pipecat ships serializers for cloud telephony (Twilio, Telnyx, Plivo, ...: JSON over a
WebSocket) but none for Asterisk, whose externalMedia speaks plain RTP over UDP. This module
is that missing piece, in Pipecat's own shapes:

* :class:`AsteriskRtpSerializer` is a Pipecat ``FrameSerializer``: an ``OutputAudioRawFrame``
  becomes one RTP packet (sequence, timestamp, marker, SSRC kept per call), an RTP packet
  becomes an ``InputAudioRawFrame`` at the wire rate. It refuses garbage and foreign payload
  types instead of decoding them.
* :class:`AsteriskRtpInput` (a ``BaseInputTransport``) puts incoming packets through a
  :class:`~voice.jitter.JitterBuffer` and plays one out every 20 ms on its own monotonic clock,
  silence where a packet is missing, converted to 16 kHz for the VAD, Smart Turn and Whisper.
  The pipeline thus hears a steady 50 frames a second whatever the network does, which is what
  the VAD's and Smart Turn's notion of time rests on.
* :class:`AsteriskRtpOutput` (a ``BaseOutputTransport``) is handed 20 ms chunks by Pipecat's
  media sender (``audio_out_10ms_chunks=2``) and sends each as one packet at its deadline on a
  :class:`~voice.pacing.Pacer`. Pipecat's own interruption handling empties its queue on
  barge-in, so playback stops within a packet or two of the interruption (and the endpoint is
  told to flush: chan_websocket drops what it has queued, see :mod:`voice.websocket_media`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from pipecat.frames.frames import (
    BotStoppedSpeakingFrame, CancelFrame, EndFrame, Frame, InputAudioRawFrame, InterruptionFrame, OutputAudioRawFrame,
    StartFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.serializers.base_serializer import FrameSerializer
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_output import BOT_VAD_STOP_SECS, BaseOutputTransport
from pipecat.transports.base_transport import BaseTransport, TransportParams

from voice.audio import StreamResampler
from voice.jitter import JitterBuffer
from voice.media import RtpEndpoint
from voice.pacing import Pacer
from voice.rtp import Codec, RtpError, RtpPacket, parse
from voice.websocket_media import WebSocketMediaEndpoint

log = structlog.get_logger(__name__)

PTIME_MS = 20
MODEL_RATE = 16_000  # what Silero VAD, Smart Turn and Whisper listen at


@dataclass
class InboundStats:
    malformed: int = 0
    wrong_payload: int = 0
    frames: int = 0


@dataclass
class CallMedia:
    """One call's media: its UDP endpoint, codec, and what happened to its packets (for logs and the bench)."""

    endpoint: RtpEndpoint | WebSocketMediaEndpoint
    codec: Codec
    jitter: JitterBuffer
    pacer: Pacer = field(default_factory=Pacer)
    inbound: InboundStats = field(default_factory=InboundStats)
    #: Called with each 20 ms of caller audio (16 kHz) and each packet of assistant audio (line rate).
    on_caller_audio: Callable[[bytes], None] | None = None
    on_bot_audio: Callable[[bytes], None] | None = None
    #: Called with the send time (monotonic) of the first packet of each talk spurt.
    on_first_packet: Callable[[float], None] | None = None
    underruns: int = 0


class AsteriskRtpSerializer(FrameSerializer):
    """Frames <-> RTP packets in one externalMedia format (see the module docstring)."""

    def __init__(self, codec: Codec, ssrc: int | None = None) -> None:
        super().__init__()
        self.codec = codec
        self.ssrc = ssrc if ssrc is not None else random.getrandbits(32)
        self._sequence = random.getrandbits(16)
        self._timestamp = random.getrandbits(32)
        self._marker = True
        self._spurt_started: float | None = None

    def new_talk_spurt(self, now: float | None = None) -> None:
        """The next packet starts a talk spurt: marker bit set, timestamp advanced by the silence before it."""
        now = time.monotonic() if now is None else now
        if self._spurt_started is not None:
            samples = int((now - self._spurt_started) * self.codec.sample_rate)
            self._timestamp = (self._timestamp + samples) & 0xFFFFFFFF
        self._spurt_started = now
        self._marker = True

    async def serialize(self, frame: Frame) -> bytes | None:
        if not isinstance(frame, OutputAudioRawFrame):
            return None
        return self.packet(frame.audio)

    def packet(self, pcm: bytes) -> bytes:
        """One packet of 16-bit PCM at the codec's rate."""
        payload = self.codec.encode(pcm)
        packet = RtpPacket(self.codec.payload_type, self._sequence, self._timestamp, self.ssrc, payload,
                           self._marker)
        self._marker = False
        self._sequence = (self._sequence + 1) & 0xFFFF
        self._timestamp = (self._timestamp + self.codec.samples(payload)) & 0xFFFFFFFF
        if self._spurt_started is not None:
            self._spurt_started += len(pcm) / 2 / self.codec.sample_rate
        return packet.to_bytes()

    async def deserialize(self, data: str | bytes) -> Frame | None:
        if isinstance(data, str):
            return None
        try:
            packet = parse(data)
        except RtpError:
            return None
        if packet.payload_type != self.codec.payload_type:
            return None
        frame = InputAudioRawFrame(audio=self.codec.decode(packet.payload), sample_rate=self.codec.sample_rate,
                                   num_channels=1)
        frame.metadata["rtp"] = packet
        return frame


class AsteriskRtpInput(BaseInputTransport):
    def __init__(self, media: CallMedia, params: TransportParams, **kwargs: object) -> None:
        super().__init__(params, **kwargs)
        self.media = media
        self._upsample = StreamResampler(media.codec.sample_rate, MODEL_RATE)
        self._silence = media.codec.silence(PTIME_MS)
        self._playout: asyncio.Task | None = None
        media.endpoint.on_datagram = self._on_datagram

    def _on_datagram(self, data: bytes) -> None:
        try:
            packet = parse(data)
        except RtpError as exc:
            self.media.inbound.malformed += 1
            if self.media.inbound.malformed in (1, 10, 100, 1000):
                log.warning("rtp.malformed", count=self.media.inbound.malformed, reason=str(exc))
            return
        if packet.payload_type != self.media.codec.payload_type:
            self.media.inbound.wrong_payload += 1
            if self.media.inbound.wrong_payload in (1, 10, 100, 1000):
                log.warning("rtp.wrong_payload_type", payload_type=packet.payload_type,
                            expected=self.media.codec.payload_type, count=self.media.inbound.wrong_payload)
            return
        if len(packet.payload) % self.media.codec.bytes_per_sample or not packet.payload:
            self.media.inbound.malformed += 1
            return
        self.media.jitter.push(packet)

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)
        if self._playout is None:
            self._playout = self.create_task(self._play_out(), "rtp-playout")

    async def stop(self, frame: EndFrame) -> None:
        await self._stop_playout()
        await super().stop(frame)

    async def cancel(self, frame: CancelFrame) -> None:
        await self._stop_playout()
        await super().cancel(frame)

    async def _stop_playout(self) -> None:
        if self._playout is not None:
            await self.cancel_task(self._playout)
            self._playout = None

    async def _play_out(self) -> None:
        """One frame every 20 ms, from the jitter buffer or silence, on a drift-free clock."""
        clock = Pacer(PTIME_MS / 1000.0, max_behind=5)
        codec = self.media.codec
        while True:
            await clock.wait()
            packet = self.media.jitter.pop()
            payload = packet.payload if packet is not None else self._silence
            pcm = self._upsample(codec.decode(payload))
            self.media.inbound.frames += 1
            if self.media.on_caller_audio is not None:
                self.media.on_caller_audio(pcm)
            await self.push_audio_frame(InputAudioRawFrame(audio=pcm, sample_rate=MODEL_RATE, num_channels=1))


class AsteriskRtpOutput(BaseOutputTransport):
    """Talk spurts: a spurt starts with the first chunk after the bot was silent (marker bit set, a new
    pacing schedule) and ends when Pipecat's media sender says the bot stopped speaking (the reply played
    out, or an interruption emptied the queue). Within a spurt, a packet sent more than one packet time
    after its deadline is an underrun: the caller heard a gap."""

    def __init__(self, media: CallMedia, serializer: AsteriskRtpSerializer, params: TransportParams,
                 **kwargs: object) -> None:
        super().__init__(params, **kwargs)
        self.media = media
        self.serializer = serializer
        self._in_spurt = False
        self._last_write = 0.0

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        if isinstance(frame, InterruptionFrame):
            self.media.endpoint.flush()  # barge-in: what the far end still holds is dropped too
        await super().process_frame(frame, direction)

    async def push_frame(self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM) -> None:
        if isinstance(frame, BotStoppedSpeakingFrame):
            self._in_spurt = False
        await super().push_frame(frame, direction)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        pacer = self.media.pacer
        # A talk spurt also ends when nothing was sent for a while, whether or not Pipecat said the bot
        # stopped speaking: the bench once saw a packet 3.6 s after the one before inside one "spurt",
        # which the pacer took for a 3.6 s underrun instead of the start of a new spurt.
        gap = time.monotonic() - self._last_write
        first = not self._in_spurt or gap > BOT_VAD_STOP_SECS  # Pipecat's own bot-stopped-speaking window
        if first:
            self._in_spurt = True
            pacer.restart()
            self.serializer.new_talk_spurt()
        underruns = pacer.underruns
        late_ms = await pacer.wait()
        # A packet later than the audio the far end still holds (one packet, or the pacer's lead) is a gap.
        if not first and (pacer.underruns != underruns or late_ms > PTIME_MS * (1 + pacer.ahead)):
            self.media.underruns += 1
        self.media.endpoint.send(self.serializer.packet(frame.audio))
        self._last_write = time.monotonic()
        if self.media.on_bot_audio is not None:
            self.media.on_bot_audio(frame.audio)
        if first and self.media.on_first_packet is not None:
            self.media.on_first_packet(time.monotonic())
        return True


class AsteriskRtpTransport(BaseTransport):
    """The transport of one call: ``input()`` at the head of its pipeline, ``output()`` at the end."""

    def __init__(self, media: CallMedia, *, name: str | None = None) -> None:
        super().__init__(name=name)
        rate = media.codec.sample_rate
        self.params = TransportParams(
            audio_in_enabled=True, audio_in_sample_rate=MODEL_RATE, audio_in_passthrough=True,
            audio_out_enabled=True, audio_out_sample_rate=rate, audio_out_10ms_chunks=PTIME_MS // 10,
            audio_out_end_silence_secs=0,
        )
        self.media = media
        self.serializer = AsteriskRtpSerializer(media.codec)
        self._input = AsteriskRtpInput(media, self.params, name=f"{self.name}#input")
        self._output = AsteriskRtpOutput(media, self.serializer, self.params, name=f"{self.name}#output")

    def input(self) -> FrameProcessor:
        return self._input

    def output(self) -> FrameProcessor:
        return self._output
