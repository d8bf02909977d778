"""Channels (not built yet): the web chat widget and the Zalo Official Account webhook.

May import: :mod:`core`, :mod:`nlu`, :mod:`knowledge`, :mod:`dialogue`. Never voice, media_monitor or hueai.
"""
