"""Dense retrieval: embed texts with a sentence encoder, find nearest neighbours with faiss.

The dense half of the hybrid index. It finds a procedure from a query that
shares meaning but not words with it ("làm sổ đỏ" → "cấp giấy chứng nhận quyền
sử dụng đất …"); BM25 handles exact wording, and the hybrid ranker fuses both.

The encoder is any *local* sentence-transformers model directory:

- the project's own, trained from the knowledge base by
  :func:`training.dense_encoder.train_dense_encoder` (the default: small, no
  download, sub-millisecond queries);
- or a pretrained Vietnamese encoder an operator copied onto the machine
  (e.g. a multilingual E5/BGE model saved with ``model.save(dir)``). Nothing is
  ever downloaded: a directory that is not complete fails to load.

Usage::

    >>> from nlu.text import normalize
    >>> retriever = DenseRetriever(encoder_path).fit([normalize(t) for t in doc_texts])  # doctest: +SKIP
    >>> retriever.search(normalize("Đăng ký khai sinh"), k=5)  # doctest: +SKIP
    [(17, 0.91), (230, 0.74), ...]
    >>> retriever.save(index_dir)  # doctest: +SKIP
    >>> DenseRetriever.load(index_dir, encoder_path).search(...)  # doctest: +SKIP

Texts, documents and queries alike, must be normalised by the caller with
:func:`nlu.text.normalize` (one spelling, lower case), the form the project's
encoder was trained on. The retriever does not normalise by itself, so the
caller decides once, for BM25 and dense alike, what the text is.

Scores are cosine similarities (embeddings are L2-normalised and the index is
an inner-product ``faiss.IndexFlatIP``): 1.0 is identical, around 0 unrelated.
Exact search over a few thousand vectors takes microseconds; an approximate
index would only add recall loss.

Two ways to run the encoder, chosen from the directory's ``modules.json``:

- a model made of one ``StaticEmbedding`` module (the project's own) is run
  with numpy: its ``model.safetensors`` (key ``embedding.weight``) is read with
  ``safetensors.numpy`` and its ``tokenizer.json`` with ``tokenizers``, and a
  text's vector is the mean of its token rows, L2-normalised: what
  ``StaticEmbedding`` (an ``EmbeddingBag`` in mean mode) computes, without
  importing torch, which would take about 600 MB of a serving process for one
  table look-up and an average;
- any other model (a pretrained transformer) is run by sentence-transformers on
  torch, both imported only then.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self

import faiss
import numpy as np

from knowledge.records import Procedure
from nlu.text import normalize

if TYPE_CHECKING:  # torch and sentence-transformers are imported only for encoders that need them
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

__all__ = ["DenseRetriever", "INDEX_FILE", "META_FILE"]

INDEX_FILE = "dense.faiss"
META_FILE = "dense.json"
_FORMAT_VERSION = 1
_ENCODE_BATCH = 64


def _encoder_fingerprint(encoder_path: Path) -> str:
    """Identify an encoder directory cheaply, to refuse an index built by another encoder.

    Our own models carry a ``hueai_model.json`` with a content-derived version.
    For any other directory, hash the relative names and sizes of its files:
    reading gigabytes of weights on every start-up would be too slow, and a
    swapped model almost always changes some file's size or name.
    """
    metadata = encoder_path / "hueai_model.json"
    if metadata.is_file():
        return str(json.loads(metadata.read_text(encoding="utf-8"))["version"])
    digest = hashlib.sha256()
    for file in sorted(f for f in encoder_path.rglob("*") if f.is_file()):
        digest.update(f"{file.relative_to(encoder_path).as_posix()}\t{file.stat().st_size}\n".encode())
    return f"files-{digest.hexdigest()[:16]}"


class _StaticEncoder:
    """A sentence-transformers ``StaticEmbedding`` model run with numpy.

    ``StaticEmbedding`` tokenises with ``encode_batch(texts, add_special_tokens=False)``
    (no padding), and its ``EmbeddingBag`` averages the rows of the token ids;
    a text with no token gets the zero vector. :meth:`embed` does the same and
    then L2-normalises like ``torch.nn.functional.normalize`` (norm clamped at
    ``1e-12``, so the zero vector stays zero).
    """

    _NORM_EPS = 1e-12

    def __init__(self, weights: np.ndarray, tokenizer: Tokenizer) -> None:
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()  # as StaticEmbedding.__init__ does
        self.dimension = int(self.weights.shape[1])

    @classmethod
    def from_directory(cls, encoder_path: Path) -> _StaticEncoder | None:
        """The encoder in ``encoder_path`` if it is a lone ``StaticEmbedding`` saved as safetensors, else ``None``.

        ``None`` sends the caller to the torch path, which loads anything
        sentence-transformers can: a transformer, a model with pooling or
        normalisation modules, a ``StaticEmbedding`` saved as
        ``pytorch_model.bin`` or in model2vec's layout.
        """
        modules = json.loads((encoder_path / "modules.json").read_text(encoding="utf-8"))
        if not isinstance(modules, list) or len(modules) != 1:
            return None
        module_type = str(modules[0].get("type", ""))
        if not (module_type.startswith("sentence_transformers.") and module_type.rsplit(".", 1)[-1] == "StaticEmbedding"):
            return None
        module_dir = encoder_path / str(modules[0].get("path", ""))
        weights_file, tokenizer_file = module_dir / "model.safetensors", module_dir / "tokenizer.json"
        if not (weights_file.is_file() and tokenizer_file.is_file()):
            return None
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights = load_file(str(weights_file)).get("embedding.weight")
        if weights is None or weights.ndim != 2:
            return None
        return cls(weights, Tokenizer.from_file(str(tokenizer_file)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text."""
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        out = np.zeros((len(encodings), self.dimension), dtype=np.float32)
        nonempty = lengths > 0
        if nonempty.any():
            ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum()))
            starts = (np.cumsum(lengths) - lengths)[nonempty]  # strictly increasing: one per non-empty text
            sums = np.add.reduceat(self.weights[ids], starts, axis=0)
            out[nonempty] = sums / lengths[nonempty, None].astype(np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.ascontiguousarray(out / np.maximum(norms, self._NORM_EPS), dtype=np.float32)


class DenseRetriever:
    """Nearest-neighbour search over documents embedded by a local sentence encoder.

    ``encoder_path`` is a sentence-transformers model directory; it is loaded
    once, here, on CPU, and kept for every query. A lone ``StaticEmbedding``
    runs on numpy (``backend == "numpy"``, torch is never imported); anything
    else on sentence-transformers and torch (``backend == "torch"``). How many
    threads torch may use is the process's business (``hueai.threads``).

    Call :meth:`fit` with the document texts, then :meth:`search`. Document
    ids returned are positions in the sequence given to :meth:`fit`.
    """

    def __init__(self, encoder_path: Path) -> None:
        self.encoder_path = Path(encoder_path)
        if not (self.encoder_path / "modules.json").is_file():
            raise FileNotFoundError(
                f"{self.encoder_path} is not a sentence-transformers model directory (no modules.json); "
                "train one with training.dense_encoder or copy a pretrained model there"
            )
        self.encoder: SentenceTransformer | None = None  # the torch path's model
        self._static = _StaticEncoder.from_directory(self.encoder_path)
        if self._static is not None:
            self.backend = "numpy"
            self.dimension = self._static.dimension
        else:
            from sentence_transformers import SentenceTransformer

            self.backend = "torch"
            self.encoder = SentenceTransformer(str(self.encoder_path), device="cpu", local_files_only=True)
            self.encoder.eval()
            self.dimension = int(self.encoder.get_embedding_dimension())
        self.encoder_fingerprint = _encoder_fingerprint(self.encoder_path)
        self.index: faiss.IndexFlatIP | None = None

    def __len__(self) -> int:
        """Number of indexed documents (0 before :meth:`fit`)."""
        return 0 if self.index is None else int(self.index.ntotal)

    def embed(self, texts: Sequence[str], *, batch_size: int = _ENCODE_BATCH) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text.

        The static encoder runs on numpy (see :class:`_StaticEncoder`). Other
        models run their modules directly rather than through
        ``SentenceTransformer.encode``, whose bookkeeping (sorting by length,
        progress, conversions) costs more than a short query.
        """
        if self._static is not None:
            if not texts:
                return np.zeros((0, self.dimension), dtype=np.float32)
            return np.concatenate(
                [self._static.embed(texts[start : start + batch_size]) for start in range(0, len(texts), batch_size)]
            )
        import torch

        assert self.encoder is not None
        rows: list[torch.Tensor] = []
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                features = self.encoder.preprocess(list(texts[start : start + batch_size]))
                output = self.encoder(features)["sentence_embedding"]
                rows.append(torch.nn.functional.normalize(output.float(), p=2, dim=1))
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(torch.cat(rows).numpy(), dtype=np.float32)

    def fit(self, doc_texts: Sequence[str]) -> Self:
        """Embed ``doc_texts`` (normalised by the caller) into a fresh index; returns ``self``."""
        index = faiss.IndexFlatIP(self.dimension)
        index.add(self.embed(doc_texts))
        self.index = index
        return self

    def search(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` documents closest to ``query`` as ``(doc index, cosine score)``, best first."""
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int = 10) -> list[list[tuple[int, float]]]:
        """:meth:`search` for several queries at once (one encoder pass, one faiss call)."""
        if self.index is None:
            raise RuntimeError("DenseRetriever.search before fit() or load()")
        if not queries or k <= 0 or self.index.ntotal == 0:
            return [[] for _ in queries]
        scores, ids = self.index.search(self.embed(queries), min(k, int(self.index.ntotal)))
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def save(self, directory: Path) -> None:
        """Write the faiss index and a small JSON description into ``directory``.

        The encoder itself is not copied: :meth:`load` takes its path, and
        checks it is the same encoder the index was built with.
        """
        if self.index is None:
            raise RuntimeError("DenseRetriever.save before fit()")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a crash never leaves a half-written index for load() to trust.
        partial = directory / f"{INDEX_FILE}.partial"
        faiss.write_index(self.index, str(partial))
        os.replace(partial, directory / INDEX_FILE)
        meta = {
            "format_version": _FORMAT_VERSION,
            "encoder_fingerprint": self.encoder_fingerprint,
            "encoder_path": str(self.encoder_path),
            "dimension": self.dimension,
            "documents": len(self),
        }
        (directory / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, encoder_path: Path) -> Self:
        """Load an index written by :meth:`save`, with the encoder at ``encoder_path``.

        Raises :class:`ValueError` when ``encoder_path`` is not the encoder the
        index was built with: its vectors would live in another space and every
        search would return confident nonsense.
        """
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        if meta.get("format_version") != _FORMAT_VERSION:
            raise ValueError(f"{directory}: dense index format {meta.get('format_version')}, expected {_FORMAT_VERSION}")
        retriever = cls(encoder_path)
        if meta["encoder_fingerprint"] != retriever.encoder_fingerprint:
            raise ValueError(
                f"{directory} was built with encoder {meta['encoder_fingerprint']} ({meta['encoder_path']}), "
                f"not {retriever.encoder_fingerprint} ({retriever.encoder_path}); rebuild the index"
            )
        index = faiss.read_index(str(directory / INDEX_FILE))
        if index.d != retriever.dimension or index.ntotal != meta["documents"]:
            raise ValueError(f"{directory}: {INDEX_FILE} does not match {META_FILE}")
        retriever.index = index
        return retriever


_RESULT_CHARS = 300  # the result text is long boilerplate; its head says what you get
# A long aside in a name ("(Công trình không theo tuyến/Theo tuyến trong đô thị/Tín ngưỡng, tôn giáo/…)",
# "(trừ trường hợp … theo cơ chế một cửa liên thông …)") lists sub-kinds or exceptions: averaged into
# the name's vector it outweighs what the procedure is ("giấy phép xây dựng" found a railway crossing's
# permit first). Short ones ("(cấp tỉnh)", "(trâu, bò)") stay.
_LONG_ASIDE = re.compile(r"\([^()]{60,}\)")


def doc_text(p: Procedure) -> str:
    """The text that stands for procedure ``p`` in the dense index, normalised.

    Name, field and the head of the result: what the procedure *is* and what
    the citizen walks away with. Steps and document lists are left out on
    purpose: a static encoder averages its token vectors, and long boilerplate
    ("nộp hồ sơ tại bộ phận một cửa …", shared by hundreds of procedures) would
    wash out the few words that tell two procedures apart. Indexes built with
    this encoder should embed the same text.
    """
    parts = [_LONG_ASIDE.sub(" ", p.name), p.field or "", (p.result or "")[:_RESULT_CHARS]]
    return normalize(". ".join(part.strip() for part in parts if part.strip()))
