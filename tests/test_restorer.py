"""Tests for the project-trained diacritic restorer (nlu.text.restorer.NgramRestorer)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from nlu.text import NgramRestorer, restore_diacritics, strip_diacritics
from nlu.text.restorer import FORMAT_VERSION, syllable_accuracy
from training.diacritics import domain_corpus, train_restorer

# A small accented corpus in which "tam" is "tạm" after "đăng ký" and "tâm"
# before "lý", and "thu" is "thủ" before "tục" and "thư" before "viện".
CORPUS = [
    "Đăng ký khai sinh cho trẻ em.",
    "Thủ tục đăng ký khai sinh tại Ủy ban nhân dân cấp xã.",
    "Đăng ký tạm trú cho sinh viên.",
    "Tôi muốn đăng ký tạm trú ở Huế.",
    "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ.",
    "Cấp lại thẻ căn cước công dân.",
    "Tư vấn tâm lý cho học sinh.",
    "Bác sĩ tâm lý ở bệnh viện.",
    "Mượn sách ở thư viện.",
    "Thư viện tỉnh mở cửa.",
    "Hồ sơ gồm: Tờ khai đăng ký khai sinh; Giấy chứng sinh.",
]


@pytest.fixture(scope="module")
def restorer() -> NgramRestorer:
    return NgramRestorer().fit(CORPUS)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("dang ky khai sinh", "đăng ký khai sinh"),
        ("toi muon dang ky tam tru", "tôi muốn đăng ký tạm trú"),
        ("tu van tam ly", "tư vấn tâm lý"),
        ("thu tuc cap giay phep xay dung", "thủ tục cấp giấy phép xây dựng"),
        ("muon sach o thu vien", "mượn sách ở thư viện"),
    ],
)
def test_restores_known_phrases(restorer: NgramRestorer, typed: str, expected: str) -> None:
    assert restorer.predict(typed) == expected


def test_keeps_case_spacing_punctuation_and_user_accents(restorer: NgramRestorer) -> None:
    assert restorer.predict("Toi  muon DANG KY tam tru, o Huế!") == "Tôi  muốn ĐĂNG KÝ tạm trú, ở Huế!"
    # The user's marks win even where the model would choose otherwise.
    assert restorer.predict("đăng ký tâm tru") == "đăng ký tâm trú"
    assert restorer.predict("Đăng ký khai sinh") == "Đăng ký khai sinh"


def test_unknown_words_and_numbers_stay_as_typed(restorer: NgramRestorer) -> None:
    assert restorer.predict("dang ky xyz 12 khai sinh lol") == "đăng ký xyz 12 khai sinh lol"


def test_accented_text_strips_back(restorer: NgramRestorer) -> None:
    typed = "Thu tuc dang ky tam tru cho sinh vien"
    assert strip_diacritics(restorer.predict(typed)) == typed


def test_restore_diacritics_uses_a_given_restorer(restorer: NgramRestorer) -> None:
    assert restore_diacritics("tu van tam ly", restorer=restorer) == "tư vấn tâm lý"


def test_score_and_syllable_accuracy(restorer: NgramRestorer) -> None:
    assert restorer.score(["Đăng ký tạm trú", "Tư vấn tâm lý"]) == 1.0
    assert syllable_accuracy(["Đăng ký tạm trú"], ["đăng ký tâm trú"]) == (0.75, 0.0)


def test_deterministic(restorer: NgramRestorer) -> None:
    again = NgramRestorer().fit(CORPUS)
    assert again.counts_ == restorer.counts_
    assert again.candidates_ == restorer.candidates_
    for typed in ["dang ky tam tru", "thu vien", "a a a a", "tam tam tam"]:
        assert again.predict(typed) == restorer.predict(typed)


@pytest.mark.parametrize("name", ["model.json", "model.json.gz"])
def test_save_load_round_trip(restorer: NgramRestorer, tmp_path: Path, name: str) -> None:
    path = restorer.save(tmp_path / name, metrics={"held_out_syllable_accuracy": 0.5})
    loaded = NgramRestorer.load(path)
    assert loaded.counts_ == restorer.counts_
    assert loaded.candidates_ == restorer.candidates_
    assert loaded.metadata_ == restorer.metadata_
    assert loaded.metadata_["n_sentences"] == len(CORPUS)
    assert loaded.metadata_["metrics"] == {"held_out_syllable_accuracy": 0.5}
    for typed in ["dang ky khai sinh", "Toi muon DANG KY tam tru", "thu vien tam ly"]:
        assert loaded.predict(typed) == restorer.predict(typed)
    # Saving the loaded model gives the same bytes: nothing is lost or reordered.
    assert loaded.save(tmp_path / f"again-{name}").read_bytes() == path.read_bytes()


def test_load_refuses_other_files(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a"):
        NgramRestorer.load(wrong)
    future = tmp_path / "future.json.gz"
    document = {"format": "hueai-ngram-diacritics", "version": FORMAT_VERSION + 1}
    future.write_bytes(gzip.compress(json.dumps(document).encode()))
    with pytest.raises(ValueError, match="version"):
        NgramRestorer.load(future)


def test_unfitted_and_bad_parameters() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        NgramRestorer().predict("dang ky")
    with pytest.raises(ValueError):
        NgramRestorer(order=1)
    with pytest.raises(ValueError):
        NgramRestorer(beam_width=0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01",
        "abc\u200bdef 🏯 顺化 Хюэ",
        "\u0301a",
        "dangKy khaiSinh",
        "a" * 10_000,
        "tam " * 2_500,  # 10,000 characters of ambiguous syllables: the beam keeps this linear
        "dang ky, " * 1_100,
    ],
)
def test_bad_or_long_input(restorer: NgramRestorer, text: str) -> None:
    restored = restorer.predict(text)
    assert isinstance(restored, str)
    assert len(restored) == len(text)  # marks are added in place: NFC input keeps its length


def test_fit_on_empty_or_unaccented_corpus() -> None:
    empty = NgramRestorer().fit([])
    assert empty.predict("dang ky") == "dang ky"
    # Long unaccented stretches (file names in records) are not evidence of spelling.
    unaccented = NgramRestorer().fit(["Mau to khai tam tru.doc", "Tờ khai tạm trú"])
    assert unaccented.candidates_["tam"] == ("tạm",)


def test_train_restorer_learns_from_records() -> None:
    records = [{"ma_thu_tuc": "1.1", "ten_thu_tuc": "Đăng ký khai sinh", "trinh_tu_thuc_hien": "Nộp tờ khai đăng ký khai sinh."}]
    assert train_restorer(records).predict("dang ky khai sinh") == "đăng ký khai sinh"


def test_domain_corpus_holds_out_evaluated_records(tmp_path: Path) -> None:
    records = tmp_path / "raw" / "bo-tu-phap"
    records.mkdir(parents=True)
    kept = {
        "ma_thu_tuc": "1.1",
        "ten_thu_tuc": "Đăng ký kết hôn",
        "trinh_tu_thuc_hien": "Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.",
    }
    held = {"ten_thu_tuc": "Đăng ký khai sinh lưu động", "yeu_cau_dieu_kien": "Trẻ em ở vùng sâu."}
    (records / "a.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    (records / "b.json").write_text(json.dumps(held, ensure_ascii=False), encoding="utf-8")
    corpus = domain_corpus(
        tmp_path / "raw", hold_out=["Đăng ký khai sinh lưu động"], calibration=tmp_path / "none.jsonl"
    )
    assert {"Đăng ký kết hôn", "Bước 1: Nộp hồ sơ.", "Bước 2: Nhận kết quả."} <= set(corpus)
    assert "Trẻ em ở vùng sâu." not in corpus  # the held-out record is left out whole
    assert "1.1" not in corpus and len(corpus) == len(set(corpus))
