"""Validate the hand-written starter post data (training/data/posts/{train,test}.jsonl).

The two files train and evaluate the shipped default post classifiers (relevant to Huế?, spam?,
sentiment level 1, sentiment level 2). They were written separately: the test file must never share
text with the train file. Every check here reads two small files, so the whole module runs in well
under a second.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
POSTS = REPO / "training" / "data" / "posts"
TRAIN = POSTS / "train.jsonl"
TEST = POSTS / "test.jsonl"

KEYS = {"id", "source", "title", "content", "relevant", "spam", "label", "sentiment_l2"}
SOURCES = {"press", "facebook", "zalo", "youtube", "forum"}
LABELS = {"positive", "neutral", "negative"}
L2 = {
    "hanh_chinh_cong",
    "giao_thong",
    "moi_truong",
    "y_te",
    "giao_duc",
    "van_hoa_du_lich",
    "an_ninh_trat_tu",
    "thien_tai",
    "kinh_te",
    "do_thi_xay_dung",
}
ID_RE = re.compile(r"^p\d{4}$")

MIN_ITEMS = {"train": 450, "test": 120}
MIN_PER_L2 = {"train": 30, "test": 5}
MIN_PER_LABEL = {"train": 60, "test": 15}  # among relevant, non-spam items
RELEVANT_SHARE = (0.60, 0.80)
SPAM_SHARE = (0.10, 0.20)
LABEL_SHARE = (0.20, 0.45)  # each level-1 label among relevant, non-spam items
NGRAM = 8  # no word sequence this long may appear in both files
MAX_JACCARD = 0.30  # word-trigram overlap of any train/test content pair


@pytest.fixture(scope="module")
def data(jsonl) -> dict[str, list[dict]]:  # type: ignore[no-untyped-def]
    return {"train": jsonl(TRAIN), "test": jsonl(TEST)}


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold())


def _norm(text: str) -> str:
    return " ".join(_tokens(text))


def _text(row: dict) -> str:
    return f"{row['title']} . {row['content']}"


@pytest.mark.parametrize("split", ["train", "test"])
def test_schema(data, split):
    for row in data[split]:
        where = f"{split} {row.get('id')}"
        assert set(row) == KEYS, where
        assert isinstance(row["id"], str) and ID_RE.match(row["id"]), where
        assert row["source"] in SOURCES, where
        assert isinstance(row["title"], str), where
        assert isinstance(row["content"], str) and len(row["content"].strip()) >= 20, where
        if row["source"] == "press":
            assert row["title"].strip(), f"{where}: press items have a title"
        for field in ("title", "content"):
            assert row[field] == unicodedata.normalize("NFC", row[field]), f"{where}: {field} not NFC"
            assert row[field] == row[field].strip(), where
        assert isinstance(row["relevant"], bool) and isinstance(row["spam"], bool), where
        assert row["label"] in LABELS, where
        l2 = row["sentiment_l2"]
        assert isinstance(l2, list) and set(l2) <= L2 and len(set(l2)) == len(l2), where
        if row["spam"]:
            assert row["label"] == "neutral" and l2 == [], f"{where}: spam is neutral with no topics"


def test_file_is_utf8_without_escapes():
    for path in (TRAIN, TEST):
        raw = path.read_text(encoding="utf-8")
        assert "\\u" not in raw, f"{path.name}: write with ensure_ascii=False"


def test_ids_unique_across_files(data):
    ids = [r["id"] for split in ("train", "test") for r in data[split]]
    dup = [i for i, n in Counter(ids).items() if n > 1]
    assert not dup, dup


@pytest.mark.parametrize("split", ["train", "test"])
def test_no_duplicate_text_within_file(data, split):
    seen: dict[str, str] = {}
    for row in data[split]:
        key = _norm(row["content"])
        assert key not in seen, f"{split}: {row['id']} repeats {seen[key]}"
        seen[key] = row["id"]


def test_no_text_shared_between_train_and_test(data):
    train, test = data["train"], data["test"]
    train_contents = {_norm(r["content"]) for r in train}
    train_titles = {_norm(r["title"]) for r in train if r["title"]}
    index: dict[str, str] = {}
    for row in train:
        toks = _tokens(_text(row))
        for i in range(len(toks) - NGRAM + 1):
            index.setdefault(" ".join(toks[i : i + NGRAM]), row["id"])
    for row in test:
        assert _norm(row["content"]) not in train_contents, row["id"]
        if row["title"]:
            assert _norm(row["title"]) not in train_titles, row["id"]
        toks = _tokens(_text(row))
        for i in range(len(toks) - NGRAM + 1):
            gram = " ".join(toks[i : i + NGRAM])
            assert gram not in index, f"{row['id']} shares '{gram}' with {index[gram]}"


def test_test_items_are_not_edited_train_copies(data):
    def trigrams(row: dict) -> set[str]:
        toks = _tokens(row["content"])
        return {" ".join(toks[i : i + 3]) for i in range(len(toks) - 2)}

    train = [(r["id"], trigrams(r)) for r in data["train"]]
    for row in data["test"]:
        b = trigrams(row)
        for tid, a in train:
            if a and b:
                j = len(a & b) / len(a | b)
                assert j < MAX_JACCARD, f"{row['id']} is too close to {tid} (Jaccard {j:.2f})"


@pytest.mark.parametrize("split", ["train", "test"])
def test_sizes_and_shares(data, split):
    rows = data[split]
    n = len(rows)
    assert n >= MIN_ITEMS[split]
    relevant = sum(r["relevant"] for r in rows) / n
    spam = sum(r["spam"] for r in rows) / n
    assert RELEVANT_SHARE[0] <= relevant <= RELEVANT_SHARE[1], relevant
    assert SPAM_SHARE[0] <= spam <= SPAM_SHARE[1], spam
    spam_rows = [r for r in rows if r["spam"]]
    # spam comes both about Huế (relevant stays true) and from elsewhere
    assert sum(r["relevant"] for r in spam_rows) >= len(spam_rows) // 3
    assert sum(not r["relevant"] for r in spam_rows) >= len(spam_rows) // 5


@pytest.mark.parametrize("split", ["train", "test"])
def test_level1_labels_balanced(data, split):
    rows = [r for r in data[split] if r["relevant"] and not r["spam"]]
    counts = Counter(r["label"] for r in rows)
    for label in LABELS:
        assert counts[label] >= MIN_PER_LABEL[split], (label, counts)
        assert LABEL_SHARE[0] <= counts[label] / len(rows) <= LABEL_SHARE[1], (label, counts)
    # non-relevant items carry their own tone too
    other = Counter(r["label"] for r in data[split] if not r["relevant"] and not r["spam"])
    assert len(other) == 3, other


@pytest.mark.parametrize("split", ["train", "test"])
def test_level2_labels_covered(data, split):
    rows = data[split]
    counts = Counter(label for r in rows for label in r["sentiment_l2"])
    for label in L2:
        assert counts[label] >= MIN_PER_L2[split], (label, counts[label])
    multi = sum(len(r["sentiment_l2"]) >= 2 for r in rows)
    assert multi >= len(rows) // 10
    relevant = [r for r in rows if r["relevant"] and not r["spam"]]
    assert sum(bool(r["sentiment_l2"]) for r in relevant) / len(relevant) >= 0.9


@pytest.mark.parametrize("split", ["train", "test"])
def test_mix_of_sources_and_traps(data, split):
    rows = data[split]
    sources = Counter(r["source"] for r in rows)
    assert set(sources) == SOURCES, sources
    assert sources["press"] / len(rows) <= 0.6
    assert sum(not r["title"] for r in rows) >= len(rows) // 4  # social posts often lack a title
    # non-relevant items include traps that still say "Huế" (a person's name, a dish, a song, a street)
    traps = [r for r in rows if not r["relevant"] and not r["spam"] and "huế" in _text(r).casefold()]
    assert len(traps) >= 10
    # some posts are typed without diacritics
    assert any(not any(c.isalpha() and ord(c) > 127 for c in r["content"]) for r in rows)
