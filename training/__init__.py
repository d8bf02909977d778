"""training builds what nlu/knowledge/media_monitor load.

Every artefact here is produced by the project from its own data (no downloaded
weights), deterministically for a given seed, into a versioned directory that
carries a ``hueai_model.json`` describing how it was made.

- :mod:`training.dense_encoder`: the sentence encoder behind
  :class:`knowledge.index.dense.DenseRetriever`, trained on the TTHC knowledge base
  and the labelled calibration questions;
- :mod:`training.kb_reranker` and :mod:`training.kb_confidence`: the index's reranker
  and confidence model, fitted on the calibration questions (``data/kb_calibration.jsonl``)
  with dense scores from encoders that did not see them (:mod:`training.kb_crossfit`);
- :mod:`training.kb_scope`: the index's scope model (does a question ask about what the base holds?),
  fitted on the calibration questions, the procedures' names and the gap audits' questions
  (``data/gap_audits.jsonl``), with a cross-fitted view for the confidence model;
- :mod:`training.tune_ranking`: the field weights and dense share, chosen on the same questions;
- :mod:`training.diacritics`: the corpus of the diacritics restorer.

The NLU model and the post classifiers are trained by ``nlu`` itself from
``data/nlu`` and ``data/posts`` (``hueai train nlu``, ``hueai train sentiment``).
"""
