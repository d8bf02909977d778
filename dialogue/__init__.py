"""Dialogue management (not built yet): routes each turn by its NLU result to a
knowledge-base answer, a clarifying question (near-tie groups from
:class:`knowledge.index.hybrid.SearchResponse`) or a hand-off to a human operator.

May import: :mod:`nlu`, :mod:`knowledge`, :mod:`hueai.storage`. Never channels, voice or media_monitor.
"""
