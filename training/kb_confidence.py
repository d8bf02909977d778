"""Fit the knowledge index's confidence model on the project's calibration questions.

>>> index = index.replace(confidence=fit_confidence(index, load_calibration()))

Each calibration question (``training/data/kb_calibration.jsonl``, written by
hand for this purpose and never used as a benchmark) is ranked by the index;
the label is whether a right procedure is among the first five. Questions
about procedures that are not in the base, and everyday questions that are not
about procedures, are all negatives. A logistic regression over the ranking's
features (see :mod:`knowledge.index.confidence`) learns when to trust the
ranking; the threshold comes closest to the targets for recall@5 on answerable
questions and correct "no answer" on the others (see :func:`_best_threshold`).
Questions about a topic the base is known to lack (:mod:`knowledge.gaps`) are
never answered, so the thresholds are chosen with them counted as refused.
The same choice over the spoken questions alone gives the hotline its own
threshold (``channel_thresholds["voice"]``): on the calibration questions the
general one kept recall@5 of transcripts at 0.85 and their no-answer at 0.84,
their own at 0.89 and 0.80. Below the threshold, suggestions are offered down
to :data:`SUGGEST_RECALL` (see :func:`_suggestion_threshold`).

What did not help (fitted here, judged on the three development question sets, the
sealed set unread; December 2026): gradient-boosted trees over the same features
(scikit-learn's ``HistGradientBoostingClassifier``), the reranker's own probability
of the first procedure and its margin over the second, and how much of a name's
qualifier ("… đối với cán bộ xã", "… cho trung tâm sát hạch") the question covers.
The development sets' AUC (right procedure found vs. not in the base) moved from
0.928 to 0.928-0.935 and the gated figures within one or two questions either way.
The confident wrong answers left are questions about a procedure next to one in the
base (a restaurant's food-safety certificate where the base has the one for farm
produce; a worker's pension where it has a commune officer's): no feature of the
ranking tells them apart. Neither did the first procedure's rank in the lexical ranking, in the
dense one and before reranking (whether the two halves and the reranker agree; seed 13, 5 December
2026): answered recall@5 of set D +0.019, of A and B -0.004 and -0.005, set C's no-answer -0.023.

Tried next (same judge): the ranking of each answerable calibration question with its
right procedures left out, as extra "not in the base" examples (weights 0.1-1), and
two features of how the question is written (the share of its syllables that are
story, not content; the share of abbreviations). Recall@5 answered, averaged over
correct no-answer 0.75-0.90 on the pooled development sets: 0.848 served, 0.855 with
the two features, 0.863 with both; none above 0.85 for every style. What moved the
numbers was knowing which topics the base lacks (:mod:`knowledge.gaps`): at the
fitted thresholds, 0.887 / 0.822 (answered recall@5 / correct no-answer) became
0.901 / 0.937 on the development sets. The topics were written from those sets' and
the calibration questions' confident wrong answers and from what citizens commonly
ask, so the development figure flatters them; the sealed set's is the claim. An audit of
120 everyday questions across sectors (not the sealed set) took the table from 15 to 34
topics (whole sectors the imported catalogue lacks: health, education, culture, utilities);
with them the fitted threshold fell to 0.32 and the sealed set's answered recall@5 rose
from 0.87 to 0.90 at correct no-answer 0.74 -> 0.76. A second audit (109 everyday questions, 50 near
misses in the catalogue's own sectors, 50 hotline-style questions about common procedures) took it to
54 topics, each checked against the records' own sentences so that none turns away a question about a
procedure the base holds; with a few aliases and children's procedures ranked down when no child is
named, the threshold fell to 0.29 (voice 0.29): sealed answered recall@5 0.895, correct no-answer 0.78,
spoken answered 0.80 -> 0.875; the development sets' no-answer 1.00 / 1.00 / 0.94. A third and a fourth
audit (550 questions by five writers, ``training/data/gap_audits.jsonl``) took it to 113 topics. With
the calibration questions they turn away counted as refused, the threshold chosen for issue 2's targets
fell to 0.22, trading the no-answer the topics won for answered recall; chosen for issue 9's (0.90 /
0.85, :data:`NO_ANSWER_TARGET`), it is 0.31 (voice 0.29), and the development sets' answered recall@5 /
correct no-answer are 0.917 / 1.00, 0.925 / 1.00, 0.963 / 0.967.
98 more calibration questions by two more writers (42 of them hotline transcripts; see
``training/data/README.md``) raised the curve of answered recall@5 against correct no-answer on every
development set and on the sealed one, and moved the fitted threshold to 0.28 (voice 0.21): the gain
went to answering (sealed set 0.89 -> 0.915) and correct no-answer fell from 0.86 to 0.82.

Near misses (development set E, ``bench/data/kb_questions_dev_nearmiss.jsonl``: questions about a
procedure next to one the base holds, written blind; 5 December 2026). The gap table turned away 33 %
of them and the gate answered 40 %: "giấy phép sử dụng súng săn" gets "… vũ khí quân dụng" at
0.88, "trung tâm sát hạch loại một" gets "… loại 3" at 0.99. Judged with 74 of them added here and the
other 62 held out (seed 13): the held-out ones refused 0.565 -> 0.581, while the threshold rose from 0.28
to 0.33 and set D's answered recall@5 fell from 0.771 to 0.710; added to the threshold choice only, the
threshold is 0.40. Features tried on the same split, none refusing more than one more held-out near miss
or answering more at equal refusal (answered recall@5 of sets A-D at the threshold refusing 70 % of the
held-out ones, 0.758 without): the heaviest word of the question that names procedures and is missing
from the first one's name (0.760); the question asking for an action the name lacks ("đóng cửa" for
"Đăng ký hoạt động…"; 0.762, and it fires as often on right answers); a substitution inside a span the
question and the name share ("dạy lý thuyết lái xe" against "dạy thực hành lái xe"; 0.752); the
heaviest word missing from the name, aliases, field and result (not the steps and documents, which
mention everything; 0.762); the ranking of each answerable calibration question with its right
procedures left out, as extra negatives weighted 0.1-0.5 (0.767-0.773). Telling a near miss from its
neighbour needs a model that reads what the words mean, not how much of them a record covers.

What set E did show is that the thresholds were chosen on too easy a "no answer" side: the calibration
questions said 0.89 correct no-answer where set E got 0.70. So 84 near misses written blind for the
purpose (``"threshold_only": true`` in the calibration file; ``training/data/README.md``) join the
held-out probabilities when the thresholds are chosen, and stay out of the fit, where they would only
teach the model to distrust the long tail. With a fifth gap audit (225 topics), the threshold moved from
0.20 to 0.26 (voice 0.21 -> 0.25; seed 13): set E refused 0.70 -> 0.74, sets A-D answered recall@5 0.932 /
0.960 / 0.973 / 0.790 -> 0.920 / 0.930 / 0.973 / 0.781 (``bench/results/retrieval.json``).

A sixth gap audit (324 topics; ``training/data/README.md``) caught few of set E's questions that the gate
did not already refuse (0.749 -> 0.759 at an unchanged 0.26 / voice 0.25), and with it the rule aimed at
0.85 fell to 0.20 (voice 0.22): set E refused 0.71. Aimed at 0.90 (:data:`NO_ANSWER_TARGET`), the
threshold is 0.31 (voice 0.26; seed 13; 0.31-0.33 over seeds 13-15): set E refused 0.77 (0.77-0.80), sets
A-D answered recall@5 0.914 / 0.920 / 0.963 / 0.762, correct no-answer 1.00 / 1.00 / 0.97 / 0.98. Tried,
not kept: each style's two ratios inside the rule (twelve ratios instead of two; the threshold moved with
the seed, 0.26 at 13 and 0.38 at 14, set B answered 0.93 and 0.88), and choosing the thresholds only on
the questions the gap table lets through (0.38: set D answered 0.705).

What did move the curve is a feature that reads the question alone: ``in_scope``, a text classifier's
probability that the base holds what it asks (:mod:`training.kb_scope`). At the same rule the threshold
is 0.31 (voice 0.30; 0.29-0.31 over seeds 13-15): set E refused 0.80 (0.80-0.82), sets A-D answered
recall@5 0.926 / 0.910 / 0.960 / 0.733, correct no-answer 1.00 / 1.00 / 0.99 / 0.98.

Formal questions about what the base lacks stay the weakest (set E's formal ones refused 0.74, the
others 0.80-0.85; 6 December 2026, seed 13). Their wrong answers are confident ones: on set E and on the
calibration questions, formal no-answer stays the same for every threshold from 0.26 to 0.46, so no
threshold rule reaches them. They ask for a variant of a held procedure (class I where the base has class
II, a lost certificate's reissue where it has the first issue, a seaport's security card where it has an
airport's). Tried, not kept (same development sets): a pair model reading which words of the question the
first procedure's name lacks and which of the name's the question lacks (a logistic regression over those
words, cross-fitted like ``in_scope``, with the words limited to those in 10-100 names or not): sets A-C
answered a little more, set D less (0.733 -> 0.65-0.72), set E's formal refusals unchanged or fewer;
interactions of the features (pairwise products) and gradient-boosted trees over them with ``in_scope``:
set E's formal refusals 0.69-0.74. Counting "asks for a reissue the name does not offer" fires on 200
right answers for 62 wrong ones. What would tell them apart is knowing which variants the national
catalogue has and this base does not.

The national catalogue, tried and not kept (6 December 2026, seed 13, same judge): the crawl the base
comes from holds 1,163 more procedures, performed only by ministries or the State Bank. Their names added to
the scope model's "not held" examples: set E refused 0.80 -> 0.83-0.84, but sets B and D answered 0.899 ->
0.874 and 0.762 -> 0.72-0.74, and set E's formal refusals stayed at 29 of 39; as a feature (the best of those
names' BM25 against the first procedure's name's), nothing moved. Only one of set E's ten confident formal
wrong answers (a surveying certificate of class I) is among them: the rest are variants no catalogue list
here names (a notary office closing, a seaport's security card). The crawl's repository states no licence,
another reason to leave the names out.

What the names of the base do say is kept (:mod:`knowledge.index.variants`): a class the first name
contradicts ("hạng I" asked, "… hạng II" named), another of a few kinds that exclude each other ("ô tô" asked,
"… mô tô" named) and a reissue its family lists no procedure for are offered, never answered, and count as
refused when the thresholds are chosen. On the 3,816 calibration, audit and development questions they fire
on 23, all about what the base lacks. The thresholds stay 0.28 (voice 0.22); set E is refused 0.80 -> 0.84,
its formal questions 29 -> 33 of 39 and its teencode ones 32 -> 34 of 40; sets A-D answer as before. A
closing its family lists no procedure for (recipe 14: "xóa đăng ký phương tiện giao thông đường sắt" where
the base has the registration) and a transport mode the first name contradicts fire on 15 more, none with a
right first procedure. One of them is a calibration question the gate had answered between 0.24 and 0.28;
refused, it moved the threshold chosen here from 0.28 to 0.24 (a median over 200 bootstrap resamples of the
calibration questions chooses the same; voice stays 0.22): sets A-D answered 0.935 / 0.899 / 0.966 / 0.762 ->
0.941 / 0.915 / 0.973 / 0.776, set E refused 0.839 -> 0.844 (formal 33 -> 34 of 39).

A threshold per writing style, tried and not kept (6 December 2026, seeds 13-15, development sets A-F with
the style each question was written in). A text classifier trained on the calibration questions' styles
reads the style of the development questions right 98 % of the time, so a register-specific threshold could
be applied at run time. Chosen by this module's rule on each style's cross-fitted calibration probabilities,
the thresholds moved with the seed (no diacritics 0.62-0.64 at seeds 13 and 15, 0.17 at 14; colloquial
0.13-0.17): answered recall@5 0.887 -> 0.880 at seed 13 and no-answer unchanged. Moved only as far as the
calibration curve of the style says is free (down while its no-answer holds, else up while its recall holds):
answered 0.881 -> 0.889 and no-answer 0.935 -> 0.924, averaged over the seeds, the same trade-off curve as one
threshold. Colloquial questions are the weakest answered style on every set, but only seed 13 said so
consistently on the calibration questions.

A seventh gap audit (7 December 2026; ``training/data/README.md``): four writers blind to the benchmark sets
wrote near misses in formal letters from organisations, and the assistant answered 155 of their 200 formal
ones with confidence, so the formal weakness is not the sealed set's alone. 79 topics, and the 340 questions
as "not held" examples of the scope model (:mod:`training.kb_scope`). Paired over seeds 13-15 on the
development sets: the thresholds fell from 0.31 / 0.30 / 0.33 to 0.25 / 0.28 / 0.29 (voice 0.23-0.24 ->
0.25-0.26), and the gain went both ways: set E refused 0.889 / 0.869 / 0.894 -> 0.910 / 0.899 / 0.905 (its
formal questions 34-35 -> 36 of 39), answered recall@5 A 0.923-0.938 -> 0.932-0.938, B 0.864-0.894 ->
0.894-0.899, D 0.838-0.852 -> 0.833-0.862, F 0.753-0.793 -> 0.767-0.807, C unchanged. An eighth audit in
teencode and unaccented chat (28 topics, 234 questions) moved no development figure beyond a question either
way; the thresholds became 0.27 at every seed, and the hotline's 0.18 / 0.24 / 0.26 (0.19 at seed 13 with its
questions left out of the scope model: the topics, not the examples, move it).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict

from knowledge.index.confidence import CHANNEL_STYLES, FEATURES, ConfidenceModel, LogisticModel
from knowledge.index.hybrid import KnowledgeIndex

CALIBRATION = Path(__file__).resolve().parent / "data" / "kb_calibration.jsonl"
# The product's targets: recall@5 with the gate, and correct "no answer". Issue 9 asks for 0.90 and 0.85
# overall and for no writing style below 0.85. The styles spread by about 0.05 either side of the whole,
# so both are aimed at 0.90 overall, the no-answer as the recall already was: aimed at 0.85, the gate
# met it overall and left the weakest styles' no-answer at 0.70-0.80 (see the module docstring).
RECALL_TARGET = 0.90
NO_ANSWER_TARGET = 0.90
# Below the threshold, suggestions are offered down to where they still hold this share of the
# right procedures the ranking found: at most 1 in 20 is lost without being offered.
SUGGEST_RECALL = 0.95


def load_calibration(path: Path = CALIBRATION) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def fit_logistic(rows: list[dict[str, float]], labels: list[int], names: tuple[str, ...], *, seed: int = 13,
                 balanced: bool = False, groups: list[int] | None = None) -> tuple[dict, np.ndarray]:
    """Fit a logistic regression on standardised ``rows``; return :class:`LogisticModel` fields and
    5-fold held-out probabilities (folds keep each of ``groups`` together when given)."""
    x = np.asarray([[row.get(name, 0.0) for name in names] for row in rows], dtype=float)
    y = np.asarray(labels)
    means, scales = x.mean(axis=0), x.std(axis=0)
    scales[scales == 0] = 1.0
    z = (x - means) / scales
    model = LogisticRegression(C=1.0, class_weight="balanced" if balanced else None, max_iter=2000,
                               random_state=seed)
    folds = GroupKFold(n_splits=5) if groups is not None else StratifiedKFold(n_splits=5, shuffle=True,
                                                                              random_state=seed)
    held_out = cross_val_predict(model, z, y, cv=folds, groups=groups, method="predict_proba")[:, 1]
    model.fit(z, y)
    fields = {
        "weights": {name: float(w) for name, w in zip(names, model.coef_[0])},
        "bias": float(model.intercept_[0]),
        "means": {name: float(m) for name, m in zip(names, means)},
        "scales": {name: float(s) for name, s in zip(names, scales)},
    }
    return fields, held_out


def questions_digest(questions: list[dict]) -> str:
    return hashlib.sha256(json.dumps([q["text"] for q in questions], ensure_ascii=False).encode()).hexdigest()


#: Marks answerable calibration questions written for the procedures citizens seldom ask for
#: (``training/data/README.md``: ``w…`` from the records, ``v…`` as the askers' stories): the dense encoder,
#: the scope model and the reranker learn from them, the confidence model does not. Fitted on them too, it
#: trusted a record's own words more and answered fewer citizens' questions about the procedures they ask for
#: every day.
RANKING_ONLY = "ranking_only"


def fit_confidence(index: KnowledgeIndex, questions: list[dict], *, seed: int = 13) -> ConfidenceModel:
    """The logistic model over :data:`FEATURES` and its thresholds.

    Questions marked ``threshold_only`` (near misses the base does not hold) are left out of the fit
    and join the others' held-out probabilities when the thresholds are chosen (see the module
    docstring); those marked ``ranking_only`` (:data:`RANKING_ONLY`) are left out of both.
    """
    decided = [q for q in questions if not q.get(RANKING_ONLY)]
    fitted = [q for q in decided if not q.get("threshold_only")]
    only = [q for q in decided if q.get("threshold_only")]
    ordered = fitted + only
    rows, labels, answerable, refused = [], [], [], []
    for q in ordered:
        response = index.search(q["text"], k=5, gate=False)
        refused.append(response.missing is not None or response.unheld_variant is not None)
        found = bool(q["expected"]) and any(h.code in q["expected"] for h in response.results)
        rows.append(response.features)
        labels.append(int(found))
        answerable.append(bool(q["expected"]))
    y, has_answer = np.asarray(labels), np.asarray(answerable)
    fields, held_out = fit_logistic(rows[: len(fitted)], labels[: len(fitted)], FEATURES, seed=seed, balanced=True)
    # The questions left out of the fit are out of sample for the whole model, as the others are for their folds'.
    held_out = np.concatenate([held_out, LogisticModel(**fields).probabilities(rows[len(fitted):])])
    # A question about a topic the base is known to lack (knowledge/gaps.py), or for a variant the first name
    # rules out (knowledge/index/variants.py), is never answered, whatever its probability: the thresholds are
    # chosen for the questions the model really decides.
    held_out = np.where(refused, 0.0, held_out)
    threshold = _best_threshold(held_out, y, has_answer)
    suggest = _suggestion_threshold(held_out, y, threshold)
    styles = np.asarray([q.get("style") for q in ordered])
    masks = {channel: styles == style for channel, style in CHANNEL_STYLES.items()}
    channels = {channel: m for channel, m in masks.items() if has_answer[m].any() and (~has_answer[m]).any()}
    channel_thresholds = {channel: _best_threshold(held_out[m], y[m], has_answer[m]) for channel, m in channels.items()}
    return ConfidenceModel(
        **fields,
        threshold=threshold,
        suggest_threshold=suggest,
        channel_thresholds=channel_thresholds,
        fitted_on={
            "questions": len(questions),
            "threshold_only": len(only),
            "ranking_only": len(questions) - len(decided),
            "positives": int(y.sum()),
            "data_sha256": questions_digest(questions),
            "cv_auc": round(float(roc_auc_score(y, held_out)), 4) if 0 < y.sum() < len(y) else None,
            "cv": _outcomes(held_out, y, has_answer, threshold, suggest),
            "cv_by_channel": {channel: _outcomes(held_out[m], y[m], has_answer[m], channel_thresholds[channel], suggest)
                              for channel, m in channels.items()},
            "seed": seed,
        },
    )


def _best_threshold(probability: np.ndarray, found: np.ndarray, has_answer: np.ndarray) -> float:
    """The threshold that comes closest to both targets: gated recall@5 on answerable questions
    over :data:`RECALL_TARGET` and correct no-answer on the rest over :data:`NO_ANSWER_TARGET`
    (the larger of the two ratios' minimum). A mean of the two would trade a missed target
    for a surplus on the other."""
    best, best_score = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        recall = float(((probability >= t) & (found == 1))[has_answer].mean()) if has_answer.any() else 0.0
        no_answer = float((probability < t)[~has_answer].mean()) if (~has_answer).any() else 0.0
        score = min(recall / RECALL_TARGET, no_answer / NO_ANSWER_TARGET)
        if score > best_score + 1e-9:
            best, best_score = float(t), score
    return round(best, 3)


def _suggestion_threshold(probability: np.ndarray, found: np.ndarray, threshold: float) -> float:
    """The highest threshold, at most ``threshold``, above which :data:`SUGGEST_RECALL` of the
    questions whose right procedure is among the first five still are."""
    right = np.sort(probability[found == 1])
    if not len(right):
        return threshold
    lowest_kept = float(right[int(np.floor((1 - SUGGEST_RECALL) * len(right)))])
    return round(min(threshold, lowest_kept), 3)


def _outcomes(probability: np.ndarray, found: np.ndarray, has_answer: np.ndarray, threshold: float,
              suggest: float) -> dict[str, float]:
    """What the held-out probabilities do with the questions: answerable ones answered (right
    procedure among the five) or offered, unanswerable ones turned away or offered."""
    answered, offered = probability >= threshold, (probability >= suggest) & (probability < threshold)
    right = found == 1
    return {
        "recall@5_answered": round(float((answered & right)[has_answer].mean()), 4),
        "recall@5_answered_or_offered": round(float(((answered | offered) & right)[has_answer].mean()), 4),
        "no_answer": round(float((~answered)[~has_answer].mean()), 4),
        "unanswerable_offered": round(float(offered[~has_answer].mean()), 4),
    }
