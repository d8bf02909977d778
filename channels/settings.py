"""The Zalo Official Account channel's slice of the settings (``HUEAI_ZALO_*``)."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ZaloSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_ZALO_", env_file=".env", extra="ignore")

    app_id: str | None = None
    app_secret: SecretStr | None = None
    oa_secret: SecretStr | None = None
    access_token: SecretStr | None = None  # initial tokens; refreshed ones are kept in the database
    refresh_token: SecretStr | None = None
    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
