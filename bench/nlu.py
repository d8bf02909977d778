"""Our NLU against Rasa Open Source 3.6 (DIET), side by side, on the same data.

    python -m bench.nlu [--no-rasa]
    python -m bench.nlu --dataset var/slot-data/phoatis [--rasa-result FILE]

Both systems train on ``training/data/nlu`` and are scored on the held-back
``training/data/nlu_test``; with ``--dataset DIR`` they train on ``DIR/train``
and are scored on ``DIR/test`` instead (Rasa YAML, e.g. a public slot-filling
set converted by :mod:`bench.slot_data`), and ours is measured twice: as
configured by default (built-in extractors only for the entity types the data
uses) and with every built-in extractor switched on. For each it measures:

- **intent accuracy** and **macro-F1** (sklearn; averaged over the intents
  annotated in the test split). A ``nlu_fallback`` prediction is just another
  wrong label: abstaining is not a right answer on this split.
- **entity precision / recall / F1**, micro-averaged over all types; a
  predicted entity counts only if its type, start and end all equal an
  annotated span (Rasa's own evaluation is this strict). Values are not
  compared: both systems normalise them differently and the spans are what the
  dialogue layer keys on.
- **training time** (fit only: data loading and imports are outside the timer),
- **parse latency** p50/p95 over the test texts, in-process, after warm-up, and
  p95 of a 20-word message parsed 200 times (a number in it varies),
- **resident memory** of the process after training, loading and parsing
  (and its peak, reached while training).

Plus intent accuracy per writing style (see :func:`writing_style`) for both.

Rasa needs Python < 3.11 and pins TensorFlow 2.12, so it runs in its own venv
(``var/peers/rasa-venv``, made by ``bench/peers/rasa/setup.sh`` on first use)
as a subprocess: ``bench/peers/rasa/runner.py`` trains, loads, parses in *its*
process and writes JSON; the scoring below is the same code for both systems.
With ``--no-rasa`` only our side is measured; ``--rasa-result`` scores a
runner output made earlier on the same data (Rasa trains for tens of minutes on
a few thousand examples, so that run is best started in the background). For a
``--dataset`` DIET saves its state after every epoch under
``var/peers/rasa-checkpoint-<name>``, so a run that was stopped continues where
it was when the same command is given again (``bench/peers/rasa/resumable.py``). One
table is printed; everything goes to ``bench/results/nlu.json``, or
``bench/results/nlu_<name>.json`` for a ``--dataset``.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sklearn.metrics import accuracy_score, f1_score

from bench import REPO, percentiles_ms, rss_mb, write_result
from nlu.text.normalize import has_diacritics
from nlu.training_data import Example, load_training_data

TRAIN = REPO / "training" / "data" / "nlu"
TEST = REPO / "training" / "data" / "nlu_test"
RASA_DIR = REPO / "bench" / "peers" / "rasa"
RASA_PYTHON = REPO / "var" / "peers" / "rasa-venv" / "bin" / "python"
RASA_OUT = REPO / "var" / "peers" / "rasa-result.json"
RASA_LOG = REPO / "var" / "peers" / "rasa-runner.log"
BUILTINS_ALL = ("application_code", "date", "location", "phone_number")

SEED = 13
WARMUP_TEXTS = 60
PROBE_REPEATS = 200
#: A typical citizen question of exactly 20 words (syllables), for the < 5 ms target.
#: ``{n}`` becomes 1..PROBE_REPEATS so that every timed parse sees a new string:
#: a cache keyed on the whole text must not turn 199 of 200 parses into lookups.
PROBE = "cho em hỏi thủ tục đăng ký khai sinh cho con ở tổ {n} phường Phú Xuân cần giấy gì"
#: Targets: ours must be at least this much faster per parse (p50 vs p50), and under this p95.
SPEEDUP_TARGET = 10.0
PROBE_P95_TARGET_MS = 5.0

# --------------------------------------------------------------------------- writing style

#: Interjections and Huế dialect words that mark a transcribed phone call
#: ("mô" where, "răng" why/how, "rứa" so, "chi" what, "tê" that, "ni" this).
SPOKEN_WORDS = frozenset("à ừ ờ ơ dạ alo mô răng rứa chi tê ni".split())
#: Chat abbreviations ("ko" không, "dc/đc" được, "j" gì, "ntn" như thế nào, "mk" mình, "mún" muốn, ...).
TEENCODE_WORDS = frozenset(
    "ko k kh khg hk dc đc đk dk j ntn mk mik bn e mún hs sdt sđt cccd lm z v r ad mn trc bít ck vk s ak".split()
)
_WORD = re.compile(r"\w+")
_SENTENCE_PUNCTUATION = re.compile(r"[.,;:!?]")
STYLES = ("formal", "no_diacritics", "spoken", "teencode")


def writing_style(text: str) -> str:
    """Guess how a test message was written; the test split carries no style label.

    Checked in this order, first match wins:

    1. ``no_diacritics``: no Vietnamese tone/vowel mark and no "đ" anywhere
       (typed on a keyboard without a Vietnamese input method);
    2. ``spoken``: all lower case, no sentence punctuation, and at least one
       filler or Huế dialect word of :data:`SPOKEN_WORDS` (speech-to-text output);
    3. ``teencode``: at least one chat abbreviation of :data:`TEENCODE_WORDS`;
    4. ``formal``: everything else (standard written Vietnamese with diacritics).

    It is a heuristic, good enough to show where a model is weak, not a label:
    a message without diacritics that is also teencode counts as no_diacritics;
    "chi" also occurs in standard words ("chi phí") and can make an unpunctuated
    lower-case message look spoken.
    """
    if not has_diacritics(text):
        return "no_diacritics"
    words = set(_WORD.findall(text.lower()))
    if text == text.lower() and not _SENTENCE_PUNCTUATION.search(text) and words & SPOKEN_WORDS:
        return "spoken"
    if words & TEENCODE_WORDS:
        return "teencode"
    return "formal"


# --------------------------------------------------------------------------- scoring


def score(examples: Sequence[Example], predictions: Sequence[dict]) -> dict:
    """Intent and entity metrics of ``predictions`` (parse outputs, in example order)."""
    gold = [e.intent for e in examples]
    predicted = [p["intent"]["name"] for p in predictions]
    labels = sorted(set(gold))
    tp = fp = fn = 0
    for example, prediction in zip(examples, predictions, strict=True):
        annotated = {(s.entity, s.start, s.end) for s in example.entities}
        found = {(e["entity"], e["start"], e["end"]) for e in prediction["entities"]}
        tp += len(annotated & found)
        fp += len(found - annotated)
        fn += len(annotated - found)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    by_style: dict[str, list[bool]] = defaultdict(list)
    for example, name in zip(examples, predicted):
        by_style[writing_style(example.text)].append(example.intent == name)
    return {
        "intent_accuracy": round(float(accuracy_score(gold, predicted)), 4),
        # labels= keeps nlu_fallback out of the average: it is a miss, not a class.
        "intent_macro_f1": round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "fallbacks": predicted.count("nlu_fallback"),
        "entity_precision": round(precision, 4),
        "entity_recall": round(recall, 4),
        "entity_f1": round(2 * precision * recall / (precision + recall) if precision + recall else 0.0, 4),
        "entities_annotated": tp + fn,
        "intent_accuracy_by_style": {
            style: {"n": len(hits), "accuracy": round(sum(hits) / len(hits), 4)}
            for style, hits in sorted(by_style.items())
        },
    }


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _timed_parses(parse: Callable[[str], Any], texts: Sequence[str]) -> tuple[list[Any], list[float]]:
    """Parse each text once; return the outputs and each call's seconds."""
    outputs, seconds = [], []
    for text in texts:
        start = time.perf_counter()
        outputs.append(parse(text))
        seconds.append(time.perf_counter() - start)
    return outputs, seconds


# --------------------------------------------------------------------------- the two systems


def run_ours(train_path: Path, test_examples: Sequence[Example], *, strict: bool = True,
             builtin_entities: Sequence[str] | None = None) -> dict:
    """Train our model in this process and measure it.

    ``strict``: load the training data as the project's own (errors instead of
    warnings); ``builtin_entities``: passed to :class:`~nlu.model.NLUModel`.
    """
    from nlu.model import NLUModel

    train = load_training_data(train_path, strict=strict)
    start = time.perf_counter()
    model = NLUModel(seed=SEED, builtin_entities=builtin_entities).fit(train)
    train_seconds = time.perf_counter() - start

    # Warm up on training texts, not test texts: lazy imports and first-call
    # allocations are paid, but no test text is parsed before it is timed.
    for example in train.examples[:WARMUP_TEXTS]:
        model.parse(example.text)
    texts = [e.text for e in test_examples]
    parsed, seconds = _timed_parses(model.parse, texts)
    predictions = [p.model_dump() for p in parsed]
    _, probe_seconds = _timed_parses(model.parse, [PROBE.format(n=n) for n in range(1, PROBE_REPEATS + 1)])
    return {
        "train_examples": len(train.examples),
        "train_seconds": round(train_seconds, 3),
        "builtin_entities": sorted(model.builtins),
        "data_warnings": train.warnings,
        **score(test_examples, predictions),
        "latency": percentiles_ms(seconds),
        "probe_latency": percentiles_ms(probe_seconds),
        "rss_mb": rss_mb(),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _ensure_rasa(console: Console) -> None:
    if RASA_PYTHON.exists():
        return
    console.print("[bold]Rasa venv missing: running bench/peers/rasa/setup.sh (several minutes)[/]")
    subprocess.run(["bash", str(RASA_DIR / "setup.sh")], check=True)


def run_rasa(train_path: Path, test_path: Path, test_examples: Sequence[Example], console: Console,
             *, result_path: Path | None = None, name: str = "") -> dict:
    """Run the Rasa runner in its venv (or read its earlier ``result_path``) and score its predictions like ours."""
    if result_path is None:
        _ensure_rasa(console)
        out = RASA_OUT.with_name(f"rasa-result-{name}.json") if name else RASA_OUT
        log_path = RASA_LOG.with_name(f"rasa-runner-{name}.log") if name else RASA_LOG
        out.unlink(missing_ok=True)
        command = [str(RASA_PYTHON), str(RASA_DIR / "runner.py"), str(train_path), str(test_path), str(out),
                   "--probe", PROBE]
        if name:
            command += ["--checkpoint-dir", str(RASA_OUT.with_name(f"rasa-checkpoint-{name}"))]
        console.print(f"[bold]Rasa: training DIET (100 epochs; minutes on a few cores), log in {log_path}[/]")
        with log_path.open("w", encoding="utf-8") as log:
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        if done.returncode != 0:
            tail = log_path.read_text(encoding="utf-8", errors="replace").replace("\r", "\n").splitlines()[-30:]
            raise SystemExit(f"Rasa runner failed (exit {done.returncode}); end of {log_path}:\n" + "\n".join(tail))
        result_path = out
    result = json.loads(result_path.read_text(encoding="utf-8"))

    # Rasa read the test split with its own loader; match its outputs to our
    # examples by text. A text it does not have (the two loaders disagree on
    # the plain text) is scored as a miss and listed.
    by_text = {p["text"]: p for p in result["predictions"]}
    empty = {"intent": None, "entities": []}
    predictions, unmatched = [], []
    for example in test_examples:
        p = by_text.get(example.text)
        if p is None:
            unmatched.append(example.text)
        p = p or empty
        predictions.append({"intent": {"name": p["intent"]}, "entities": p["entities"]})
    return {
        "rasa_version": result["rasa_version"],
        "train_seconds": result["train_seconds"],
        # Set when DIET's training was continued from a checkpoint after a stop.
        "diet_resumed_at_epoch": result.get("diet_resumed_at_epoch"),
        **score(test_examples, predictions),
        "latency": percentiles_ms([ms / 1000 for ms in result["latency_ms"]]),
        "probe_latency": percentiles_ms([ms / 1000 for ms in result["probe_latency_ms"]]),
        "rss_mb": result["rss_mb"],
        "peak_rss_mb": result["peak_rss_mb"],
        "test_texts_parsed": len(result["predictions"]),
        "unmatched_test_texts": unmatched,
        "warnings": result["warnings"],
    }


# --------------------------------------------------------------------------- report


def speedup(ours: dict, rasa: dict | None) -> float | None:
    """How many times faster our median parse is than Rasa's; ``None`` without Rasa."""
    if rasa is None:
        return None
    # p50 is rounded to the microsecond; a sub-microsecond parse would divide by zero.
    return rasa["latency"]["p50_ms"] / max(ours["latency"]["p50_ms"], 0.001)


def targets(ours: dict, rasa: dict | None) -> dict[str, bool | None]:
    """The project's targets; ``None`` where Rasa was not run."""
    ratio = speedup(ours, rasa)
    return {
        "intent_accuracy_ge_rasa": ours["intent_accuracy"] >= rasa["intent_accuracy"] if rasa else None,
        "entity_f1_ge_rasa": ours["entity_f1"] >= rasa["entity_f1"] if rasa else None,
        "probe_p95_lt_5ms": ours["probe_latency"]["p95_ms"] < PROBE_P95_TARGET_MS,
        "speedup_ge_10x": ratio >= SPEEDUP_TARGET if ratio is not None else None,
    }


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("[green]✓[/]" if ok else "[red]✗[/]")


def render(ours: dict, rasa: dict | None, checks: dict[str, bool | None], n_test: int) -> Table:
    """One table: a row per measurement, a column per system, and the target check."""
    version = f"Rasa {rasa['rasa_version']} DIET" if rasa else "Rasa (--no-rasa)"
    table = Table(title=f"NLU: ours vs Rasa, trained on {ours['train_examples']} examples, tested on {n_test} held back")
    for name, justify in (("measure", "left"), ("ours", "right"), (version, "right"), ("target", "left")):
        table.add_column(name, justify=justify)

    def row(label: str, fmt: Callable, key: str | Callable[[dict], object], target: str = "",
            ok: bool | None = None) -> None:
        """One measurement: ``key`` picks it from a system's results, ``fmt`` renders it."""
        get = key if callable(key) else (lambda r: r[key])
        table.add_row(label, fmt(get(ours)), fmt(get(rasa)) if rasa else "–", f"{target} {_mark(ok)}".strip())

    pct = "{:.1%}".format
    row("intent accuracy", pct, "intent_accuracy", "ours ≥ Rasa", checks["intent_accuracy_ge_rasa"])
    row("intent macro-F1", pct, "intent_macro_f1")
    row("  predicted nlu_fallback (counted wrong)", str, "fallbacks")
    row("entity F1 (micro, exact span + type)", pct, "entity_f1", "ours ≥ Rasa", checks["entity_f1_ge_rasa"])
    row("  entity precision / recall", lambda r: f"{r[0]:.1%} / {r[1]:.1%}",
        lambda r: (r["entity_precision"], r["entity_recall"]))
    row("training time", "{:.1f} s".format, "train_seconds")
    row("parse latency p50 / p95 (test texts)", lambda r: f"{r['p50_ms']:.2f} / {r['p95_ms']:.2f} ms", "latency")
    ratio = speedup(ours, rasa)
    table.add_row("  speed-up per parse (Rasa p50 / ours p50)", f"{ratio:.1f}×" if ratio else "–", "",
                  f"≥ {SPEEDUP_TARGET:.0f}× {_mark(checks['speedup_ge_10x'])}".strip())
    row("20-word message p95", "{:.2f} ms".format, lambda r: r["probe_latency"]["p95_ms"],
        f"ours < {PROBE_P95_TARGET_MS:.0f} ms", checks["probe_p95_lt_5ms"])
    row("resident memory after parsing (peak)", lambda r: f"{r[0]:.0f} MB ({r[1]:.0f})",
        lambda r: (r["rss_mb"], r["peak_rss_mb"]))
    for style in STYLES:
        def cell(r: dict, style: str = style) -> str:
            s = r["intent_accuracy_by_style"].get(style)
            return f"{s['accuracy']:.1%} (n={s['n']})" if s else "–"
        row(f"intent accuracy · {style}", str, cell)
    return table


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-rasa", action="store_true", help="measure our model only")
    parser.add_argument("--dataset", type=Path,
                        help="a folder with train/ and test/ Rasa YAML (e.g. made by bench.slot_data) "
                             "instead of the project's data")
    parser.add_argument("--name", help="result name for --dataset (default: the folder's name)")
    parser.add_argument("--rasa-result", type=Path, help="score this earlier runner output instead of running Rasa")
    args = parser.parse_args(argv)
    console = Console(width=140)

    name = (args.name or args.dataset.resolve().name) if args.dataset else ""
    train_path, test_path = (args.dataset / "train", args.dataset / "test") if args.dataset else (TRAIN, TEST)
    strict = args.dataset is None  # the project's data is held to the strict rules; public data is as Rasa reads it
    test_examples = load_training_data(test_path, strict=strict).examples
    console.print(f"[bold]Ours: training on {_shown(train_path)}[/]")
    ours = run_ours(train_path, test_examples, strict=strict)
    ours_all_builtins = None
    if args.dataset is not None:
        console.print("[bold]Ours again, every built-in extractor on[/]")
        ours_all_builtins = run_ours(train_path, test_examples, strict=strict, builtin_entities=BUILTINS_ALL)
    rasa = None
    if not args.no_rasa:
        rasa = run_rasa(train_path, test_path, test_examples, console, result_path=args.rasa_result, name=name)
    checks = targets(ours, rasa)

    console.print(render(ours, rasa, checks, len(test_examples)))
    if ours_all_builtins is not None:
        console.print(
            f"ours with every built-in extractor on: intent accuracy {ours_all_builtins['intent_accuracy']:.1%}, "
            f"entity F1 {ours_all_builtins['entity_f1']:.1%} (P {ours_all_builtins['entity_precision']:.1%} / "
            f"R {ours_all_builtins['entity_recall']:.1%}); by default the built-ins report "
            f"{', '.join(ours['builtin_entities']) or 'nothing'}")
    for line in ours["data_warnings"]:
        console.print(f"[yellow]training data: {line[:300]}[/]")
    if rasa and rasa["unmatched_test_texts"]:
        console.print(f"[yellow]{len(rasa['unmatched_test_texts'])} test texts missing from Rasa's output "
                      "(loaders disagree; scored as misses): see the JSON[/]")
    if rasa and rasa["warnings"]:
        console.print(f"[yellow]Rasa raised {len(rasa['warnings'])} distinct warnings (data, config): "
                      "see rasa.warnings in the JSON[/]")
    payload = {
        "train": _shown(train_path), "test": _shown(test_path), "test_examples": len(test_examples),
        "seed": SEED, "probe": PROBE, "ours": ours, "rasa": rasa, "speedup_p50": speedup(ours, rasa), "targets": checks,
    }
    if ours_all_builtins is not None:
        payload["ours_all_builtins"] = ours_all_builtins
        counts = args.dataset / "counts.json"
        if counts.is_file():
            payload["dataset_counts"] = json.loads(counts.read_text(encoding="utf-8"))
    if args.rasa_result is not None:
        payload["rasa_result_file"] = _shown(args.rasa_result)
    path = write_result(f"nlu_{name}" if name else "nlu", payload)
    console.print(f"written {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
