"""The NLU's slice of the settings (``HUEAI_NLU_ENCODER``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NLUSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_NLU_", env_file=".env", extra="ignore")

    encoder: Path | None = Field(
        default=None,
        description="a local Hugging Face encoder directory; when set, `hueai train nlu` fine-tunes it for intents",
    )
