"""A citizen's question, read once: restored, normalised, expanded, matched against the aliases.

Every part of the ranking reads the same :class:`Query` (BM25 its terms, the
dense encoder its normalised text, the coverage features and the reranker its
content terms, the eligibility rule its stated ages), so a question is
normalised, expanded and restored exactly once on its way through search.

>>> query = Query.parse("lam so do lan dau", aliases=AliasTable.load(), restorer=restorer)
>>> query.restored, [a.official for a in query.aliases]
('làm sổ đỏ lần đầu', ['giấy chứng nhận quyền sử dụng đất'])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from knowledge.aliases import Alias, AliasTable
from knowledge.index.analysis import Terms, analysis_form, terms_of
from knowledge.index.coverage import Term, content_terms_of
from knowledge.index.facet_phrases import without_facet_phrases
from nlu.entities.gazetteer import LocationGazetteer
from nlu.entities.tokens import prepare
from nlu.text import NgramRestorer, expand_abbreviations, has_diacritics, normalize, stated_ages

MAX_QUERY_CHARS = 2000


class InvalidQuery(ValueError):
    """The question cannot be searched (empty, too long, not text); the message says why."""


def validate_query(text: object) -> str:
    """``text`` when it is a searchable question; :class:`InvalidQuery` saying why it is not."""
    if not isinstance(text, str):
        raise InvalidQuery("the question must be text")
    if "\x00" in text or sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r") > 0.1 * max(len(text), 1):
        raise InvalidQuery("the question is not readable text (binary data?)")
    if not text.strip():
        raise InvalidQuery("the question is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"the question is too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
    return text


@dataclass(frozen=True)
class Query:
    text: str  # as asked
    restored: str  # diacritics restored when it was typed without any (and a restorer is given), else as asked
    normalized: str  # the restored text normalised, facet phrases left out: what the dense encoder reads
    aliases: tuple[Alias, ...]  # alias entries whose phrases occur in it
    terms: Terms  # the question and the matched official phrases, analysed: what BM25 reads
    content: tuple[Term, ...]  # the question's content terms: what coverage and the reranker read
    ages: tuple[int, ...]  # ages it states ("con tôi 15 tuổi")
    places: frozenset[Term] = frozenset()  # syllables of the Huế places it names ("phường Phú Xuân"), both forms

    @classmethod
    def parse(cls, text: str, *, aliases: AliasTable, restorer: NgramRestorer | None = None) -> Query:
        """Read ``text``; :class:`InvalidQuery` for empty, binary or over-long input.

        A question typed without any diacritics is restored first ("lam so do lan
        dau" is read as "làm sổ đỏ lần đầu", so accented terms can tell "đầu" from
        "đâu"). Measured in bench/retrieval: it lifts questions without
        diacritics, while restoring partly accented teencode does not help.

        What is ranked leaves out the phrases asking for a facet ("cần chuẩn bị hồ sơ gì",
        "mất bao lâu": :mod:`.facet_phrases`); :attr:`restored` keeps them.
        """
        validate_query(text)
        typed_without_marks = not has_diacritics(text)
        restored = restorer.predict(text) if restorer is not None and typed_without_marks else text
        normalized = normalize(without_facet_phrases(restored, typed_without_marks=typed_without_marks))
        matched = matched_aliases(normalized, aliases)
        question = analysis_form(normalized)
        terms = terms_of(" ; ".join([question, *(analysis_form(a.official) for a in matched)]))
        return cls(text, restored, normalized, matched, terms, tuple(content_terms_of(terms_of(question))),
                   tuple(stated_ages(normalized)), place_syllables(normalized))

    @property
    def notes(self) -> list[str]:
        """Facts to tell the citizen from the matched aliases (e.g. that household books are abolished)."""
        return [a.note for a in self.aliases if a.note]

    @property
    def syllables(self) -> set[str]:
        """Unaccented terms of the question and its official phrases (what a procedure's name is compared with)."""
        return set(self.terms.unaccented)


def matched_aliases(text: str, aliases: AliasTable) -> tuple[Alias, ...]:
    """The alias entries ``text`` says, read with its abbreviations expanded and as typed: "đk xe máy" is
    "đăng ký xe máy" (which the alias table reads as a first registration), and "hkd" stays the household
    business entry that lists it, though expanded it is only "hộ kinh doanh". Each entry once, the expanded
    reading's first."""
    entries = {alias.official: alias for alias in aliases.official_for_query(expand_abbreviations(text))}
    for alias in aliases.official_for_query(text):
        entries.setdefault(alias.official, alias)
    return tuple(entries.values())


@cache
def _gazetteer() -> LocationGazetteer:
    return LocationGazetteer.default()


def place_syllables(text: str) -> frozenset[Term]:
    """The syllables of the names of the Huế places ``text`` says someone lives or is (wards, communes,
    old districts, streets), as ``(syllable, "accented")`` and ``(syllable without marks, "unaccented")``;
    words for the kind of place ("phường", "đường", "sông": they name procedures) and landmarks are left out:
    where a citizen lives is story, but a landmark is often what the question is about (a boat on sông
    Hương, flying a drone over Đại Nội).

    The knowledge base is national: no record names "Phú Xuân" or "Hương Trà", so
    unread they would weigh as the rarest words of the question, and "tôi ở phường
    Phú Xuân" would cost a birth registration question two thirds of its coverage.
    Coverage counts them as story instead (:mod:`.coverage`).
    """
    prepared = prepare(text)
    gazetteer = _gazetteer()
    spans = [(place.start, place.end) for place in gazetteer.find(prepared) if place.value not in gazetteer.landmarks]
    return frozenset(
        term
        for syllable in prepared.syllables
        if syllable.text not in gazetteer.kind_words
        and any(start <= syllable.start and syllable.end <= end for start, end in spans)
        for term in ((syllable.text, "accented"), (syllable.plain, "unaccented"))
    )
