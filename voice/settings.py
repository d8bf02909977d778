"""The callbot's slices of the settings: Asterisk ARI (``HUEAI_ARI_*``) and media, speech (``HUEAI_RTP_*``,
``HUEAI_ASR_MODEL``, ``HUEAI_TTS_VOICE``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class AriSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_ARI_", env_file=".env", extra="ignore")

    url: str | None = None
    user: str | None = None
    password: SecretStr | None = None
    app: str = "callbot"
    operator_context: str = "operators"  # where a transferred call continues in the dialplan
    operator_exten: str = "s"


class VoiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_", env_file=".env", extra="ignore")

    rtp_host: str = "127.0.0.1"
    rtp_ports: str = "20000-20999"
    asr_model: Path | None = None  # a local model directory; unset means a DTMF-only hotline
    tts_voice: str = "vi"
