"""``python -m hueai.cli``: the same as the ``hueai`` command."""

from hueai.cli import app

app()
