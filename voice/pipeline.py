"""One call's Pipecat pipeline, and what every call of a process shares (:class:`SpeechStack`).

Taken from Pipecat: the pipeline and its runner (``Pipeline``, ``PipelineWorker``,
``WorkerRunner``), frames and processors, ``VADProcessor`` with the Silero analyzer,
``UserTurnProcessor`` with the VAD start strategy (which also raises the interruption that is
barge-in) and the Smart Turn v3 stop strategy, and ``BaseInputTransport``/``BaseOutputTransport``
(queues, 20 ms chunking, interruption handling, bot speaking frames).
Written here: the Asterisk transport (:mod:`voice.transport`), the transcriber, director and
synthesiser processors (:mod:`voice.processors`), and the call flow (:mod:`voice.flow`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import TurnAnalyzerUserTurnStopStrategy
from pipecat.turns.user_turn_processor import UserTurnProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from voice.asr import Recognizer
from voice.flow import CallFlow
from voice.logs import quiet_pipecat  # noqa: F401  (re-exported)
from voice.processors import MODEL_RATE, CallDirector, CallHooks, SpeechSynth, TurnTranscriber
from voice.prompts import Menu, Prompts
from voice.settings import VoiceSettings
from voice.transport import AsteriskRtpTransport, CallMedia
from voice.tts import Speaker
from voice.turn_models import SharedSileroVAD, SharedSmartTurn


@dataclass
class SpeechStack:
    """The models and settings every call of a process shares."""

    settings: VoiceSettings
    recognizer: Recognizer | None
    speaker: Speaker
    prompts: Prompts
    menu: Menu
    executor: ThreadPoolExecutor

    @property
    def speech(self) -> bool:
        return self.recognizer is not None


@dataclass
class CallPipeline:
    worker: PipelineWorker
    director: CallDirector
    transport: AsteriskRtpTransport


def vad_params(settings: VoiceSettings) -> VADParams:
    """What makes caller audio speech: it starts a turn, and during playback it is a barge-in."""
    return VADParams(confidence=settings.vad_confidence, start_secs=settings.vad_start_seconds,
                     stop_secs=settings.vad_stop_seconds, min_volume=settings.vad_min_volume)


def build_pipeline(media: CallMedia, flow: CallFlow, hooks: CallHooks, stack: SpeechStack, *,
                   name: str) -> CallPipeline:
    settings = stack.settings
    transport = AsteriskRtpTransport(media, name=f"rtp-{name}")
    vad = VADProcessor(vad_analyzer=SharedSileroVAD(params=vad_params(settings)))
    turns = UserTurnProcessor(
        user_turn_strategies=UserTurnStrategies(
            start=[VADUserTurnStartStrategy(enable_interruptions=settings.barge_in)],
            stop=[TurnAnalyzerUserTurnStopStrategy(
                turn_analyzer=SharedSmartTurn(params=SmartTurnParams(stop_secs=settings.turn_max_silence_seconds)),
                wait_for_transcript=False)]),
        user_turn_stop_timeout=settings.turn_max_silence_seconds + 2.0)
    transcriber = TurnTranscriber(stack.recognizer, stack.executor, vad_stop_seconds=settings.vad_stop_seconds)
    director = CallDirector(flow, hooks, silence_seconds=settings.call_silence_seconds,
                            max_seconds=settings.call_max_seconds, barge_in=settings.barge_in)
    synth = SpeechSynth(stack.speaker, stack.executor)
    media.on_first_packet = director.first_packet
    pipeline = Pipeline([transport.input(), vad, turns, transcriber, director, synth, transport.output()])
    worker = PipelineWorker(
        pipeline, name=f"call-{name}",
        params=PipelineParams(audio_in_sample_rate=MODEL_RATE, audio_out_sample_rate=media.codec.sample_rate),
        idle_timeout_secs=None, enable_rtvi=False, enable_turn_tracking=False, check_dangling_tasks=False,
        cancel_timeout_secs=5.0)
    return CallPipeline(worker, director, transport)
