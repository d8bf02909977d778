"""The NLU model: intent + entities for one message, trained from Rasa-format data.

::

    from nlu.model import NLUModel
    from nlu.training_data import load_training_data

    model = NLUModel(seed=13).fit(load_training_data("training/data/nlu"), progress=True)
    result = model.parse("cho hỏi hồ sơ 000.00.21.h57 250312 0042 đến đâu rồi")   # a ParseResult
    result.intent        # IntentScore(name="check_status", confidence=0.93)
    result.entities[0]   # ParsedEntity(entity="application_code", value="000.00.21.H57-250312-0042",
                         #              start=14, end=39, confidence=1.0, extractor="regex")
    model.save("var/models/nlu/2025-...")          # a versioned directory
    NLUModel.load("var/models/nlu/2025-...")

Pieces: :class:`~nlu.intents.IntentClassifier` for the intent (or, with
``intent_backend="transformer"`` and ``encoder_path``, a fine-tuned local Hugging
Face encoder: :class:`~nlu.transformer_intents.TransformerIntentClassifier`); for entities, the
pattern extractor, the place gazetteer and a CRF whose features include what
the other two (and the data's lookup lists) found, merged by
:func:`~nlu.entities.merge_entities`; values are canonicalised per type
(receipt codes, phone digits, dates, place names, then synonyms).

**Fallback.** When the best intent's confidence is below
:attr:`NLUModel.fallback_threshold`, the intent is ``nlu_fallback`` (Rasa's
name; the dialogue asks the user to rephrase) and the real best guess stays
first in ``intent_ranking``. The threshold is chosen at training time from
out-of-fold predictions of a stratified 5-fold cross-validation: the one that
maximises (right answers kept) - 2 x (wrong answers kept): a wrong intent
costs two right ones (see :data:`WRONG_KEPT_COST`). The same cross-validation gives the
accuracy and macro-F1 stored with the model.

**Built-in extractors** (receipt codes, phone numbers, dates, Huế places: see
:data:`~nlu.entities.BUILTIN_ENTITIES`) report an entity type only when the
training data uses it (annotated, or named by a ``regex``/``lookup`` block or a
``domain.yml``) or when ``builtin_entities`` names it, as a Rasa pipeline lists
its extractors; what they find always feeds the CRF as features.

**Roles and groups** (``[Huế]{"entity": "city", "role": "departure"}``) are
learnt with the entity: the CRF's label is the entity with its role and group,
and the output carries them as Rasa's does.

**Rare intents.** Rasa trains on intents with a handful of examples; so does
this model: an intent with fewer than :data:`MIN_EXAMPLES_PER_INTENT` examples is
left out of the cross-validation (which cannot split it) and its examples are
repeated up to that number for the final intent model, whose calibration needs
three per intent.

**Determinism.** Same data, same seed: same model and same output. All
estimators are deterministic given their seed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import joblib
import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from tqdm import tqdm

from core.artifacts import provenance
from nlu.entities import (
    BUILTIN_ENTITIES,
    CRFEntityExtractor,
    Entity,
    LocationGazetteer,
    PhraseIndex,
    Prepared,
    RegexEntityExtractor,
    SynonymMapper,
    bio_tags,
    canonical_application_code,
    canonical_phone,
    merge_entities,
    prepare,
    syllable_features,
)
from nlu.entities.dates import find_dates
from nlu.entities.gazetteer import phrase_key
from nlu.intents import IntentClassifier
from nlu.results import IntentScore, ParsedEntity, ParseResult
from nlu.training_data import MIN_EXAMPLES_PER_INTENT, EntitySpan, TrainingData

if TYPE_CHECKING:
    from nlu.transformer_intents import TransformerIntentClassifier

__all__ = [
    "FALLBACK_INTENT", "FORMAT", "FORMAT_VERSION", "MIN_EXAMPLES_PER_INTENT", "IntentBackend", "ModelFormatError", "NLUModel",
]

FALLBACK_INTENT = "nlu_fallback"
FORMAT = "hueai-nlu"
#: 2: built-in extractors chosen per model, roles and groups in the CRF's labels.
FORMAT_VERSION = 2
_CV_FOLDS = 5
_RANKING = 5
_LIBRARIES = ("scikit-learn", "sklearn-crfsuite", "python-crfsuite", "numpy", "vietnam-provinces", "PyYAML", "joblib")
#: Where the transformer backend's fine-tuned encoder lives inside a model directory.
_ENCODER_DIR = "intent-encoder"

IntentBackend = Literal["tfidf", "transformer"]


class ModelFormatError(ValueError):
    """A directory that is not a model this code can load."""


#: Separates entity, role and group in a CRF label; whitespace, so never part of a name.
_LABEL_SEPARATOR = "\x1f"


def entity_label(span: EntitySpan) -> str:
    """The CRF's label for an annotated span: the entity, plus role and group when annotated."""
    if span.role is None and span.group is None:
        return span.entity
    return _LABEL_SEPARATOR.join([span.entity, span.role or "", span.group or ""])


def split_label(label: str) -> tuple[str, str | None, str | None]:
    """(entity, role, group) of a label made by :func:`entity_label`."""
    entity, _, rest = label.partition(_LABEL_SEPARATOR)
    role, _, group = rest.partition(_LABEL_SEPARATOR)
    return entity, role or None, group or None


def _repeat_rare(texts: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
    """Repeat the examples of intents below the minimum until each has the minimum."""
    by_intent: dict[str, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_intent.setdefault(label, []).append(text)
    extra_texts, extra_labels = [], []
    for label, items in sorted(by_intent.items()):
        for k in range(len(items), MIN_EXAMPLES_PER_INTENT):
            extra_texts.append(items[k % len(items)])
            extra_labels.append(label)
    return texts + extra_texts, labels + extra_labels


# A wrong intent kept costs this many right intents sent to the fallback. A wrong
# intent answers the wrong question; the fallback asks the citizen to say it
# again. At 1 the cut swung with small changes of the data: 33 more examples of
# one kind moved it from 0.51 to 0.29 (measured in cross-validation on the
# project's data), and vague messages ("cái vụ hôm bữa đó") were then taken for
# an intent. At 2 the same data gave 0.55 and 0.52.
WRONG_KEPT_COST = 2.0


def choose_threshold(confidences: np.ndarray, correct: np.ndarray) -> float:
    """The confidence cut that maximises right-kept minus :data:`WRONG_KEPT_COST` times wrong-kept
    (lowest on ties)."""
    order = np.argsort(-confidences, kind="stable")
    gains = np.cumsum(np.where(correct[order], 1.0, -WRONG_KEPT_COST))
    # Keeping the k most confident answers; a cut must not split equal confidences.
    sorted_conf = confidences[order]
    best_k, best_gain = 0, 0
    for k in range(1, len(order) + 1):
        if k < len(order) and sorted_conf[k] == sorted_conf[k - 1]:
            continue
        if gains[k - 1] > best_gain:
            best_k, best_gain = k, gains[k - 1]
    if best_k == len(order):
        return 0.0
    if best_k == 0:
        return float(sorted_conf[0]) + 1e-9
    return float(sorted_conf[best_k - 1])


class NLUModel:
    """Intent classifier + entity extractors; see the module docstring.

    ``intent_backend="transformer"`` fine-tunes the local Hugging Face encoder
    directory ``encoder_path`` for intents instead of the TF-IDF default (slow
    without a GPU: see :mod:`nlu.transformer_intents`); entities are the same.
    ``builtin_entities`` names the built-in extractors' entity types to report
    (None: those the training data uses; see the module docstring).
    """

    def __init__(
        self, *, seed: int = 13, crf_max_iterations: int = 100,
        intent_backend: IntentBackend = "tfidf", encoder_path: Path | str | None = None,
        builtin_entities: Iterable[str] | None = None,
    ) -> None:
        if intent_backend not in ("tfidf", "transformer"):
            raise ValueError(f"unknown intent backend {intent_backend!r}: use 'tfidf' or 'transformer'")
        if intent_backend == "transformer" and encoder_path is None:
            raise ValueError("intent_backend='transformer' needs encoder_path, a local Hugging Face encoder directory")
        self.seed = seed
        self.crf_max_iterations = crf_max_iterations
        self.intent_backend: IntentBackend = intent_backend
        self.encoder_path = encoder_path
        self.intents: list[str] = []
        self.entity_types: list[str] = []
        self.builtin_entities = None if builtin_entities is None else sorted(set(builtin_entities))
        unknown = set(self.builtin_entities or ()) - BUILTIN_ENTITIES
        if unknown:
            raise ValueError(f"no built-in extractor for {', '.join(sorted(unknown))}; "
                             f"built-ins: {', '.join(sorted(BUILTIN_ENTITIES))}")
        #: The built-in entity types this model reports (chosen at training time).
        self.builtins: frozenset[str] = frozenset(BUILTIN_ENTITIES)
        self.warnings: list[str] = []
        self.fallback_threshold = 0.0
        self.metrics: dict = {}
        self.data_hash = ""
        self.classifier: IntentClassifier | TransformerIntentClassifier | None = None
        self.regex = RegexEntityExtractor()
        self.gazetteer = LocationGazetteer()  # filled by fit() or load()
        self.lookups: dict[str, PhraseIndex] = {}
        self.synonyms = SynonymMapper({})
        self.crf = CRFEntityExtractor(max_iterations=crf_max_iterations)
        self.created_at = ""

    # ------------------------------------------------------------------ training

    def _new_classifier(self, progress: bool = False) -> IntentClassifier | TransformerIntentClassifier:
        if self.intent_backend == "tfidf":
            return IntentClassifier(seed=self.seed)
        # Imported here so that the default backend never pays for importing torch.
        from nlu.transformer_intents import TransformerIntentClassifier

        assert self.encoder_path is not None
        return TransformerIntentClassifier(self.encoder_path, seed=self.seed, progress=progress)

    def fit(self, data: TrainingData, *, progress: bool = False) -> NLUModel:
        """Train on ``data``; ``progress`` shows a progress bar on stderr."""
        counts = {i: sum(e.intent == i for e in data.examples) for i in data.intents}
        if len(counts) < 2:
            raise ValueError(f"need at least 2 intents with examples; got {', '.join(counts) or 'none'}")
        texts = [e.text for e in data.examples]
        labels = [e.intent for e in data.examples]
        # Cross-validation (for the threshold and the stored metrics) on the intents it can split.
        common = {i for i, n in counts.items() if n >= MIN_EXAMPLES_PER_INTENT}
        cv_texts = [t for t, label in zip(texts, labels, strict=True) if label in common]
        cv_labels = [label for label in labels if label in common]
        steps = ["cross-validating intents", "training intents", "preparing entities", "training entities"]
        with tqdm(total=len(steps), disable=not progress, desc="NLU", unit="step") as bar:
            bar.set_postfix_str(steps[0])
            self.fallback_threshold = 0.0
            self.metrics = {"cv_folds": _CV_FOLDS, "examples": len(texts)}
            if len(common) >= 2:
                folds = StratifiedKFold(_CV_FOLDS, shuffle=True, random_state=self.seed)
                proba = cross_val_predict(self._new_classifier(progress), cv_texts, cv_labels, cv=folds,
                                          method="predict_proba")
                classes = np.array(sorted(common))
                predicted = classes[proba.argmax(axis=1)]
                correct = predicted == np.array(cv_labels)
                self.fallback_threshold = round(choose_threshold(proba.max(axis=1), correct), 6)
                self.metrics.update({
                    "cv_accuracy": round(float(accuracy_score(cv_labels, predicted)), 4),
                    "cv_macro_f1": round(float(f1_score(cv_labels, predicted, average="macro")), 4),
                    "cv_fallback_rate": round(float(np.mean(proba.max(axis=1) < self.fallback_threshold)), 4),
                })
            if len(common) < len(counts):
                self.metrics["cv_intents_left_out"] = sorted(set(counts) - common)
            bar.update()
            bar.set_postfix_str(steps[1])
            self.classifier = self._new_classifier(progress).fit(*_repeat_rare(texts, labels))
            self.intents = [str(c) for c in self.classifier.classes_]
            bar.update()
            bar.set_postfix_str(steps[2])
            self._fit_lists(data)
            features, tags = [], []
            for example in data.examples:
                prepared = prepare(example.text)
                features.append(self._features(prepared, self._candidates(prepared, None)))
                tags.append(bio_tags(prepared, [(s.start, s.end, entity_label(s)) for s in example.entities]))
            bar.update()
            bar.set_postfix_str(steps[3])
            self.crf = CRFEntityExtractor(max_iterations=self.crf_max_iterations)
            if any(t != "O" for sequence in tags for t in sequence):
                self.crf.fit(features, tags)
            self.entity_types = sorted(set(data.entity_types) | {split_label(label)[0] for label in self.crf.labels})
            bar.update()
        self.warnings = list(data.warnings)
        self.data_hash = data.content_hash()
        self.created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return self

    def _fit_lists(self, data: TrainingData) -> None:
        if self.builtin_entities is None:
            used = set(data.entity_types) | set(data.regexes) | set(data.lookups) | set(data.domain_entities)
            self.builtins = frozenset(BUILTIN_ENTITIES & used)
        else:
            self.builtins = frozenset(self.builtin_entities)
        self.synonyms = SynonymMapper.from_examples(data.synonyms, data.examples)
        self.regex = RegexEntityExtractor(data.regexes)
        self.gazetteer = LocationGazetteer.default()
        self.lookups = {}
        for name, phrases in sorted(data.lookups.items()):
            index = PhraseIndex()
            for phrase in phrases:
                index.add(phrase_key(phrase), name)
                if name == "location":
                    self.gazetteer.add_phrase(phrase, self.synonyms.get("location", phrase))
            self.lookups[name] = index

    # ------------------------------------------------------------------ entities

    def _candidates(self, prepared: Prepared, reference_date: dt.date | None) -> list[Entity]:
        return [*self.regex.extract(prepared, reference_date=reference_date), *self.gazetteer.find(prepared)]

    def _lookup_hints(self, prepared: Prepared) -> list[tuple[int, int, str]]:
        syllables = prepared.syllables
        words = [s.plain for s in syllables]
        hints = []
        for name, index in self.lookups.items():
            i = 0
            while i < len(words):
                end, items = index.match(words, i)
                if items:
                    hints.append((syllables[i].start, syllables[end - 1].end, "lookup:" + name))
                    i = end
                else:
                    i += 1
        return hints

    def _features(self, prepared: Prepared, candidates: list[Entity]) -> list[dict]:
        hints = [(e.start, e.end, f"{e.extractor}:{e.entity}") for e in candidates]
        return syllable_features(prepared, hints + self._lookup_hints(prepared))

    def _value(self, entity: str, surface: str, reference_date: dt.date | None) -> str:
        if entity == "application_code":
            return canonical_application_code(surface)
        if entity == "phone_number":
            return canonical_phone(surface)
        if entity == "date":
            found = find_dates(prepare(surface).plain, reference_date)
            if len(found) == 1:
                return found[0][2]
        if entity == "location" and (place := self.gazetteer.value_of(surface)):
            return place
        return self.synonyms.get(entity, surface) or surface

    def extract_entities(self, text: str, *, reference_date: dt.date | None = None) -> list[Entity]:
        """Entities of ``text`` (offsets into ``text``), merged from all extractors."""
        prepared = prepare(text)
        if not prepared.syllables:
            return []
        candidates = self._candidates(prepared, reference_date)
        learnt = []
        for e in self.crf.extract(prepared, self._features(prepared, candidates)):
            entity, role, group = split_label(e.entity)
            value = self._value(entity, e.value, reference_date)
            learnt.append(Entity(entity, value, e.start, e.end, e.confidence, e.extractor, role, group))
        # Every candidate was a feature of the CRF; a built-in one is an answer only
        # for the types this model reports (the data's own regexes always are).
        reported = [c for c in candidates if c.entity in self.builtins or c.entity not in BUILTIN_ENTITIES
                    or c.entity in self.regex.patterns]
        return merge_entities([*reported, *learnt])

    # ------------------------------------------------------------------ parsing

    def parse(self, text: str, *, reference_date: dt.date | None = None) -> ParseResult:
        """Intent and entities of one message; see the module docstring for the shape.

        Any string is accepted: empty or whitespace-only text gives ``nlu_fallback``
        with confidence 0 and no entities. A non-string raises ``ValueError``.
        """
        return self.parse_many([text], reference_date=reference_date)[0]

    def parse_many(self, texts: Iterable[str], *, reference_date: dt.date | None = None) -> list[ParseResult]:
        """:meth:`parse` for many messages; the intent model runs once for all."""
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise ValueError(f"expected a str, got {type(text).__name__}")
        if self.classifier is None:
            raise ValueError("the model is not trained: call fit() or NLUModel.load()")
        results = [self._empty(t) for t in texts]
        todo = [i for i, t in enumerate(texts) if t.strip()]
        if todo:
            proba = self.classifier.predict_proba([texts[i] for i in todo])
            for row, i in zip(proba, todo, strict=True):
                results[i] = self._result(texts[i], row, reference_date)
        return results

    @staticmethod
    def _empty(text: str) -> ParseResult:
        return ParseResult(text=text, intent=IntentScore(name=FALLBACK_INTENT, confidence=0.0), intent_ranking=[],
                           entities=[])

    def _result(self, text: str, row: np.ndarray, reference_date: dt.date | None) -> ParseResult:
        order = np.argsort(-row, kind="stable")[:_RANKING]
        ranking = [IntentScore(name=self.intents[k], confidence=round(float(row[k]), 4)) for k in order]
        best = ranking[0]
        intent = best if best.confidence >= self.fallback_threshold else IntentScore(
            name=FALLBACK_INTENT, confidence=best.confidence)
        entities = [ParsedEntity(**e.to_dict()) for e in self.extract_entities(text, reference_date=reference_date)]
        return ParseResult(text=text, intent=intent, intent_ranking=ranking, entities=entities)

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path | str) -> Path:
        """Write ``model.json`` (what, from which data, how good) and ``nlu.joblib``.

        The transformer backend's encoder is not pickled: it is written with
        ``save_pretrained`` to ``intent-encoder/``, and ``model.json`` gains
        ``intent_backend`` and ``encoder_path`` (the encoder it started from).
        A TF-IDF model's files are exactly as before these keys existed.
        """
        if self.classifier is None:
            raise ValueError("nothing to save: the model is not trained")
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        parts = {"crf": self.crf, "regex": self.regex, "gazetteer": self.gazetteer,
                 "lookups": self.lookups, "synonyms": self.synonyms}
        files = ["nlu.joblib"]
        if self.intent_backend == "tfidf":
            parts = {"classifier": self.classifier, **parts}
        else:
            self.classifier.save(target / _ENCODER_DIR)  # type: ignore[union-attr]
            files.append(_ENCODER_DIR)
        joblib.dump(parts, target / "nlu.joblib")
        meta = provenance(
            "nlu",
            data_hash=self.data_hash,
            seed=self.seed,
            metrics=self.metrics,
            libraries=_LIBRARIES,
            format=FORMAT,
            format_version=FORMAT_VERSION,
            crf_max_iterations=self.crf_max_iterations,
            intents=self.intents,
            entity_types=self.entity_types,
            builtin_entities=sorted(self.builtins),
            fallback_threshold=self.fallback_threshold,
            data_warnings=self.warnings,
            files=files,
        )
        if self.intent_backend != "tfidf":
            meta.update(intent_backend=self.intent_backend, encoder_path=str(self.encoder_path))
        (target / "model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return target

    @classmethod
    def load(cls, directory: Path | str) -> NLUModel:
        """Load a directory written by :meth:`save`.

        Raises :class:`FileNotFoundError` when it does not exist and
        :class:`ModelFormatError` when it is not a model of this format and version.
        ``nlu.joblib`` is a pickle: load only models you trained.
        """
        source = Path(directory)
        if not source.is_dir():
            raise FileNotFoundError(f"{source}: no such model directory")
        try:
            meta = json.loads((source / "model.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelFormatError(f"{source}: not an NLU model directory (model.json: {exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ModelFormatError(f"{source}: unknown model format {meta.get('format') if isinstance(meta, dict) else meta!r}")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"{source}: model format version {meta.get('format_version')!r}; this code reads {FORMAT_VERSION}; retrain"
            )
        parts = joblib.load(source / "nlu.joblib")
        backend = meta.get("intent_backend", "tfidf")  # absent: a TF-IDF model
        model = cls(seed=meta["seed"], crf_max_iterations=meta["crf_max_iterations"],
                    intent_backend=backend, encoder_path=meta.get("encoder_path"))
        if backend == "tfidf":
            model.classifier = parts["classifier"]
        else:
            from nlu.transformer_intents import TransformerIntentClassifier

            model.classifier = TransformerIntentClassifier.load(source / _ENCODER_DIR)
        model.crf, model.regex = parts["crf"], parts["regex"]
        model.gazetteer, model.lookups, model.synonyms = parts["gazetteer"], parts["lookups"], parts["synonyms"]
        model.intents, model.entity_types = meta["intents"], meta["entity_types"]
        model.builtins = frozenset(meta["builtin_entities"])
        model.builtin_entities = sorted(model.builtins)
        model.warnings = list(meta.get("data_warnings", []))
        model.fallback_threshold, model.metrics = meta["fallback_threshold"], meta["metrics"]
        model.data_hash, model.created_at = meta["data_hash"], meta["created_at"]
        return model
