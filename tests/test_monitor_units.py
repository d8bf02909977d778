"""The press monitor's parts, one at a time: URLs, encodings, discovery, extraction, dates, imports, de-duplication."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.monitor_site import encode_windows_1258
from media_monitor.connectors import CsvExport, JsonlExport, export_connector
from media_monitor.dedup import NearDuplicateIndex, content_hash, from_bytes, signature, to_bytes
from media_monitor.discover import DiscoveryError, feed_links, listing_links, sitemap_links
from media_monitor.encoding import decode_html
from media_monitor.extract import LOCAL_TZ, ExtractionError, extract_article, parse_datetime
from media_monitor.sources import SourceError, SourceSpec, load_seed_file
from media_monitor.urls import BadUrl, canonical_url, same_site

VIETNAMESE = ("<html><head><title>Thừa Thiên Huế: mưa lũ</title></head><body><p>Người dân phường Vỹ Dạ, "
              "thành phố Huế đang khắc phục hậu quả trận lũ lịch sử, nước rút chậm.</p></body></html>")
FLOOD = ("Sáng 20/11, nước sông Hương lên nhanh, nhiều tuyến đường ở phường Vỹ Dạ và Phú Xuân ngập sâu 0,5 m. "
         "Chính quyền đã sơ tán hàng trăm hộ dân đến nơi an toàn. Theo Đài khí tượng thủy văn, mưa lớn còn kéo dài "
         "đến hết ngày mai, người dân cần theo dõi bản tin cảnh báo và không đi qua các ngầm tràn.")


# --- URLs ------------------------------------------------------------------------------------------


def test_canonical_urls_meet() -> None:
    assert canonical_url("HTTPS://Tuoitre.VN:443/tin-moi/../thoi-su/bai-1.htm?utm_source=fb&b=2&a=1#binh-luan") \
        == "https://tuoitre.vn/thoi-su/bai-1.htm?a=1&b=2"
    assert canonical_url("/a/./b?fbclid=x&zarsrc=1", "http://127.0.0.1:8080/x/") == "http://127.0.0.1:8080/a/b"
    assert canonical_url("http://x.vn/%7euser") == canonical_url("http://x.vn/~user")
    for bad in ("mailto:a@b.vn", "javascript:void(0)", "http://", "ftp://x.vn/a", "http://x.vn:99999/"):
        with pytest.raises(BadUrl):
            canonical_url(bad)
    assert same_site("https://www.baothuathienhue.vn/a", "http://baothuathienhue.vn/b")
    assert not same_site("https://a.com.vn/x", "https://b.com.vn/x")


# --- encodings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [None, "text/html; charset=windows-1258", "text/html; charset=ISO-8859-1",
                                          "text/html; charset=utf-8"])
def test_windows_1258_pages_decode_whatever_the_header_says(content_type: str | None) -> None:
    decoded = decode_html(encode_windows_1258(VIETNAMESE), content_type)
    assert decoded.text == VIETNAMESE and decoded.charset == "cp1258"


def test_utf8_declared_as_latin1_is_read_as_utf8() -> None:
    decoded = decode_html(VIETNAMESE.encode(), "text/html; charset=ISO-8859-1")
    assert decoded.text == VIETNAMESE and decoded.charset == "utf-8" and decoded.declared == "iso8859-1"
    meta = VIETNAMESE.replace("<head>", '<head><meta charset="iso-8859-1">').encode()
    assert decode_html(meta).text.startswith("<html><head><meta")
    assert "Vỹ Dạ" in decode_html(meta).text


def test_decoded_text_is_nfc() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", VIETNAMESE).encode()
    assert decode_html(decomposed).text == VIETNAMESE


# --- discovery ------------------------------------------------------------------------------------------


def test_feed_links_with_hints_and_malformed_feeds() -> None:
    rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Lũ ở Huế</title>'
           "<link>/bai/lu.html?utm_medium=rss</link><pubDate>Thu, 20 Nov 2026 01:15:00 GMT</pubDate></item>"
           "<item><title>Không link</title></item><item><link>javascript:alert(1)</link></item></channel></rss>")
    found = feed_links(rss.encode(), "http://127.0.0.1:9/rss.xml")
    assert [link.url for link in found.articles] == ["http://127.0.0.1:9/bai/lu.html"]
    assert found.articles[0].hint["title"] == "Lũ ở Huế" and found.articles[0].hint["published"].startswith("2026-11")
    assert found.skipped == 2
    with pytest.raises(DiscoveryError, match="not a readable feed"):
        feed_links(b'<?xml version="1.0"?><rss><channel><title>Tin <b>moi</title><item><link>', "http://x.vn/")
    with pytest.raises(DiscoveryError):
        feed_links(b"<html><body>not a feed</body></html>", "http://x.vn/")


def test_listing_and_sitemap_links() -> None:
    page = ('<html><body><nav><a href="/">Trang chủ</a></nav><h3 class="title"><a href="/bai/1.html">Một</a></h3>'
            '<h3 class="title"><a href="/bai/2.html">Hai</a></h3><div class="title"><a href="/x">X</a></div>'
            "</body></html>").encode()
    found = listing_links(page, "http://x.vn/", "h3.title a")
    assert [link.url for link in found.articles] == ["http://x.vn/bai/1.html", "http://x.vn/bai/2.html"]
    with pytest.raises(DiscoveryError, match="bad CSS selector"):
        listing_links(page, "http://x.vn/", "h3[")
    sitemap = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
               "<loc>http://x.vn/bai/1.html</loc><lastmod>2026-11-20</lastmod></url></urlset>").encode()
    assert sitemap_links(sitemap, "http://x.vn/sitemap.xml").articles[0].hint == {"published": "2026-11-20"}
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             "<loc>http://x.vn/sitemap-1.xml</loc></sitemap></sitemapindex>").encode()
    assert sitemap_links(index, "http://x.vn/").sitemaps == ["http://x.vn/sitemap-1.xml"]
    with pytest.raises(DiscoveryError):
        sitemap_links(b"<html><body>no</body></html>", "http://x.vn/")


# --- extraction and dates -------------------------------------------------------------------------------


def test_extraction_keeps_the_article_and_drops_the_chrome() -> None:
    html = ('<html><head><title>Lũ lên nhanh ở Huế - Báo X</title><meta property="og:site_name" content="Báo X">'
            '<meta property="article:published_time" content="2026-11-20T08:15:00"><meta name="author" '
            'content="Minh Anh"><link rel="canonical" href="/thoi-su/lu.html?utm_source=x"></head><body><nav>'
            '<a href="/">Trang chủ</a> Thời sự Kinh tế</nav><article><h1>Lũ lên nhanh ở Huế</h1>'
            f"<p>{FLOOD}</p></article><footer>© Báo X. Liên hệ quảng cáo 0234 3 888 999</footer></body></html>")
    article = extract_article(html, url="http://x.vn/a?id=1")
    assert article.title == "Lũ lên nhanh ở Huế" and article.text.startswith("Sáng 20/11")
    assert "quảng cáo" not in article.text and "Trang chủ" not in article.text
    assert article.published_at == datetime(2026, 11, 20, 8, 15, tzinfo=LOCAL_TZ)
    assert article.author == "Minh Anh" and article.site_name == "Báo X"
    assert article.canonical == "http://x.vn/thoi-su/lu.html"


def test_pages_without_text_and_garbage_are_refused() -> None:
    for html in ("", "   ", '<html><body><nav><a href="/">Trang chủ</a></nav></body></html>', "\x00\x01\x02"):
        with pytest.raises(ExtractionError):
            extract_article(html, url="http://x.vn/a")


def test_dates() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_datetime("2026-11-20T08:15:00", now=now) == datetime(2026, 11, 20, 8, 15, tzinfo=LOCAL_TZ)
    assert parse_datetime("2026-11-20T01:15:00Z", now=now).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert parse_datetime("20/11/2026 08h30", now=now) == datetime(2026, 11, 20, 8, 30, tzinfo=LOCAL_TZ)
    for bad in ("32/13/2026", "hôm qua", "", None, 17, "1899-01-01", "2099-01-01T00:00:00", "2026-02-30"):
        assert parse_datetime(bad, now=now) is None, bad


# --- social exports --------------------------------------------------------------------------------------


def test_jsonl_export_reports_broken_lines_by_number(tmp_path: Path) -> None:
    path = tmp_path / "fb.jsonl"
    lines = [json.dumps({"id": 1, "source": "facebook", "content": "Đường Lê Lợi ngập sâu", "published_at":
                         "2026-11-20T08:00:00+07:00"}, ensure_ascii=False),
             "{not json",
             json.dumps({"id": "2", "title": "", "content": ""}),
             "",
             "[1, 2]",
             json.dumps({"id": 3, "content": "Kẹt xe ở cầu Trường Tiền", "published_at": "ngày 32"},
                        ensure_ascii=False),
             json.dumps({"content": "no id"})]
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe\n")
    items = list(JsonlExport(path).posts())
    errors = {item.number: item.error for item in items if item.error}
    assert sorted(errors) == [2, 3, 5, 7, 8]
    assert "not valid JSON" in errors[2] and "no title and no content" in errors[3] and "UTF-8" in errors[8]
    posts = [item.post for item in items if item.post]
    assert [p.id for p in posts] == ["1", "3"]
    assert posts[1].published_at is None and "invalid published_at" in (posts[1].date_warning or "")


def test_csv_export(tmp_path: Path) -> None:
    path = tmp_path / "yt.csv"
    path.write_text("\ufeffid,source,url,author,published_at,title,content\n"
                    '9,youtube,https://youtube.com/watch?v=abc&utm_source=x,Kênh Huế,20/11/2026 07:00,'
                    '"Festival Huế","Lễ hội, đông vui"\n'
                    "10,youtube,,,,,\n", encoding="utf-8")
    items = list(export_connector(path).posts())
    assert isinstance(export_connector(path), CsvExport)
    assert items[0].post is not None and items[0].post.url == "https://youtube.com/watch?v=abc"
    assert items[0].post.content == "Lễ hội, đông vui" and items[1].number == 3 and items[1].error
    with pytest.raises(ValueError):
        export_connector(tmp_path / "x.xlsx")


def test_seed_file_errors_name_the_entry(tmp_path: Path) -> None:
    good = tmp_path / "s.yaml"
    good.write_text("sources:\n  - {kind: rss, url: 'https://baothuathienhue.vn/rss.xml'}\n"
                    "  - {kind: page, url: 'https://x.vn/hue', selector: 'h3 a', interval_s: 600}\n")
    assert [s.kind.value for s in load_seed_file(good)] == ["rss", "page"]
    bad = tmp_path / "b.yaml"
    bad.write_text("- {kind: page, url: 'https://x.vn/hue'}\n")
    with pytest.raises(SourceError, match="source 1"):
        load_seed_file(bad)
    with pytest.raises(ValueError):
        SourceSpec(kind="rss", url="not a url")


# --- de-duplication ------------------------------------------------------------------------------------------


def test_syndicated_copies_match_and_other_stories_do_not() -> None:
    index = NearDuplicateIndex(0.5)
    index.add(1, signature(FLOOD))  # type: ignore[arg-type]
    other = ("Sáng 21/11, Huế tổ chức lễ hội áo dài tại Đại Nội với hàng nghìn du khách tham gia, nhiều hoạt động "
             "văn hóa đặc sắc diễn ra đến khuya, nước sông Hương lên nhanh không ảnh hưởng lễ hội.")
    index.add(2, signature(other))  # type: ignore[arg-type]
    copy = "(TTXVN) – " + FLOOD.replace("hàng trăm", "gần 300").upper() + " Ảnh: Minh Anh."
    match = index.match(signature(copy))  # type: ignore[arg-type]
    assert match is not None and match.article_id == 1 and match.similarity > 0.6
    assert index.match(signature(other), exclude=2) is None  # type: ignore[arg-type]
    assert signature("... !!! ") is None
    restored = from_bytes(to_bytes(signature(FLOOD)))  # type: ignore[arg-type]
    assert restored.jaccard(signature(FLOOD)) == 1.0  # type: ignore[arg-type]
    assert content_hash("", FLOOD) == content_hash("", "  " + FLOOD.upper().replace(",", " ,"))


def test_compact_band_tables_find_what_datasketch_finds() -> None:
    import random

    rng = random.Random(3)
    words = FLOOD.split()
    texts = [" ".join(rng.sample(words, len(words))) for _ in range(40)] + [FLOOD, "(TTXVN) " + FLOOD]
    compact, reference = NearDuplicateIndex(0.5), NearDuplicateIndex(0.5, tables="datasketch")
    for i, text in enumerate(texts):
        minhash = signature(text)
        assert compact.match(minhash) == reference.match(minhash), i  # type: ignore[arg-type]
        compact.add(i, minhash)  # type: ignore[arg-type]
        reference.add(i, minhash)  # type: ignore[arg-type]
        if i % 7 == 0:
            compact._tables.merge()  # type: ignore[union-attr]  (both halves of the tables are searched)
    assert compact.match(signature(FLOOD), exclude=40).article_id == 41  # type: ignore[arg-type,union-attr]
