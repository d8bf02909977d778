"""The callbot's slices of the settings: Asterisk ARI (``HUEAI_ARI_*``) and media, speech and calls
(``HUEAI_RTP_*``, ``HUEAI_ASR_*``, ``HUEAI_TTS_*``, ``HUEAI_CALL_*``).

Composed into :class:`hueai.settings.Settings` as ``settings.ari`` and ``settings.voice``; every name is
flat, as in ``../shared/spec/interfaces.md``. Nothing here downloads anything: the speech models are local
paths or nothing (a DTMF-only hotline).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The audio formats of ``POST /channels/externalMedia`` the callbot speaks (RTP payload types 118, 0, 8).
MediaFormat = Literal["slin16", "ulaw", "alaw"]


class AriSettings(BaseSettings):
    """Where Asterisk's REST Interface is and how the callbot behaves towards it."""

    model_config = SettingsConfigDict(env_prefix="HUEAI_ARI_", env_file=".env", extra="ignore")

    url: str | None = Field(default=None, description="Asterisk's HTTP server, e.g. http://127.0.0.1:8088 "
                                                      "(the /ari prefix is added)")
    user: str | None = None
    password: SecretStr | None = None
    app: str = Field(default="callbot", description="the Stasis application the dialplan sends calls to")
    operator_context: str = Field(default="operators", description="where a transferred call continues")
    operator_exten: str = "s"
    operator_priority: int = Field(default=1, ge=1)
    reconnect_min_seconds: float = Field(default=0.5, gt=0, description="first wait before reconnecting")
    reconnect_max_seconds: float = Field(default=30.0, gt=0, description="longest wait between reconnections")
    lost_grace_seconds: float = Field(
        default=10.0, ge=0, description="calls in progress wait this long for the events WebSocket to come back "
                                        "before they are ended (Asterisk restarted)")
    request_timeout_seconds: float = Field(default=5.0, gt=0, description="one REST request")


class VoiceSettings(BaseSettings):
    """Media, speech and call flow of the 19001075 hotline."""

    model_config = SettingsConfigDict(env_prefix="HUEAI_", env_file=".env", extra="ignore")

    rtp_host: str = Field(default="127.0.0.1", description="address Asterisk sends externalMedia RTP to")
    rtp_ports: str = Field(default="20000-20999", description="UDP port range, one port per call")
    rtp_format: MediaFormat = Field(default="slin16", description="externalMedia format: slin16, ulaw or alaw")
    media_transport: Literal["rtp", "websocket"] = Field(
        default="rtp", description="externalMedia over RTP/UDP (every Asterisk), or over a WebSocket the callbot "
                                  "opens to Asterisk (chan_websocket: Asterisk 20.16, 21.11, 22.6, 23 and later)")
    rtp_jitter_ms: int = Field(default=40, ge=20, le=400, description="inbound jitter buffer depth")

    asr_model: Path | None = Field(default=None, description="a local Whisper directory (CTranslate2 for "
                                                             "faster-whisper, or Hugging Face); unset: DTMF menu")
    asr_backend: Literal["auto", "faster-whisper", "transformers"] = Field(
        default="auto", description="auto: faster-whisper when the directory holds model.bin, else transformers")
    asr_device: str = Field(default="cpu", description="cpu or cuda")
    asr_compute_type: str = Field(default="int8", description="CTranslate2 compute type (int8 on CPU)")
    asr_threads: int = Field(default=1, ge=1, le=16, description="CPU threads per transcription")
    asr_beam_size: int = Field(default=1, ge=1, le=10)

    tts_voice: str = Field(default="vi", description="an espeak-ng voice name (vi, vi-vn-x-central, ...) or the "
                                                     "path of a Piper voice (.onnx, with its .onnx.json beside it)")
    tts_rate: int = Field(default=150, ge=80, le=400, description="espeak-ng words per minute")
    tts_cache_entries: int = Field(default=256, ge=0, description="synthesised sentences kept in memory")

    call_max_seconds: int = Field(default=600, ge=5, description="a call is ended politely after this long")
    call_silence_seconds: float = Field(default=8.0, gt=0, description="caller silence before the prompt")
    call_max_calls: int = Field(default=50, ge=1, description="calls served at once; more are sent to operators")
    barge_in: bool = Field(default=True, description="caller speech stops the assistant's playback")
    # Two Silero windows of speech at Silero's own threshold, as LiveKit Agents' Silero defaults (50 ms, 0.5)
    # rather than Pipecat's (0.2 s, 0.7): a Vietnamese syllable often gives two or three windows of speech and
    # then the closure of a stop consonant (the "k" of "đăng ký"), which restarted Pipecat's count and cost a
    # barge-in up to 250 ms. Noise, clicks, hum, tones and DTMF still start nothing (tests/test_voice_speech.py).
    vad_start_seconds: float = Field(default=0.064, gt=0, le=1.0, description="speech needed to start a turn "
                                                                              "(and to interrupt the assistant)")
    vad_confidence: float = Field(default=0.5, gt=0, lt=1.0,
                                  description="Silero's speech probability from which a 32 ms window is speech")
    vad_min_volume: float = Field(default=0.2, ge=0, le=1.0,
                                  description="smoothed loudness (0-1) below which Silero's speech does not count")
    vad_stop_seconds: float = Field(default=0.2, gt=0, le=2.0, description="silence before end-of-turn is asked")
    turn_max_silence_seconds: float = Field(
        default=1.5, gt=0, le=10.0, description="silence after which a turn ends even if Smart Turn thinks the "
                                                "caller has more to say")

    recording_dir: Path | None = Field(default=None, description="store each call's audio here (WAV); unset: none")
    recording_retention_days: int = Field(default=30, ge=1, description="recordings older than this are deleted")

    @field_validator("rtp_ports")
    @classmethod
    def _port_range(cls, value: str) -> str:
        port_range(value)
        return value

    @property
    def ports(self) -> range:
        return port_range(self.rtp_ports)


def port_range(value: str) -> range:
    """``"20000-20999"`` as a range of ports (both ends included); ValueError for anything else."""
    low, _, high = value.partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise ValueError(f"a port range is FIRST-LAST, not {value!r}") from None
    if not 1024 <= first <= last <= 65535:
        raise ValueError(f"ports must be 1024-65535, first <= last: {value!r}")
    return range(first, last + 1)
