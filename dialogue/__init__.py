"""Dialogue management (not built yet): routes each turn by its NLU result to a
knowledge-base answer, a clarifying question (near-tie groups from
:class:`knowledge.index.hybrid.SearchResponse`) or a hand-off to a human operator.

May import: :mod:`core`, :mod:`nlu`, :mod:`knowledge`. Never channels, voice, media_monitor or hueai.
"""
