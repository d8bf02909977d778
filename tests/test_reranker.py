"""The reranker: fitted on labelled questions, reorders only the head of the fused ranking, saved with the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.index.hybrid import RERANK_DEPTH, KnowledgeIndex
from training.kb_reranker import fit_reranker


@pytest.fixture(scope="module")
def reranked(kb_index: KnowledgeIndex, kb_labelled_questions: list[dict]) -> KnowledgeIndex:
    return kb_index.replace(reranker=fit_reranker(kb_index, kb_labelled_questions))


def test_fitted_on_answerable_questions_with_cross_validated_effect(reranked: KnowledgeIndex,
                                                                    kb_labelled_questions: list[dict]) -> None:
    fitted = reranked.reranker.fitted_on
    answerable = sum(bool(q["expected"]) for q in kb_labelled_questions)
    assert fitted["questions"] == answerable
    assert fitted["candidates"] == answerable * RERANK_DEPTH
    assert 0 <= fitted["cv"]["mrr_reranked"] <= 1 and 0 <= fitted["cv"]["mrr_fused"] <= 1
    assert {"fused", "dense_cosine", "bm25_name", "coverage", "name_coverage", "unasked_actions",
                                                                                         "unasked_applicant"} <= set(
        reranked.reranker.weights)


def test_only_the_head_is_reordered(kb_index: KnowledgeIndex, reranked: KnowledgeIndex) -> None:
    text = "cấp lại giấy phép lái xe bị mất"
    fused, again = kb_index.rank(text).order, reranked.rank(text).order
    assert set(again[:RERANK_DEPTH]) == set(fused[:RERANK_DEPTH])
    assert list(again[RERANK_DEPTH:]) == list(fused[RERANK_DEPTH:])


def test_fitting_leaves_the_index_reranker_alone(reranked: KnowledgeIndex, kb_labelled_questions: list[dict]) -> None:
    kept = reranked.reranker
    fit_reranker(reranked, kb_labelled_questions)
    assert reranked.reranker is kept


def test_saved_and_loaded_with_the_index(reranked: KnowledgeIndex, tmp_path: Path) -> None:
    reranked.save(tmp_path)
    loaded = KnowledgeIndex.load(tmp_path, reranked.aliases)
    assert loaded.reranker == reranked.reranker
    text = "đăng ký khai sinh cho con"
    assert [h.code for h in loaded.search(text, gate=False).results] == [h.code for h in reranked.search(text, gate=False).results]


def test_needs_right_and_wrong_candidates(kb_index: KnowledgeIndex) -> None:
    with pytest.raises(ValueError, match="right and wrong"):
        fit_reranker(kb_index, [{"text": "giá vàng hôm nay", "expected": []}])
