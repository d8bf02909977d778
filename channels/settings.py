"""The channels' slices of the settings: the web chat (``HUEAI_CHAT_*``) and the Zalo Official Account
(``HUEAI_ZALO_*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebChatSettings(BaseSettings):
    """Limits of ``POST /api/chat`` and ``/ws/chat``. Rate limits are per server process (token buckets in
    memory); set a limit's rate to 0 to turn it off (the chat bench does)."""

    model_config = SettingsConfigDict(env_prefix="HUEAI_CHAT_", env_file=".env", extra="ignore")

    max_chars: int = Field(default=2000, ge=1, description="the longest message accepted, in characters")
    max_body_bytes: int = Field(default=32 * 1024, ge=256, description="the largest request body or WebSocket frame")
    session_rate: float = Field(default=0.5, ge=0, description="messages per second one session may keep sending")
    session_burst: int = Field(default=8, ge=1, description="messages one session may send at once")
    ip_rate: float = Field(default=5, ge=0, description="messages per second one client address may keep sending")
    ip_burst: int = Field(default=60, ge=1, description="messages one client address may send at once")
    allowed_origins: list[str] = Field(
        default=["*"], description="pages that may call the chat API from a browser (CORS); '*' for any"
    )
    threads: int | None = Field(
        default=None, ge=1, le=64,
        description="threads running turns in one server process; unset: 4 on SQLite (one writer at a time: more "
                    "threads only wait for its lock, and past its busy timeout fail), 8 on PostgreSQL",
    )
    poll_seconds: float = Field(
        default=2.0, gt=0, description="how often an open WebSocket looks for replies written by other processes"
    )


class ZaloSettings(BaseSettings):
    """The Zalo Official Account channel (``HUEAI_ZALO_*``; see the README's "Zalo Official Account").

    The secrets come from the Zalo for Developers console: the app's id and secret key (token refresh),
    the OA secret key (the webhook's ``X-ZEvent-Signature``). The access and refresh tokens given here seed
    the database once; refreshed ones are kept there (set new ones here after re-consenting the OA: a
    changed refresh token replaces the stored pair at the next start).
    """

    model_config = SettingsConfigDict(env_prefix="HUEAI_ZALO_", env_file=".env", extra="ignore")

    app_id: str | None = Field(default=None, description="the Zalo app's id (developers.zalo.me)")
    app_secret: SecretStr | None = Field(default=None, description="the app's secret key: OAuth v4 token refresh")
    oa_secret: SecretStr | None = Field(default=None, description="the OA secret key: webhook signatures")
    access_token: SecretStr | None = None  # initial tokens; refreshed ones are kept in the database
    refresh_token: SecretStr | None = None
    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"

    max_body_bytes: int = Field(default=128 * 1024, ge=1024, description="the largest webhook body (413 above)")
    max_event_age_seconds: int = Field(
        default=3 * 3600, ge=60,
        description="an event whose timestamp is older is refused (401): longer than Zalo's retry ladder "
                    "(30 s, 5 min, 15 min, 30 min, 1 h), so a retried event still gets in")
    max_clock_skew_seconds: int = Field(default=300, ge=0, description="how far in the future a timestamp may be")
    workers: int | None = Field(
        default=None, ge=1, le=32,
        description="threads processing stored events per server process; unset: 1 on SQLite, 4 on PostgreSQL")
    senders: int = Field(default=4, ge=1, le=64, description="threads delivering the outbox per server process")
    poll_seconds: float = Field(default=1.0, gt=0, description="how often idle workers look for work of other "
                                                              "processes (this process's own work wakes them)")
    lease_seconds: float = Field(default=30.0, gt=0, description="a claimed event or reply left by a dead "
                                                                 "process is taken over after this long")
    retry_base_seconds: float = Field(default=2.0, gt=0, description="first retry delay; doubles per attempt")
    retry_max_seconds: float = Field(default=300.0, gt=0, description="the longest delay between retries")
    give_up_after_seconds: float = Field(default=6 * 3600, gt=0,
                                         description="a reply not delivered after this long is given up")
    max_event_attempts: int = Field(default=5, ge=1, description="an event that fails this often is set aside")
    http_timeout_seconds: float = Field(default=10.0, gt=0, description="timeout of one call to Zalo")
    refresh_margin_seconds: float = Field(default=4 * 3600, ge=0,
                                          description="refresh the access token when less than this is left")
    reconcile_skew_seconds: float = Field(
        default=120.0, ge=0, description="clock difference allowed when checking Zalo's conversation for a "
                                         "reply whose send was interrupted")
    buttons: bool = Field(default=True, description="quick replies as Zalo buttons; false: numbered text")

    @property
    def configured(self) -> bool:
        """Whether the webhook can verify events (an app id and an OA secret key are set)."""
        return bool(self.app_id) and self.oa_secret is not None and bool(self.oa_secret.get_secret_value())
