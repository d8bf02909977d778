"""`hueai train/evaluate/nlu parse` and `train sentiment/monitor classify`, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HUEAI_DATA_DIR": str(tmp_path / "data"), "HUEAI_LOG_LEVEL": "WARNING"}


def hueai(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "hueai.cli", *args], env=env, input=stdin, capture_output=True,
                          timeout=300, cwd=REPO)


@pytest.fixture
def trained(env: dict[str, str], tmp_path: Path) -> tuple[dict[str, str], Path]:
    data = Path(__file__).parent / "data" / "nlu_small.yml"
    result = hueai(env, "train", "nlu", "--data", str(data))
    assert result.returncode == 0, result.stderr.decode()
    return env, data


def test_train_evaluate_and_parse(trained: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, data = trained
    models = Path(env["HUEAI_DATA_DIR"]) / "models" / "nlu"
    current = Path((models / "CURRENT").read_text().strip())
    assert current.is_dir() and (current / "model.json").is_file()

    report = hueai(env, "evaluate", "nlu", "--data", str(data), "--out", str(tmp_path / "eval"))
    assert report.returncode == 0, report.stderr.decode()
    for name in ("intent_report.json", "entity_report.json", "errors.json", "confusion_matrix.png"):
        assert (tmp_path / "eval" / name).stat().st_size > 0
    intents = json.loads((tmp_path / "eval" / "intent_report.json").read_text())
    assert set(intents["per_intent"]) == {"check_status", "ask_documents", "emergency", "greet"}

    text = "kiểm tra hồ sơ 000.00.21.H57-250312-0042 giúp tôi"
    parsed = json.loads(hueai(env, "nlu", "parse", text, "--json").stdout)
    assert parsed["intent"]["name"] == "check_status"
    (code,) = [e for e in parsed["entities"] if e["entity"] == "application_code"]
    assert text[code["start"]:code["end"]] == "000.00.21.H57-250312-0042"


def test_parse_jsonl_reports_bad_lines_and_goes_on(trained: tuple[dict[str, str], Path]) -> None:
    env, _ = trained
    stdin = b'{"id": "a", "text": "chao em"}\n\xff\xfe\n{"id": "c"}\n{"id": "d", "text": "cuu voi nha ngap"}\n'
    result = hueai(env, "nlu", "parse", "--jsonl", stdin=stdin)
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["id"] for line in lines] == ["a", None, "c", "d"]
    assert "intent" in lines[0] and "intent" in lines[3]
    assert "line 2" in lines[1]["error"] and "line 3" in lines[2]["error"]


def test_malformed_training_data_names_file_and_line(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text('nlu:\n- intent: greet\n  examples: |\n    - chào\n  - : [\n', encoding="utf-8")
    result = hueai(env, "train", "nlu", "--data", str(bad))
    assert result.returncode == 2
    message = result.stderr.decode()
    assert "bad.yml:5" in message and len(message.strip().splitlines()) == 1


def test_parse_without_a_model_says_what_to_do(env: dict[str, str]) -> None:
    result = hueai(env, "nlu", "parse", "chào")
    assert result.returncode == 2 and "hueai train nlu" in result.stderr.decode()


def test_train_nlu_on_rasa_data_warns_and_strict_refuses(env: dict[str, str], tmp_path: Path) -> None:
    data = Path(__file__).parent / "data" / "rasa" / "airline"
    result = hueai(env, "train", "nlu", "--data", str(data), "--out", str(tmp_path / "m"))
    assert result.returncode == 0, result.stderr.decode()
    warnings = [line for line in result.stderr.decode().splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3 and "10 entity types" in warnings[0] and "kept under 'flight'" in warnings[1]
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert len(meta["data_warnings"]) == 3 and meta["builtin_entities"] == []
    parsed = json.loads(hueai(env, "nlu", "parse", "giá vé từ huế đến hà nội", "--json", "--model",
                              str(tmp_path / "m")).stdout)
    assert parsed["intent_ranking"][0]["name"] in {"airfare", "flight", "airfare#flight", "abbreviation"}

    strict = hueai(env, "train", "nlu", "--data", str(data), "--strict", "--out", str(tmp_path / "s"))
    assert strict.returncode == 2 and "bad entity name 'fromloc.city_name'" in strict.stderr.decode()
    domain = Path(__file__).parent / "data" / "rasa" / "formbot" / "data"
    clean = hueai(env, "train", "nlu", "--data", str(domain), "--strict", "--out", str(tmp_path / "f"))
    assert clean.returncode == 0 and "warning:" not in clean.stderr.decode(), clean.stderr.decode()
