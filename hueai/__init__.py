"""hueai's composition root: settings, storage, logging, metrics, the ``hueai``
command line and the web application factory.

This is the only package that wires the others together. It may import every
other package of the project; none of them imports ``hueai`` except
:mod:`hueai.storage` (persistence) and :mod:`hueai.settings`.
"""

__version__ = "0.1.0"
