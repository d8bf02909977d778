"""Press and social monitoring (not built yet): crawl, filter, label sentiment, verify, export to the IOC.

May import: :mod:`core` (storage, shared types) and :mod:`nlu` (the post classifiers). Never dialogue,
channels, voice or hueai.
"""
