"""Log lines keep flowing after something swapped ``sys.stderr`` and closed its stand-in."""

from __future__ import annotations

import io
import sys

import pytest
import structlog

from hueai.logging import configure_logging


def test_logging_survives_a_closed_stand_in_for_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stand_in)
    configure_logging("INFO")  # what a CLI command under Click's test runner does
    structlog.get_logger("test").info("while swapped")
    assert "while swapped" in stand_in.getvalue()
    stand_in.close()
    later = io.StringIO()
    monkeypatch.setattr(sys, "stderr", later)
    structlog.get_logger("test").info("after the stand-in closed")
    assert "after the stand-in closed" in later.getvalue()


def test_log_lines_mask_numbers_but_not_the_time_stamps_of_file_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("INFO")
    structlog.get_logger("test").info("runtime.loaded", caller="0914123456",
                                      path="var/models/nlu/nlu-20261203-201117-94a09289")
    line = stream.getvalue()
    assert "09******56" in line and "0914123456" not in line
    assert "nlu-20261203-201117-94a09289" in line
