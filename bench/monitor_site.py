"""Generated Vietnamese news sites on loopback, for the monitor's tests and crawl benchmark.

    with NewsSite.generate("songhuong", articles=20, seed=1).serve() as site:
        site.url                      # http://127.0.0.1:PORT
        site.hits["/rss.xml"]         # how often a path was requested

    python -m bench.monitor_site --articles 500 --port 8765     # serve one until killed

A site has what real ones have: a home page listing its articles (``h3.title a``)
between a menu, a "most read" box and a footer; an RSS feed with an ETag
(``304`` to a matching ``If-None-Match``); a sitemap; a ``robots.txt``
disallowing ``/private/``; article pages with a byline, ``article:published_time``
and ``rel=canonical``, related links and a comment box. Faults on demand:
articles listed through a redirect (``/r/<slug>`` -> 301), links answering 404
and 500 (always, or only the first ``flaky`` times), a slow article, a 50 MB
"article" (streamed, never held in memory), a page without text, a page in
Windows-1258 (tones as combining marks, declared or not), a UTF-8 page whose
header says ISO-8859-1, a malformed feed, an invalid date. Nothing here leaves
127.0.0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import random
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PLACES = ["phường Vỹ Dạ", "phường Phú Xuân", "phường Thuận Hóa", "phường Kim Long", "cầu Trường Tiền",
          "chợ Đông Ba", "sông Hương", "phường An Cựu", "xã Phú Vang", "phá Tam Giang", "Đại Nội Huế",
          "phường Hương Thủy", "xã Phong Điền", "đường Lê Lợi", "đường Hùng Vương"]
TOPICS = [
    ("Mưa lớn gây ngập sâu ở {place}", ["Mưa lớn kéo dài từ đêm qua khiến nhiều tuyến đường ở {place} ngập sâu từ 0,3 "
     "đến 0,6 m, xe máy chết máy hàng loạt.", "Lực lượng chức năng đã cắm biển cảnh báo và hỗ trợ người dân di "
     "chuyển tài sản lên cao.", "Theo Đài Khí tượng thủy văn thành phố Huế, mưa còn kéo dài đến hết ngày mai, "
     "người dân cần theo dõi bản tin cảnh báo lũ."]),
    ("Khánh thành công trình chỉnh trang đô thị tại {place}", ["Sáng nay, UBND thành phố Huế tổ chức lễ khánh "
     "thành công trình chỉnh trang vỉa hè, cây xanh và chiếu sáng tại {place}.", "Công trình có tổng vốn đầu tư "
     "hơn 40 tỷ đồng, góp phần tạo cảnh quan xanh, sạch, đẹp cho khu vực trung tâm.", "Người dân địa phương "
     "phấn khởi vì đường phố thông thoáng, đi lại thuận tiện hơn."]),
    ("Người dân phản ánh rác thải tồn đọng ở {place}", ["Nhiều hộ dân ở {place} phản ánh rác thải sinh hoạt tồn "
     "đọng nhiều ngày, bốc mùi hôi thối ảnh hưởng đến sinh hoạt.", "Đại diện công ty môi trường cho biết xe thu "
     "gom bị hỏng nên lịch thu gom chậm trễ, sẽ khắc phục trong tuần.", "Chính quyền địa phương đề nghị người dân "
     "bỏ rác đúng giờ, đúng nơi quy định."]),
    ("Festival Huế thu hút đông đảo du khách đến {place}", ["Các hoạt động của Festival Huế tại {place} thu hút hàng "
     "nghìn lượt du khách trong và ngoài nước.", "Chương trình nghệ thuật đường phố, ẩm thực cung đình và trình "
     "diễn áo dài diễn ra liên tục từ chiều đến khuya.", "Ban tổ chức cho biết lượng khách tăng khoảng 20% so với "
     "cùng kỳ năm trước."]),
    ("Bệnh viện tại {place} triển khai khám bệnh bằng căn cước", ["Từ tuần này, người dân đến khám tại các cơ sở y "
     "tế ở {place} có thể dùng thẻ căn cước gắn chip thay cho thẻ bảo hiểm y tế giấy.", "Thủ tục tiếp đón được rút "
     "ngắn, thời gian chờ giảm đáng kể so với trước.", "Sở Y tế khuyến nghị người dân cài đặt ứng dụng định danh "
     "điện tử để sử dụng thuận tiện hơn."]),
    ("Kẹt xe kéo dài giờ cao điểm tại {place}", ["Vào giờ tan tầm, các phương tiện nối đuôi nhau kéo dài hàng trăm "
     "mét tại {place}.", "Nguyên nhân được xác định do công trình thi công cống thoát nước chiếm một nửa lòng "
     "đường.", "Cảnh sát giao thông đã được tăng cường để phân luồng, hướng dẫn người dân đi lại."]),
]
EXTRA = ["Phóng viên ghi nhận tại hiện trường, nhiều người dân vẫn chưa nắm được thông tin.",
         "Đây là lần thứ hai trong tháng tình trạng này xảy ra tại địa bàn.",
         "Chính quyền cho biết sẽ tổng hợp ý kiến và báo cáo thành phố trong thời gian sớm nhất.",
         "Nhiều hộ kinh doanh ven đường cho biết doanh thu giảm mạnh trong những ngày qua.",
         "Dự kiến kế hoạch sẽ được triển khai đồng bộ trên toàn thành phố từ đầu năm sau.",
         "Ông Nguyễn Văn Hùng, một người dân sống gần đó, cho biết ông rất mong vấn đề sớm được giải quyết.",
         "Trước đó, thành phố đã chỉ đạo các đơn vị liên quan rà soát và có phương án xử lý phù hợp."]
# Sentences with slots, so that two stories on one topic share their lead and little else.
SLOTTED = ["Theo số liệu của {org}, trong {n} ngày qua đã có {m} trường hợp được ghi nhận trên địa bàn {place2}.",
           "{person}, {job} ở {street}, cho biết từ {hour} giờ sáng đã thấy {thing}.",
           "Lãnh đạo {org} đề nghị các hộ dân dọc {street} chủ động {action} trước ngày {day} tháng {month}.",
           "Tổng kinh phí dự kiến khoảng {m} tỷ đồng, do {org} làm chủ đầu tư, hoàn thành trong {n} tháng.",
           "{person} chia sẻ gia đình đã sống ở {place2} hơn {n} năm và chưa từng thấy {thing} như vậy.",
           "Trong cuộc họp chiều {day}/{month}, {org} yêu cầu các phòng ban báo cáo kết quả trước {n} ngày.",
           "Khoảng {hour} giờ {minute} phút, lực lượng của {org} có mặt tại {street} để {action}.",
           "Người dân có thể phản ánh qua tổng đài 1022 hoặc ứng dụng Hue-S, {org} cam kết trả lời trong {n} giờ.",
           "{person} ({job}) nhận xét việc {action} cần được làm sớm hơn, tránh {thing} kéo dài.",
           "Đến {hour} giờ ngày {day}/{month}, có {m} hộ ở {place2} đã được hỗ trợ, {n} hộ đang chờ."]
SLOTS = {
    "org": ["UBND phường Phú Xuân", "Sở Xây dựng", "Công ty Môi trường và Công trình đô thị Huế", "Sở Y tế",
            "Công an thành phố", "Ban quản lý dự án", "Trung tâm Bảo tồn di tích Cố đô Huế", "Sở Giao thông vận tải"],
    "person": ["Bà Trần Thị Mai", "Ông Lê Văn Tâm", "Anh Phạm Quốc Bảo", "Chị Hồ Thị Ngọc", "Ông Tôn Thất Dũng",
               "Bà Nguyễn Thị Hoa", "Anh Đặng Minh Khoa", "Chị Võ Thị Hạnh"],
    "job": ["tiểu thương", "giáo viên", "tài xế xe ôm", "cán bộ hưu trí", "chủ quán cà phê", "sinh viên"],
    "street": ["đường Lê Lợi", "đường Hùng Vương", "đường Trần Hưng Đạo", "đường Nguyễn Huệ", "kiệt 45 Phan Đình "
               "Phùng", "đường Bà Triệu", "đường Điện Biên Phủ", "đường Ngự Bình"],
    "thing": ["nước dâng nhanh", "rác chất thành đống", "xe cộ ùn tắc", "du khách đông đúc", "hàng quán đóng cửa",
              "đèn đường hỏng", "cây xanh ngã đổ"],
    "action": ["di dời tài sản", "dọn dẹp vệ sinh", "phân luồng giao thông", "kiểm tra hiện trường",
               "gia cố nhà cửa", "cắm biển cảnh báo"],
    "place2": PLACES,
}
AUTHORS = ["Minh Anh", "Hoàng Lan", "Phan Thành", "Ngọc Hân", "Quốc Việt", "Thủy Tiên"]
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encode_windows_1258(text: str) -> bytes:
    """Text as Vietnamese Windows writes it: vowel letters precomposed (â, ơ, ư…), tones as combining marks."""
    letters: list[list[str]] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) == 0 or not letters:
            letters.append([ch, ""])
        elif ch in _TONES:
            letters[-1][1] += ch
        else:
            letters[-1][0] = unicodedata.normalize("NFC", letters[-1][0] + ch)
    return "".join(base + marks for base, marks in letters).encode("cp1258")


@dataclass
class Article:
    slug: str
    title: str
    paragraphs: list[str]
    published: str | None = "2026-11-20T08:15:00+07:00"
    author: str | None = "Minh Anh"
    encoding: str = "utf-8"  # "utf-8" or "windows-1258"
    header_charset: str | None = "utf-8"  # what Content-Type says (None: nothing)
    meta_charset: str | None = "utf-8"  # what <meta charset> says (None: nothing)
    path_prefix: str = "/bai/"
    empty: bool = False  # a page with navigation and no article text

    @property
    def path(self) -> str:
        return f"{self.path_prefix}{self.slug}.html"


@dataclass
class NewsSite:
    name: str
    articles: list[Article]
    feed_paths: list[str] = field(default_factory=list)  # extra links put in the feed (faults)
    flaky: dict[str, int] = field(default_factory=dict)  # path -> 500s before it works
    slow: dict[str, float] = field(default_factory=dict)  # path -> seconds before answering
    broken_feed: bool = False
    robots: str = "User-agent: *\nDisallow: /private/\n"
    hits: Counter[str] = field(default_factory=Counter)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- content ---------------------------------------------------------------------------------

    @classmethod
    def generate(cls, name: str, *, articles: int, seed: int = 0, words: int = 0) -> NewsSite:
        """A site of ``articles`` generated stories (``words``: pad each to about that many syllables)."""
        rng = random.Random(seed)
        return cls(name, [story(rng, f"{name}-{i}", words=words) for i in range(articles)])

    def add(self, article: Article) -> None:
        with self.lock:
            self.articles.insert(0, article)

    def feed_etag(self) -> str:
        digest = hashlib.sha256("|".join(a.slug for a in self.articles).encode()).hexdigest()[:16]
        return f'"{digest}"'

    def _page(self, title: str, body: str, head: str = "", charset: str | None = "utf-8") -> str:
        meta = f'<meta charset="{charset}">' if charset else ""
        sections = (("thoi-su", "Thời sự"), ("kinh-te", "Kinh tế"), ("van-hoa", "Văn hóa"), ("the-thao", "Thể thao"))
        menu = "".join(f'<li><a href="/chuyen-muc/{s}">{t}</a></li>' for s, t in sections)
        return (f"<!DOCTYPE html><html lang=\"vi\"><head>{meta}<title>{html.escape(title)} - {self.name}</title>"
                f'<meta property="og:site_name" content="Báo {self.name}">{head}</head><body>'
                f'<header><div class="logo">Báo {self.name}</div><ul class="menu">{menu}</ul>'
                '<form class="search"><input name="q" placeholder="Tìm kiếm"></form></header>'
                f"<main>{body}</main>"
                '<aside class="most-read"><h4>Đọc nhiều</h4><ul><li><a href="/bai/khac-1.html">Giá vàng hôm nay '
                'tăng mạnh</a></li><li><a href="/bai/khac-2.html">Lịch cúp điện tuần tới</a></li></ul></aside>'
                f'<footer><p>© Báo {self.name}. Giấy phép số 123/GP-BTTTT. Địa chỉ: 10 Hùng Vương, Huế.</p>'
                "<p>Liên hệ quảng cáo: 0234 3 888 999</p></footer></body></html>")

    def home(self) -> bytes:
        items = "".join(f'<div class="item"><h3 class="title"><a href="{a.path}">{html.escape(a.title)}</a></h3>'
                        f'<p class="sapo">{html.escape(a.paragraphs[0][:120]) if a.paragraphs else ""}</p></div>'
                        for a in self.articles)
        return self._page("Trang chủ", f'<section class="latest">{items}</section>').encode()

    def rss(self) -> bytes:
        if self.broken_feed:
            return b'<?xml version="1.0"?><rss version="2.0"><channel><title>Tin <b>moi</title><item><link>'
        items = "".join(
            f"<item><title>{html.escape(a.title)}</title><link>{self.url}{a.path}</link>"
            f"<guid>{self.url}{a.path}</guid><pubDate>Thu, 20 Nov 2026 01:15:00 GMT</pubDate></item>"
            for a in self.articles) + "".join(f"<item><title>Tin</title><link>{self.url}{p}</link></item>"
                                              for p in self.feed_paths)
        return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo {self.name}</title>'
                f"<link>{self.url}/</link><description>Tin mới</description>{items}</channel></rss>").encode()

    def sitemap(self) -> bytes:
        urls = "".join(f"<url><loc>{self.url}{a.path}</loc><lastmod>2026-11-20</lastmod></url>" for a in self.articles)
        return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{urls}</urlset>").encode()

    def article_page(self, article: Article) -> tuple[bytes, str]:
        head = f'<link rel="canonical" href="{self.url}{article.path}?utm_source=rss">'
        if article.published:
            head += f'<meta property="article:published_time" content="{article.published}">'
        if article.author:
            head += f'<meta name="author" content="{article.author}">'
        if article.empty:
            body = '<div class="breadcrumb"><a href="/">Trang chủ</a></div>'
        else:
            paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
            byline = f'<p class="author">{article.author}</p>' if article.author else ""
            body = (f'<div class="breadcrumb"><a href="/">Trang chủ</a> » <a href="/chuyen-muc/thoi-su">Thời sự</a>'
                    f'</div><article><h1>{html.escape(article.title)}</h1><p class="time">20/11/2026 08:15</p>'
                    f"{paragraphs}{byline}</article>"
                    '<div class="related"><h4>Tin liên quan</h4><ul><li><a href="/bai/lq-1.html">Huế chuẩn bị mùa '
                    'lễ hội mới</a></li><li><a href="/bai/lq-2.html">Giá xăng giảm nhẹ</a></li></ul></div>'
                    '<div class="comments"><h4>Bình luận</h4><textarea placeholder="Ý kiến của bạn"></textarea></div>')
        text = self._page(article.title, body, head, charset=article.meta_charset)
        data = encode_windows_1258(text) if article.encoding == "windows-1258" else text.encode("utf-8")
        content_type = "text/html" + (f"; charset={article.header_charset}" if article.header_charset else "")
        return data, content_type

    # -- serving -----------------------------------------------------------------------------------

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[NewsSite]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                with site.lock:
                    site.hits[path] += 1
                    articles = {a.path: a for a in site.articles}
                    remaining = site.flaky.get(path, 0)
                    if remaining:
                        site.flaky[path] = remaining - 1
                if delay := site.slow.get(path):
                    time.sleep(delay)
                if remaining:
                    return self._send(500, b"<h1>500 Internal Server Error</h1>")
                if path == "/robots.txt":
                    return self._send(200, site.robots.encode(), "text/plain; charset=utf-8")
                if path in ("/", "/index.html"):
                    return self._send(200, site.home())
                if path == "/rss.xml":
                    etag = site.feed_etag()
                    if self.headers.get("If-None-Match") == etag:
                        return self._send(304, headers={"ETag": etag})
                    return self._send(200, site.rss(), "application/rss+xml; charset=utf-8", {"ETag": etag})
                if path == "/sitemap.xml":
                    return self._send(200, site.sitemap(), "application/xml")
                if path.startswith("/r/"):  # an old link: permanent redirect to the article
                    return self._send(301, headers={"Location": f"/bai/{path[3:]}.html"})
                if path == "/huge.html":  # 50 MB, streamed
                    size = 50 * 1024 * 1024
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    chunk = b"<p>" + b"x" * 65529 + b"</p>"
                    try:
                        for _ in range(size // len(chunk)):
                            self.wfile.write(chunk)
                        self.wfile.write(b" " * (size % len(chunk)))
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return None
                if path.startswith("/error/"):
                    return self._send(500, b"<h1>500 Internal Server Error</h1>")
                if (article := articles.get(path)) is not None:
                    body, content_type = site.article_page(article)
                    return self._send(200, body, content_type)
                return self._send(404, b"<h1>404 Not Found</h1>")

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
                import sys

                if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                    super().handle_error(request, client_address)  # a client that gave up is no error

        server = Server((host, port), Handler)
        self.url = f"http://{host}:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, name=f"site-{self.name}", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


def _fill(rng: random.Random, template: str) -> str:
    values = {k: rng.choice(v) for k, v in SLOTS.items()}
    values.update(n=rng.randint(2, 30), m=rng.randint(3, 900), hour=rng.randint(5, 22), minute=rng.randint(10, 59),
                  day=rng.randint(1, 28), month=rng.randint(1, 12))
    return template.format(**values)


def story(rng: random.Random, slug: str, *, words: int = 0, topic: int | None = None,
          place: str | None = None) -> Article:
    """One generated article: a topic's lead about a Huế place, then sentences with random slots, padded to
    about ``words`` syllables; two stories on one topic share their lead and little else."""
    title, paragraphs = TOPICS[rng.randrange(len(TOPICS)) if topic is None else topic]
    place = place or rng.choice(PLACES)
    body = [paragraphs[0].format(place=place), " ".join(_fill(rng, t) for t in rng.sample(SLOTTED, 3)),
            rng.choice(paragraphs[1:]).format(place=place),
            " ".join([*(_fill(rng, t) for t in rng.sample(SLOTTED, 3)), rng.choice(EXTRA)])]
    while words and sum(len(p.split()) for p in body) < words:
        body.append(" ".join(_fill(rng, t) for t in rng.sample(SLOTTED, 3)))
    day = rng.randint(1, 28)
    return Article(slug=slug, title=title.format(place=place) + f" (số {slug.rsplit('-', 1)[-1]})",
                   paragraphs=body, published=f"2026-11-{day:02d}T{rng.randint(6, 22):02d}:15:00+07:00",
                   author=rng.choice(AUTHORS))


def main() -> None:
    parser = argparse.ArgumentParser(description="serve a generated news site on 127.0.0.1 until killed")
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    site = NewsSite.generate("bench", articles=args.articles, seed=1, words=args.words)
    with site.serve(port=args.port):
        print(f"serving {args.articles} articles on {site.url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
