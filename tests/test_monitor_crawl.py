"""The press monitor end to end against generated Vietnamese news sites on loopback: crawl, faults, charsets,
conditional GET, syndication, labels, the IOC export, imports, relabelling, and crashes (SIGKILL, SIGTERM)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.monitor_site import NewsSite, story
from core.storage import Database
from hueai.db import upgrade
from media_monitor.crawler import Crawler
from media_monitor.export import ExportQuery, export_page
from media_monitor.labelling import Labeller
from media_monitor.pipeline import relabel
from media_monitor.sources import SourceSpec, add_source, set_enabled
from media_monitor.tables import ArticleRow, UrlRow
from tests.monitor_support import faulty_site, quick_settings, train_small_model

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    models_dir = tmp_path_factory.mktemp("models")
    train_small_model(models_dir)
    return models_dir


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'monitor.sqlite3'}")
    upgrade(database)
    yield database
    database.dispose()


def crawl(db: Database, labeller: Labeller | None, **settings: object):  # type: ignore[no-untyped-def]
    return asyncio.run(Crawler(db, quick_settings(**settings), labeller=labeller).run_once())


def urls(db: Database) -> dict[str, UrlRow]:
    with db.session() as session:
        return {row.url.split("/", 3)[-1]: row for row in session.scalars(select(UrlRow))}


def articles(db: Database) -> list[ArticleRow]:
    with db.session() as session:
        return list(session.scalars(select(ArticleRow).order_by(ArticleRow.id)))


# --- one site with every fault -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_crawl_survives_every_fault_and_stores_each_article_once(database: Database, models: Path) -> None:
    site = faulty_site()
    labeller = Labeller.current(models)
    with site.serve():
        add_source(database, SourceSpec(kind="rss", url=f"{site.url}/rss.xml", name="Sông Hương"))
        report = crawl(database, labeller)
        state = {path: row.state for path, row in urls(database).items()}
        stored = articles(database)
        hits = Counter(site.hits)

    good = [f"bai/songhuong-{i}.html" for i in range(6)]
    assert all(state[path] == "done" for path in good)
    assert state["rss.xml"] == "done"
    assert state["r/songhuong-0"] == "done"  # redirected to an article already listed: the same page
    assert hits["/r/songhuong-0"] == 1 and hits["/bai/songhuong-0.html"] == 1
    assert state["missing.html"] == "gone" and state["error/1.html"] == "failed"
    assert state["huge.html"] == "failed" and state["private/songhuong-private.html"] == "skipped"
    assert state["bai/songhuong-empty.html"] == "failed" and state["bai/songhuong-flaky.html"] == "done"
    assert hits["/robots.txt"] == 1 and hits["/private/songhuong-private.html"] == 0
    assert hits["/error/1.html"] == 3  # the first try and two retries
    assert hits["/bai/songhuong-flaky.html"] == 2  # a 500, then the page
    assert all(count == 1 for path, count in hits.items() if path.startswith("/bai/") and "flaky" not in path)

    by_url = {a.url.rsplit("/", 1)[-1]: a for a in stored}
    assert len(stored) == len(by_url) == 11  # 6 + cp1258, liar, undated, flaky, slow
    assert report.articles == 11
    assert by_url["songhuong-cp1258.html"].title == "Thừa Thiên Huế: nước lũ dâng cao ở phường Vỹ Dạ"
    assert by_url["songhuong-liar.html"].title == "Người dân phường An Cựu phản ánh rác thải"
    assert "phường Vỹ Dạ" in by_url["songhuong-cp1258.html"].content
    undated = by_url["songhuong-undated.html"]
    assert undated.published_at is not None  # the page's bad date is dropped, the feed's date is used
    first = by_url["songhuong-0.html"]
    assert first.author and first.site_name == "Báo songhuong" and first.url.startswith(site.url)
    assert first.published_at is not None
    for article in stored:
        assert article.stage == "labelled" and article.model_version == "posts-20260101-000000-tests000"
        assert 1 / 3 <= article.sentiment_l1_confidence <= 1 and 0.5 <= article.relevant_confidence <= 1
        assert article.sentiment_l1 in {"positive", "neutral", "negative"} and article.story_id is not None


def test_a_second_crawl_asks_conditionally_and_fetches_only_what_is_new(db: Database, models: Path) -> None:
    site = NewsSite.generate("hue24h", articles=4, seed=5)
    labeller = Labeller.current(models)
    with site.serve():
        add_source(db, SourceSpec(kind="rss", url=f"{site.url}/rss.xml"))
        crawl(db, labeller)
        etag = urls(db)["rss.xml"].etag
        second = crawl(db, labeller)
        assert urls(db)["rss.xml"].status == 304 and second.articles == 0
        site.add(story(__import__("random").Random(9), "hue24h-new", topic=3))
        third = crawl(db, labeller)
        assert urls(db)["rss.xml"].etag != etag and third.articles == 1
        assert site.hits["/rss.xml"] == 3 and site.hits["/bai/hue24h-new.html"] == 1
        assert all(n == 1 for p, n in site.hits.items() if p.startswith("/bai/"))
    assert len(articles(db)) == 5


def test_listing_pages_and_sitemaps_and_disabled_sources(db: Database, models: Path) -> None:
    site = NewsSite.generate("tintuc", articles=3, seed=2)
    with site.serve():
        add_source(db, SourceSpec(kind="page", url=f"{site.url}/", selector="h3.title a"))
        sitemap = add_source(db, SourceSpec(kind="sitemap", url=f"{site.url}/sitemap.xml"))
        set_enabled(db, str(sitemap.id), False)
        crawl(db, None)
        assert site.hits["/sitemap.xml"] == 0 and site.hits["/"] == 1
        stored = articles(db)
        assert len(stored) == 3 and all(a.stage == "deduped" and a.model_version is None for a in stored)
        assert relabel(db, Labeller.current(models)) == 3  # stored unlabelled, labelled later
        assert all(a.stage == "labelled" for a in articles(db))


def test_slow_server_times_out_and_is_retried(db: Database) -> None:
    site = NewsSite.generate("cham", articles=1, seed=1)
    site.slow = {site.articles[0].path: 1.5}
    with site.serve():
        add_source(db, SourceSpec(kind="rss", url=f"{site.url}/rss.xml"))
        report = crawl(db, None, timeout=0.3, retries=1)
        row = urls(db)[site.articles[0].path.lstrip("/")]
    assert row.state == "failed" and row.attempts == 2 and "Timeout" in (row.error or "")
    assert report.failed >= 1


def test_a_syndicated_story_is_one_story_with_its_sources_in_the_export(db: Database, models: Path) -> None:
    import random

    origin = NewsSite.generate("goc", articles=3, seed=11)
    copy = NewsSite.generate("dangsao", articles=2, seed=12)
    syndicated = story(random.Random(1), "dangsao-ttxvn", topic=0, place="phường Kim Long")
    original = origin.articles[0]
    syndicated.title = "(TTXVN) " + original.title.upper()
    syndicated.paragraphs = ["(TTXVN) – " + original.paragraphs[0], *original.paragraphs[1:-1],
                             original.paragraphs[-1] + " Ảnh: TTXVN."]
    copy.articles.append(syndicated)
    labeller = Labeller.current(models)
    with origin.serve(), copy.serve():
        add_source(db, SourceSpec(kind="rss", url=f"{origin.url}/rss.xml"))
        crawl(db, labeller)
        add_source(db, SourceSpec(kind="rss", url=f"{copy.url}/rss.xml"))
        crawl(db, labeller)
    stored = {a.url.rsplit("/", 1)[-1]: a for a in articles(db)}
    first, second = stored[f"{original.slug}.html"], stored["dangsao-ttxvn.html"]
    assert second.story_id == first.id and second.similarity and second.similarity > 0.5
    assert len({a.story_id for a in stored.values()}) == 5  # 3 + 2 stories, the copy joins the first
    page = export_page(db, ExportQuery(relevant="any", spam="any"))
    assert len(page.items) == 5
    exported = next(item for item in page.items if item.id == first.id)
    assert [d.id for d in exported.duplicates] == [second.id] and exported.duplicates[0].source == "Báo dangsao"
    everything = export_page(db, ExportQuery(relevant="any", spam="any", include_duplicates=True))
    assert len(everything.items) == 6


# --- the IOC export over HTTP -------------------------------------------------------------------------------


def test_export_api_token_filters_and_cursor(db: Database, models: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hueai.api import create_app
    from hueai.runtime import Runtime
    from hueai.settings import Settings
    from media_monitor.connectors import JsonlExport
    from media_monitor.pipeline import import_posts, load_index, process_articles
    from tests.test_posts import POSTS

    export = tmp_path / "posts.jsonl"
    export.write_text("\n".join(json.dumps({"id": i, "source": "facebook", "content": p["content"],
                                            "published_at": f"2026-11-{10 + i % 10:02d}T08:00:00+07:00"},
                                           ensure_ascii=False) for i, p in enumerate(POSTS)), encoding="utf-8")
    source = add_source(db, SourceSpec(kind="import", url=str(export)))
    report = import_posts(db, source, JsonlExport(export))
    process_articles(db, load_index(db, 0.5), Labeller.current(models), report.article_ids)

    settings = Settings(data_dir=tmp_path, database_url=db.url, models_dir=models,
                        monitor=quick_settings())
    client = TestClient(create_app(Runtime(settings), watch_seconds=None))
    assert client.get("/api/monitor/articles").status_code == 401
    assert client.get("/api/monitor/articles", headers={"Authorization": "Bearer nope"}).status_code == 401
    auth = {"Authorization": "Bearer secret-token"}
    everything = client.get("/api/monitor/articles?relevant=any&spam=any&limit=1000", headers=auth).json()
    assert len(everything["items"]) == len(POSTS) and everything["next_cursor"] is None
    default = client.get("/api/monitor/articles?limit=1000", headers=auth).json()["items"]
    assert default and all(item["relevant"] is True and item["spam"] is False for item in default)
    assert all(item["source"] == "facebook" and item["published_at"].endswith("+07:00") for item in default)
    assert {"id", "title", "content", "source", "url", "published_at", "author", "sentiment_l1", "sentiment_l2",
            "relevant", "spam", "status", "verified_at", "duplicates"} <= set(default[0])
    negative = client.get("/api/monitor/articles?sentiment_l1=negative&relevant=any&spam=any&limit=1000",
                          headers=auth).json()["items"]
    assert negative and all(item["sentiment_l1"] == "negative" for item in negative)
    seen, cursor = [], None
    while True:
        page = client.get("/api/monitor/articles", params={"relevant": "any", "spam": "any", "limit": 5,
                                                            **({"cursor": cursor} if cursor else {})},
                          headers=auth).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == len(POSTS)
    since = client.get("/api/monitor/articles?relevant=any&spam=any&since=2026-11-18T00:00:00&limit=1000",
                       headers=auth).json()["items"]
    assert since and all(item["published_at"] >= "2026-11-18" for item in since) and len(since) < len(POSTS)
    assert client.get("/api/monitor/articles?cursor=garbage", headers=auth).status_code == 422
    assert client.get("/api/monitor/articles?status=bogus", headers=auth).status_code == 422


# --- the command line, crashes -------------------------------------------------------------------------------


def hueai(env: dict[str, str], *args: str, stdin: bytes | None = None,
          timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "hueai.cli", *args], env=env, input=stdin, capture_output=True,
                          timeout=timeout, cwd=REPO)


@pytest.fixture
def env(tmp_path: Path, models: Path) -> dict[str, str]:
    return {**os.environ, "HUEAI_DATA_DIR": str(tmp_path / "data"), "HUEAI_MODELS_DIR": str(models),
            "HUEAI_LOG_LEVEL": "WARNING", "HUEAI_MONITOR_HOST_DELAY": "0", "HUEAI_MONITOR_BACKOFF": "0.05",
            "HUEAI_MONITOR_RETRIES": "1", "HUEAI_MONITOR_TIMEOUT": "5"}


def test_cli_refuses_an_unmigrated_database(env: dict[str, str]) -> None:
    for command in (("monitor", "crawl", "--once"), ("monitor", "sources", "list")):
        result = hueai(env, *command)
        message = result.stderr.decode().strip()
        assert result.returncode == 2 and "hueai db upgrade" in message and len(message.splitlines()) == 1


def test_cli_sources_import_and_relabel(env: dict[str, str], tmp_path: Path) -> None:
    assert hueai(env, "db", "upgrade").returncode == 0
    added = hueai(env, "monitor", "sources", "add", "https://baothuathienhue.vn/rss/thoi-su.rss?utm_source=x",
                  "--kind", "rss", "--name", "Báo Thừa Thiên Huế")
    assert added.returncode == 0, added.stderr.decode()
    again = hueai(env, "monitor", "sources", "add", "https://baothuathienhue.vn/rss/thoi-su.rss", "--kind", "rss")
    assert again.returncode == 2 and "exists already" in again.stderr.decode()
    no_selector = hueai(env, "monitor", "sources", "add", "https://x.vn/hue", "--kind", "page")
    assert no_selector.returncode == 2 and "--selector" in no_selector.stderr.decode()
    listed = [json.loads(line) for line in hueai(env, "monitor", "sources", "list", "--json").stdout.splitlines()]
    assert listed[0]["url"] == "https://baothuathienhue.vn/rss/thoi-su.rss" and listed[0]["enabled"] is True
    assert hueai(env, "monitor", "sources", "disable", "Báo Thừa Thiên Huế").returncode == 0
    assert json.loads(hueai(env, "monitor", "sources", "list", "--json").stdout)["enabled"] is False

    export = tmp_path / "fb.jsonl"
    export.write_bytes(b"\n".join([
        json.dumps({"id": "a1", "source": "facebook", "content": "Đường Lê Lợi ở Huế ngập sâu sau mưa lớn"},
                   ensure_ascii=False).encode(),
        b'{"id": "a2", "content": ',
        json.dumps({"id": "a3", "source": "facebook", "content": "Sim số đẹp giá rẻ liên hệ zalo 0912345678",
                    "published_at": "hôm qua"}, ensure_ascii=False).encode(),
        b'{"id": "a4"}',
    ]) + b"\n")
    imported = hueai(env, "monitor", "import", str(export))
    err = imported.stderr.decode()
    assert imported.returncode == 2 and "line 2:" in err and "line 4:" in err and "line 3: invalid published_at" in err
    assert "2 posts imported" in imported.stdout.decode()
    again = hueai(env, "monitor", "import", str(export))
    assert "0 posts imported and labelled, 2 already there" in again.stdout.decode()
    relabelled = hueai(env, "monitor", "relabel")
    assert relabelled.returncode == 0 and "0 articles re-labelled" in relabelled.stdout.decode()
    assert "2 articles re-labelled" in hueai(env, "monitor", "relabel", "--before-model", "posts-3").stdout.decode()


def test_cli_classify_batches_and_keeps_order(env: dict[str, str]) -> None:
    lines = [json.dumps({"id": i, "title": "", "content": f"Đường Lê Lợi ngập sâu {i}"}, ensure_ascii=False)
             for i in range(300)]
    lines.insert(5, "{broken")
    lines.insert(7, json.dumps({"id": "x", "content": 5}))
    result = hueai(env, "monitor", "classify", "--jsonl", stdin=("\n".join(lines) + "\n").encode())
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 2 and len(out) == 302
    assert "error" in out[5] and "line 6" in out[5]["error"] and out[7]["id"] == "x" and "error" in out[7]
    assert [o["id"] for o in out if "error" not in o] == list(range(300))


def _counts(db_path: Path) -> tuple[int, int]:
    db = Database(f"sqlite:///{db_path}")
    try:
        with db.session() as session:
            done = session.scalar(select(func.count()).select_from(UrlRow).where(UrlRow.role == "article",
                                                                                   UrlRow.state == "done"))
            stored = session.scalar(select(func.count()).select_from(ArticleRow))
        return int(done or 0), int(stored or 0)
    finally:
        db.dispose()


def _start_crawl(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "hueai.cli", "monitor", "crawl", *args], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(condition, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_sigkill_mid_crawl_then_restart_loses_and_duplicates_nothing(env: dict[str, str], tmp_path: Path) -> None:
    site = NewsSite.generate("kill", articles=24, seed=4)
    site.slow = {a.path: 0.25 for a in site.articles}
    db_path = tmp_path / "data" / "hueai.sqlite3"
    assert hueai(env, "db", "upgrade").returncode == 0
    env = {**env, "HUEAI_MONITOR_HOST_CONCURRENCY": "2"}
    with site.serve():
        assert hueai(env, "monitor", "sources", "add", f"{site.url}/rss.xml", "--kind", "rss").returncode == 0
        process = _start_crawl(env, "--once")
        _wait_for(lambda: _counts(db_path)[0] >= 6)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        done_before, _ = _counts(db_path)
        assert done_before < 24  # killed mid-way
        with Database(f"sqlite:///{db_path}").session() as session:
            finished = {row.url.split("/", 3)[-1] for row in session.scalars(
                select(UrlRow).where(UrlRow.role == "article", UrlRow.state.in_(("fetched", "done"))))}
        result = hueai(env, "monitor", "crawl", "--once", timeout=300)
        assert result.returncode == 0, result.stderr.decode()
        hits = Counter(site.hits)
    db = Database(f"sqlite:///{db_path}")
    stored = articles(db)
    db.dispose()
    assert len(stored) == 24 and len({a.url for a in stored}) == 24
    assert all(a.stage == "labelled" for a in stored)
    for article in site.articles:  # fetched and stored before the kill: never fetched again
        if article.path.lstrip("/") in finished:
            assert hits[article.path] == 1, article.path
        assert hits[article.path] in (1, 2)  # at most the fetches in flight at the kill are repeated


def test_sigterm_finishes_in_flight_work_then_exits(env: dict[str, str], tmp_path: Path) -> None:
    site = NewsSite.generate("term", articles=16, seed=6)
    site.slow = {a.path: 0.3 for a in site.articles}
    db_path = tmp_path / "data" / "hueai.sqlite3"
    assert hueai(env, "db", "upgrade").returncode == 0
    with site.serve():
        assert hueai(env, "monitor", "sources", "add", f"{site.url}/rss.xml", "--kind", "rss").returncode == 0
        process = _start_crawl({**env, "HUEAI_MONITOR_HOST_CONCURRENCY": "2"})
        _wait_for(lambda: _counts(db_path)[0] >= 3)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    db = Database(f"sqlite:///{db_path}")
    with db.session() as session:
        states = Counter(session.scalars(select(UrlRow.state).where(UrlRow.role == "article")))
        stages = Counter(session.scalars(select(ArticleRow.stage)))
    db.dispose()
    assert states["fetched"] == 0  # nothing left half-way: what was fetched was extracted and stored
    assert set(stages) == {"labelled"} and sum(stages.values()) == states["done"] and states["pending"] > 0


def test_migration_matches_the_tables(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from core.storage import Base

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in diff if "monitor_" in repr(d)]
    assert not ours, ours
