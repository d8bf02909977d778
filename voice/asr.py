"""Speech recognition: Whisper from a local directory, with the hotline's vocabulary as a prompt.

Two backends read the same kind of model, chosen by what the directory holds
(``HUEAI_ASR_BACKEND=auto``):

* **faster-whisper** (CTranslate2; ``model.bin`` + ``tokenizer.json``): int8 on CPU, the
  fastest way to run Whisper without a GPU. Convert a Hugging Face Whisper with
  ``ct2-transformers-converter --model DIR --output_dir OUT --copy_files tokenizer.json
  preprocessor_config.json --quantization int8``.
* **transformers** (a Hugging Face Whisper directory: ``config.json``, weights, processor files),
  e.g. a Vietnamese fine-tune such as PhoWhisper, run with torch.

Both decode in Vietnamese (``language="vi"``, no language detection) and are given the
knowledge base's vocabulary, procedure names and Huế's ward names, as Whisper's *initial
prompt* (the text the decoder believes came just before), which biases it towards "chứng
thực", "Phú Xuân" rather than look-alike words; faster-whisper also takes them as *hotwords*.
A directory without a tokenizer is refused: faster-whisper would otherwise fetch one from the
Hugging Face hub, and the callbot never downloads anything.

A :class:`Recognizer` is shared by every call and is thread-safe: the call pipeline runs
:meth:`Recognizer.transcribe` in a worker thread.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import structlog

log = structlog.get_logger(__name__)

SAMPLE_RATE = 16_000
#: Whisper's prompt holds at most 223 tokens; about 600 characters of Vietnamese stay well inside.
PROMPT_CHARS = 600
MAX_NEW_TOKENS = 128


class ASRUnavailable(RuntimeError):
    """The configured model cannot be loaded (missing files, backend not installed)."""


@dataclass(frozen=True)
class Transcript:
    text: str
    audio_seconds: float
    latency_ms: float


class Recognizer(Protocol):
    name: str

    def transcribe(self, pcm: bytes) -> Transcript:
        """16 kHz 16-bit mono PCM of one caller turn -> its text."""
        ...


def _samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float32) / 32768.0


_SPECIAL = re.compile(r"<\|[^|<>]*\|>")


def clean(text: str) -> str:
    """A decoded transcript without Whisper's special tokens (``<|vi|>``, ``<|0.00|>``) or extra spaces."""
    return " ".join(_SPECIAL.sub(" ", text).split())


def prompt_text(terms: Iterable[str], limit: int = PROMPT_CHARS) -> str:
    """Distinct terms joined into a prompt of at most ``limit`` characters, first terms first."""
    out: list[str] = []
    seen: set[str] = set()
    size = 0
    for term in terms:
        term = " ".join(term.split())
        key = term.lower()
        if not term or key in seen or size + len(term) + 2 > limit:
            continue
        seen.add(key)
        out.append(term)
        size += len(term) + 2
    return ", ".join(out)


class FasterWhisperRecognizer:
    def __init__(self, model_dir: Path, *, prompt: str = "", device: str = "cpu", compute_type: str = "int8",
                 threads: int = 1, beam_size: int = 1) -> None:
        model_dir = Path(model_dir)
        if not (model_dir / "model.bin").is_file():
            raise ASRUnavailable(f"no CTranslate2 Whisper (model.bin) in {model_dir}")
        if not (model_dir / "tokenizer.json").is_file():
            raise ASRUnavailable(f"{model_dir} has no tokenizer.json (copy it in when converting; the callbot "
                                 "never downloads one)")
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ASRUnavailable("faster-whisper is not installed") from exc
        self.model = WhisperModel(str(model_dir), device=device, compute_type=compute_type, cpu_threads=threads,
                                  num_workers=1, local_files_only=True)
        self.prompt = prompt
        self.beam_size = beam_size
        self.name = f"faster-whisper:{model_dir.name}"

    def transcribe(self, pcm: bytes) -> Transcript:
        started = time.perf_counter()
        audio = _samples(pcm)
        segments, _info = self.model.transcribe(
            audio, language="vi", task="transcribe", beam_size=self.beam_size, vad_filter=False,
            without_timestamps=True, condition_on_previous_text=False, temperature=0.0,
            initial_prompt=self.prompt or None, hotwords=self.prompt or None, max_new_tokens=MAX_NEW_TOKENS)
        text = clean(" ".join(segment.text for segment in segments))
        return Transcript(text, len(audio) / SAMPLE_RATE, (time.perf_counter() - started) * 1000.0)


class TransformersWhisperRecognizer:
    def __init__(self, model_dir: Path, *, prompt: str = "", device: str = "cpu", threads: int = 1) -> None:
        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise ASRUnavailable(f"no Hugging Face Whisper (config.json) in {model_dir}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import WhisperForConditionalGeneration, WhisperProcessor

        self.processor = WhisperProcessor.from_pretrained(model_dir, local_files_only=True)
        self.model = WhisperForConditionalGeneration.from_pretrained(model_dir, local_files_only=True).to(device)
        self.model.eval()
        self.device = device
        self.threads = threads
        self.torch = torch
        self.prompt_ids = (self.processor.get_prompt_ids(prompt, return_tensors="pt").to(device)
                           if prompt else None)
        self.name = f"transformers:{model_dir.name}"
        self._lock = threading.Lock()

    def transcribe(self, pcm: bytes) -> Transcript:
        started = time.perf_counter()
        audio = _samples(pcm)
        features = self.processor(audio, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_features
        with self._lock, self.torch.inference_mode():
            ids = self.model.generate(features.to(self.device), language="vi", task="transcribe",
                                      max_new_tokens=MAX_NEW_TOKENS, prompt_ids=self.prompt_ids)
        sequence = ids[0].tolist()
        sot = self.model.generation_config.decoder_start_token_id
        if sot in sequence:  # generate() may return the prompt in front of the transcript: keep what follows
            sequence = sequence[sequence.index(sot) + 1:]
        text = self.processor.decode(sequence, skip_special_tokens=True)
        return Transcript(clean(text), len(audio) / SAMPLE_RATE, (time.perf_counter() - started) * 1000.0)


def load_recognizer(model_dir: Path | None, *, backend: Literal["auto", "faster-whisper", "transformers"] = "auto",
                    prompt: str = "", device: str = "cpu", compute_type: str = "int8", threads: int = 1,
                    beam_size: int = 1) -> Recognizer | None:
    """The recognizer ``HUEAI_ASR_MODEL`` names, or None when none is configured (the DTMF menu serves).

    :class:`ASRUnavailable` when one is configured but cannot be loaded (the command says why and exits).
    """
    if model_dir is None:
        return None
    model_dir = Path(model_dir).expanduser()
    if not model_dir.is_dir():
        raise ASRUnavailable(f"HUEAI_ASR_MODEL is not a directory: {model_dir}")
    if backend == "auto":
        backend = "faster-whisper" if (model_dir / "model.bin").is_file() else "transformers"
    if backend == "faster-whisper":
        return FasterWhisperRecognizer(model_dir, prompt=prompt, device=device, compute_type=compute_type,
                                       threads=threads, beam_size=beam_size)
    return TransformersWhisperRecognizer(model_dir, prompt=prompt, device=device, threads=threads)
