"""The hotline callbot over RTP: per-turn stage latency, the pipeline's own overhead, ten calls at once,
barge-in, and what a real Whisper would cost per turn.

    python -m bench.callbot [--calls 10] [--turns 5] [--format ulaw] [--media rtp|websocket] [--data-dir var]
                            [--whisper-sizes small medium]

The callbot runs in this process exactly as ``hueai callbot`` builds it (Pipecat pipeline, Silero VAD and
Smart Turn from the pipecat-ai wheel, espeak-ng, the thread pool), with the tiny random Whisper of
:mod:`voice.tiny_whisper` as its recogniser: the real faster-whisper code path and a model's worth of
feature extraction and decoding, whose text is replaced by the question the caller asked (a random
model hears nonsense) so that the dialogue answers a real question. The dialogue is the real
:class:`~dialogue.assistant.DialogueAssistant` when ``--data-dir`` names an installation that
``hueai setup`` built, otherwise a canned one (its stage then measures nothing).

The caller side is the stand-in Asterisk (:mod:`voice.standin`) in a separate process, so that its own
work (synthesising callers with espeak-ng, sending and timing packets) does not share this process's
event loop: the pacing measured is the callbot's. Each call is greeted, then asks ``--turns`` questions;
one second into each answer but the last, the caller starts the next question over it (barge-in).

Measured:

* per turn, from the callbot's own clock: end of speech -> end-of-turn decision -> ASR -> dialogue ->
  first RTP packet of the answer, p50/p95, and the *overhead* (total less the VAD's silence window,
  Smart Turn, Whisper, the dialogue and the first sentence's synthesis): target < 300 ms at p95;
* on the wire, at the caller: end of the question -> first packet of the answer; barge-in, start of
  the caller's speech -> last packet of the interrupted answer (target < 300 ms);
* pacing: every outbound packet's lateness against its deadline (callbot side) and the inter-arrival
  jitter at the caller, p99 (target < 5 ms), and underruns (target 0), for one call and for ten at once,
  with the machine's CPU steal time and load over the run (a shared virtual machine's neighbours can
  hold its CPUs for tens of milliseconds: packets due then leave late whatever the callbot does);
* ``--whisper-sizes``: Whisper small and medium *architectures* with random weights, converted to
  CTranslate2 int8, timed on this CPU on a 4 s turn (24 tokens decoded, beam 1, as the callbot decodes):
  the compute a real model of that size adds per turn here; published GPU figures are quoted beside.

Writes ``bench/results/callbot.json``. Loopback only, bounded in calls, turns and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from bench.processes import free_port

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "callbot.json"
QUESTIONS = [
    "đăng ký khai sinh cho con cần giấy tờ gì",
    "làm lại căn cước công dân bị mất thì nộp ở đâu",
    "chứng thực bản sao lệ phí bao nhiêu",
    "đăng ký kết hôn mất bao lâu",
    "đăng ký tạm trú có làm trực tuyến được không",
    "cấp giấy chứng nhận quyền sử dụng đất lần đầu cần giấy tờ gì",
]
CANNED = ("Dạ, đăng ký khai sinh cần tờ khai theo mẫu và giấy chứng sinh. Anh chị nộp tại Ủy ban nhân dân phường "
          "nơi cư trú, giải quyết trong ngày, không mất lệ phí.")
#: Published: faster-whisper's README benchmark, 13 minutes of audio, beam 5 (github.com/SYSTRAN/faster-whisper).
PUBLISHED = {
    "small_cpu_int8_8threads_xeon_6226r_seconds_per_13min": 124,
    "large_v2_gpu_fp16_v100s_seconds_per_13min": 54,
    "source": "SYSTRAN/faster-whisper README, Benchmark (commit 00cc7e1b)",
}


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
            "max": round(max(values), 2) if values else None}


# -- the caller side (a separate process) ----------------------------------------------------------------------
def wire_jitter(received: list[tuple[float, Any]]) -> list[float]:
    """|inter-arrival - 20 ms| between consecutive packets of a talk spurt (gaps over 100 ms split spurts)."""
    out = []
    for (a, _), (b, _) in zip(received, received[1:]):
        gap = b - a
        if gap < 0.1:
            out.append(abs(gap - 0.02) * 1000.0)
    return out


async def drive(port: int, calls: int, turns: int) -> dict[str, Any]:
    from voice.standin import StandInAsterisk
    from voice.tts import EspeakSynthesizer

    synth = EspeakSynthesizer("vi-vn-x-central", 170)
    speech = [(synth.synthesize(q), synth.sample_rate) for q in QUESTIONS]
    asterisk = StandInAsterisk()
    asterisk.port = port
    await asterisk.start()
    print("READY", flush=True)
    await asterisk.wait_connected(60)
    answers: list[float] = []
    barge_ins: list[float] = []
    jitter: list[float] = []
    failures: list[str] = []

    async def one(index: int) -> None:
        call = await asterisk.place_call(f"0905{index:06d}")
        try:
            await call.wait_heard(0.5, timeout=60)
            await call.wait_quiet(0.6, timeout=90)
            pcm, rate = speech[index % len(speech)]
            done = await call.say(pcm, rate)
            for turn in range(turns):
                await asyncio.sleep(max(0.0, done - time.monotonic()))
                heard_at = await call.wait_heard(0.04, since=done, timeout=60)
                answers.append((heard_at - done) * 1000.0)
                if turn == turns - 1:
                    await call.wait_quiet(0.5, timeout=90)
                    break
                await asyncio.sleep(1.0)  # listen to a second of the answer, then talk over it
                pcm, rate = speech[(index + turn + 1) % len(speech)]
                barge = time.monotonic()
                done = await call.say(pcm, rate)
                last = await call.wait_quiet(0.35, timeout=30)
                barge_ins.append(max(0.0, last - barge) * 1000.0)
            media = call.media
            if media is not None:
                jitter.extend(wire_jitter(media.received))
        except Exception as exc:  # reported, never hidden
            failures.append(f"call {index}: {type(exc).__name__}: {exc}")
        finally:
            await call.hang_up()

    started = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(calls)))
    seconds = time.monotonic() - started
    await asyncio.sleep(1.0)
    await asterisk.stop()
    return {"answer_wire_ms": answers, "barge_in_stop_ms": barge_ins, "wire_jitter_ms": jitter,
            "failures": failures, "seconds": round(seconds, 1)}


def driver_main(port: int, calls: int, turns: int) -> None:
    result = asyncio.run(drive(port, calls, turns))
    print("RESULT " + json.dumps(result), flush=True)


# -- the callbot side -----------------------------------------------------------------------------------------------
class ScriptedTiny:
    """The tiny Whisper's real work, the caller's real question as text."""

    def __init__(self, recognizer: Any) -> None:
        self.recognizer = recognizer
        self.name = f"{recognizer.name}+script"
        self._next = 0

    def transcribe(self, pcm: bytes) -> Any:
        from voice.asr import Transcript

        transcript = self.recognizer.transcribe(pcm)
        text = QUESTIONS[self._next % len(QUESTIONS)]
        self._next += 1
        return Transcript(text, transcript.audio_seconds, transcript.latency_ms)


class CannedAssistant:
    def handle(self, session_id: str, text: str, *, channel: str) -> Any:
        from dialogue.turns import Turn

        return Turn(session_id=session_id, message_id="1", reply=CANNED, intent="ask_documents", confidence=1.0,
                    action="answer_documents")


class BenchStore:
    """Keeps the turns' stage latencies (the callbot writes them where the staff page would read them)."""

    def __init__(self) -> None:
        self.turns: list[dict[str, float]] = []

    def start(self, *args: Any, **kwargs: Any) -> None: ...

    def end(self, *args: Any, **kwargs: Any) -> None: ...

    def expire_recordings(self, *args: Any) -> int:
        return 0

    def add_turn(self, call_id: str, *, source: str, latency_ms: dict[str, float] | None = None, **_: Any) -> None:
        if source == "speech" and latency_ms and "total" in latency_ms:
            self.turns.append(latency_ms)


def cpu_times() -> tuple[int, int]:
    """(steal, total) CPU time of the machine so far, in clock ticks (``/proc/stat``; zeros elsewhere).

    Steal is time the hypervisor gave this virtual machine's CPUs to another guest: while it lasts,
    nothing here runs, however well it is written, so the bench reports it beside the underruns."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


async def serve_calls(stack: Any, assistant: Any, calls: int, turns: int) -> dict[str, Any]:
    from voice.ari import AriClient
    from voice.callbot import Callbot
    from voice.settings import AriSettings

    port = free_port()
    driver = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.callbot", "--driver", str(port), str(calls), str(turns), cwd=str(REPO),
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)}, limit=1 << 24)
    assert driver.stdout is not None
    line = await asyncio.wait_for(driver.stdout.readline(), 120)
    if not line.startswith(b"READY"):
        raise RuntimeError(f"the stand-in did not start: {line!r}")
    url = f"http://127.0.0.1:{port}"
    store = BenchStore()
    ari_settings = AriSettings(url=url, user="hueai", password="secret", reconnect_min_seconds=0.2)
    callbot = Callbot(AriClient(url, "hueai", "secret", "callbot"), ari_settings, stack,
                      assistant=lambda: assistant, store=store)  # type: ignore[arg-type]
    stop = asyncio.Event()
    task = asyncio.ensure_future(callbot.run(stop))
    steal_before, total_before = cpu_times()
    result: dict[str, Any] = {}
    while True:
        line = await asyncio.wait_for(driver.stdout.readline(), 900)
        if not line:
            break
        if line.startswith(b"RESULT "):
            result = json.loads(line[7:])
    await driver.wait()
    steal_after, total_after = cpu_times()
    await callbot.wait_idle(20)
    stop.set()
    await asyncio.wait_for(task, 30)
    lateness = [x for call in callbot.history for x in call.media.pacer.lateness_ms] if callbot.history else []
    underruns = sum(call.media.underruns for call in callbot.history if call.media is not None)
    stages: dict[str, list[float]] = {}
    for turn in store.turns:
        for name, value in turn.items():
            stages.setdefault(name, []).append(value)
    return {
        "calls": calls, "turns_per_call": turns, "speech_turns_measured": len(store.turns),
        "stages_ms": {name: summary(values) for name, values in sorted(stages.items())},
        "answer_on_the_wire_ms": summary(result.get("answer_wire_ms", [])),
        "barge_in_stop_ms": summary(result.get("barge_in_stop_ms", [])),
        "pacing_lateness_ms": summary(lateness),
        "wire_jitter_ms": summary(result.get("wire_jitter_ms", [])),
        "underruns": underruns, "packets_sent": len(lateness),
        "failures": result.get("failures", ["the driver returned nothing"]),
        "seconds": result.get("seconds"),
        "machine_during_run": {
            "cpu_steal_percent": round(100 * (steal_after - steal_before) / max(total_after - total_before, 1), 2),
            "load_average": os.getloadavg(),
        },
    }


def build_stack(fmt: str, asr: Any, media: str = "rtp") -> Any:
    from voice.pipeline import SpeechStack
    from voice.prompts import Menu, Prompts
    from voice.rtp import CODECS
    from voice.settings import VoiceSettings
    from voice.tts import Speaker, SpeechCache, load_synthesizer
    from voice.turn_models import preload

    settings = VoiceSettings(rtp_format=fmt, media_transport=media, rtp_ports="41000-41999", call_silence_seconds=30,
                             call_max_seconds=900)
    speaker = Speaker(load_synthesizer(settings.tts_voice, rate=settings.tts_rate), CODECS[fmt].sample_rate,
                      SpeechCache(settings.tts_cache_entries))
    prompts = Prompts.load()
    speaker.prewarm(prompts.frequent())
    preload()
    return SpeechStack(settings=settings, recognizer=asr, speaker=speaker, prompts=prompts, menu=Menu.load(),
                       executor=ThreadPoolExecutor(max_workers=4, thread_name_prefix="callbot"))


def real_assistant(data_dir: Path) -> Any:
    from hueai.runtime import Runtime
    from hueai.settings import Settings

    runtime = Runtime(Settings(data_dir=data_dir))
    runtime.assistant  # noqa: B018  (loads the models now, or raises ModelMissing)
    return runtime.assistant


def whisper_size_cost(size: str, root: Path) -> dict[str, Any]:
    """A Whisper of ``size``'s architecture with random weights, int8 CTranslate2, timed on a 4 s turn."""
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    from voice.asr import FasterWhisperRecognizer
    from voice.tiny_whisper import build_tiny_whisper, convert_to_ctranslate2

    dims = {"small": (768, 12, 12, 3072), "medium": (1024, 24, 16, 4096)}[size]
    d_model, layers, heads, ffn = dims
    hf = build_tiny_whisper(root / f"{size}-hf")  # the tokenizer and processor files
    config = WhisperConfig.from_pretrained(hf)
    config.update(dict(d_model=d_model, encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=heads,
                       decoder_attention_heads=heads, encoder_ffn_dim=ffn, decoder_ffn_dim=ffn))
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = WhisperForConditionalGeneration.from_pretrained(hf).generation_config
    model.save_pretrained(hf)
    del model
    ct2 = convert_to_ctranslate2(hf, root / f"{size}-ct2")
    import voice.asr as asr

    asr.MAX_NEW_TOKENS = 24  # a 4 s Vietnamese turn is about 20-30 tokens; a random model never stops earlier
    recognizer = FasterWhisperRecognizer(ct2, threads=2)
    rng = np.random.default_rng(0)
    pcm = (rng.standard_normal(16000 * 4) * 2000).astype("<i2").tobytes()
    recognizer.transcribe(pcm)  # warm-up
    times = [recognizer.transcribe(pcm).latency_ms for _ in range(3)]
    return {"per_turn_ms_2_threads": summary(times), "architecture": {"d_model": d_model, "layers": layers}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--driver", nargs=3, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--format", default="ulaw", choices=["ulaw", "alaw", "slin16"])
    parser.add_argument("--media", default="rtp", choices=["rtp", "websocket"],
                        help="externalMedia over RTP, or over chan_websocket's media WebSocket")
    parser.add_argument("--data-dir", type=Path, default=None, help="an installation for the real dialogue")
    parser.add_argument("--whisper-sizes", nargs="*", default=[], choices=["small", "medium"])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.driver:
        driver_main(*args.driver)
        return

    from voice.logs import quiet_pipecat

    quiet_pipecat("ERROR")
    from hueai.logging import configure_logging
    from hueai.threads import limit_threads
    from voice.asr import load_recognizer
    from voice.pacing import freeze_loaded_heap
    from voice.tiny_whisper import build_tiny_models

    configure_logging("WARNING")
    limit_threads(1)
    scratch = Path(tempfile.mkdtemp(prefix="hueai-bench-callbot-"))
    _, ct2 = build_tiny_models(scratch)
    tiny = load_recognizer(ct2)
    stack = build_stack(args.format, ScriptedTiny(tiny), args.media)
    assistant = real_assistant(args.data_dir) if args.data_dir else CannedAssistant()
    freeze_loaded_heap()  # as `hueai callbot` does once loaded
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "setup": {"format": args.format, "media": args.media, "asr": "tiny random Whisper (faster-whisper, int8), text scripted",
                  "tts": stack.speaker.synthesizer.name,
                  "dialogue": f"DialogueAssistant over {args.data_dir}" if args.data_dir else "canned reply",
                  "vad_stop_ms": stack.settings.vad_stop_seconds * 1000, "jitter_buffer_ms": stack.settings.rtp_jitter_ms},
    }
    report["one_call"] = asyncio.run(serve_calls(stack, assistant, 1, max(args.turns, 8)))
    print(json.dumps(report["one_call"], indent=1, ensure_ascii=False), flush=True)
    report["ten_calls"] = asyncio.run(serve_calls(stack, assistant, args.calls, args.turns))
    print(json.dumps(report["ten_calls"], indent=1, ensure_ascii=False), flush=True)
    if args.whisper_sizes:
        report["whisper_sizes_on_this_cpu"] = {size: whisper_size_cost(size, scratch) for size in args.whisper_sizes}
        print(json.dumps(report["whisper_sizes_on_this_cpu"], indent=1), flush=True)
    report["published"] = PUBLISHED
    stack.executor.shutdown(wait=False)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
