"""Settings, read from ``HUEAI_*`` environment variables or a ``.env`` file.

>>> from hueai.settings import get_settings
>>> settings = get_settings()
>>> settings.database_url.startswith(("sqlite", "postgresql"))
True
>>> settings.kb.dense_retrieval, settings.zalo.api_base     # each component's slice
(True, 'https://openapi.zalo.me')

Everything has a default, so a fresh checkout runs with no configuration: data
lives under ``./var`` and the knowledge base is imported from the shared dataset
folder when it exists. Each component declares its own slice next to its code
(:class:`knowledge.settings.KnowledgeSettings`, :class:`channels.settings.ZaloSettings`,
...) and is handed only that slice; the variable names are the flat ones of
``../shared/spec/interfaces.md`` (``HUEAI_DENSE_RETRIEVAL``, ``HUEAI_ZALO_APP_ID``, ...).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from channels.settings import WebChatSettings, ZaloSettings
from core.accounts.settings import StaffSettings
from dialogue.settings import DialogueSettings
from knowledge.settings import KnowledgeSettings
from media_monitor.settings import MonitorSettings
from nlu.settings import NLUSettings
from voice.settings import AriSettings, VoiceSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TTHC_SOURCE = REPO_ROOT.parent / "shared" / "datasets" / "tthc-dvcqg" / "raw"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=REPO_ROOT / "var", description="where the SQLite file and models live")
    models_dir: Path | None = Field(default=None, description="trained models; default <data_dir>/models")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite under data_dir")
    log_level: str = "INFO"
    log_json: bool = False
    admin_token: SecretStr | None = Field(
        default=None, description="bearer token of the admin endpoints (/admin/reload); unset: loopback clients only"
    )

    kb: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    nlu: NLUSettings = Field(default_factory=NLUSettings)
    zalo: ZaloSettings = Field(default_factory=ZaloSettings)
    chat: WebChatSettings = Field(default_factory=WebChatSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    ari: AriSettings = Field(default_factory=AriSettings)
    voice: VoiceSettings = Field(default_factory=VoiceSettings)
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    dialogue: DialogueSettings = Field(default_factory=DialogueSettings)

    @model_validator(mode="after")
    def _fill_derived_defaults(self) -> "Settings":
        self.data_dir = self.data_dir.expanduser().resolve()
        if self.models_dir is None:
            self.models_dir = self.data_dir / "models"
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.data_dir / 'hueai.sqlite3'}"
        if self.kb.tthc_source is None and DEFAULT_TTHC_SOURCE.is_dir():
            self.kb.tthc_source = DEFAULT_TTHC_SOURCE
        return self

    @property
    def models(self) -> Path:
        """``models_dir``, resolved (never None after validation)."""
        assert self.models_dir is not None
        return self.models_dir


@lru_cache
def get_settings() -> Settings:
    return Settings()
