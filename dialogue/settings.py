"""The dialogue's slice of the settings (``HUEAI_RETENTION_DAYS``, ``HUEAI_STATUS_ADAPTER``, ...).

Composed into :class:`hueai.settings.Settings` as ``settings.dialogue``; the
variable names are flat, like every other ``HUEAI_*`` name.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DialogueSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_", env_file=".env", extra="ignore")

    retention_days: int | None = Field(
        default=180, ge=1,
        description="conversations untouched for this many days are deleted by `hueai db purge` and at set-up "
                    "(tickets and labelled feedback are kept); unset (empty) keeps everything",
    )
    status_adapter: str = Field(
        default="table",
        description="where check_status looks an application up: `table` (the local table `hueai status import` "
                    "loads) or `module:attribute` naming a factory(settings) of another StatusAdapter",
    )
    handoff_after_failures: int = Field(
        default=2, ge=1, description="not-understood turns in a row after which the assistant offers a person",
    )
    responses_file: Path | None = Field(
        default=None, description="the editable replies (default dialogue/data/responses.yaml)",
    )
