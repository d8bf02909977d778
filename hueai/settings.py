"""Settings, read from ``HUEAI_*`` environment variables or a ``.env`` file.

>>> from hueai.settings import get_settings
>>> get_settings().database_url.startswith(("sqlite", "postgresql"))
True

Everything has a default, so a fresh checkout runs with no configuration:
data lives under ``./var`` and the knowledge base is imported from the shared
dataset folder when it exists. See ``../shared/spec/interfaces.md`` for the
stable list of names.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TTHC_SOURCE = REPO_ROOT.parent / "shared" / "datasets" / "tthc-dvcqg" / "raw"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=REPO_ROOT / "var", description="where the SQLite file and indexes live")
    models_dir: Path | None = Field(default=None, description="trained models; default <data_dir>/models")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite under data_dir")
    tthc_source: Path | None = Field(
        default=None, description="TTHC records imported at set-up; default the shared dataset when it exists"
    )
    dense_encoder: Path | None = Field(
        default=None,
        description="a local sentence-transformers model directory to use instead of the encoder trained by set-up",
    )
    nlu_encoder: Path | None = Field(
        default=None,
        description="a local Hugging Face encoder directory; when set, `hueai train nlu` fine-tunes it for intents",
    )
    dense_retrieval: bool = Field(
        default=True, description="train and fuse the dense encoder (set false for lexical-only retrieval)"
    )
    log_level: str = "INFO"
    log_json: bool = False

    # Channels (used by later components; declared here so one .env serves all).
    zalo_app_id: str | None = None
    zalo_app_secret: SecretStr | None = None
    zalo_oa_secret: SecretStr | None = None
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    ari_url: str | None = None
    ari_user: str | None = None
    ari_password: SecretStr | None = None
    ari_app: str = "callbot"
    ari_operator_context: str = "operators"
    ari_operator_exten: str = "s"
    rtp_host: str = "127.0.0.1"
    rtp_ports: str = "20000-20999"
    ioc_api_token: SecretStr | None = None
    asr_model: Path | None = None
    tts_voice: str = "vi"

    @model_validator(mode="after")
    def _fill_derived_defaults(self) -> "Settings":
        self.data_dir = self.data_dir.expanduser().resolve()
        if self.models_dir is None:
            self.models_dir = self.data_dir / "models"
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.data_dir / 'hueai.sqlite3'}"
        if self.tthc_source is None and DEFAULT_TTHC_SOURCE.is_dir():
            self.tthc_source = DEFAULT_TTHC_SOURCE
        return self

    @property
    def index_dir(self) -> Path:
        """Where the knowledge-base retrieval index is written and read."""
        assert self.models_dir is not None
        return self.models_dir / "kb-index"

    @property
    def encoder_dir(self) -> Path:
        """The dense encoder trained by set-up (used unless ``dense_encoder`` is configured)."""
        assert self.models_dir is not None
        return self.models_dir / "kb-encoder"


@lru_cache
def get_settings() -> Settings:
    return Settings()
