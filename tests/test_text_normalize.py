"""Tests for nlu.text.normalize: canonical form, diacritic stripping."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlu.text import has_diacritics, normalize, strip_diacritics

VIET_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ" + "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
viet_text = st.text(alphabet=VIET_LETTERS + " ,.?!\t\n0123456789", max_size=80)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("qúy", "quý"),
        ("khoẻ", "khỏe"),
        ("HOÀ", "hòa"),
        ("uỷ ban", "ủy ban"),
        ("hoá đơn", "hóa đơn"),
        ("Hoà Thuận,", "hòa thuận,"),
        ("khuỷu", "khuỷu"),
        ("ngoài", "ngoài"),
        ("hoàn", "hoàn"),
        ("quýt", "quýt"),
        ("gìn giữ", "gìn giữ"),
        ("người thuở", "người thuở"),
        ("huỳnh", "huỳnh"),
    ],
)
def test_both_tone_styles_give_one_form(old: str, new: str) -> None:
    assert normalize(old) == normalize(new) == new


def test_decomposed_input_and_case() -> None:
    nfd = unicodedata.normalize("NFD", "Hoà Thuỷ Đăng Ký")
    assert normalize(nfd) == "hòa thủy đăng ký"
    assert normalize(nfd, lower=False) == "Hòa Thủy Đăng Ký"


def test_cleanup() -> None:
    assert normalize(" \tĐăng\u200b  ký\u00a0khai\nsinh\x00 ") == "đăng ký khai sinh"
    assert normalize("Ðà Nẵng") == "đà nẵng"  # U+00D0 look-alike
    assert normalize("café") == "café"  # not Vietnamese: left alone


def test_strip_diacritics() -> None:
    assert strip_diacritics("Đường Lê Lợi, Huế") == "Duong Le Loi, Hue"
    assert strip_diacritics(unicodedata.normalize("NFD", "Hòa")) == "Hoa"
    assert has_diacritics("đi") and not has_diacritics("dang ky khai sinh")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | viet_text)
def test_normalize_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert normalize(normalize(text, lower=False), lower=False) == normalize(text, lower=False)


@settings(max_examples=200, deadline=None)
@given(viet_text)
def test_tone_style_irrelevant(text: str) -> None:
    # Re-typing the text with the other tone style (decomposed, tone on the other
    # vowel of "oa/oe/uy") never changes the normal form.
    # Only words with a single tone mark are syllables whose tone can move ("àòa" is not one).
    def retype(word: str) -> str:
        tones = sum(ch in "\u0300\u0301\u0303\u0309\u0323" for ch in unicodedata.normalize("NFD", word))
        return word.replace("òa", "oà").replace("ỏe", "oẻ").replace("ủy", "uỷ") if tones == 1 else word

    retyped = " ".join(retype(word) for word in normalize(text).split(" "))
    assert normalize(retyped) == normalize(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | viet_text)
def test_strip_diacritics_length_preserving(text: str) -> None:
    nfc = unicodedata.normalize("NFC", text)
    stray_marks = sum(1 for c in nfc if "\u0300" <= c <= "\u036f")
    stripped = strip_diacritics(nfc)
    assert len(stripped) == len(nfc) - stray_marks
    assert not has_diacritics(stripped)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\x00\x01\x7f", "x" * 10_000, "Huế 🏯👨‍👩‍👧 đẹp", "Huế 顺化 Хюэ", "\u0301\u0301", "İstanbul ǅ"],
)
def test_bad_input_never_raises(text: str) -> None:
    out = normalize(text)
    assert normalize(out) == out
    strip_diacritics(text)
    has_diacritics(text)


@pytest.mark.parametrize(
    "text",
    ["ÎÑ", "îñ", "ñoà", "Ãô", "ỹ̂", "ēà", "a\u0300\u0302", "Ạ\u0300", "ÿà", "ǹà"],
)
def test_tones_move_only_within_vietnamese_syllables(text: str) -> None:
    """A tone moves only in a syllable Vietnamese could write: other languages' marks
    (the circumflex of î, the tilde of ñ) are not tones and stay where they are."""
    from nlu.text import tokenize

    out = normalize(text)
    assert normalize(out) == out
    for token in tokenize(text):
        assert normalize(text[token.start:token.end]) == normalize(token.text)


def test_foreign_letters_keep_their_marks() -> None:
    assert normalize("ÎÑ") == "îñ" and normalize("España") == "españa" and normalize("Hoà") == "hòa"
    assert normalize("a\u0300\u0302") == "ầ"  # a Vietnamese letter typed marks-first still composes
