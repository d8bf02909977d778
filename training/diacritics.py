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

:func:`train_restorer` fits the model the knowledge index reads questions typed
without diacritics with (:mod:`training.kb_index` saves it inside the index);
``python -m bench.text_layer`` measures it with the evaluation texts held out::

    >>> restorer = train_restorer([p.raw for p in procedures])
    >>> restorer.predict("cap lai the can cuoc")
    'cấp lại thẻ căn cước'
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

from knowledge.aliases import AliasTable
from knowledge.importer import iter_record_files
from knowledge.parsing import RecordError, read_record_file
from nlu.text import NgramRestorer, has_diacritics, load_abbreviations, normalize

REPO = Path(__file__).resolve().parents[1]
RECORDS = REPO.parent / "shared" / "datasets" / "tthc-dvcqg" / "raw"
CALIBRATION = REPO / "training" / "data" / "kb_calibration.jsonl"

# Record fields that are identifiers, URLs or a copy of the other fields
# ("raw_text" is the whole page again: counting it would double every n-gram).
_SKIPPED_FIELDS = frozenset({"ma_thu_tuc", "detail_url", "formality_id", "so_quyet_dinh", "raw_text"})


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


def train_restorer(records: Path | Iterable[Mapping[str, object]] = RECORDS) -> NgramRestorer:
    """An :class:`NgramRestorer` fitted on :func:`domain_corpus` of ``records``."""
    return NgramRestorer().fit(domain_corpus(records))
