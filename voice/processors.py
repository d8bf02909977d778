"""The hotline's own frame processors, between Pipecat's turn detection and the RTP output.

A call's pipeline (:func:`voice.pipeline.build_pipeline`)::

    AsteriskRtpInput                 RTP -> 16 kHz audio frames, every 20 ms        (here)
    VADProcessor(Silero)             VADUserStarted/StoppedSpeakingFrame             (Pipecat)
    UserTurnProcessor(Smart Turn)    UserStarted/StoppedSpeakingFrame, interruptions (Pipecat)
    TurnTranscriber                  the turn's audio -> TranscriptionFrame          (here)
    CallDirector                     transcripts, keys, silence -> what to say/do    (here)
    SpeechSynth                      TTSSpeakFrame -> TTSAudioRawFrame               (here)
    AsteriskRtpOutput                audio -> RTP packets, paced                     (here)

Frames flow downstream (caller to assistant) and a few upstream (``BotStartedSpeakingFrame`` /
``BotStoppedSpeakingFrame`` from the output, which tell the director when playback ended).
Every processor forwards what it does not consume, in both directions, as Pipecat requires.
Blocking work (Whisper, the dialogue's database turn, espeak-ng) runs in a thread pool shared by
all calls, never on the event loop that paces the packets.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from datetime import datetime, timezone
from typing import Protocol

import structlog
from pipecat.frames.frames import (
    BotStartedSpeakingFrame, BotStoppedSpeakingFrame, CancelFrame, EndFrame, Frame, InputAudioRawFrame,
    InputDTMFFrame, InterruptionFrame, MetricsFrame, StartFrame, TranscriptionFrame, TTSAudioRawFrame,
    TTSSpeakFrame, TTSStartedFrame, TTSStoppedFrame, UserStartedSpeakingFrame, UserStoppedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.metrics.metrics import TurnMetricsData
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from voice.asr import Recognizer
from voice.flow import Action, CallFlow, Hangup, Say, Transfer, TurnRecord
from voice.timing import TurnTiming
from voice.tts import Speaker

log = structlog.get_logger(__name__)

MODEL_RATE = 16_000
PREROLL_SECONDS = 0.6  # audio kept from before the VAD confirmed speech (it needs 150 ms of it)
MAX_TURN_SECONDS = 30.0


class TurnTranscriber(FrameProcessor):
    """Collects a caller turn's audio (between Pipecat's user-turn start and stop) and transcribes it once.

    Pipecat's ``SegmentedSTTService`` transcribes each VAD segment; on the phone a caller pauses
    mid-sentence, so here the whole turn Smart Turn delimits is transcribed at once: one Whisper
    call per turn, with the full sentence as context. Without a recogniser (the keypad hotline)
    audio is dropped here and only the turn frames go on (the director still hears barge-in).
    """

    def __init__(self, recognizer: Recognizer | None, executor: Executor, *, vad_stop_seconds: float) -> None:
        super().__init__(name="TurnTranscriber")
        self.recognizer = recognizer
        self.executor = executor
        self.vad_stop_seconds = vad_stop_seconds
        self._preroll: deque[bytes] = deque(maxlen=int(PREROLL_SECONDS * 50))
        self._turn: list[bytes] | None = None
        self._speech_end: float | None = None
        self._smart_turn_ms = 0.0

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            if self._turn is not None and len(self._turn) < MAX_TURN_SECONDS * 50:
                self._turn.append(frame.audio)
            else:
                self._preroll.append(frame.audio)
            return  # consumed: nothing after this point listens to the caller's audio
        if isinstance(frame, VADUserStoppedSpeakingFrame):
            self._speech_end = time.monotonic() - self.vad_stop_seconds
        elif isinstance(frame, MetricsFrame):
            for data in frame.data:
                if isinstance(data, TurnMetricsData) and data.e2e_processing_time_ms:
                    self._smart_turn_ms = float(data.e2e_processing_time_ms)
        elif isinstance(frame, UserStartedSpeakingFrame) and direction == FrameDirection.DOWNSTREAM:
            self._turn = list(self._preroll)
            self._preroll.clear()
        elif isinstance(frame, UserStoppedSpeakingFrame) and direction == FrameDirection.DOWNSTREAM:
            now = time.monotonic()
            audio = b"".join(self._turn or [])
            self._turn = None
            timing = TurnTiming(speech_end=min(self._speech_end or now, now), turn_end=now,
                                vad_stop_ms=self.vad_stop_seconds * 1000.0, smart_turn_ms=self._smart_turn_ms)
            self._speech_end, self._smart_turn_ms = None, 0.0
            if self.recognizer is not None and audio:
                self.create_task(self._transcribe(audio, timing), "transcribe")
        await self.push_frame(frame, direction)

    async def _transcribe(self, audio: bytes, timing: TurnTiming) -> None:
        assert self.recognizer is not None
        loop = asyncio.get_running_loop()
        try:
            transcript = await loop.run_in_executor(self.executor, self.recognizer.transcribe, audio)
            text = transcript.text
            timing.asr_model_ms = transcript.latency_ms
        except Exception as exc:  # a broken model must not end the call: the caller is asked to repeat
            log.error("asr.failed", error=f"{type(exc).__name__}: {exc}")
            text = ""
        timing.asr_done = time.monotonic()
        frame = TranscriptionFrame(text=text, user_id="caller", timestamp=datetime.now(timezone.utc).isoformat(),
                                   finalized=True)
        frame.metadata["timing"] = timing
        await self.push_frame(frame)


class Utterance:
    """One reply on its way out: how much audio it has, and when its first packet left (for uninterruptible
    replies, whose playback the director times itself: Pipecat reports the bot "stopped speaking" whenever an
    interruption finds the output queue empty, even while such a reply is still being synthesised)."""

    def __init__(self, interruptible: bool) -> None:
        self.interruptible = interruptible
        self.audio_seconds = 0.0
        self.synthesised = False
        self.first_packet: float | None = None

    def ends_at(self) -> float | None:
        if not self.synthesised or self.first_packet is None:
            return None
        return self.first_packet + self.audio_seconds


class CallHooks(Protocol):
    """What the director asks of the call around it (ARI and the call log)."""

    async def transfer(self, reason: str) -> None: ...

    async def hangup(self, reason: str) -> None: ...

    def record(self, record: TurnRecord) -> None: ...


class CallDirector(FrameProcessor):
    """Carries out the :class:`~voice.flow.CallFlow`'s actions and watches the clock (silence, call length).

    Saying something pushes one ``TTSSpeakFrame``; a transfer or hang-up that follows waits until
    the output reports the end of playback (``BotStoppedSpeakingFrame``), so the caller hears the
    sentence before the line changes, or a safety timeout if it never comes.
    """

    def __init__(self, flow: CallFlow, hooks: CallHooks, *, silence_seconds: float, max_seconds: float,
                 barge_in: bool = True) -> None:
        super().__init__(name="CallDirector")
        self.flow = flow
        self.hooks = hooks
        self.silence_seconds = silence_seconds
        self.max_seconds = max_seconds
        self.barge_in = barge_in
        self.started = time.monotonic()
        self.last_activity = self.started
        self.bot_speaking = False
        self.user_speaking = False
        self.busy = 0  # turns being decided (ASR done, dialogue running)
        self._after: Transfer | Hangup | None = None
        self._awaiting_start = False  # a reply was pushed and its playback has not started yet
        self._utterance: Utterance | None = None
        self._after_deadline: float | None = None
        self._current: TurnRecord | None = None
        self._watchdog: asyncio.Task | None = None
        self._done = False

    # -- frames ------------------------------------------------------------------------------------------
    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):
            await self.push_frame(frame, direction)
            self.started = self.last_activity = time.monotonic()
            await self.run_actions(self.flow.greeting())
            self._watchdog = self.create_task(self._watch(), "call-watchdog")
            return
        if isinstance(frame, (EndFrame, CancelFrame)):
            await self._stop_watchdog()
        elif isinstance(frame, TranscriptionFrame):
            self.busy += 1
            self.create_task(self._decide(self.flow.on_transcript(frame.text, frame.metadata.get("timing")
                                                                  or TurnTiming())), "transcript")
            return
        elif isinstance(frame, InputDTMFFrame):
            self.last_activity = time.monotonic()
            if self.bot_speaking:
                await self.broadcast_interruption()  # a key cuts the prompt short, as on any IVR
            self.busy += 1
            self.create_task(self._decide(self.flow.on_key(frame.button.value)), "dtmf")
            return
        elif isinstance(frame, UserStartedSpeakingFrame) and direction == FrameDirection.DOWNSTREAM:
            self.user_speaking = True
            self.last_activity = time.monotonic()
            self.flow.heard_caller()
            if self.bot_speaking and self._current is not None:
                self._current.barge_in = True
        elif isinstance(frame, UserStoppedSpeakingFrame) and direction == FrameDirection.DOWNSTREAM:
            self.user_speaking = False
            self.last_activity = time.monotonic()
        elif isinstance(frame, BotStartedSpeakingFrame) and direction == FrameDirection.UPSTREAM:
            self.bot_speaking = True
            self._awaiting_start = False
            return
        elif isinstance(frame, BotStoppedSpeakingFrame) and direction == FrameDirection.UPSTREAM:
            self.bot_speaking = False
            self.last_activity = time.monotonic()
            utterance = self._utterance
            if utterance is not None and not utterance.interruptible:
                return  # its end is timed by the watchdog (see Utterance)
            if not self._awaiting_start:  # the end of what was pushed last, not of a reply it cut short
                await self._playback_done()
            return
        await self.push_frame(frame, direction)

    def first_packet(self, at: float) -> None:
        """The output sent the first packet of the current reply: its turn is complete, store it."""
        if self._utterance is not None and self._utterance.first_packet is None:
            self._utterance.first_packet = at
        record = self._current
        if record is not None and record.timing.first_packet is None:
            record.timing.first_packet = at
            self.hooks.record(record)
            self._current = None

    # -- actions -----------------------------------------------------------------------------------------
    async def _decide(self, pending: Awaitable[list[Action]]) -> None:
        try:
            actions = await pending
        except Exception as exc:
            log.error("call.flow_failed", error=f"{type(exc).__name__}: {exc}")
            self.flow.ending = True
            actions = [Say(self.flow.prompts.error, TurnRecord("system", self.flow.prompts.error, action="error"),
                           interruptible=False), Transfer("error")]
        finally:
            self.busy -= 1
        await self.run_actions(actions)

    async def run_actions(self, actions: list[Action]) -> None:
        says = [a for a in actions if isinstance(a, Say)]
        then = next((a for a in actions if isinstance(a, (Transfer, Hangup))), None)
        if then is not None:
            self._after = then
        if says:
            text = " ".join(s.text for s in says)
            record = next((s.record for s in says if s.record is not None), None)
            if self._current is not None and self._current is not record:
                self.hooks.record(self._current)  # a reply that never reached the line is still logged
            self._current = record
            if record is not None and record.timing.dialogue_done is None:
                record.timing.dialogue_done = time.monotonic()
            speak = TTSSpeakFrame(text=text)
            speak.metadata["interruptible"] = all(s.interruptible for s in says) and self.barge_in
            self._utterance = Utterance(speak.metadata["interruptible"])
            speak.metadata["utterance"] = self._utterance
            speak.metadata["timing"] = record.timing if record is not None else None
            if self._after is not None:
                self._after_deadline = time.monotonic() + 10.0 + len(text) / 8.0  # ~ 12 characters a second
            self._awaiting_start = True
            await self.push_frame(speak)
        elif then is not None:  # nothing to say first: transfer or hang up now
            await self._finish()

    async def _playback_done(self) -> None:
        if self._after is not None and not self.busy:
            await self._finish()

    async def _finish(self) -> None:
        then, self._after = self._after, None
        if then is None or self._done:
            return
        self._done = True
        if self._current is not None:
            self.hooks.record(self._current)
            self._current = None
        if isinstance(then, Transfer):
            await self.hooks.transfer(then.reason)
        else:
            await self.hooks.hangup(then.reason)

    # -- the clock ---------------------------------------------------------------------------------------
    async def _watch(self) -> None:
        while not self._done:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            if self._after is not None:
                ends_at = self._utterance.ends_at() if self._utterance is not None else None
                if ends_at is not None and not self._utterance.interruptible and now >= ends_at + 0.1 \
                        and not self.busy:
                    await self._finish()  # an uninterruptible reply has played out: transfer or hang up now
                    continue
                if self._after_deadline is not None and now > self._after_deadline:
                    log.warning("call.playback_end_missed")  # never heard the end of the last sentence: go on
                    await self._finish()
                    continue
            if now - self.started > self.max_seconds and not self.flow.ending:
                if self.bot_speaking:
                    await self.broadcast_interruption()
                await self.run_actions(self.flow.on_max_length())
                continue
            idle = not (self.bot_speaking or self.user_speaking or self.busy or self._after)
            if idle and now - self.last_activity > self.silence_seconds:
                self.last_activity = now
                await self.run_actions(self.flow.on_silence())

    async def _stop_watchdog(self) -> None:
        if self._watchdog is not None:
            await self.cancel_task(self._watchdog)
            self._watchdog = None


#: Synthesised audio goes down the pipeline in frames of this length (see SpeechSynth._speak).
TTS_FRAME_SECONDS = 0.2


class SpeechSynth(FrameProcessor):
    """``TTSSpeakFrame`` -> ``TTSStartedFrame``, each sentence's audio as ``TTSAudioRawFrame`` s of
    :data:`TTS_FRAME_SECONDS`, ``TTSStoppedFrame``.

    Sentences are synthesised one after another in the thread pool and each is pushed as soon as
    it is ready, so the first plays while the rest are made. An interruption cancels what is left
    of an interruptible reply (Pipecat's output transport drops what was already queued).
    """

    def __init__(self, speaker: Speaker, executor: Executor) -> None:
        super().__init__(name="SpeechSynth")
        self.speaker = speaker
        self.executor = executor
        self._queue: asyncio.Queue[TTSSpeakFrame] = asyncio.Queue()
        self._worker: asyncio.Task | None = None
        self._speaking: asyncio.Task | None = None
        self._interruptible = True

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame):
            self._worker = self.create_task(self._work(), "tts-worker")
        elif isinstance(frame, (EndFrame, CancelFrame)):
            if self._worker is not None:
                await self.cancel_task(self._worker)
                self._worker = None
        elif isinstance(frame, TTSSpeakFrame):
            await self._queue.put(frame)
            return
        elif isinstance(frame, InterruptionFrame):
            while not self._queue.empty() and self._interruptible:
                self._queue.get_nowait()
            if self._speaking is not None and self._interruptible:
                self._speaking.cancel()
        await self.push_frame(frame, direction)

    async def _work(self) -> None:
        while True:
            frame = await self._queue.get()
            self._interruptible = bool(frame.metadata.get("interruptible", True))
            self._speaking = asyncio.ensure_future(self._speak(frame))
            try:
                await self._speaking
            except asyncio.CancelledError:
                if self._worker is None or self._worker.cancelled():
                    raise
                await self.push_frame(TTSStoppedFrame())
            except Exception as exc:
                log.error("tts.failed", error=f"{type(exc).__name__}: {exc}")
                await self.push_frame(TTSStoppedFrame())
            finally:
                self._speaking = None
                self._interruptible = True

    async def _speak(self, frame: TTSSpeakFrame) -> None:
        loop = asyncio.get_running_loop()
        timing: TurnTiming | None = frame.metadata.get("timing")
        utterance: Utterance | None = frame.metadata.get("utterance")
        interruptible = bool(frame.metadata.get("interruptible", True))
        await self.push_frame(TTSStartedFrame())
        for index, sentence in enumerate(self.speaker.plan(frame.text)):
            started = time.perf_counter()
            pcm = await loop.run_in_executor(self.executor, self.speaker.sentence, sentence)
            if index == 0 and timing is not None:
                timing.tts_model_ms = (time.perf_counter() - started) * 1000.0
            if utterance is not None:
                utterance.audio_seconds += len(pcm) / 2 / self.speaker.out_rate
            # Pushed in slices: Pipecat's output transport cuts each audio frame into 20 ms chunks in one go on
            # the event loop, and a whole sentence (a few seconds) held the loop for 20-40 ms: with ten calls,
            # other calls' packets left a packet time late.
            step = int(TTS_FRAME_SECONDS * self.speaker.out_rate) * 2
            for start in range(0, len(pcm), step):
                audio = TTSAudioRawFrame(audio=pcm[start:start + step], sample_rate=self.speaker.out_rate,
                                         num_channels=1)
                audio.interruptible = interruptible
                await self.push_frame(audio)
                await asyncio.sleep(0)
        if utterance is not None:
            utterance.synthesised = True
        stopped = TTSStoppedFrame()
        stopped.interruptible = interruptible
        await self.push_frame(stopped)


Callback = Callable[[], Awaitable[None]]
