"""`hueai callbot` as a real process: it refuses what it cannot serve with a one-line reason and exit status 2
(an out-of-date database, no ARI configuration, a speech model that cannot be loaded, no dialogue models)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ARI = {"HUEAI_ARI_URL": "http://127.0.0.1:9", "HUEAI_ARI_USER": "hueai", "HUEAI_ARI_PASSWORD": "secret"}


def hueai(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "hueai.cli", *args], env=env, capture_output=True, timeout=300)


@pytest.fixture
def fresh(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUEAI_ARI_", "HUEAI_ASR_"))}
    return {**env, "HUEAI_DATA_DIR": str(tmp_path / "data"), "HUEAI_LOG_LEVEL": "WARNING"}


@pytest.fixture
def migrated(fresh: dict[str, str]) -> dict[str, str]:
    assert hueai(fresh, "db", "upgrade").returncode == 0
    return fresh


def error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line for line in result.stderr.decode().splitlines() if line.startswith("error:")]
    assert result.returncode == 2 and len(lines) == 1, result.stderr.decode()[-2000:]
    return lines[0]


def test_callbot_refuses_an_out_of_date_database(fresh: dict[str, str]) -> None:
    assert "hueai db upgrade" in error_line(hueai({**fresh, **ARI}, "callbot"))


def test_callbot_needs_ari_settings(migrated: dict[str, str]) -> None:
    assert "HUEAI_ARI_URL" in error_line(hueai(migrated, "callbot"))


def test_a_speech_model_that_cannot_load_is_refused_not_ignored(migrated: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "whisper").mkdir()
    env = {**migrated, **ARI, "HUEAI_ASR_MODEL": str(tmp_path / "whisper")}
    assert "config.json" in error_line(hueai(env, "callbot"))


@pytest.mark.skipif(not os.environ.get("HUEAI_REQUIRE_ESPEAK") and not __import__("shutil").which("espeak-ng"),
                    reason="espeak-ng is not installed")
def test_without_dialogue_models_it_says_what_to_run(migrated: dict[str, str]) -> None:
    assert "hueai setup" in error_line(hueai({**migrated, **ARI}, "callbot"))
