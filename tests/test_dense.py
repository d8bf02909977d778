"""The dense encoder trainer and :class:`knowledge.index.dense.DenseRetriever`.

Trains on 60 real records (a few seconds), so these run in the default suite;
the full-knowledge-base training is measured by hand, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from knowledge.aliases import AliasTable
from knowledge.index.dense import DenseRetriever
from knowledge.parsing import parse_record, read_record_file
from knowledge.records import Procedure
from nlu.text import normalize, strip_diacritics
from knowledge.index.dense import doc_text
from training.dense_encoder import (
    METADATA_FILE,
    build_pairs,
    data_hash,
    labelled_pairs,
    pooled_pairs,
    train_dense_encoder,
)

RAW = Path(__file__).resolve().parents[1].parent / "shared/datasets/tthc-dvcqg/raw"
SUBSET = 60
EPOCHS = 4

pytestmark = pytest.mark.skipif(not RAW.is_dir(), reason=f"dataset not found at {RAW}")


@pytest.fixture(scope="module")
def procedures() -> list[Procedure]:
    # Every 20th file: a spread over all ministries, not 60 records of one folder.
    files = sorted(RAW.rglob("*.json"))[::20][:SUBSET]
    return [parse_record(read_record_file(f), ministry=f.parent.name) for f in files]


@pytest.fixture(scope="module")
def aliases() -> AliasTable:
    return AliasTable.load()


@pytest.fixture(scope="module")
def model_dir(procedures: list[Procedure], aliases: AliasTable, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models")
    return train_dense_encoder(procedures, out, seed=13, epochs=EPOCHS, aliases=aliases, progress=False)


@pytest.fixture(scope="module")
def retriever(model_dir: Path, procedures: list[Procedure]) -> DenseRetriever:
    return DenseRetriever(model_dir).fit([doc_text(p) for p in procedures])


def test_metadata_is_complete(model_dir: Path, procedures: list[Procedure]) -> None:
    meta = json.loads((model_dir / METADATA_FILE).read_text(encoding="utf-8"))
    assert meta["kind"] == "static-embedding"
    assert meta["version"] == model_dir.name
    assert meta["seed"] == 13 and meta["epochs"] == EPOCHS
    assert meta["data_hash"] == data_hash(procedures)
    assert meta["procedures"] == SUBSET
    assert meta["training_pairs"] > 0 and meta["heldout_pairs"] > 0
    assert meta["training_seconds"] > 0
    assert meta["created_at"]
    assert {"torch", "sentence-transformers", "tokenizers"} <= meta["libraries"].keys()
    metric = meta["metrics"]
    assert 0 <= metric["recall@1"] <= metric["recall@5"] <= 1
    assert metric["recall@5"] > 0.5  # chance is 5 / 60


def test_model_dir_loads_as_plain_sentence_transformer(model_dir: Path) -> None:
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    assert model.encode(["đăng ký khai sinh"]).shape == (1, 256)


def test_training_is_deterministic(
    model_dir: Path, procedures: list[Procedure], aliases: AliasTable, tmp_path: Path
) -> None:
    # Reversed input order on purpose: the trainer sorts by code.
    again = train_dense_encoder(procedures[::-1], tmp_path, seed=13, epochs=EPOCHS, aliases=aliases, progress=False)
    assert again.name == model_dir.name
    texts = [doc_text(p) for p in procedures[:10]] + ["lam giay khai sinh o dau"]
    first = SentenceTransformer(str(model_dir), device="cpu").encode(texts)
    second = SentenceTransformer(str(again), device="cpu").encode(texts)
    np.testing.assert_array_equal(first, second)


def test_another_alias_table_is_another_model(procedures: list[Procedure], tmp_path: Path) -> None:
    without = train_dense_encoder(procedures, tmp_path, seed=13, epochs=1, aliases=AliasTable([]), progress=False)
    with_aliases = train_dense_encoder(procedures, tmp_path, seed=13, epochs=1, aliases=AliasTable.load(),
                                       progress=False)
    assert without.name != with_aliases.name
    assert json.loads((without / METADATA_FILE).read_text(encoding="utf-8"))["pairs_hash"]


def test_pairs_cover_every_kind_and_are_seeded(procedures: list[Procedure], aliases: AliasTable) -> None:
    pairs = build_pairs(procedures, aliases=aliases, seed=5)
    assert pairs == build_pairs(procedures, aliases=aliases, seed=5)
    assert {"name", "unaccented", "question", "question_unaccented", "dropped", "story"} <= {p.kind for p in pairs}
    assert {p.doc for p in pairs} == set(range(len(procedures)))
    assert all(p.query == normalize(p.query) for p in pairs)


def test_pooled_pairs_add_variety_without_duplicates(procedures: list[Procedure], aliases: AliasTable) -> None:
    one = build_pairs(procedures, aliases=aliases, seed=500)
    pooled = pooled_pairs(procedures, aliases=aliases, seed=5, draws=3)
    keys = [(p.query, p.doc) for p in pooled]
    assert len(keys) == len(set(keys))
    assert {(p.query, p.doc) for p in one} < set(keys)  # the first draw, and more


def test_unaccented_exact_name_is_found(retriever: DenseRetriever, procedures: list[Procedure]) -> None:
    queries = [strip_diacritics(normalize(p.name)) for p in procedures]
    results = retriever.search_many(queries, k=5)
    found = [i in {doc for doc, _ in hits} for i, hits in enumerate(results)]
    # Names repeated verbatim in the knowledge base could legitimately tie, so allow a miss or two.
    assert sum(found) >= len(procedures) - 2, [procedures[i].name for i, ok in enumerate(found) if not ok]


def test_search_returns_cosine_scores_best_first(retriever: DenseRetriever, procedures: list[Procedure]) -> None:
    hits = retriever.search(doc_text(procedures[0]), k=3)
    assert hits[0][0] == 0 and hits[0][1] == pytest.approx(1.0, abs=1e-4)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert len(retriever.search("thủ tục", k=1000)) == len(procedures)  # k beyond the corpus is capped


def test_save_load_round_trip(retriever: DenseRetriever, model_dir: Path, tmp_path: Path) -> None:
    queries = ["dang ky khai sinh", "cấp giấy phép xây dựng", "thủ tục hải quan mất bao lâu"]
    retriever.save(tmp_path / "index")
    loaded = DenseRetriever.load(tmp_path / "index", model_dir)
    assert len(loaded) == len(retriever)
    assert loaded.search_many(queries, k=5) == retriever.search_many(queries, k=5)


def test_load_refuses_another_encoder(retriever: DenseRetriever, tmp_path: Path) -> None:
    retriever.save(tmp_path / "index")
    other = _tiny_bert_encoder(tmp_path / "bert")
    with pytest.raises(ValueError, match="rebuild the index"):
        DenseRetriever.load(tmp_path / "index", other)


def _tiny_bert_encoder(path: Path) -> Path:
    """A randomly initialised 2-layer BERT saved as a sentence-transformers directory.

    Stands in for a pretrained Vietnamese encoder an operator would copy onto
    the server: same files, same loading path, no download.
    """
    import torch
    from sentence_transformers.base.modules import Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from transformers import BertConfig, BertModel, BertTokenizerFast

    words = "đăng ký khai sinh kết hôn cấp giấy phép xây dựng dang ky".split()
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    tokenizer = BertTokenizerFast(vocab={t: i for i, t in enumerate(tokens)}, strip_accents=False)
    hf_dir = path / "hf"
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    transformer = Transformer(str(hf_dir), max_seq_length=64)
    model = SentenceTransformer(modules=[transformer, Pooling(transformer.get_embedding_dimension(), "mean")], device="cpu")
    model.save(str(path / "st"), create_model_card=False)
    return path / "st"


def test_operator_configured_pretrained_encoder(tmp_path: Path) -> None:
    encoder = _tiny_bert_encoder(tmp_path / "bert")
    docs = ["đăng ký khai sinh", "đăng ký kết hôn", "cấp giấy phép xây dựng"]
    retriever = DenseRetriever(encoder).fit(docs)
    assert retriever.dimension == 32 and len(retriever) == 3
    assert retriever.backend == "torch" and retriever.encoder is not None  # not a StaticEmbedding: torch path
    hits = retriever.search("đăng ký khai sinh", k=3)
    assert hits[0] == (0, pytest.approx(1.0, abs=1e-4))
    retriever.save(tmp_path / "index")
    assert DenseRetriever.load(tmp_path / "index", encoder).search("đăng ký khai sinh", k=3) == hits


def test_missing_encoder_directory_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="modules.json"):
        DenseRetriever(tmp_path / "nowhere")


def _torch_embeddings(model_dir: Path, texts: list[str]) -> np.ndarray:
    """What sentence-transformers itself computes: the model's modules, then L2 normalisation."""
    import torch

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    with torch.inference_mode():
        output = model(model.preprocess(texts))["sentence_embedding"]
        return torch.nn.functional.normalize(output.float(), p=2, dim=1).numpy()


def test_static_encoder_runs_on_numpy_like_torch(model_dir: Path, procedures: list[Procedure]) -> None:
    retriever = DenseRetriever(model_dir)
    assert retriever.backend == "numpy" and retriever.encoder is None
    # Documents, queries with and without diacritics, unknown words, punctuation, and texts with no token at all.
    texts = [doc_text(p) for p in procedures] + [
        "dang ky khai sinh",
        "làm sổ đỏ ở đâu ???",
        "qwzxv",
        "",
        "   ",
        "thủ tục " * 50,
    ]
    expected = _torch_embeddings(model_dir, texts)
    got = retriever.embed(texts)
    assert got.dtype == np.float32 and got.flags.c_contiguous and got.shape == (len(texts), 256)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(got, SentenceTransformer(str(model_dir), device="cpu").encode(texts, normalize_embeddings=True), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(retriever.embed(texts, batch_size=7), got)  # batching changes nothing
    assert retriever.embed([]).shape == (0, 256)
    assert not got[texts.index("")].any()  # no token: the zero vector, as EmbeddingBag gives


def test_static_encoder_saved_as_pickle_takes_the_torch_path(model_dir: Path, tmp_path: Path) -> None:
    SentenceTransformer(str(model_dir), device="cpu").save(str(tmp_path / "bin"), safe_serialization=False, create_model_card=False)
    assert not (tmp_path / "bin" / "model.safetensors").exists()
    retriever = DenseRetriever(tmp_path / "bin")
    assert retriever.backend == "torch"
    texts = ["dang ky khai sinh", "cấp giấy phép xây dựng"]
    np.testing.assert_allclose(retriever.embed(texts), DenseRetriever(model_dir).embed(texts), rtol=0, atol=1e-6)


def test_serving_the_static_encoder_never_imports_torch(
    retriever: DenseRetriever, model_dir: Path, tmp_path: Path
) -> None:
    queries = ["dang ky khai sinh", "cấp giấy phép xây dựng", "thủ tục hải quan mất bao lâu"]
    retriever.save(tmp_path / "index")
    script = (
        "import json, sys; from pathlib import Path; from knowledge.index.dense import DenseRetriever; "
        f"r = DenseRetriever.load(Path({str(tmp_path / 'index')!r}), Path({str(model_dir)!r})); "
        f"hits = r.search_many({queries!r}, k=5); "
        "print(json.dumps({'backend': r.backend, 'hits': hits, "
        "'torch': sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers', 'transformers'))}))"
    )
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", script], check=False, cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "numpy"
    assert report["torch"] == []
    expected = retriever.search_many(queries, k=5)
    for got, want in zip(report["hits"], expected, strict=True):
        assert [doc for doc, _ in got] == [doc for doc, _ in want]
        assert [score for _, score in got] == pytest.approx([score for _, score in want], abs=1e-5)


def test_labelled_questions_become_pairs_and_another_model(procedures: list[Procedure], tmp_path: Path) -> None:
    target = procedures[7]
    questions = [{"text": "Con Mới Đẻ thì làm giấy gì", "expected": [target.code, "9.999999"]},
                 {"text": "giá vàng hôm nay", "expected": []}]
    pairs = labelled_pairs(procedures, questions)
    assert [(p.query, p.doc, p.kind) for p in pairs] == [("con mới đẻ thì làm giấy gì", 7, "labelled")]
    plain = train_dense_encoder(procedures, tmp_path, seed=13, epochs=1, progress=False)
    taught = train_dense_encoder(procedures, tmp_path, seed=13, epochs=1, questions=questions, progress=False)
    assert plain.name != taught.name
    assert json.loads((taught / METADATA_FILE).read_text(encoding="utf-8"))["pair_kinds"]["labelled"] == 1


def test_cross_fitting_scores_each_fold_with_an_encoder_that_did_not_see_it(
    procedures: list[Procedure], aliases: AliasTable, model_dir: Path
) -> None:
    from knowledge.index.hybrid import KnowledgeIndex
    from training.kb_crossfit import cross_fitted, train_folds

    questions = [{"text": f"hỏi về {normalize(p.name)} số {i}", "expected": [p.code]} for i, p in enumerate(procedures)]
    questions.append({"text": "giá vàng hôm nay", "expected": []})
    folds = train_folds(procedures, questions, aliases=aliases, folds=3)
    assert len(folds) == 3 and sum(len(f.questions) for f in folds) == len(procedures)  # not the unanswerable one
    index = KnowledgeIndex.build(procedures, aliases, encoder_path=model_dir)
    own = index.dense
    asked = folds[1].questions[0]["text"]
    scoring = cross_fitted(index, folds)
    assert scoring.dense is not own
    assert dict(scoring.dense.search(normalize(asked), 5)) == dict(folds[1].dense.search(normalize(asked), 5))
    assert dict(scoring.dense.search("giá vàng hôm nay", 5)) == dict(own.search("giá vàng hôm nay", 5))
    assert index.dense is own  # the index itself is left as it was
