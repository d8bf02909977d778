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
so every problem that makes the data unreadable raises :class:`NLUDataError`
naming the file and line: malformed YAML, an annotation that does not parse, a
variant given two synonyms, a bad regex.

Three things Rasa 3.x accepts are accepted here too, each reported once in
:attr:`TrainingData.warnings` with a count (``strict=True`` makes them errors,
which is what the project's own data is held to):

* an entity used in examples but declared by no ``regex``/``lookup`` block, no
  ``domain.yml`` beside the data and not in ``allowed_entities``: it is learnt
  from the examples, as Rasa does;
* the same text (after :func:`~nlu.text.normalize`) under two intents: it is
  **kept under the first intent** (in file order) and dropped from the others;
* an intent with fewer than :data:`MIN_EXAMPLES_PER_INTENT` examples, or none.

Entity names are what Rasa allows (``fromloc.city_name``); ``strict`` keeps the
project's own convention of letters, digits, ``_`` and ``-``. Roles and groups
(``[Huế]{"entity": "city", "role": "departure", "group": "1"}``) are kept on
each :class:`EntitySpan`, and the model learns and outputs them as Rasa does.

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
    "MIN_EXAMPLES_PER_INTENT",
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
#: Fewer examples than this for an intent is a warning (an error with ``strict``).
MIN_EXAMPLES_PER_INTENT = 5
#: The project's convention for entity names, enforced with ``strict``.
_STRICT_NAME = re.compile(r"[A-Za-z0-9_\-]+")
#: What Rasa's annotation syntax can carry as an entity, role or group name.
_RASA_NAME = re.compile(r"[^\s\[\](){}:\"]+")


class NLUDataError(ValueError):
    """Training data that cannot be used; the message says where (file:line) and why."""


@dataclass(frozen=True)
class EntitySpan:
    """``text[start:end]`` of the example is an ``entity``; ``value`` is what it means;
    ``role`` and ``group`` as annotated (Rasa's ``{"entity", "role", "group"}``), else None."""

    start: int
    end: int
    entity: str
    value: str
    role: str | None = None
    group: str | None = None


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
    #: Entity names a ``domain.yml`` beside the data declares (Rasa's ``entities:``).
    domain_entities: list[str] = field(default_factory=list)
    #: What :func:`load_training_data` accepted but Rasa users should know: one line per kind, with counts.
    warnings: list[str] = field(default_factory=list, compare=False)

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
        domain = sorted(set(self.domain_entities) | set(other.domain_entities))
        return TrainingData([*self.examples, *other.examples], synonyms, regexes, lookups, domain,
                            [*self.warnings, *other.warnings])

    def content_hash(self) -> str:
        """SHA-256 of the content, independent of file and example order.

        Stored with a trained model so that one can tell which data it saw.
        """
        payload = {
            "examples": sorted(
                [e.text, e.intent, sorted([s.start, s.end, s.entity, s.value, *_role_key(s)] for s in e.entities)]
                for e in self.examples
            ),
            "synonyms": sorted(self.synonyms.items()),
            "regexes": {k: sorted(v) for k, v in sorted(self.regexes.items())},
            "lookups": {k: sorted(v) for k, v in sorted(self.lookups.items())},
        }
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


def _role_key(span: EntitySpan) -> list[str]:
    # Absent roles and groups add nothing, so hashes of data without them are unchanged.
    return [] if span.role is None and span.group is None else [span.role or "", span.group or ""]


# --------------------------------------------------------------------------- annotations


def _name(value: object, what: str, line: str, prefix: str, strict: bool) -> str | None:
    """An entity, role or group name from an annotation; None when absent."""
    if value is None:
        return None
    name = str(value).strip()
    pattern = _STRICT_NAME if strict else _RASA_NAME
    if not name or not pattern.fullmatch(name):
        raise NLUDataError(f"{prefix}bad {what} name {name!r} in {line!r}")
    return name


def _spans_from_json(meta: object, surface: str, start: int, line: str, prefix: str,
                     strict: bool) -> list[EntitySpan]:
    items = meta if isinstance(meta, list) else [meta]
    spans = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
            raise NLUDataError(f"{prefix}annotation JSON needs an \"entity\" string in {line!r}")
        entity = _name(item["entity"], "entity", line, prefix, strict)
        value = "" if item.get("value") is None else str(item["value"])
        spans.append(EntitySpan(start, start + len(surface), entity or "", value or surface,
                                _name(item.get("role"), "role", line, prefix, strict),
                                _name(item.get("group"), "group", line, prefix, strict)))
    return spans


def parse_annotated(line: str, where: str = "", *, strict: bool = False) -> tuple[str, list[EntitySpan]]:
    """Remove annotation markup from one example; return the text and its entities.

    Forms accepted (as in Rasa 3.x): ``[text](entity)``, ``[text](entity:value)``,
    ``[text]{"entity": "x"}``, ``[text]{"entity": "x", "value": "y", "role": "r",
    "group": "g"}`` and a list of such objects for one text
    (``[text][{"entity": "a"}, {"entity": "b"}]``). Without a value, the value is
    the text. Entity names are what Rasa's syntax allows (no space, bracket,
    brace, parenthesis, colon or quote); ``strict`` allows only letters, digits,
    ``_`` and ``-``.

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
            name = _name(entity, "entity", line, prefix, strict)
            if name is None:
                raise NLUDataError(f"{prefix}bad entity name '' in {line!r}")
            spans.append(EntitySpan(length, length + len(surface), name, value.strip() or surface))
            next_i = end + 1
        elif after in ("{", "["):
            try:
                meta, next_i = decoder.raw_decode(line, close + 1)
            except json.JSONDecodeError as exc:
                raise NLUDataError(f"{prefix}bad JSON after '[{surface}]': {exc.msg} in {line!r}") from None
            spans.extend(_spans_from_json(meta, surface, length, line, prefix, strict))
        else:
            raise NLUDataError(
                f"{prefix}'[{surface}]' must be followed by (entity) or {{\"entity\": ...}} in {line!r}"
            )
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


def _read_file(path: Path, strict: bool = False) -> tuple[TrainingData, dict[str, str]]:
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
                plain, spans = parse_annotated(text, where, strict=strict)
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


def _examples(n: int) -> str:
    return f"{n} example" + ("" if n == 1 else "s")


def _validate(data: TrainingData, declared: dict[str, str], allowed: set[str], strict: bool) -> TrainingData:
    """Check the merged data; return it with warnings (or raise, with ``strict``).

    The same text under two intents is kept under the first (file order) only.
    """
    counts: dict[str, int] = dict.fromkeys(declared, 0)
    seen: dict[str, Example] = {}
    kept: list[Example] = []
    undeclared: dict[str, int] = {}
    duplicates: list[tuple[Example, Example]] = []
    for example in data.examples:
        key = normalize(example.text)
        other = seen.setdefault(key, example)
        if other.intent != example.intent:
            if strict:
                raise NLUDataError(
                    f"{example.source}: {example.text!r} is an example of both {other.intent!r} "
                    f"({other.source}) and {example.intent!r}"
                )
            duplicates.append((other, example))
            continue
        kept.append(example)
        counts[example.intent] = counts.get(example.intent, 0) + 1
        for span in example.entities:
            if span.entity not in allowed:
                if strict:
                    raise NLUDataError(
                        f"{example.source}: unknown entity {span.entity!r}; allowed: {', '.join(sorted(allowed))} "
                        "(declare new ones with a regex or lookup, in a domain.yml beside the data, "
                        "or pass allowed_entities)"
                    )
                undeclared[span.entity] = undeclared.get(span.entity, 0) + 1
    warnings = list(data.warnings)
    for intent, count in counts.items():
        if count == 0 and strict:
            raise NLUDataError(f"{declared[intent]}: intent {intent!r} has no examples")
    few = {i: n for i, n in counts.items() if n < MIN_EXAMPLES_PER_INTENT}
    if few and strict:
        intent = min(few, key=lambda i: (few[i], i))
        raise NLUDataError(
            f"{declared.get(intent, intent)}: intent {intent!r} has {_examples(few[intent])}; "
            f"at least {MIN_EXAMPLES_PER_INTENT} are needed"
        )
    if undeclared:
        listed = sorted(undeclared.items(), key=lambda item: (-item[1], item[0]))
        names = ", ".join(f"{name} ({n})" for name, n in listed[:10]) + (
            f" and {len(listed) - 10} more" if len(listed) > 10 else "")
        warnings.append(
            f"{len(undeclared)} entity types are annotated in {sum(undeclared.values())} spans but declared by no "
            f"regex or lookup block and no domain.yml; learnt from the examples as Rasa does: {names}"
        )
    if duplicates:
        first, later = duplicates[0]
        warnings.append(
            f"{len(duplicates)} examples repeat a text already given under another intent; each is kept under "
            f"the first intent (in file order) and dropped from the later one, e.g. {later.text!r} kept under "
            f"{first.intent!r} ({first.source}), dropped from {later.intent!r} ({later.source})"
        )
    if few:
        empty = sorted(i for i, n in few.items() if n == 0)
        listed = ", ".join(f"{i} ({n})" for i, n in sorted(few.items()) if n)
        if listed:
            warnings.append(
                f"{len(few) - len(empty)} intents have fewer than {MIN_EXAMPLES_PER_INTENT} examples: {listed}; "
                f"the intent model repeats their examples up to {MIN_EXAMPLES_PER_INTENT}"
            )
        if empty:
            warnings.append(f"{len(empty)} intents have no examples and are ignored: {', '.join(empty)}")
    return TrainingData(kept, data.synonyms, data.regexes, data.lookups, data.domain_entities, warnings)


DOMAIN_FILES = ("domain.yml", "domain.yaml")


def domain_entities(path: Path) -> list[str]:
    """Entity names declared by a Rasa ``domain.yml`` beside the data.

    Looked for, as a Rasa project lays it out, in the data's folder (the file's
    folder when ``path`` is a file) and in the folder above it (``data/nlu.yml``
    next to ``domain.yml``). ``entities:`` items are names, or mappings of a name
    to its ``roles``/``groups``.
    """
    folder = path if path.is_dir() else path.parent
    names: set[str] = set()
    for candidate in [folder / f for f in DOMAIN_FILES] + [folder.parent / f for f in DOMAIN_FILES]:
        if not candidate.is_file():
            continue
        try:
            domain = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise NLUDataError(f"{candidate}: malformed YAML: {exc}") from None
        entities = domain.get("entities") if isinstance(domain, dict) else None
        for item in entities or []:
            if isinstance(item, dict):
                names.update(str(k) for k in item)
            elif item is not None:
                names.add(str(item))
    return sorted(names)


def load_training_data(path: Path | str, *, allowed_entities: Iterable[str] = (), strict: bool = False) -> TrainingData:
    """Read a Rasa 3.x YAML file, or every ``*.yml``/``*.yaml`` file in a folder.

    Entity names are declared by the taxonomy, a ``regex`` or ``lookup`` block, a
    ``domain.yml`` beside the data (see :func:`domain_entities`) or
    ``allowed_entities``; others are learnt all the same, with a warning. What
    Rasa accepts but deserves a look (undeclared entities, a text under two
    intents, intents with fewer than :data:`MIN_EXAMPLES_PER_INTENT` examples)
    ends up in :attr:`TrainingData.warnings`, one line per kind with counts;
    ``strict=True`` (the project's own data, CI) raises :class:`NLUDataError`
    for each instead, and allows only letters, digits, ``_`` and ``-`` in
    names. Unreadable data always raises :class:`NLUDataError` with file and
    line; a missing path raises :class:`FileNotFoundError`.
    """
    source = Path(path)
    data = TrainingData()
    declared: dict[str, str] = {}
    for file in _yaml_files(source):
        if file.name in DOMAIN_FILES:
            continue
        part, part_declared = _read_file(file, strict)
        data = data.merge(part)
        for intent, where in part_declared.items():
            declared.setdefault(intent, where)
    data.domain_entities = domain_entities(source)
    allowed = (set(TAXONOMY_ENTITIES) | set(allowed_entities) | set(data.regexes) | set(data.lookups)
               | set(data.domain_entities))
    return _validate(data, declared, allowed, strict)
