"""Labels of an article from the project's post classifiers, with confidences and the model version.

>>> labeller = Labeller.current(models_dir)          # the model <models_dir>/posts/CURRENT names
>>> labeller.label([{"title": "...", "content": "...", "source": "press"}])[0]
Labels(relevant=True, relevant_confidence=0.93, spam=False, spam_confidence=0.98, sentiment_l1='negative',
       sentiment_l1_confidence=0.71, sentiment_l2=[{'label': 'thien_tai', 'confidence': 0.64}],
       places=['phường Vỹ Dạ', 'sông Hương'], model_version='posts-20261203-170254-14026e60')

The classifier (:class:`nlu.posts.PostClassifier`) uses the Huế place
gazetteer (current and pre-2025 names) as a feature of relevance; the places
themselves are also stored with the article (``places``, from
:class:`nlu.entities.gazetteer.LocationGazetteer`, over the title and the
first paragraphs) so staff and the IOC see *where* a post is about. A head's
confidence is the probability of the label it chose (for relevance and spam:
of ``True`` when it said True, of ``False`` otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.artifacts import current

POSTS_KIND = "posts"
PLACES_CHARS = 400  # places are read from the title and the lead, which names them (~2 ms per article)


class NoModel(RuntimeError):
    """No post classifier is trained; the message says which command makes one."""


@dataclass(frozen=True)
class Labels:
    relevant: bool | None
    relevant_confidence: float | None
    spam: bool | None
    spam_confidence: float | None
    sentiment_l1: str | None
    sentiment_l1_confidence: float | None
    sentiment_l2: list[dict[str, Any]] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    model_version: str = ""


def _side(value: bool | None, p_true: float | None) -> float | None:
    if value is None or p_true is None:
        return None
    return round(p_true if value else 1.0 - p_true, 4)


class Labeller:
    """A loaded post classifier and its version (the model directory's name)."""

    def __init__(self, classifier: Any, version: str, *, places: bool = True) -> None:
        self.classifier = classifier
        self.version = version
        self._gazetteer: Any = None
        self.places = places

    @classmethod
    def load(cls, path: Path, *, places: bool = True) -> Labeller:
        from nlu.posts import PostClassifier

        return cls(PostClassifier.load(path), Path(path).name, places=places)

    @classmethod
    def current(cls, models_dir: Path, *, places: bool = True) -> Labeller:
        path = current(models_dir, POSTS_KIND)
        if path is None:
            raise NoModel(f"no post classifier under {models_dir / POSTS_KIND}: run `hueai setup` "
                          "(or `hueai train sentiment`) first")
        return cls.load(path, places=places)

    def _places(self, title: str, content: str) -> list[str]:
        if not self.places:
            return []
        from nlu.entities.gazetteer import LocationGazetteer
        from nlu.entities.tokens import prepare

        if self._gazetteer is None:
            self._gazetteer = LocationGazetteer.default()
        found = self._gazetteer.find(prepare(f"{title}\n{content[:PLACES_CHARS]}"))
        return list(dict.fromkeys(entity.value for entity in found))

    def label(self, posts: Sequence[Mapping[str, Any]]) -> list[Labels]:
        """Labels of each post (``title``, ``content``, ``source``), in one batch."""
        if not posts:
            return []
        predictions = self.classifier.predict([{"title": p.get("title") or "", "content": p.get("content") or "",
                                                "source": p.get("source")} for p in posts])
        out = []
        for post, prediction in zip(posts, predictions):
            scores = prediction.get("scores", {})
            l2_scores = scores.get("sentiment_l2", {})
            out.append(Labels(
                relevant=prediction.get("relevant"),
                relevant_confidence=_side(prediction.get("relevant"), scores.get("relevant")),
                spam=prediction.get("spam"),
                spam_confidence=_side(prediction.get("spam"), scores.get("spam")),
                sentiment_l1=prediction.get("sentiment_l1"),
                sentiment_l1_confidence=prediction.get("confidence"),
                sentiment_l2=[{"label": name, "confidence": l2_scores.get(name)}
                              for name in prediction.get("sentiment_l2", [])],
                places=self._places(post.get("title") or "", post.get("content") or ""),
                model_version=self.version,
            ))
        return out
