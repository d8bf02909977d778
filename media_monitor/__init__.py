"""Press and social monitoring (not built yet): crawl, filter, label sentiment, verify, export to the IOC.

May import: :mod:`dialogue`'s shared models where useful, :mod:`nlu`, :mod:`hueai.storage`.
"""
