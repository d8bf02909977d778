"""What the callbot tests share: an assistant and a recogniser that follow a script, and a harness that runs
the stand-in Asterisk (:mod:`voice.standin`) and a :class:`voice.callbot.Callbot` on one event loop.

The stand-in speaks Vietnamese synthesised with espeak-ng, encoded to the call's format (µ-law by
default), into the callbot's RTP port. The recogniser cannot understand espeak-ng (no model is
downloaded; the tiny random Whisper of :mod:`voice.tiny_whisper` hears nonsense), so whole-call tests
tell :class:`ScriptedRecognizer` what the caller is about to say; everything else (RTP, jitter buffer,
Silero VAD, Smart Turn, transcription in the thread pool, the dialogue call, espeak-ng, pacing) is real.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import threading
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from voice.logs import quiet_pipecat

quiet_pipecat("ERROR")

from dialogue.turns import Turn  # noqa: E402
from voice.ari import AriClient
from voice.asr import Recognizer, Transcript
from voice.callbot import Callbot
from voice.pipeline import SpeechStack
from voice.prompts import Menu, Prompts
from voice.settings import AriSettings, VoiceSettings
from voice.standin import StandInAsterisk
from voice.tts import EspeakSynthesizer, Speaker

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None and not os.environ.get("HUEAI_REQUIRE_ESPEAK"),
                                  reason="espeak-ng is not installed (bash scripts/espeak.sh)")

LONG_ANSWER = ("Dạ, đăng ký khai sinh cần tờ khai đăng ký khai sinh theo mẫu, giấy chứng sinh do bệnh viện cấp, "
               "và giấy tờ tùy thân của người đi đăng ký. Anh chị nộp tại Ủy ban nhân dân phường nơi cư trú, "
               "thời hạn giải quyết trong ngày, không mất lệ phí.")


class ScriptedRecognizer:
    """Hands out, turn by turn, what the test said the caller would say ("" once the script is empty)."""

    name = "scripted"

    def __init__(self) -> None:
        self.script: deque[str] = deque()
        self.heard: list[float] = []  # seconds of audio per turn transcribed
        self._lock = threading.Lock()

    def expect(self, *texts: str) -> None:
        with self._lock:
            self.script.extend(texts)

    def transcribe(self, pcm: bytes) -> Transcript:
        with self._lock:
            text = self.script.popleft() if self.script else ""
            self.heard.append(len(pcm) / 32000)
        return Transcript(text, len(pcm) / 32000, 1.0)


@dataclass
class ScriptedAssistant:
    """An :class:`~dialogue.turns.Assistant` answering by keywords, as the real one would on the voice channel."""

    turns: list[tuple[str, str]] = field(default_factory=list)  # (session id, text)
    fail: bool = False

    def handle(self, session_id: str, text: str, *, channel: str) -> Turn:
        assert channel == "voice"
        self.turns.append((session_id, text))
        if self.fail:
            from dialogue.assistant import DialogueUnavailable

            raise DialogueUnavailable("Dạ, hệ thống đang tạm gián đoạn. Anh chị gọi lại sau ít phút giúp em ạ.",
                                      RuntimeError("database down"))
        lowered = text.lower()
        if "nhân viên" in lowered or "tổng đài viên" in lowered:
            return Turn(session_id=session_id, message_id="1", intent="request_human", confidence=1.0,
                        reply="Dạ, em chuyển anh chị cho nhân viên, anh chị vui lòng chờ trong giây lát.",
                        handoff=True, action="handoff")
        if "cháy" in lowered or "cứu" in lowered:
            return Turn(session_id=session_id, message_id="1", intent="report_emergency", confidence=1.0,
                        reply="Nếu có người đang gặp nguy hiểm, anh chị gọi ngay một một bốn.", handoff=True,
                        action="emergency")
        if "hồ sơ" in lowered:
            return Turn(session_id=session_id, message_id="1", intent="check_status", confidence=1.0,
                        reply="Dạ, hồ sơ của anh chị đã có kết quả.", action="status_found")
        return Turn(session_id=session_id, message_id="1", intent="ask_documents", confidence=0.9,
                    reply=LONG_ANSWER, action="answer_documents")


def call_settings(**overrides: object) -> VoiceSettings:
    base = random.randrange(30000, 60000, 1000)
    values: dict[str, object] = dict(rtp_host="127.0.0.1", rtp_ports=f"{base}-{base + 999}", rtp_format="ulaw",
                                     tts_rate=240, call_silence_seconds=6.0, call_max_seconds=120)
    values.update(overrides)
    return VoiceSettings(**values)  # type: ignore[arg-type]


_speakers: dict[tuple[int, int], Speaker] = {}


def speaker(rate: int, line_rate: int) -> Speaker:
    key = (rate, line_rate)
    if key not in _speakers:
        _speakers[key] = Speaker(EspeakSynthesizer("vi", rate), line_rate)
    return _speakers[key]


def caller_speech(text: str) -> tuple[bytes, int]:
    """Vietnamese as a caller says it (espeak-ng, 22.05 kHz PCM)."""
    synth = EspeakSynthesizer("vi-vn-x-central", 170)
    return synth.synthesize(text), synth.sample_rate


@dataclass
class Harness:
    asterisk: StandInAsterisk
    callbot: Callbot
    recognizer: ScriptedRecognizer | None
    assistant: ScriptedAssistant
    stop: asyncio.Event
    task: asyncio.Task


@contextlib.asynccontextmanager
async def running_callbot_on(url: str, user: str, password: str, *, settings: VoiceSettings,
                             assistant: ScriptedAssistant) -> AsyncIterator[Harness]:
    """The callbot against an Asterisk of the caller's choosing (the opt-in real-Asterisk tests)."""
    from voice.rtp import CODECS

    scripted = ScriptedRecognizer()
    stack = SpeechStack(settings=settings, recognizer=scripted,
                        speaker=speaker(settings.tts_rate, CODECS[settings.rtp_format].sample_rate),
                        prompts=Prompts.load(), menu=Menu.load(), executor=ThreadPoolExecutor(4))
    ari_settings = AriSettings(url=url, user=user, password=password)
    callbot = Callbot(AriClient(url, user, password, ari_settings.app), ari_settings, stack,
                      assistant=lambda: assistant)  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.ensure_future(callbot.run(stop))
    try:
        await asyncio.wait_for(callbot.connected.wait(), 10)
        yield Harness(None, callbot, scripted, assistant, stop, task)  # type: ignore[arg-type]
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        stack.executor.shutdown(wait=False)


@contextlib.asynccontextmanager
async def running_callbot(*, speech: bool = True, recognizer: Recognizer | None = None, store: object = None,
                          settings: VoiceSettings | None = None, ari_settings: AriSettings | None = None,
                          assistant: ScriptedAssistant | None = None) -> AsyncIterator[Harness]:
    from voice.turn_models import preload

    preload()  # the ONNX sessions, opened at start-up as `hueai callbot` does
    settings = settings or call_settings()
    asterisk = await StandInAsterisk().start()
    ari_settings = ari_settings or AriSettings(url=asterisk.url, user="hueai", password="secret",
                                               reconnect_min_seconds=0.1, reconnect_max_seconds=0.5,
                                               lost_grace_seconds=2.0)
    scripted = ScriptedRecognizer() if speech and recognizer is None else None
    from voice.rtp import CODECS

    stack = SpeechStack(settings=settings, recognizer=recognizer or scripted if speech else None,
                        speaker=speaker(settings.tts_rate, CODECS[settings.rtp_format].sample_rate),
                        prompts=Prompts.load(), menu=Menu.load(), executor=ThreadPoolExecutor(4))
    assistant = assistant or ScriptedAssistant()
    client = AriClient(asterisk.url, "hueai", "secret", "callbot")
    callbot = Callbot(client, ari_settings, stack, assistant=lambda: assistant, store=store)  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.ensure_future(callbot.run(stop))
    try:
        await asterisk.wait_connected()
        yield Harness(asterisk, callbot, scripted, assistant, stop, task)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await asterisk.stop()
        stack.executor.shutdown(wait=False)
