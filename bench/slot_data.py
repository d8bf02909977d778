"""Convert a public slot-filling data set to Rasa 3.x NLU YAML, one folder per split.

    python -m bench.slot_data phoatis /path/to/PhoATIS/syllable-level var/slot-data/phoatis
    python -m bench.slot_data massive /path/to/vi-VN.jsonl var/slot-data/massive-vi

Writes ``OUT/train/nlu.yml``, ``OUT/test/nlu.yml`` (and ``OUT/dev/nlu.yml``) and
``OUT/counts.json``. The data itself is never part of the repository: point this
at a copy you fetched and keep the output under the git-ignored ``var/``.

Two input formats:

``phoatis``
    the JointIDSF layout (VinAI's PhoATIS): ``<split>/seq.in`` (space-separated
    syllables), ``<split>/seq.out`` (one BIO tag per syllable, ATIS slot names
    such as ``fromloc.city_name``) and ``<split>/label`` (the intent; a
    multi-intent label such as ``flight#flight_no`` is kept as one name).
``massive``
    Amazon MASSIVE JSON Lines (one locale's file, e.g. ``vi-VN.jsonl``):
    ``partition`` (train/dev/test), ``intent``, ``annot_utt`` with slots written
    ``[slot_name : words]``.

The conversion is "the ordinary way": the text is the syllables joined by one
space, every BIO span becomes ``[words]{"entity": "slot"}``, and each intent gets
one ``- intent:`` block. Nothing is dropped or renamed, so the result keeps what
Rasa accepts and the project's own data never has: dotted entity names, entities
declared nowhere else, rare intents and the same text under two intents.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Record", "bio_spans", "main", "read_massive", "read_phoatis", "to_rasa_yaml", "write_splits"]

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Record:
    """One utterance: its words, intent and slot spans as (first word, end word, slot)."""

    words: tuple[str, ...]
    intent: str
    spans: tuple[tuple[int, int, str], ...]


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, slot) word spans of a BIO sequence; a stray ``I-x`` opens a span, as conlleval does."""
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate([*tags, "O"]):
        kind, _, name = tag.partition("-")
        continues = kind == "I" and name == label
        if start is not None and not continues:
            spans.append((start, i, label))  # type: ignore[arg-type]
            start, label = None, None
        if kind in ("B", "I") and not continues:
            start, label = i, name
    return spans


def read_phoatis(root: Path, split: str) -> list[Record]:
    """One split of the JointIDSF layout (see the module docstring)."""
    folder = root / split
    lines = [(folder / name).read_text(encoding="utf-8").splitlines() for name in ("seq.in", "seq.out", "label")]
    if not len(lines[0]) == len(lines[1]) == len(lines[2]):
        raise ValueError(f"{folder}: seq.in, seq.out and label differ in length")
    records = []
    for number, (text, tags, intent) in enumerate(zip(*lines, strict=True), 1):
        words, labels = text.split(), tags.split()
        if len(words) != len(labels):
            raise ValueError(f"{folder}: line {number}: {len(words)} words but {len(labels)} tags")
        records.append(Record(tuple(words), intent.strip(), tuple(bio_spans(labels))))
    return records


_MASSIVE_SLOT = re.compile(r"\[\s*(?P<slot>[^\]:]+?)\s*:\s*(?P<words>[^\]]*?)\s*\]")


def read_massive(path: Path, split: str) -> list[Record]:
    """One partition of a MASSIVE locale file (``dev`` is MASSIVE's validation split)."""
    records = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row.get("partition") != split:
                continue
            words: list[str] = []
            spans: list[tuple[int, int, str]] = []
            position = 0
            annotated = row["annot_utt"]
            for match in _MASSIVE_SLOT.finditer(annotated):
                words.extend(annotated[position : match.start()].split())
                slot_words = match.group("words").split()
                if slot_words:
                    spans.append((len(words), len(words) + len(slot_words), match.group("slot")))
                words.extend(slot_words)
                position = match.end()
            words.extend(annotated[position:].split())
            records.append(Record(tuple(words), row["intent"], tuple(spans)))
    return records


_RESERVED = str.maketrans({"[": "(", "]": ")"})


def _annotated(record: Record) -> str:
    """The example line: words joined by one space, slots as ``[words]{"entity": "slot"}``."""
    words = [w.translate(_RESERVED) for w in record.words]  # square brackets are annotation markup
    starts = {start: (end, slot) for start, end, slot in record.spans}
    out, i = [], 0
    while i < len(words):
        if i in starts:
            end, slot = starts[i]
            out.append("[" + " ".join(words[i:end]) + "]" + json.dumps({"entity": slot}, ensure_ascii=False))
            i = end
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def to_rasa_yaml(records: Iterable[Record]) -> str:
    """Rasa 3.x NLU YAML: one ``- intent:`` block per intent, in first-seen order."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for record in records:
        if record.words:
            by_intent[record.intent].append(_annotated(record))
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in by_intent.items():
        lines.append(f"- intent: {json.dumps(intent, ensure_ascii=False)}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in examples)
    return "\n".join(lines) + "\n"


def counts(records: Sequence[Record]) -> dict:
    """Examples, intents, slot types and slot mentions of one split."""
    slots = Counter(slot for r in records for _, _, slot in r.spans)
    intents = Counter(r.intent for r in records)
    return {
        "examples": len(records),
        "intents": len(intents),
        "intents_under_5_examples": sum(n < 5 for n in intents.values()),
        "slot_types": len(slots),
        "slot_mentions": sum(slots.values()),
    }


def write_splits(kind: str, source: Path, out: Path) -> dict:
    """Convert every split found in ``source`` to ``out/<split>/nlu.yml``; returns the counts."""
    reader = {"phoatis": read_phoatis, "massive": read_massive}[kind]
    summary: dict[str, dict] = {}
    for split in SPLITS:
        if kind == "phoatis" and not (source / split).is_dir():
            continue
        records = reader(source, split)
        if not records:
            continue
        folder = out / split
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "nlu.yml").write_text(to_rasa_yaml(records), encoding="utf-8")
        summary[split] = counts(records)
    if "train" not in summary or "test" not in summary:
        raise SystemExit(f"{source}: found splits {sorted(summary)}; need at least train and test")
    train_slots = {s for r in reader(source, "train") for _, _, s in r.spans}
    summary["slot_types_total"] = len(train_slots | {s for r in reader(source, "test") for _, _, s in r.spans})
    (out / "counts.json").write_text(json.dumps({"format": kind, "source": str(source), **summary}, indent=2) + "\n",
                                     encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("format", choices=("phoatis", "massive"))
    parser.add_argument("source", type=Path, help="PhoATIS syllable-level folder, or a MASSIVE locale .jsonl")
    parser.add_argument("out", type=Path, help="output folder (keep it under var/: the data is not ours to commit)")
    args = parser.parse_args(argv)
    summary = write_splits(args.format, args.source, args.out)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
