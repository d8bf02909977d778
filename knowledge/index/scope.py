"""Does a question ask about something the knowledge base holds? The question alone, read for the gate.

The confidence model's other features read how well the best procedure covers the question's words. A
near miss covers them as well as a right answer does: "giấy phép sử dụng súng săn" finds the licence
for military weapons, "trung tâm sát hạch loại một" the class-3 centre. This model reads only the
question: character 2-5-grams and word 1-2-grams of its unaccented text, weighted by TF-IDF, into a
logistic regression. It is fitted (:mod:`training.kb_scope`) on what the base holds (the answerable
calibration questions and every procedure's name) against what it does not (the calibration questions
about other matters and the gap audits' questions), and its probability is the confidence model's
``in_scope`` feature. So what the audits taught the gap table by exact phrases also reaches questions
worded in other ways ("phun xăm" where the table says "xăm hình"), as one feature the confidence model
weighs against the others rather than as a rule.

>>> scope = ScopeModel().fit(["đăng ký khai sinh cho con", "chuyển trường cho con"], [True, False])
>>> 0.0 < scope.probability("làm giấy khai sinh") < 1.0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Self

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from nlu.text import normalize, strip_diacritics

SCOPE_FILE = "scope.joblib"


def _unaccented(text: str) -> str:
    """Questions come typed with and without marks: both read the same."""
    return strip_diacritics(normalize(text))


class ScopeModel:
    """A text classifier: the probability that a question asks about something the base holds."""

    def __init__(self, *, regularisation: float = 1.0, seed: int = 13) -> None:
        self.regularisation = regularisation
        self.seed = seed
        self.pipeline: Pipeline | None = None

    def fit(self, texts: Sequence[str], in_base: Sequence[bool]) -> Self:
        """Fit on ``texts``, each labelled whether the base holds what it asks; the classes are weighted to
        count equally, as there are many more names and answerable questions than the others."""
        features = make_union(
            TfidfVectorizer(preprocessor=_unaccented, analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                            sublinear_tf=True),
            TfidfVectorizer(preprocessor=_unaccented, ngram_range=(1, 2), sublinear_tf=True),
        )
        classifier = LogisticRegression(C=self.regularisation, class_weight="balanced", max_iter=3000,
                                        random_state=self.seed)
        self.pipeline = make_pipeline(features, classifier).fit(list(texts), [int(bool(b)) for b in in_base])
        return self

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        if self.pipeline is None:
            raise RuntimeError("ScopeModel.fit must be called first")
        return self.pipeline.predict_proba(list(texts))[:, 1].tolist()

    def probability(self, text: str) -> float:
        return self.probabilities([text])[0]

    def save(self, directory: Path) -> None:
        """Write :data:`SCOPE_FILE` (a pickle of scikit-learn objects) into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump({"regularisation": self.regularisation, "seed": self.seed, "pipeline": self.pipeline},
                    directory / SCOPE_FILE)

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read what :meth:`save` wrote. A pickle: load only models you trained."""
        parts = joblib.load(directory / SCOPE_FILE)
        model = cls(regularisation=parts["regularisation"], seed=parts["seed"])
        model.pipeline = parts["pipeline"]
        return model
