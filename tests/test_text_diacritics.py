"""Tests for diacritic restoration."""

import pytest

from nlu.text import has_diacritics, restore_diacritics, strip_diacritics


def test_restores_common_phrase() -> None:
    assert restore_diacritics("toi muon dang ky khai sinh") == "tôi muốn đăng ký khai sinh"


def test_keeps_case_spacing_and_accented_syllables() -> None:
    assert restore_diacritics("Toi  muon DANG KY o Huế") == "Tôi  muốn ĐĂNG KÝ ở Huế"
    assert restore_diacritics("Đăng ký khai sinh") == "Đăng ký khai sinh"


def test_restored_text_strips_back() -> None:
    source = "cap giay phep xay dung nha o rieng le"
    restored = restore_diacritics(source)
    assert strip_diacritics(restored) == source
    assert has_diacritics(restored)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "abc\u200bdef 🏯 顺化 Хюэ", "\u0301a", "a" * 10_000])
def test_bad_input(text: str) -> None:
    restore_diacritics(text)
