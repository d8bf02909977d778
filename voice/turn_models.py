"""Silero VAD and Smart Turn v3.2, the two ONNX models inside the ``pipecat-ai`` wheel.

``pipecat-ai`` 1.14 ships both as package data (``pipecat/audio/vad/data/silero_vad.onnx``,
2.3 MB; ``pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx``, 8.7 MB): Silero
scores each 32 ms of audio for speech; Smart Turn, a Whisper-tiny encoder with a classifier
trained on 23 languages, Vietnamese among them, reads the last 8 s of a turn and says whether
the speaker has finished or only paused. They are loaded from the installed package
(:func:`packaged_model`), never fetched, and each is opened once per process with onnxruntime
on one CPU thread: the sessions are shared by every call (onnxruntime sessions are thread-safe),
while each call gets its own analyzer state (Silero's recurrent state, Smart Turn's buffer).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

import onnxruntime as ort
from pipecat.audio.turn.smart_turn.base_smart_turn import BaseSmartTurn, SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroOnnxModel, SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams

SILERO = ("pipecat.audio.vad.data", "silero_vad.onnx")
SMART_TURN = ("pipecat.audio.turn.smart_turn.data", "smart-turn-v3.2-cpu.onnx")
_lock = threading.Lock()


class ModelMissing(RuntimeError):
    """The installed pipecat-ai has no such model file (a wheel without its package data)."""


def packaged_model(package: str, name: str) -> Path:
    path = Path(str(resources.files(package).joinpath(name)))
    if not path.is_file():
        raise ModelMissing(f"{name} is not in the installed pipecat-ai ({path}); reinstall pipecat-ai==1.14.*")
    return path


def _session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


@lru_cache(maxsize=None)
def shared_session(package: str, name: str) -> ort.InferenceSession:
    with _lock:
        return _session(packaged_model(package, name))


class SharedSileroVAD(SileroVADAnalyzer):
    """Pipecat's Silero analyzer over the process's one Silero session (per-call recurrent state)."""

    def __init__(self, *, sample_rate: int | None = None, params: VADParams | None = None) -> None:
        VADAnalyzer.__init__(self, sample_rate=sample_rate, params=params)
        model = SileroOnnxModel.__new__(SileroOnnxModel)
        model.session = shared_session(*SILERO)
        model.sample_rates = [8000, 16000]
        model.reset_states()
        self._model = model
        self._windows_since_reset = 0
        self._low_confidence_windows = 0


class SharedSmartTurn(LocalSmartTurnAnalyzerV3):
    """Pipecat's local Smart Turn v3 analyzer over the process's one session (per-call audio buffer)."""

    def __init__(self, *, sample_rate: int | None = None, params: SmartTurnParams | None = None) -> None:
        BaseSmartTurn.__init__(self, sample_rate=sample_rate, params=params)
        self._log_data = False
        self._session = shared_session(*SMART_TURN)


def preload() -> None:
    """Open both sessions now (at start-up) rather than on the first call."""
    shared_session(*SILERO)
    shared_session(*SMART_TURN)
