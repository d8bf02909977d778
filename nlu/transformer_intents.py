"""Intent classification by fine-tuning a pretrained transformer encoder.

The default intent model (:class:`~nlu.intents.IntentClassifier`, TF-IDF and a
linear SVM) needs nothing but the training data and trains in seconds. This
backend is the optional alternative for an operator who has a pretrained
Vietnamese encoder on disk, e.g. PhoBERT (``vinai/phobert-base-v2``) or any
other Hugging Face encoder directory: it puts a fresh classification head on the
encoder and fine-tunes the whole network on the intent examples. It is switched
on by ``HUEAI_NLU_ENCODER=/path/to/encoder`` (see :mod:`nlu.settings`), or in
code::

    from nlu.model import NLUModel

    model = NLUModel(seed=13, intent_backend="transformer", encoder_path="models/phobert-base-v2")

or on its own, with the same interface as the default classifier::

    from nlu.transformer_intents import TransformerIntentClassifier

    clf = TransformerIntentClassifier("models/phobert-base-v2").fit(texts, labels)
    clf.predict_proba(["cho hỏi làm căn cước ở đâu"])   # (1, n_intents), rows sum to 1
    clf.save("var/intent-encoder")
    TransformerIntentClassifier.load("var/intent-encoder")

Nothing is ever downloaded: the encoder and its tokenizer are read with
``local_files_only=True``, so the path must be a directory written by
``save_pretrained`` (``config.json``, the weights and the tokenizer files).

**Input text.** Messages are normalised with :func:`nlu.text.normalize` (NFC,
one tone placement, lower case, single spaces), the same canonical spelling the
rest of the NLU sees. PhoBERT was pre-trained on *word-segmented* text, where the
syllables of a word are joined by underscores ("đăng_ký khai_sinh"), and its
vocabulary is made of such words; fed plain syllables it sees a different
distribution than it learnt. So when the encoder is PhoBERT-like (see
:func:`is_word_segmented`), each word found by :func:`nlu.text.tokenize` is
written with "_" between its syllables before tokenisation. Other encoders
(multilingual BERT, XLM-R, ViSoBERT...) get the normalised text as is.

**Training.** A plain PyTorch loop, with no ``Trainer``: AdamW (weight decay on
matrices only), a linear learning-rate warm-up over the first 10 % of steps then
linear decay to zero, gradient norm clipped at 1, and batches padded to their
longest message. No ``DataLoader`` workers or threads are started, so it behaves
under ``torch.set_num_threads(1)``. It runs on CUDA when available
(``device="auto"``), otherwise on the CPU.

**Cost.** ``NLUModel`` picks its fallback threshold from a 5-fold
cross-validation, so a model is fine-tuned 6 times. For PhoBERT-base on the
project's ~1,200 examples with the defaults that should take minutes on a GPU
but something like an hour on a 2-core CPU (an estimate: no pretrained encoder
was at hand to measure with); the TF-IDF default remains the right choice
without a GPU.

**Determinism.** The classification head's initialisation, dropout and batch
order all come from ``seed``: on a CPU, the same data, encoder and seed give the
same probabilities, bit for bit. The global torch random state is left as it
was. (CUDA kernels may differ in the last bits between runs.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    get_linear_schedule_with_warmup,
)

from nlu.text import normalize, tokenize

__all__ = ["META_FILE", "TransformerIntentClassifier", "encoder_text", "is_word_segmented"]

#: Written next to the encoder's own files by :meth:`TransformerIntentClassifier.save`.
META_FILE = "intent_classifier.json"
_FORMAT = "hueai-intent-encoder"
_FORMAT_VERSION = 1
_WARMUP_FRACTION = 0.1
_WEIGHT_DECAY = 0.01
_MAX_GRAD_NORM = 1.0
_PREDICT_BATCH = 64
# PhoBERT's 64k BPE vocabulary was learnt from segmented text, so many of its
# entries are multi-syllable words joined by "_"; a vocabulary learnt from
# unsegmented text has next to none.
_SEGMENTED_VOCAB_SHARE = 0.05


def is_word_segmented(tokenizer: PreTrainedTokenizerBase, model_type: str | None, directory: Path) -> bool:
    """Does this encoder expect word-segmented input ("đăng_ký khai_sinh")?

    True for PhoBERT: its tokenizer class (``PhobertTokenizer``) says so; or, for
    a RoBERTa model (PhoBERT's architecture) whose tokenizer was re-saved under
    another class, its fastBPE ``bpe.codes`` file or a vocabulary where at least
    5 % of the entries join syllables with underscores.
    """
    if "phobert" in type(tokenizer).__name__.lower():
        return True
    if model_type != "roberta":
        return False
    if (directory / "bpe.codes").is_file():
        return True
    vocab = tokenizer.get_vocab()
    joined = sum("_" in token.strip("_") for token in vocab)
    return joined >= _SEGMENTED_VOCAB_SHARE * len(vocab)


def encoder_text(text: str, word_segmented: bool) -> str:
    """What the encoder's tokenizer is given for ``text`` (see the module docstring).

    >>> encoder_text("Đăng ký  khai sinh", False)
    'đăng ký khai sinh'
    >>> encoder_text("Đăng ký  khai sinh", True)
    'đăng_ký khai_sinh'
    """
    normalised = normalize(text)
    if not word_segmented:
        return normalised
    return " ".join(token.text.replace(" ", "_") for token in tokenize(normalised))


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


class TransformerIntentClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn classifier that fine-tunes the encoder at ``encoder_path``.

    ``fit(texts, labels)``, ``predict_proba(texts)`` (columns in ``classes_``
    order, which is sorted), ``predict(texts)``; ``save``/``load`` a directory.
    Being a scikit-learn estimator, it can be cloned and cross-validated.

    Parameters: ``epochs`` passes over the data; ``batch_size`` messages per
    step; ``learning_rate`` the peak AdamW rate (3e-5 suits base-size BERTs);
    ``max_length`` tokens kept per message (longer ones are truncated; hotline
    messages are short); ``seed`` for head initialisation, dropout and batch
    order; ``progress`` shows a bar on stderr while training; ``device`` is
    "auto" (CUDA when available), "cpu", "cuda" or "cuda:N";
    ``word_segmentation`` forces word-segmented input on or off (``None``:
    decided by :func:`is_word_segmented`).
    """

    def __init__(
        self,
        encoder_path: Path | str,
        *,
        epochs: int = 4,
        batch_size: int = 16,
        learning_rate: float = 3e-5,
        max_length: int = 64,
        seed: int = 13,
        progress: bool = False,
        device: str = "auto",
        word_segmentation: bool | None = None,
    ) -> None:
        self.encoder_path = encoder_path
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_length = max_length
        self.seed = seed
        self.progress = progress
        self.device = device
        self.word_segmentation = word_segmentation

    # ------------------------------------------------------------------ helpers

    def _torch_device(self) -> torch.device:
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)

    def _encode(self, texts: list[str], device: torch.device) -> dict[str, torch.Tensor]:
        """Tokenise prepared texts, padded to the longest in this batch."""
        batch = self.tokenizer_(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        return {name: tensor.to(device) for name, tensor in batch.items()}

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        return [encoder_text(text, self.word_segmented_) for text in texts]

    # ------------------------------------------------------------------ training

    def fit(self, texts: Sequence[str], labels: Sequence[Any]) -> TransformerIntentClassifier:
        """Fine-tune a fresh copy of the encoder, with a new head, on ``texts``/``labels``."""
        texts, labels = list(texts), list(labels)
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        # Sorted like scikit-learn's classifiers, so cross_val_predict and
        # NLUModel can read column k of predict_proba as classes_[k].
        self.classes_ = np.array(sorted(set(labels)))
        if len(self.classes_) < 2:
            raise ValueError("need at least 2 classes")
        index = {label: k for k, label in enumerate(self.classes_.tolist())}
        targets = torch.tensor([index[label] for label in labels])
        source = Path(self.encoder_path)
        # Said here, plainly: transformers would take a missing path for a hub
        # model name and fail with a message about the network.
        if not source.is_dir():
            raise FileNotFoundError(f"{source}: no such encoder directory (a local Hugging Face model is needed)")
        device = self._torch_device()

        self.tokenizer_ = AutoTokenizer.from_pretrained(source, local_files_only=True)
        # fork_rng: seeding must make this fit reproducible without resetting
        # the random state of whoever called us.
        cuda = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(self.seed)  # the new head's initial weights and dropout
            self.model_ = AutoModelForSequenceClassification.from_pretrained(
                source,
                num_labels=len(self.classes_),
                id2label={k: str(label) for label, k in index.items()},
                label2id={str(label): k for label, k in index.items()},
                # An encoder saved with a classification head of another size
                # (a model fine-tuned elsewhere) gets a new head instead of an error.
                ignore_mismatched_sizes=True,
                local_files_only=True,
            ).to(device)
            self.word_segmented_ = (
                is_word_segmented(self.tokenizer_, self.model_.config.model_type, source)
                if self.word_segmentation is None else self.word_segmentation
            )
            self._train(self._prepare(texts), targets, device)
        self.model_.eval()
        return self

    def _train(self, texts: list[str], targets: torch.Tensor, device: torch.device) -> None:
        model: PreTrainedModel = self.model_
        steps_per_epoch = -(-len(texts) // self.batch_size)
        total = self.epochs * steps_per_epoch
        # Biases and LayerNorm weights (the 1-D parameters) are not decayed: the
        # usual BERT recipe, since shrinking them towards 0 only hurts.
        parameters = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            [{"params": [p for p in parameters if p.ndim >= 2], "weight_decay": _WEIGHT_DECAY},
             {"params": [p for p in parameters if p.ndim < 2], "weight_decay": 0.0}],
            lr=self.learning_rate,
        )
        # Warm-up keeps the random head's large early gradients from wrecking
        # the pretrained weights; decay to 0 settles the last epoch.
        schedule = get_linear_schedule_with_warmup(optimizer, round(_WARMUP_FRACTION * total), total)
        # Batch order has its own generator so it does not depend on how many
        # random numbers model construction or dropout consumed.
        order = torch.Generator().manual_seed(self.seed)
        model.train()
        with tqdm(total=total, disable=not self.progress, desc="intent encoder", unit="batch", leave=False) as bar:
            for _ in range(self.epochs):
                permutation = torch.randperm(len(texts), generator=order)
                for start in range(0, len(texts), self.batch_size):
                    rows = permutation[start : start + self.batch_size]
                    batch = self._encode([texts[i] for i in rows.tolist()], device)
                    loss = model(**batch, labels=targets[rows].to(device)).loss
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(parameters, _MAX_GRAD_NORM)
                    optimizer.step()
                    schedule.step()
                    optimizer.zero_grad(set_to_none=True)
                    bar.update()
                    bar.set_postfix(loss=f"{loss.item():.3f}")

    # ------------------------------------------------------------------ prediction

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Softmax probabilities, shape ``(len(texts), len(classes_))``, float64."""
        check_is_fitted(self, "model_")
        prepared = self._prepare(list(texts))
        device = next(self.model_.parameters()).device
        rows = []
        with torch.inference_mode():
            for start in range(0, len(prepared), _PREDICT_BATCH):
                logits = self.model_(**self._encode(prepared[start : start + _PREDICT_BATCH], device)).logits
                rows.append(torch.softmax(logits.float(), dim=-1).cpu().numpy())
        if not rows:
            return np.zeros((0, len(self.classes_)))
        return np.concatenate(rows).astype(np.float64)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The most probable class of each text."""
        return self.classes_[np.argmax(self.predict_proba(texts), axis=1)]

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path | str) -> Path:
        """Write the fine-tuned encoder and tokenizer (``save_pretrained``) and :data:`META_FILE`.

        The directory is itself a Hugging Face model directory: ``transformers``
        can load it on its own as a sequence classifier, labels included.
        """
        check_is_fitted(self, "model_")
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        self.model_.save_pretrained(target)
        self.tokenizer_.save_pretrained(target)
        params = {name: value for name, value in self.get_params().items() if name not in ("progress", "device")}
        params["encoder_path"] = str(params["encoder_path"])
        meta = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "classes": self.classes_.tolist(),
            "word_segmented": self.word_segmented_,
            "params": params,
            "libraries": {name: _version(name) for name in ("torch", "transformers", "tokenizers")},
        }
        (target / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return target

    @classmethod
    def load(cls, directory: Path | str, *, device: str = "auto") -> TransformerIntentClassifier:
        """Load a directory written by :meth:`save`, onto ``device``.

        ``encoder_path`` keeps naming the encoder it was fine-tuned from (for
        the record and for a later ``fit``); the weights come from ``directory``.
        """
        source = Path(directory)
        try:
            meta = json.loads((source / META_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{source}: not an intent encoder directory ({META_FILE}: {exc})") from None
        if meta.get("format") != _FORMAT or meta.get("format_version") != _FORMAT_VERSION:
            raise ValueError(f"{source}: not a version-{_FORMAT_VERSION} intent encoder directory")
        params = dict(meta["params"])
        classifier = cls(params.pop("encoder_path"), device=device, **params)
        classifier.classes_ = np.array(meta["classes"])
        classifier.word_segmented_ = meta["word_segmented"]
        classifier.tokenizer_ = AutoTokenizer.from_pretrained(source, local_files_only=True)
        classifier.model_ = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=True)
        classifier.model_.to(classifier._torch_device()).eval()
        return classifier
