"""Channels (not built yet): the web chat widget and the Zalo Official Account webhook.

May import: :mod:`dialogue` (and through it nlu, knowledge), :mod:`hueai.storage`.
"""
