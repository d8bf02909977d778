"""Peer check on data nobody here wrote: ALQAC legal article retrieval (620 questions).

    python -m bench.alqac

Indexes the law articles of ALQAC 2023 (16 laws) and ALQAC 2022 (4 laws) and
ranks them for each question of the 2023 train set (100) and the 2022 set
(520), with the project's lexical retriever (Vietnamese normalisation,
abbreviation expansion, accented + unaccented syllables and syllable pairs,
article title weighted over body) next to a plain bm25s baseline (its default
tokenizer, no Vietnamese processing), in the same run. Reports recall@k, MRR
and F2 of the top-1 and top-3 sets (F2 as in ALQAC's task 1).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np
from rich.console import Console
from rich.table import Table

from bench import SHARED, write_result
from training.ranking_metrics import f2, first_relevant_rank, mrr, recall_at
from knowledge.index.analysis import analyze
from knowledge.index.lexical import FieldedBM25

ALQAC = SHARED / "datasets" / "alqac2023"
SETS = {
    "alqac2023-train": (ALQAC / "law.json", ALQAC / "train.json"),
    "alqac2022": (ALQAC / "additional_data/ALQAC_2022_training_data/law.json",
                  ALQAC / "additional_data/ALQAC_2022_training_data/question.json"),
}


def load_set(law_path: Path, question_path: Path) -> tuple[list[str], list[dict[str, str]], list[dict]]:
    ids, articles = [], []
    for law in json.loads(law_path.read_text(encoding="utf-8")):
        for article in law["articles"]:
            ids.append(f"{law['id']}/{article['id']}")
            title, _, body = article["text"].partition("\n")
            articles.append({"title": title, "text": body})
    questions = json.loads(question_path.read_text(encoding="utf-8"))
    for q in questions:
        q["gold"] = {f"{a['law_id']}/{a['article_id']}" for a in q["relevant_articles"]}
    return ids, articles, questions


def ours(articles: list[dict[str, str]]) -> Callable[[str], np.ndarray]:
    """The knowledge index's lexical half (accented + unaccented syllables and pairs, BM25 per field)."""
    weights = {"title": 1.0, "text": 1.0}
    index = FieldedBM25(weights).fit(articles)

    def scores(question: str) -> np.ndarray:
        terms = analyze(question)
        if not terms.unaccented:
            return np.zeros(index.n_docs, dtype=np.float32)
        return index.combine(index.field_scores(terms), weights)

    return scores


def plain_bm25s(articles: list[dict[str, str]]) -> Callable[[str], np.ndarray]:
    corpus = [f"{a['title']}\n{a['text']}" for a in articles]
    index = bm25s.BM25()
    index.index(bm25s.tokenize(corpus, stopwords=None, show_progress=False), show_progress=False)
    vocab = index.vocab_dict

    def scores(question: str) -> np.ndarray:
        tokens = bm25s.tokenize([question], stopwords=None, show_progress=False, return_ids=False)[0]
        return index.get_scores([t for t in tokens if t in vocab])

    return scores


def evaluate(scorer: Callable[[str], np.ndarray], ids: list[str], questions: list[dict]) -> dict:
    ranks, f2_1, f2_3, timings = [], [], [], []
    for q in questions:
        started = time.perf_counter()
        scores = scorer(q["text"])
        timings.append(time.perf_counter() - started)
        top = [ids[i] for i in np.argsort(-scores, kind="stable")[:50]]
        ranks.append(first_relevant_rank(top, q["gold"]))
        f2_1.append(f2(top[:1], q["gold"]))
        f2_3.append(f2(top[:3], q["gold"]))
    return {
        "questions": len(questions),
        "recall@1": round(recall_at(ranks, 1), 4), "recall@5": round(recall_at(ranks, 5), 4),
        "recall@10": round(recall_at(ranks, 10), 4), "mrr": round(mrr(ranks), 4),
        "f2@1": round(float(np.mean(f2_1)), 4), "f2@3": round(float(np.mean(f2_3)), 4),
        "ms_per_question": round(1000 * float(np.mean(timings)), 2),
    }


def main() -> None:
    console = Console(width=140)
    results: dict[str, dict[str, dict]] = {}
    for set_name, (law_path, question_path) in SETS.items():
        ids, articles, questions = load_set(law_path, question_path)
        for system, build in (("hueai lexical", ours), ("plain bm25s", plain_bm25s)):
            started = time.perf_counter()
            scorer = build(articles)
            build_seconds = time.perf_counter() - started
            results.setdefault(system, {})[set_name] = {"articles": len(ids), "build_seconds": round(build_seconds, 2),
                                                         **evaluate(scorer, ids, questions)}
    for system, per_set in results.items():
        n = sum(r["questions"] for r in per_set.values())
        per_set["all"] = {key: round(sum(r[key] * r["questions"] for r in per_set.values()) / n, 4)
                          for key in ("recall@1", "recall@5", "recall@10", "mrr", "f2@1", "f2@3")}
        per_set["all"]["questions"] = n
    table = Table(title="ALQAC legal article retrieval (620 questions)")
    for col in ("system", "set", "n", "R@1", "R@5", "R@10", "MRR", "F2@1", "F2@3"):
        table.add_column(col)
    for system, per_set in results.items():
        for set_name, r in per_set.items():
            table.add_row(system, set_name, str(r["questions"]), *(f"{r[k]:.3f}" for k in
                          ("recall@1", "recall@5", "recall@10", "mrr", "f2@1", "f2@3")))
    console.print(table)
    console.print(f"wrote {write_result('alqac', {'results': results})}")


if __name__ == "__main__":
    main()
