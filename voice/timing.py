"""When each stage of a turn happened, on the monotonic clock, and the stage latencies stored with it.

One turn, from the caller's last word to the assistant's first audio packet::

    speech_end --end of turn--> turn_end --ASR--> asr_done --dialogue--> dialogue_done --TTS--> first_packet

* *end of turn*: the VAD's silence window (``HUEAI_VAD_STOP_SECONDS``) plus Smart Turn's verdict;
* *ASR*: Whisper on the whole turn (``asr_model_ms`` of it inside the model);
* *dialogue*: the assistant's turn (NLU, search, policy, storage; in a worker thread);
* *TTS*: synthesising the first sentence (``tts_model_ms``) and the pipeline's way to the wire.

``overhead`` is what is left of ``total`` when the end-of-turn stage (the turn-taking decision:
the VAD's silence window, Smart Turn's inference, and the wait when it judges the caller not done)
and the models' own time (Whisper, the dialogue, the first sentence's synthesis) are taken away:
the pipeline's own cost (queues, threads, resampling, pacing), benchmarked to stay under 300 ms at
the 95th percentile.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TurnTiming:
    speech_end: float | None = None
    turn_end: float | None = None
    asr_done: float | None = None
    dialogue_done: float | None = None
    first_packet: float | None = None
    vad_stop_ms: float = 0.0  # the silence window the VAD waits before saying speech stopped
    smart_turn_ms: float = 0.0
    asr_model_ms: float = 0.0
    dialogue_model_ms: float = 0.0
    tts_model_ms: float = 0.0

    def stages(self) -> dict[str, float]:
        """Milliseconds per stage, for the turn's ``latency_ms`` (only the stages that happened)."""
        out: dict[str, float] = {}
        points = [("end_of_turn", self.speech_end, self.turn_end), ("asr", self.turn_end, self.asr_done),
                  ("dialogue", self.asr_done or self.turn_end, self.dialogue_done),
                  ("tts", self.dialogue_done, self.first_packet), ("total", self.speech_end, self.first_packet)]
        for name, start, end in points:
            if start is not None and end is not None:
                out[name] = round((end - start) * 1000.0, 1)
        for name in ("smart_turn_ms", "asr_model_ms", "dialogue_model_ms", "tts_model_ms"):
            value = getattr(self, name)
            if value:
                out[name.removesuffix("_ms")] = round(value, 1)
        if "total" in out:
            waited = out.get("end_of_turn", 0.0) + self.asr_model_ms + self.dialogue_model_ms + self.tts_model_ms
            out["overhead"] = round(max(out["total"] - waited, 0.0), 1)
        return out
