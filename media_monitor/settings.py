"""The press monitor's slice of the settings (``HUEAI_IOC_API_TOKEN``)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MonitorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_", env_file=".env", extra="ignore")

    ioc_api_token: SecretStr | None = None
