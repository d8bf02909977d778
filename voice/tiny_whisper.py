"""A tiny, randomly initialised Whisper, built here, for tests and benchmarks of the real ASR code path.

No model is ever downloaded, so the tests cannot use a trained Whisper. They build this one
instead: the real architecture (``WhisperForConditionalGeneration``) with one encoder and one
decoder layer of width 64, a byte-level tokenizer carrying Whisper's special tokens (start of
transcript, the 100 language tokens, task and timestamp tokens) at the positions the real
multilingual vocabulary has them (51,865 entries), saved as a Hugging Face directory
(for the transformers backend) and converted to CTranslate2 (for faster-whisper) with
CTranslate2's own converter. Its transcripts are nonsense or empty; everything around them
(feature extraction, prompt, decoding, the pipeline's timing) is what production runs.

CTranslate2 recognises a multilingual Whisper by its vocabulary holding the empty token, as the
real one does (``src/models/whisper.cc``), so the filler tokens start with it.
"""

from __future__ import annotations

from pathlib import Path

LANGUAGES = ("en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id",
             "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg",
             "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br",
             "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so",
             "af", "oc", "ka", "be", "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt",
             "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su")
VOCAB_SIZE = 51865  # the multilingual Whisper's (large-v3 adds one)
TEXT_TOKENS = 50257  # byte-level BPE tokens before <|endoftext|>


def build_tiny_whisper(out: Path, *, seed: int = 0) -> Path:
    """Write a tiny random Hugging Face Whisper to ``out`` (created); returns ``out``."""
    import torch
    from tokenizers import AddedToken, Tokenizer, decoders, models
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import (GenerationConfig, WhisperConfig, WhisperFeatureExtractor,
                              WhisperForConditionalGeneration, WhisperTokenizerFast)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    vocab: dict[str, int] = {symbol: i for i, symbol in enumerate(sorted(ByteLevel.alphabet()))}
    vocab[""] = len(vocab)
    filler = 0
    while len(vocab) < TEXT_TOKENS:
        vocab[f"<|filler{filler}|>"] = len(vocab)
        filler += 1
    specials = (["<|endoftext|>", "<|startoftranscript|>"] + [f"<|{code}|>" for code in LANGUAGES]
                + ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
                   "<|notimestamps|>"] + [f"<|{i * 0.02:.2f}|>" for i in range(1501)])
    for token in specials:
        vocab[token] = len(vocab)
    assert len(vocab) == VOCAB_SIZE, len(vocab)
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tokenizer.pre_tokenizer = ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([AddedToken(t, special=True) for t in specials])
    tokenizer.save(str(out / "tokenizer.json"))

    eot, sot = vocab["<|endoftext|>"], vocab["<|startoftranscript|>"]
    config = WhisperConfig(vocab_size=VOCAB_SIZE, num_mel_bins=80, d_model=64, encoder_layers=1, decoder_layers=1,
                           encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=128,
                           decoder_ffn_dim=128, max_source_positions=1500, max_target_positions=448,
                           decoder_start_token_id=sot, eos_token_id=eot, pad_token_id=eot, bos_token_id=eot,
                           begin_suppress_tokens=[], suppress_tokens=[])
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    generation = GenerationConfig(decoder_start_token_id=sot, eos_token_id=eot, pad_token_id=eot, bos_token_id=eot,
                                  max_length=448, begin_suppress_tokens=[], suppress_tokens=[])
    generation.lang_to_id = {f"<|{code}|>": vocab[f"<|{code}|>"] for code in LANGUAGES}
    generation.task_to_id = {"transcribe": vocab["<|transcribe|>"], "translate": vocab["<|translate|>"]}
    generation.no_timestamps_token_id = vocab["<|notimestamps|>"]
    generation.is_multilingual = True
    generation.alignment_heads = [[0, 0]]
    model.generation_config = generation
    model.save_pretrained(out)
    WhisperFeatureExtractor(feature_size=80).save_pretrained(out)
    WhisperTokenizerFast(tokenizer_file=str(out / "tokenizer.json"), unk_token="<|endoftext|>",
                         bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                         pad_token="<|endoftext|>").save_pretrained(out)
    return out


def convert_to_ctranslate2(hf_dir: Path, out: Path, *, quantization: str = "int8") -> Path:
    """``hf_dir`` converted for faster-whisper with CTranslate2's converter (tokenizer and features copied)."""
    from ctranslate2.converters import TransformersConverter

    TransformersConverter(str(hf_dir), copy_files=["tokenizer.json", "preprocessor_config.json"]).convert(
        str(out), quantization=quantization, force=True)
    return Path(out)


def build_tiny_models(root: Path) -> tuple[Path, Path]:
    """Both forms under ``root``: (Hugging Face directory, CTranslate2 directory)."""
    hf = build_tiny_whisper(Path(root) / "tiny-whisper-hf")
    return hf, convert_to_ctranslate2(hf, Path(root) / "tiny-whisper-ct2")
