"""The 19001075 callbot (not built yet): Asterisk ARI, RTP media, ASR/TTS as a pipeline of frames.

May import: :mod:`dialogue` (and through it nlu, knowledge), :mod:`hueai.storage`.
"""
