"""Knowledge-base retrieval: accuracy on the project's question set, each part's contribution, speed, memory.

    python -m bench.retrieval [--source PATH] [--no-dense] [--seed N] [--out NAME]

Imports the TTHC records into a temporary SQLite database, builds the index in
several configurations (lexical, dense, hybrid; with and without colloquial
aliases; the served hybrid with its reranker), asks every question of two sets and reports recall@1, recall@5 and
MRR (overall and per writing style) and the rate of correct "no answer" on
questions about procedures that are not in the base:

* ``bench/data/kb_questions.jsonl``, written while the retriever was built
  (its failures were read during development, see the README);
* ``bench/data/kb_questions_blind.jsonl``, written by a separate writer who saw
  neither the retriever, its data (aliases, calibration questions) nor the
  other set, and never tuned on: the honest estimate.

Then times index build and search (p50/p95 after warm-up) and reads the
process's resident memory.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.stats import bootstrap

from bench import REPO, SHARED, percentiles_ms, write_result
from training.ranking_metrics import first_relevant_rank, mrr, recall_at
from core.storage import Database
from hueai.db import upgrade
from knowledge.aliases import AliasTable
from knowledge.importer import import_records
from knowledge.index.confidence import CHANNEL_STYLES
from knowledge.index.hybrid import KnowledgeIndex
from knowledge.store import load_procedures
from training.kb_confidence import CALIBRATION, load_calibration
from training.kb_index import assemble, train_components
from training.progress import Stages

QUESTIONS = REPO / "bench" / "data" / "kb_questions.jsonl"
BLIND_QUESTIONS = REPO / "bench" / "data" / "kb_questions_blind.jsonl"
THRESHOLD_SWEEP = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SPOKEN_CHANNEL = next(channel for channel, style in CHANNEL_STYLES.items() if style == "spoken")
# Targets of issue 2, shown next to the served configuration's 95% intervals.
TARGETS = {"rank R@1": 0.70, "rank R@5": 0.90, "e2e R@5": 0.90, "correct no-answer": 0.80}
UNANSWERABLE_METRICS = ("correct no-answer", "unanswerable offered")


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(index: KnowledgeIndex, questions: list[dict], k: int = 5) -> dict:
    """Accuracy of ``index`` on ``questions``: with its confidence gate, without it, and over a threshold sweep.

    A spoken question is asked as the hotline would ask it, on the "voice" channel
    (its own threshold when the confidence model has one); the sweep applies one
    threshold to all.
    """
    per_style: dict[str, list[int | None]] = defaultdict(list)
    per_style_ungated: dict[str, list[int | None]] = defaultdict(list)
    gated: list[int | None] = []
    ungated: list[int | None] = []
    offered: list[int | None] = []  # answered, or offered as suggestions
    unanswerable_offered: list[bool] = []
    unanswerable_declined: list[bool] = []
    answerable_declined: list[bool] = []
    scored = []  # (question, rank without the gate, confidence)
    for q in questions:
        channel = SPOKEN_CHANNEL if q["style"] == "spoken" else None
        response = index.search(q["text"], k=k, gate=False, channel=channel)
        rank = first_relevant_rank([h.code for h in response.results], q["expected"]) if q["expected"] else None
        scored.append((q, rank, response.confidence))
        decision = index.confidence.decide(response.confidence, channel)
        if not q["expected"]:
            unanswerable_offered.append(decision == "suggest")
            unanswerable_declined.append(decision != "answer")
        if q["expected"]:
            ungated.append(rank)
            answerable_declined.append(decision != "answer")
            gated.append(rank if decision == "answer" else None)
            offered.append(rank if decision != "none" else None)
            per_style[q["style"]].append(rank if decision == "answer" else None)
            per_style_ungated[q["style"]].append(rank)
    unanswerable = [c for q, _, c in scored if not q["expected"]]
    answerable = [(r, c) for q, r, c in scored if q["expected"]]
    threshold = index.confidence.threshold

    def at(t: float) -> dict:
        return {"threshold": t,
                "recall@5": round(recall_at([r if c >= t else None for r, c in answerable], 5), 4),
                "correct_no_answer": round(sum(c < t for c in unanswerable) / max(len(unanswerable), 1), 4)}

    hits = {
        "rank R@1": [r is not None and r <= 1 for r in ungated],
        "rank R@5": [r is not None and r <= 5 for r in ungated],
        "e2e R@5": [r is not None and r <= 5 for r in gated],
        "correct no-answer": unanswerable_declined,
        "R@5 answered or offered": [r is not None and r <= 5 for r in offered],
        "unanswerable offered": unanswerable_offered,
    }
    return {
        "answerable": len(gated),
        "intervals": {name: interval(values) for name, values in hits.items()},
        "recall@1": round(recall_at(gated, 1), 4),
        "recall@5": round(recall_at(gated, 5), 4),
        "mrr": round(mrr(gated), 4),
        "false_no_answer": round(sum(answerable_declined) / max(len(answerable_declined), 1), 4),
        "unanswerable": len(unanswerable),
        "correct_no_answer": round(sum(unanswerable_declined) / max(len(unanswerable_declined), 1), 4),
        "ungated": {"recall@1": round(recall_at(ungated, 1), 4), "recall@5": round(recall_at(ungated, 5), 4),
                    "mrr": round(mrr(ungated), 4)},
        "per_style": _by_style(per_style),
        "per_style_ungated": _by_style(per_style_ungated),
        "threshold": threshold,
        "channel_thresholds": index.confidence.channel_thresholds,
        "suggest_threshold": index.confidence.suggest_threshold,
        "threshold_sweep": [at(t) for t in THRESHOLD_SWEEP],
    }


def interval(outcomes: list[bool], confidence: float = 0.95) -> dict[str, float]:
    """A share of ``outcomes`` with its bootstrap percentile interval: with 33 to 324 questions
    behind a number, a difference of a few points can be chance."""
    values = np.asarray(outcomes, dtype=float)
    if not len(values):
        return {"value": 0.0, "low": 0.0, "high": 1.0}
    if values.min() == values.max():  # every resample is the same: no spread to estimate
        return {"value": float(values[0]), "low": float(values[0]), "high": float(values[0])}
    result = bootstrap((values,), np.mean, confidence_level=confidence, method="percentile", n_resamples=2000,
                       random_state=0)
    return {"value": round(float(values.mean()), 4), "low": round(float(result.confidence_interval.low), 4),
            "high": round(float(result.confidence_interval.high), 4)}


def _by_style(ranks: dict[str, list[int | None]]) -> dict[str, dict]:
    return {style: {"n": len(r), "recall@1": round(recall_at(r, 1), 4), "recall@5": round(recall_at(r, 5), 4),
                    "mrr": round(mrr(r), 4)} for style, r in sorted(ranks.items())}


def latency(index: KnowledgeIndex, questions: list[dict], rounds: int = 3) -> dict:
    texts = [q["text"] for q in questions]
    for text in texts[:20]:  # warm-up
        index.search(text)
    timings = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            index.search(text)
            timings.append(time.perf_counter() - started)
    return {"searches": len(timings), **percentiles_ms(timings)}


def serving_memory(index_dir: Path) -> dict:
    """Resident memory of a fresh process that loads the index and answers a question, as `hueai serve` does."""
    code = (
        "from pathlib import Path; from bench import rss_mb; before = rss_mb(); "
        "from knowledge.index.hybrid import KnowledgeIndex; "
        f"index = KnowledgeIndex.load(Path({str(index_dir)!r})); index.search('đăng ký khai sinh'); "
        "print(before, rss_mb())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    before, after = map(float, out.stdout.split()[-2:])
    return {"rss_mb_interpreter": before, "rss_mb_serving_index": after}


def print_tables(console: Console, configs: dict[str, dict], served: str, questions: list[dict], key: str,
                 label: str) -> None:
    """Accuracy of every configuration on one question set, then per style and the threshold sweep of ``served``."""
    table = Table(title=f"KB retrieval, {label}: {len(questions)} questions "
                        f"({sum(bool(q['expected']) for q in questions)} answerable). Ranking = every answerable "
                        "question ranked; end-to-end = 'no answer' below the confidence threshold counts as a miss")
    for col in ("config", "rank R@1", "rank R@5", "rank MRR", "e2e R@1", "e2e R@5", "no-answer ok",
                "false no-answer", "p50 ms", "p95 ms"):
        table.add_column(col)
    for name, config in configs.items():
        a, lat = config[key], config["latency"]
        u = a["ungated"]
        table.add_row(name, f"{u['recall@1']:.3f}", f"{u['recall@5']:.3f}", f"{u['mrr']:.3f}",
                      f"{a['recall@1']:.3f}", f"{a['recall@5']:.3f}", f"{a['correct_no_answer']:.3f}",
                      f"{a['false_no_answer']:.3f}", f"{lat['p50_ms']:.2f}", f"{lat['p95_ms']:.2f}")
    console.print(table)
    styles = Table(title=f"per style ({served}, {label})")
    for col in ("style", "n", "rank R@1", "rank R@5", "e2e R@1", "e2e R@5"):
        styles.add_column(col)
    accuracy = configs[served][key]
    for style, s in accuracy["per_style"].items():
        u = accuracy["per_style_ungated"][style]
        styles.add_row(style, str(s["n"]), f"{u['recall@1']:.3f}", f"{u['recall@5']:.3f}", f"{s['recall@1']:.3f}",
                       f"{s['recall@5']:.3f}")
    console.print(styles)
    intervals = Table(title=f"{served}, {label}: 95% bootstrap intervals against the targets; 'offered' = "
                            f"suggested for the user to confirm (confidence {accuracy['suggest_threshold']} to "
                            f"{accuracy['threshold']})")
    for col in ("metric", "n", "value", "95% interval", "target"):
        intervals.add_column(col)
    for metric, i in accuracy["intervals"].items():
        n = accuracy["unanswerable"] if metric in UNANSWERABLE_METRICS else accuracy["answerable"]
        target = f"{TARGETS[metric]:.2f}" if metric in TARGETS else "-"
        intervals.add_row(metric, str(n), f"{i['value']:.3f}", f"{i['low']:.3f}-{i['high']:.3f}", target)
    console.print(intervals)
    sweep = Table(title=f"confidence threshold sweep, one threshold for every question ({served}, {label}; fitted "
                        f"threshold {accuracy['threshold']}, voice {accuracy['channel_thresholds'].get('voice', '-')})")
    for col in ("threshold", "e2e R@5", "correct no-answer"):
        sweep.add_column(col)
    for row in accuracy["threshold_sweep"]:
        sweep.add_row(f"{row['threshold']:.2f}", f"{row['recall@5']:.3f}", f"{row['correct_no_answer']:.3f}")
    console.print(sweep)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SHARED / "datasets" / "tthc-dvcqg" / "raw")
    parser.add_argument("--no-dense", action="store_true", help="skip training the dense encoder")
    parser.add_argument("--seed", type=int, default=13, help="the dense encoders' seed (set-up uses 13)")
    parser.add_argument("--out", default="retrieval", help="results file name under bench/results/")
    args = parser.parse_args()
    console = Console(width=140)
    question_sets = {"main": load_questions(QUESTIONS), "blind": load_questions(BLIND_QUESTIONS)}
    questions = question_sets["main"]

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'kb.sqlite3'}")
        upgrade(db)
        started = time.perf_counter()
        report = import_records(db, args.source)
        import_seconds = time.perf_counter() - started
        procedures = load_procedures(db)
        aliases = AliasTable.load()
        calibration = load_calibration() if CALIBRATION.is_file() else []
        # The served recipe's trained parts, once; every configuration is assembled from them.
        stages = Stages("bench", 3, quiet=True)
        components = train_components(procedures, aliases=aliases, calibration=calibration,
                                      encoders_dir=Path(tmp) / "encoder", dense=not args.no_dense, seed=args.seed,
                                      stages=stages)
        dense = components.encoder_path is not None
        common = {"aliases": aliases, "calibration": calibration, "seed": args.seed}
        variants = {
            "lexical": dict(dense=False, rerank=False),
            "lexical, no aliases": dict(dense=False, rerank=False, aliases=AliasTable([])),
            "lexical, no restoration": dict(dense=False, rerank=False, restore=False),
        }
        if dense:
            variants["hybrid, no reranker"] = dict(rerank=False)
            variants["dense only"] = dict(rerank=False, dense_weight=1.0)
        # The served configuration: the most complete index, with the reranker that set-up fits.
        # The others show each part's contribution without it.
        served = "hybrid + reranker" if dense else "lexical + reranker"
        variants[served] = dict(dense=dense)
        configs: dict[str, dict] = {}
        build_seconds = {}
        for name, options in variants.items():
            started = time.perf_counter()
            index = assemble(procedures, components, **{**common, **options})
            build_seconds[name] = time.perf_counter() - started
            config = configs[name] = {"index": index}
            if index.reranker is not None:
                config["reranker"] = index.reranker.fitted_on
            config["confidence_model"] = index.confidence.to_json()
            config["accuracy"] = evaluate(index, questions)
            config["accuracy_blind"] = evaluate(index, question_sets["blind"])
            config["latency"] = latency(index, questions)

        # Memory of a serving process: only the index it would load.
        index_dir = Path(tmp) / "index"
        configs[served]["index"].save(index_dir)
        for config in configs.values():
            config.pop("index")
        memory = serving_memory(index_dir)

    for label, key in (("main", "accuracy"), ("blind", "accuracy_blind")):
        print_tables(console, configs, served, question_sets[label], key, f"{label} set, {len(procedures)} procedures")
    trained = {what: round(seconds, 2) for what, seconds in stages.seconds.items()}
    timings = {"import_seconds": round(import_seconds, 2),
               "encoder_training_seconds": trained.get("training the dense encoder"),
               "restorer_training_seconds": trained.get("fitting the diacritics restorer"),
               "cross_fit_encoders_seconds": trained.get("training the cross-fitting encoders"),
               "assemble_seconds": {name: round(seconds, 2) for name, seconds in build_seconds.items()}}
    console.print(f"import {timings['import_seconds']} s ({report.imported} records, {len(report.skipped)} skipped); "
                  f"index assembly {timings['assemble_seconds']['lexical']} s lexical, {timings['assemble_seconds'][served]} s "
                  f"served "
                  f"+ encoder training {timings['encoder_training_seconds']} s (and "
                  f"{timings['cross_fit_encoders_seconds']} s for the cross-fitting ones) + diacritics restorer "
                  f"{timings['restorer_training_seconds']} s; serving RSS {memory['rss_mb_serving_index']} MB")
    path = write_result(args.out, {"seed": args.seed, "questions": len(questions), "blind_questions": len(question_sets["blind"]),
                                      "procedures": len(procedures),
                                      "configs": configs, "served_config": served, "timings": timings,
                                      "memory": memory, "skipped_records": len(report.skipped)})
    console.print(f"wrote {path}")


if __name__ == "__main__":
    main()
