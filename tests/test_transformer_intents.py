"""TransformerIntentClassifier and NLUModel's transformer backend, on a tiny random BERT.

No pretrained weights are available (or downloaded) in tests: the fixture
builds a 2-layer, 32-wide BERT with random weights and a WordPiece vocabulary
of the test sentences' syllables, and saves both as a local Hugging Face model
directory. That is enough to exercise everything the backend does with a real
encoder (loading with a new head, fine-tuning, saving, reloading); a random
encoder this small learns the training set only with a far higher learning
rate and more epochs than a pretrained one needs, hence :data:`TRAINING`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertModel, BertTokenizerFast

from nlu.model import FALLBACK_INTENT, NLUModel
from nlu.text import normalize
from nlu.training_data import load_training_data
from nlu.transformer_intents import TransformerIntentClassifier, encoder_text, is_word_segmented

SMALL_NLU = Path(__file__).parent / "data" / "nlu_small.yml"

EXAMPLES = {
    "ask_documents": [
        "làm căn cước cần giấy tờ gì", "đăng ký kết hôn cần mang gì", "hồ sơ khai sinh gồm những gì",
        "cần giấy tờ gì để làm sổ đỏ", "xin giấy phép xây dựng cần gì", "làm hộ chiếu mang theo gì",
        "giấy tờ cần chuẩn bị cho tạm trú", "thủ tục khai tử cần giấy gì",
    ],
    "ask_fee": [
        "lệ phí làm căn cước bao nhiêu", "đăng ký kết hôn mất bao nhiêu tiền", "phí cấp sổ đỏ là bao nhiêu",
        "làm hộ chiếu tốn bao nhiêu tiền", "lệ phí khai sinh bao nhiêu", "có mất phí không",
        "giá làm giấy phép xây dựng", "nộp bao nhiêu tiền lệ phí",
    ],
    "check_status": [
        "hồ sơ của tôi đến đâu rồi", "kiểm tra tình trạng hồ sơ", "hồ sơ nộp tuần trước xong chưa",
        "tra cứu hồ sơ giúp tôi", "hồ sơ sao lâu vậy", "bao giờ có kết quả hồ sơ",
        "hồ sơ đã được duyệt chưa", "xem giúp hồ sơ tới đâu",
    ],
    "emergency": [
        "cứu với nhà ngập nước", "cháy nhà gọi cứu hỏa gấp", "có người đuối nước cứu gấp",
        "sạt lở đất có người bị vùi", "kẹt trên mái nhà cứu với", "nước lên nhanh quá cứu",
        "tai nạn giao thông cần cấp cứu", "cây đổ đè người cứu gấp",
    ],
    "greet": [
        "xin chào", "chào em", "alo tổng đài ơi", "chào buổi sáng", "dạ alo", "chào anh chị",
        "hi em", "chào bạn nhé",
    ],
    "thank": [
        "cảm ơn em", "cảm ơn nhiều nhé", "cám ơn tổng đài", "ok cảm ơn", "cảm ơn bạn đã giúp",
        "dạ cảm ơn anh", "thanks em", "cảm ơn nhiều lắm",
    ],
}
TEXTS = [text for texts in EXAMPLES.values() for text in texts]
LABELS = [intent for intent, texts in EXAMPLES.items() for _ in texts]
UNSEEN = ["cho hỏi lệ phí hộ chiếu", "hồ sơ khai sinh xong chưa", "", "😀 xyz 123"]
# 60 epochs of 6 batches: about a second here; fewer leave a random encoder this small guessing.
TRAINING = dict(epochs=60, batch_size=8, learning_rate=3e-3, max_length=32, seed=13)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random BERT + WordPiece tokenizer, saved like a downloaded pretrained model."""
    directory = tmp_path_factory.mktemp("tiny-bert")
    corpus = TEXTS + UNSEEN + [e.text for e in load_training_data(SMALL_NLU).examples]
    words = sorted({w for text in corpus for w in re.findall(r"\w+|[^\w\s]", normalize(text))})
    vocab = directory / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n", encoding="utf-8")
    # strip_accents=False: BERT's lower-casing would otherwise drop the diacritics.
    tokenizer = BertTokenizerFast(vocab=str(vocab), do_lower_case=True, strip_accents=False)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64,
    )
    with torch.random.fork_rng():  # seeded random weights, without reseeding other tests
        torch.manual_seed(0)
        BertModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def classifier(encoder: Path) -> TransformerIntentClassifier:
    return TransformerIntentClassifier(encoder, **TRAINING).fit(TEXTS, LABELS)


def test_predict_proba_shape_and_classes(classifier: TransformerIntentClassifier) -> None:
    assert classifier.classes_.tolist() == sorted(EXAMPLES)
    assert classifier.word_segmented_ is False  # a BERT, not PhoBERT
    proba = classifier.predict_proba(TEXTS + UNSEEN)
    assert proba.shape == (len(TEXTS) + len(UNSEEN), len(EXAMPLES)) and proba.dtype == np.float64
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()
    assert classifier.predict_proba([]).shape == (0, len(EXAMPLES))


def test_learns_the_training_set(classifier: TransformerIntentClassifier) -> None:
    predicted = classifier.predict(TEXTS)
    assert np.mean(predicted == np.array(LABELS)) >= 0.8


def test_save_load_round_trip(classifier: TransformerIntentClassifier, encoder: Path, tmp_path: Path) -> None:
    classifier.save(tmp_path / "clf")
    meta = json.loads((tmp_path / "clf" / "intent_classifier.json").read_text(encoding="utf-8"))
    assert meta["classes"] == sorted(EXAMPLES) and meta["params"]["encoder_path"] == str(encoder)
    assert meta["params"]["learning_rate"] == TRAINING["learning_rate"]
    loaded = TransformerIntentClassifier.load(tmp_path / "clf")
    assert loaded.get_params() == {**classifier.get_params(), "encoder_path": str(encoder)}
    assert np.array_equal(loaded.predict_proba(TEXTS + UNSEEN), classifier.predict_proba(TEXTS + UNSEEN))
    assert loaded.model_.config.id2label[0] == "ask_documents"


def test_deterministic_for_a_seed(classifier: TransformerIntentClassifier, encoder: Path) -> None:
    state = torch.random.get_rng_state()
    again = TransformerIntentClassifier(encoder, **TRAINING).fit(TEXTS, LABELS)
    assert torch.equal(state, torch.random.get_rng_state())  # the caller's random state is untouched
    assert np.array_equal(again.predict_proba(TEXTS + UNSEEN), classifier.predict_proba(TEXTS + UNSEEN))
    other = TransformerIntentClassifier(encoder, **{**TRAINING, "seed": 14}).fit(TEXTS, LABELS)
    assert not np.array_equal(other.predict_proba(TEXTS), classifier.predict_proba(TEXTS))


def test_missing_encoder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such encoder directory"):
        TransformerIntentClassifier(tmp_path / "nowhere").fit(TEXTS, LABELS)


class _Vocabulary:
    """Just enough of a tokenizer for :func:`is_word_segmented`."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens

    def get_vocab(self) -> dict[str, int]:
        return {token: i for i, token in enumerate(self.tokens)}


def test_word_segmentation_detection(tmp_path: Path) -> None:
    phobert_like = _Vocabulary(["<s>", "</s>", "đăng_ký", "khai_sinh", "hồ", "sơ", "thành_phố", "Huế", "ở@@", "_"])
    plain = _Vocabulary(["<s>", "</s>", "đăng", "ký", "khai", "sinh", "_", "__init__"])
    assert is_word_segmented(phobert_like, "roberta", tmp_path)  # type: ignore[arg-type]
    assert not is_word_segmented(phobert_like, "bert", tmp_path)  # type: ignore[arg-type]
    assert not is_word_segmented(plain, "roberta", tmp_path)  # type: ignore[arg-type]
    (tmp_path / "bpe.codes").write_text("đ@@ ă 1\n", encoding="utf-8")
    assert is_word_segmented(plain, "roberta", tmp_path)  # type: ignore[arg-type]
    assert encoder_text("Cho hỏi  ĐĂNG KÝ khai sinh", True) == "cho hỏi đăng_ký khai_sinh"
    assert encoder_text("Cho hỏi  ĐĂNG KÝ khai sinh", False) == "cho hỏi đăng ký khai sinh"


def test_nlu_model_with_transformer_backend(encoder: Path, tmp_path: Path) -> None:
    data = load_training_data(SMALL_NLU)
    model = NLUModel(seed=7, intent_backend="transformer", encoder_path=encoder).fit(data)
    assert isinstance(model.classifier, TransformerIntentClassifier)
    assert model.intents == ["ask_documents", "check_status", "emergency", "greet"]
    text = "Cho hỏi hồ sơ 000.00.21.h57 250312 0042 nộp hôm qua đến đâu rồi"
    result = model.parse(text)
    assert len(result.intent_ranking) == 4
    assert result.intent.name in [*model.intents, FALLBACK_INTENT]
    assert abs(sum(r.confidence for r in result.intent_ranking) - 1) < 1e-3
    # Entities do not depend on the intent backend.
    code = {e.entity: e for e in result.entities}["application_code"]
    assert code.value == "000.00.21.H57-250312-0042" and code.extractor == "regex"

    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["intent_backend"] == "transformer" and meta["encoder_path"] == str(encoder)
    assert meta["files"] == ["nlu.joblib", "intent-encoder"]
    loaded = NLUModel.load(tmp_path / "m")
    assert loaded.intent_backend == "transformer" and isinstance(loaded.classifier, TransformerIntentClassifier)
    texts = [e.text for e in data.examples] + ["cứu với ở xa phu vang", ""]
    assert loaded.parse_many(texts) == model.parse_many(texts)


def test_train_nlu_uses_the_configured_encoder(encoder: Path, tmp_path: Path) -> None:
    from training.nlu import train_nlu

    target = train_nlu(SMALL_NLU, models_dir=tmp_path, encoder=encoder, out=tmp_path / "out")
    meta = json.loads((target / "model.json").read_text(encoding="utf-8"))
    assert meta["intent_backend"] == "transformer" and meta["encoder_path"] == str(encoder)


def test_nlu_model_backend_arguments() -> None:
    with pytest.raises(ValueError, match="needs encoder_path"):
        NLUModel(intent_backend="transformer")
    with pytest.raises(ValueError, match="unknown intent backend"):
        NLUModel(intent_backend="bert")  # type: ignore[arg-type]
