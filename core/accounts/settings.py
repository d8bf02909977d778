"""The staff accounts' slice of the settings (``HUEAI_STAFF_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StaffSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_STAFF_", env_file=".env", extra="ignore")

    session_hours: float = Field(default=12, gt=0, description="a sign-in lasts at most this long")
    idle_minutes: float = Field(default=120, gt=0, description="a session unused this long is signed out")
    login_window_minutes: float = Field(default=15, gt=0, description="how far back failed sign-ins count")
    login_max_failures_per_name: int = Field(default=5, ge=1, description="failures of one name within the window")
    login_max_failures_per_ip: int = Field(default=20, ge=1, description="failures from one address within the window")
    cookie_secure: bool | None = Field(
        default=None, description="Secure session cookies; unset: when the request came over https"
    )
