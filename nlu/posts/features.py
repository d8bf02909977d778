"""What a post looks like to the classifiers: title + content views and Huế place indicators."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.posts.fast import NgramCounter, counter_for
from nlu.text import expand_abbreviations, load_abbreviations, normalize, strip_diacritics
from nlu.text.abbreviations import key_tokens
from nlu.text.normalize import canonical_word

FORMAT_VERSION = 1
HEADS = ("relevant", "spam", "sentiment_l1", "sentiment_l2")

# Longer texts are cut: the subject and tone of an article are set in its first
# paragraphs, and char n-grams over a 100,000-character paste would only cost time.
MAX_CHARS = 20_000
TITLE_REPEAT = 1

# --- gazetteer ------------------------------------------------------------------
_HUE_PROVINCE_CODE = 46
# Places the ward list does not carry: landmarks, the pre-2025 province name and
# the pre-2025 wards/communes that press and residents still use.
_HUE_EXTRA = (
    "thừa thiên", "thừa thiên huế", "sông hương", "đại nội", "hoàng thành", "kinh thành huế",
    "chợ đông ba", "đông ba", "cầu trường tiền", "trường tiền", "thiên mụ", "ngự bình",
    "phá tam giang", "tam giang", "lăng cô", "chân mây", "bạch mã", "an vân dương", "vĩnh ninh",
    "phú hội", "tây lộc", "thuận lộc", "thuận thành", "gia hội", "xuân phú",
    "an đông", "phú hiệp", "hương sơ", "cồn hến", "vỹ dạ", "vĩ dạ", "lăng khải định", "lăng tự đức",
    "lăng minh mạng", "phong điền", "quảng điền", "hương trà", "hương thủy", "phú vang", "phú lộc",
    "nam đông", "a lưới", "sông như ý", "kim long", "an cựu", "quốc học", "hải dương", "hải vân",
)
# Pre-2025 provinces (merged in 2025, absent from the package) and everyday names.
_ELSEWHERE_EXTRA = (
    "hà giang", "yên bái", "bắc kạn", "vĩnh phúc", "hòa bình", "bắc giang", "hải dương", "thái bình",
    "nam định", "hà nam", "quảng bình", "quảng nam", "kon tum", "bình định", "phú yên", "ninh thuận",
    "bình thuận", "đắk nông", "bình phước", "bình dương", "bà rịa", "vũng tàu", "long an",
    "tiền giang", "bến tre", "trà vinh", "sóc trăng", "hậu giang", "bạc liêu", "kiên giang",
    "sài gòn", "hcm", "tp.hcm", "tphcm", "hồ chí minh", "biên hòa", "đà lạt", "nha trang", "phú quốc",
    "quy nhơn", "buôn ma thuột", "pleiku", "hạ long", "cali", "mỹ",
)
# Big cities whose wards (2025 list) name the places most often confused with Huế.
_ELSEWHERE_WARD_PROVINCES = (1, 79, 48)  # Hà Nội, Thành phố Hồ Chí Minh, Đà Nẵng
_DIVISION_PREFIX = re.compile(r"^(thành phố|tỉnh|phường|xã|đặc khu|thị trấn)\s+")


def _place_names(names: Iterable[str]) -> set[str]:
    """Normalised place names, administrative prefix removed, "A – B" split in two."""
    out: set[str] = set()
    for name in names:
        for part in re.split(r"\s+[–-]\s+", normalize(name)):
            part = _DIVISION_PREFIX.sub("", part).strip()
            if part:
                out.add(part)
    return out


@cache
def default_gazetteer() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(huế places, places elsewhere)``, built from ``vietnam_provinces`` plus the lists above.

    Stored inside the trained model, so a later package release cannot change
    what a saved model sees.
    """
    from vietnam_provinces import Province, Ward

    hue = _place_names(w.name for w in Ward.iter_by_province(_HUE_PROVINCE_CODE)) | _place_names(_HUE_EXTRA)
    elsewhere = _place_names(p.name for p in Province.iter_all() if p.code != _HUE_PROVINCE_CODE)
    elsewhere |= _place_names(_ELSEWHERE_EXTRA)
    for code in _ELSEWHERE_WARD_PROVINCES:
        elsewhere |= _place_names(w.name for w in Ward.iter_by_province(code))
    ambiguous = hue & elsewhere
    return tuple(sorted(hue - ambiguous)), tuple(sorted(elsewhere - ambiguous))


def _trie(names: Iterable[str]) -> str:
    """A regex body matching exactly ``names``, factored by common prefix, longest first.

    Equivalent to ``"|".join(names sorted longest first)``: every name that
    matches at one position lies on one path of the trie, and at each node the
    longer continuations are tried before the name that ends there, so the
    longest match that passes the look-ahead wins, as with the flat
    alternation. Python's ``re`` tries every branch of a flat alternation at every
    position of the text (~1,500 names: ~0.15 ms per 300-character post); the
    trie rejects a position after one character test per level.
    """
    root: dict[str, dict] = {}
    for name in names:
        node = root
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}  # the end of a name

    def body(node: dict[str, dict], first: bool = False) -> str:
        # At the first character, "not after a word character" is tested *after*
        # the character ((?<!\wX) looks two back), so the pattern starts with a
        # plain character set that re's scanner skips through in C.
        branches = [re.escape(ch) + (rf"(?<!\w{re.escape(ch)})" if first else "") + body(child)
                    for ch, child in sorted(node.items()) if ch]
        if "" in node:
            branches.append("")  # the name ending here: tried last, after every longer one
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return body(root, first=True) if root else "(?!)"


@cache
def _alternation(names: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first (see _trie), so "thừa thiên huế" wins over "thừa thiên"; the
    # look-arounds keep "mỹ" from matching inside "thẩm mỹ".
    return re.compile(rf"(?:{_trie(names)})(?![\w])")


# --- features -------------------------------------------------------------------

# A run of word characters and combining marks: every token expand_abbreviations looks
# up is one of these runs (it takes whole runs only).
_RUN = re.compile(r"(?:\w|[\u0300-\u036f])+")


@cache
def _abbreviation_keys() -> frozenset[str]:
    """Every one-token key, and the last token of every phrase key (a phrase needs all its tokens)."""
    return frozenset(key_tokens(key)[-1] for key in load_abbreviations())


def _may_abbreviate(text: str) -> bool:
    """False when no word of ``text`` is an abbreviation key, so expansion would leave it unchanged.

    ``expand_abbreviations`` walks every token through a generator, a cached
    normalisation and four regex tests (~0.1 ms for 300 characters); most press
    articles have no abbreviation at all, and this test finds that in a quarter of
    the time. Keys are compared as the expansion compares them (``canonical_word``,
    with and without a trailing dot), so it never says False where expansion would
    change something.
    """
    keys = _abbreviation_keys()
    return any(canonical_word(run) in keys or canonical_word(run + ".") in keys for run in set(_RUN.findall(text)))


def _field(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"field {key!r} must be a string, got {type(value).__name__}")
    return value


def post_text(record: Any) -> tuple[str, str]:
    """``(title, content)`` of a post dict; ``text`` stands for ``content`` when that is absent.

    Raises ValueError for a non-dict or a non-string field; empty or missing
    fields are empty strings (an empty post still gets a prediction).
    """
    if not isinstance(record, Mapping):
        raise ValueError(f"a post must be a dict, got {type(record).__name__}")
    content = _field(record, "content") if record.get("content") is not None else _field(record, "text")
    return _field(record, "title")[:MAX_CHARS], content[:MAX_CHARS]


class PostFeatures:
    """Text -> sparse matrix: word TF-IDF | char TF-IDF | gazetteer indicators.

    Preprocessing happens here rather than inside the vectorizers so that these
    pickle as plain scikit-learn objects.
    """

    def __init__(self, *, title_repeat: int = TITLE_REPEAT, gazetteer: bool = True) -> None:
        self.title_repeat = title_repeat
        self.gazetteer = gazetteer
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b",
                                     min_df=1, dtype=np.float32)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                                     max_features=200_000, dtype=np.float32)
        self.hue_places, self.elsewhere_places = default_gazetteer() if gazetteer else ((), ())

    def _texts(self, records: Sequence[Any]) -> list[str]:
        texts = []
        for record in records:
            title, content = post_text(record)
            text = normalize(" . ".join([title] * self.title_repeat + [content]))
            texts.append(expand_abbreviations(text) if _may_abbreviate(text) else text)
        return texts

    def _places(self, texts: Sequence[str]) -> sp.csr_matrix:
        hue, elsewhere = _alternation(self.hue_places), _alternation(self.elsewhere_places)
        rows = []
        for text in texts:
            # Huế names are blanked before looking for elsewhere, so "mỹ" in "phường
            # Mỹ Thượng" is not read as America.
            h = hue.search(text) is not None
            e = elsewhere.search(hue.sub(" ", text)) is not None
            rows.append([h, e, h and not e, e and not h])
        return sp.csr_matrix(np.asarray(rows, dtype=np.float32).reshape(len(texts), 4))

    def fit_transform(self, records: Sequence[Any]) -> sp.csr_matrix:
        return self._features(records, fit=True)

    def transform(self, records: Sequence[Any]) -> sp.csr_matrix:
        return self._features(records, fit=False)

    def _counters(self) -> tuple[NgramCounter | None, NgramCounter | None]:
        """The exact fast n-gram counters of the fitted vectorizers (built once, never pickled)."""
        counters = self.__dict__.get("_fast")
        if counters is None:
            counters = self.__dict__["_fast"] = (counter_for(self.words), counter_for(self.chars))
        return counters

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_fast"}

    def _features(self, records: Sequence[Any], *, fit: bool) -> sp.csr_matrix:
        texts = self._texts(records)
        plain = [strip_diacritics(t) for t in texts]
        if fit:
            self.__dict__.pop("_fast", None)
            blocks = [self.words.fit_transform(texts), self.chars.fit_transform(plain)]
        else:
            words, chars = self._counters()
            blocks = [words.transform(texts) if words else self.words.transform(texts),
                      chars.transform(plain) if chars else self.chars.transform(plain)]
        if self.gazetteer:
            blocks.append(self._places(texts))
        return sp.hstack(blocks, format="csr")


# --- the classifier -------------------------------------------------------------


