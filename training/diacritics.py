"""Train the diacritic restorer (:class:`nlu.text.restorer.NgramRestorer`) on the project's own text.

The restorer learns how words are spelled, and which follow which, from accented
text of our domain. :func:`domain_corpus` gathers that text at run time from

* the knowledge-base records (``../shared/datasets/tthc-dvcqg/raw/*/*.json``):
  every text field of every procedure, cut into lines (names, steps, required
  documents, conditions, results, agencies...);
* the colloquial forms, official phrases and notes of ``knowledge/data/aliases.yaml``
  (how citizens say things: "sổ đỏ", "bằng lái", "làm giấy khai sinh");
* the expansions of ``nlu/data/abbreviations.tsv`` ("không", "được", "như thế nào");
* the accented questions of ``training/data/kb_calibration.jsonl`` when present.

``bench/data`` is never read: it is the held-out benchmark.

:func:`train_restorer` fits the model, measures it on a seeded 5 % of the lines
held back from a first fit, refits on everything and writes one gzipped JSON
file that carries that measurement. From the repository root::

    python -m training.diacritics                  # -> var/models/diacritics.json.gz
    python -m training.diacritics path/to/model.json.gz

and to use it::

    >>> from nlu.text import restore_diacritics
    >>> from nlu.text.restorer import NgramRestorer
    >>> restorer = NgramRestorer.load("var/models/diacritics.json.gz")  # doctest: +SKIP
    >>> restore_diacritics("cap lai the can cuoc", restorer=restorer)  # doctest: +SKIP
    'cấp lại thẻ căn cước'
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

from knowledge.aliases import AliasTable
from knowledge.importer import iter_record_files
from knowledge.parsing import RecordError, read_record_file
from nlu.text import has_diacritics, load_abbreviations, normalize, strip_diacritics
from nlu.text.restorer import NgramRestorer, syllable_accuracy

REPO = Path(__file__).resolve().parents[1]
RECORDS = REPO.parent / "shared" / "datasets" / "tthc-dvcqg" / "raw"
CALIBRATION = REPO / "training" / "data" / "kb_calibration.jsonl"
DEFAULT_OUT = REPO / "var" / "models" / "diacritics.json.gz"

# Record fields that are identifiers, URLs or a copy of the other fields
# ("raw_text" is the whole page again: counting it would double every n-gram).
_SKIPPED_FIELDS = frozenset({"ma_thu_tuc", "detail_url", "formality_id", "so_quyet_dinh", "raw_text"})
# Share of the corpus held back by train_restorer to measure the model.
_HELD_OUT = 0.05


def record_lines(record: dict[str, object]) -> list[str]:
    """The accented lines of every text field of one knowledge-base record."""
    lines: list[str] = []
    for key, value in record.items():
        if key not in _SKIPPED_FIELDS and isinstance(value, str):
            lines += [line for line in value.split("\n") if has_diacritics(line)]
    return lines


def domain_corpus(
    records: Path | Iterable[Mapping[str, object]] = RECORDS,
    *,
    hold_out: Collection[str] = (),
    calibration: Path = CALIBRATION,
) -> list[str]:
    """Accented training lines from the project's own sources, deduplicated, in a fixed order.

    ``records`` is a folder of knowledge-base record files, or the records
    themselves (e.g. ``[p.raw for p in procedures]`` from the database).
    ``hold_out`` keeps evaluation texts out of training, for honest numbers:
    a record whose name is one of them is left out *whole*, and any line of any
    source that contains one of them (compared after :func:`normalize`) is
    dropped. A missing records directory or calibration file just contributes
    nothing; an unreadable record is skipped.

    Duplicate lines (the same legal boilerplate in hundreds of records) are kept
    once: repeating them only makes the model more certain of phrases it already
    knows and drowns everything else.
    """
    held = {normalize(text) for text in hold_out if text.strip()}
    lines: list[str] = []
    for record in _read_records(records) if isinstance(records, Path) else records:
        if normalize(str(record.get("ten_thu_tuc", ""))) not in held:
            lines += record_lines(record)
    for alias in AliasTable.load().entries:
        lines += [alias.official, *alias.colloquial, *([alias.note] if alias.note else [])]
    lines += load_abbreviations().values()
    if calibration.is_file():
        for line in calibration.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.append(json.loads(line)["text"])
    corpus: dict[str, str] = {}  # normalised line -> first line as written (case kept)
    for line in lines:
        key = normalize(line)
        if has_diacritics(line) and key not in corpus and not any(text in key for text in held):
            corpus[key] = line
    return list(corpus.values())


def _read_records(records_dir: Path) -> Iterator[dict[str, object]]:
    """The readable records under ``records_dir`` (none when it is missing); unreadable ones are skipped."""
    for path in iter_record_files(records_dir) if records_dir.is_dir() else []:
        try:
            yield read_record_file(path)
        except RecordError:
            continue


def train_restorer(corpus_texts: Iterable[str], out_path: Path | str, *, seed: int = 13) -> Path:
    """Fit an :class:`NgramRestorer` on ``corpus_texts`` and save it to ``out_path``.

    A seeded 5 % of the texts is held back from a first fit and restored after
    stripping its marks; that syllable accuracy (and the share of lines restored
    entirely right) goes into the saved file's ``metrics``. The saved model is
    then fitted on all texts. Same texts and seed, same file (but for its
    ``created_at``).
    """
    texts = list(corpus_texts)
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    n_held = max(1, int(len(texts) * _HELD_OUT)) if len(texts) > 1 else 0
    held, kept = [texts[i] for i in order[:n_held]], [texts[i] for i in order[n_held:]]
    probe = NgramRestorer().fit(kept)
    accuracy, exact = syllable_accuracy(held, [probe.predict(strip_diacritics(t)) for t in held])
    metrics = {
        "held_out_texts": len(held),
        "held_out_syllable_accuracy": round(accuracy, 4),
        "held_out_exact_texts": round(exact, 4),
        "seed": seed,
    }
    return NgramRestorer().fit(texts).save(out_path, metrics=metrics)


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    corpus = domain_corpus()
    path = train_restorer(corpus, out)
    metrics = NgramRestorer.load(path).metadata_["metrics"]
    print(f"{len(corpus)} lines -> {path} ({path.stat().st_size / 1e6:.1f} MB); held-out: {metrics}")


if __name__ == "__main__":
    main(sys.argv[1:])
