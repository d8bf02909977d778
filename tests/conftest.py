"""Shared fixtures: paths to ../shared, databases (SQLite and PostgreSQL), an imported knowledge base."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

from core.storage import Database
from hueai.db import downgrade, upgrade

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
TTHC_RAW = SHARED / "datasets" / "tthc-dvcqg" / "raw"


# CI judges the code, not the draw: there every run tries the same examples (HUEAI_HYPOTHESIS_DERANDOMIZE=1
# in .ci/run); elsewhere each run explores new ones, and a failure it finds is a bug to fix.
settings.register_profile("ci", derandomize=True)
if os.environ.get("HUEAI_HYPOTHESIS_DERANDOMIZE"):
    settings.load_profile("ci")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Tests that read ``../shared`` skip where it is absent (a checkout without it); CI sets
    ``HUEAI_REQUIRE_SHARED=1`` so that a missing folder fails the run instead of skipping half of it."""
    if os.environ.get("HUEAI_REQUIRE_SHARED") and not TTHC_RAW.is_dir():
        raise pytest.UsageError(f"HUEAI_REQUIRE_SHARED is set but the shared dataset is missing: {TTHC_RAW}")


@pytest.fixture(scope="session")
def tthc_raw() -> Path:
    if not TTHC_RAW.is_dir():
        pytest.skip(f"shared dataset not found at {TTHC_RAW}")
    return TTHC_RAW


def postgres_url() -> str | None:
    url = os.environ.get("HUEAI_TEST_DATABASE_URL")
    if not url and os.environ.get("HUEAI_REQUIRE_POSTGRES"):
        raise RuntimeError("HUEAI_REQUIRE_POSTGRES is set but HUEAI_TEST_DATABASE_URL is not")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path):
    """An empty, migrated database of each supported kind (PostgreSQL from scripts/postgres.sh)."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    else:
        url = postgres_url()
        if not url:
            pytest.skip("no PostgreSQL: set HUEAI_TEST_DATABASE_URL (./dev.sh test does)")
        db = Database(url)
        downgrade(db, "base")  # each test starts from an empty schema
    upgrade(db)
    yield db
    if request.param == "postgresql":
        downgrade(db, "base")
    db.dispose()


@pytest.fixture(scope="session")
def kb_db(tmp_path_factory: pytest.TempPathFactory, tthc_raw: Path) -> Database:
    """A SQLite database holding the whole shared knowledge base (imported once per run)."""
    from knowledge.importer import import_records

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('kb') / 'kb.sqlite3'}")
    upgrade(db)
    import_records(db, tthc_raw)
    return db


@pytest.fixture(scope="session")
def kb_index(kb_db: Database):
    """The lexical knowledge index over the whole knowledge base."""
    from knowledge.aliases import AliasTable
    from knowledge.index.hybrid import KnowledgeIndex
    from knowledge.store import load_procedures

    return KnowledgeIndex.build(load_procedures(kb_db), AliasTable.load())


# Labelled questions for fitting the index's models in tests (reranker, confidence).
ANSWERABLE = [
    ("đăng ký khai sinh cho con", ["1.001193"]),
    ("dang ky thuong tru", ["1.004222"]),
    ("đăng ký kết hôn có yếu tố nước ngoài", ["2.000806"]),
    ("thủ tục đăng ký khai tử", ["1.000656"]),
    ("đăng ký tạm trú", ["1.004194"]),
    ("cấp lại thẻ căn cước", ["1.014064", "2.001194"]),
    ("chứng thực bản sao từ bản chính", ["2.000815"]),
    ("xác nhận tình trạng hôn nhân", ["1.004873"]),
]
UNANSWERABLE = [
    "tối nay đá bóng mấy giờ",
    "giá vàng hôm nay bao nhiêu",
    "quán bún bò nào ngon ở huế",
    "xe buýt số 12 chạy mấy giờ",
    "thời tiết ngày mai có mưa không",
    "em là người thật hả",
    "mua sim số đẹp ở đâu",
    "cho tôi số điện thoại taxi",
]


@pytest.fixture(scope="session")
def kb_labelled_questions() -> list[dict]:
    """A few questions labelled with the procedures that answer them ([] for none), to fit index models on."""
    return [{"text": t, "expected": e} for t, e in ANSWERABLE] + [{"text": t, "expected": []} for t in UNANSWERABLE]


def read_jsonl(path: Path) -> list[dict]:
    """The objects of a JSON Lines data file of the repository; a broken line fails the test with its number."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name}:{number}: not JSON: {exc}")
    return rows


@pytest.fixture(scope="session")
def jsonl():  # type: ignore[no-untyped-def]
    """:func:`read_jsonl`, for tests of the repository's data files."""
    return read_jsonl


@pytest.fixture(scope="session")
def tthc_records(tthc_raw: Path) -> dict[str, tuple[str, dict]]:
    """Every shared record by code: (ministry folder, record)."""
    records = {}
    for path in tthc_raw.glob("*/*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        records[record["ma_thu_tuc"]] = (path.parent.name, record)
    assert records, f"no records under {tthc_raw}"
    return records
