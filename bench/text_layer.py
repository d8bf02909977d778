"""Benchmark of the Vietnamese text layer (``nlu.text``).

Run from the repository root::

    python -m bench.text_layer

Measures, and writes to ``bench/results/text_layer.json``:

* **segmentation**: pyvi vs underthesea on 30 hotline sentences segmented by hand
  below (word F1 against the hand segmentation, agreement between the two,
  milliseconds per sentence, import time). This decides ``DEFAULT_BACKEND``.
* **diacritic restoration**: syllable accuracy of :func:`nlu.text.restore_diacritics`
  (and of bare ``pyvi.ViUtils.add_accents`` for comparison) on 300 procedure names
  read at run time from ``../shared/datasets/tthc-dvcqg`` plus 40 citizen questions,
  each stripped of its marks and then restored; next to it, the project's
  :class:`~nlu.text.restorer.NgramRestorer` trained here by
  :func:`training.diacritics.domain_corpus` with both evaluation sets held out
  (the 300 evaluated records entirely, and every line of any source containing
  an evaluated name or question), so its numbers are on text it never saw.
* **normalisation throughput**: characters per second, cold and warm cache.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from nlu.text import NgramRestorer, normalize, restore_diacritics, strip_diacritics
from nlu.text.restorer import syllable_accuracy
from nlu.text.tokenize import segment, tokenize
from training.diacritics import domain_corpus

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "text_layer.json"
PROCEDURES = REPO.parent / "shared" / "datasets" / "tthc-dvcqg" / "raw"

# Hand segmentation: words joined by "_", tokens by spaces. Written for this bench,
# following VLSP conventions (compound nouns and verbs are one word, proper names
# are one word).
GOLD_SEGMENTATION = [
    "Tôi muốn đăng_ký khai_sinh cho con ở phường Vĩnh_Ninh .",
    "Làm căn_cước công_dân ở đâu vậy ạ ?",
    "Thủ_tục cấp giấy_phép xây_dựng nhà_ở riêng_lẻ cần những giấy_tờ gì ?",
    "Lệ_phí đăng_ký kết_hôn là bao_nhiêu ?",
    "Cho tôi hỏi số điện_thoại của Ủy_ban nhân_dân thành_phố Huế .",
    "Đường Lê_Lợi đang bị ngập , đề_nghị cử người đến xử_lý .",
    "Hồ_sơ của tôi đã nộp trực_tuyến từ tuần trước nhưng chưa có kết_quả .",
    "Tôi bị mất giấy_phép lái_xe thì phải làm thế_nào ?",
    "Đèn_đường ở kiệt 12 Phan_Đình_Phùng bị hỏng mấy ngày nay .",
    "Xin hỏi thời_gian giải_quyết hồ_sơ chuyển_nhượng quyền sử_dụng đất là bao_lâu ?",
    "Con tôi sinh ở bệnh_viện Trung_ương Huế , đăng_ký khai_sinh ở đâu ?",
    "Rác_thải chưa được thu_gom ở chợ Đông_Ba .",
    "Tôi cần xin giấy xác_nhận tình_trạng hôn_nhân để làm hồ_sơ kết_hôn .",
    "Cách đăng_ký tạm_trú cho sinh_viên thuê trọ ?",
    "Bảo_hiểm y_tế của tôi hết hạn , gia_hạn ở đâu ?",
    "Mức phạt khi không đội mũ_bảo_hiểm là bao_nhiêu ?",
    "Trường_học gần nhà tôi có nhận học_sinh chuyển_trường không ?",
    "Tôi muốn phản_ánh về tình_trạng lấn_chiếm vỉa_hè trên đường Trần_Hưng_Đạo .",
    "Giờ làm_việc của bộ_phận một_cửa là mấy giờ ?",
    "Người cao_tuổi được hưởng trợ_cấp xã_hội như_thế_nào ?",
    "Khi_nào thì có kết_quả xét_nghiệm ?",
    "Tôi đã thanh_toán lệ_phí qua ngân_hàng nhưng hệ_thống báo lỗi .",
    "Cây_xanh bị đổ chắn ngang đường sau cơn bão .",
    "Làm_sao để tra_cứu tình_trạng hồ_sơ trên cổng dịch_vụ công quốc_gia ?",
    "Thành_phố Huế có bao_nhiêu phường ?",
    "Tôi muốn đặt lịch làm hộ_chiếu .",
    "Nước_máy nhà tôi có mùi lạ , xin kiểm_tra giúp .",
    "Ai chịu trách_nhiệm sửa_chữa cống thoát_nước bị tắc ?",
    "Chứng_thực bản_sao giấy_tờ mất bao_nhiêu tiền ?",
    "Cho hỏi thủ_tục đổi tên trong giấy khai_sinh .",
]

# Citizen-style questions for restoration: the 30 above plus 10 more.
EXTRA_QUESTIONS = [
    "Cho mình hỏi làm lại thẻ bảo hiểm y tế bị mất ở đâu ạ?",
    "Nhà mình ở kiệt 5 Nguyễn Trãi, tối qua mất điện cả khu.",
    "Sổ đỏ đứng tên bố mẹ, giờ muốn sang tên cho con thì làm sao?",
    "Em là sinh viên, đăng ký tạm trú online được không ạ?",
    "Phường Phú Hội có nhận hồ sơ vào thứ bảy không?",
    "Xin hỏi trợ cấp thất nghiệp nhận trong bao lâu?",
    "Hàng xóm đốt rác gây khói bụi, tôi phản ánh ở đâu?",
    "Tôi muốn hỏi về thủ tục cấp đổi giấy phép lái xe quốc tế.",
    "Con tôi bảy tuổi, chuyển trường từ Đà Nẵng ra Huế cần giấy tờ gì?",
    "Giá vé tham quan Đại Nội Huế năm nay là bao nhiêu?",
]

def _word_spans(words: list[str]) -> set[tuple[int, int]]:
    """Character spans of words in the space-free concatenation (robust to re-spacing)."""
    spans, position = set(), 0
    for word in words:
        length = len(word.replace("_", "").replace(" ", ""))
        spans.add((position, position + length))
        position += length
    return spans


def _f1(gold: set[tuple[int, int]], predicted: set[tuple[int, int]]) -> float:
    hits = len(gold & predicted)
    return 2 * hits / (len(gold) + len(predicted)) if gold or predicted else 1.0


def bench_segmentation() -> dict[str, dict[str, float]]:
    sentences = [g.replace("_", " ") for g in GOLD_SEGMENTATION]
    results: dict[str, dict[str, float]] = {}
    outputs: dict[str, list[set[tuple[int, int]]]] = {}
    for backend, module in [("pyvi", "pyvi.ViTokenizer"), ("underthesea", "underthesea")]:
        started = time.perf_counter()
        importlib.import_module(module)
        import_s = time.perf_counter() - started
        segment(sentences[0], backend)  # type: ignore[arg-type]  # warm-up: lazy model load
        rounds = 20
        started = time.perf_counter()
        for _ in range(rounds):
            predicted = [segment(s, backend) for s in sentences]  # type: ignore[arg-type]
        per_sentence_ms = (time.perf_counter() - started) / (rounds * len(sentences)) * 1000
        started = time.perf_counter()
        for _ in range(rounds):
            for s in sentences:
                tokenize(s, backend=backend)  # type: ignore[arg-type]
        tokenize_ms = (time.perf_counter() - started) / (rounds * len(sentences)) * 1000
        outputs[backend] = [_word_spans(p) for p in predicted]
        gold = [_word_spans(g.split()) for g in GOLD_SEGMENTATION]
        hits = sum(len(g & p) for g, p in zip(gold, outputs[backend], strict=True))
        n_gold = sum(len(g) for g in gold)
        n_pred = sum(len(p) for p in outputs[backend])
        results[backend] = {
            "word_f1": 2 * hits / (n_gold + n_pred),
            "exact_sentences": sum(g == p for g, p in zip(gold, outputs[backend], strict=True)) / len(gold),
            "segment_ms_per_sentence": per_sentence_ms,
            "tokenize_ms_per_sentence": tokenize_ms,
            "import_s": import_s,
        }
    agreement = [_f1(a, b) for a, b in zip(outputs["pyvi"], outputs["underthesea"], strict=True)]
    results["agreement"] = {"word_f1_pyvi_vs_underthesea": sum(agreement) / len(agreement)}
    return results


def load_procedure_names(limit: int = 300) -> list[str]:
    """Every k-th distinct procedure name, deterministic, read from the shared dataset."""
    names: list[str] = []
    for path in sorted(PROCEDURES.glob("*/*.json")):
        name = json.loads(path.read_text(encoding="utf-8")).get("ten_thu_tuc")
        if name and name not in names:
            names.append(name)
    step = max(1, len(names) // limit)
    return names[::step][:limit]


def _timed_restore(texts: list[str], restore) -> tuple[list[str], float]:  # type: ignore[no-untyped-def]
    """Outputs of ``restore`` on each text, and milliseconds per text."""
    started = time.perf_counter()
    restored = [restore(t) for t in texts]
    return restored, (time.perf_counter() - started) / max(len(texts), 1) * 1000


def bench_restoration(names: list[str]) -> dict[str, dict[str, float]]:
    from pyvi import ViUtils

    questions = [g.replace("_", " ").replace(" .", ".").replace(" ?", "?").replace(" ,", ",") for g in GOLD_SEGMENTATION]
    questions += EXTRA_QUESTIONS
    started = time.perf_counter()
    corpus = domain_corpus(hold_out=names + questions)
    restorer = NgramRestorer().fit(corpus)
    results: dict[str, dict[str, float]] = {
        "ngram_training": {"lines": len(corpus), "ngrams": len(restorer.counts_), "seconds": time.perf_counter() - started},
    }
    for label, texts in [("procedure_names", names), ("citizen_questions", questions)]:
        if not texts:
            continue
        stripped = [strip_diacritics(t) for t in texts]
        restored, ms = _timed_restore(stripped, restore_diacritics)
        accuracy, exact = syllable_accuracy(texts, restored)
        raw_accuracy, raw_exact = syllable_accuracy(texts, [ViUtils.add_accents(s) for s in stripped])
        # First pass over these texts: the restorer's probability memo is cold for them.
        ngram, ngram_ms = _timed_restore(stripped, lambda s: restore_diacritics(s, restorer=restorer))
        ngram_accuracy, ngram_exact = syllable_accuracy(texts, ngram)
        results[label] = {
            "n": len(texts),
            "syllable_accuracy": accuracy,
            "exact_texts": exact,
            "raw_pyvi_syllable_accuracy": raw_accuracy,
            "raw_pyvi_exact_texts": raw_exact,
            "ms_per_text": ms,
            "ngram_syllable_accuracy": ngram_accuracy,
            "ngram_exact_texts": ngram_exact,
            "ngram_ms_per_text": ngram_ms,
        }
    return results


def bench_normalize(texts: list[str]) -> dict[str, float]:
    from nlu.text.normalize import canonical_word
    from nlu.text.tones import canonical_syllable

    # Mix in old-style tones and decomposed text so the slow paths are exercised.
    corpus = texts + [t.replace("òa", "oà").replace("ủy", "uỷ") for t in texts]
    chars = sum(len(t) for t in corpus)
    canonical_word.cache_clear()
    canonical_syllable.cache_clear()
    started = time.perf_counter()
    for t in corpus:
        normalize(t)
    cold = time.perf_counter() - started
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for t in corpus:
            normalize(t)
    warm = (time.perf_counter() - started) / rounds
    return {"texts": len(corpus), "chars": chars, "cold_chars_per_s": chars / cold, "warm_chars_per_s": chars / warm}


def main() -> None:
    console = Console()
    names = load_procedure_names()
    if not names:
        console.print(f"[yellow]no procedure names under {PROCEDURES}; restoration uses questions only")
    segmentation = bench_segmentation()
    restoration = bench_restoration(names)
    questions = [g.replace("_", " ") for g in GOLD_SEGMENTATION] + EXTRA_QUESTIONS
    throughput = bench_normalize(names + questions)

    table = Table(title="Segmentation (30 hand-segmented hotline sentences)")
    for column in ["backend", "word F1", "exact sent.", "segment ms/sent", "tokenize ms/sent", "import s"]:
        table.add_column(column, justify="right")
    for backend in ["pyvi", "underthesea"]:
        r = segmentation[backend]
        table.add_row(backend, f"{r['word_f1']:.3f}", f"{r['exact_sentences']:.2f}", f"{r['segment_ms_per_sentence']:.2f}",
                      f"{r['tokenize_ms_per_sentence']:.2f}", f"{r['import_s']:.2f}")
    console.print(table)
    console.print(f"pyvi vs underthesea agreement (word F1): {segmentation['agreement']['word_f1_pyvi_vs_underthesea']:.3f}")

    table = Table(title="Diacritic restoration (strip, then restore)")
    for column in ["set", "restorer", "n", "syllable acc.", "exact texts", "ms/text"]:
        table.add_column(column, justify="right")
    for label, r in restoration.items():
        if label == "ngram_training":
            continue
        table.add_row(label, "pyvi", str(r["n"]), f"{r['syllable_accuracy']:.3f}",
                      f"{r['exact_texts']:.2f}", f"{r['ms_per_text']:.2f}")
        table.add_row("", "bare pyvi", str(r["n"]), f"{r['raw_pyvi_syllable_accuracy']:.3f}",
                      f"{r['raw_pyvi_exact_texts']:.2f}", "")
        table.add_row("", "n-gram (ours)", str(r["n"]), f"{r['ngram_syllable_accuracy']:.3f}",
                      f"{r['ngram_exact_texts']:.2f}", f"{r['ngram_ms_per_text']:.2f}")
    console.print(table)
    training = restoration["ngram_training"]
    console.print(f"NgramRestorer trained on {training['lines']} lines without the evaluated texts "
                  f"({training['ngrams']} n-grams) in {training['seconds']:.1f} s")
    console.print(f"normalize: {throughput['cold_chars_per_s'] / 1e6:.2f} M chars/s cold cache, "
                  f"{throughput['warm_chars_per_s'] / 1e6:.2f} M chars/s warm ({throughput['chars']} chars)")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "python": sys.version.split()[0],
        "segmentation": segmentation,
        "restoration": restoration,
        "normalize": throughput,
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
