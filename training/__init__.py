"""training builds what nlu/knowledge/media_monitor load.

Every artefact here is produced by the project from its own data (no downloaded
weights), deterministically for a given seed, into a versioned directory that
carries a ``hueai_model.json`` describing how it was made.

- :mod:`training.dense_encoder`: the sentence encoder behind
  :class:`knowledge.index.dense.DenseRetriever`, trained on the TTHC knowledge base.
"""
