"""The press monitor's slice of the settings: ``HUEAI_IOC_API_TOKEN`` and the crawler's ``HUEAI_MONITOR_*``.

Every default is the polite one; the loopback benchmark turns politeness off
through the same fields (``CrawlPolicy`` in :mod:`media_monitor.fetch` is built
from them).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MonitorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUEAI_MONITOR_", env_file=".env", extra="ignore",
                                      populate_by_name=True)

    ioc_api_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("HUEAI_IOC_API_TOKEN", "ioc_api_token"),
        description="bearer token of GET /api/monitor/articles; unset: the export answers 401 to everyone",
    )
    user_agent: str = Field(default="hueai-monitor/0.1 (Hue IOC press monitor)",
                            description="User-Agent of every request, and the name robots.txt rules are read for")
    host_concurrency: int = Field(default=2, ge=1, le=64, description="requests in flight to one host at most")
    host_delay: float = Field(default=1.0, ge=0, description="seconds between two requests to one host (robots.txt "
                                                             "Crawl-delay wins when longer)")
    concurrency: int = Field(default=16, ge=1, le=512, description="requests in flight in all")
    timeout: float = Field(default=20.0, gt=0, description="seconds for one request (connect, each read)")
    max_bytes: int = Field(default=5_000_000, ge=1024, description="largest response body read; longer ones are "
                                                                   "cut off and the page is refused")
    retries: int = Field(default=3, ge=0, le=10, description="tries after the first for 429, 5xx and network errors")
    backoff: float = Field(default=2.0, ge=0, description="first retry delay in seconds, doubled each time")
    interval: int = Field(default=900, ge=10, description="default seconds between two crawls of one source")
    robots: bool = Field(default=True, description="obey robots.txt (off only for benchmarks on loopback)")
    max_articles_per_source: int = Field(default=200, ge=1, description="article links taken from one listing")
    near_duplicate_threshold: float = Field(default=0.5, gt=0, le=1,
                                            description="estimated Jaccard similarity from which two posts are "
                                                        "one story")
    sqlite_relaxed_sync: bool = Field(default=True, description="on SQLite, the crawler commits without waiting "
                                      "for fsync (WAL + synchronous=NORMAL: safe against process crashes)")
    sources_file: Path | None = Field(default=None, description="YAML list of sources `hueai monitor sources "
                                                                "seed` (and set-up) adds")
