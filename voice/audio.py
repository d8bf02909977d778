"""PCM helpers: sample-rate conversion between the telephone's 8 kHz and the models' 16 kHz, WAV.

All audio inside the callbot is 16-bit little-endian mono PCM (``bytes``). Two kinds of rate
conversion are needed:

* **streaming**, 20 ms at a time, for the live call (G.711 is 8 kHz, Silero VAD, Smart Turn
  and Whisper want 16 kHz): :class:`StreamResampler`, a polyphase FIR whose filter state is kept
  between packets, so packet edges make no clicks and each packet comes out at once (soxr's
  stream mode holds back tens of milliseconds, too much for a phone call);
* **one-shot**, a whole synthesised sentence at a time (espeak-ng speaks at 22.05 kHz):
  :func:`resample`, with soxr's high-quality resampler.
"""

from __future__ import annotations

import io
import wave
from math import gcd

import numpy as np
import soxr
from scipy.signal import firwin


def to_array(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")


def to_bytes(samples: np.ndarray) -> bytes:
    return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()


def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """A whole clip from ``from_rate`` to ``to_rate`` (soxr, high quality)."""
    if from_rate == to_rate or not pcm:
        return pcm
    return soxr.resample(to_array(pcm), from_rate, to_rate, quality="HQ").astype("<i2").tobytes()


class StreamResampler:
    """Packet-by-packet conversion by an integer ratio (8 kHz <-> 16 kHz), filter history kept.

    Up by L: put L-1 zeros after each sample, then low-pass at the old Nyquist frequency (gain L).
    Down by M: low-pass at the new Nyquist frequency, then keep every M-th sample. The 32-tap FIR runs as
    one ``numpy.convolve`` over the packet with the previous packet's last 31 samples in front (its
    history), so a packet costs a few microseconds and the audio is delayed by about 1 ms.
    """

    def __init__(self, from_rate: int, to_rate: int, taps: int = 32) -> None:
        common = gcd(from_rate, to_rate)
        self.up, self.down = to_rate // common, from_rate // common
        if self.up != 1 and self.down != 1:
            raise ValueError(f"only integer ratios stream: {from_rate} -> {to_rate}")
        self.from_rate, self.to_rate = from_rate, to_rate
        self._phase = 0  # position in the decimation pattern carried over between packets
        if self.up == self.down:
            return  # the same rate: packets pass through
        factor = max(self.up, self.down)
        self._fir = firwin(taps, 1.0 / factor) * (self.up if self.up > 1 else 1)
        self._history = np.zeros(taps - 1)

    def _filter(self, x: np.ndarray) -> np.ndarray:
        padded = np.concatenate((self._history, x))
        self._history = padded[len(padded) - len(self._history):]
        return np.convolve(padded, self._fir, mode="valid")

    def __call__(self, pcm: bytes) -> bytes:
        if self.up == self.down:
            return pcm
        x = to_array(pcm).astype(np.float64)
        if self.up > 1:
            stuffed = np.zeros(len(x) * self.up)
            stuffed[:: self.up] = x
            return to_bytes(self._filter(stuffed))
        y = self._filter(x)
        start = (-self._phase) % self.down
        self._phase = (self._phase + len(x)) % self.down
        return to_bytes(y[start:: self.down])


def rms_dbfs(pcm: bytes) -> float:
    """Loudness of a clip in dB relative to full scale (-inf for digital silence)."""
    x = to_array(pcm).astype(np.float64)
    if not len(x):
        return float("-inf")
    rms = float(np.sqrt(np.mean(x * x)))
    return 20 * np.log10(rms / 32768.0) if rms > 0 else float("-inf")


def read_wav(data: bytes) -> tuple[bytes, int]:
    """(16-bit mono PCM, sample rate) from WAV bytes (stereo is mixed down)."""
    with wave.open(io.BytesIO(data)) as reader:
        rate, channels, width = reader.getframerate(), reader.getnchannels(), reader.getsampwidth()
        frames = reader.readframes(reader.getnframes())
    if width != 2:
        raise ValueError(f"expected 16-bit WAV, got {8 * width}-bit")
    if channels > 1:
        frames = to_bytes(to_array(frames).reshape(-1, channels).mean(axis=1))
    return frames, rate


def write_wav(pcm: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm)
    return out.getvalue()
