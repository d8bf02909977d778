"""How much of a citizen's question a procedure accounts for: the confidence gate's main evidence.

A question mixes three kinds of words:

* what the citizen wants to know ("ở đâu", "bao nhiêu tiền", "mất mấy ngày"):
  :data:`QUESTION_WORDS`, left out entirely;
* the story around it ("bà cụ nhà tui mới mất tuần trước", "con em mười bốn
  tuổi", "ra công an phường"): :data:`CONTEXT_WORDS`, which count a little,
  because a procedure rarely names them and their absence says little;
* what the procedure is about ("giấy chứng tử", "hộ chiếu", "tách thửa"):
  everything else, weighted by how rare it is in the knowledge base.

No library ships such lists for Vietnamese administrative questions, so they are
written here; they were drawn up from the project's own question styles
(formal, colloquial, teencode, phone transcripts in the Huế dialect).

A syllable typed with marks is looked up as typed ("sổ" of "sổ đỏ" is content,
"sơ" of "hồ sơ" is not); one typed without marks is looked up unaccented.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from knowledge.index.analysis import Terms, analyze
from knowledge.index.lexical import FieldedBM25
from nlu.text import strip_diacritics

QUESTION_WORDS = frozenset(
    """
    a ah a. ak ha hả nhe nhé nha nhá ơi oi ạ da dạ vang vâng u ừ ờ o ô thi thì la là ma mà
    cho em anh chi chị toi tôi minh mình tui tao bac bác co cô chu chú ong ông ba bà con ban bạn
    hoi hỏi xin vui long lòng giup giúp voi với can cần phai phải muon muốn định dinh
    lam làm the thế nao nào sao gi gì chi j bao nhieu nhiêu lau lâu may mấy ngay ngày dau đâu
    o ở mo mô rang răng rua rứa te tê khong không ko duoc được dc co có nhung những cac các
    giay giấy to tờ ho hồ so sơ thu thủ tuc tục tien tiền phi phí le lệ mat mất het hết
    nop nộp len lên di đi toi tới den đến qua mang mạng online truc trực tuyen tuyến
    gom gồm nhu như vay vậy roi rồi nua nữa khi luc lúc bay bây gio giờ thoi thôi
    alo ai ad admin
    """.split()
)
QUESTION_SYLLABLES = frozenset(strip_diacritics(s) for s in QUESTION_WORDS)
# Fillers of phone transcripts and the Huế dialect, and "để" (in order to: "xin giấy không tiền
# án để đi làm" matched "… để trừ vào tiền được thi hành án"), recognised only as typed with their
# marks: unaccented they collide with content ("đó" -> "do" as in "sổ đỏ" -> "so do").
QUESTION_WORDS |= frozenset(
    "cái chiếc nớ ni hỉ hè nờ chừ bữa luôn á à ấy kia này đó đây nè vô ra hông hổng giùm dùm tốn để".split()
)

# The story around a question: family, time, numbers read out, the office it is taken
# to, and everyday verbs. Each weighs CONTEXT_WEIGHT, as much as the commonest words of
# the base, whatever its rarity: "mười lăm tuổi" occurs in no record, yet says nothing
# about which procedure is meant. A procedure that covers them ("cấp xã" for "xã")
# still gains a little. (A constant weight did as well as 0.05-0.15 of the rarity, or
# none, on the calibration questions: CV AUC 0.945 against 0.943-0.944.)
CONTEXT_WORDS = frozenset(
    """
    con cháu ông bà cha mẹ ba má bố vợ chồng anh chị em cụ nội ngoại cô dì chú bác cậu mợ thím
    hàng xóm bạn trai gái đứa nhỏ bé thằng
    tuần tháng năm hôm qua nay mai mới sắp trước sau hồi xưa lâu giờ chừ tối sáng chiều
    một hai ba bốn năm sáu bảy tám chín mười mươi trăm nghìn ngàn triệu tỷ lăm mốt tư rưỡi
    phường xã tỉnh huyện quận thành phố công an ủy ban nhân dân ubnd bộ phận cửa trung tâm hành chính huế
    nhà tui tụi mình đi về lên xuống muốn tính vừa đã đang sẽ bị được phải nên hay hoặc còn vẫn cũng
    đều rất lắm quá thêm riêng chung ni ra
    miếng chút héc sếp
    """.split()
)
CONTEXT_SYLLABLES = frozenset(strip_diacritics(s) for s in CONTEXT_WORDS)
# Story words recognised only as typed with their marks, as above: unaccented they
# collide with content ("chục" -> "chuc" as in "tổ chức", "ngoái" -> "ngoai" as in "nước ngoài").
CONTEXT_WORDS |= frozenset("nó hắn ổng chục vài lỡ ngoái kiệt hẻm ngõ".split())
CONTEXT_WEIGHT = 0.5

_LATIN = re.compile(r"[a-z]")  # content terms are unaccented, lower case
Term = tuple[str, str]  # (term, "accented" | "unaccented")
_TERM_CACHE = 100_000  # terms; a few MB at most
#: What :meth:`CoverageScorer.features` returns.
COVERAGE_FEATURES = ("coverage", "coverage_doc", "uncovered_rarity", "name_vocabulary_coverage", "name_coverage",
                     "name_phrase_coverage")


def _pick(accented: str, plain: str) -> Term:
    """A query term in the form it was typed: accented when it carries marks."""
    return (accented, "accented") if accented != plain else (plain, "unaccented")


def _in(words: frozenset[str], syllables: frozenset[str], accented: str, plain: str) -> bool:
    return accented in words if accented != plain else plain in syllables


def content_terms(text: str) -> list[Term]:
    """:func:`content_terms_of` the analysed ``text``."""
    return content_terms_of(analyze(text))


def content_terms_of(terms: Terms) -> list[Term]:
    """The content terms of analysed text: syllables and syllable pairs without question words and numbers.

    A syllable typed with diacritics is kept accented ("tử" is not "tư" or "từ");
    one typed without is kept unaccented, so partly accented teencode ("e mún đk
    kết hôn") is read word by word. Words in other scripts (a Chinese or Russian
    phrase mixed in) can never match a Vietnamese record, so they are left out
    rather than counted as unknown content.
    """
    n = (len(terms.accented) + 1) // 2  # n syllables come first, then their n - 1 pairs
    sylls = list(zip(terms.accented[:n], terms.unaccented[:n]))
    keep = [not _in(QUESTION_WORDS, QUESTION_SYLLABLES, acc, plain) and not plain.isdigit()
            and bool(_LATIN.search(plain)) for acc, plain in sylls]
    content = [_pick(acc, plain) for (acc, plain), k in zip(sylls, keep) if k]
    for i in range(len(sylls) - 1):
        if keep[i] and keep[i + 1]:
            (a1, p1), (a2, p2) = sylls[i], sylls[i + 1]
            content.append(_pick(f"{a1}_{a2}", f"{p1}_{p2}"))
    return content


def is_context(term: str, form: str) -> bool:
    """Whether ``term`` is or contains a story word (family, time, number, office).

    A pair with one story syllable ("lăm tuổi", "bà cụ") is a story phrase too: such
    pairs occur nowhere in the base, so at full weight they would look like the
    most specific content of the question.
    """
    words = CONTEXT_WORDS if form == "accented" else CONTEXT_SYLLABLES
    return any(part in words for part in term.split("_"))


class CoverageScorer:
    """Coverage features of one procedure for one question, over a fitted :class:`FieldedBM25`.

    ``key_terms[doc]`` are the terms of procedure ``doc``'s name and aliases;
    ``name_terms[doc]`` the unaccented syllables of its name without level
    qualifiers (what makes it this procedure and not its neighbour), ``name_pairs[doc]``
    every two neighbouring syllables of that name, joined by "_" as the analysis joins them.
    """

    def __init__(self, lexical: FieldedBM25, key_terms: Sequence[set[Term]], name_terms: Sequence[list[str]],
                 name_pairs: Sequence[list[str]]) -> None:
        self.lexical = lexical
        self.key_terms = key_terms
        self.name_terms = name_terms
        self.name_pairs = name_pairs
        self.max_rarity = float(np.log(1 + (lexical.n_docs + 0.5) / 0.5))
        # Per-term facts of the base, asked for each of the reranker's twenty candidates: cached.
        self.rarity = lru_cache(maxsize=_TERM_CACHE)(self._rarity)
        self.names_procedures = lru_cache(maxsize=_TERM_CACHE)(self._names_procedures)
        self.documents_with = lru_cache(maxsize=_TERM_CACHE)(self._documents_with)

    def _rarity(self, term: str, form: str) -> float:
        """BM25 idf of ``term`` by its largest document frequency over all fields."""
        df = max(self.lexical.document_frequency(term, field, form) for field in self.lexical.fields)
        return float(np.log(1 + (self.lexical.n_docs - df + 0.5) / (df + 0.5)))

    def _names_procedures(self, term: str, form: str) -> bool:
        """Whether ``term`` occurs in some procedure's name or aliases: a word that tells procedures apart."""
        return any(self.lexical.document_frequency(term, field, form) for field in ("name", "aliases"))

    def _documents_with(self, term: str, form: str) -> np.ndarray:
        """The sorted ids of the procedures that have ``term`` in any field."""
        return np.unique(np.concatenate([self.lexical.postings(term, field, form) for field in self.lexical.fields]))

    def features(self, content: Sequence[Term], doc: int, query_syllables: set[str],
                 story: frozenset[Term] = frozenset()) -> dict[str, float]:
        """:meth:`features_many` of one procedure."""
        return self.features_many(content, [doc], query_syllables, story)[0]

    def features_many(self, content: Sequence[Term], docs: Sequence[int], query_syllables: set[str],
                      story: frozenset[Term] = frozenset()) -> list[dict[str, float]]:
        """How well each procedure of ``docs`` covers the question (``content``) and its name is covered in turn.

        Each content term weighs by its rarity in the knowledge base, a story
        word :data:`CONTEXT_WEIGHT`:

        - ``coverage``: share of the weight found in the name or aliases;
        - ``coverage_doc``: share found anywhere in the procedure;
        - ``uncovered_rarity``: the weight of the heaviest term the procedure
          lacks, relative to the largest possible (a specific thing it is not about);
        - ``name_vocabulary_coverage``: ``coverage`` over only the terms that
          some procedure's name uses: a question about "giấy phép lái xe quốc
          tế" is not covered by "cấp lại giấy phép lái xe", because "quốc tế"
          names other procedures;
        - ``name_coverage``: the other direction: share of the procedure's own
          name (rarity-weighted syllables, ``query_syllables`` unaccented and
          alias-expanded) that the question mentions;
        - ``name_phrase_coverage``: the same over the name's pairs of neighbouring
          syllables: "chấm dứt hoạt động dự án của nhà đầu tư" has each syllable in a
          notary office's "dự định tự chấm dứt hoạt động … giải quyết", but not
          "dự án" or "nhà đầu tư".

        ``story`` are syllables this question marks as story beyond the fixed
        lists, in the form they were typed: the places it names
        (:func:`~knowledge.index.query.place_syllables`).
        """
        if not content:
            return [dict.fromkeys(COVERAGE_FEATURES, 0.0) for _ in docs]
        ids = np.asarray(docs, dtype=np.int64)
        # Per term, once for all candidates: its weight, whether it names procedures, which candidates have it.
        terms = []
        for term, form in content:
            with_term = self.documents_with(term, form)
            position = np.minimum(np.searchsorted(with_term, ids), max(len(with_term) - 1, 0))
            has = (with_term[position] == ids) if len(with_term) else np.zeros(len(ids), dtype=bool)
            told = is_context(term, form) or any((part, form) in story for part in term.split("_"))
            weight = CONTEXT_WEIGHT if told else self.rarity(term, form)
            terms.append(((term, form), weight, self.names_procedures(term, form), has))
        return [self._doc_features(terms, i, doc, query_syllables) for i, doc in enumerate(docs)]

    def _doc_features(self, terms: list, i: int, doc: int, query_syllables: set[str]) -> dict[str, float]:
        key = self.key_terms[doc]
        total = in_key = in_doc = uncovered = vocab_total = vocab_in_key = 0.0
        for term, weight, names_procedures, has in terms:
            total += weight
            found_in_key = term in key
            in_key += weight * found_in_key
            if has[i]:
                in_doc += weight
            else:
                uncovered = max(uncovered, weight)
            if names_procedures:
                vocab_total += weight
                vocab_in_key += weight * found_in_key
        name_total, name_in_query = self._name_share(self.name_terms[doc], query_syllables)
        pairs_total, pairs_in_query = self._name_share(self.name_pairs[doc], query_syllables)
        return {
            "coverage": in_key / total if total else 0.0,
            "coverage_doc": in_doc / total if total else 0.0,
            "uncovered_rarity": uncovered / self.max_rarity,
            "name_vocabulary_coverage": vocab_in_key / vocab_total if vocab_total else 0.0,
            "name_coverage": name_in_query / name_total if name_total else 0.0,
            "name_phrase_coverage": pairs_in_query / pairs_total if pairs_total else 0.0,
        }

    def _name_share(self, name_terms: list[str], query_terms: set[str]) -> tuple[float, float]:
        """The rarity weight of ``name_terms`` and of those among ``query_terms``."""
        total = found = 0.0
        for term in name_terms:
            weight = self.rarity(term, "unaccented")
            total += weight
            found += weight * (term in query_terms)
        return total, found
