"""Text-to-speech: espeak-ng's Vietnamese voice by default, a Piper voice when one is configured.

A :class:`Synthesizer` turns one sentence into 16-bit mono PCM at its own rate. The call
pipeline asks a :class:`Speaker`, which puts the text through :func:`voice.speech_text.for_speech`,
cuts it into sentences, synthesises each (from the cache when it was said before), and converts
it to the rate the telephone line wants. Everything runs locally; nothing is downloaded.

* :class:`EspeakSynthesizer` runs Debian's ``espeak-ng`` (``-v vi``, or the central/southern
  voices ``vi-vn-x-central``, ``vi-vn-x-south``) as a subprocess, the text on standard input,
  WAV on standard output: about 20-60 ms a sentence on one core. Robotic, but always there.
* :class:`PiperSynthesizer` loads a Piper voice (an ONNX VITS model and its ``.onnx.json``)
  from a local path with the ``piper-tts`` package (GPL-3.0; installed with the ``piper`` extra)
  and runs it on CPU with onnxruntime: far more natural, about 5-10x real time on one core.

Frequent prompts (the greeting, "Alo, anh/chị còn nghe máy không ạ?", the menu) are synthesised
once at start-up (:meth:`Speaker.prewarm`) and served from :class:`SpeechCache` afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import structlog

from voice.audio import read_wav, resample
from voice.speech_text import for_speech, sentences

log = structlog.get_logger(__name__)


class TTSUnavailable(RuntimeError):
    """The configured synthesiser cannot run (espeak-ng not installed, a Piper voice missing)."""


class Synthesizer(Protocol):
    name: str
    sample_rate: int

    def synthesize(self, text: str) -> bytes:
        """One sentence (already worded for speech) -> 16-bit mono PCM at :attr:`sample_rate`."""
        ...


class EspeakSynthesizer:
    sample_rate = 22050

    def __init__(self, voice: str = "vi", rate: int = 150, binary: str = "espeak-ng") -> None:
        path = shutil.which(binary)
        if path is None:
            raise TTSUnavailable(f"{binary} is not installed (apt-get install espeak-ng; scripts/espeak.sh)")
        self.binary, self.voice, self.rate = path, voice, rate
        self.name = f"espeak-ng:{voice}"

    def synthesize(self, text: str) -> bytes:
        done = subprocess.run([self.binary, "-v", self.voice, "-s", str(self.rate), "-b", "1", "--stdout"],
                              input=text.encode("utf-8"), capture_output=True, timeout=30, check=False)
        if done.returncode != 0 or not done.stdout:
            raise TTSUnavailable(f"espeak-ng failed ({done.returncode}): {done.stderr[:200]!r}")
        pcm, rate = read_wav(done.stdout)
        if rate != self.sample_rate:
            pcm = resample(pcm, rate, self.sample_rate)
        return pcm


class PiperSynthesizer:
    def __init__(self, model: Path, *, use_cuda: bool = False) -> None:
        model = Path(model)
        config = Path(f"{model}.json")
        if not model.is_file() or not config.is_file():
            raise TTSUnavailable(f"a Piper voice is a .onnx file with its .onnx.json beside it: {model}")
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise TTSUnavailable("piper-tts is not installed (pip install 'hueai[piper]')") from exc
        self.voice = PiperVoice.load(model, config_path=config, use_cuda=use_cuda)
        self.sample_rate = int(self.voice.config.sample_rate)
        self.name = f"piper:{model.name}"
        self._lock = threading.Lock()  # one onnxruntime run at a time per voice

    def synthesize(self, text: str) -> bytes:
        with self._lock:
            return b"".join(chunk.audio_int16_bytes for chunk in self.voice.synthesize(text))


def load_synthesizer(voice: str, *, rate: int = 150) -> Synthesizer:
    """``HUEAI_TTS_VOICE``: a path ending in ``.onnx`` is a Piper voice, anything else an espeak-ng voice."""
    if voice.endswith(".onnx"):
        return PiperSynthesizer(Path(voice).expanduser())
    return EspeakSynthesizer(voice, rate)


class SpeechCache:
    """Synthesised sentences by text, least recently used dropped first. Thread-safe."""

    def __init__(self, entries: int = 256) -> None:
        self.entries = entries
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            pcm = self._items.get(key)
            if pcm is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(key)
            return pcm

    def put(self, key: str, pcm: bytes) -> None:
        if self.entries <= 0:
            return
        with self._lock:
            self._items[key] = pcm
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)


class Speaker:
    """Text -> sentences of PCM at ``out_rate`` (what the call's RTP carries). Shared by every call."""

    def __init__(self, synthesizer: Synthesizer, out_rate: int, cache: SpeechCache | None = None) -> None:
        self.synthesizer = synthesizer
        self.out_rate = out_rate
        self.cache = cache or SpeechCache()

    def plan(self, text: str) -> list[str]:
        """The sentences ``text`` will be spoken as."""
        return sentences(for_speech(text))

    def sentence(self, sentence: str) -> bytes:
        """One planned sentence as PCM at :attr:`out_rate` (cached)."""
        key = f"{self.synthesizer.name}|{self.out_rate}|{sentence}"
        pcm = self.cache.get(key)
        if pcm is None:
            pcm = resample(self.synthesizer.synthesize(sentence), self.synthesizer.sample_rate, self.out_rate)
            self.cache.put(key, pcm)
        return pcm

    def prewarm(self, texts: list[str]) -> None:
        for text in texts:
            for sentence in self.plan(text):
                self.sentence(sentence)
