"""Train and time Rasa Open Source 3.6 (DIET) on our NLU data; runs INSIDE the Rasa venv.

    var/peers/rasa-venv/bin/python bench/peers/rasa/runner.py TRAIN TEST OUT.json [--probe TEMPLATE]
        [--checkpoint-dir DIR]

``bench/nlu.py`` starts this as a subprocess; it is not part of the product and
must not import anything from it (different venv, different Python). TRAIN and
TEST are Rasa 3.x YAML files or folders of them (``training/data/nlu`` and
``training/data/nlu_test``). Steps, all in this one process:

1. train with :func:`rasa.model_training.train_nlu` (what ``rasa train nlu``
   calls) on TRAIN and time it; Rasa's training cache is switched off so a
   rerun really trains;
2. load the model with :meth:`rasa.core.agent.Agent.load` and warm it up
   (TensorFlow traces its graph on the first calls);
3. parse every TEST text with :meth:`Agent.parse_message`, the public API an
   application uses, timing each call with :func:`time.perf_counter`;
4. optionally parse the ``--probe`` message 200 times, ``{n}`` in it replaced by
   1..200 (the benchmark's 20-word message; same texts as for our model);
5. write OUT.json::

       {"rasa_version", "train_seconds",
        "predictions": [{"text", "intent", "confidence",
                         "entities": [{"entity", "start", "end", "value"}]}],
        "latency_ms": [...], "probe_latency_ms": [...],
        "rss_mb", "peak_rss_mb", "warnings": [...]}

With ``--checkpoint-dir`` DIET saves its whole training state after every
epoch and a rerun with the same DIR continues from the last saved epoch
(``resumable.py`` says how and what that does not reproduce); for a many-slot
set whose 100 epochs outlast the process. ``train_seconds`` is then this run's
training time plus the earlier runs' epochs, and ``diet_resumed_at_epoch``
says where this run picked up (absent for a run without the option).

``rss_mb`` is the resident memory after loading and parsing; ``peak_rss_mb`` the
high-water mark, reached while training. ``warnings`` are the distinct
messages Rasa raised while reading and training on our data (misaligned entity
spans, unused synonyms...); a YAML file Rasa's schema rejects stops the run
with Rasa's own error instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

CONFIG = Path(__file__).resolve().parent / "config.yml"
WARMUP_TEXTS = ("xin chào", "cho tôi hỏi thủ tục đăng ký khai sinh", "thu tuc lam can cuoc nhu the nao")
PROBE_REPEATS = 200


def _quiet_environment(cache_dir: str) -> None:
    """Set before Rasa is imported: it reads these at import or first use."""
    # No phoning home (the machine may be offline) and no consent prompt.
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"
    # Rasa caches trained components by fingerprint; a cache hit would make the
    # second benchmark run "train" in seconds. Size 0 disables the cache, and a
    # throwaway location keeps it out of the repository either way.
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    os.environ["RASA_CACHE_DIRECTORY"] = cache_dir
    # Rasa's own log level, and that of the libraries it drives. Unconfigured,
    # Rasa 3.6's structlog events (one per message parsed) print at debug level,
    # which costs time inside the timed parse calls; an application runs at
    # warning or info, so the benchmark does too (see _configure_logging).
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["LOG_LEVEL_LIBRARIES"] = "ERROR"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ banner lines
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def _configure_logging() -> None:
    """Rasa's loggers and structlog at warning level, as ``rasa`` configures them for ``--quiet``-less runs
    with ``LOG_LEVEL=WARNING``; called once Rasa is imported, before anything is trained or timed."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def _rss_mb() -> float:
    """Current resident set size, from /proc (psutil is not installed in this venv)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("VmRSS not found in /proc/self/status")


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _rasa_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """Distinct messages Rasa itself raised (not third-party deprecation noise)."""
    seen: dict[str, None] = {}
    for w in caught:
        if issubclass(w.category, UserWarning) and "/rasa/" in (w.filename or ""):
            seen.setdefault(" ".join(str(w.message).split()), None)
    return list(seen)


def _test_texts(path: Path) -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [message.get("text") for message in load_data(str(path)).intent_examples]


def _prediction(parsed: dict) -> dict:
    intent = parsed.get("intent") or {}
    return {
        "text": parsed["text"],
        "intent": intent.get("name"),
        "confidence": float(intent.get("confidence") or 0.0),
        "entities": [
            {"entity": e["entity"], "start": e["start"], "end": e["end"], "value": e.get("value")}
            for e in parsed.get("entities", [])
        ],
    }


def run(train: Path, test: Path, probe: str | None, checkpoint_dir: Path | None = None) -> dict:
    """Train, load, warm up, parse; return the measurements (see module docstring)."""
    with tempfile.TemporaryDirectory(prefix="rasa-bench-") as workdir, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _quiet_environment(str(Path(workdir) / "cache"))
        # Imported here, after the environment is set; importing TensorFlow is
        # kept out of the training time, as our model's imports are.
        import rasa
        from rasa.core.agent import Agent
        from rasa.model_training import train_nlu

        _configure_logging()
        texts = _test_texts(test)

        resume: dict = {}
        with contextlib.ExitStack() as stack:
            if checkpoint_dir is not None:
                from resumable import fingerprint, resumable_diet_training

                resume = stack.enter_context(
                    resumable_diet_training(checkpoint_dir, fingerprint(train, CONFIG, rasa.__version__)))
            start = time.perf_counter()
            model_path = train_nlu(config=str(CONFIG), nlu_data=str(train), output=str(Path(workdir) / "models"),
                                   fixed_model_name="nlu-bench")
            train_seconds = time.perf_counter() - start
        if resume.get("resumed_at_epoch"):
            train_seconds += sum(resume["epoch_seconds"][:resume["resumed_at_epoch"]])
        if model_path is None:
            raise SystemExit("rasa train nlu produced no model (see the log above)")

        agent = Agent.load(model_path)
        # parse_message is a coroutine; one loop for all calls so that only
        # Rasa's own work is timed, not event-loop creation.
        loop = asyncio.new_event_loop()

        def parse(text: str) -> dict:
            return loop.run_until_complete(agent.parse_message(text))

        for text in WARMUP_TEXTS * 3:
            parse(text)

        predictions, latency_ms = [], []
        for text in texts:
            t0 = time.perf_counter()
            parsed = parse(text)
            latency_ms.append((time.perf_counter() - t0) * 1000)
            predictions.append(_prediction(parsed))

        probe_latency_ms = []
        probes = [probe.format(n=n) for n in range(1, PROBE_REPEATS + 1)] if probe else []
        for text in probes:
            t0 = time.perf_counter()
            parse(text)
            probe_latency_ms.append((time.perf_counter() - t0) * 1000)
        loop.close()

        extra = {"diet_resumed_at_epoch": resume["resumed_at_epoch"]} if checkpoint_dir is not None else {}
        return {
            **extra,
            "rasa_version": rasa.__version__,
            "train_seconds": round(train_seconds, 3),
            "predictions": predictions,
            "latency_ms": [round(v, 4) for v in latency_ms],
            "probe_latency_ms": [round(v, 4) for v in probe_latency_ms],
            "rss_mb": _rss_mb(),
            "peak_rss_mb": _peak_rss_mb(),
            "warnings": _rasa_warnings(caught),
        }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("train", type=Path, help="Rasa YAML training data: a file or a folder")
    parser.add_argument("test", type=Path, help="Rasa YAML held-back test data: a file or a folder")
    parser.add_argument("out", type=Path, help="where to write the JSON result")
    parser.add_argument("--probe", help=f"a message to parse {PROBE_REPEATS} more times, timed separately; {{n}} becomes 1..{PROBE_REPEATS}")
    parser.add_argument("--checkpoint-dir", type=Path,
                        help="save DIET's training state here after every epoch; a rerun continues from it")
    args = parser.parse_args(argv)
    result = run(args.train.resolve(), args.test.resolve(), args.probe,
                 args.checkpoint_dir.resolve() if args.checkpoint_dir else None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"rasa: trained in {result['train_seconds']:.1f}s, parsed {len(result['predictions'])} texts -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
