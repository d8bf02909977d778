"""Tests for offset-keeping normalisation (Aligned / normalize_aligned)."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.text import Aligned, normalize, normalize_aligned

VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyĐƯ" + "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
messy_viet = st.text(alphabet=VIET + "HOÀ  \t\n\u200b\u00a0,.?k" + "\u0300\u0301\u0309", max_size=60)
# Keys of several tokens next to each other, glued by "&", a dot or "@": phrase keys overlap one-token keys.
phrase_soup = st.lists(st.sampled_from(["đủ", "ĐK", "dk", "hđ", "kd", "giấy", "CN", "kh", "KH", "tn", "mt", "&", " & ",
                                        " ", "  ", ".", "@", "p.", "x"]), max_size=12).map("".join)
any_text = (st.text(max_size=60) | messy_viet | phrase_soup
            | st.sampled_from(["ko dc cccd", "p.Vĩnh Ninh", "Mik đk hs", "giấy cn đủ đk hđ", "Sở KH&CN"]))


def check_invariants(original: str, aligned: Aligned) -> None:
    assert len(aligned.offsets) == len(aligned.ends) == len(aligned.text)
    for start, end in zip(aligned.offsets, aligned.ends, strict=True):
        assert 0 <= start < end <= len(original)
    assert aligned.offsets == sorted(aligned.offsets)  # order-preserving


def test_example_from_docstring() -> None:
    original = "Làm  CCCD ở đâu"
    aligned = normalize_aligned(original)
    assert aligned.text == "làm căn cước công dân ở đâu"
    start = aligned.text.index("căn")
    assert aligned.span_to_original(start, start + len("căn cước công dân")) == (5, 9)
    assert original[slice(*aligned.span_to_original(0, 3))] == "Làm"


def test_decomposed_input_maps_to_whole_cluster() -> None:
    original = unicodedata.normalize("NFD", "hoà")  # h o a U+0300
    aligned = normalize_aligned(original, expand=False)
    assert aligned.text == "hòa"
    assert aligned.span_to_original(0, 3) == (0, 4)
    assert aligned.span_to_original(2, 3) == (2, 4)  # "a" came with its mark


def test_strip_and_empty_spans() -> None:
    aligned = normalize_aligned("  Đăng ký đc ", strip=True)
    assert aligned.text == "dang ky duoc"
    assert aligned.span_to_original(8, 12) == (10, 12)
    assert aligned.span_to_original(3, 3) == (5, 5)
    assert aligned.span_to_original(50, 60) == (12, 12)
    assert normalize_aligned("").span_to_original(0, 0) == (0, 0)


def test_aligned_validates_lengths() -> None:
    assert Aligned("ab", [0, 1]).ends == [1, 2]
    with pytest.raises(ValueError):
        Aligned("ab", [0])


@settings(max_examples=300, deadline=None)
@given(any_text, st.booleans(), st.booleans(), st.booleans())
def test_offsets_stay_inside_original(text: str, lower: bool, expand: bool, strip: bool) -> None:
    aligned = normalize_aligned(text, lower=lower, expand=expand, strip=strip)
    check_invariants(text, aligned)


@settings(max_examples=300, deadline=None)
@given(any_text, st.booleans())
def test_same_text_as_normalize(text: str, lower: bool) -> None:
    assert normalize_aligned(text, lower=lower, expand=False).text == normalize(text, lower=lower)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeghiklmnoprstuvxy0123456789 ,.?!\t\n-", max_size=60))
def test_unchanged_chars_point_at_themselves(text: str) -> None:
    # ASCII input is never recomposed: every kept character maps to itself.
    aligned = normalize_aligned(text, lower=False, expand=False)
    for i, ch in enumerate(aligned.text):
        if ch != " ":
            assert text[aligned.offsets[i]] == ch
            assert aligned.ends[i] == aligned.offsets[i] + 1
