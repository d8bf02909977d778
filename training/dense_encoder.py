"""Train the dense (embedding) half of the hybrid retriever from the knowledge base itself.

Why train our own encoder instead of downloading one? The deployment machines
have no internet, the knowledge base is small (about 1,500 procedures), and what
citizens type is narrow: procedure names, often without diacritics, with
abbreviations ("gcn qsdđ") or colloquial names ("sổ đỏ"). A *static* encoder, a
vocabulary of token vectors whose mean is the sentence vector, learns exactly
that mapping in seconds on a laptop CPU and answers a query in well under a
millisecond. BM25 (the other half of the index) covers exact wording; this half
covers the paraphrases BM25 misses.

The recipe:

1. :func:`knowledge.index.dense.doc_text` is what one procedure looks like to the encoder.
2. :func:`build_pairs` makes (query, procedure) pairs from the records: the
   name, the name without diacritics, names with colloquial aliases substituted,
   template questions ("thủ tục … cần giấy tờ gì"), abbreviated and word-dropped
   variants; :func:`pooled_pairs` draws them three times for more variety.
   Questions written by people and labelled with their procedures (the
   calibration questions) join them (:func:`labelled_pairs`): they teach the
   words citizens really use ("con mới đẻ", "bìa đỏ", "cà vẹt").
3. :func:`train_dense_encoder` builds a WordPiece vocabulary from the
   normalised text (accented and unaccented), wraps it in sentence-transformers'
   ``StaticEmbedding`` and optimises ``MultipleNegativesRankingLoss``: each
   query must pick its own procedure among the others in the batch. 10 % of
   the pairs are held back to measure recall, and the model directory gets a
   ``hueai_model.json`` saying what was trained, on what, and how well.

Usage::

    >>> from pathlib import Path
    >>> from training.dense_encoder import train_dense_encoder
    >>> model_dir = train_dense_encoder(procedures, Path("var/models"))  # doctest: +SKIP
    >>> from sentence_transformers import SentenceTransformer
    >>> SentenceTransformer(str(model_dir)).encode(["dang ky khai sinh"])  # doctest: +SKIP

Everything is seeded: the same procedures, seed and epochs give the same model,
byte for byte, and the same directory name.

Tried and not kept (5 December 2026, judged on the development question sets, with the
whole index rebuilt for seeds 13 and 14): adjacent-syllable pairs ("công_ty", "cổ_phần")
as extra tokens, every pair seen at least three times (31,768 tokens instead of 4,600).
Ungated recall@5 of set D rose from 0.819 to 0.857 and 0.838, set C's fell from 0.970
and 0.983 to 0.963; answered recall@5 at 0.95 correct no-answer (sets A-D pooled) moved
+0.028 on one seed and -0.007 on the other. Training took 2.5 times as long even with
sparse gradients (``SparseAdam``), seven times with dense Adam. Averaging the cosines of
three seeds' encoders did no better (set D ungated 0.819 -> 0.843, answered 0.719 -> 0.700).

Tried and not kept (6 December 2026, development sets A-F, seed 13, compared at the same thresholds): four
clauses per procedure from its own record (steps, conditions, documents, result; only clauses no other record
has, none about handling the file) as extra queries, to teach the encoder the words a record uses for the cases
it serves. Dense ranking alone rose (set F recall@5 0.640 -> 0.680, C 0.919 -> 0.940), but the served ranking
did not: at threshold 0.24 answered recall@5 of set D 0.771 -> 0.790, of set F 0.693 -> 0.660, of A and B down
0.009 and 0.021.

Tried and not kept (6 December 2026, seed 13, dense ranking alone): token vectors started from skip-gram
vectors (gensim's Word2Vec) learnt on every record's own text, accented and unaccented, with the records'
words added to the vocabulary, to give the words a question shares only with a record's body a meaning
before training. Recall@5 of set F 0.647 -> 0.633, D 0.705 -> 0.695, A and B up 0.015 and 0.010; training
took 440 s instead of 30.

Tried and not kept (6 December 2026, seed 13, the served index rebuilt): a hard negative with every pair, the
procedure whose name is closest to the right one's (TF-IDF over unaccented syllables and pairs; never one the
query is labelled with), so the encoder learns what tells neighbours apart. Ranking recall@5 of set B 0.970 ->
0.980, of D 0.895 -> 0.886, F unchanged; answered recall@5 B 0.889 -> 0.879, D 0.862 -> 0.848, F 0.787 -> 0.767,
correct no-answer of set E 0.844 -> 0.854.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
from tqdm.auto import tqdm

from core.artifacts import provenance
from knowledge.aliases import AliasTable
from knowledge.records import Procedure
from knowledge.index.dense import doc_text
from nlu.text import load_abbreviations, normalize, strip_diacritics
from nlu.text.abbreviations import key_tokens

__all__ = [
    "MODEL_KIND",
    "RECIPE_VERSION",
    "METADATA_FILE",
    "QUESTION_TEMPLATES",
    "STORY_ENDINGS",
    "STORY_OPENINGS",
    "Pair",
    "build_pairs",
    "labelled_pairs",
    "pooled_pairs",
    "train_dense_encoder",
]

MODEL_KIND = "static-embedding"
# Bump when the recipe (pairs, tokenizer, loss, hyper-parameters) changes, so a
# model trained by an older recipe never shares a directory name with a new one.
RECIPE_VERSION = 4
METADATA_FILE = "hueai_model.json"

# How citizens ask about a procedure. "{name}" is the normalised procedure name.
QUESTION_TEMPLATES: tuple[str, ...] = (
    "thủ tục {name} cần giấy tờ gì",
    "{name} mất bao lâu",
    "làm {name} ở đâu",
    "hồ sơ {name} gồm những gì",
    "{name} lệ phí bao nhiêu",
    "cho hỏi cách {name}",
)

# How callers wrap a procedure in their own story on the hotline: a situation before it,
# a Huế-dialect question after it. Pairs built from them teach the encoder that these
# words say nothing about which procedure is meant. Measured on the calibration questions,
# three seeds each: MRR 0.825 -> 0.833 (better on every seed), confidence AUC 0.912 -> 0.915.
STORY_OPENINGS: tuple[str, ...] = (
    "dạ cho em hỏi", "ờ nhà tui", "bà cụ nhà tui mới mất tuần trước", "con tui năm ni mười lăm tuổi",
    "vợ chồng tui mới cưới", "tui ở phường thuận hóa", "ba tui già rồi đi không được", "nhà em ở xã phú vang",
    "công ty tui", "tui mới mua", "hôm qua tui có lên phường", "năm ngoái nhà tui", "dạ chị ơi", "anh ơi cho hỏi",
    "mẹ em ở quê", "tụi em mới về huế", "ông nội để lại", "nhà tui làm nông",
)
STORY_ENDINGS: tuple[str, ...] = (
    "ở mô rứa em", "thì làm răng", "mất mấy ngày ạ", "cần giấy tờ chi", "tốn bao nhiêu tiền rứa",
    "làm online được không", "lên phường hay lên tỉnh", "thì đi mô", "có lâu không em", "nộp ở mô",
)
_STORIES_PER_PROCEDURE = 2
_ALIASES_PER_PROCEDURE = 4
# Pairs are drawn this many times with different random choices (aliases sampled, words
# dropped, phrases cut) and pooled. Measured on the calibration questions (hybrid
# ranking, two seeds each): one draw and 6 epochs gave MRR 0.791-0.800; three draws and
# 4 epochs 0.802-0.808, and less spread between seeds. Five draws and 3 epochs, or
# three and 6, did no better.
_DRAWS = 3
_HELDOUT_FRACTION = 0.1
_EMBEDDING_DIM = 256
_MIN_WORD_COUNT = 2  # a word seen once is more likely a typo or a number than vocabulary
_BATCH_SIZE = 128
_LEARNING_RATE = 0.05  # static embeddings need a far higher rate than transformers
_LOSS_SCALE = 20.0  # 1 / temperature of the in-batch softmax, the MNRL default


class Pair(NamedTuple):
    """One training example: ``query`` should retrieve procedure number ``doc``."""

    query: str
    doc: int  # index into the procedures given to build_pairs
    kind: str  # which generator made it: "name", "unaccented", "alias", "question", ...


def _contractions() -> list[tuple[str, list[str]]]:
    """Multi-word expansions with the abbreviations people type for them.

    Built from the hotline abbreviation table read backwards ("giấy chứng nhận"
    → ["gcn"]), longest expansion first so that "giấy chứng nhận quyền sử dụng
    đất" becomes "gcnqsdđ" rather than "gcn quyền sử dụng đất" every time.
    Single-word expansions ("không" → "k") are chat teencode that never occurs
    in a procedure name, so they are skipped.
    """
    by_expansion: dict[str, list[str]] = {}
    for abbreviation, expansion in load_abbreviations().items():
        expansion = normalize(expansion)
        # "p." / "tp." are place prefixes and "giấy cn" a phrase key: neither is a contraction.
        if " " in expansion and len(key_tokens(abbreviation)) == 1 and not abbreviation.endswith("."):
            by_expansion.setdefault(expansion, []).append(abbreviation)
    return sorted(
        ((expansion, sorted(keys)) for expansion, keys in by_expansion.items()),
        key=lambda item: (-len(item[0]), item[0]),
    )


def _abbreviate(text: str, contractions: list[tuple[str, list[str]]], rng: random.Random) -> str:
    """Replace every known multi-word expansion in ``text`` with one of its abbreviations."""
    padded = f" {text} "
    for expansion, keys in contractions:
        if f" {expansion} " in padded:
            padded = padded.replace(f" {expansion} ", f" {rng.choice(keys)} ")
    return padded.strip()


def _alias_substitutions(name: str, aliases: AliasTable | None) -> list[tuple[str, str]]:
    """``(official phrase, colloquial form)`` for every alias the table knows for ``name``.

    ``colloquial_for_name`` decides which entries apply (whole-word matching,
    longer phrases winning); the entry's ``official`` phrase is the span of the
    name a colloquial form replaces.
    """
    if aliases is None:
        return []
    forms = set(aliases.colloquial_for_name(name))
    return [
        (normalize(entry.official), normalize(colloquial))
        for entry in aliases.entries
        if forms.intersection(entry.colloquial)
        for colloquial in entry.colloquial
    ]


def _substitute(name: str, official: str, colloquial: str) -> str:
    """``name`` with the whole-word occurrences of ``official`` replaced by ``colloquial``."""
    return re.sub(rf"(?<!\w){re.escape(official)}(?!\w)", colloquial, name)


def _phrase(text: str, rng: random.Random) -> str:
    """A run of 2–5 consecutive words: the short key phrase a citizen types ("lý lịch tư pháp")."""
    words = text.split()
    size = min(len(words), rng.randint(2, 5))
    start = rng.randint(0, len(words) - size)
    return " ".join(words[start : start + size])


def _drop_words(text: str, rng: random.Random, keep: float = 0.6) -> str:
    """Keep each word with probability ``keep``: people type the half of a name they remember."""
    words = text.split()
    kept = [w for w in words if rng.random() < keep]
    return " ".join(kept) if len(kept) >= 2 else " ".join(words[:3])


def build_pairs(
    procedures: Sequence[Procedure],
    *,
    aliases: AliasTable | None = None,
    seed: int = 13,
) -> list[Pair]:
    """Generate (query → procedure) training pairs from the procedures themselves.

    For each procedure, with ``name`` its normalised name:

    - ``name`` and ``strip_diacritics(name)`` (kinds ``name``, ``unaccented``);
    - for up to four colloquial aliases: ``name`` with the alias substituted
      for the official phrase it stands for, e.g. "sổ đỏ" for "giấy chứng nhận
      quyền sử dụng đất" (``alias``), and a template question about the alias
      alone, "làm sổ đỏ ở đâu" (``alias_question``);
    - every :data:`QUESTION_TEMPLATES` question (``question``); half of them,
      chosen at random, again without diacritics (``question_unaccented``);
    - two phone-style questions: a :data:`STORY_OPENINGS` situation, the name
      or one of its colloquial forms, a :data:`STORY_ENDINGS` question (``story``);
    - the name with known phrases abbreviated, "đăng ký" → "dk" (``abbreviation``),
      when the name contains any;
    - two copies of the name with random words dropped (``dropped``) and two
      runs of 2–5 consecutive words from it (``phrase``). Short phrases are
      often shared by several procedures ("cấp giấy phép"); that is fine: the
      loss then pulls the phrase towards all of them, which is what a short
      query should do.

    ``aliases=None`` builds pairs without aliases (pass ``AliasTable.load()``
    for the project's table). Queries are normalised like the documents; the
    output depends only on the procedures' order, ``aliases`` and ``seed``.
    """
    rng = random.Random(seed)
    contractions = _contractions()
    pairs: list[Pair] = []
    for i, p in enumerate(procedures):
        name = normalize(p.name)
        pairs.append(Pair(name, i, "name"))
        pairs.append(Pair(strip_diacritics(name), i, "unaccented"))
        substitutions = _alias_substitutions(p.name, aliases)
        # A broad entry ("giấy chứng nhận") matches hundreds of names with up to
        # ten forms each; a sample keeps aliases from drowning the other kinds.
        for official, colloquial in rng.sample(substitutions, min(len(substitutions), _ALIASES_PER_PROCEDURE)):
            substituted = _substitute(name, official, colloquial)
            if substituted != name:
                pairs.append(Pair(substituted, i, "alias"))
            pairs.append(Pair(rng.choice(QUESTION_TEMPLATES).format(name=colloquial), i, "alias_question"))
        for template in QUESTION_TEMPLATES:
            question = template.format(name=name)
            pairs.append(Pair(question, i, "question"))
            if rng.random() < 0.5:
                pairs.append(Pair(strip_diacritics(question), i, "question_unaccented"))
        for _ in range(_STORIES_PER_PROCEDURE):
            said = rng.choice([name, *(colloquial for _, colloquial in substitutions)])
            story = f"{rng.choice(STORY_OPENINGS)} {said} {rng.choice(STORY_ENDINGS)}"
            pairs.append(Pair(story, i, "story"))
        abbreviated = _abbreviate(name, contractions, rng)
        if abbreviated != name:
            pairs.append(Pair(abbreviated, i, "abbreviation"))
        for _ in range(2):
            pairs.append(Pair(_drop_words(name, rng), i, "dropped"))
            pairs.append(Pair(_phrase(name, rng), i, "phrase"))
    return pairs


def pooled_pairs(
    procedures: Sequence[Procedure], *, aliases: AliasTable | None = None, seed: int = 13, draws: int = _DRAWS
) -> list[Pair]:
    """:func:`build_pairs` drawn ``draws`` times (seeds ``seed * 100 + draw``), duplicates removed, order kept."""
    seen: set[tuple[str, int]] = set()
    pooled: list[Pair] = []
    for draw in range(draws):
        for pair in build_pairs(procedures, aliases=aliases, seed=seed * 100 + draw):
            if (pair.query, pair.doc) not in seen:
                seen.add((pair.query, pair.doc))
                pooled.append(pair)
    return pooled


def labelled_pairs(procedures: Sequence[Procedure], questions: Sequence[Mapping]) -> list[Pair]:
    """One pair per (question, expected procedure) of labelled ``questions`` (``{"text", "expected"}``);
    questions without an answer and codes not among ``procedures`` give none.

    Measured with the calibration questions of half the procedures only (by code), on the
    benchmark questions, dense ranking alone: recall@5 on procedures with training questions
    0.779 -> 0.892, and on the other half, never named in a training question, 0.731 -> 0.793:
    the everyday words carry over.
    """
    position = {p.code: i for i, p in enumerate(procedures)}
    return [
        Pair(normalize(q["text"]), position[code], "labelled")
        for q in questions
        for code in q["expected"]
        if code in position
    ]


def data_hash(procedures: Sequence[Procedure]) -> str:
    """sha256 over the sorted ``code<TAB>name`` lines: which knowledge base a model was trained on."""
    lines = sorted(f"{p.code}\t{p.name}" for p in procedures)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _build_tokenizer(texts: Sequence[str]) -> Tokenizer:
    """A WordPiece tokenizer whose vocabulary is the words of ``texts``.

    Vietnamese writes one syllable per space-separated word, so the knowledge
    base's vocabulary is small (a few thousand syllables, accented and not).
    Every word seen at least twice becomes a token, also as a ``##`` suffix
    piece so that glued input ("dangky") splits into known syllables; single
    characters catch the rest. The vocabulary is built and sorted here rather
    than by ``WordPieceTrainer``, whose tie-breaking follows hash order and
    gave different token ids on every run. NFC + lowercase is repeated inside
    the tokenizer so callers who forget :func:`~nlu.text.normalize` still get
    sensible (if slightly worse) vectors.
    """
    normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    pre_tokenizer = pre_tokenizers.Whitespace()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))
    words = sorted(w for w, n in counts.items() if n >= _MIN_WORD_COUNT)
    chars = sorted({c for w in counts for c in w})
    tokens = ["[UNK]", *chars, *(f"##{c}" for c in chars), *words, *(f"##{w}" for w in words)]
    vocab = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
    tokenizer = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    return tokenizer


def _token_ids(tokenizer: Tokenizer, texts: Sequence[str]) -> list[list[int]]:
    """Token ids per text, exactly as ``StaticEmbedding.preprocess`` would produce them."""
    return [encoding.ids for encoding in tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def _features(ids: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
    """The ``StaticEmbedding`` input (flat ids + start offsets, an ``EmbeddingBag`` batch) for ``ids``."""
    lengths = [len(row) for row in ids]
    offsets = torch.tensor([0, *np.cumsum(lengths[:-1])], dtype=torch.long)
    return {"input_ids": torch.tensor([t for row in ids for t in row], dtype=torch.long), "offsets": offsets}


def _batches(pairs: Sequence[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffle ``pairs`` into batches in which no procedure appears twice.

    The loss treats every other document in the batch as a wrong answer; two
    queries for the same procedure in one batch would each be told that their
    own procedure is wrong. A pair that would repeat a procedure waits for the
    next batch instead of being dropped.
    """
    order = list(pairs)
    rng.shuffle(order)
    batches: list[list[Pair]] = []
    while order:
        batch: list[Pair] = []
        seen: set[int] = set()
        waiting: list[Pair] = []
        for pair in order:
            if len(batch) < batch_size and pair.doc not in seen:
                batch.append(pair)
                seen.add(pair.doc)
            else:
                waiting.append(pair)
        batches.append(batch)
        order = waiting
    return batches


def _recall(model: SentenceTransformer, docs: Sequence[str], heldout: Sequence[Pair]) -> dict[str, object]:
    """Recall@1 and @5 of the held-out queries against every procedure, overall and per pair kind."""
    doc_vectors = model.encode(list(docs), batch_size=256, normalize_embeddings=True, show_progress_bar=False)
    query_vectors = model.encode([p.query for p in heldout], batch_size=256, normalize_embeddings=True, show_progress_bar=False)
    top5 = np.argsort(-(query_vectors @ doc_vectors.T), axis=1, kind="stable")[:, :5]
    gold = np.array([p.doc for p in heldout])
    hit1 = top5[:, 0] == gold
    hit5 = (top5 == gold[:, None]).any(axis=1)
    kinds = np.array([p.kind for p in heldout])
    return {
        "heldout_pairs": len(heldout),
        "recall@1": round(float(hit1.mean()), 4),
        "recall@5": round(float(hit5.mean()), 4),
        # Short phrases are ambiguous by nature and pull the average down;
        # per kind shows whether a change helped names or hurt questions.
        "by_kind": {
            kind: {
                "pairs": int((kinds == kind).sum()),
                "recall@1": round(float(hit1[kinds == kind].mean()), 4),
                "recall@5": round(float(hit5[kinds == kind].mean()), 4),
            }
            for kind in sorted(set(kinds.tolist()))
        },
    }


def train_dense_encoder(
    procedures: Sequence[Procedure],
    out_dir: Path,
    *,
    seed: int = 13,
    epochs: int = 4,
    aliases: AliasTable | None = None,
    questions: Sequence[Mapping] = (),
    progress: bool = True,
) -> Path:
    """Train a static sentence encoder on ``procedures`` and save it under ``out_dir``.

    Returns the model directory, ``out_dir / "dense-static-v<recipe>-<fingerprint>"``,
    loadable with ``SentenceTransformer(str(path))`` without network. The
    fingerprint covers the data hash, the generated pairs (so the alias and
    abbreviation tables), seed, epochs and recipe, so retraining
    the same inputs replaces the same directory (atomically: the model is
    written next to it and renamed into place) and a changed input never
    overwrites an older model.

    ``hueai_model.json`` in that directory records kind, version, creation
    time, seed, epochs, data hash, pair counts, training seconds, library
    versions and the self-metric: recall@1/@5 of the 10 % of generated pairs
    kept out of training, each query ranked against all procedures.

    ``aliases`` defaults to :meth:`AliasTable.load`, the project's colloquial
    names. ``questions`` are labelled questions to learn from as well
    (:func:`labelled_pairs`); whatever is later fitted on the same questions must
    read the scores of an encoder that did not see them (``training.kb_crossfit``).
    ``progress`` shows a progress bar when stderr is a terminal.
    The caller's torch random state is left untouched.
    """
    # Sort so that the model does not depend on the order the importer returned records in.
    procedures = sorted(procedures, key=lambda p: p.code)
    if not procedures:
        raise ValueError("cannot train a dense encoder on zero procedures")
    aliases = AliasTable.load() if aliases is None else aliases
    digest = data_hash(procedures)
    started = time.perf_counter()
    rng = random.Random(seed)
    pairs = pooled_pairs(procedures, aliases=aliases, seed=seed) + labelled_pairs(procedures, questions)
    # The pairs carry the alias and abbreviation tables' effect: a changed table is a new model.
    pairs_digest = hashlib.sha256("\n".join(f"{p.doc}\t{p.query}" for p in pairs).encode("utf-8")).hexdigest()
    fingerprint = hashlib.sha256(f"{RECIPE_VERSION}|{digest}|{pairs_digest}|{seed}|{epochs}".encode()).hexdigest()
    version = f"dense-static-v{RECIPE_VERSION}-{fingerprint[:12]}"
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    n_heldout = max(1, round(len(shuffled) * _HELDOUT_FRACTION))
    heldout, train = shuffled[:n_heldout], shuffled[n_heldout:]

    docs = [doc_text(p) for p in procedures]
    # The vocabulary covers every spelling a query may use: the documents with and
    # without diacritics and the training queries (aliases, abbreviations).
    tokenizer = _build_tokenizer(docs + [strip_diacritics(d) for d in docs] + [p.query for p in train])

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = SentenceTransformer(
            modules=[StaticEmbedding(tokenizer, embedding_dim=_EMBEDDING_DIM)], device="cpu"
        )
    # Tokenise every distinct text once, not once per epoch: tokenising was
    # most of the step time, and its thread pool fights torch's for the cores.
    unique_queries = sorted({p.query for p in train})
    query_ids = dict(zip(unique_queries, _token_ids(tokenizer, unique_queries), strict=True))
    doc_ids = _token_ids(tokenizer, docs)
    loss = MultipleNegativesRankingLoss(model, scale=_LOSS_SCALE)
    optimizer = torch.optim.Adam(model.parameters(), lr=_LEARNING_RATE)
    schedule = [_batches(train, _BATCH_SIZE, random.Random(seed + epoch)) for epoch in range(epochs)]

    model.train()
    # One thread on purpose: each step is a few small embedding-bag ops, so extra
    # threads only add synchronisation, and on a busy 2-core machine that made
    # training 20x slower (76 s instead of 3.5 s for two epochs).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    bar = tqdm(
        total=sum(len(batches) for batches in schedule),
        desc="training dense encoder",
        unit="batch",
        disable=not (progress and sys.stderr.isatty()),
    )
    try:
        with bar:
            for epoch, batches in enumerate(schedule, 1):
                for batch in batches:
                    queries = _features([query_ids[p.query] for p in batch])
                    documents = _features([doc_ids[p.doc] for p in batch])
                    value = loss([queries, documents], None)
                    optimizer.zero_grad()
                    value.backward()
                    optimizer.step()
                    bar.update()
                    bar.set_postfix(epoch=epoch, loss=f"{value.item():.3f}")
        model.eval()
        seconds = time.perf_counter() - started
        metric = _recall(model, docs, heldout)
    finally:
        torch.set_num_threads(threads)

    metadata = provenance(
        MODEL_KIND,
        data_hash=digest,
        seed=seed,
        metrics=metric,
        libraries=("torch", "sentence-transformers", "tokenizers", "transformers", "numpy"),
        version=version,
        recipe_version=RECIPE_VERSION,
        epochs=epochs,
        pairs_hash=pairs_digest,
        procedures=len(procedures),
        training_pairs=len(train),
        heldout_pairs=len(heldout),
        pair_kinds={kind: sum(p.kind == kind for p in pairs) for kind in sorted({p.kind for p in pairs})},
        vocab_size=tokenizer.get_vocab_size(),
        embedding_dim=_EMBEDDING_DIM,
        training_seconds=round(seconds, 2),
    )

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / version
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=out_dir))
    # No model card: it would try to describe the (absent) training dataset and base model.
    model.save(str(staging), create_model_card=False)
    (staging / METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # mkdtemp and safetensors create private files; the server may run as another user.
    staging.chmod(0o755)
    for file in staging.iterdir():
        file.chmod(0o644)
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    return target
