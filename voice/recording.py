"""A call's audio, kept when ``HUEAI_RECORDING_DIR`` is set: a stereo WAV, caller left, assistant right.

The caller's side arrives as a steady 20 ms frame after frame (the input transport plays silence
where packets are missing), so its track is simply appended; the assistant speaks in bursts, so
each of its packets is written where it belongs in time (its offset from the start of the call
on the monotonic clock), silence elsewhere. Both tracks are 16 kHz. Files older than
``HUEAI_RECORDING_RETENTION_DAYS`` are deleted by the callbot (:meth:`voice.store.CallStore.expire_recordings`).
"""

from __future__ import annotations

import re
import time
import wave
from pathlib import Path

import numpy as np

from voice.audio import StreamResampler

RATE = 16_000
MAX_SECONDS = 3600


class CallRecording:
    def __init__(self, directory: Path, call_id: str, line_rate: int) -> None:
        self.path = Path(directory) / f"{time.strftime('%Y%m%d-%H%M%S')}-{re.sub(r'[^A-Za-z0-9._-]', '_', call_id)}.wav"
        self.started = time.monotonic()
        self._caller = bytearray()
        self._bot = bytearray()
        self._up = StreamResampler(line_rate, RATE) if line_rate != RATE else None

    def caller(self, pcm: bytes) -> None:
        if len(self._caller) < MAX_SECONDS * RATE * 2:
            self._caller += pcm

    def bot(self, pcm: bytes) -> None:
        if self._up is not None:
            pcm = self._up(pcm)
        offset = int((time.monotonic() - self.started) * RATE) * 2
        if offset + len(pcm) > MAX_SECONDS * RATE * 2:
            return
        if len(self._bot) < offset:
            self._bot += bytes(offset - len(self._bot))  # silence since the last burst
        else:
            offset = len(self._bot)  # packets paced slightly ahead of the clock: keep them in order
        self._bot[offset:] = pcm

    def save(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        frames = max(len(self._caller), len(self._bot)) // 2
        stereo = np.zeros((frames, 2), dtype="<i2")
        caller = np.frombuffer(bytes(self._caller), dtype="<i2")
        bot = np.frombuffer(bytes(self._bot), dtype="<i2")
        stereo[: len(caller), 0] = caller
        stereo[: len(bot), 1] = bot
        with wave.open(str(self.path), "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(stereo.tobytes())
        return self.path
