"""The fast prediction path of ``nlu.posts`` (``nlu/posts/fast.py``, the trie gazetteer, the abbreviation
pre-check) gives scikit-learn's numbers bit for bit, on clean and hostile posts."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.sparse as sp

from nlu.posts import PostClassifier
from nlu.posts import features as F
from nlu.posts.fast import counter_for, heads_for
from nlu.text import expand_abbreviations, normalize, strip_diacritics
from tests.test_posts import POSTS

HOSTILE = [
    {"title": "", "content": ""},
    {"content": "a"},
    {"title": "😀🔥 HUẾ!!!", "content": "ko dc p.Vĩnh Ninh tp.hcm 漢字 \u0301 a\u0300\u0302 \x00 \t\n Ðà Nẵng"},
    {"title": "Mỹ Thượng", "content": "thẩm mỹ viện ở phường Mỹ Thượng, Huế; bún bò Huế ở Hà Nội"},
    {"title": "x" * 30, "content": " ".join(["Đường Lê Lợi ngập sâu"] * 400)},
    {"title": "Thừa Thiên Huế", "content": "thừa thiên huế — thừa thiên, sông hương, đông ba, 50 k, k@gmail.com"},
    {"title": "", "content": "\u200b\u200b\u200b"},
]


@pytest.fixture(scope="module")
def model() -> PostClassifier:
    return PostClassifier(seed=7, cv_folds=0).fit(POSTS)


def _posts() -> list[dict]:
    rows = [{"title": p["title"], "content": p["content"]} for p in POSTS]
    noisy = [{"title": r["title"].upper(), "content": r["content"].replace(" ", "  ") + " ko dc 😀"} for r in rows]
    return rows + noisy + HOSTILE


def _reference_features(model: PostClassifier, posts: list[dict]) -> sp.csr_matrix:
    features = model.features_
    texts = [expand_abbreviations(normalize(" . ".join([post.get("title", "")] * features.title_repeat
                                                       + [post.get("content", "")]))) for post in posts]
    plain = [strip_diacritics(t) for t in texts]
    return sp.hstack([features.words.transform(texts), features.chars.transform(plain), features._places(texts)],
                     format="csr")


def test_features_are_scikit_learns_bit_for_bit(model: PostClassifier) -> None:
    posts = _posts()
    assert counter_for(model.features_.words) is not None and counter_for(model.features_.chars) is not None
    fast = model.features_.transform(posts)
    reference = _reference_features(model, posts)
    assert fast.shape == reference.shape and (fast != reference).nnz == 0


def test_each_post_alone_and_in_a_batch_alike(model: PostClassifier) -> None:
    posts = _posts()
    batch = model.predict(posts)
    assert [model.predict([p])[0] for p in posts] == batch


def test_heads_give_predict_proba_exactly(model: PostClassifier) -> None:
    X = model.features_.transform(_posts())
    heads = heads_for(model.estimators_)
    assert heads is not None
    fast = heads.probabilities(X)
    for head, estimator in model.estimators_.items():
        assert np.array_equal(fast[head] if head != "sentiment_l2" else fast[head], estimator.predict_proba(X)), head


def test_trie_gazetteer_matches_the_flat_alternation(model: PostClassifier) -> None:
    def flat(names: tuple[str, ...]) -> re.Pattern[str]:
        body = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{body})(?![\w])")

    texts = model.features_._texts(_posts()) + ["huế", "thừa thiên huế", "ở thừa thiên", "abc thừa thiên huếx",
                                                 "phường mỹ thượng và mỹ", "tp.hcm", "đông ba đông"]
    for names in (model.features_.hue_places, model.features_.elsewhere_places):
        old, new = flat(names), F._alternation(names)
        for text in texts:
            assert [m.span() for m in old.finditer(text)] == [m.span() for m in new.finditer(text)], text
            assert old.sub(" ", text) == new.sub(" ", text)


def test_abbreviation_precheck_never_skips_an_expansion() -> None:
    for text in ["ko dc", "cccd", "p.vĩnh ninh", "đk tạm trú", "50 k", "không có gì", "mik muốn hs j", "tp. huế",
                 "giấy cn", "sở kh&cn", "sở tn & mt"]:
        normal = normalize(text)
        if expand_abbreviations(normal) != normal:
            assert F._may_abbreviate(normal), text


def test_unsupported_vectorizers_fall_back() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    fitted = TfidfVectorizer(analyzer="char", ngram_range=(2, 3)).fit(["abc", "bcd"])
    assert counter_for(fitted) is None
    fitted = TfidfVectorizer(stop_words=["mot"]).fit(["mot hai", "hai ba"])
    assert counter_for(fitted) is None
