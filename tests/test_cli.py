"""The `hueai` command line, run as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RECORDS = ("bo-tu-phap/1.001193.json", "bo-cong-an/1.004222.json", "bo-tu-phap/2.000806.json", "bo-xay-dung/1.009972.json")


@pytest.fixture
def fresh(tmp_path: Path) -> dict[str, str]:
    """The environment of an installation whose database was never migrated."""
    return {
        **os.environ,
        "HUEAI_DATA_DIR": str(tmp_path / "data"),
        "HUEAI_DENSE_RETRIEVAL": "false",
        "HUEAI_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def env(fresh: dict[str, str]) -> dict[str, str]:
    """An installation with a migrated, empty database."""
    result = hueai(fresh, "db", "upgrade")
    assert result.returncode == 0, result.stderr.decode()
    return fresh


def hueai(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hueai.cli", *args], env=env, input=stdin, capture_output=True, timeout=300
    )


@pytest.fixture
def imported(env: dict[str, str], tthc_raw: Path, tmp_path: Path) -> dict[str, str]:
    export = tmp_path / "export"
    for rel in RECORDS:
        if (tthc_raw / rel).is_file():
            (export / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(tthc_raw / rel, export / rel)
    (export / "broken.json").write_text("{not json", encoding="utf-8")
    result = hueai(env, "kb", "import", str(export))
    assert result.returncode == 2, result.stderr.decode()
    stderr = result.stderr.decode()
    assert "broken.json" in stderr and "skipped" in stderr
    assert "1 skipped" in result.stdout.decode()
    return env


def test_search_prints_ranked_procedures(imported: dict[str, str]) -> None:
    result = hueai(imported, "kb", "search", "dang ky khai sinh", "--json")
    assert result.returncode == 0, result.stderr.decode()
    payload = json.loads(result.stdout)
    assert payload["results"][0]["code"] == "1.001193"


def test_search_without_a_match_says_so_in_vietnamese(imported: dict[str, str]) -> None:
    result = hueai(imported, "kb", "search", "tối nay đá bóng mấy giờ")
    assert result.returncode == 0, result.stderr.decode()
    assert "Không tìm thấy thủ tục" in result.stdout.decode() and "mã" not in result.stdout.decode()


def test_search_names_a_topic_the_base_lacks(imported: dict[str, str]) -> None:
    result = hueai(imported, "kb", "search", "thi bằng lái xe máy ở đâu")
    assert result.returncode == 0, result.stderr.decode()
    assert "chưa có thủ tục về sát hạch, cấp giấy phép lái xe lần đầu" in result.stdout.decode()


def test_search_jsonl_keeps_ids_and_reports_bad_lines(imported: dict[str, str]) -> None:
    lines = b"\n".join(
        [
            json.dumps({"id": "a", "text": "thủ tục đăng ký thường trú"}, ensure_ascii=False).encode(),
            b"{broken",
            json.dumps({"id": "c", "text": ""}).encode(),
            b"\xff\xfe not utf-8",
            json.dumps({"id": "e", "text": "tối nay đá bóng mấy giờ"}, ensure_ascii=False).encode(),
        ]
    )
    result = hueai(imported, "kb", "search", "--jsonl", "-k", "3", stdin=lines)
    assert result.returncode == 2
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["a", None, "c", None, "e"]
    assert out[0]["results"][0]["code"] == "1.004222"
    assert out[4]["results"] == []
    assert "error" in out[1] and "error" in out[2] and "empty" in out[2]["error"]
    stderr = result.stderr.decode()
    assert "line 2" in stderr and "line 4" in stderr


def test_show_prints_facets_and_rejects_unknown_ones(imported: dict[str, str]) -> None:
    result = hueai(imported, "kb", "show", "1.001193", "--facet", "fee")
    assert result.returncode == 0, result.stderr.decode()
    assert "Miễn phí" in result.stdout.decode()
    bad = hueai(imported, "kb", "show", "1.001193", "--facet", "price")
    assert bad.returncode == 2 and "unknown facet" in bad.stderr.decode()
    missing = hueai(imported, "kb", "show", "0.000000")
    assert missing.returncode == 2 and "no procedure" in missing.stderr.decode()


def test_empty_question_is_bad_input(imported: dict[str, str]) -> None:
    result = hueai(imported, "kb", "search", "   ")
    assert result.returncode == 2
    assert result.stderr.decode().strip().startswith("error:")


def test_search_before_any_import_says_what_to_do(env: dict[str, str]) -> None:
    result = hueai(env, "kb", "search", "khai sinh")
    assert result.returncode == 2
    assert "hueai kb import" in result.stderr.decode()


@pytest.mark.parametrize("command", [("setup", "--source", "{empty}"), ("kb", "import", "{empty}"), ("kb", "reindex")])
def test_indexing_nothing_says_what_to_import(env: dict[str, str], tmp_path: Path, command: tuple) -> None:
    (tmp_path / "empty").mkdir()
    result = hueai(env, *(part.format(empty=tmp_path / "empty") for part in command))
    stderr = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in stderr
    assert "the knowledge base is empty" in stderr and "HUEAI_TTHC_SOURCE" in stderr


def test_import_of_a_missing_path_is_bad_input(env: dict[str, str], tmp_path: Path) -> None:
    result = hueai(env, "kb", "import", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "no such file" in result.stderr.decode()


@pytest.mark.parametrize("command", [("kb", "import", "."), ("kb", "show", "1.001193"), ("kb", "reindex"),
                                     ("serve", "--port", "1")])
def test_commands_refuse_an_unmigrated_database_and_say_what_to_run(fresh: dict[str, str], command: tuple) -> None:
    result = hueai(fresh, *command)
    assert result.returncode == 2
    message = result.stderr.decode().strip()
    assert message.startswith("error:") and "hueai db upgrade" in message and len(message.splitlines()) == 1
