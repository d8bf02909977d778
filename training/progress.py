"""A line per stage of long work, with its elapsed time: readable in a terminal and in a CI log.

tqdm bars draw only on a terminal; set-up also runs under CI and systemd, where an
operator still needs to see which stage it is in and how long each took::

    [setup 2/7  14%] training the dense encoder ...
    [setup 2/7  14%] training the dense encoder: done in 15.9 s
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Stages:
    """Announce ``total`` stages of the work called ``name`` on ``out`` (default stderr; ``quiet`` prints nothing)."""

    def __init__(self, name: str, total: int, *, out: TextIO | None = None, quiet: bool = False) -> None:
        self.name, self.total, self.done = name, total, 0
        self.out, self.quiet = out, quiet
        self.seconds: dict[str, float] = {}  # per finished stage

    def _line(self, text: str) -> None:
        if self.quiet:
            return
        out = self.out or sys.stderr
        percent = 100 * self.done // max(self.total, 1)
        out.write(f"[{self.name} {min(self.done + 1, self.total)}/{self.total} {percent:3d}%] {text}\n")
        out.flush()

    @contextmanager
    def stage(self, what: str) -> Iterator[None]:
        """Print ``what`` when it starts and its elapsed time when it ends."""
        self._line(f"{what} ...")
        started = time.perf_counter()
        yield
        self.seconds[what] = time.perf_counter() - started
        self._line(f"{what}: done in {self.seconds[what]:.1f} s")
        self.done += 1

    def skip(self, what: str, why: str = "up to date", *, count: int = 1) -> None:
        """``count`` stages with nothing to do."""
        self._line(f"{what}: {why}")
        self.done += count


def quiet() -> Stages:
    """Stages that print nothing (library calls nobody watches)."""
    return Stages("", 0, quiet=True)
