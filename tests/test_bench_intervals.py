"""The retrieval benchmark's bootstrap intervals: around the share, wider for fewer questions."""

from bench.retrieval import interval


def test_interval_brackets_the_share():
    result = interval([True] * 26 + [False] * 7)
    assert result["value"] == 0.7879
    assert result["low"] < result["value"] < result["high"]


def test_fewer_questions_give_a_wider_interval():
    few, many = interval([True] * 8 + [False] * 2), interval([True] * 80 + [False] * 20)
    assert few["high"] - few["low"] > many["high"] - many["low"]


def test_unanimous_outcomes_have_no_spread():
    assert interval([True] * 5) == {"value": 1.0, "low": 1.0, "high": 1.0}
