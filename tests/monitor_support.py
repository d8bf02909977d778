"""What the press-monitor tests share: a small post model, sites with faults, crawler settings."""

from __future__ import annotations

import random
from pathlib import Path

from bench.monitor_site import Article, NewsSite, story
from core.artifacts import set_current
from media_monitor.settings import MonitorSettings
from nlu.posts import PostClassifier


def train_small_model(models_dir: Path) -> Path:
    """A post classifier trained on the 32 posts of ``tests/test_posts.py`` (seconds), made current."""
    from tests.test_posts import POSTS

    target = models_dir / "posts" / "posts-20260101-000000-tests000"
    PostClassifier(seed=7, cv_folds=0).fit(POSTS).save(target)
    set_current(models_dir, "posts", target)
    return target


def quick_settings(**overrides: object) -> MonitorSettings:
    """Polite in form (robots.txt obeyed, per-host limits) but without waiting, for loopback tests."""
    values: dict[str, object] = {"host_delay": 0.0, "retries": 2, "backoff": 0.05, "timeout": 5.0,
                                 "max_bytes": 1_000_000, "host_concurrency": 4, "concurrency": 8,
                                 "ioc_api_token": "secret-token"}
    values.update(overrides)
    return MonitorSettings(**values)  # type: ignore[arg-type]


def faulty_site(name: str = "songhuong", articles: int = 6, seed: int = 3) -> NewsSite:
    """A site whose feed lists its good articles plus every fault the crawler must survive."""
    rng = random.Random(seed)
    site = NewsSite(name, [story(rng, f"{name}-{i}", topic=i % 6) for i in range(articles)])
    legacy = story(rng, f"{name}-cp1258", topic=0, place="phường Vỹ Dạ")
    legacy.title = "Thừa Thiên Huế: nước lũ dâng cao ở phường Vỹ Dạ"
    legacy.encoding, legacy.header_charset, legacy.meta_charset = "windows-1258", None, None
    liar = story(rng, f"{name}-liar", topic=2, place="phường An Cựu")
    liar.title = "Người dân phường An Cựu phản ánh rác thải"
    liar.header_charset, liar.meta_charset = "ISO-8859-1", None
    undated = story(rng, f"{name}-undated", topic=3)
    undated.published = "ngày 32 tháng 13"
    empty = Article(slug=f"{name}-empty", title="Trang trống", paragraphs=[], empty=True)
    secret = story(rng, f"{name}-private", topic=4)
    secret.path_prefix = "/private/"
    flaky = story(rng, f"{name}-flaky", topic=5)
    slow = story(rng, f"{name}-slow", topic=1)
    site.articles += [legacy, liar, undated, empty, secret, flaky, slow]
    first = site.articles[0]
    # Faults listed in the feed: an old link that redirects to an article already listed, a 404, a 500,
    # a 50 MB "article".
    site.feed_paths = [f"/r/{first.slug}", "/missing.html", "/error/1.html", "/huge.html"]
    site.flaky = {flaky.path: 1}
    site.slow = {slow.path: 0.3}
    return site
