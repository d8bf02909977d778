"""The dialogue in-process: story pass rate, turn latency per stage, first-turn citations.

    python -m bench.dialogue [--data-dir var] [--stories training/data/stories] [--repeat 3]
                             [--database-url postgresql+psycopg://...]

Over an installation that ``hueai setup`` built (its current knowledge index and NLU
model), with conversations in a scratch database (SQLite in a temporary folder, and also
the database ``--database-url`` names, e.g. a PostgreSQL test database, whose tables it migrates):

1. **Stories**: every story of ``--stories`` (``hueai evaluate dialogue``'s runner): pass rate,
   per style, and the failed stories.
2. **Latency**: every story's turns replayed ``--repeat`` times in fresh sessions after one
   warm-up pass, timing :meth:`DialogueAssistant.handle` end to end (parse, search, policy,
   store with its commit) and per stage (``Turn.latency_ms``), p50/p95/max, overall and per
   channel. On SQLite it runs twice: with the synchronous setting the application's database
   layer uses (``FULL``: an fsync per commit) and with ``NORMAL`` (the usual WAL setting:
   durable across a crash of the process, may lose the last commits on power loss), to show what
   bounds the store's share. Target: p95 < 30 ms per turn.
3. **First-turn citations**: each question of ``bench/data/kb_questions.jsonl`` as the first
   message of a session: the share answered citing an expected procedure, answered citing
   another, answered by a question whose options include an expected one, or not answered;
   for questions with no procedure in the base, the share not answered.

Writes ``bench/results/dialogue.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import event

from bench import REPO, percentiles_ms, rss_mb, write_result
from core.storage import Database
from dialogue.assistant import DialogueAssistant
from dialogue.status import import_statuses
from dialogue.stories import Story, load_stories, run_stories
from hueai.db import upgrade
from hueai.runtime import Runtime, build_assistant
from hueai.settings import Settings

QUESTIONS = REPO / "bench" / "data" / "kb_questions.jsonl"
TARGET_P95_MS = 30.0


def scratch_database(url: str | None, folder: Path, synchronous: str | None) -> Database:
    name = f"dialogue-{synchronous or 'default'}.sqlite3"
    db = Database(url or f"sqlite:///{folder / name}")
    if synchronous and db.engine.dialect.name == "sqlite":
        def pragma(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        event.listen(db.engine, "connect", pragma)
    upgrade(db)
    return db


def replay(assistant: DialogueAssistant, stories: list[Story], repeat: int) -> dict:
    """Every story's turns, ``repeat`` times in fresh sessions: wall time per turn and per stage."""
    totals: list[float] = []
    stages: dict[str, list[float]] = defaultdict(list)
    per_channel: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeat):
        for story in stories:
            session = f"bench-{uuid.uuid4().hex[:10]}"
            for step in story.steps:
                started = time.perf_counter()
                turn = assistant.handle(session, step.user, channel=story.channel)
                elapsed = time.perf_counter() - started
                totals.append(elapsed)
                per_channel[story.channel].append(elapsed)
                for stage in ("parse", "search", "policy", "store"):
                    stages[stage].append(turn.latency_ms.get(stage, 0.0) / 1000)
    return {
        "turns": len(totals),
        "turn": percentiles_ms(totals),
        "mean_ms": round(statistics.fmean(totals) * 1000, 3),
        "stages": {stage: percentiles_ms(values) for stage, values in stages.items()},
        "channels": {channel: percentiles_ms(values) for channel, values in sorted(per_channel.items())},
        "meets_target": percentiles_ms(totals)["p95_ms"] < TARGET_P95_MS,
    }


def first_turn_citations(assistant: DialogueAssistant, path: Path) -> dict:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    outcome: Counter[str] = Counter()
    negatives: Counter[str] = Counter()
    for row in rows:
        result = assistant.respond(f"cite-{uuid.uuid4().hex[:10]}", row["text"], channel="web")
        turn, expected = result.turn, set(row["expected"])
        cited = [s.code for s in turn.sources]
        offered = {q.payload.split()[-1] for q in turn.quick_replies if q.payload.startswith("/choose ")}
        if not expected:
            negatives["not_answered" if not cited else "answered"] += 1
        elif cited and cited[0] in expected:
            outcome["cited_expected"] += 1
        elif cited:
            outcome["cited_other"] += 1
        elif turn.action in ("ask_choice", "ask_confirm") and offered & expected:
            outcome["asked_with_expected_option"] += 1
        elif turn.action in ("ask_choice", "ask_confirm"):
            outcome["asked_without_expected_option"] += 1
        else:
            outcome["not_answered"] += 1
    answerable = sum(outcome.values())
    return {
        "questions": len(rows), "answerable": answerable, "unanswerable": sum(negatives.values()),
        "answerable_outcomes": {k: round(v / answerable, 3) for k, v in sorted(outcome.items())} if answerable else {},
        "unanswerable_not_answered": round(negatives["not_answered"] / max(sum(negatives.values()), 1), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "var", help="an installation `hueai setup` built")
    parser.add_argument("--stories", type=Path, default=REPO / "training" / "data" / "stories")
    parser.add_argument("--repeat", type=int, default=3, help="latency passes over the stories' turns")
    parser.add_argument("--database-url", default=None,
                        help="also measure with the conversations here (e.g. a PostgreSQL test database)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="first-turn citation questions")
    args = parser.parse_args(argv)

    settings = Settings(data_dir=args.data_dir)
    runtime = Runtime(settings)
    index, nlu = runtime.index, runtime.nlu
    story_file = load_stories(args.stories)
    console = Console()
    results: dict = {
        "data_dir": str(args.data_dir),
        "index": str(runtime.served("kb-index").path),  # type: ignore[union-attr]
        "nlu": str(runtime.served("nlu").path),  # type: ignore[union-attr]
        "dense_encoder": index.dense is not None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory(prefix="hueai-bench-dialogue-") as scratch:
        folder = Path(scratch)
        runs: list[tuple[str | None, str | None]] = [(None, None), (None, "NORMAL")]
        if args.database_url:
            runs.append((args.database_url, None))
        latency: dict = {}
        stories_report = None
        for url, synchronous in runs:
            db = scratch_database(url, folder, synchronous)
            import_statuses(db, story_file.statuses)
            assistant = build_assistant(index, nlu, procedures=runtime.db, conversations=db, settings=settings)
            report = run_stories(assistant, story_file.stories)  # also the warm-up pass
            stories_report = stories_report or report
            label = db.engine.dialect.name + ("" if synchronous is None else f"_synchronous_{synchronous.lower()}")
            latency[label] = replay(assistant, story_file.stories, args.repeat)
            if url is None and synchronous is None:
                results["first_turn_citations"] = first_turn_citations(assistant, args.questions)
            db.dispose()
    assert stories_report is not None
    results["stories"] = {
        "passed": stories_report.passed, "total": stories_report.total, "rate": round(stories_report.rate, 4),
        "by_style": {style: {"passed": p, "total": t} for style, (p, t) in sorted(stories_report.by_style().items())},
        "failed": [r.story for r in stories_report.results if not r.passed],
    }
    results["latency"] = latency
    results["target_p95_ms"] = TARGET_P95_MS
    results["rss_mb"] = rss_mb()

    table = Table("database", "turns", "p50 ms", "p95 ms", "max ms", "parse p95", "search p95", "policy p95",
                  "store p95")
    for label, row in latency.items():
        s = row["stages"]
        table.add_row(label, str(row["turns"]), f"{row['turn']['p50_ms']:.1f}", f"{row['turn']['p95_ms']:.1f}",
                      f"{row['turn']['max_ms']:.1f}", f"{s['parse']['p95_ms']:.1f}", f"{s['search']['p95_ms']:.1f}",
                      f"{s['policy']['p95_ms']:.1f}", f"{s['store']['p95_ms']:.1f}")
    console.print(table)
    st = results["stories"]
    console.print(f"stories passed {st['passed']}/{st['total']} ({st['rate']:.1%}); failed: {st['failed'] or '-'}")
    console.print(f"first-turn citations: {results['first_turn_citations']}")
    console.print(f"load average during the run: {results['load_average']}")
    console.print(f"wrote {write_result('dialogue', results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
