"""Read NLU training data written in Rasa 3.x YAML.

The project's examples live in ``training/data/nlu/*.yml`` in the format Rasa
uses, so that people who know Rasa can write them and tools that read Rasa can
read them::

    nlu:
    - intent: check_status
      examples: |
        - hồ sơ [000.00.21.H57-250312-0042](application_code) đến đâu rồi
        - nộp [hom qua]{"entity": "date", "value": "hôm qua"} mà chưa có
    - synonym: đăng ký khai sinh
      examples: |
        - khai sinh
    - regex: phone_number
      examples: |
        - 0\\d{9}
    - lookup: location
      examples: |
        - chợ Đông Ba

:func:`load_training_data` turns a file, or every ``*.yml``/``*.yaml`` of a folder,
into a :class:`TrainingData`. Annotation markup is removed from each example;
entity offsets point into the plain text that remains.

Mistakes in hand-written data should fail loudly and point at the line to fix,
so every problem raises :class:`NLUDataError` naming the file and line: malformed
YAML, an annotation that does not parse, an unknown entity name, an intent with
no examples, the same text under two intents, a variant given two synonyms.

We read the YAML ourselves instead of importing Rasa: Rasa pins old TensorFlow
and dozens of packages, and its reader does not report per-example line numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlu.text import normalize

__all__ = [
    "TAXONOMY_ENTITIES",
    "EntitySpan",
    "Example",
    "NLUDataError",
    "TrainingData",
    "load_training_data",
    "parse_annotated",
]

#: Entity types of the taxonomy (``shared/spec/taxonomy.md``): always allowed.
TAXONOMY_ENTITIES = frozenset({"procedure", "application_code", "location", "phone_number", "date"})


class NLUDataError(ValueError):
    """Training data that cannot be used; the message says where (file:line) and why."""


@dataclass(frozen=True)
class EntitySpan:
    """``text[start:end]`` of the example is an ``entity``; ``value`` is what it means."""

    start: int
    end: int
    entity: str
    value: str


@dataclass(frozen=True)
class Example:
    """One annotated message. ``source`` ("file:line") is for error messages only."""

    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()
    source: str = field(default="", compare=False)


@dataclass
class TrainingData:
    """Examples plus the ``synonym``, ``regex`` and ``lookup`` blocks.

    ``synonyms`` maps a :func:`~nlu.text.normalize`-d variant to its canonical
    value ("cccd" -> "căn cước"); ``regexes`` and ``lookups`` map a name (an
    entity type, by the project's convention) to its patterns or phrases.
    """

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    lookups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """Intent names, sorted."""
        return sorted({e.intent for e in self.examples})

    @property
    def entity_types(self) -> list[str]:
        """Entity types annotated in the examples, sorted."""
        return sorted({s.entity for e in self.examples for s in e.entities})

    def merge(self, other: TrainingData) -> TrainingData:
        """A new :class:`TrainingData` holding both; conflicting synonyms raise."""
        synonyms = dict(self.synonyms)
        for variant, canonical in other.synonyms.items():
            if synonyms.get(variant, canonical) != canonical:
                raise NLUDataError(
                    f"synonym {variant!r} maps to both {synonyms[variant]!r} and {canonical!r}"
                )
            synonyms[variant] = canonical
        regexes = {k: list(v) for k, v in self.regexes.items()}
        lookups = {k: list(v) for k, v in self.lookups.items()}
        for target, source in ((regexes, other.regexes), (lookups, other.lookups)):
            for name, items in source.items():
                target.setdefault(name, []).extend(i for i in items if i not in target[name])
        return TrainingData([*self.examples, *other.examples], synonyms, regexes, lookups)

    def content_hash(self) -> str:
        """SHA-256 of the content, independent of file and example order.

        Stored with a trained model so that one can tell which data it saw.
        """
        payload = {
            "examples": sorted(
                [e.text, e.intent, sorted([s.start, s.end, s.entity, s.value] for s in e.entities)]
                for e in self.examples
            ),
            "synonyms": sorted(self.synonyms.items()),
            "regexes": {k: sorted(v) for k, v in sorted(self.regexes.items())},
            "lookups": {k: sorted(v) for k, v in sorted(self.lookups.items())},
        }
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


# --------------------------------------------------------------------------- annotations


def parse_annotated(line: str, where: str = "") -> tuple[str, list[EntitySpan]]:
    """Remove annotation markup from one example; return the text and its entities.

    Forms accepted (as in Rasa 3.x): ``[text](entity)``, ``[text](entity:value)``,
    ``[text]{"entity": "x"}`` and ``[text]{"entity": "x", "value": "y"}``; other
    keys (``role``, ``group``) are ignored. Without a value, the value is the text.

    Square brackets are reserved for annotations: a ``[`` or ``]`` that is not part
    of a complete one raises :class:`NLUDataError`, so a typo such as
    ``[sổ đỏ(procedure)`` cannot silently become training text.
    """
    prefix = f"{where}: " if where else ""
    decoder = json.JSONDecoder()
    plain: list[str] = []
    spans: list[EntitySpan] = []
    length = 0  # of the plain text so far
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "]":
            raise NLUDataError(f"{prefix}unbalanced ']' at column {i + 1} in {line!r}")
        if ch != "[":
            plain.append(ch)
            length += 1
            i += 1
            continue
        close = line.find("]", i + 1)
        if close < 0 or "[" in line[i + 1 : close]:
            raise NLUDataError(f"{prefix}unbalanced '[' at column {i + 1} in {line!r}")
        surface = line[i + 1 : close]
        if not surface.strip():
            raise NLUDataError(f"{prefix}empty annotated text at column {i + 1} in {line!r}")
        after = line[close + 1 : close + 2]
        if after == "(":
            end = line.find(")", close + 2)
            if end < 0:
                raise NLUDataError(f"{prefix}missing ')' after '[{surface}](' in {line!r}")
            entity, _, value = line[close + 2 : end].partition(":")
            entity, value = entity.strip(), value.strip()
            next_i = end + 1
        elif after == "{":
            try:
                meta, next_i = decoder.raw_decode(line, close + 1)
            except json.JSONDecodeError as exc:
                raise NLUDataError(f"{prefix}bad JSON after '[{surface}]': {exc.msg} in {line!r}") from None
            if not isinstance(meta, dict) or not isinstance(meta.get("entity"), str):
                raise NLUDataError(f"{prefix}annotation JSON needs an \"entity\" string in {line!r}")
            entity = meta["entity"].strip()
            value = "" if meta.get("value") is None else str(meta["value"])
        else:
            raise NLUDataError(
                f"{prefix}'[{surface}]' must be followed by (entity) or {{\"entity\": ...}} in {line!r}"
            )
        if not entity or not entity.replace("_", "").replace("-", "").isalnum():
            raise NLUDataError(f"{prefix}bad entity name {entity!r} in {line!r}")
        spans.append(EntitySpan(length, length + len(surface), entity, value or surface))
        plain.append(surface)
        length += len(surface)
        i = next_i
    return "".join(plain), spans


# --------------------------------------------------------------------------- YAML reading


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
        if not files:
            raise NLUDataError(f"{path}: no *.yml or *.yaml files")
        return files
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return [path]


def _items(node: yaml.Node, where: str) -> Iterator[tuple[str, int]]:
    """(item text, 1-based line) for each entry of an ``examples`` value.

    A literal block (``|``) keeps one YAML line per text line, so line ``k`` of its
    value sits ``k + 1`` lines below the ``|``. A YAML list of strings or of
    ``{text: ...}`` mappings (Rasa's form for examples with metadata) works too.
    """
    if isinstance(node, yaml.ScalarNode):
        first = node.start_mark.line + (1 if node.style in ("|", ">") else 0)
        for offset, raw in enumerate(str(node.value).split("\n")):
            stripped = raw.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                raise NLUDataError(f"{where}:{first + offset + 1}: expected '- example', got {stripped!r}")
            yield stripped[2:].strip(), first + offset + 1
        return
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            if isinstance(child, yaml.MappingNode):
                text = next((v for k, v in child.value if k.value == "text"), None)
                child = text if text is not None else child
            if not isinstance(child, yaml.ScalarNode):
                raise NLUDataError(f"{where}:{child.start_mark.line + 1}: expected an example text")
            yield str(child.value).strip(), child.start_mark.line + 1
        return
    raise NLUDataError(f"{where}:{node.start_mark.line + 1}: 'examples' must be a block of '- ' lines")


_KINDS = ("intent", "synonym", "regex", "lookup")


def _read_file(path: Path) -> tuple[TrainingData, dict[str, str]]:
    """Parse one file. Returns its data and, per intent, where it was declared."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise NLUDataError(f"{path}{line}: malformed YAML: {exc.problem or exc}") from None
    except UnicodeDecodeError as exc:
        raise NLUDataError(f"{path}: not UTF-8 ({exc.reason})") from None
    data = TrainingData()
    declared: dict[str, str] = {}
    if root is None:
        return data, declared
    if not isinstance(root, yaml.MappingNode):
        raise NLUDataError(f"{path}:1: expected a mapping with an 'nlu:' key")
    nlu = next((v for k, v in root.value if k.value == "nlu"), None)
    if nlu is None:
        return data, declared  # a stories/rules-only file is not NLU data
    if not isinstance(nlu, yaml.SequenceNode):
        raise NLUDataError(f"{path}:{nlu.start_mark.line + 1}: 'nlu' must be a list")
    for block in nlu.value:
        line = block.start_mark.line + 1
        if not isinstance(block, yaml.MappingNode):
            raise NLUDataError(f"{path}:{line}: each 'nlu' entry must be a mapping")
        keys = {k.value: v for k, v in block.value}
        kinds = [k for k in _KINDS if k in keys]
        if len(kinds) != 1:
            raise NLUDataError(f"{path}:{line}: an entry needs exactly one of {', '.join(_KINDS)}")
        kind = kinds[0]
        name_node = keys[kind]
        name = str(name_node.value).strip() if isinstance(name_node, yaml.ScalarNode) else ""
        if not name:
            raise NLUDataError(f"{path}:{line}: empty {kind} name")
        items = list(_items(keys["examples"], str(path))) if "examples" in keys else []
        if kind == "intent":
            declared.setdefault(name, f"{path}:{line}")
            for text, item_line in items:
                where = f"{path}:{item_line}"
                plain, spans = parse_annotated(text, where)
                data.examples.append(Example(plain, name, tuple(spans), where))
        elif kind == "synonym":
            for text, item_line in items:
                key = normalize(text)
                if data.synonyms.get(key, name) != name:
                    raise NLUDataError(
                        f"{path}:{item_line}: synonym {text!r} maps to both {data.synonyms[key]!r} and {name!r}"
                    )
                data.synonyms[key] = name
        elif kind == "regex":
            for pattern, item_line in items:
                _check_regex(pattern, f"{path}:{item_line}")
            data.regexes.setdefault(name, []).extend(p for p, _ in items)
        else:
            data.lookups.setdefault(name, []).extend(t for t, _ in items)
    return data, declared


def _check_regex(pattern: str, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise NLUDataError(f"{where}: bad regex {pattern!r}: {exc}") from None


def _validate(data: TrainingData, declared: dict[str, str], allowed: set[str]) -> None:
    counts: dict[str, int] = dict.fromkeys(declared, 0)
    seen: dict[str, Example] = {}
    for example in data.examples:
        counts[example.intent] = counts.get(example.intent, 0) + 1
        for span in example.entities:
            if span.entity not in allowed:
                raise NLUDataError(
                    f"{example.source}: unknown entity {span.entity!r}; allowed: {', '.join(sorted(allowed))} "
                    "(declare new ones with a regex or lookup, or pass allowed_entities)"
                )
        key = normalize(example.text)
        other = seen.setdefault(key, example)
        if other.intent != example.intent:
            raise NLUDataError(
                f"{example.source}: {example.text!r} is an example of both {other.intent!r} "
                f"({other.source}) and {example.intent!r}"
            )
    for intent, count in counts.items():
        if count == 0:
            raise NLUDataError(f"{declared[intent]}: intent {intent!r} has no examples")


def load_training_data(path: Path | str, *, allowed_entities: Iterable[str] = ()) -> TrainingData:
    """Read a Rasa 3.x YAML file, or every ``*.yml``/``*.yaml`` file in a folder.

    Entity names must be taxonomy entities, names declared by a ``regex`` or
    ``lookup`` block in the data, or listed in ``allowed_entities``. Raises
    :class:`NLUDataError` (with file and line) for anything that cannot be used,
    :class:`FileNotFoundError` for a missing path.
    """
    data = TrainingData()
    declared: dict[str, str] = {}
    for file in _yaml_files(Path(path)):
        part, part_declared = _read_file(file)
        data = data.merge(part)
        for intent, where in part_declared.items():
            declared.setdefault(intent, where)
    allowed = set(TAXONOMY_ENTITIES) | set(allowed_entities) | set(data.regexes) | set(data.lookups)
    _validate(data, declared, allowed)
    return data
