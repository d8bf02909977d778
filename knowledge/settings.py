"""The knowledge base's slice of the settings (``HUEAI_DENSE_RETRIEVAL``, ``HUEAI_DENSE_ENCODER``, ``HUEAI_TTHC_SOURCE``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KnowledgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_", env_file=".env", extra="ignore")

    tthc_source: Path | None = Field(
        default=None, description="TTHC records imported at set-up; default the shared dataset when it exists"
    )
    dense_retrieval: bool = Field(
        default=True, description="train and fuse the dense encoder (set false for lexical-only retrieval)"
    )
    dense_encoder: Path | None = Field(
        default=None,
        description="a local sentence-transformers model directory to use instead of the encoder trained by set-up",
    )
