"""The 19001075 callbot (not built yet): Asterisk ARI, RTP media, ASR/TTS as a pipeline of frames.

May import: :mod:`core`, :mod:`nlu`, :mod:`knowledge`, :mod:`dialogue`. Never channels, media_monitor or hueai.
"""
