"""Let DIET's training survive the end of the process: save after each epoch, resume where it stopped.

Runs INSIDE the Rasa venv, imported by ``runner.py --checkpoint-dir DIR``.

Why this exists: on two CPU cores DIET needs about 2 minutes an epoch on a
many-slot set such as PhoATIS, so its 100 epochs take 3.5 hours, longer than
the process that runs the benchmark may live. Rasa's own incremental training
(``rasa train --finetune``) is no substitute: it starts a fresh Adam optimizer
and restarts the linearly growing batch size, so "60 + 40 epochs" would not be
the 100-epoch model the benchmark claims to compare with.

What is saved after every epoch, in DIR (a TensorFlow checkpoint plus
``state.json``, replaced atomically): all model weights, the optimizer's state
(Adam's step counter and both moment estimates) and the number of epochs done.
On resume the model and optimizer are first built by one training step on one
batch (the way Rasa's own ``RasaModel.load`` builds a model before loading
weights), then every variable is overwritten from the checkpoint, and Keras
continues with ``initial_epoch`` set, the data generator's batch-size schedule
set to that epoch. What a resumed run does not reproduce: the random order of
examples and the dropout masks after the resume point (the random generators
are reseeded by Rasa at start, not restored), so it is a 100-epoch model of
the same configuration, not a bit-identical one.

``state.json`` also holds a fingerprint of the training data, the pipeline
configuration and the Rasa version; a checkpoint made from anything else is
refused rather than silently continued.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Iterator

STATE = "state.json"


def fingerprint(train: Path, config: Path, rasa_version: str) -> str:
    """SHA-256 over the training files' bytes (sorted by path), the config's bytes and the Rasa version."""
    digest = hashlib.sha256(rasa_version.encode())
    files = sorted(train.rglob("*.yml")) + sorted(train.rglob("*.yaml")) if train.is_dir() else [train]
    for path in [*files, config]:
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_state(directory: Path, expected_fingerprint: str) -> dict[str, Any] | None:
    """The saved state, None when there is none; raises if it was made from other data or config."""
    path = directory / STATE
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    if state["fingerprint"] != expected_fingerprint:
        raise SystemExit(f"{directory} holds a checkpoint of other training data, configuration or Rasa version; "
                         "remove it or point --checkpoint-dir elsewhere")
    return state


def _write_state(directory: Path, state: dict[str, Any]) -> None:
    tmp = directory / (STATE + ".tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    os.replace(tmp, directory / STATE)


@contextlib.contextmanager
def resumable_diet_training(directory: Path, data_fingerprint: str) -> Iterator[dict[str, Any]]:
    """Within this block, every ``RasaModel.fit`` of more than one epoch saves and resumes through DIRECTORY.

    Yields a dict that, after the block, holds ``resumed_at_epoch`` (None for
    a fresh start), ``epochs_done``, and per epoch, earlier processes'
    included: ``epoch_seconds`` (wall clock) and ``metrics`` (DIET's training
    loss and accuracies as Keras logs them; a resume shows as no jump in them). Rasa's one-epoch ``fit`` on a single
    example, which it uses to build a model before loading weights, is passed
    through untouched, and the patch is undone on leaving the block, before
    the trained model is loaded for parsing.
    """
    import tensorflow as tf
    from rasa.utils.tensorflow.models import RasaModel

    directory.mkdir(parents=True, exist_ok=True)
    state = read_state(directory, data_fingerprint)
    report: dict[str, Any] = {"resumed_at_epoch": state["epochs_done"] if state else None,
                              "epochs_done": state["epochs_done"] if state else 0,
                              "epoch_seconds": list(state["epoch_seconds"]) if state else [],
                              "metrics": list(state["metrics"]) if state else []}
    original_fit = RasaModel.fit

    class SaveEachEpoch(tf.keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            report["epoch_seconds"].append(round(time.perf_counter() - self._started, 3))
            report["epochs_done"] = epoch + 1
            report["metrics"].append({k: round(float(v), 5) for k, v in (logs or {}).items()})
            # A new checkpoint in its own folder first; the state file is
            # switched to it only once it is complete, then the old one goes.
            target = directory / f"epoch-{epoch + 1:03d}"
            shutil.rmtree(target, ignore_errors=True)
            tf.train.Checkpoint(model=self.model, optimizer=self.model.optimizer).write(str(target / "ckpt"))
            previous = read_state(directory, data_fingerprint)
            _write_state(directory, {"fingerprint": data_fingerprint, "epochs_done": epoch + 1,
                                     "checkpoint": target.name, "epoch_seconds": report["epoch_seconds"],
                                     "metrics": report["metrics"]})
            if previous and previous["checkpoint"] != target.name:
                shutil.rmtree(directory / previous["checkpoint"], ignore_errors=True)

    def fit(self: Any, x: Any = None, *args: Any, epochs: int = 1, callbacks: list | None = None,
            **kwargs: Any) -> Any:
        if epochs <= 1:
            return original_fit(self, x, *args, epochs=epochs, callbacks=callbacks, **kwargs)
        initial_epoch = 0
        if state:
            initial_epoch = state["epochs_done"]
            # Build weights and optimizer slots with one real step, then overwrite them all.
            original_fit(self, x, epochs=1, steps_per_epoch=1, verbose=False, shuffle=False)
            restored = tf.train.Checkpoint(model=self, optimizer=self.optimizer)
            restored.read(str(directory / state["checkpoint"] / "ckpt")).assert_existing_objects_matched()
            if int(self.optimizer.iterations.numpy()) == 0:
                raise SystemExit("the optimizer's step counter was not restored; refusing to continue")
            x._current_epoch = initial_epoch - 1
            x.on_epoch_end()  # batch size and shuffled data for epoch `initial_epoch`
        return original_fit(self, x, *args, epochs=epochs, initial_epoch=initial_epoch,
                            callbacks=[*(callbacks or []), SaveEachEpoch()], **kwargs)

    RasaModel.fit = fit
    try:
        yield report
    finally:
        RasaModel.fit = original_fit
