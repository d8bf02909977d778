"""`hueai chat`, `status`, `tickets`, `conversations`, `kb feedback export` and `evaluate dialogue`, run as real
processes on a small installation (four procedures, the project's NLU model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.storage import Database
from dialogue.conversations import ConversationStore

REPO = Path(__file__).resolve().parents[1]
RECORDS = ("bo-tu-phap/1.001193.json", "bo-cong-an/1.004222.json", "bo-tu-phap/2.000806.json",
           "bo-cong-an/1.004194.json")


def hueai(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "hueai.cli", *args], env=env, input=stdin, capture_output=True,
                          timeout=600, cwd=REPO)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, tthc_raw: Path) -> dict[str, str]:
    root = tmp_path_factory.mktemp("install")
    env = {**os.environ, "HUEAI_DATA_DIR": str(root / "data"), "HUEAI_DENSE_RETRIEVAL": "false",
           "HUEAI_LOG_LEVEL": "WARNING"}
    env.pop("HUEAI_DATABASE_URL", None)
    export = root / "export"
    for rel in RECORDS:
        (export / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tthc_raw / rel, export / rel)
    for args in (("db", "upgrade"), ("kb", "import", str(export)),
                 ("train", "nlu", "--data", str(REPO / "training" / "data" / "nlu"))):
        result = hueai(env, *args)
        assert result.returncode == 0, (args, result.stderr.decode()[-2000:])
    return env


def database(env: dict[str, str]) -> Database:
    return Database(f"sqlite:///{Path(env['HUEAI_DATA_DIR']) / 'hueai.sqlite3'}")


def test_status_import_reports_bad_lines_and_loads_the_rest(installed: dict[str, str], tmp_path: Path) -> None:
    csv_file = tmp_path / "statuses.csv"
    csv_file.write_text("code,status,updated_at,office\n000.00.21.H57-250312-0042,Đã có kết quả,2025-03-20,UBND\n"
                        ",không mã,,\n", encoding="utf-8")
    result = hueai(installed, "status", "import", str(csv_file))
    assert result.returncode == 2
    assert "1 added" in result.stdout.decode() and "line 3" in result.stderr.decode()
    shown = hueai(installed, "status", "show", "000.00.21.H57 250312 0042")
    assert shown.returncode == 0 and json.loads(shown.stdout)["status"] == "Đã có kết quả"
    assert hueai(installed, "status", "import", str(tmp_path / "missing.csv")).returncode == 2


def test_chat_in_the_terminal_prints_sources_and_buttons(installed: dict[str, str]) -> None:
    stdin = "\n".join(["chào em", "đăng ký khai sinh cần giấy tờ gì", "2", "cây đổ chắn đường Lê Lợi", "không",
                       "đúng rồi", "/quit"]).encode()
    result = hueai(installed, "chat", "--session", "cli-test", stdin=stdin)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "nguồn: 1.001193 · Thủ tục đăng ký khai sinh" in out and "[1] Xem đầy đủ  (/full)" in out
    assert "mã phản ánh: PA-" in out

    listed = hueai(installed, "tickets", "list", "--json")
    (ticket,) = [json.loads(line) for line in listed.stdout.decode().splitlines()]
    assert ticket["location"] == "đường Lê Lợi" and ticket["session_id"] == "cli-test"
    assert hueai(installed, "tickets", "list", "--since", "2999-01-01").stdout.decode().strip() == "no tickets"
    assert hueai(installed, "tickets", "list", "--since", "yesterday").returncode == 2
    exported = hueai(installed, "tickets", "export")
    assert exported.stdout.decode().splitlines()[0].startswith("id,created_at")

    transcript = hueai(installed, "conversations", "show", "cli-test")
    assert "đăng ký khai sinh cần giấy tờ gì" in transcript.stdout.decode()
    purged = hueai(installed, "conversations", "purge", "--days", "30")
    assert purged.returncode == 0 and "deleted 0 conversations" in purged.stdout.decode()


def test_feedback_export_writes_calibration_questions(installed: dict[str, str], tmp_path: Path) -> None:
    db = database(installed)
    store = ConversationStore(db)
    with store.turn("fb-cli", "web") as turn:
        question = turn.add_message("in", "citizen", "lam khai sinh o dau")
        answer = turn.add_message("out", "assistant", "…", sources=[{"code": "1.004222", "name": "x"}],
                                  reply_to=question)
    store.record_feedback(answer, helpful=False, correct_code="1.001193", operator="lan")
    db.dispose()
    out = tmp_path / "feedback.jsonl"
    result = hueai(installed, "kb", "feedback", "export", "--out", str(out))
    assert result.returncode == 0 and "1 corrections" in result.stderr.decode()
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert row == {"id": row["id"], "text": "lam khai sinh o dau", "style": "no_diacritics", "expected": ["1.001193"]}


def test_evaluate_dialogue_shows_failed_turns_and_exits_2(installed: dict[str, str], tmp_path: Path) -> None:
    stories = REPO / "tests" / "data" / "dialogue_stories.yml"
    result = hueai(installed, "evaluate", "dialogue", "--stories", str(stories), "--out", str(tmp_path / "r.json"))
    out = result.stdout.decode()
    assert result.returncode == 2, result.stderr.decode()
    assert "PASS  [formal/web] chào rồi hỏi khai sinh" in out
    assert "FAIL  [colloquial/web] một kỳ vọng sai" in out and "action 'thank', expected greet" in out
    assert "stories passed: 1/2" in out
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [r["passed"] for r in report["results"]] == [True, False]
    db = database(installed)
    assert not ConversationStore(db).exists("story")  # stories ran in a scratch database
    db.dispose()
    broken = tmp_path / "broken.yml"
    broken.write_text("stories: [{story: x}]\n", encoding="utf-8")
    refused = hueai(installed, "evaluate", "dialogue", "--stories", str(broken))
    assert refused.returncode == 2 and "broken.yml" in refused.stderr.decode()
