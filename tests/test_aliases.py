"""Tests for knowledge.aliases: the colloquial-alias table and its matcher."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path

import pytest

from knowledge.aliases import DEFAULT_ALIASES_PATH, Alias, AliasTable
from nlu.text import normalize, strip_diacritics


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.load()


def officials(table: AliasTable, query: str) -> list[str]:
    return [alias.official for alias in table.official_for_query(query)]


def words(text: str) -> str:
    """Normalised whole words joined by single spaces, padded for whole-word `in` tests."""
    joined = " ".join(re.findall(r"\w+", normalize(text, lower=True)))
    return f" {joined} "


# --- the shipped data ---------------------------------------------------------


def test_default_file_loads_with_many_entries(table: AliasTable) -> None:
    assert AliasTable.load(DEFAULT_ALIASES_PATH).entries == table.entries
    assert len(table) >= 80


@pytest.mark.parametrize(
    ("query", "official"),
    [
        ("sổ đỏ", "giấy chứng nhận quyền sử dụng đất"),
        ("sổ hồng", "giấy chứng nhận quyền sử dụng đất"),
        ("bằng lái", "giấy phép lái xe"),
        ("hộ khẩu", "đăng ký thường trú"),
        ("cmnd", "thẻ căn cước"),
        ("CCCD", "thẻ căn cước"),
        ("lấy vợ", "kết hôn"),
        ("lấy chồng", "kết hôn"),
        ("cưới", "kết hôn"),
        ("giấy khai sinh", "đăng ký khai sinh"),
        ("làm khai sinh", "đăng ký khai sinh"),
        ("xin phép xây nhà", "giấy phép xây dựng mới đối với công trình cấp III, cấp IV"),
        ("cấp giấy phép xây dựng", "giấy phép xây dựng mới"),
        ("làm giấy chứng tử", "đăng ký khai tử"),
        ("báo tử", "đăng ký khai tử"),
        ("xác nhận không tiền án", "lý lịch tư pháp"),
        ("sao y", "chứng thực bản sao từ bản chính"),
        ("đăng ký ở trọ", "đăng ký tạm trú"),
        ("nhận con nuôi", "đăng ký việc nuôi con nuôi trong nước"),
        ("mở quán", "đăng ký thành lập hộ kinh doanh"),
        ("giấy phép kinh doanh", "đăng ký thành lập hộ kinh doanh"),
        ("biển số xe", "chứng nhận đăng ký xe"),
        ("thủ tục đăng ký xe", "cấp biển số xe lần đầu"),  # a first registration, not the transfer
        ("mất giấy đăng ký xe máy", "cấp lại chứng nhận đăng ký xe"),
        ("passport", "hộ chiếu phổ thông"),
        ("giấy độc thân", "xác nhận tình trạng hôn nhân"),
        ("ly dị", "ly hôn"),
        ("đăng ký ghe đánh cá", "đăng ký tàu cá"),
        ("đóng thuế", "nộp thuế"),
        ("mã số thuế", "mã số thuế"),
        ("khai hải quan", "hải quan"),
        ("mở công ty tnhh 2 thành viên", "công ty TNHH hai thành viên trở lên"),
        ("công ty 1 thành viên", "công ty TNHH một thành viên"),
        ("e mún đổi tên trên giấy khai sinh", "thay đổi, cải chính, bổ sung thông tin hộ tịch"),
    ],
)
def test_required_mappings(table: AliasTable, query: str, official: str) -> None:
    assert official in officials(table, query)


def test_absent_social_protection_is_not_mapped_to_an_unrelated_allowance(table: AliasTable) -> None:
    # No bảo trợ xã hội procedure is in the base: mapping it to "trợ cấp" would answer the wrong one.
    assert officials(table, "bảo trợ xã hội cho người cao tuổi") == []


def test_a_vehicle_registration_means_the_first_unless_another_is_said(table: AliasTable) -> None:
    # "đăng ký xe" is said of a first registration; a longer phrase says which other one is meant.
    assert officials(table, "đăng ký xe máy cho con") == ["cấp biển số xe lần đầu"]
    assert officials(table, "mất giấy đăng ký xe máy") == ["cấp lại chứng nhận đăng ký xe"]
    assert officials(table, "đăng ký xe máy tạm thời") == ["đăng ký xe tạm thời"]
    assert officials(table, "làm lại cà vẹt xe") == ["cấp lại chứng nhận đăng ký xe"]
    assert officials(table, "làm cà vẹt xe") == ["cấp biển số xe lần đầu"]


def test_making_an_identity_card_is_a_first_card(table: AliasTable) -> None:
    assert officials(table, "làm cccd") == ["cấp thẻ căn cước"]
    assert officials(table, "làm lại cccd") == ["cấp lại thẻ căn cước"]
    assert officials(table, "đổi cccd") == ["cấp đổi thẻ căn cước"]


def test_a_question_is_read_with_its_abbreviations_expanded_and_as_typed(table: AliasTable) -> None:
    from knowledge.index.query import matched_aliases

    def said(text: str) -> list[str]:
        return [alias.official for alias in matched_aliases(normalize(text), table)]

    assert officials(table, "dk xe may o dau") == []  # "dk" is no alias form ...
    assert said("dk xe may o dau") == ["cấp biển số xe lần đầu"]  # ... but "đăng ký xe máy" is
    assert "đăng ký thành lập hộ kinh doanh" in said("hkd đóng cửa r")  # listed as "hkd", not as "hộ kinh doanh"
    assert said("cấp lại hộ chiếu bị mất") == ["trình báo mất hộ chiếu phổ thông"]


def test_household_book_note_says_it_was_abolished(table: AliasTable) -> None:
    (entry,) = table.official_for_query("nhập hộ khẩu cho con")
    assert entry.official == "đăng ký thường trú"
    assert entry.note is not None and "bãi bỏ" in entry.note and "2023" in entry.note


def test_cmnd_note_states_the_2024_rename(table: AliasTable) -> None:
    (entry,) = table.official_for_query("chứng minh nhân dân")
    assert entry.note is not None and "01/7/2024" in entry.note


def test_every_form_finds_its_own_entry_accented_and_unaccented(table: AliasTable) -> None:
    # Guards the whole file: no form is swallowed by a longer phrase of another
    # entry, and the unaccented spelling of every form of two or more words still
    # reaches its entry (a single word must be typed as written, see below).
    for alias in table.entries:
        for form in (alias.official, *alias.colloquial):
            typings = (form, strip_diacritics(form)) if len(words(form).split()) > 1 else (form,)
            for typed in typings:
                assert alias in table.official_for_query(typed), (alias.official, typed)


@pytest.mark.parametrize(("query", "not_meant"), [
    ("bổ sung hồ sơ hộ kinh doanh", "súng"),  # "sung" is a word of its own
    ("lệ phí bao nhiêu", "bão"),
    ("sổ do", "sổ đỏ"),  # partly accented: "do" typed as written is not "đỏ"
])
def test_a_single_bare_word_is_taken_as_typed(table: AliasTable, query: str, not_meant: str) -> None:
    matched = table.official_for_query(query)
    assert not any(not_meant in (a.official, *a.colloquial) for a in matched), [a.official for a in matched]


def test_every_official_phrase_occurs_in_the_dataset(table: AliasTable, tthc_raw: Path) -> None:
    texts = []
    for path in sorted(tthc_raw.glob("*/*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for field in ("ten_thu_tuc", "linh_vuc"):
            # Compare as normalised whole words, the way the matcher sees text.
            texts.append(words(record.get(field) or ""))
    assert len(texts) > 2000
    missing = [
        alias.official
        for alias in table.entries
        if not any(words(alias.official) in text for text in texts)
    ]
    assert not missing, f"official phrases not found in any procedure name or field: {missing}"


# --- matching -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "so do",  # no marks at all
        "SỔ ĐỎ",  # upper case
        unicodedata.normalize("NFD", "sổ đỏ"),  # decomposed input
        "  (sổ \t đỏ?)",  # extra spaces and punctuation
    ],
)
def test_matching_ignores_case_spacing_and_missing_marks(table: AliasTable, query: str) -> None:
    assert officials(table, query) == ["giấy chứng nhận quyền sử dụng đất"]


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [("xuất hoá đơn đỏ", "xuất hóa đơn đỏ"), ("giấy phép khai thác thuỷ sản", "giấy phép khai thác thủy sản")],
)
def test_both_tone_placements_match(table: AliasTable, old_style: str, new_style: str) -> None:
    assert officials(table, old_style) == officials(table, new_style) != []


def test_wrong_marks_do_not_match(table: AliasTable) -> None:
    # "sơ đồ" (a diagram) is typed with marks that contradict "sổ đỏ".
    assert officials(table, "sơ đồ nhà") == []


@pytest.mark.parametrize("query", ["sổ đỏng", "vatican", "mstx", "bhyt2"])
def test_only_whole_words_match(table: AliasTable, query: str) -> None:
    assert table.official_for_query(query) == []


def test_longer_phrase_wins_over_the_phrase_inside_it(table: AliasTable) -> None:
    assert officials(table, "cắt hộ khẩu") == ["xóa đăng ký thường trú"]
    assert officials(table, "nhận con nuôi") == ["đăng ký việc nuôi con nuôi trong nước"]
    assert officials(table, "mất sổ đỏ thì làm sao") == ["cấp lại giấy chứng nhận do bị mất"]


def test_several_entries_come_in_text_order_once_each(table: AliasTable) -> None:
    query = "mở quán karaoke, rồi mở tiệm karaoke khác"
    assert officials(table, query) == ["đăng ký thành lập hộ kinh doanh", "đủ điều kiện về an ninh, trật tự"]


def test_unrelated_text_matches_nothing(table: AliasTable) -> None:
    assert table.official_for_query("") == []
    assert table.official_for_query("hôm nay trời Huế đẹp quá") == []


def test_colloquial_for_name_indexes_everyday_words(table: AliasTable) -> None:
    forms = table.colloquial_for_name("Thủ tục đăng ký kết hôn")
    assert "lấy vợ" in forms and "cưới" in forms
    # "Cấp lại giấy phép lái xe" is the lost-licence procedure: its own words,
    # not the general "giấy phép lái xe" ones, are indexed.
    forms = table.colloquial_for_name("Cấp lại giấy phép lái xe")
    assert "mất bằng lái" in forms and "bằng lái" not in forms
    assert table.colloquial_for_name("Thủ tục hải quan đối với hàng hóa quá cảnh")[:1] == ["khai hải quan"]
    assert table.colloquial_for_name("Công bố hoạt động khu neo đậu") == []


def test_colloquial_for_name_uses_official_phrases_only(table: AliasTable) -> None:
    # A name that happens to contain a colloquial form gains nothing from it.
    assert table.colloquial_for_name("Giấy phép kinh doanh") == []


def test_query_matching_is_well_under_a_millisecond(table: AliasTable) -> None:
    query = "cho em hỏi thủ tục sang tên sổ đỏ cho con ở phường Phú Hội thành phố Huế cần những giấy tờ gì ạ"
    table.official_for_query(query)  # warm the normalisation caches
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        table.official_for_query(query)
    assert (time.perf_counter() - start) / runs < 1e-3


# --- validation of the file ---------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aliases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_ENTRY = "- official: kết hôn\n  colloquial: [lấy vợ]\n  note: null\n"


def test_a_small_valid_file_loads(tmp_path: Path) -> None:
    table = AliasTable.load(write(tmp_path, GOOD_ENTRY + "- official: ly hôn\n  colloquial: [ly dị]\n"))
    assert [a.official for a in table.entries] == ["kết hôn", "ly hôn"]
    assert table.entries[1].note is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("- official: [unclosed\n", "not valid YAML"),
        ("", "non-empty YAML list"),
        ("official: kết hôn\n", "non-empty YAML list"),
        ("- just a string\n", "not a mapping"),
        ("- official: kết hôn\n", "colloquial"),
        ("- official: kết hôn\n  colloquial: []\n", "at least one form"),
        ("- official: '  '\n  colloquial: [lấy vợ]\n", "official must contain at least one word"),
        ("- official: kết hôn\n  colloquial: [lấy vợ, '']\n", "each colloquial form must contain"),
        ("- official: kết hôn\n  colloquial: [lấy vợ]\n  note: ' '\n", "note must be null"),
        ("- official: kết hôn\n  colloquial: [lấy vợ]\n  colloqial: [cưới]\n", "colloqial"),
        ("- official: kết hôn\n  colloquial: [lấy vợ, Lấy  Vợ]\n", "repeats colloquial form 'lấy vợ'"),
        ("- official: kết hôn\n  colloquial: [Kết hôn]\n", "repeats the official phrase"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path: Path, text: str, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=reason) as excinfo:
        AliasTable.load(path)
    assert str(excinfo.value).startswith(str(path))


def test_error_names_the_entry(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_ENTRY + "- official: ly hôn\n  colloquial: []\n")
    with pytest.raises(ValueError, match=r"entry 2 \('ly hôn'\)"):
        AliasTable.load(path)


@pytest.mark.parametrize(
    "second",
    [
        "- official: ly hôn\n  colloquial: [lấy vợ]\n",  # same colloquial form
        "- official: ly hôn\n  colloquial: [LẤY   VỢ]\n",  # same after normalisation
        "- official: ly hôn\n  colloquial: [kết hôn]\n",  # another entry's official phrase
        "- official: Kết Hôn\n  colloquial: [cưới]\n",  # same official phrase
    ],
)
def test_duplicates_across_entries_name_both_entries(tmp_path: Path, second: str) -> None:
    path = write(tmp_path, GOOD_ENTRY + second)
    with pytest.raises(ValueError, match=r"entry 2 .* already used by entry 1 \('kết hôn'\)"):
        AliasTable.load(path)


def test_missing_file_is_not_silently_ignored(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        AliasTable.load(tmp_path / "nope.yaml")


def test_table_can_be_built_from_entries_directly() -> None:
    table = AliasTable([Alias(official="ly hôn", colloquial=["li dị"], note=None)])
    assert officials(table, "li di") == ["ly hôn"]
    with pytest.raises(ValueError, match="already used"):
        AliasTable([Alias(official="ly hôn", colloquial=["li dị"]), Alias(official="li dị", colloquial=["x"])])
