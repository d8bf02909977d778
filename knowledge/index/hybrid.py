"""The knowledge-base retriever: lexical + dense, a confidence decision, near-tie groups.

>>> index = KnowledgeIndex.build(procedures, aliases=AliasTable.load())
>>> response = index.search("lam so do het bao nhieu tien", k=5)
>>> response.results[0].code, response.confident, response.groups

A built index is immutable: the reranker and the confidence model are fitted on
an index (``training.kb_index`` does it) and passed to :meth:`KnowledgeIndex.replace`,
which returns a new index sharing everything else.

How a question is answered:

1. Colloquial words are mapped to official phrases ("sổ đỏ" → "giấy chứng
   nhận quyền sử dụng đất") and added to the query; their notes (e.g. that
   household books were abolished) come back with the response.
2. Field-weighted BM25 over accented and unaccented terms scores every
   procedure; a dense encoder (when built) scores the nearest ones; the two are
   fused as a weighted sum of the lexical score scaled to the best one and the
   cosine similarity.
3. A reranker (a logistic model fitted on the calibration questions by
   :mod:`training.kb_reranker`) reorders the first twenty by their field scores,
   dense cosine and coverage of the question (:mod:`.coverage`); procedures
   for another age than the question states ("dưới 14 tuổi") go last.
4. Confidence: a small logistic model (:mod:`.confidence`) over features of the
   ranking, chiefly how much of the question's content (IDF-weighted syllables
   that are not question words or story words) the best procedure's name and
   aliases cover, and how likely the question alone reads as one about what the
   base holds (:mod:`.scope`). Below its threshold the response has no hits, so the
   assistant can say it does not know instead of answering the wrong procedure.
   A question about a topic the base is known to lack (:mod:`knowledge.gaps`)
   gets no hits either, and the response names the topic.
5. Near ties: hits whose names differ only by level ("cấp tỉnh"/"cấp xã") or by
   "có yếu tố nước ngoài" are grouped, so the dialogue can ask which is meant.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from knowledge.aliases import AliasTable
from knowledge.eligibility import age_range, excludes
from knowledge.gaps import GapTable
from knowledge.index.actions import Asked, asked_actions, unasked_actions, unasked_applicant
from knowledge.index.analysis import Terms, analyze, syllables
from knowledge.index.confidence import ConfidenceModel, LogisticModel
from knowledge.index.coverage import COVERAGE_FEATURES, CoverageScorer, Term, content_terms
from knowledge.index.lexical import FieldedBM25
from knowledge.index.negation import Negation
from knowledge.index.query import InvalidQuery, Query
from knowledge.index.results import Hit, SearchResponse
from knowledge.index.scope import SCOPE_FILE, ScopeModel
from knowledge.index.variants import Variants
from knowledge.records import Procedure
from nlu.text import NgramRestorer, normalize, strip_diacritics

if TYPE_CHECKING:  # the dense retriever imports faiss and maybe torch: only loaded when an index uses it
    from knowledge.index.dense import DenseRetriever

__all__ = ["DENSE_WEIGHT", "FIELD_WEIGHTS", "Candidates", "Hit", "InvalidQuery", "KnowledgeIndex", "Query",
           "Ranking", "SearchResponse"]

# Field weights and the dense share were chosen by MRR + recall@5 on the calibration questions
# (training/data/kb_calibration.jsonl), never on the benchmark's questions, by
# `python -m training.tune_ranking`. Tried and not kept (6 December 2026, development sets A-F): a field of
# the clauses of steps and conditions that say which case a procedure serves ("Khi có sự thay đổi tên, địa chỉ
# trụ sở …"), weights 0.3-1.2: set D's and F's recall@5 moved by at most 0.013 either way. The aliases field at
# weight 0 instead of 1 lifts set D (ungated recall@5 0.829 -> 0.852) and lowers set A (0.972 -> 0.963): the
# calibration questions, which ask mostly about citizens' procedures, keep it at 1.
FIELD_WEIGHTS = {
    "name": 3.0,
    "aliases": 1.0,
    "field": 1.0,
    "result": 1.0,
    "agency": 0.2,
    "documents": 0.6,
    "steps": 0.6,
}
DENSE_WEIGHT = 0.6
# The reranker reorders the first RERANK_DEPTH procedures of the fused ranking. Twenty rather than ten
# (6 December 2026, seeds 13-15, development sets): a citizen's story often puts the right procedure
# eleventh to twentieth in the fused order, and the reranker brings some of them up. Ranking recall@5 of
# the long-tail sets D and F 0.848 -> 0.857 and 0.816 -> 0.827, answered recall@5 0.784 -> 0.794 and
# 0.731 -> 0.740; sets A-C and set E's no-answer within 0.007 either way. Thirty (seeds 13-14): D's and F's
# ranking as with twenty, answered recall@5 of A and B 0.009 and 0.010 lower.
RERANK_DEPTH = 20
# A class, kind or reissue is held when one of the first five names offers it (knowledge/index/variants.py).
VARIANT_DEPTH = 5
# Reranker probabilities this close are a tie, which the question's words may break (see _general_first).
NEAR_TIE = 0.03
# How far behind the first a procedure whose name holds what a colloquial alias of a short question means may be
# and still go first (:meth:`KnowledgeIndex._alias_first`): "đăng ký xe lần đầu" is "Đăng ký, cấp biển số xe lần
# đầu …" (0.54) before the online-only registration of domestic vehicles (0.75). At 0.25 it moves the first
# procedure of 3 of the 4,446 development and calibration questions (served development index): 2 to a right one,
# 1 from a wrong one to another.
ALIAS_TIE = 0.25
ASKED_SHARE = 1 / 3
# A question of at most this many content words may be a procedure's name said whole (see _phrase_first),
# looked for among the reranker's first PHRASE_DEPTH.
NAME_LIKE_TERMS = 8
PHRASE_DEPTH = 5
# Hits scoring at least this share of the first's are near ties to choose between.
TIE_SHARE = 0.8
RESTORER_FILE = "restorer.json.gz"
INDEX_FORMAT = 2

# Qualifiers that distinguish near-identical procedures (for grouping near ties), matched on
# unaccented syllables: the level, the foreign element, the online channel of the same service, and the
# grade of a construction ("công trình cấp đặc biệt, cấp I, cấp II" / "cấp III, cấp IV … và nhà ở riêng
# lẻ"): "cấp giấy phép xây dựng" alone must ask which, not answer the grade a citizen's house never is;
# likewise whether a boat is already in use ("phương tiện đang / chưa khai thác"), which a citizen
# registering it "lần đầu" rarely says.
_LEVEL = r"cap (?:tinh|xa|huyen|trung uong|bo)"
_GRADE = r"cap (?:dac biet|iv|iii|ii|i)\b"
_QUALIFIERS = re.compile(
    rf"(?:thuc hien (?:tai|o) )?{_LEVEL}(?: {_LEVEL})*"
    r"|(?:thuc hien )?bang dich vu cong (?:truc tuyen )?(?:toan trinh|mot phan(?: hoac truc tiep)?)"
    rf"|(?:doi voi )?(?:cong trinh )?{_GRADE}(?: {_GRADE})*|va nha o rieng le"
    r"|(?:doi voi phuong tien )?(?:dang|chua) khai thac"
    r"|co yeu to nuoc ngoai|^thu tuc "
)


def plain_name(text: str) -> str:
    """``text``'s syllables without marks, lower case, space-padded: a phrase's form is in a name's form
    when the name says the phrase in whole words, whatever its punctuation."""
    return f" {' '.join(syllables(strip_diacritics(normalize(text)).lower()))} "


def meanings(query: Query) -> list[str]:
    """The official phrases of the aliases ``query`` matched, as :func:`plain_name` writes them."""
    return [plain_name(alias.official) for alias in query.aliases]


def does_unasked(name: str, asked: Asked) -> bool:
    """Whether procedure ``name`` does something, or is for someone, the question does not ask."""
    return unasked_actions(name, asked) or unasked_applicant(name, asked)


class DenseSearch(Protocol):
    """What the index asks of its dense half (a :class:`~knowledge.index.dense.DenseRetriever`)."""

    def search(self, query: str, k: int = 10) -> list[tuple[int, float]]: ...


class InScope(Protocol):
    """Reads a question alone: the probability that the base holds what it asks (:mod:`.scope`)."""

    def probability(self, text: str) -> float: ...


@dataclass
class Candidates:
    """The first procedures of the fused ranking and what the reranker reads about them."""

    docs: np.ndarray  # document indexes, in fused order
    fused: np.ndarray  # fused score per document (all of them)
    field_scores: dict[str, np.ndarray]  # unweighted BM25 per field, per document
    dense: dict[int, float]  # cosine of the documents the dense retriever returned
    query: Query


@dataclass
class Ranking:
    query: Query
    order: np.ndarray  # document indexes, best first
    fused: np.ndarray  # fused score per document
    features: dict[str, float]  # of the best document, for the confidence model
    any_match: bool
    candidates: Candidates | None = None  # for fitting the reranker


def base_name(name: str) -> str:
    """A procedure name without level and foreign-element qualifiers (for grouping near ties)."""
    plain = " ".join(syllables(strip_diacritics(normalize(name))))
    return " ".join(_QUALIFIERS.sub(" ", plain).split())


def _term_set(terms: Terms) -> set[tuple[str, str]]:
    return {(t, "accented") for t in terms.accented} | {(t, "unaccented") for t in terms.unaccented}


def procedure_fields(p: Procedure, aliases: AliasTable) -> dict[str, str]:
    """What of a procedure is searchable, per field.

    A record that holds another procedure's page (``page_of``) is searchable by
    its name only, so it does not steal that procedure's questions.
    """
    fields = {
        "name": p.name,
        "aliases": " ; ".join(aliases.colloquial_for_name(p.name)),
        "field": p.field or "",
        "result": p.result or "",
        "agency": p.agency or "",
        "documents": " ; ".join(d.name for d in p.documents),
        "steps": " ".join(p.steps),
    }
    if p.page_of:
        fields.update(result="", agency="", documents="", steps="")
    return fields


class KnowledgeIndex:
    """Lexical + dense retrieval over the procedures, a reranker, a confidence gate; immutable once built."""

    def __init__(
        self,
        lexical: FieldedBM25,
        docs: list[dict[str, str | None]],
        aliases: AliasTable,
        *,
        dense: DenseSearch | None = None,
        dense_weight: float = DENSE_WEIGHT,
        field_weights: Mapping[str, float] | None = None,
        confidence: ConfidenceModel | None = None,
        reranker: LogisticModel | None = None,
        restorer: NgramRestorer | None = None,
        meta: dict | None = None,
        gaps: GapTable | None = None,
        scope: InScope | None = None,
    ) -> None:
        self.lexical = lexical
        self.docs = docs  # code, name, level, key_text (name + aliases) per procedure
        self.aliases = aliases
        self.dense = dense
        self.dense_weight = dense_weight if dense is not None else 0.0
        self.field_weights = dict(field_weights or FIELD_WEIGHTS)
        self.confidence = confidence or ConfidenceModel.coverage_rule()
        self.reranker = reranker  # None: the fused order stands
        self.restorer = restorer
        self.meta = meta or {}
        self.gaps = gaps or GapTable.load()
        self.scope = scope  # None: the confidence model reads in_scope as 0
        self._base_names = [base_name(d["name"] or "") for d in docs]
        self._age_ranges = [age_range(d["name"] or "") for d in docs]
        self._name_syllables: dict[int, list[tuple[str, str]]] = {}  # (accented, unaccented), for _name_says
        self._doc_of = {d["code"]: i for i, d in enumerate(docs)}
        self.variants = Variants([d["name"] or "" for d in docs])
        self.coverage = CoverageScorer(
            lexical,
            [_term_set(analyze(d["key_text"] or "")) for d in docs],
            [[t for t, _ in content_terms(name) if "_" not in t] for name in self._base_names],
            [[f"{a}_{b}" for a, b in pairwise(name.split())] for name in self._base_names],
        )

    def replace(self, **changes: Any) -> KnowledgeIndex:
        """A new index with some parts replaced (``reranker``, ``confidence``, ``dense``, ``dense_weight``,
        ``field_weights``, ``aliases``, ``gaps``, ``scope``, ``meta``), sharing the rest; this one is left as it is."""
        unknown = set(changes) - {"reranker", "confidence", "dense", "dense_weight", "field_weights", "aliases",
                                  "gaps", "scope", "meta"}
        if unknown:
            raise TypeError(f"cannot replace {', '.join(sorted(unknown))}")
        new = copy.copy(self)
        for name, value in changes.items():
            setattr(new, name, dict(value) if name == "field_weights" else value)
        if "dense" in changes and new.dense is None:
            new.dense_weight = 0.0
        return new

    # -- building -----------------------------------------------------------------
    @classmethod
    def build(
        cls,
        procedures: Sequence[Procedure],
        aliases: AliasTable,
        *,
        encoder_path: Path | None = None,
        dense_weight: float = DENSE_WEIGHT,
        restorer: NgramRestorer | None = None,
    ) -> KnowledgeIndex:
        """Index ``procedures``; the reranker and the confidence model are fitted afterwards on the
        result (:mod:`training.kb_index`) and given to :meth:`replace`."""
        started = time.perf_counter()
        fields = [procedure_fields(p, aliases) for p in procedures]
        lexical = FieldedBM25(FIELD_WEIGHTS).fit(fields)
        docs = [
            {"code": p.code, "name": p.name, "level": p.level, "key_text": f"{f['name']} ; {f['aliases']}"}
            for p, f in zip(procedures, fields)
        ]
        dense = None
        if encoder_path is not None:
            from knowledge.index.dense import DenseRetriever, doc_text

            dense = DenseRetriever(encoder_path).fit([doc_text(p) for p in procedures])
        meta = {
            "format": INDEX_FORMAT,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "procedures": len(procedures),
            "encoder_path": str(encoder_path) if encoder_path else None,
            "build_seconds": round(time.perf_counter() - started, 3),
        }
        return cls(lexical, docs, aliases, dense=dense, dense_weight=dense_weight, restorer=restorer, meta=meta)

    # -- searching ----------------------------------------------------------------
    def parse(self, text: str) -> Query:
        """``text`` read as this index reads a question (restored with its restorer, matched against its aliases)."""
        return Query.parse(text, aliases=self.aliases, restorer=self.restorer)

    def search(self, text: str | Query, k: int = 5, *, gate: bool = True, channel: str | None = None) -> SearchResponse:
        """Ranked procedures for ``text``; no results when nothing matches confidently.

        Below the confidence threshold the best procedures may still come back
        as ``suggestions``, for the assistant to offer rather than answer (see
        :meth:`ConfidenceModel.decide`). ``gate=False`` returns the best guesses
        as results even when the confidence is low (``confident`` then says whether
        they passed). ``channel`` ("voice" for the hotline's transcripts) picks that
        channel's threshold when it has one. A question about a topic the base is known to
        lack (:mod:`knowledge.gaps`) is never confident. Raises :class:`InvalidQuery` for
        empty, binary or over-long input.
        """
        ranking = self.rank(text)
        query, order, fused = ranking.query, ranking.order[: max(k, 1) * 3], ranking.fused
        gap = self.gaps.find(query.text)
        missing = gap.topic if gap is not None else None
        if not ranking.any_match:
            return SearchResponse(query=query.text, results=[], confident=False, confidence=0.0, notes=query.notes,
                                  reason="no procedure matches the question", missing=missing)
        confidence = self.confidence.probability(ranking.features)
        decision = self.confidence.decide(confidence, channel) if gap is None else "none"
        # A variant the first name rules out ("hạng I" for "… hạng II") is offered, never answered.
        first_names = [self.docs[int(doc)]["name"] or "" for doc in order[:VARIANT_DEPTH]]
        variant = self.variants.unheld(query.text, first_names)
        if variant is not None and decision == "answer":
            decision = "suggest"
        if gate and decision != "answer":
            suggestions = self._grouped_hits(order, fused)[:k] if decision == "suggest" else []
            reason = (f"the knowledge base holds no procedure for {missing}" if missing
                      else f"the first procedure's name rules out the {variant} asked for" if variant
                      else "no procedure matches the question well enough")
            return SearchResponse(query=query.text, results=[], confident=False, confidence=confidence,
                                  notes=query.notes, reason=reason, features=ranking.features,
                                  suggestions=suggestions, missing=missing, unheld_variant=variant)
        hits = self._as_family(self._grouped_hits(order, fused)[:k], query)
        return SearchResponse(query=query.text, results=hits, confident=decision == "answer", confidence=confidence,
                              notes=self._notes_for(query, hits[0]) if hits else query.notes,
                              features=ranking.features, missing=missing, unheld_variant=variant)

    @staticmethod
    def _notes_for(query: Query, first: Hit) -> list[str]:
        """The matched aliases' notes about the first procedure: an alias's note is told when its name holds the
        alias's official phrase ("Đăng ký trong 60 ngày kể từ ngày sinh" is for "Thủ tục đăng ký khai sinh",
        not for "Đăng ký lại khai sinh" of a man of 72; user tests, 6 December 2026)."""
        name = plain_name(first.name)
        return [a.note for a in query.aliases if a.note and plain_name(a.official) in name]

    def rank(self, text: str | Query) -> Ranking:
        """Every procedure scored for ``text``, with the features the confidence model reads."""
        query = text if isinstance(text, Query) else self.parse(text)
        field_scores = self.lexical.field_scores(query.terms) if query.terms.unaccented else {}
        lexical = self.lexical.combine(field_scores, self.field_weights)
        dense = dict(self.dense.search(query.normalized, k=50)) if self.dense is not None else {}
        fused = self._fuse(lexical, dense)
        order = np.argsort(-fused, kind="stable")
        if not len(order) or fused[order[0]] <= 0:
            return Ranking(query, order, fused, {}, any_match=False)
        content = query.content
        candidates = Candidates(order[:RERANK_DEPTH], fused, field_scores, dense, query)
        head = self.candidate_features(candidates) if self.reranker is not None else None
        probabilities = np.array(self.reranker.probabilities(head)) if head is not None else None
        reranked = (np.argsort(-probabilities, kind="stable") if probabilities is not None
                    else np.arange(len(candidates.docs)))
        if probabilities is not None and len(reranked) > 1:
            reranked = self._general_first(reranked, candidates.docs, probabilities, query)
            reranked = self._alias_first(reranked, candidates.docs, probabilities, query)
            reranked = self._phrase_first(reranked, candidates.docs, query)
        if query.ages:
            # Age-limited procedures the stated age rules out go last ("15 tuổi" is not "dưới 14 tuổi"):
            # too few calibration questions state an age for the reranker to learn this.
            ruled_out = [excludes(self._age_ranges[int(doc)], list(query.ages)) for doc in candidates.docs]
            reranked = np.array(sorted(reranked, key=lambda i: ruled_out[int(i)]))
        negation = Negation.read(query.text)
        if negation:
            # Likewise the procedures named for what the question rules out ("chớ không phải giấy tận thu").
            ruled_out = [negation.rules_out(self.docs[int(doc)]["name"] or "") for doc in candidates.docs]
            reranked = np.array(sorted(reranked, key=lambda i: ruled_out[int(i)]))
        order = np.concatenate([candidates.docs[reranked], order[RERANK_DEPTH:]])
        top_features = head[int(reranked[0])] if head is not None else None  # the reranker's, of the new first
        top = int(order[0])
        second = float(fused[order[1]]) if len(order) > 1 else 0.0
        coverage = ({name: top_features[name] for name in COVERAGE_FEATURES} if top_features is not None
                    else self.coverage.features(content, top, query.syllables, query.places))
        features = {
            **coverage,
            # Per content term, not per query term: fillers of a phone transcript
            # ("dạ ờ thì là") must not make a good match look weak.
            "lexical_per_term": float(lexical[top]) / max(len(content), 1),
            "margin": (float(fused[top]) - second) / float(fused[top]),
            "dense_cosine": dense.get(top, 0.0),
            "content_terms": float(np.log1p(len(content))),
            "alias_matched": float(bool(query.aliases)),
            # The first does what the question never asked for ("Ủy quyền lĩnh thay… trợ cấp thất nghiệp"
            # for "xin trợ cấp thất nghiệp"): often the procedure asked for is not in the knowledge base.
            "top_unasked": (float(bool(top_features["unasked_actions"] or top_features["unasked_applicant"]))
                            if top_features is not None else self._unasked(top, query)),
            "in_scope": self.scope.probability(query.text) if self.scope is not None else 0.0,
        }
        return Ranking(query, order, fused, features, any_match=True, candidates=candidates)

    def _general_first(self, reranked: np.ndarray, docs: np.ndarray, probabilities: np.ndarray,
                       query: Query) -> np.ndarray:
        """The general procedure first when the reranker all but ties it with a special case the question does
        not ask for: "làm giấy khai sinh cho con" is "Thủ tục đăng ký khai sinh", not "… cho người đã có hồ
        sơ, giấy tờ cá nhân" (0.62 against 0.61, an order that flipped with the dense encoder's retraining).
        The special case's name holds every syllable of the general one's, and the question asks at most a third
        of its own ("cho" and "giấy" of "cho người đã có hồ sơ, giấy tờ cá nhân" are everyday words)."""
        first, second = int(reranked[0]), int(reranked[1])
        if probabilities[first] - probabilities[second] > NEAR_TIE:
            return reranked
        special = set(syllables(strip_diacritics(self.docs[int(docs[first])]["name"].lower())))
        general = set(syllables(strip_diacritics(self.docs[int(docs[second])]["name"].lower())))
        extra = special - general
        if general < special and len(extra & set(query.terms.unaccented)) <= len(extra) * ASKED_SHARE:
            return np.concatenate([[second, first], reranked[2:]])
        return reranked

    def _alias_first(self, reranked: np.ndarray, docs: np.ndarray, probabilities: np.ndarray,
                     query: Query) -> np.ndarray:
        """For a question no longer than a name, of the procedures the reranker all but ties with the first, the
        first whose name holds the official phrase of every alias the question matched, when the first's does
        not: "đăng ký xe máy" means "cấp biển số xe lần đầu" (the alias table says so), so "Đăng ký, cấp biển
        số xe lần đầu …" (0.570) goes before "Đăng ký xe lần đầu trực tuyến toàn trình đối với xe nhập khẩu …"
        (0.576). For every question it moved 12 calibration questions' right first procedure away and 3 to
        the front; for short ones, none of the 4,446 development and calibration questions."""
        if not self._name_like(query):
            return reranked  # in a story an alias may name its circumstances ("bán xe", "vợ người Pháp")
        officials = meanings(query)
        first = reranked[0]
        if not officials or self._holds(int(docs[int(first)]), officials):
            return reranked
        # Said in the citizen's own words ("đăng ký xe", "mất hộ chiếu"), an alias tells what the reranker, which
        # reads the words, cannot: its meaning outweighs a wider lead. Said in the official words themselves
        # ("cấp giấy chứng nhận quyền sử dụng đất"), it tells nothing the words do not.
        said = plain_name(query.normalized)
        tie = ALIAS_TIE if not any(official in said for official in officials) else NEAR_TIE
        for position, candidate in enumerate(reranked[1:], start=1):
            if probabilities[first] - probabilities[candidate] > tie:
                break
            if self._holds(int(docs[int(candidate)]), officials):
                return np.concatenate([[candidate], np.delete(reranked, position)])
        return reranked

    def _holds(self, doc: int, officials: list[str]) -> bool:
        """Whether procedure ``doc``'s name holds every one of ``officials`` (as :func:`meanings` gives them)."""
        name = plain_name(self.docs[doc]["name"] or "")
        return all(official in name for official in officials)

    @staticmethod
    def _name_like(query: Query) -> list[Term]:
        """The content words of a question no longer than a name, in order; [] for a longer one (a story)."""
        words = [(term, form) for term, form in query.content if "_" not in term]
        return words if 2 <= len(words) <= NAME_LIKE_TERMS else []

    def _name_says(self, doc: int, words: list[Term]) -> bool:
        """Whether procedure ``doc``'s name holds ``words`` in a row, each compared as typed (accented where
        the question has marks, without them where it has none)."""
        if doc not in self._name_syllables:
            terms = analyze(self.docs[doc]["name"] or "")
            n = (len(terms.accented) + 1) // 2  # the syllables come first, then their pairs
            self._name_syllables[doc] = list(zip(terms.accented[:n], terms.unaccented[:n]))
        name = self._name_syllables[doc]
        return any(all(term == name[start + i][form == "unaccented"] for i, (term, form) in enumerate(words))
                   for start in range(len(name) - len(words) + 1))

    def _phrase_first(self, reranked: np.ndarray, docs: np.ndarray, query: Query) -> np.ndarray:
        """For a question no longer than a name, the first of the best few whose name says all of it word for
        word, in a row, when the reranker's first does not: "chuyển mục đích sử dụng đất" is "Giao đất, cho
        thuê đất, chuyển mục đích sử dụng đất …", not "Chuyển mục đích sử dụng rừng …", which the reranker,
        taught mostly on stories, puts first for its short name; "chứng thực bản sao" is "Chứng thực bản sao
        từ bản chính …", not "Cấp bản sao có chứng thực …". Not one doing what the question does not ask
        ("Điều chỉnh quyết định … cho phép chuyển mục đích sử dụng đất")."""
        words = self._name_like(query)
        if not words:
            return reranked
        # Cues read without the facet's words: "mất" of "mất bao lâu" asks no replacement of a lost paper.
        asked = Asked(query.normalized, query.normalized)
        # Words an alias gives a meaning mean that: "nhập khẩu cho con" is "đăng ký thường trú", whatever
        # import procedure says "nhập khẩu".
        officials = meanings(query)

        def says_it(candidate: int) -> bool:
            doc = int(docs[int(candidate)])
            name = self.docs[doc]["name"] or ""
            return self._name_says(doc, words) and self._holds(doc, officials) and not does_unasked(name, asked)

        if says_it(reranked[0]):
            return reranked
        for position, candidate in enumerate(reranked[1:PHRASE_DEPTH], start=1):
            if says_it(candidate):
                return np.concatenate([[candidate], np.delete(reranked, position)])
        return reranked

    def _as_family(self, hits: list[Hit], query: Query) -> list[Hit]:
        """A short question naming a family of procedures and none of its members ("đăng ký thành lập công
        ty": hợp danh, cổ phần, TNHH một thành viên, hai thành viên) is a choice between them, not the member
        ranked first (the reranker's 0.674 against 0.672 for a partnership over a joint-stock company). The
        family: the first hits, in a row, whose names say the question whole, in a row, and do nothing it does
        not ask ("Cấp lại …", "Khôi phục …" are other matters than "làm hộ chiếu"), when the first says more
        than the question beyond level and channel (so "đăng ký khai sinh" still answers "Thủ tục đăng ký khai
        sinh"). Members get one group id, as near ties of one name do (:meth:`_grouped_hits`). Not for words an
        alias gives another meaning (:meth:`_alias_first` reads those): "đăng ký xe lần đầu", said by the two
        online-only first registrations, is the general one too, which says it otherwise."""
        words = self._name_like(query)
        said = plain_name(query.normalized)
        if (not words or not hits or hits[0].group is not None
                or any(official not in said for official in meanings(query))):
            return hits
        asked = Asked(query.normalized, query.normalized)
        size = 0
        for hit in hits:
            if (hit.group is not None or hit.score < TIE_SHARE * hits[0].score
                    or not self._name_says(self._doc_of[hit.code], words)
                    or does_unasked(hit.name, asked)):
                break
            size += 1
        extra = set(syllables(self._base_names[self._doc_of[hits[0].code]])) - set(query.terms.unaccented)
        if size < 2 or not extra:
            return hits
        group = 1 + max((h.group for h in hits if h.group is not None), default=-1)
        return [h.model_copy(update={"group": group}) for h in hits[:size]] + hits[size:]

    def _unasked(self, doc: int, query: Query) -> float:
        name, asked = self.docs[doc]["name"], Asked(query.text, query.normalized)
        return float(does_unasked(name, asked))

    def candidate_features(self, candidates: Candidates) -> list[dict[str, float]]:
        """What the reranker reads of each of the first :data:`RERANK_DEPTH` procedures, in fused order.

        Each evidence (dense cosine, BM25 per field, coverage) comes twice: as it
        is, and as the gap to the best of the candidates (``<name>_gap``). A linear model
        cannot compare candidates with each other; the gaps let it: a name BM25 of
        8 is strong for one question and the weakest of ten for another. Measured
        on the calibration questions (5-fold, a question's candidates kept
        together): recall@1 0.755 -> 0.789, MRR 0.848 -> 0.870.
        """
        best = float(candidates.fused[candidates.docs[0]]) or 1.0
        query = candidates.query
        docs = [int(doc) for doc in candidates.docs]
        coverage = self.coverage.features_many(query.content, docs, query.syllables, query.places)
        evidence = [
            {
                "dense_cosine": candidates.dense.get(doc, 0.0),
                **{f"bm25_{name}": float(scores[doc]) for name, scores in candidates.field_scores.items()},
                **doc_coverage,
            }
            for doc, doc_coverage in zip(docs, coverage)
        ]
        strongest = {name: max(row[name] for row in evidence) for name in evidence[0]} if evidence else {}
        asked = Asked(query.text, query.normalized)  # a cue as typed or with its marks restored counts
        return [
            {
                "fused_rank": float(rank),
                "fused": float(candidates.fused[doc]) / best,
                **row,
                **{f"{name}_gap": strongest[name] - value for name, value in row.items()},
                "unasked_actions": float(unasked_actions(self.docs[int(doc)]["name"], asked)),
                "asked_actions": float(asked_actions(self.docs[int(doc)]["name"], asked)),
                "unasked_applicant": float(unasked_applicant(self.docs[int(doc)]["name"], asked)),
            }
            for rank, (doc, row) in enumerate(zip(candidates.docs, evidence))
        ]

    def _fuse(self, lexical: np.ndarray, dense: dict[int, float]) -> np.ndarray:
        top = float(lexical.max()) if lexical.size else 0.0
        fused = lexical / top if top > 0 else lexical.copy()
        if dense and self.dense_weight > 0:
            fused = (1 - self.dense_weight) * fused
            for idx, cosine in dense.items():
                fused[idx] += self.dense_weight * max(cosine, 0.0)
        return fused

    def _grouped_hits(self, order: np.ndarray, fused: np.ndarray) -> list[Hit]:
        """Hits in rank order, near ties (same base name, score within 80%) pulled together."""
        ranked = [int(i) for i in order]
        placed: set[int] = set()
        hits: list[Hit] = []
        next_group = 0
        for idx in ranked:
            if idx in placed:
                continue
            key = self._base_names[idx]
            ties = [m for m in ranked
                    if m not in placed and self._base_names[m] == key and fused[m] >= TIE_SHARE * fused[idx]]
            group = next_group if len(ties) > 1 else None
            next_group += group is not None
            for member in ties:
                placed.add(member)
                doc = self.docs[member]
                hits.append(Hit(code=doc["code"], name=doc["name"], score=round(float(fused[member]), 4),
                                level=doc.get("level"), group=group))
        return hits

    # -- persistence --------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.lexical.save(directory / "lexical")
        if self.dense is not None:
            self.dense.save(directory / "dense")  # type: ignore[attr-defined]
        if self.restorer is not None:
            self.restorer.save(directory / RESTORER_FILE)
        if isinstance(self.scope, ScopeModel):
            self.scope.save(directory)
        payload = {
            "meta": self.meta,
            "dense_weight": self.dense_weight,
            "field_weights": self.field_weights,
            "confidence": self.confidence.to_json(),
            "reranker": self.reranker.to_json() if self.reranker is not None else None,
            "docs": self.docs,
        }
        (directory / "index.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, aliases: AliasTable | None = None) -> KnowledgeIndex:
        payload = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        if payload["meta"].get("format") != INDEX_FORMAT:
            raise ValueError(f"{directory} holds an index of another format; rebuild it with `hueai kb reindex`")
        dense = None
        encoder = payload["meta"].get("encoder_path")
        if encoder and (directory / "dense").is_dir():
            from knowledge.index.dense import DenseRetriever

            dense = DenseRetriever.load(directory / "dense", Path(encoder))
        return cls(
            FieldedBM25.load(directory / "lexical"),
            payload["docs"],
            aliases or AliasTable.load(),
            dense=dense,
            dense_weight=payload["dense_weight"],
            field_weights=payload["field_weights"],
            confidence=ConfidenceModel.from_json(payload["confidence"]),
            reranker=LogisticModel.from_json(payload["reranker"]) if payload.get("reranker") else None,
            restorer=NgramRestorer.load(directory / RESTORER_FILE) if (directory / RESTORER_FILE).is_file() else None,
            meta=payload["meta"],
            scope=ScopeModel.load(directory) if (directory / SCOPE_FILE).is_file() else None,
        )
