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


def test_figures_split_procedures_with_and_without_calibration_questions():
    from bench.retrieval import Scored, _at, figures

    scored = [
        Scored("formal", True, True, 1, 0.9, "answer"),  # calibrated, right, answered
        Scored("formal", True, False, 3, 0.2, "none"),  # long tail, ranked but turned away
        Scored("spoken", True, False, None, 0.8, "answer"),  # long tail, not found
        Scored("spoken", False, False, None, 0.1, "none"),  # not in the base, turned away
    ]
    whole = figures(scored)
    assert (whole["answerable"], whole["unanswerable"]) == (3, 1)
    assert whole["ungated"]["recall@5"] == 0.6667 and whole["recall@5"] == 0.3333
    assert whole["correct_no_answer"] == 1.0
    tail = figures([s for s in scored if s.answerable and not s.calibrated])
    assert tail["ungated"]["recall@5"] == 0.5 and tail["recall@5"] == 0.0
    assert _at(0.15, scored) == {"threshold": 0.15, "answered_recall@5": 0.6667, "correct_no_answer": 1.0}


def test_the_seed_spread_reads_each_sets_gated_figures():
    from bench.retrieval import LABELS, POOLED, QUESTION_SETS, _headline

    config = {name: {"recall@5": 0.9, "correct_no_answer": 0.8, "threshold": 0.3,
                     "per_style": {"spoken": {"recall@5": 0.85, "correct_no_answer": 0.7}}} for name in LABELS}
    config[POOLED]["per_style"] = {"spoken": {"recall@5": 0.8, "correct_no_answer": 0.9}}
    headline = _headline(config)
    assert headline["threshold"] == 0.3 and set(headline["sets"]) == {*QUESTION_SETS, POOLED}
    assert headline["sealed_per_style"] == {"spoken": {"answered_recall@5": 0.8, "correct_no_answer": 0.9}}
