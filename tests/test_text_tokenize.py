"""Tests for word segmentation with original offsets."""

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nlu.text import normalize, tokenize

VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyĐ" + "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
words = st.sampled_from(["đăng", "ký", "khai", "sinh", "thành", "phố", "Huế", "hoà", "giải", "ở", "đâu", "?", ","])
sentences = st.lists(words, max_size=12).map(" ".join)


@pytest.mark.parametrize("backend", ["pyvi", "underthesea"])
def test_multi_syllable_words(backend: str) -> None:
    tokens = tokenize("Tôi muốn đăng ký khai sinh ở thành phố Huế", backend=backend)  # type: ignore[arg-type]
    texts = [t.text for t in tokens]
    assert "đăng ký" in texts and "thành phố" in texts


def test_offsets_on_messy_input() -> None:
    original = unicodedata.normalize("NFD", "  Đăng   ký\u200b khai  sinh, ở  Huế?? ")
    tokens = tokenize(original)
    assert [t.text for t in tokens][:2] == ["Đăng ký", "khai sinh"]
    for token in tokens:
        assert normalize(original[token.start : token.end]) == normalize(token.text)
    assert original[tokens[0].start : tokens[0].end] == unicodedata.normalize("NFD", "Đăng   ký")


def test_tone_style_in_original() -> None:
    original = "Hoà giải"
    tokens = tokenize(original)
    assert "".join(t.text for t in tokens).replace(" ", "") == "Hòagiải"
    assert original[tokens[0].start : tokens[-1].end] == original


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\x00\x01\x7f", "xin chào " * 1000, "Huế 🏯👨‍👩‍👧 đẹp", "Huế 顺化 Хюэ", "\u0301a", "a_b __ gì_ạ"],
)
def test_bad_input(text: str) -> None:
    tokens = tokenize(text)
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
    # Nothing but whitespace/control characters is lost.
    covered = "".join(normalize(text[t.start : t.end]) for t in tokens).replace(" ", "")
    assert covered == normalize(text).replace(" ", "")


@settings(max_examples=60, deadline=None)
@example("0ÌAA")  # the segmenter cut a letter run; the tone then moved across tokens
@given(sentences | st.text(alphabet=VIET + " ,.?\u200b\t", max_size=50) | st.text(max_size=30))
def test_tokens_map_back(text: str) -> None:
    tokens = tokenize(text)
    previous_end = 0
    for token in tokens:
        assert previous_end <= token.start < token.end <= len(text)
        assert normalize(text[token.start : token.end]) == normalize(token.text)
        previous_end = token.end
